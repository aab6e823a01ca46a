/** Shared helpers for the nn specs: deterministic test values and gradient checks of first and second order. */
import { expect } from 'vitest'
import { mul, sum } from '../../src/api.js'
import { grad } from '../../src/grad.js'
import { gradcheck, type GradcheckInput, type GradcheckOptions } from '../../src/gradcheck.js'
import { key } from '../../src/random/key.js'
import { uniform } from '../../src/random/sample.js'
import { sizeOf, type Shape } from '../../src/shape.js'
import { type Tensor } from '../../src/tensor.js'
import { constant } from '../../src/make.js'

/** Values in [lo, hi) from a fixed seed; with `gap`, pushed at least `gap` away from 0 (kinks). */
export const values = (seed: number, shape: Shape, lo = -2, hi = 2, gap = 0): Float64Array =>
  uniform(key(seed), sizeOf(shape), lo, hi).map((v) => (gap > 0 ? Math.sign(v || 1) * (gap + Math.abs(v)) : v))

/** A gradcheck input. */
export const arg = (seed: number, shape: Shape, lo = -2, hi = 2, gap = 0): GradcheckInput => ({ value: values(seed, shape, lo, hi, gap), shape })

/** Asserts the first-order gradcheck passes, printing the report on failure. */
export const expectGrad = (f: (...xs: Tensor[]) => Tensor, inputs: readonly GradcheckInput[], options: GradcheckOptions = {}): void => {
  const r = gradcheck(f, inputs, options)
  expect(r.ok, r.summary).toBe(true)
  expect(r.checked).toBeGreaterThan(0)
}

/**
 * Asserts second derivatives are right: gradcheck of `xs -> d/dx_i sum(f(xs) * v)` for every i, with a
 * fixed projection `v`.
 */
export const expectGrad2 = (f: (...xs: Tensor[]) => Tensor, inputs: readonly GradcheckInput[], options: GradcheckOptions = {}): void => {
  inputs.forEach((_, i) => {
    const g = (...xs: Tensor[]): Tensor => {
      const y = f(...xs)
      const v = constant(values(99, y.shape), y.shape)
      return grad(sum(mul(y, v)), [xs[i]!])[0]!
    }
    expectGrad(g, inputs, { atol: 1e-4, rtol: 1e-3, ...options })
  })
}
