/**
 * Issue 9: a run whose loss becomes NaN or infinite used to train on to NaN parameters and return a
 * `Right`. Now fit stops at the first non-finite loss with a `Left` on `loss` naming the epoch, batch,
 * step and loss, carrying the parameters of the last finite loss and the history so far, unless
 * `stopOnNonFinite: false`. The kept parameters are checked against a shorter run of the same training.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { less, where } from '../../src/api.js'
import { layers } from '../../src/nn/index.js'
import { sgd } from '../../src/nn/optim.js'
import type { Schedule } from '../../src/nn/schedules.js'
import { sequential } from '../../src/nn/sequential.js'
import { flattenParams, type ParamValues } from '../../src/nn/tree.js'
import { key } from '../../src/random/key.js'
import { scalar } from '../../src/make.js'
import { fit, fitAsync, type FitOptions } from '../../src/train/fit.js'
import type { FitError } from '../../src/train/validate.js'
import { expectFitError, right, sameBits, smallFlower, timeless } from './helpers.js'

const data = smallFlower(40)
// 40 rows in batches of 10: 4 steps per epoch.
const model = () => sequential(layers.dense(4), layers.relu(), layers.dense(2))
const base: FitOptions = { epochs: 4, batchSize: 10, optimizer: sgd(0.05), key: key(0) }

/** A learning rate of 0.05 for the first `good` updates, then `bad`. */
const turnsBad = (good: number, bad: number): Schedule => (step) => where(less(step, good), scalar(0.05), scalar(bad))

const allFinite = (v: ParamValues): boolean => flattenParams(v).every(([, a]) => a.every(Number.isFinite))

const divergence = (r: E.Either<FitError, unknown>) => {
  expectFitError(r, 'loss', /^fit: loss: the training loss became /)
  if (E.isRight(r) || r.left.diverged === undefined) throw new Error('expected a divergence')
  return r.left.diverged
}

describe('fit stops at the first non-finite loss', () => {
  it.each([
    ['a NaN schedule', NaN],
    ['a learning rate of 1e300', 1e300],
  ])('%s after 8 good updates: a Left naming epoch 3, batch 2, keeping the values of a run of exactly 8 updates', (_name, bad) => {
    let epochEnds = 0
    const r = fit(model(), data, { ...base, optimizer: sgd(turnsBad(8, bad)), onEpochEnd: () => void epochEnds++ })
    const d = divergence(r)
    // Update 8 (0-based) used the bad rate, so the loss of the next batch (epoch 3, batch 2) is the first non-finite one.
    expect([d._tag, d.epoch, d.batch, d.step]).toEqual(['Diverged', 3, 2, 9])
    expect(Number.isFinite(d.loss)).toBe(false)
    if (E.isLeft(r)) expect(r.left.message).toMatch(new RegExp(`became ${d.loss} at epoch 3, batch 2 of 4 \\(after 9 update\\(s\\)\\).*parameters after 8 update\\(s\\)`))
    expect(epochEnds).toBe(2)
    // The same training cut to 8 updates (two epochs) gives the kept values, bit for bit, and the same history.
    const short = right(fit(model(), data, { ...base, epochs: 2, optimizer: sgd(turnsBad(8, bad)) }))
    expect(allFinite(d.partial.params)).toBe(true)
    expect(sameBits(d.partial.params, short.params)).toBe(true)
    expect(sameBits(d.partial.state, short.state)).toBe(true)
    expect(timeless(d.partial.history)).toEqual(timeless(short.history))
    expect([d.partial.stoppedEarly, d.partial.bestEpoch]).toEqual([true, 2])
  })

  it('sgd(1e300) from given starting values: the loss of the second batch is not finite, and the starting values are kept', () => {
    const init = right(fit(model(), data, { ...base, epochs: 1 })).params
    const r = fit(model(), data, { ...base, optimizer: sgd(1e300), initial: { params: init } })
    const d = divergence(r)
    expect([d.epoch, d.batch, d.step]).toEqual([1, 2, 1])
    expect(sameBits(d.partial.params, init)).toBe(true)
    expect(d.partial.history).toEqual([])
  })

  it('an infinite regression loss (mean squared error) stops too, naming Infinity', () => {
    const r = fit(sequential(layers.dense(1)), data, { ...base, loss: 'meanSquaredError', optimizer: sgd(1e300) })
    const d = divergence(r)
    expect(d.loss).toBe(Infinity)
    if (E.isLeft(r)) expect(r.left.message).toMatch(/became Infinity at epoch 1, batch 2 of 4/)
  })

  it('progress output ends once with done, after the last finite batch', () => {
    const reports: { batch: number; done: boolean; loss: number }[] = []
    divergence(fit(model(), data, { ...base, optimizer: sgd(turnsBad(2, NaN)), progress: (p) => void reports.push(p) }))
    expect(reports.filter((p) => p.done).length).toBe(1)
    expect(reports.at(-1)!.done).toBe(true)
    expect(reports.every((p) => Number.isFinite(p.loss))).toBe(true)
  })

  it('stopOnNonFinite: false trains on, as before (a Right with NaN values)', () => {
    const r = right(fit(model(), data, { ...base, optimizer: sgd(turnsBad(8, NaN)), stopOnNonFinite: false }))
    expect(r.history.length).toBe(4)
    expect(Number.isNaN(r.history[3]!.trainLoss)).toBe(true)
    expect(allFinite(r.params)).toBe(false)
  })

  it('fitAsync stops at the same place with the same kept values', async () => {
    const opts = { ...base, optimizer: sgd(turnsBad(8, NaN)) }
    const a = divergence(fit(model(), data, opts))
    const b = divergence(await fitAsync(model(), data, { ...opts, yieldEveryMs: 0 }))
    expect([b.epoch, b.batch, b.step]).toEqual([a.epoch, a.batch, a.step])
    expect(sameBits(b.partial.params, a.partial.params)).toBe(true)
    expect(timeless(b.partial.history)).toEqual(timeless(a.partial.history))
  })

  it('a run whose losses stay finite is unchanged (same values as with the check off)', () => {
    const on = right(fit(model(), data, base))
    const off = right(fit(model(), data, { ...base, stopOnNonFinite: false }))
    expect(sameBits(on.params, off.params)).toBe(true)
    expect(timeless(on.history)).toEqual(timeless(off.history))
  })
})
