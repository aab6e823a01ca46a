/**
 * The derivative primitives of every order: each order is the derivative of the one before (central
 * differences with Richardson extrapolation, on random points), repeated `grad` walks up the orders one
 * node at a time, closed forms at chosen points, and the order is checked at the boundary.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { ArgumentError } from '../../src/options.js'
import { derf, dsigmoid, MAX_ORDER } from '../../src/ops/special-derivs.js'
import type { Tensor } from '../../src/tensor.js'

/** f'(x) by central differences extrapolated twice (error O(h^6)). */
const richardson = (f: (x: number) => number, x: number, h = 1e-2): number => {
  const d = (s: number) => (f(x + s) - f(x - s)) / (2 * s)
  const [a, b, c] = [d(h), d(h / 2), d(h / 4)]
  const ab = (4 * b - a) / 3
  const bc = (4 * c - b) / 3
  return (16 * bc - ab) / 15
}

describe.each([
  ['dsigmoid', dsigmoid, 6],
  ['derf', derf, 3],
] as const)('%s: order n + 1 is the derivative of order n', (_name, f, range) => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('order %i', (n) => {
    fc.assert(
      fc.property(fc.double({ min: -range, max: range, noNaN: true }), (x) => {
        const want = richardson((t) => f(t, n), x)
        const got = f(x, n + 1)
        expect(Math.abs(got - want), `x = ${x}`).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(want)) * 10 ** (n / 3))
      }),
      { seed: 15 + n, numRuns: 80 },
    )
  })
})

describe('closed forms and limits', () => {
  const C = 2 / Math.sqrt(Math.PI)
  it('erf^(n) = (-1)^(n-1) H_(n-1)(x) 2/sqrt(pi) e^(-x^2)', () => {
    const g = (x: number) => C * Math.exp(-x * x)
    expect(derf(0.5, 4)).toBeCloseTo(-(8 * 0.125 - 12 * 0.5) * g(0.5), 14)
    expect(derf(0.5, 5)).toBeCloseTo((16 * 0.0625 - 48 * 0.25 + 12) * g(0.5), 14)
    expect(Math.abs(derf(Math.sqrt(1.5), 4))).toBeLessThan(1e-15)
  })
  it('sigmoid^(n) at 0: 1/4, 0, -1/8, 0, 1/4 (odd orders even, even orders odd)', () => {
    expect([1, 2, 3, 4, 5].map((n) => dsigmoid(0, n))).toEqual([0.25, -0, -0.125, 0, 0.25])
    expect(dsigmoid(3, 4)).toBeCloseTo(-dsigmoid(-3, 4), 15)
  })
  it('tails: e^-|x| scale, signed zeros beyond the subnormals, NaN in, NaN out', () => {
    expect(dsigmoid(-40, 3) / Math.exp(-40)).toBeCloseTo(1, 12)
    expect([derf(30, 1), derf(30, 2), derf(-30, 2), derf(Infinity, 3)]).toEqual([0, -0, 0, 0])
    expect([dsigmoid(NaN, 2), derf(NaN, 1)].every(Number.isNaN)).toBe(true)
  })
  it('orders outside 1..MAX_ORDER give NaN at once (a node built past the public check)', () => {
    for (const n of [0, -1, MAX_ORDER + 1, 2 ** 40, 1.5]) expect([dsigmoid(1, n), derf(1, n)].every(Number.isNaN)).toBe(true)
  })
})

describe('the public ops', () => {
  it('repeated grad walks up the orders, one node each', () => {
    const x = K.param('x', [3])
    let g: Tensor = K.sigmoid(x)
    for (let n = 1; n <= 4; n++) g = K.grad(K.sum(g), [x])[0]!
    expect(K.show(g)).toContain('dsigmoid')
    const at = { x: [-2, 0.5, 3] }
    expect(Array.from(K.evaluate([g], at)[0]!)).toEqual(at.x.map((v) => dsigmoid(v, 4)))
    let e: Tensor = K.erf(x)
    for (let n = 1; n <= 3; n++) e = K.grad(K.sum(e), [x])[0]!
    expect(Array.from(K.evaluate([e], at)[0]!)).toEqual(at.x.map((v) => derf(v, 3)))
  })
  it('refuse an order outside 1..32, naming it', () => {
    const x = K.input('x', [2])
    for (const op of [K.dsigmoid, K.derf])
      for (const bad of [0, 33, 1.5, '2', NaN]) expect(() => op(x, bad as number)).toThrow(ArgumentError)
    expect(() => K.derf(x, 0)).toThrow(/derf: order: expected a positive integer, got 0/)
    expect(K.dsigmoid(x, 32).attrs).toEqual({ order: 32 })
  })
})
