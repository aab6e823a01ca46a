/**
 * Table-driven op tests: every key of `opTable` has a case. Ops with a `domain` get their symbolic
 * gradient and Hessian-vector product checked against central differences on random shapes and values
 * from that domain; the others get hand-picked reference values and a zero gradient.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/api.js'
import { evaluate } from '../../src/evaluate.js'
import { grad, hvp } from '../../src/grad.js'
import { kernelHelpers, opTable } from '../../src/optable.js'
import { sizeOf } from '../../src/shape.js'
import { type NodeOf, type OpName, type Tensor } from '../../src/tensor.js'
import { constant, input, make, param } from '../../src/make.js'
import { randomValues } from '../arbitraries.js'
import { evaluateUsed, numericDirectional, numericGradOf, relError } from '../finiteDiff.js'
import { cases, covered, FLOOR, instances, names, setup, TOL } from './op-cases.js'

describe('op table: symbolic gradients against central differences', () => {
  for (const op of names) {
    const c = cases[op]
    if (c.kind !== 'grad') continue
    it(`${op}: grad of sum(op(x) * w) matches finite differences`, () => {
      fc.assert(
        fc.property(instances(op, c.arb), ([gc, values, seed]) => {
          const { leaves, y, bindings } = setup(op, gc, values)
          const loss = K.sum(K.mul(y, constant(randomValues(seed, sizeOf(y.shape)), y.shape)))
          const sym = evaluateUsed(grad(loss, leaves), bindings)
          expect(relError(sym, numericGradOf(loss, leaves, bindings), FLOOR)).toBeLessThan(TOL)
        }),
        { seed: 1234, numRuns: 40 },
      )
    })
    it(`${op}: Hessian-vector product of sum(op(x)^2 * w) matches differences of the gradient`, () => {
      fc.assert(
        fc.property(instances(op, c.arb), ([gc, values, seed]) => {
          const { leaves, y, bindings } = setup(op, gc, values)
          const loss = K.sum(K.mul(K.square(y), constant(randomValues(seed, sizeOf(y.shape)), y.shape)))
          const dirs = leaves.map((l, i) => randomValues(seed + 1 + i, sizeOf(l.shape)))
          const sym = evaluateUsed(hvp(loss, leaves, dirs.map((d, i) => constant(d, leaves[i]!.shape))), bindings)
          expect(relError(sym, numericDirectional(grad(loss, leaves), leaves, bindings, dirs), FLOOR)).toBeLessThan(TOL)
        }),
        { seed: 4321, numRuns: 20 },
      )
    })
  }
})

describe('op table: ops without a tested gradient', () => {
  for (const op of names) {
    const c = cases[op]
    if (c.kind !== 'none') continue
    it(`${op}: reference values on hand-picked inputs, zero or no gradient`, () => {
      c.check()
      covered.add(op)
    })
  }
})

describe('op table: coverage', () => {
  it('an op has a gradient case exactly when it declares a domain', () => {
    for (const op of names) expect(`${op}: ${cases[op].kind}`).toBe(`${op}: ${opTable[op].domain === undefined ? 'none' : 'grad'}`)
    expect(Object.keys(cases).sort()).toEqual([...names].sort())
  })
  it('every op was really built (not short-circuited by the API) by a test above', () => {
    expect(names.filter((n) => !covered.has(n))).toEqual([])
  })
})

describe('documented gradient conventions at kinks and ties', () => {
  const p = param('k', [3])
  const at = (loss: Tensor, v: readonly number[]) => Array.from(evaluateUsed(grad(loss, [p]), { k: v })[0]!)

  it('max shares the cotangent equally among tied maxima; NaN wins', () => {
    expect(at(K.max(p), [1, 3, 3])).toEqual([0, 0.5, 0.5])
    expect(at(K.sum(K.max(K.reshape(p, [3, 1] as never), 1)), [2, 2, 2])).toEqual([1, 1, 1])
    expect(Array.from(evaluate([K.max(p)], { k: [1, NaN, 2] })[0]!)).toEqual([NaN])
  })

  it('maximum / minimum give a tie to the first operand; abs and relu have derivative 0 at 0', () => {
    const q = constant([1, 1, 1])
    expect(at(K.sum(K.maximum(p, q)), [1, 0, 2])).toEqual([1, 0, 1])
    expect(at(K.sum(K.maximum(q, p)), [1, 0, 2])).toEqual([0, 0, 1])
    expect(at(K.sum(K.minimum(p, q)), [1, 0, 2])).toEqual([1, 1, 0])
    expect(at(K.sum(K.abs(p)), [0, -0, -2])).toEqual([0, -0, -1])
    expect(at(K.sum(K.relu(p)), [0, 1, -1])).toEqual([0, 1, 0])
    expect(at(K.sum(K.leakyRelu(p, 0.25)), [0, 1, -1])).toEqual([0.25, 1, 0.25])
  })
})

describe('elementwise kernel expressions agree bit for bit with the reference', () => {
  // kernels run with the table's helpers in scope, exactly as generated code gets them
  const helperNames = Object.keys(kernelHelpers)
  const helpers = Object.values(kernelHelpers)
  const special = [-2.5, -1, -0, 0, 0.5, 3, 1e-300, 40, -745, NaN, Infinity, -Infinity]
  const combos = (n: number): number[][] => (n === 0 ? [[]] : combos(n - 1).flatMap((c) => special.map((v) => [...c, v])))

  for (const op of names) {
    const def = opTable[op]
    if (def.kind !== 'elementwise') continue
    it(`${op}`, () => {
      const rows = combos(def.arity)
      const ins = [...Array(def.arity).keys()].map((i) => input(`v${i}`, [rows.length]))
      const node = make(op, ins, def.sample)
      const want = evaluate([node], Object.fromEntries(ins.map((_, i) => [`v${i}`, rows.map((r) => r[i]!)])))[0]!
      const params = ins.map((_, i) => `v${i}`)
      const body = `return ${kernelOf(node, params)}`
      const f = new Function(...params, ...helperNames, body) as (...a: unknown[]) => number
      rows.forEach((r, i) => expect([r, f(...r, ...helpers)]).toEqual([r, want[i]]))
    })
  }
})

/** The record's kernel expression of node `t` on operand names. */
function kernelOf<K extends OpName>(t: NodeOf<K>, args: readonly string[]): string {
  const def = opTable[t.op]
  if (def.kind !== 'elementwise') throw new Error(`${t.op} has no kernel`)
  return def.kernel(args, t.attrs)
}
