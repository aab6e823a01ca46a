import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { onlinePair } from '../../src/compile/online.js'
import type { Tensor } from '../../src/tensor.js'

const I = Infinity
const N = NaN

const compiled = (outs: readonly Tensor[], bind: Record<string, Float64Array>, simplify = true): Float64Array[] => {
  const exe = K.compile(outs, { simplify })
  if (E.isLeft(exe)) throw new Error(exe.left.message)
  return exe.right.run(bind)
}
/** Interpreted, compiled, and compiled without the simplify pass: the three must agree. */
const allWays = (outs: readonly Tensor[], bind: Record<string, Float64Array>): number[][][] =>
  [evaluate(outs, bind), compiled(outs, bind), compiled(outs, bind, false)].map((r) => r.map((a) => Array.from(a)))
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))

/** logSumExp as it was built before the infinite-max guard (the reference for ordinary rows). */
const unguarded = (x: Tensor, axis: number): Tensor => {
  const m = K.stopGradient(K.max(x, axis, true))
  return K.add(K.log(K.sum(K.exp(K.sub(x, m)), axis, true)), m)
}

describe('logSumExp on infinite and NaN rows (as PyTorch and SciPy)', () => {
  const ROWS = [
    [-I, -I, -I], // all -Infinity: -Infinity (was NaN)
    [1, 2, 3],
    [I, 1, 2], // +Infinity: +Infinity
    [I, -I, 0],
    [I, I, 0],
    [1, N, 2], // NaN: NaN
    [-I, N, -I],
    [-I, 0, -I],
  ]
  const x = K.input('x', [ROWS.length, 3])
  const data = Float64Array.from(ROWS.flat())
  const want = [-I, Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), I, I, I, N, N, 0]

  it('gives -Infinity for an all -Infinity row, +Infinity for a +Infinity entry, NaN for a NaN entry', () => {
    for (const way of allWays([K.logSumExp(x, 1), K.logSumExp(x, 1, true)], { x: data })) {
      expect(way[0]!.map((v, i) => Object.is(v, want[i]) || Math.abs(v - want[i]!) < 1e-12)).toEqual(want.map(() => true))
      expect(sameBits(way[1]!, way[0]!)).toBe(true)
    }
  })

  it('an all -Infinity row has a zero gradient, compiled and interpreted', () => {
    const [g] = grad(K.sum(K.logSumExp(x, 1)), [x])
    const rows = allWays([g!], { x: data }).map((r) => r[0]!)
    for (const got of rows) {
      expect(got.slice(0, 3)).toEqual([0, 0, 0])
      expect(got.slice(21, 24)).toEqual([0, 1, 0])
      const soft = [1, 2, 3].map((v) => Math.exp(v - want[1]!))
      expect(got.slice(3, 6).every((v, i) => Math.abs(v - soft[i]!) < 1e-12)).toBe(true)
    }
    // The +Infinity entry's gradient is exp(inf - inf), NaN, as in PyTorch; the finite ones are 0.
    expect(rows.map((r) => r.slice(6, 9))).toEqual(rows.map(() => [N, 0, 0]))
  })

  it('along the first axis too (the online max+sum accumulating into rows), in one guarded online pass', () => {
    const xt = K.input('xt', [3, ROWS.length])
    const dataT = Float64Array.from({ length: data.length }, (_, i) => data[(i % ROWS.length) * 3 + Math.floor(i / ROWS.length)]!)
    const lse = K.logSumExp(xt, 0)
    for (const way of allWays([lse, ...grad(K.sum(lse), [xt])], { xt: dataT })) {
      expect(way[0]!.map((v, i) => Object.is(v, want[i]) || Math.abs(v - want[i]!) < 1e-12)).toEqual(want.map(() => true))
      expect([0, 1, 2].map((r) => way[1]![r * ROWS.length])).toEqual([0, 0, 0])
    }
    const online = (y: Tensor) => K.schedule([y], { fuse: true }).kernels.flatMap((k) => (k._tag === 'reduce' && k.online !== undefined ? [k.online.guarded] : []))
    expect([online(lse), online(K.logSumExp(x, 1)), online(K.softmax(x))]).toEqual([[true], [true], [false]])
    // Only that guard: another fallback, test or operand is an ordinary sum (and still agrees with evaluate).
    const m = K.max(x, 1, true)
    const shifted = (shift: Tensor) => K.sum(K.exp(K.sub(x, shift)), 1)
    const others = [
      K.where(K.equal(K.abs(m), I), 1, m),
      K.where(K.equal(K.abs(m), -I), 0, m),
      K.where(K.equal(m, I), 0, m),
      K.where(K.equal(K.abs(m), I), -0, m),
      K.where(K.equal(K.abs(K.max(x, 1, true)), I), 0, K.neg(K.neg(m))),
    ].map(shifted)
    expect(others.map((y) => onlinePair(y))).toEqual(others.map(() => undefined))
    const [ref, got] = [evaluate(others, { x: data }), compiled(others, { x: data })]
    expect(ref.every((r, i) => r.every((v, j) => Object.is(v, got[i]![j]) || Math.abs(v - got[i]![j]!) <= 1e-12 * Math.abs(v)))).toBe(true)
  })

  it('reduces an empty axis to -Infinity', () => {
    const e = K.input('e', [2, 0])
    for (const way of allWays([K.logSumExp(e, 1)], { e: new Float64Array(0) })) expect(way[0]).toEqual([-I, -I])
  })

  it('softmax and logSoftmax of an all -Infinity row stay NaN (documented; PyTorch too)', () => {
    for (const way of allWays([K.softmax(x), K.logSoftmax(x)], { x: data })) {
      expect(way[0]!.slice(0, 3).every(Number.isNaN)).toBe(true)
      expect(way[1]!.slice(0, 3).every(Number.isNaN)).toBe(true)
    }
  })
})

