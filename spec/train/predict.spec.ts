/** evaluateModel / predict: evaluation mode, chunking, and agreement with the metrics module. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { makeDataset, take } from '../../src/data/dataset.js'
import { flower } from '../../src/data/synthetic.js'
import { accuracy, argmaxRows } from '../../src/metrics/classification.js'
import { layers } from '../../src/nn/index.js'
import { adam } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { mapParams } from '../../src/nn/tree.js'
import { key } from '../../src/random/key.js'
import { uniform } from '../../src/random/sample.js'
import { fit } from '../../src/train/fit.js'
import { evaluateModel, predict } from '../../src/train/predict.js'
import { blobs, bnDropoutMlp, right } from './helpers.js'

const data = flower(key(1), 60)
const trained = right(fit(bnDropoutMlp(8), data, { epochs: 4, batchSize: 16, optimizer: adam(0.05), key: key(2) }))
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i)
const close = (a: Float64Array, b: Float64Array, tol: number) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * Math.max(1, Math.abs(v)))

describe('evaluateModel: evaluation mode', () => {
  it('dropout is off: predictions are deterministic and equal the model with the dropout layer removed', () => {
    const a = predict(trained, data)
    const b = predict(trained, data)
    expect(a).toEqual(b)
    // Same layer indices, so the same parameter names; an identity in place of dropout.
    const noDropout = sequential(layers.dense(8), layers.batchNorm(), layers.tanh(), layers.linear(), layers.dense(2))
    expect(close(predict({ ...trained, model: noDropout }, data), a, 1e-14)).toBe(true)
  })

  it('batch norm uses the running averages: one row\'s prediction does not depend on the other rows', () => {
    const all = predict(trained, data)
    for (const i of [0, 17, 59]) {
      const alone = predict(trained, take(data, [i]))
      expect(close(alone, all.subarray(2 * i, 2 * i + 2), 1e-13)).toBe(true)
      const withOthers = predict(trained, take(data, [i, (i + 1) % 60, (i + 30) % 60]))
      expect(close(withOthers.subarray(0, 2), alone, 1e-13)).toBe(true)
    }
  })

  it('the running averages come from the returned state', () => {
    expect(Object.keys(trained.state)).toEqual(['batchNorm1'])
    const shifted = { ...trained, state: mapParams(trained.state, (v, path) => (path.endsWith('mean') ? v.map((m) => m + 1) : v)) }
    const a = predict(trained, data)
    const b = predict(shifted, data)
    expect(a.some((v, i) => Math.abs(v - b[i]!) > 1e-6)).toBe(true)
  })

  it('the interpreter engine gives the same evaluation', () => {
    const c = evaluateModel(trained, data)
    const i = evaluateModel({ ...trained, engine: 'interpreter' }, data)
    expect(close(c.predictions, i.predictions, 1e-12)).toBe(true)
    expect(Math.abs(c.loss - i.loss)).toBeLessThan(1e-12)
  })
})

describe('evaluateModel: chunks and metrics', () => {
  const big = (() => {
    const x = uniform(key(5), 1100 * 2, -4, 4)
    const y = Float64Array.from({ length: 1100 }, (_, i) => (x[2 * i]! * x[2 * i + 1]! > 0 ? 1 : 0))
    return makeDataset(x, y, [2], ['red', 'blue'])
  })()

  it('over 512 rows, evaluation equals evaluating the rows a chunk at a time', () => {
    const whole = evaluateModel(trained, big)
    expect(whole.predictions.length).toBe(1100 * 2)
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 600 }), (size) => {
        let lossSum = 0
        for (let start = 0; start < big.n; start += size) {
          const rows = range(start, Math.min(big.n, start + size))
          const part = evaluateModel(trained, take(big, rows))
          expect(close(part.predictions, whole.predictions.subarray(2 * start, 2 * (start + rows.length)), 1e-13)).toBe(true)
          expect(part.labels).toEqual(whole.labels.subarray(start, start + rows.length))
          lossSum += part.loss * rows.length
        }
        expect(Math.abs(lossSum / big.n - whole.loss)).toBeLessThan(1e-12)
      }),
      { seed: 301, numRuns: 3 },
    )
  })

  it('accuracy equals accuracy() of the metrics on the labels; labels are argmax rows', () => {
    for (const ds of [data, big]) {
      const ev = evaluateModel(trained, ds)
      expect(ev.labels).toEqual(argmaxRows(ev.predictions, 2))
      expect(ev.accuracy).toBe(accuracy(ds.y, ev.labels))
      for (let r = 0; r < ds.n; r++) expect(ev.predictions[2 * r]! + ev.predictions[2 * r + 1]!).toBeCloseTo(1, 12)
    }
  })

  it('regression: [n] predictions, no labels, NaN accuracy, the mean squared error as loss', () => {
    const ds = blobs(20, 2, 3, 4)
    const reg = makeDataset(ds.x, ds.x.filter((_, i) => i % 3 === 0), [3], [])
    const r = right(fit(sequential(layers.dense(1)), reg, { epochs: 2, batchSize: 20, optimizer: adam(0.1), key: key(0), loss: 'meanSquaredError' }))
    const ev = evaluateModel(r, reg)
    expect(ev.predictions.length).toBe(20)
    expect(ev.labels.length).toBe(0)
    expect(ev.accuracy).toBeNaN()
    const mse = ev.predictions.reduce((a, p, i) => a + (p - reg.y[i]!) ** 2, 0) / 20
    expect(ev.loss).toBeCloseTo(mse, 12)
  })

  it('binary cross-entropy: two probability columns [1 - p, p]', () => {
    const r = right(fit(sequential(layers.dense(1)), data, { epochs: 2, batchSize: 20, optimizer: adam(0.1), key: key(0), loss: 'binaryCrossEntropyWithLogits', dev: data }))
    const ev = evaluateModel(r, data)
    expect(ev.predictions.length).toBe(120)
    expect(ev.accuracy).toBe(accuracy(data.y, argmaxRows(ev.predictions, 2)))
    expect(ev.accuracy).toBe(r.history[1]!.devAccuracy)
  })
})

describe('evaluateModel / predict: rows that do not fit', () => {
  it('a label outside the class range or a NaN label throws naming the row (no silently wrong loss)', () => {
    const bad = { ...data, y: data.y.map((v, i) => (i === 3 ? 5 : v)) }
    expect(() => evaluateModel(trained, bad)).toThrow(/evaluateModel: .*label 5 at row 3, outside the class range \[0, 2\)/)
    expect(() => evaluateModel(trained, { ...data, y: data.y.map((v, i) => (i === 7 ? NaN : v)) })).toThrow(/evaluateModel: .*non-finite label \(NaN\) at row 7/)
  })

  it('a non-finite feature throws naming the row and column, in both', () => {
    const bad = { ...data, x: data.x.map((v, i) => (i === 9 ? NaN : v)) }
    expect(() => evaluateModel(trained, bad)).toThrow(/evaluateModel: .*non-finite feature \(NaN\) at row 4, column 1/)
    expect(() => predict(trained, bad)).toThrow(/predict: .*row 4, column 1/)
    expect(() => predict(trained, { ...data, featureShape: [3] })).toThrow(/predict: .*120 feature values, expected 60 x 3/)
  })

  it('predict does not read the labels: unknown (NaN) labels give the same predictions', () => {
    expect(predict(trained, { ...data, y: new Float64Array(data.n).fill(NaN) })).toEqual(predict(trained, data))
  })
})
