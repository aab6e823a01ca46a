/**
 * Random expression graphs (gradients against finite differences), hash-consing and `show`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/api.js'
import { grad } from '../../src/grad.js'
import { topoSort } from '../../src/graph.js'
import { show } from '../../src/show.js'
import { type Tensor } from '../../src/tensor.js'
import { constant, input, param, scalar } from '../../src/make.js'
import { buildGraph, graphArb, rand } from '../arbitraries.js'
import { evaluateUsed, numericGradOf, relError } from '../finiteDiff.js'

describe('random graphs: symbolic gradient against central differences', () => {
  it('agrees to a relative error below 1e-6 (depth up to 6, mixed ops, broadcasting, views)', () => {
    fc.assert(
      fc.property(graphArb(6), (g) => {
        const sym = evaluateUsed(grad(g.loss, g.params), g.bindings)
        const num = numericGradOf(g.loss, g.params, g.bindings)
        expect(relError(sym, num, 1e-3)).toBeLessThan(1e-6)
      }),
      { seed: 20240601, numRuns: 120 },
    )
  })

  it('the generator really builds deep, varied graphs', () => {
    const ops = new Set<string>()
    let deep = 0
    for (let s = 0; s < 200; s++) {
      const g = buildGraph(rand(s), 6, [2, 3])
      topoSort([g.out]).forEach((t) => ops.add(t.op))
      if (g.nodes >= 20) deep++
    }
    for (const op of ['matmul', 'transpose', 'reshape', 'slice', 'pad', 'concat', 'broadcastTo', 'sum', 'max', 'where', 'maximum', 'pow', 'div'])
      expect(ops).toContain(op)
    expect(deep).toBeGreaterThan(20)
  })
})

describe('hash-consing', () => {
  it('building the same expression twice gives the same object', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 4 }), (seed, depth) => {
        const a = buildGraph(rand(seed), depth, [2, 2])
        const b = buildGraph(rand(seed), depth, [2, 2])
        return a.out === b.out && a.loss === b.loss && a.out.id === b.out.id
      }),
      { seed: 7, numRuns: 50 },
    )
  })

  it('different attributes or shapes give different nodes', () => {
    const x = input('x', [2, 3])
    expect(K.sum(x, 0)).not.toBe(K.sum(x, 1))
    expect(K.sum(x, 0)).not.toBe(K.sum(x, 0, true))
    expect(K.sum(x, 0)).toBe(K.sum(x, -2))
    expect(K.leakyRelu(x, 0.1)).not.toBe(K.leakyRelu(x, 0.2))
    expect(K.reshape(x, [3, 2])).not.toBe(K.reshape(x, [6]))
    expect(K.slice(x, [0, 0], [1, 3])).not.toBe(K.slice(x, [1, 0], [1, 3]))
    expect(K.pad(x, [1, 0], [0, 0], 1)).not.toBe(K.pad(x, [1, 0], [0, 0], 2))
    expect(K.pad(x, [1, 0], [0, 0], 0)).not.toBe(K.pad(x, [1, 0], [0, 0], -0))
    expect(input('x', [2, 3])).toBe(x)
    expect(input('x', [3, 2])).not.toBe(x)
    expect(param('x', [2, 3])).not.toBe(x)
    expect(constant([1, 2], [2])).not.toBe(constant([1, 2], [1, 2]))
    expect(K.add(x, 1)).not.toBe(K.add(1, x))
  })

  it('-0 and 0 constants differ; NaN constants hash-cons; equal values hash-cons', () => {
    expect(scalar(-0)).not.toBe(scalar(0))
    expect(constant([0, -0])).not.toBe(constant([0, 0]))
    expect(scalar(NaN)).toBe(scalar(NaN))
    expect(constant([NaN, 1])).toBe(constant(Float64Array.of(NaN, 1)))
    expect(scalar(Infinity)).not.toBe(scalar(-Infinity))
    expect(scalar(0.1 + 0.2)).not.toBe(scalar(0.3))
    expect(constant([1, 2, 3])).toBe(constant([1, 2, 3]))
  })

  it('constant values are copied and nodes are frozen', () => {
    const v = Float64Array.of(1, 2)
    const c = constant(v)
    v[0] = 9
    expect(constant([1, 2])).toBe(c)
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.shape)).toBe(true)
    const perm = [1, 0]
    const t = K.transpose(input('x', [2, 3]), perm)
    perm[0] = 0
    expect(K.transpose(input('x', [2, 3]), [1, 0])).toBe(t)
  })
})

describe('show', () => {
  const x = input('x', [3])
  const w = param('w', [3])

  it('names a node used twice once, with let; leaves appear by name', () => {
    const y = K.mul(x, w)
    const s = show(K.add(y, K.tanh(y)))
    expect(s).toBe('let t1 = (x * w)\n(t1 + tanh(t1))')
    expect(show([y, K.add(y, 1)])).toBe('let t1 = (x * w)\nt1\n(t1 + 1)')
  })

  it('prints attributes, constants and -0', () => {
    expect(show(K.sum(input('m', [2, 3]), 1, true))).toBe('sum(m, axes=[1], keepDims)')
    expect(show(K.sub(x, scalar(-0)))).toBe('(x - -0)')
    expect(show(K.add(x, constant([2, 2, 2])))).toBe('(x + fill(2, [3]))')
    expect(show(K.leakyRelu(x, 0.5))).toBe('leakyRelu(x, alpha=0.5)')
  })

  it('is deterministic, mentions every leaf, and binds each shared node exactly once', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), (seed, depth) => {
        const g = buildGraph(rand(seed), depth, [2])
        const s = show(g.loss)
        expect(show(buildGraph(rand(seed), depth, [2]).loss)).toBe(s)
        for (const p of g.params) expect(s).toMatch(new RegExp(`\\b${(p.attrs as { name: string }).name}\\b`))
        const order = topoSort([g.loss])
        const uses = new Map<number, number>()
        for (const t of order) for (const a of t.args) uses.set(a.id, (uses.get(a.id) ?? 0) + 1)
        const shared = order.filter((t) => t.args.length > 0 && (uses.get(t.id) ?? 0) > 1).length
        const lets = s.split('\n').filter((l) => l.startsWith('let '))
        expect(lets.length).toBe(shared)
        expect(new Set(lets.map((l) => l.split(' ')[1])).size).toBe(shared)
      }),
      { seed: 11, numRuns: 60 },
    )
  })

  it('shows gradients (their leaves include the params)', () => {
    const [g] = grad(K.sum(K.mul(K.tanh(w), x)), [w]) as [Tensor]
    expect(show(g)).toContain('dsigmoid((2 * w), order=1)')
  })
})
