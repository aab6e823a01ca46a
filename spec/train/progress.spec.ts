/** Progress output of fit: plain lines on a non-terminal stream, `\r` redraws on a terminal. */
import { describe, expect, it } from 'vitest'
import { makeDataset } from '../../src/data/dataset.js'
import { layers } from '../../src/nn/index.js'
import { sgd } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { key } from '../../src/random/key.js'
import type { ProgressStream } from '../../src/report/progress.js'
import { fit, type FitOptions } from '../../src/train/fit.js'
import { blobs, plainMlp, right } from './helpers.js'

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
