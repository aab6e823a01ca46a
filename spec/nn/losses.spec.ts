import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { ShapeError } from '../../src/shape.js'
import { type Tensor } from '../../src/tensor.js'
import { constant, input, param } from '../../src/make.js'
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  l1Penalty,
  l2Penalty,
  meanSquaredError,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
} from '../../src/nn/losses.js'
import { arg, expectGrad, expectGrad2, values } from './helpers.js'

const ev = (t: Tensor, b: Record<string, readonly number[] | Float64Array> = {}): number => evaluate([t], b)[0]![0]!
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

describe('meanSquaredError', () => {
  it('is the mean of squared differences (half optional)', () => {
    const [p, t] = [constant([1, 2, 3, 4], [2, 2]), constant([0, 2, 5, 4], [2, 2])]
    expect(ev(meanSquaredError(p, t))).toBe(5 / 4)
    expect(ev(meanSquaredError(p, t, { half: true }))).toBe(5 / 8)
  })
  it('gradients (first and second order)', () => {
    const inputs = [arg(1, [3, 2]), arg(2, [3, 2])]
    expectGrad((p, t) => meanSquaredError(p, t), inputs)
    expectGrad2((p, t) => meanSquaredError(p, t, { half: true }), inputs)
  })
  it('mismatched shapes are a ShapeError', () => {
    expect(() => meanSquaredError(input('p', [3]), input('t', [3, 1]))).toThrow(ShapeError)
  })
})

describe('binaryCrossEntropy', () => {
  it('matches the formula', () => {
    const p = [0.9, 0.2, 0.6]
    const y = [1, 0, 1]
    const want = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6)) / 3
    expect(ev(binaryCrossEntropy(constant(p), constant(y)))).toBeCloseTo(want, 14)
  })
  it('clips saturated probabilities at eps = 1e-7', () => {
    const v = ev(binaryCrossEntropy(constant([0, 1]), constant([1, 0])))
    expect(v).toBeCloseTo(-Math.log(1e-7), 8)
    const custom = ev(binaryCrossEntropy(constant([0]), constant([1]), { eps: 1e-3 }))
    expect(custom).toBeCloseTo(-Math.log(1e-3), 10)
  })
  it('gradients inside the clip range (first and second order)', () => {
    const inputs = [arg(3, [4, 2], 0.05, 0.95), arg(4, [4, 2], 0, 1)]
    expectGrad((p, y) => binaryCrossEntropy(p, y), inputs)
    expectGrad2((p, y) => binaryCrossEntropy(p, y), inputs)
  })
})

describe('binaryCrossEntropyWithLogits', () => {
  it('matches max(z, 0) - z y + log(1 + exp(-|z|))', () => {
    const z = [-3, -0.5, 0, 2, 7]
    const y = [0, 1, 0.5, 1, 0]
    const want = z.reduce((s, zi, i) => s + Math.max(zi, 0) - zi * y[i]! + Math.log1p(Math.exp(-Math.abs(zi))), 0) / 5
    expect(ev(binaryCrossEntropyWithLogits(constant(z), constant(y)))).toBeCloseTo(want, 14)
  })
  it('gradients (first and second order)', () => {
    const inputs = [arg(5, [3, 3], -4, 4), arg(6, [3, 3], 0, 1)]
    expectGrad((z, y) => binaryCrossEntropyWithLogits(z, y), inputs)
    expectGrad2((z, y) => binaryCrossEntropyWithLogits(z, y), inputs)
  })
  it('logits of +-1000: finite value and the exact gradient (sigmoid(z) - y) / n', () => {
    const zs = [1000, -1000, 1000, -1000]
    const ys = [0, 1, 1, 0]
    const z = input('z', [4])
    const loss = binaryCrossEntropyWithLogits(z, constant(ys))
    const [v, g] = evaluate([loss, grad(loss, [z])[0]!], { z: zs })
    expect(v![0]).toBe(500)
    // sigmoid(z) - y, computed as -sigmoid(-z) for y = 1: the truth -e^-1000 underflows to -0 (not +0)
    expect(Array.from(g!)).toEqual(zs.map((zi, i) => (ys[i] === 1 ? -sigmoid(-zi) : sigmoid(zi)) / 4))
    expect(Array.from(g!).every(Number.isFinite)).toBe(true)
    expectGrad((t) => binaryCrossEntropyWithLogits(t, constant(ys)), [{ value: zs, shape: [4] }])
  })
})

describe('sigmoidCrossEntropy (multi-label)', () => {
  it('sums over labels and averages over the batch', () => {
    const z = constant([0, 0, 0, 0], [2, 2])
    const y = constant([1, 0, 1, 1], [2, 2])
    expect(ev(sigmoidCrossEntropy(z, y))).toBeCloseTo(2 * Math.LN2, 15)
  })
  it('gradients (first and second order) and +-1000 logits', () => {
    const inputs = [arg(7, [2, 3], -3, 3), arg(8, [2, 3], 0, 1)]
    expectGrad((z, y) => sigmoidCrossEntropy(z, y), inputs)
    expectGrad2((z, y) => sigmoidCrossEntropy(z, y), inputs)
    const z = input('z', [1, 2])
    const loss = sigmoidCrossEntropy(z, constant([1, 0], [1, 2]))
    const [v, g] = evaluate([loss, grad(loss, [z])[0]!], { z: [-1000, 1000] })
    expect(v![0]).toBe(2000)
    expect(Array.from(g!)).toEqual([-1, 1])
  })
})

