/**
 * Every op exported to ONNX and run by ONNX Runtime equals the reference interpreter to relative 1e-12:
 * ops with a test domain on random shapes and values from it (the gradient specs' cases), the others
 * on hand-picked values (signed zeros, NaN, infinities, labels out of range).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/api.js'
import { evaluate } from '../../src/evaluate.js'
import { opTable } from '../../src/optable.js'
import type { OpName, Tensor } from '../../src/tensor.js'
import { input, make } from '../../src/make.js'
import { close } from '../compile/arbitraries.js'
import { cases, instances, names, setup } from '../core/op-cases.js'
import { runOnOrt } from './ort.js'

describe('ONNX export: each op on ONNX Runtime equals the interpreter', () => {
  for (const op of names) {
    const c = cases[op]
    if (c.kind !== 'grad') continue
    it(`${op}: random shapes and values from its domain`, async () => {
      await fc.assert(
        fc.asyncProperty(instances(op, c.arb), async ([gc, values]) => {
          const { y, bindings } = setup(op, gc, values)
          const want = evaluate([y], bindings)[0]!
          const [got] = await runOnOrt([y], bindings)
          if (!close(got!, want)) expect(Array.from(got!)).toEqual(Array.from(want))
        }),
        { seed: 2026, numRuns: 25 },
      )
    })
  }
})

/** Hand-picked values for the ops whose cases are not random. */
const edge = [-2, -0.5, -0, 0, 0.5, 1, 2.5, 3, -Infinity, Infinity, NaN, 1e-300, -1e300]
const pairs = (): readonly [Float64Array, Float64Array] => {
  const a: number[] = []
  const b: number[] = []
  for (const u of edge) for (const v of edge) (a.push(u), b.push(v))
  return [Float64Array.from(a), Float64Array.from(b)]
}

/**
 * Equal values (NaN to NaN), zeros' signs aside: ONNX Runtime's Sign, Min, Max and Where give +0 where
 * Kiln gives -0 (its Where, for one, merges its two selections by "is not zero").
 */
const checkSame = async (outs: readonly Tensor[], bindings: Record<string, Float64Array>) => {
  const want = evaluate(outs, bindings)
  const got = await runOnOrt(outs, bindings)
  const plain = (a: Float64Array) => Array.from(a, (v) => (v === 0 ? 0 : v))
  got.forEach((g, i) => expect(plain(g)).toEqual(plain(want[i]!)))
}

describe('ONNX export: edge values, equal values', () => {
  const [a, b] = pairs()
  const A = input('a', [a.length])
  const B = input('b', [b.length])
  const binary: readonly OpName[] = ['greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual', 'add', 'sub', 'mul', 'div']
  for (const op of binary)
    it(`${op} on every pair of ${edge.length} edge values`, async () => {
      await checkSame([make(op, [A, B], opTable[op].sample as never)], { a, b })
    })
  it('sign, neg, abs, stopGradient, where and oneHot on edge values', async () => {
    const x = input('x', [edge.length])
    const xs = Float64Array.from(edge)
    await checkSame([K.sign(x), K.neg(x), K.abs(x), K.stopGradient(x), K.where(x, K.neg(x), x)], { x: xs })
    const labels = input('y', [7])
    await checkSame([K.oneHot(labels, 3)], { y: Float64Array.of(0, 2, -1, 3, 1.5, NaN, -0) })
  })
  it('max and maximum propagate NaN as Kiln does (ONNX Runtime\'s ReduceMax alone skips it)', async () => {
    const x = input('x', [2, 3])
    const xs = Float64Array.of(1, NaN, 3, -Infinity, -5, -0)
    await checkSame([K.max(x, [1]), K.max(x, [0], true), K.max(x), K.maximum(x, 0), K.minimum(x, 0), K.relu(x)], { x: xs })
  })
  it('the special functions on a wide grid (tails, tiny arguments, infinities): relative 1e-12', async () => {
    const grid = [0, -0, 1e-300, -1e-300, 1e-20, 1e-8, 1e-3, 0.1, 0.5, 0.9, 1, 1.3, 1.4999, 1.5, 2, 2.7, 3.9, 5.99, 6, 8, 15, 27.9, 30, 40, 100, 700, 709, 710, 745, 800, 1e300, Infinity, NaN]
    const xs = Float64Array.from([...grid, ...grid.map((v) => -v)])
    const x = input('x', [xs.length])
    const ops: Tensor[] = [K.erf(x), K.log1p(x), K.expm1(x), K.sigmoid(x), K.softplus(x), K.tanh(x), K.leakyRelu(x, 0.1)]
    for (let n = 1; n <= 6; n++) ops.push(K.dsigmoid(x, n), K.derf(x, n))
    const want = evaluate(ops, { x: xs })
    const got = await runOnOrt(ops, { x: xs })
    ops.forEach((op, i) => {
      // sigmoid's even derivatives from order 4 are sums that cancel to their zero at 0: neither Kiln's
      // recurrence nor the exported one has relative digits beside it (special-derivs.ts says so)
      const nearZero = op.op === 'dsigmoid' && op.attrs.order >= 4 && op.attrs.order % 2 === 0
      const bad = Array.from(xs).filter((v, j) => {
        const [g, w] = [got[i]![j]!, want[i]![j]!]
        if (nearZero && Math.abs(v) < 1e-3) return false
        // below the smallest normal the relative measure means nothing (digits are lost by definition)
        return !(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)) || Math.abs(g - w) <= 1e-12 * Math.abs(w) || Math.max(Math.abs(g), Math.abs(w)) < 2.3e-308)
      })
      const label = `${op.op} ${JSON.stringify(op.attrs)}`
      expect([label, bad]).toEqual([label, []])
    })
  })
  it('atan2 on every pair of edge values (signed zeros, infinities): relative 1e-12', async () => {
    const v = [0, -0, 1e-300, -1e-300, 0.5, -0.5, 1, -1, 3, -3, 1e300, -1e300, Infinity, -Infinity, NaN]
    const a = Float64Array.from(v.flatMap((p) => v.map(() => p)))
    const b = Float64Array.from(v.flatMap(() => v))
    const [A, B] = [input('a', [a.length]), input('b', [b.length])]
    const [got] = await runOnOrt([K.atan2(A, B)], { a, b })
    const want = Array.from(a, (p, i) => Math.atan2(p, b[i]!))
    const bad = want.map((w, i) => [a[i], b[i], w, got![i]] as const).filter(([, , w, g]) => !(Object.is(g, w) || (Number.isNaN(w) && Number.isNaN(g!)) || Math.abs(g! - w) <= 1e-12 * Math.abs(w)))
    expect(bad).toEqual([])
  })
})
