import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type ProgressOptions,
  type ProgressUpdate,
  formatDuration,
  formatProgress,
  progressBar,
  progressBarCells,
  progressFraction,
} from '../../src/report/progress.js'

/** A fake stream capturing writes, and a clock the test moves by hand. */
const setup = (isTTY: boolean, options: Omit<ProgressOptions, 'stream' | 'now'> = {}, columns?: number) => {
  const writes: string[] = []
  const clock = { t: 1_000_000 }
  const stream = { isTTY, write: (s: string) => writes.push(s), ...(columns === undefined ? {} : { columns }) }
  const bar = progressBar({ ...options, stream, now: () => clock.t })
  return { writes, clock, bar }
}

const step = (epoch: number, batch: number, extra: Partial<ProgressUpdate> = {}): ProgressUpdate => ({
  epoch,
  epochs: 3,
  batch,
  batches: 4,
  loss: 1 / epoch,
  ...extra,
})

describe('progress helpers', () => {
  it('fills the bar with eighth blocks and clamps', () => {
    expect(progressBarCells(0, 4)).toBe('    ')
    expect(progressBarCells(1, 4)).toBe('████')
    expect(progressBarCells(2, 4)).toBe('████')
    expect(progressBarCells(NaN, 2)).toBe('  ')
    expect(progressBarCells(0.5 + 1 / 32, 4)).toBe('██▏ ')
    expect(progressBarCells(0.5 + 1 / 16, 4)).toBe('██▎ ')
    for (let i = 0; i <= 64; i++) expect([...progressBarCells(i / 64, 8)]).toHaveLength(8)
  })

  it('formats durations and fractions', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(59_999)).toBe('0:59')
    expect(formatDuration(3_600_000)).toBe('1:00:00')
    expect(formatDuration(NaN)).toBe('0:00')
    expect(progressFraction({ epoch: 1, epochs: 2, batch: 0, batches: 5 })).toBe(0)
    expect(progressFraction({ epoch: 2, epochs: 2, batch: 5, batches: 5 })).toBe(1)
    expect(progressFraction({ epoch: 1, epochs: 2, batch: 5, batches: 5 }, 20)).toBe(0.25)
  })

  it('shows NaN loss, tiny losses and the metric name', () => {
    const s = { ...step(1, 2), loss: NaN, devMetric: 1.5e-5, elapsed: 0 }
    expect(formatProgress(s, { tty: false, metricName: 'dev acc' })).toBe('epoch 1/3 batch 2/4 (17%) loss NaN dev acc 1.500e-5 elapsed 0:00')
  })
})

describe('progressBar, plain mode (not a TTY)', () => {
  it('prints one line per epoch end, none mid-epoch before the interval', () => {
    const { writes, clock, bar } = setup(false, { label: 'net', intervalSeconds: 60 })
    for (let e = 1; e <= 3; e++)
      for (let b = 1; b <= 4; b++) {
        clock.t += 1000
        bar.update(step(e, b))
      }
    bar.update(step(3, 4, { devMetric: 0.5 })) // a repeated epoch end is dropped, even at done()
    bar.done()
    expect(writes).toEqual([
      'net epoch 1/3 batch 4/4 (33%) loss 1.0000 elapsed 0:04\n',
      'net epoch 2/3 batch 4/4 (67%) loss 0.5000 elapsed 0:08\n',
      'net epoch 3/3 batch 4/4 (100%) loss 0.3333 elapsed 0:12\n',
      'net done in 0:12\n',
    ])
    expect(writes.join('')).not.toContain('\r')
  })

  it('prints mid-epoch at most once per interval', () => {
    const { writes, clock, bar } = setup(false, { intervalSeconds: 10 })
    const many = { batches: 100, epochs: 1 }
    for (let b = 1; b <= 99; b++) {
      clock.t += 1000 // one second per batch: lines at 10 s, 20 s, ...
      bar.update(step(1, b, many))
    }
    expect(writes).toHaveLength(9)
    expect(writes[0]).toBe('epoch 1/1 batch 10/100 (10%) loss 1.0000 elapsed 0:10\n')
    clock.t += 500
    bar.update(step(1, 100, many)) // epoch end: printed although only 0.5 s passed
    expect(writes).toHaveLength(10)
  })

  it('prints the unshown last state on done, and done is idempotent', () => {
    const { writes, clock, bar } = setup(false, { label: 'x' })
    clock.t += 5000
    bar.update(step(1, 2, { devMetric: 0.875 }))
    expect(writes).toEqual([])
    clock.t += 1000
    bar.done()
    bar.done()
    expect(writes).toEqual(['x epoch 1/3 batch 2/4 (17%) loss 1.0000 dev 0.8750 elapsed 0:06\n', 'x done in 0:06\n'])
    expect(() => bar.update(step(1, 3))).toThrow(/^progressBar.update: called after done\(\)/)
  })
})

