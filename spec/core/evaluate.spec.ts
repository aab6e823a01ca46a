/**
 * The reference interpreter: binding errors, binding conversion, NaN/Infinity propagation and the
 * numerically stable derived ops at extreme logits.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { evaluate, evaluateE } from '../../src/evaluate.js'
import { grad, hvp, vjp } from '../../src/grad.js'
import { BindingError } from '../../src/graph.js'
import { type Tensor } from '../../src/tensor.js'
import { constant, input, param } from '../../src/make.js'
import { graphArb } from '../arbitraries.js'
import { evaluateUsed } from '../finiteDiff.js'
import { caught } from '../caught.js'

const bindingError = (f: () => unknown, name: string, message: RegExp): void => {
  const e = caught(f) as BindingError
  expect(e).toBeInstanceOf(BindingError)
  expect(e.binding).toBe(name)
  expect(e.message).toMatch(message)
  expect(e.message).toContain(`'${name}'`)
}

describe('bindings', () => {
  const x = input('x', [2, 2])
  const w = param('w', [2])
  const y = K.add(x, w)

  it('a missing binding names the leaf, its kind and shape', () => {
    bindingError(() => evaluate([y], { x: [1, 2, 3, 4] }), 'w', /missing/)
    bindingError(() => evaluate([y], { x: [1, 2, 3, 4] }), 'w', /param of shape \[2\]/)
  })

  it('an unknown name is rejected and the known leaves are listed', () => {
    bindingError(() => evaluate([y], { x: [1, 2, 3, 4], w: [1, 2], v: [0] }), 'v', /unknown binding 'v'.*'x', 'w'/)
    bindingError(() => evaluate([constant([1])], { v: 1 }), 'v', /leaves are none/)
  })

  it('a wrong length names the binding, the count and the shape', () => {
    bindingError(() => evaluate([y], { x: [1, 2, 3], w: [1, 2] }), 'x', /3 values, its shape \[2,2\] needs 4/)
    bindingError(() => evaluate([y], { x: new Float64Array(4), w: 1 }), 'w', /1 values/)
  })

  it('two leaves with one name are rejected, naming it (different shapes or different kinds)', () => {
    bindingError(() => evaluate([K.add(K.sum(input('a', [2])), K.sum(input('a', [3])))], { a: [1, 2] }), 'a', /used by two leaves.*\[2\].*\[3\]/)
    bindingError(() => evaluate([K.add(input('b', [2]), param('b', [2]))], { b: [1, 2] }), 'b', /input \[2\] and param \[2\]/)
  })

  it('plain number[] and numbers are converted; results are fresh copies', () => {
    const s = input('s', [])
    const [a, b] = evaluate([y, K.mul(s, 2)], { x: [1, 2, 3, 4], w: new Float64Array([10, 20]), s: 1.5 })
    expect(Array.from(a!)).toEqual([11, 22, 13, 24])
    expect(Array.from(b!)).toEqual([3])
    const fed = Float64Array.of(1, 2)
    const [same] = evaluate([w], { w: fed })
    same![0] = 99
    expect(fed[0]).toBe(1)
  })

  it('evaluateE returns binding errors as Left values', () => {
    const r = evaluateE([y], { x: [1, 2, 3, 4] })
    expect(E.isLeft(r) && r.left.binding).toBe('w')
    expect(E.isRight(evaluateE([y], { x: [1, 2, 3, 4], w: [0, 0] }))).toBe(true)
  })
})

describe('NaN and Infinity', () => {
  const v = input('v', [4])
  const nanIn = [NaN, 1, 2, 3]

  it('NaN propagates through every unary op, binary op and reduction', () => {
    const unaries = [K.neg, K.exp, K.log, K.sqrt, K.abs, K.sign, K.tanh, K.sigmoid, K.relu, K.softplus, K.stopGradient] as ((x: Tensor) => Tensor)[]
    for (const f of unaries) expect(evaluate([f(v)], { v: nanIn })[0]![0]).toBeNaN()
    for (const f of [K.add, K.sub, K.mul, K.div, K.pow, K.maximum, K.minimum] as ((a: Tensor, b: number) => Tensor)[])
      expect(evaluate([f(v, 2)], { v: nanIn })[0]![0]).toBeNaN()
    for (const order of [nanIn, [1, NaN, 2, 3], [1, 2, 3, NaN]]) {
      const outs = [K.sum(v), K.max(v), K.min(v), K.mean(v), K.logSumExp(v)]
      for (const o of evaluate(outs, { v: order })) expect(o[0]).toBeNaN()
    }
    const mm = evaluate([K.matmul(K.reshape(v, [2, 2]), constant([1, 0, 0, 1], [2, 2]))], { v: nanIn })[0]!
    expect(Number.isNaN(mm[0]!) && Number.isNaN(mm[1]!)).toBe(true)
  })

  it('Infinity follows IEEE rules', () => {
    const [e, l, s, sp, t] = evaluate([K.exp(v), K.log(v), K.sigmoid(v), K.softplus(v), K.tanh(v)], { v: [Infinity, -Infinity, 0, 1] })
    expect(Array.from(e!.subarray(0, 3))).toEqual([Infinity, 0, 1])
    expect(l![1]).toBeNaN()
    expect(l![2]).toBe(-Infinity)
    expect(Array.from(s!.subarray(0, 3))).toEqual([1, 0, 0.5])
    expect(Array.from(sp!.subarray(0, 2))).toEqual([Infinity, 0])
    expect(Array.from(t!.subarray(0, 2))).toEqual([1, -1])
  })

  it('random graphs never crash on NaN / Infinity inputs, values or gradients', () => {
    fc.assert(
      fc.property(graphArb(5), fc.constantFrom(NaN, Infinity, -Infinity), fc.nat(), (g, bad, at) => {
        const bindings = Object.fromEntries(
          Object.entries(g.bindings).map(([k, val], i) => [k, i === 0 && val.length > 0 ? val.map((x, j) => (j === at % val.length ? bad : x)) : val]),
        )
        const outs = [g.loss, ...grad(g.loss, g.params)]
        const vals = evaluateUsed(outs, bindings)
        return vals.length === outs.length && vals.every((a, i) => a.length === outs[i]!.shape.reduce((p, d) => p * d, 1))
      }),
      { seed: 99, numRuns: 60 },
    )
  })

  it('a NaN input gives a NaN gradient where it flows', () => {
    const p = param('p', [2])
    const [g] = evaluate(grad(K.sum(K.mul(K.exp(p), p)), [p]), { p: [NaN, 1] })
    expect(g![0]).toBeNaN()
    expect(g![1]).toBeCloseTo(2 * Math.E, 12)
  })
})

describe('stable derived ops at logits of +-1000', () => {
  const x = param('x', [3, 3])
  const big = [1000, -1000, 0, 1000, 1000, 999, -1000, -1000, -1000]
  const w = [0.5, -1, 2, 1, 0.25, -0.5, 3, 1, -2]
  // hand-computed: row 0 is dominated by 1000; row 1 by two 1000s and a 999; row 2 is uniform
  const lse = [1000, 1000 + Math.log(2 + Math.exp(-1)), -1000 + Math.log(3)]
  const soft = [
    [1, 0, 0],
    [1 / (2 + Math.exp(-1)), 1 / (2 + Math.exp(-1)), Math.exp(-1) / (2 + Math.exp(-1))],
    [1 / 3, 1 / 3, 1 / 3],
  ].flat()
  const close = (got: Float64Array, want: readonly number[]) => {
    expect(got.every(Number.isFinite)).toBe(true)
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!))))
  }
  const rows = (f: (r: number, c: number) => number) => [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => f(r, c)))

  it('logSumExp: value and gradient (softmax)', () => {
    const y = K.logSumExp(x, -1)
    const [val, g] = evaluate([y, ...grad(K.sum(K.mul(y, constant([1, 2, 3]))), [x])], { x: big })
    close(val!, lse)
    close(g!, rows((r, c) => (r + 1) * soft[3 * r + c]!))
  })

  it('logSoftmax: value and gradient w - softmax * sum(w)', () => {
    const y = K.logSoftmax(x)
    const [val, g] = evaluate([y, ...grad(K.sum(K.mul(y, constant(w, [3, 3]))), [x])], { x: big })
    close(val!, rows((r, c) => big[3 * r + c]! - lse[r]!))
    const sw = [0, 1, 2].map((r) => w[3 * r]! + w[3 * r + 1]! + w[3 * r + 2]!)
    close(g!, rows((r, c) => w[3 * r + c]! - soft[3 * r + c]! * sw[r]!))
  })

  it('softmax: value and gradient s * (w - sum(s * w))', () => {
    const y = K.softmax(x)
    const [val, g] = evaluate([y, ...grad(K.sum(K.mul(y, constant(w, [3, 3]))), [x])], { x: big })
    close(val!, soft)
    const sw = [0, 1, 2].map((r) => [0, 1, 2].reduce((a, c) => a + soft[3 * r + c]! * w[3 * r + c]!, 0))
    close(g!, rows((r, c) => soft[3 * r + c]! * (w[3 * r + c]! - sw[r]!)))
  })

  it('their second derivatives stay finite at +-1000', () => {
    const dir = constant(w, [3, 3])
    for (const f of [(t: Tensor) => K.logSumExp(t, -1), (t: Tensor) => K.logSoftmax(t), (t: Tensor) => K.softmax(t)]) {
      const [hv] = evaluate(hvp(K.sum(K.mul(f(x), f(x))), [x], [dir]), { x: big })
      expect(hv!.every(Number.isFinite)).toBe(true)
    }
  })
})

describe('vjp, grad and hvp entry points', () => {
  it('grad rejects a non-scalar loss, vjp a cotangent of the wrong shape', () => {
    const p = param('p', [2])
    expect(() => grad(p, [p])).toThrow(/grad: shape \[2\]: the loss must be a scalar/)
    expect(() => vjp(p, [p], input('c', [3]))).toThrow(/vjp: shapes \[2\] and \[3\]/)
    expect(grad(K.sum(K.reshape(p, [1, 2] as never), -1), [p])).toHaveLength(1)
  })

  it('a loss that does not depend on a leaf has a zero gradient of its shape', () => {
    const [p, q] = [param('p', [2]), param('q', [2, 3])]
    const [gp, gq] = grad(K.sum(p), [p, q])
    expect(gq!.shape).toEqual([2, 3])
    expect(Array.from(evaluate([gq!], {})[0]!)).toEqual([0, 0, 0, 0, 0, 0])
    expect(Array.from(evaluate([gp!], {})[0]!)).toEqual([1, 1])
  })

  it('gradients accumulate over every use of a shared node', () => {
    const p = param('p', [])
    const s = K.tanh(p)
    const [g] = evaluate(grad(K.add(K.mul(s, s), s), [p]), { p: 0.3 })
    const t = Math.tanh(0.3)
    expect(g![0]).toBeCloseTo((2 * t + 1) * (1 - t * t), 14)
  })
})
