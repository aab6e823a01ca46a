import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { input, scalar } from '../../src/make.js'
import { maximum, sub } from '../../src/api.js'
import { makeDataset } from '../../src/data/dataset.js'
import { layers } from '../../src/nn/index.js'
import { sgd } from '../../src/nn/optim.js'
import {
  batchesPerEpoch, constantSchedule, cosineDecay, cosPi, exponentialDecay, floorDiv, inverseTimeDecay, lrAt, perEpoch, stepDecay, type Schedule,
} from '../../src/nn/schedules.js'
import { sequential } from '../../src/nn/sequential.js'
import { key } from '../../src/random/key.js'
import { fit } from '../../src/train/fit.js'

const step = input('step', [])
const at = (s: Schedule, t: number): number => evaluate([s(step)], { step: t })[0]![0]!

describe('schedules', () => {
  it('constant', () => {
    // a constant does not read the step at all
    expect(evaluate([constantSchedule(0.3)(step)], {})[0]![0]).toBe(0.3)
    expect(evaluate([lrAt(0.2, step)], {})[0]![0]).toBe(0.2)
  })

  it('stepDecay is lr * gamma^floor(step / every)', () => {
    const s = stepDecay(0.1, 3, 0.5)
    for (let t = 0; t < 12; t++) expect(at(s, t)).toBeCloseTo(0.1 * 0.5 ** Math.floor(t / 3), 16)
  })

  it('floorDiv is exact for integer steps and periods', () => {
    const s = input('s', [])
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 100000 }), (t, e) =>
        evaluate([floorDiv(s, e)], { s: t })[0]![0] === Math.floor(t / e),
      ),
      { seed: 11, numRuns: 500 },
    )
    expect(evaluate([floorDiv(scalar(5), 5)], {})[0]![0]).toBe(1)
    expect(evaluate([floorDiv(scalar(4), 5)], {})[0]![0]).toBe(0)
  })

  it('exponentialDecay is lr * rate^step', () => {
    const s = exponentialDecay(0.5, 0.9)
    for (const t of [0, 1, 2, 10, 100]) expect(at(s, t)).toBeCloseTo(0.5 * 0.9 ** t, 15)
  })

  it('inverseTimeDecay is lr / (1 + k step)', () => {
    const s = inverseTimeDecay(0.5, 0.1)
    for (const t of [0, 1, 7, 100]) expect(at(s, t)).toBeCloseTo(0.5 / (1 + 0.1 * t), 15)
  })

  it('cosineDecay goes from lr to the floor over T steps and stays there', () => {
    const s = cosineDecay(1, 20, 0.1)
    for (let t = 0; t <= 30; t++) {
      const u = Math.min(t, 20) / 20
      expect(at(s, t)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * u)), 14)
    }
    expect(at(s, 0)).toBeCloseTo(1, 15)
  })

  it('cosPi matches Math.cos on [0, 1]', () => {
    const u = input('u', [101])
    const us = Array.from({ length: 101 }, (_, i) => i / 100)
    const got = evaluate([cosPi(u)], { u: us })[0]!
    got.forEach((v, i) => expect(Math.abs(v - Math.cos(Math.PI * us[i]!))).toBeLessThan(1e-15))
  })

  it('bad hyperparameters are clear errors', () => {
    expect(() => stepDecay(0.1, 0, 0.5)).toThrow(/stepDecay: every/)
    expect(() => cosineDecay(0.1, 2.5)).toThrow(/cosineDecay: steps/)
    expect(() => exponentialDecay(0.1, 0)).toThrow(/exponentialDecay: rate/)
    expect(() => constantSchedule(-1)).toThrow(/constantSchedule: lr/)
  })
})

