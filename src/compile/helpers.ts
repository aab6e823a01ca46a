/**
 * Scalar helpers in scope of every generated kernel. They compute the same values as the reference
 * interpreter's formulas (to within a couple of ulps where they differ in form).
 * @module
 */
import { uniformAt } from '../random/threefry.js'

/**
 * Logistic function, the reference formula (stable for both signs).
 * @example
 * import { kSigmoid } from './helpers.js'
 * kSigmoid(0) // 0.5
 */
export const kSigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))

/**
 * The reference logistic function with one exp call per element (same values, bit for bit).
 * @example
 * import { kSigmoidFast, kSigmoid } from './helpers.js'
 * kSigmoidFast(-3) === kSigmoid(-3) // true
 */
export const kSigmoidFast = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

/**
 * `log(1 + exp(x))`, the reference formula.
 * @example
 * import { kSoftplus } from './helpers.js'
 * kSoftplus(0) // Math.LN2
 */
export const kSoftplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))

/**
 * Names and values passed into the scope of every generated function.
 * @example
 * import { helperScope } from './helpers.js'
 * helperScope.map(([n]) => n).includes('uniformAt') // true
 */
export const helperScope: readonly (readonly [string, unknown])[] = [
  ['kSigmoid', kSigmoid],
  ['kSigmoidFast', kSigmoidFast],
  ['kSoftplus', kSoftplus],
  ['uniformAt', uniformAt],
]
