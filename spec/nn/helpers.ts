/** Shared helpers for the nn specs: deterministic test values and gradient checks of first and second order (at gradcheck's defaults). */
import { expect } from 'vitest'
import { gradcheck, type GradcheckInput, type GradcheckOptions } from '../../src/gradcheck.js'
import { key } from '../../src/random/key.js'
import { uniform } from '../../src/random/sample.js'
import { sizeOf, type Shape } from '../../src/shape.js'
import { type Tensor } from '../../src/tensor.js'

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

/** Asserts second derivatives are right: gradcheck with `order: 2` (a fixed projection of a non-scalar `f`). */
export const expectGrad2 = (f: (...xs: Tensor[]) => Tensor, inputs: readonly GradcheckInput[], options: GradcheckOptions = {}): void =>
  expectGrad(f, inputs, { order: 2, ...options })
