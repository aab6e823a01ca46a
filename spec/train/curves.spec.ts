/** learningCurve: one point per size, bad sizes rejected, training error below dev error when the model memorizes. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { makeDataset } from '../../src/data/dataset.js'
import { layers } from '../../src/nn/index.js'
import { adam } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { key } from '../../src/random/key.js'
import { learningCurve, type LearningCurveResult } from '../../src/train/curves.js'
import type { FitOptions } from '../../src/train/fit.js'
import { blobs, expectFitError } from './helpers.js'

// Overlapping blobs: a wide net memorizes a handful of rows but cannot be perfect on the dev set.
const train = blobs(60, 2, 2, 21, 2.5)
const dev = blobs(80, 2, 2, 22, 2.5)
const wide = () => sequential(layers.dense(24), layers.tanh(), layers.dense(2))
const opts: FitOptions = { epochs: 60, batchSize: 60, optimizer: adam(0.05), key: key(3) }

const curve = (r: E.Either<unknown, LearningCurveResult>): LearningCurveResult => {
  if (E.isLeft(r)) throw new Error(`expected Right, got ${JSON.stringify(r.left)}`)
  return r.right
}

describe('learningCurve', () => {
  it('gives one point per size; at the smallest size the training error is below the dev error', () => {
    const sizes = [6, 20, 60]
    const c = curve(learningCurve(wide, train, dev, sizes, opts))
    expect(c.sizes).toEqual(sizes)
    expect(c.trainError.length).toBe(3)
    expect(c.devError.length).toBe(3)
    for (const e of [...c.trainError, ...c.devError]) {
      expect(e).toBeGreaterThanOrEqual(0)
      expect(e).toBeLessThanOrEqual(1)
    }
    expect(c.trainError[0]).toBe(0)
    expect(c.devError[0]!).toBeGreaterThan(c.trainError[0]!)
    // More data: the training error rises towards the dev error.
    expect(c.trainError[2]!).toBeGreaterThan(c.trainError[0]!)
  })

  it('is deterministic: a repeated size gives the same point', () => {
    const c = curve(learningCurve(wide, train, dev, [10, 10], { ...opts, epochs: 5 }))
    expect(c.trainError[0]).toBe(c.trainError[1])
    expect(c.devError[0]).toBe(c.devError[1])
  })

  it('sizes outside [1, n] or non-integers are Lefts naming the size', () => {
    for (const m of [0, -3, 61, 2.5, NaN]) expectFitError(learningCurve(wide, train, dev, [5, m], opts), 'sizes', `size ${m}`, '[1, 60]')
  })

  it('regression: the error is the loss', () => {
    const x = train.x
    const reg = makeDataset(x, x.filter((_, i) => i % 2 === 0).map((v) => 3 * v + 1), [2], [])
    const c = curve(learningCurve(() => sequential(layers.dense(1)), reg, reg, [5, 60], { ...opts, epochs: 3, loss: 'meanSquaredError' }))
    // At full size the training subset is the dev set reordered: the same mean loss, and a loss, not a rate.
    expect(Math.abs(c.trainError[1]! - c.devError[1]!)).toBeLessThan(1e-9 * c.devError[1]!)
    expect(c.devError.every((e) => e > 1)).toBe(true)
  })
})