describe('softmaxCrossEntropy', () => {
  const logits = [2, 1, 0.1, -1, 0.5, 3]
  const lse = (r: number[]): number => Math.log(r.reduce((s, v) => s + Math.exp(v), 0))

  it('integer labels and one-hot rows agree with the formula', () => {
    const z = constant(logits, [2, 3])
    const want = (lse(logits.slice(0, 3)) - 2 + (lse(logits.slice(3)) - 3)) / 2
    expect(ev(softmaxCrossEntropy(z, constant([0, 2])))).toBeCloseTo(want, 14)
    expect(ev(softmaxCrossEntropy(z, constant([1, 0, 0, 0, 0, 1], [2, 3])))).toBeCloseTo(want, 14)
  })

  it('gradients: integer labels (first and second order), soft labels in both arguments', () => {
    const labels = constant([2, 0, 1, 1])
    expectGrad((z) => softmaxCrossEntropy(z, labels), [arg(9, [4, 3])])
    expectGrad2((z) => softmaxCrossEntropy(z, labels), [arg(9, [4, 3])])
    expectGrad((z, y) => softmaxCrossEntropy(z, y), [arg(10, [2, 4]), arg(11, [2, 4], 0, 1)])
  })

  it('logits of +-1000: finite value and gradient softmax - onehot', () => {
    const z = input('z', [2, 3])
    for (const labels of [constant([1, 0]), constant([0, 1, 0, 1, 0, 0], [2, 3])]) {
      const loss = softmaxCrossEntropy(z, labels)
      const [v, g] = evaluate([loss, grad(loss, [z])[0]!], { z: [1000, -1000, 0, -1000, 1000, 1000] })
      // row 0: label 1 at -1000 against a max of 1000: 2000; row 1: label 0 at -1000 against two 1000s: 2000 + log 2
      expect(v![0]).toBeCloseTo((2000 + 2000 + Math.LN2) / 2, 10)
      expect(Array.from(g!)).toEqual([1 / 2, -1 / 2, 0, -1 / 2, 1 / 4, 1 / 4])
    }
    expectGrad((t) => softmaxCrossEntropy(t, constant([1, 0])), [{ value: [1000, -1000, 0, -1000, 1000, 999], shape: [2, 3] }])
  })

  it('a mismatched label shape is a ShapeError naming both shapes', () => {
    const z = input('z', [4, 3])
    expect(() => softmaxCrossEntropy(z, input('y', [3]))).toThrow(ShapeError)
    expect(() => softmaxCrossEntropy(z, input('y', [3]))).toThrow(/softmaxCrossEntropy: shapes \[4,3\] and \[3\]: labels must be class indices of shape \[4\] or probability rows of shape \[4,3\]/)
    expect(() => softmaxCrossEntropy(z, input('y', [4, 2]))).toThrow(ShapeError)
  })
})

describe('penalties', () => {
  const p = { dense0: { w: param('dense0.w', [2, 2]), b: param('dense0.b', [2]) } }
  const b = { 'dense0.w': [1, 2, 3, 4], 'dense0.b': [10, 20] }

  it('l2 is lambda / 2 * sum w^2; excludeBiases skips rank < 2', () => {
    expect(ev(l2Penalty(p, 0.1), b)).toBeCloseTo(0.05 * (30 + 500), 13)
    expect(ev(l2Penalty(p, 0.1, { excludeBiases: true }), { 'dense0.w': b['dense0.w'] })).toBeCloseTo(0.05 * 30, 14)
    expect(ev(l2Penalty(p, 0.1, { exclude: (path) => path.endsWith('.w') }), { 'dense0.b': b['dense0.b'] })).toBeCloseTo(0.05 * 500, 13)
  })

  it('the l2 gradient is lambda * w', () => {
    const w = p.dense0.w
    const [g] = evaluate([grad(l2Penalty(p, 0.3), [w])[0]!], { 'dense0.w': b['dense0.w'] })
    expect(Array.from(g!)).toEqual([1, 2, 3, 4].map((v) => 0.3 * v))
  })

  it('l1 is lambda * sum |w|, with gradient lambda * sign(w)', () => {
    expect(ev(l1Penalty(p, 0.5), { 'dense0.w': [1, -2, 3, -4], 'dense0.b': [1, 1] })).toBe(6)
    expectGrad((w) => l1Penalty({ w }, 0.5), [{ value: values(12, [3], -2, 2, 0.1), shape: [3] }])
  })

  it('a negative lambda is a clear error', () => {
    expect(() => l2Penalty(p, -1)).toThrow(/l2Penalty: lambda/)
  })
})
