/** fitAsync: bit-identical to fit, yields to the event loop between batches, stops on an AbortSignal, never rejects for a Left. */
import * as E from 'fp-ts/lib/Either.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { adam } from '../../src/nn/optim.js'
import { flattenParams } from '../../src/nn/tree.js'
import { key } from '../../src/random/key.js'
import type { ProgressReport } from '../../src/report/progress.js'
import { fit, fitAsync, type FitAsyncOptions, type FitOptions, type FitResult } from '../../src/train/fit.js'
import type { FitError } from '../../src/train/validate.js'
import { bnDropoutMlp, expectFitError, plainMlp, right, smallFlower, timeless } from './helpers.js'

const data = smallFlower(40)
const dev = smallFlower(20, 2)
// 40 rows in batches of 12: three full batches and a remainder of 4, so both step graphs run.
const base: FitOptions = { epochs: 3, batchSize: 12, optimizer: adam(0.02), key: key(7), dev }
const BATCHES = 4

/** Every leaf of both results holds the same bits (Object.is per element: -0 and NaN payload-free equality). */
const expectSameBits = (a: FitResult, b: FitResult): void => {
  for (const part of ['params', 'state'] as const) {
    const la = flattenParams(a[part])
    const lb = flattenParams(b[part])
    expect(la.map(([p]) => p)).toEqual(lb.map(([p]) => p))
    la.forEach(([path, va], i) => {
      const vb = lb[i]![1]
      expect(vb.length, path).toBe(va.length)
      for (let j = 0; j < va.length; j++) if (!Object.is(va[j], vb[j])) expect.fail(`${part} ${path}[${j}]: ${va[j]} vs ${vb[j]}`)
    })
  }
  expect(timeless(a.history)).toEqual(timeless(b.history))
  expect(a.history.map((h) => h.trainLoss)).toEqual(b.history.map((h) => h.trainLoss))
  expect([a.bestEpoch, a.stoppedEarly]).toEqual([b.bestEpoch, b.stoppedEarly])
}

/** The Left of an async result, failing the test on a Right. */
const leftOf = async (p: Promise<E.Either<FitError, FitResult>>): Promise<E.Left<FitError>> => {
  const r = await p
  if (E.isRight(r)) throw new Error('expected a Left, got a Right')
  return r
}

describe('fitAsync: same result as fit', () => {
  it('is bit-identical to fit with dropout, batch norm and a dev set, yielding every batch or at the default interval', async () => {
    const sync = right(fit(bnDropoutMlp(), data, base))
    for (const extra of [{ yieldEveryMs: 0 }, {}, { yieldEveryMs: 1e9 }] satisfies Partial<FitAsyncOptions>[])
      expectSameBits(right(await fitAsync(bnDropoutMlp(), data, { ...base, ...extra })), sync)
  })

  it('is bit-identical with early stopping restoring the best epoch', async () => {
    const opts: FitOptions = { ...base, epochs: 8, optimizer: adam(0.3), earlyStopping: { patience: 1 } }
    const sync = right(fit(bnDropoutMlp(), data, opts))
    expect([sync.stoppedEarly, sync.bestEpoch < sync.history.length]).toEqual([true, true])
    expectSameBits(right(await fitAsync(bnDropoutMlp(), data, { ...opts, yieldEveryMs: 0 })), sync)
  })
})

describe('fitAsync: yielding', () => {
  afterEach(() => vi.restoreAllMocks())

  it('with yieldEveryMs 0, a timer set before the call runs before the first epoch ends', async () => {
    let ran = false
    setTimeout(() => (ran = true), 0)
    const seen: boolean[] = []
    right(await fitAsync(plainMlp(), data, { ...base, yieldEveryMs: 0, onEpochEnd: () => void seen.push(ran) }))
    expect(seen).toEqual([true, true, true])
  })

  it('yields once per batch with yieldEveryMs 0, and not at all when the interval is never reached', async () => {
    const timeouts = vi.spyOn(globalThis, 'setTimeout')
    right(await fitAsync(plainMlp(), data, { ...base, yieldEveryMs: 0 }))
    expect(timeouts.mock.calls.filter((c) => c[1] === 0).length).toBeGreaterThanOrEqual(base.epochs * BATCHES)
    timeouts.mockClear()
    let ran = false
    setTimeout(() => (ran = true), 0)
    const seen: boolean[] = []
    right(await fitAsync(plainMlp(), data, { ...base, yieldEveryMs: 1e9, onEpochEnd: () => void seen.push(ran) }))
    // Nothing but the test's own timer was scheduled, and it has not run yet.
    expect(timeouts.mock.calls.filter((c) => c[1] === 0).length).toBe(1)
    expect(seen).toEqual([false, false, false])
    expect(ran).toBe(false)
  })
})