describe('logSumExp on ordinary rows agrees with the one-pass formula', () => {
  const finite = fc.double({ min: -1000, max: 1000, noNaN: true })
  const rows = fc.array(fc.array(finite, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 })

  // Not bit for bit since 0.7.0: the value's log(total) is log1p of the others' share (accurate where a
  // max dominates), and the gradients come from the rules in src/softmax.ts (spec/accuracy measures both).
  it('to the rounding of the logits, with its gradient, logSoftmax and cross-entropy; compiled = interpreted', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const x = K.input('x', [rs.length, 4])
        const bind = { x: Float64Array.from(rs.flat()) }
        const labels = K.constant(rs.map((_, i) => i % 4))
        const now = [K.logSumExp(x, 1, true), ...grad(K.sum(K.logSumExp(x, 1)), [x]), K.logSoftmax(x), K.softmaxCrossEntropy(x, labels)]
        const old = unguarded(x, 1)
        const before = [old, ...grad(K.sum(old), [x]), K.sub(x, old), K.mul(K.mean(K.takeAlong(K.sub(x, old), labels)), -1)]
        const [a, b, c, d] = [evaluate(K.simplify(now), bind), evaluate(K.simplify(before), bind), compiled(now, bind), compiled(before, bind)]
        const near = (u: Float64Array, w: Float64Array) => u.every((v, j) => Math.abs(v - w[j]!) <= 2.5e-13 * Math.max(1, Math.abs(w[j]!)))
        return a.every((v, i) => near(v, b[i]!) && sameBits(c[i]!, v) && sameBits(d[i]!, b[i]!))
      }),
      { seed: 9, numRuns: 60 },
    )
  })
})

describe('batched by vmap, the softmax family differentiates through its values', () => {
  // vmap keeps a custom node's value and drops its rule, so these gradients come from the values' own
  // derivatives (log1p of the others' share, the max's derivative giving the maxima their share)
  it('gives the gradients of the unbatched functions, ties and dominant rows included', () => {
    const rows = [[1, 2, 3, 4], [5, 5, 0, -1], [40, 0, 0, 0], [-3, -3, -3, -3]]
    const X = K.param('X', [4, 4])
    const W = K.constant(Array.from({ length: 16 }, (_, i) => ((i * 7) % 5) - 2), [4, 4])
    const bind = { X: Float64Array.from(rows.flat()) }
    const cases: readonly [(x: Tensor) => Tensor, Tensor][] = [
      [(x) => K.logSoftmax(x), K.logSoftmax(X)],
      [(x) => K.softmax(x), K.softmax(X)],
      [(x) => K.logSumExp(x), K.logSumExp(X, 1)],
    ]
    for (const [f, direct] of cases) {
      const batched = K.vmap(f)(X)
      const w = batched.shape.length === 1 ? K.sum(W, 1) : W
      const [gb, gd] = [K.grad(K.sum(K.mul(batched, w)), [X])[0]!, K.grad(K.sum(K.mul(direct, w)), [X])[0]!]
      const [b, d] = evaluate([gb, gd], bind)
      b!.forEach((v, i) => expect(Math.abs(v - d![i]!), `${f} element ${i}`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(d![i]!))))
    }
  })
})