describe('progressBar, terminal mode (TTY)', () => {
  it('redraws one line with \\r and ends it on done', () => {
    const { writes, clock, bar } = setup(true, { label: 'net', width: 6 })
    bar.update(step(1, 1))
    clock.t += 1000
    bar.update(step(1, 2))
    bar.done()
    expect(writes).toEqual([
      '\rnet |▌     |   8% epoch 1/3 batch 1/4 loss 1.0000 0:00<0:00',
      '\rnet |█     |  17% epoch 1/3 batch 2/4 loss 1.0000 0:01<0:05',
      '\n',
    ])
    expect(writes.slice(0, -1).every((w) => w.startsWith('\r') && !w.includes('\n'))).toBe(true)
  })

  it('throttles redraws but always draws epoch ends', () => {
    const { writes, clock, bar } = setup(true, { redrawSeconds: 1 })
    bar.update(step(1, 1)) // first update: drawn
    clock.t += 100
    bar.update(step(1, 2)) // too soon
    clock.t += 100
    bar.update(step(1, 3)) // too soon
    expect(writes).toHaveLength(1)
    clock.t += 100
    bar.update(step(1, 4)) // epoch end
    expect(writes).toHaveLength(2)
    clock.t += 1000
    bar.update(step(2, 1)) // interval passed
    expect(writes).toHaveLength(3)
    clock.t += 10
    bar.update(step(2, 2, { devMetric: 0.5 })) // too soon: drawn by done()
    bar.done()
    expect(writes).toHaveLength(5)
    expect(writes[3]).toContain('dev 0.5000')
    expect(writes[4]).toBe('\n')
  })

  it('pads over a longer previous line and cuts lines to the terminal width', () => {
    const { writes, bar } = setup(true, { redrawSeconds: 0 }, 40)
    bar.update(step(1, 1, { loss: 12345.678 }))
    bar.update(step(1, 2, { loss: 1 }))
    for (const w of writes) expect([...w].length).toBeLessThanOrEqual(1 + 39)
    const wide = setup(true, { redrawSeconds: 0 })
    wide.bar.update(step(1, 1, { devMetric: 0.25 }))
    wide.bar.update(step(1, 2))
    expect([...wide.writes[1]!].length).toBe([...wide.writes[0]!].length)
    expect(wide.writes[1]!.endsWith('   ')).toBe(true)
  })

  it('writes nothing when done without updates', () => {
    const { writes, bar } = setup(true)
    bar.done()
    expect(writes).toEqual([])
  })
})

describe('progressBar input checks', () => {
  afterEach(() => vi.restoreAllMocks())

  it('rejects malformed updates and options', () => {
    const { bar } = setup(false)
    expect(() => bar.update(step(0, 1))).toThrow(/^progressBar.update: epoch = 0; expected an integer in \[1, epochs = 3\]/)
    expect(() => bar.update(step(1, 5))).toThrow(/^progressBar.update: batch = 5; expected an integer in \[0, batches = 4\]/)
    expect(() => bar.update(step(1, 1, { epochs: 0 }))).toThrow(/^progressBar.update: epochs = 0; expected a positive integer$/)
    expect(() => progressBar({ stream: { write: () => 0 }, intervalSeconds: -1 })).toThrow(/^progressBar: options.intervalSeconds = -1/)
    expect(() => progressBar({ stream: { write: () => 0 }, total: 0 })).toThrow(/^progressBar: options.total = 0; expected a positive number of steps$/)
  })

  it('uses the total option and defaults to the console: plain lines through console.log, no stream touched', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const bar = progressBar({ total: 8, label: 'mlp', now: () => 0 })
    bar.update(step(1, 4))
    bar.done()
    expect(log.mock.calls).toEqual([['mlp epoch 1/3 batch 4/4 (50%) loss 1.0000 elapsed 0:00'], ['mlp done in 0:00']])
    expect(write).not.toHaveBeenCalled()
  })
})

describe('progressCallback', () => {
  it('reports every update with its line, ends once with done, and refuses updates after done', async () => {
    const { progressCallback } = await import('../../src/report/progress.js')
    const reports: { line: string; done: boolean; elapsed: number }[] = []
    let t = 0
    const r = progressCallback((p) => reports.push({ line: p.line, done: p.done, elapsed: p.elapsed }), { now: () => t, metricName: 'dev acc' })
    t = 500
    r.update({ epoch: 1, epochs: 2, batch: 1, batches: 1, loss: 1, devMetric: 0.5 })
    t = 1500
    r.done()
    r.done()
    expect(reports).toEqual([
      { line: 'epoch 1/2 batch 1/1 (50%) loss 1.0000 dev acc 0.5000 elapsed 0:00', done: false, elapsed: 500 },
      { line: 'epoch 1/2 batch 1/1 (50%) loss 1.0000 dev acc 0.5000 elapsed 0:01', done: true, elapsed: 1500 },
    ])
    expect(() => r.update({ epoch: 1, epochs: 2, batch: 1, batches: 1, loss: 1 })).toThrow('after done()')
    expect(() => progressCallback(() => undefined).update({ epoch: 3, epochs: 2, batch: 1, batches: 1, loss: 1 })).toThrow('progressBar.update: epoch = 3')
  })
})