describe('fitAsync: abort', () => {
  it('an already aborted signal is a Left on signal before any training', async () => {
    const stop = new AbortController()
    stop.abort()
    const reports: ProgressReport[] = []
    let epochs = 0
    const r = await leftOf(fitAsync(plainMlp(), data, { ...base, signal: stop.signal, progress: (p) => reports.push(p), onEpochEnd: () => void epochs++ }))
    expectFitError(r, 'signal', /^fit: aborted by options\.signal before training started$/)
    expect([epochs, reports.length]).toEqual([0, 0])
  })

  it('an abort in onEpochEnd stops at the end of that epoch and ends the progress output', async () => {
    const stop = new AbortController()
    const reports: ProgressReport[] = []
    const ends: number[] = []
    const onEpochEnd: FitOptions['onEpochEnd'] = (rec) => {
      ends.push(rec.epoch)
      if (rec.epoch === 2) stop.abort()
    }
    const r = await leftOf(fitAsync(plainMlp(), data, { ...base, signal: stop.signal, onEpochEnd, progress: (p) => reports.push(p) }))
    expectFitError(r, 'signal', /^fit: aborted by options\.signal at epoch 2, batch 4 of 4$/)
    expect(ends).toEqual([1, 2])
    expect(reports.at(-1)).toMatchObject({ epoch: 2, batch: 4, done: true })
  })

  it('an abort from a timer takes effect at the next yield, mid-epoch', async () => {
    const stop = new AbortController()
    // Set before the call, this timer runs at the first yield (after batch 1), before fitAsync resumes.
    setTimeout(() => stop.abort(), 0)
    const r = await leftOf(fitAsync(plainMlp(), data, { ...base, signal: stop.signal, yieldEveryMs: 0 }))
    expectFitError(r, 'signal', /^fit: aborted by options\.signal at epoch 1, batch 1 of 4$/)
  })

  it('an abort from a timer set by the progress callback stops where the timer ran', async () => {
    const stop = new AbortController()
    const progress = (p: ProgressReport) => {
      if (p.epoch === 2 && p.batch === 2) setTimeout(() => stop.abort(), 0)
    }
    const r = await leftOf(fitAsync(plainMlp(), data, { ...base, signal: stop.signal, yieldEveryMs: 0, progress }))
    expectFitError(r, 'signal', /^fit: aborted by options\.signal at epoch 2, batch 2 of 4$/)
  })

  it('a signal that is never aborted changes nothing', async () => {
    const sync = right(fit(bnDropoutMlp(), data, base))
    expectSameBits(right(await fitAsync(bnDropoutMlp(), data, { ...base, signal: new AbortController().signal, yieldEveryMs: 0 })), sync)
  })
})

describe('fitAsync: checks', () => {
  it('a bad yieldEveryMs or signal is a Left naming the field, before any training', async () => {
    for (const yieldEveryMs of [-1, NaN, Infinity, '5' as never]) {
      let epochs = 0
      const r = await leftOf(fitAsync(plainMlp(), data, { ...base, yieldEveryMs, onEpochEnd: () => void epochs++ }))
      expectFitError(r, 'yieldEveryMs', /^fit: yieldEveryMs: expected a finite number of milliseconds >= 0, got /)
      expect(epochs).toBe(0)
    }
    expectFitError(await leftOf(fitAsync(plainMlp(), data, { ...base, signal: {} as never })), 'signal', /^fit: signal: expected an AbortSignal/)
  })

  it('bad data or options resolve to the same Left as fit (no rejection)', async () => {
    const opts = { ...base, batchSize: 0 }
    expect(await fitAsync(plainMlp(), data, opts)).toEqual(fit(plainMlp(), data, opts))
    expectFitError(await leftOf(fitAsync(plainMlp(), data, { ...base, progress: 3 as never })), 'progress')
  })

  it('an exception thrown by a callback rejects the promise', async () => {
    const onEpochEnd = () => {
      throw new Error('boom')
    }
    await expect(fitAsync(plainMlp(), data, { ...base, onEpochEnd })).rejects.toThrow('boom')
  })
})