describe('schedules by epoch', () => {
  it('batchesPerEpoch is ceil(rows / batchSize)', () => {
    expect(batchesPerEpoch(8, 4)).toBe(2)
    expect(batchesPerEpoch(10, 4)).toBe(3)
    expect(batchesPerEpoch(3, 5)).toBe(1)
    expect(batchesPerEpoch(7, 1)).toBe(7)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 1, max: 500 }), (n, b) => {
        const k = batchesPerEpoch(n, b)
        // k batches of b rows hold all n rows, k - 1 do not
        return k * b >= n && (k - 1) * b < n
      }),
      { seed: 5, numRuns: 300 },
    )
  })

  it("perEpoch(inverseTimeDecay) is alpha0 / (1 + k floor(s / n)) in-graph, for many steps and epoch lengths", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 3 }), (s, n, first) => {
        const got = at(perEpoch(inverseTimeDecay(0.3, 0.7), n, { firstEpoch: first }), s)
        // the same operations as the graph (k e + 1, then a division): equal to the last bit
        return got === 0.3 / ((first + Math.floor(s / n)) * 0.7 + 1)
      }),
      { seed: 21, numRuns: 400 },
    )
  })

  it('the epoch number changes exactly at epoch boundaries (every step of the first epochs)', () => {
    const s = perEpoch((e) => e, 7)
    for (let t = 0; t < 50; t++) expect(at(s, t)).toBe(Math.floor(t / 7))
    const one = perEpoch((e) => e, 7, { firstEpoch: 1 })
    for (let t = 0; t < 50; t++) expect(at(one, t)).toBe(Math.floor(t / 7) + 1)
  })

  it("the course's table (alpha0 0.2, decayRate 1, 1-based epochs): 0.1, 0.067, 0.05, 0.04", () => {
    const s = perEpoch(inverseTimeDecay(0.2, 1), 5, { firstEpoch: 1 })
    expect([0, 5, 10, 15].map((t) => at(s, t))).toEqual([0.1, 0.2 / 3, 0.05, 0.04])
  })

  it('fixed-interval decay alpha0 / (1 + k floor(epoch / interval)) is perEpoch of floorDiv of the epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 24 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 1 }), (s, n, every, first) => {
        const want = 0.5 / (Math.floor((first + Math.floor(s / n)) / every) * 0.25 + 1)
        const composed = at(perEpoch((e) => inverseTimeDecay(0.5, 0.25)(floorDiv(e, every)), n, { firstEpoch: first }), s)
        // with 0-based epochs, one perEpoch over n * every steps is the same schedule
        const longer = first === 0 ? at(perEpoch(inverseTimeDecay(0.5, 0.25), n * every), s) : want
        return composed === want && longer === want
      }),
      { seed: 22, numRuns: 300 },
    )
  })

  it("the course notebook's lag (the rate set after each epoch) is one epoch back, clamped at 0", () => {
    const lagged = perEpoch((e) => inverseTimeDecay(1, 1)(maximum(sub(e, 1), 0)), 2)
    expect([0, 1, 2, 3, 4, 5].map((t) => at(lagged, t))).toEqual([1, 1, 1, 1, 0.5, 0.5])
  })

  it('any schedule counts epochs through perEpoch (stepDecay by epoch)', () => {
    const s = perEpoch(stepDecay(1, 2, 0.5), 3)
    for (let t = 0; t < 30; t++) expect(at(s, t)).toBe(0.5 ** Math.floor(Math.floor(t / 3) / 2))
  })

  it('bad arguments are clear errors', () => {
    expect(() => batchesPerEpoch(0, 4)).toThrow(/batchesPerEpoch: rows must be a positive integer, got 0/)
    expect(() => batchesPerEpoch(10, 2.5)).toThrow(/batchesPerEpoch: batchSize must be a positive integer, got 2.5/)
    expect(() => batchesPerEpoch('10' as never, 2)).toThrow(/batchesPerEpoch: rows: expected a number, got the string "10"/)
    expect(() => perEpoch(inverseTimeDecay(0.1, 1), 0)).toThrow(/perEpoch: stepsPerEpoch must be a positive integer, got 0/)
    expect(() => perEpoch(inverseTimeDecay(0.1, 1), NaN)).toThrow(/perEpoch: stepsPerEpoch must be a positive integer, got NaN/)
    expect(() => perEpoch(0.1 as never, 4)).toThrow(/perEpoch: schedule: expected a schedule \(step\) => Tensor, got 0.1/)
    expect(() => perEpoch(inverseTimeDecay(0.1, 1), 4, { firstEpoch: -1 })).toThrow(/perEpoch: firstEpoch must be an integer >= 0, got -1/)
    expect(() => perEpoch(inverseTimeDecay(0.1, 1), 4, { firstEpoch: 0.5 })).toThrow(/perEpoch: firstEpoch must be an integer >= 0, got 0.5/)
    expect(() => perEpoch(inverseTimeDecay(0.1, 1), 4, { firstEpoc: 1 } as never)).toThrow(/perEpoch: firstEpoc: unknown option; did you mean 'firstEpoch'\?/)
  })
})

