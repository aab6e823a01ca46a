/** Progress output of fit: plain lines on a non-terminal stream, `\r` redraws on a terminal, console lines, callbacks. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { makeDataset } from '../../src/data/dataset.js'
import { layers } from '../../src/nn/index.js'
import { sgd } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { key } from '../../src/random/key.js'
import { formatProgress, type ProgressReport, type ProgressStream } from '../../src/report/progress.js'
import { fit, type FitOptions } from '../../src/train/fit.js'
import { blobs, expectFitError, plainMlp, right } from './helpers.js'

const fake = (isTTY: boolean): ProgressStream & { chunks: string[] } => {
  const chunks: string[] = []
  return { chunks, isTTY, columns: 300, write: (s: string) => chunks.push(s) }
}
const data = blobs(14, 2, 2, 3)
const dev = blobs(10, 2, 2, 4)
const base: FitOptions = { epochs: 3, batchSize: 4, optimizer: sgd(0.1), key: key(0) }

describe('fit: progress', () => {
  it('a non-terminal stream gets one plain line per epoch end, then a done line', () => {
    const out = fake(false)
    const r = right(fit(plainMlp(4, 2), data, { ...base, dev, progress: out }))
    expect(out.chunks.every((c) => !c.includes('\r') && c.endsWith('\n'))).toBe(true)
    const epochLines = out.chunks.filter((c) => /^fit epoch \d\/3 batch 4\/4 /.test(c))
    expect(epochLines.length).toBe(3)
    expect(out.chunks.length).toBe(4)
    expect(out.chunks[3]).toMatch(/^fit done in \d+:\d\d\n$/)
    epochLines.forEach((line, e) => {
      const h = r.history[e]!
      expect(line).toContain(`epoch ${e + 1}/3`)
      expect(line).toContain(`loss ${h.trainLoss.toFixed(4)}`)
      // The epoch's own dev accuracy, not the previous epoch's.
      expect(line).toContain(`dev acc ${h.devAccuracy.toFixed(4)}`)
    })
  })

  it('without a dev set the lines carry no dev metric; regression reports the dev loss', () => {
    const out = fake(false)
    right(fit(plainMlp(4, 2), data, { ...base, progress: out }))
    expect(out.chunks.filter((c) => c.includes('batch 4/4')).length).toBe(3)
    expect(out.chunks.some((c) => c.includes('dev'))).toBe(false)
    const reg = makeDataset(data.x, data.x.filter((_, i) => i % 2 === 0), [2], [])
    const regOut = fake(false)
    const r = right(fit(sequential(layers.dense(1)), reg, { ...base, loss: 'meanSquaredError', dev: reg, progress: regOut }))
    const lines = regOut.chunks.filter((c) => c.includes('batch 4/4'))
    lines.forEach((line, e) => expect(line).toContain(`dev loss ${r.history[e]!.devLoss.toFixed(4)}`))
  })

  it('a terminal stream gets `\\r` redraws, every epoch end drawn, and one final newline', () => {
    const out = fake(true)
    right(fit(plainMlp(4, 2), data, { ...base, dev, progress: out }))
    const draws = out.chunks.slice(0, -1)
    expect(draws.length).toBeGreaterThanOrEqual(3)
    expect(draws.every((c) => c.startsWith('\r') && !c.includes('\n'))).toBe(true)
    for (const e of [1, 2, 3]) expect(draws.some((c) => c.includes(`epoch ${e}/3 batch 4/4`))).toBe(true)
    expect(out.chunks.at(-1)).toBe('\n')
    expect(draws.at(-1)).toContain('100%')
  })
})

describe('fit: progress callback and console output', () => {
  afterEach(() => vi.restoreAllMocks())

  it('a callback gets a report on every batch (fields, elapsed, plain line), then one with done: true', () => {
    const reports: ProgressReport[] = []
    const r = right(fit(plainMlp(4, 2), data, { ...base, dev, progress: (p) => reports.push(p) }))
    // 3 epochs of 4 batches, then the final report.
    expect(reports.length).toBe(13)
    expect(reports.map((p) => p.done)).toEqual([...Array<boolean>(12).fill(false), true])
    expect(reports.slice(0, 12).map((p) => `${p.epoch}.${p.batch}/${p.batches} of ${p.epochs}`)).toEqual(
      [1, 2, 3].flatMap((e) => [1, 2, 3, 4].map((b) => `${e}.${b}/4 of 3`)),
    )
    const last = reports[12]!
    expect({ ...last, elapsed: 0 }).toEqual({ ...reports[11]!, elapsed: 0, line: last.line, done: true })
    for (const p of reports) {
      expect(p.elapsed).toBeGreaterThanOrEqual(0)
      expect(p.line).toBe(formatProgress(p, { tty: false, label: 'fit', metricName: 'dev acc' }))
      expect(p.line).not.toMatch(/[\r\n]/)
    }
    // Epoch ends carry the epoch's own loss and dev accuracy; mid-epoch reports the last known dev metric.
    r.history.forEach((h, e) => {
      const end = reports[4 * e + 3]!
      expect(end.loss).toBe(h.trainLoss)
      expect(end.devMetric).toBe(h.devAccuracy)
    })
    expect('devMetric' in reports[0]!).toBe(false)
    expect(reports[4]!.devMetric).toBe(r.history[0]!.devAccuracy)
  })

  it('the final report is where training stopped; a throwing callback propagates and is not called again', () => {
    const reports: ProgressReport[] = []
    right(fit(plainMlp(4, 2), data, { ...base, progress: (p) => reports.push(p), onEpochEnd: (rec) => (rec.epoch === 2 ? 'stop' : undefined) }))
    expect(reports.at(-1)).toMatchObject({ epoch: 2, batch: 4, done: true })
    expect(reports.filter((p) => p.done).length).toBe(1)
    let calls = 0
    const boom = () => {
      calls++
      throw new Error('boom')
    }
    expect(() => fit(plainMlp(4, 2), data, { ...base, progress: boom })).toThrow('boom')
    expect(calls).toBe(1)
  })

  it('progress: true prints plain lines through console.log and writes to no stream', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const write = vi.spyOn(process.stdout, 'write')
    const r = right(fit(plainMlp(4, 2), data, { ...base, dev, progress: true }))
    expect(write).not.toHaveBeenCalled()
    const lines = log.mock.calls.map((c) => c[0] as string)
    expect(lines.length).toBe(4)
    lines.slice(0, 3).forEach((line, e) => {
      expect(line).toMatch(new RegExp(`^fit epoch ${e + 1}/3 batch 4/4 `))
      expect(line).toContain(`dev acc ${r.history[e]!.devAccuracy.toFixed(4)}`)
    })
    expect(lines[3]).toMatch(/^fit done in \d+:\d\d$/)
  })

  it('a progress value that is not a boolean, a function or a stream is a Left before training', () => {
    for (const progress of ['yes', 1, null, {}, { write: 'no' }]) {
      let epochs = 0
      const r = fit(plainMlp(4, 2), data, { ...base, progress: progress as never, onEpochEnd: () => void epochs++ })
      expectFitError(r, 'progress', /fit: progress: expected true, false, a stream \(an object with a write method\) or a function/)
      expect(epochs).toBe(0)
    }
    expectFitError(fit(plainMlp(4, 2), data, { ...base, progress: 'yes' as never }), 'progress', /got the string "yes"$/)
    expectFitError(fit(plainMlp(4, 2), data, { ...base, progress: {} as never }), 'progress', /got an object without a write method$/)
  })
})
