/** Bad input is a `Left` naming the field, row or value before any training starts. */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { makeDataset, type Dataset } from '../../src/data/dataset.js'
import { trainTestSplit } from '../../src/data/split.js'
import { layers } from '../../src/nn/index.js'
import { defineLayer } from '../../src/nn/layer.js'
import { sgd } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { key } from '../../src/random/key.js'
import { ShapeError } from '../../src/shape.js'
import { fit, type FitOptions } from '../../src/train/fit.js'
import { learningCurve } from '../../src/train/curves.js'
import type { ObjectiveName } from '../../src/train/objective.js'
import { blobs, bnDropoutMlp, expectFitError, plainMlp, right, spy } from './helpers.js'

const data = blobs(12, 3, 2, 7)
const base: FitOptions = { epochs: 1, batchSize: 4, optimizer: sgd(0.1), key: key(0) }


const withX = (ds: Dataset, at: number, v: number): Dataset => {
  const x = ds.x.slice()
  x[at] = v
  return { ...ds, x }
}
const withY = (ds: Dataset, at: number, v: number): Dataset => {
  const y = ds.y.slice()
  y[at] = v
  return { ...ds, y }
}

describe('fit: bad input is a Left before training', () => {
  it('labels outside the class range name the row and the label', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.oneof(fc.integer({ min: 3, max: 100 }), fc.integer({ min: -100, max: -1 }), fc.double({ min: 0.1, max: 2.9, noInteger: true })), (row, label) => {
        const s = spy(plainMlp(4, 3))
        const r = fit(s.layer, withY(data, row, label), base)
        expectFitError(r, 'train', `row ${row}`, `label ${label}`, 'outside the class range [0, 3)')
        expect(s.applied()).toBe(0)
      }),
      { seed: 101, numRuns: 30 },
    )
  })

  it('a dev label outside the training classes is a Left on the dev field', () => {
    const r = fit(plainMlp(4, 3), data, { ...base, dev: withY(blobs(6, 3, 2, 8), 4, 3) })
    expectFitError(r, 'dev', 'dev set', 'row 4', 'label 3')
  })

  it('NaN or infinite features name the row and the column', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.constantFrom(NaN, Infinity, -Infinity), (at, v) => {
        const s = spy(plainMlp(4, 3))
        const r = fit(s.layer, withX(data, at, v), base)
        expectFitError(r, 'train', 'non-finite feature', `(${v})`, `row ${Math.floor(at / 2)}, column ${at % 2}`)
        expect(s.applied()).toBe(0)
      }),
      { seed: 102, numRuns: 20 },
    )
    expectFitError(fit(plainMlp(4, 3), data, { ...base, dev: withX(blobs(6, 3, 2, 8), 5, NaN) }), 'dev', 'dev set', 'row 2, column 1')
  })

  it('NaN labels name the row, for classification and regression', () => {
    expectFitError(fit(plainMlp(4, 3), withY(data, 5, NaN), base), 'train', 'non-finite label (NaN) at row 5')
    const reg = makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, NaN, 3, 4), [1], [])
    expectFitError(fit(sequential(layers.dense(1)), reg, { ...base, batchSize: 2, loss: 'meanSquaredError' }), 'train', 'non-finite label (NaN) at row 1')
  })

  it('batch sizes outside [1, n] and non-integer ones name the value and the row count', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(0), fc.integer({ min: 13, max: 1000 }), fc.integer({ min: -50, max: -1 }), fc.double({ min: 1.1, max: 11.9, noInteger: true }), fc.constant(NaN)), (b) => {
        const s = spy(plainMlp(4, 3))
        expectFitError(fit(s.layer, data, { ...base, batchSize: b }), 'batchSize', `batchSize ${b}`, '[1, 12]', '12 rows')
        expect(s.applied()).toBe(0)
      }),
      { seed: 103, numRuns: 30 },
    )
  })

  it('epochs that are not positive integers are a Left', () => {
    for (const e of [0, -1, 1.5, NaN, Infinity]) expectFitError(fit(plainMlp(4, 3), data, { ...base, epochs: e }), 'epochs', `epochs ${e}`, 'positive integer')
  })

  it('a dev set with another feature count is a Left naming both counts', () => {
    expectFitError(fit(plainMlp(4, 3), data, { ...base, dev: blobs(6, 3, 3, 8) }), 'dev', '3 features', 'training set 2')
  })

  it('a model whose output does not match the class count is a Left naming both', () => {
    const s = spy(plainMlp(4, 2))
    expectFitError(fit(s.layer, data, base), 'model', '[4,2]', '2 value(s) per row', '3 classes needs 3')
    expect(s.applied()).toBe(0)
    expectFitError(fit(plainMlp(4, 2), makeDataset(new Float64Array(4), new Float64Array(4), [1], []), { ...base, loss: 'meanSquaredError' }), 'model', 'meanSquaredError', 'needs 1')
  })

  it('a model that rejects the feature shape is a Left on the model carrying its message', () => {
    const wants3 = defineLayer(
      'wants3',
      (shape) => {
        if (shape[shape.length - 1] !== 3) throw new ShapeError('wants3', [shape], 'needs 3 features')
        return { params: {}, state: {}, outputShape: shape }
      },
      (_p, x, ctx) => ({ y: x, state: ctx.state }),
    )
    expectFitError(fit(sequential(wants3, layers.dense(3)), data, base), 'model', 'wants3', 'needs 3 features')
  })

  it('an unknown loss name is a Left listing the known ones', () => {
    const r = fit(plainMlp(4, 3), data, { ...base, loss: 'hinge' as ObjectiveName })
    expectFitError(r, 'loss', "unknown loss 'hinge'", 'softmaxCrossEntropy', 'meanSquaredError')
  })

  it('a classification loss on a regression set, and binary cross-entropy on three classes, are Lefts', () => {
    const reg = makeDataset(new Float64Array(4), new Float64Array(4), [1], [])
    expectFitError(fit(sequential(layers.dense(2)), reg, { ...base, batchSize: 2 }), 'train', 'needs a classification data set')
    expectFitError(fit(sequential(layers.dense(1)), data, { ...base, loss: 'binaryCrossEntropyWithLogits' }), 'loss', 'needs two classes', 'has 3')
  })

  it('bad regularization and early-stopping settings are Lefts', () => {
    expectFitError(fit(plainMlp(4, 3), data, { ...base, regularization: { l2: -1 } }), 'regularization', 'l2 -1')
    expectFitError(fit(plainMlp(4, 3), data, { ...base, regularization: { l1: NaN } }), 'regularization', 'l1 NaN')
    expectFitError(fit(plainMlp(4, 3), data, { ...base, earlyStopping: { patience: 0 } }), 'earlyStopping', 'patience 0')
    expectFitError(fit(plainMlp(4, 3), data, { ...base, earlyStopping: { patience: 2, minDelta: -0.1 } }), 'earlyStopping', 'minDelta -0.1')
  })

  it('a remainder batch the model cannot train on (batch norm on one row) is a Left naming the batch', () => {
    const s = spy(bnDropoutMlp(4, 3))
    const r = fit(s.layer, blobs(13, 3, 2, 7), base)
    expectFitError(r, 'batchSize', 'last batch', '1 row(s)', '13 rows, batchSize 4', 'batchNorm')
    expect(s.applied()).toBeLessThanOrEqual(2) // only graph construction, no training step ran
    expectFitError(fit(bnDropoutMlp(4, 3), data, { ...base, batchSize: 1 }), 'model', 'batchNorm')
  })

  it('initial values with a wrong size or a missing entry are Lefts; their key order does not matter', () => {
    const model = sequential(layers.dense(1))
    const reg = makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2, 3, 4), [1], [])
    const opts: FitOptions = { ...base, batchSize: 4, loss: 'meanSquaredError', optimizer: sgd(0) }
    expectFitError(fit(model, reg, { ...opts, initial: { params: { dense0: { w: Float64Array.of(1, 2), b: Float64Array.of(0) } } } }), 'initial', "'dense0.w'", '2 values', 'needs 1')
    expectFitError(fit(model, reg, { ...opts, initial: { params: { dense0: { w: Float64Array.of(1) } } } }), 'initial', "'dense0.b'")
    // Keys listed bias-first must still bind by name: w = 0, b = 100 gives the loss mean((100 - y)^2).
    const r = right(fit(model, reg, { ...opts, initial: { params: { dense0: { b: Float64Array.of(100), w: Float64Array.of(0) } } } }))
    expect(r.history[0]!.trainLoss).toBe((99 ** 2 + 98 ** 2 + 97 ** 2 + 96 ** 2) / 4)
  })

  it('learningCurve: a bad size is a Left before any fit runs', () => {
    const s = spy(plainMlp(4, 3))
    const r = learningCurve(() => s.layer, data, data, [4, 8, 13], base)
    expectFitError(r, 'sizes', 'size 13', '[1, 12]')
    expect(s.applied()).toBe(0)
  })
})

describe('trainTestSplit (src/data): a split that leaves a class empty', () => {
  it('is a Left naming the class and the part', () => {
    const tiny = makeDataset(Float64Array.of(0, 1, 2, 3, 4), Float64Array.of(0, 0, 0, 0, 1), [1], ['common', 'rare'])
    const r = trainTestSplit(key(0), tiny, { test: 0.2 })
    // Whichever part gets the single 'rare' row, the other part has none of it.
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) expect(r.left.message).toMatch(/class "rare" has no rows in the (train|test) part/)
    const strat = trainTestSplit(key(0), tiny, { test: 0.2, stratify: true })
    expect(E.isLeft(strat)).toBe(true)
    if (E.isLeft(strat)) expect(strat.left.message).toMatch(/class "rare"/)
  })
})
