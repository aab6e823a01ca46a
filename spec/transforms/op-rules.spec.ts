/**
 * The op records' forward-mode (`jvp`) and batching (`batch`) rules, table-driven over the same cases as
 * the gradient specs: forward mode against reverse mode transposed and against central differences,
 * forward over reverse against reverse over reverse, and every batched op against a loop over the batch,
 * bit for bit (the reference evaluation of a batched op runs the same operations in the same order).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/api.js'
import { grad, hvp, jvpTransposed } from '../../src/grad.js'
import { constant, input, param } from '../../src/make.js'
import { opTable } from '../../src/optable.js'
import { key } from '../../src/random/key.js'
import { sizeOf } from '../../src/shape.js'
import type { Tensor } from '../../src/tensor.js'
import { jvp, jvps } from '../../src/transforms/forward.js'
import { vmapGraph } from '../../src/transforms/vmap.js'
import { randomValues } from '../arbitraries.js'
import { straightThrough } from '../compile/arbitraries.js'
import { cases, FLOOR, instances, names, setup, TOL } from '../core/op-cases.js'
import { evaluateUsed, numericDirectional, relError } from '../finiteDiff.js'

const gradOps = names.filter((op) => cases[op].kind === 'grad')

describe('forward-mode rules', () => {
  for (const op of gradOps) {
    const c = cases[op]
    if (c.kind !== 'grad') continue
    it(`${op}: jvp equals reverse mode transposed and central differences`, () => {
      fc.assert(
        fc.property(instances(op, c.arb), ([gc, values, seed]) => {
          const { leaves, y, bindings } = setup(op, gc, values)
          const dirs = leaves.map((l, i) => randomValues(seed + i, sizeOf(l.shape)))
          const ts = dirs.map((d, i) => constant(d, leaves[i]!.shape))
          const fwd = evaluateUsed([jvp(y, leaves, ts)], bindings)
          expect(relError(fwd, evaluateUsed([jvpTransposed(y, leaves, ts)], bindings), 1e-300)).toBeLessThan(1e-12)
          expect(relError(fwd, numericDirectional([y], leaves, bindings, dirs), FLOOR)).toBeLessThan(TOL)
        }),
        { seed: 2468, numRuns: 30 },
      )
    })
    it(`${op}: forward over reverse equals reverse over reverse (Hessian-vector products)`, () => {
      fc.assert(
        fc.property(instances(op, c.arb), ([gc, values, seed]) => {
          const { leaves, y, bindings } = setup(op, gc, values)
          const loss = K.sum(K.mul(K.square(y), constant(randomValues(seed, sizeOf(y.shape)), y.shape)))
          const vs = leaves.map((l, i) => constant(randomValues(seed + 1 + i, sizeOf(l.shape)), l.shape))
          const fwdOverRev = evaluateUsed(jvps(grad(loss, leaves), leaves, vs), bindings)
          expect(relError(fwdOverRev, evaluateUsed(hvp(loss, leaves, vs), bindings), FLOOR)).toBeLessThan(1e-12)
        }),
        { seed: 1357, numRuns: 15 },
      )
    })
  }
})

/** `y` batched over `size` examples in the leaves flagged by `mask`, against the loop over examples. */
const batchedAgainstLoop = (y: Tensor, leaves: readonly Tensor[], one: Readonly<Record<string, Float64Array>>, mask: readonly boolean[], size: number, seed: number) => {
  const rows = leaves.map((l, i) => Array.from({ length: size }, (_, b) => (b === 0 || !mask[i] ? one[`x${i}`]! : randomValues(seed + 31 * b + i, sizeOf(l.shape), -2, 2))))
  const pairs: [Tensor, Tensor][] = []
  const bindings: Record<string, Float64Array> = {}
  leaves.forEach((l, i) => {
    if (!mask[i]) return void (bindings[`x${i}`] = one[`x${i}`]!)
    pairs.push([l, input(`batch${i}`, [size, ...l.shape])])
    bindings[`batch${i}`] = Float64Array.from(rows[i]!.flatMap((r) => Array.from(r)))
  })
  const [batched] = vmapGraph([y], pairs)
  expect(batched!.shape).toEqual([size, ...y.shape])
  const got = evaluateUsed([batched!], bindings)[0]!
  const want = rows[0]!.flatMap((_, b) => Array.from(evaluateUsed([y], Object.fromEntries(leaves.map((_, i) => [`x${i}`, rows[i]![b]!])))[0]!))
  expect(Array.from(got)).toEqual(want)
}

describe('batching rules: one batched graph equals the loop over the batch, bit for bit', () => {
  for (const op of gradOps) {
    const c = cases[op]
    if (c.kind !== 'grad') continue
    it(`${op}`, () => {
      fc.assert(
        fc.property(instances(op, c.arb), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 255 }), ([gc, values, seed], size, bits) => {
          const { leaves, y, bindings } = setup(op, gc, values)
          const mask = leaves.map((_, i) => ((bits >> i) & 1) === 1)
          if (!mask.some((m) => m)) mask[0] = true
          batchedAgainstLoop(y, leaves, bindings, mask, size, seed)
        }),
        { seed: 97531, numRuns: 30 },
      )
    })
  }

  const x = param('x0', [2, 3])
  const one = { x0: Float64Array.of(1.5, -0, NaN, 2, -3, 0.25) }
  const others: Readonly<Record<string, (x: Tensor) => Tensor>> = {
    sign: (t) => K.sign(t),
    greater: (t) => K.greater(t, K.mul(t, 0.5)),
    greaterEqual: (t) => K.greaterEqual(t, 0),
    less: (t) => K.less(constant([0, 1, 2]), t),
    lessEqual: (t) => K.lessEqual(t, t),
    equal: (t) => K.equal(t, 2),
    notEqual: (t) => K.notEqual(t, -0),
    stopGradient: (t) => K.stopGradient(t),
    oneHot: (t) => K.oneHot(K.abs(t), 3),
    custom: (t) => straightThrough(t),
  }
  for (const [op, f] of Object.entries(others))
    it(`${op}`, () => {
      batchedAgainstLoop(f(x), [x], one, [true], 3, 11)
    })

  it('covers every op with operands', () => {
    const withOperands = names.filter((op) => opTable[op].kind !== 'leaf' && op !== 'uniform')
    expect(withOperands.filter((op) => cases[op].kind !== 'grad' && others[op] === undefined)).toEqual([])
  })

  it('a random draw whose key is mapped is refused; one with a fixed key broadcasts', () => {
    const k = input('k', [2])
    expect(() => vmapGraph([K.uniformTensor(k, [3])], [[k, input('ks', [4, 2])]])).toThrow(/vmap: key: a random draw whose key depends on the mapped inputs/)
    const z = param('z', [3])
    const [b] = vmapGraph([K.add(K.uniformTensor(key(3), [3]), z)], [[z, input('zs', [2, 3])]])
    const out = evaluateUsed([b!], { zs: [0, 0, 0, 1, 1, 1] })[0]!
    expect(Array.from(out.slice(3))).toEqual(Array.from(out.slice(0, 3), (u) => u + 1))
  })
})
