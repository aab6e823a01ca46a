/**
 * Scalar special functions behind the elementwise records whose kernels call a helper: the logistic
 * function and softplus, written so that they neither overflow nor cancel anywhere on the float64 line
 * (their derivatives of every order are in special-derivs.ts; spec/accuracy measures each in ulps).
 * @module
 */

/**
 * The logistic function with one `exp`: `exp(-|x|)` serves both signs (stable for large |x|).
 * @example
 * import { sigmoid } from './special.js'
 * sigmoid(0) // 0.5
 * sigmoid(-800) > 0 // false
 */
export const sigmoid = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

/**
 * `log(1 + e^x)` without overflow or cancellation.
 * @example
 * import { softplus } from './special.js'
 * softplus(1000) // 1000
 * softplus(-800) // 0
 */
export const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))
