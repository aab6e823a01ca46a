/**
 * Multiclass log loss (cross-entropy) of predicted probabilities against integer labels.
 * @module
 */
import { type Labels, checkLabels, checkProbs } from './validate.js'

/** Tolerance on each row's sum: rows must sum to 1 within this. */
const ROW_SUM_TOLERANCE = 1e-6

/**
 * Mean negative log-likelihood of the true class:
 * `-(1/n) * sum_i log(clip(probs[i, yTrue[i]], eps, 1 - eps))`.
 *
 * `probs` is a row-major n x k matrix of probabilities (each entry in [0, 1], each row summing
 * to 1 within 1e-6); `yTrue` holds integers in [0, k). Probabilities are clipped to
 * [eps, 1 - eps] before the log so a confident wrong prediction costs `-log(eps)` (about 34.5
 * for the default 1e-15) instead of Infinity; rows are not renormalized after clipping.
 * Pass `eps = 0` for the unclipped loss. Throws on NaN, out-of-range entries, rows not summing
 * to 1, shape mismatches, bad labels, or no samples.
 * @example
 * import { logLoss } from 'kiln'
 * logLoss([0, 1], new Float64Array([0.5, 0.5, 0.2, 0.8]), 2) // -(Math.log(0.5) + Math.log(0.8)) / 2
 * logLoss([1], new Float64Array([1, 0]), 2) // -Math.log(1e-15)
 */
export const logLoss = (yTrue: Labels, probs: ArrayLike<number>, k: number, eps = 1e-15): number => {
  const n = checkProbs('logLoss', probs, k)
  if (!(eps >= 0 && eps < 0.5))
    throw new Error(`logLoss: eps = ${String(eps)}; expected a clipping bound in [0, 0.5)`)
  if (yTrue.length !== n)
    throw new Error(
      `logLoss: yTrue has length ${yTrue.length} but probs has ${n} rows of k = ${k}; expected one label per row`,
    )
  if (n === 0) throw new Error('logLoss: yTrue and probs are empty; expected at least one sample')
  checkLabels('logLoss', 'yTrue', yTrue, k)
  let total = 0
  for (let r = 0; r < n; r++) {
    let sum = 0
    for (let c = 0; c < k; c++) sum += probs[r * k + c]!
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE)
      throw new Error(
        `logLoss: probs row ${r} sums to ${sum}; expected probabilities summing to 1 (apply softmax to logits first)`,
      )
    const p = Math.min(Math.max(probs[r * k + yTrue[r]!]!, eps), 1 - eps)
    total -= Math.log(p)
  }
  return total / n
}
