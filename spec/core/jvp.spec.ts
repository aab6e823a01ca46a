/**
 * Forward mode (`jvp`, from the op records' forward rules) against central differences along the
 * tangent and against reverse mode transposed (`jvpTransposed`, the oracle), on random graphs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jvp, jvpTransposed } from '../../src/grad.js'
import * as K from '../../src/api.js'
import { param } from '../../src/make.js'
import type { Tensor } from '../../src/tensor.js'
import { leavesOf, topoSort } from '../../src/graph.js'
import { input } from '../../src/make.js'
import { sizeOf } from '../../src/shape.js'
import { graphArb, randomValues } from '../arbitraries.js'
import { evaluateUsed, relError } from '../finiteDiff.js'

describe('jvp', () => {
  it('equals the central difference of the output along the tangent, on random graphs', () => {
    fc.assert(
      fc.property(graphArb(5), fc.integer({ min: 0, max: 1e6 }), (g, seed) => {
        const tangents = g.params.map((p, i) => input(`__t${i}`, p.shape))
        const tv = Object.fromEntries(g.params.map((p, i) => [`__t${i}`, randomValues(seed + i, sizeOf(p.shape))]))
        const jv = jvp(g.out, g.params, tangents)
        // The cotangent used to transpose reverse mode must not survive into the result.
        expect([...leavesOf(topoSort([jv])).keys()].some((n) => n.startsWith('__jvp'))).toBe(false)
        const sym = evaluateUsed([jv], { ...g.bindings, ...tv })[0]!
        const eps = 1e-5
        const shifted = (s: number) =>
          Object.fromEntries(Object.entries(g.bindings).map(([n, v]) => {
            const i = g.params.findIndex((p) => (p.attrs as { name: string }).name === n)
            return [n, i < 0 ? v : v.map((x, k) => x + s * eps * tv[`__t${i}`]![k]!)]
          }))
        const [plus] = evaluateUsed([g.out], shifted(1))
        const [minus] = evaluateUsed([g.out], shifted(-1))
        const num = plus!.map((p, k) => (p - minus![k]!) / (2 * eps))
        expect(relError([sym], [num], 1e-3)).toBeLessThan(1e-6)
      }),
      { seed: 20261126, numRuns: 60 },
    )
  })

  it('equals reverse mode transposed on random graphs', () => {
    fc.assert(
      fc.property(graphArb(5), fc.integer({ min: 0, max: 1e6 }), (g, seed) => {
        const tangents = g.params.map((p, i) => input(`__t${i}`, p.shape))
        const tv = Object.fromEntries(g.params.map((p, i) => [`__t${i}`, randomValues(seed + i, sizeOf(p.shape))]))
        const [a, b] = evaluateUsed([jvp(g.out, g.params, tangents), jvpTransposed(g.out, g.params, tangents)], { ...g.bindings, ...tv })
        expect(relError([a!], [b!], 1e-3)).toBeLessThan(1e-12)
      }),
      { seed: 20261130, numRuns: 80 },
    )
  })

  it('costs one forward pass: a smaller graph than reverse mode transposed', () => {
    let h: Tensor = input('x', [8, 4])
    const ws = [0, 1, 2, 3].map((i) => param(`w${i}`, [4, 4]))
    for (const w of ws) h = K.tanh(K.matmul(h, w))
    const ts = ws.map((w, i) => input(`t${i}`, w.shape))
    const fwd = topoSort([jvp(h, ws, ts)]).length
    const transposed = topoSort([jvpTransposed(h, ws, ts)]).length
    expect(fwd).toBeLessThan(transposed)
  })

  it('rejects tangents of the wrong shape or count', () => {
    const x = input('x', [2, 3])
    expect(() => jvp(x, [x], [input('v', [3, 2])])).toThrow(/jvp: shapes \[2,3\] and \[3,2\]/)
    expect(() => jvp(x, [x], [])).toThrow(/0 tangents for 1 inputs/)
  })
})
