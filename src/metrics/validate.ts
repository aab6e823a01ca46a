/**
 * Internal input checks shared by the metrics: label vectors, class counts and probability matrices.
 * Every check throws an `Error` whose message names the calling function, the argument and
 * what was expected.
 * @module
 */

/** Integer class indices, one per sample: a `Float64Array` or a plain `number[]`. */
export type Labels = ArrayLike<number>

/**
 * Checks `k` is a positive integer number of classes.
 * @example
 * import { checkClassCount } from './validate.js'
 * checkClassCount('confusionMatrix', 3) // 3
 */
export const checkClassCount = (fn: string, k: number): number => {
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`${fn}: k = ${String(k)}; expected a positive integer number of classes`)
  return k
}

/**
 * Checks two label vectors have the same length and returns it.
 * @example
 * import { checkSameLength } from './validate.js'
 * checkSameLength('accuracy', [0, 1], [1, 1]) // 2
 */
export const checkSameLength = (fn: string, yTrue: Labels, yPred: Labels): number => {
  if (yTrue.length !== yPred.length)
    throw new Error(
      `${fn}: yTrue has length ${yTrue.length} but yPred has length ${yPred.length}; expected equal lengths`,
    )
  return yTrue.length
}

/**
 * Checks every entry of `labels` is a non-negative integer, and below `k` when `k` is given.
 * `arg` is the argument's name, used in the message.
 * @example
 * import { checkLabels } from './validate.js'
 * checkLabels('confusionMatrix', 'yPred', [0, 2, 1], 3).length // 3
 */
export const checkLabels = (fn: string, arg: string, labels: Labels, k?: number): Labels => {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`${fn}: ${arg}[${i}] = ${String(v)} is not a class index; expected a non-negative integer`)
    if (k !== undefined && v >= k)
      throw new Error(`${fn}: ${arg}[${i}] = ${v} is outside the class range; expected an integer in [0, ${k})`)
  }
  return labels
}

/**
 * Checks a pair of label vectors: equal lengths and valid class indices (below `k` when given).
 * Returns the number of samples.
 * @example
 * import { checkPair } from './validate.js'
 * checkPair('accuracy', [0, 1, 2], [0, 2, 2]) // 3
 */
export const checkPair = (fn: string, yTrue: Labels, yPred: Labels, k?: number): number => {
  const n = checkSameLength(fn, yTrue, yPred)
  checkLabels(fn, 'yTrue', yTrue, k)
  checkLabels(fn, 'yPred', yPred, k)
  return n
}

/**
 * Checks `probs` is a row-major n x k matrix (length divisible by `k`) whose entries are
 * numbers in [0, 1] (no NaN). Returns the number of rows n.
 * @example
 * import { checkProbs } from './validate.js'
 * checkProbs('logLoss', new Float64Array([0.2, 0.8, 1, 0]), 2) // 2
 */
export const checkProbs = (fn: string, probs: ArrayLike<number>, k: number): number => {
  checkClassCount(fn, k)
  if (probs.length % k !== 0)
    throw new Error(
      `${fn}: probs has length ${probs.length}, not a multiple of k = ${k}; expected a row-major n x k matrix`,
    )
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!
    if (!(p >= 0 && p <= 1))
      throw new Error(
        `${fn}: probs[${i}] (row ${Math.floor(i / k)}, column ${i % k}) = ${String(p)}; expected a probability in [0, 1]`,
      )
  }
  return probs.length / k
}