describe('perEpoch inside fit: the learning rate of every step', () => {
  // y = x . w + b on 2 features; fit's meanSquaredError: L = mean((pred - y)^2), dL/dpred_i = 2 (pred_i - y_i) / B.
  const X = [0.5, -1, 1.5, 2, -0.25, 0.75, 1, 1, -2, 0.5, 0.3, -0.7, 2.5, -1.5, 0.1, 0.2, -1, -1, 0.6, 0.4]
  const Y = [1, -0.5, 2, 0.25, -1.5, 0.75, 3, -2, 0.5, 1.25]
  const W0 = [0.2, -0.1]
  const B0 = 0.05

  /** Plain-JS mini-batch gradient descent in row order with rate alpha0 / (1 + k (first + epoch)). */
  const handRolled = (rows: number, batch: number, epochs: number, alpha0: number, k: number, first: number) => {
    const w = [...W0]
    let b = B0
    for (let e = 0; e < epochs; e++) {
      const lr = alpha0 / ((first + e) * k + 1)
      for (let start = 0; start < rows; start += batch) {
        const end = Math.min(start + batch, rows)
        const gw = [0, 0]
        let gb = 0
        for (let i = start; i < end; i++) {
          const d = (2 * (X[2 * i]! * w[0]! + X[2 * i + 1]! * w[1]! + b - Y[i]!)) / (end - start)
          gw[0] += d * X[2 * i]!
          gw[1] += d * X[2 * i + 1]!
          gb += d
        }
        w[0] -= lr * gw[0]!
        w[1] -= lr * gw[1]!
        b -= lr * gb
      }
    }
    return [...w, b]
  }

  it.each([
    [8, 4, 0],
    [8, 4, 1],
    [10, 4, 0],
    [10, 3, 1],
  ])('%i rows, batchSize %i, firstEpoch %i, 3 epochs', (rows, batch, first) => {
    const data = makeDataset(Float64Array.from(X.slice(0, 2 * rows)), Float64Array.from(Y.slice(0, rows)), [2], [])
    const lr = perEpoch(inverseTimeDecay(0.1, 1), batchesPerEpoch(rows, batch), { firstEpoch: first })
    const initial = { params: { dense0: { w: Float64Array.from(W0), b: Float64Array.of(B0) } } }
    const r = fit(sequential(layers.dense(1)), data, { epochs: 3, batchSize: batch, optimizer: sgd(lr), key: key(0), loss: 'meanSquaredError', shuffle: false, initial })
    if (r._tag === 'Left') throw new Error(r.left.message)
    const p = r.right.params.dense0 as { w: Float64Array; b: Float64Array }
    const got = [...p.w, ...p.b]
    const want = handRolled(rows, batch, 3, 0.1, 1, first)
    got.forEach((v, i) => expect(Math.abs(v - want[i]!), `parameter ${i}: ${v} vs ${want[i]}`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(want[i]!))))
    // the other epoch numbering trains differently: the comparison can fail
    const other = handRolled(rows, batch, 3, 0.1, 1, 1 - first)
    expect(Math.max(...got.map((v, i) => Math.abs(v - other[i]!)))).toBeGreaterThan(1e-4)
  })
})
