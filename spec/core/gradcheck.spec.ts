/**
 * gradcheck: passes on correct gradients, fails and names the worst element on wrong ones, and
 * uses PyTorch's double-precision defaults (eps 1e-6, atol 1e-5, rtol 1e-3).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/api.js'
import { gradcheck, gradgradcheck, project } from '../../src/gradcheck.js'
import { sizeOf } from '../../src/shape.js'
import type { Tensor } from '../../src/tensor.js'
import { randomValues, shapeArb } from '../arbitraries.js'

const modes = ['full', 'fast'] as const

describe('gradcheck on correct gradients', () => {
  it.each(modes)('passes on smooth scalar and non-scalar functions (%s)', (mode) => {
    const x = { value: [0.3, -1.2, 0.7, 2], shape: [2, 2], name: 'x' }
    const w = { value: [0.5, -0.25, 1, 0.1, -0.3, 0.2], shape: [2, 3], name: 'w' }
    const fs: ((...xs: Tensor[]) => Tensor)[] = [
      (a) => K.sum(K.tanh(K.mul(a!, a!))),
      (a, b) => K.softmax(K.matmul(a!, b! as never)),
      (a, b) => K.logSumExp(K.matmul(a!, b! as never), 0),
      (a) => K.div(K.exp(a!), K.add(K.sum(a!, 1, true), 10)),
    ]
    for (const f of fs) {
      const r = gradcheck(f, [x, w], { mode })
      expect(r.summary).toMatch(/^gradcheck passed/)
      expect(r.ok && r.failures === 0).toBe(true)
    }
  })

  it('checks every Jacobian element in full mode and `projections` directions in fast mode', () => {
    const f = (a: Tensor) => K.sigmoid(K.transpose(a))
    const x = { value: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape: [2, 3] }
    expect(gradcheck(f, [x]).checked).toBe(36)
    expect(gradcheck(f, [x], { mode: 'fast', projections: 7 }).checked).toBe(7)
  })

  it('passes on random smooth functions of random shapes', () => {
    fc.assert(
      fc.property(shapeArb({ maxRank: 2 }), fc.integer(), fc.constantFrom(...modes), (s, seed, mode) => {
        const value = randomValues(seed, sizeOf(s), -2, 2)
        return gradcheck((a) => K.sum(K.mul(K.softplus(a), K.tanh(a))), [{ value, shape: s }], { mode }).ok
      }),
      { seed: 8, numRuns: 30 },
    )
  })

  it('handles functions that ignore an input or have a constant gradient', () => {
    const one = { value: [1, 2], shape: [2] }
    expect(gradcheck((a) => K.mul(a!, 2), [one]).ok).toBe(true)
    expect(gradcheck((a, _b) => K.sum(a!), [one, { value: [3], shape: [1] }]).ok).toBe(true)
    expect(gradcheck((a, _b) => K.sum(a!), [one, { value: [3], shape: [1] }], { mode: 'fast' }).ok).toBe(true)
  })

  it('rejects inputs whose value count does not match the shape', () => {
    expect(() => gradcheck((a) => K.sum(a), [{ value: [1, 2, 3], shape: [2], name: 'q' }])).toThrow(/input 'q' has 3 values, shape \[2\] needs 2/)
  })
})

describe('gradcheck on wrong gradients', () => {
  // x * stopGradient(x): the symbolic derivative is x, the true one 2x
  const wrong = (a: Tensor) => K.mul(a, K.stopGradient(a))
  const x = { value: [0.5, -2, 1], shape: [3], name: 'x' }

  it('full mode fails and names the worst element', () => {
    const r = gradcheck(wrong, [x])
    expect(r.ok).toBe(false)
    expect(r.failures).toBe(3)
    expect(r.worst).toMatchObject({ input: 'x', index: [1], outputIndex: 1, analytic: -2 })
    expect(r.worst!.numeric).toBeCloseTo(-4, 6)
    expect(r.summary).toMatch(/^gradcheck FAILED \(full, 9 checked, 3 failed/)
    expect(r.summary).toContain('worst: x[1] output 1: analytic -2')
  })

  it('fast mode fails too', () => {
    const r = gradcheck((a) => project(wrong(a), K.constant([1, 2, 3])), [x], { mode: 'fast' })
    expect(r.ok).toBe(false)
    expect(r.worst!.input).toBe('projection')
    expect(r.summary).toMatch(/FAILED \(fast/)
  })

  it('a gradient error of a NaN is a failure', () => {
    const r = gradcheck((a) => K.sqrt(a), [{ value: [0, 1], shape: [2] }])
    expect(r.ok).toBe(false)
  })
})

describe('gradcheck default tolerances: eps 1e-6, atol 1e-5, rtol 1e-3', () => {
  // f(x) = x + d*x - stopGradient(d*x): numerically x, symbolically (1 + d) x; error d against numeric 1
  const off = (d: number) => (a: Tensor) => K.sub(K.add(a, K.mul(a, d)), K.stopGradient(K.mul(a, d)))
  // same with numeric derivative 0: error d against atol alone
  const offZero = (d: number) => (a: Tensor) => K.sub(K.mul(a, d), K.stopGradient(K.mul(a, d)))
  const x = { value: [0.7], shape: [1] }

  it('rtol 1e-3 (plus atol 1e-5) around a derivative of 1', () => {
    expect(gradcheck(off(0.99e-3), [x]).ok).toBe(true)
    expect(gradcheck(off(1.03e-3), [x]).ok).toBe(false)
  })

  it('atol 1e-5 around a derivative of 0', () => {
    expect(gradcheck(offZero(0.9e-5), [x]).ok).toBe(true)
    expect(gradcheck(offZero(1.1e-5), [x]).ok).toBe(false)
  })

  it('eps 1e-6: the central difference of x^3 at 0 is eps^2', () => {
    const r = gradcheck((a) => K.mul(K.mul(a, a), a), [{ value: [0], shape: [1] }])
    expect(r.worst!.numeric).toBeCloseTo(1e-12, 20)
    expect(r.summary).toContain('eps 0.000001, atol 0.00001, rtol 0.001')
    expect(gradcheck((a) => K.mul(K.mul(a, a), a), [{ value: [0], shape: [1] }], { eps: 1e-3 }).worst!.numeric).toBeCloseTo(1e-6, 15)
  })
})

describe('gradgradcheck (second order)', () => {
  it('passes on smooth functions, scalar or not', () => {
    const { tanh, sum, mul, matmul, softmax, sigmoid } = K
    expect(gradgradcheck((x) => sum(tanh(mul(x, x))), [{ value: [0.3, -1.2, 0.7], shape: [3] }]).ok).toBe(true)
    const r = gradgradcheck((a, b) => softmax(sigmoid(matmul(a!, b!))), [
      { value: [0.1, -0.4, 0.9, 0.3, -0.2, 0.5], shape: [2, 3] },
      { value: [0.2, 0.7, -0.5, 0.1, 0.3, -0.6], shape: [3, 2] },
    ])
    expect(r.summary).toMatch(/passed/)
  })

  it('fails where the symbolic second derivative is wrong, naming the element', () => {
    const { sum, mul, stopGradient } = K
    // grad of x * stopGradient(x) is stopGradient(x): right values, but its own derivative is 0, not 1.
    const r = gradgradcheck((x) => sum(mul(x, stopGradient(x))), [{ value: [0.5, 2], shape: [2], name: 'x' }])
    expect(r.ok).toBe(false)
    expect(r.worst?.input).toBe('x')
    expect(Math.abs(r.worst!.numeric - 1)).toBeLessThan(1e-6)
    expect(r.worst!.analytic).toBe(0)
  })
})
