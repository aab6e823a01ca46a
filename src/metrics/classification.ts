/**
 * Basic classification metrics on integer label vectors: accuracy, error rate, the confusion
 * matrix, and `argmaxRows` to turn a probability matrix into predicted labels.
 * @module
 */
import { type Labels, checkClassCount, checkPair } from './validate.js'

/**
 * A k x k confusion matrix, row-major: `counts[i * k + j]` is the number of samples whose true
 * class is `i` and predicted class is `j` (rows = true class, columns = predicted class, as in
 * scikit-learn's `confusion_matrix`).
 */
export interface ConfusionMatrix {
  readonly k: number
  readonly counts: Float64Array
}

/**
 * Fraction of samples whose predicted label equals the true label.
 * Throws when the lengths differ, a label is not a non-negative integer, or there are no samples.
 * @example
 * import { accuracy } from 'kiln'
 * accuracy([0, 1, 2, 2], [0, 2, 2, 2]) // 0.75
 */
export const accuracy = (yTrue: Labels, yPred: Labels): number => {
  const n = checkPair('accuracy', yTrue, yPred)
  if (n === 0) throw new Error('accuracy: yTrue and yPred are empty; expected at least one sample')
  let hits = 0
  for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) hits++
  return hits / n
}

/**
 * Fraction of misclassified samples, `1 - accuracy` (computed by counting, so it is exact).
 * @example
 * import { errorRate } from 'kiln'
 * errorRate([0, 1, 2, 2], [0, 2, 2, 2]) // 0.25
 */
export const errorRate = (yTrue: Labels, yPred: Labels): number => {
  const n = checkPair('errorRate', yTrue, yPred)
  if (n === 0) throw new Error('errorRate: yTrue and yPred are empty; expected at least one sample')
  let misses = 0
  for (let i = 0; i < n; i++) if (yTrue[i] !== yPred[i]) misses++
  return misses / n
}

/**
 * The k x k confusion matrix of `yPred` against `yTrue` (rows = true class). Every label must be
 * an integer in [0, k). Empty inputs give an all-zero matrix.
 * @example
 * import { confusionMatrix } from 'kiln'
 * const cm = confusionMatrix([0, 1, 1, 2], [0, 1, 2, 2], 3)
 * Array.from(cm.counts) // [1, 0, 0, 0, 1, 1, 0, 0, 1]
 */
export const confusionMatrix = (yTrue: Labels, yPred: Labels, k: number): ConfusionMatrix => {
  checkClassCount('confusionMatrix', k)
  const n = checkPair('confusionMatrix', yTrue, yPred, k)
  const counts = new Float64Array(k * k)
  for (let i = 0; i < n; i++) counts[yTrue[i]! * k + yPred[i]!]! += 1
  return { k, counts }
}

/**
 * Row-wise argmax of a row-major n x k matrix (probabilities or logits): the predicted label of
 * each row. Ties go to the lowest index, as in NumPy. Throws on NaN entries or a length that is
 * not a multiple of `k`.
 * @example
 * import { argmaxRows } from 'kiln'
 * Array.from(argmaxRows(new Float64Array([0.1, 0.7, 0.2, 0.5, 0.5, 0]), 3)) // [1, 0]
 */
export const argmaxRows = (probs: ArrayLike<number>, k: number): Float64Array => {
  checkClassCount('argmaxRows', k)
  if (probs.length % k !== 0)
    throw new Error(
      `argmaxRows: probs has length ${probs.length}, not a multiple of k = ${k}; expected a row-major n x k matrix`,
    )
  const n = probs.length / k
  const out = new Float64Array(n)
  for (let r = 0; r < n; r++) {
    let best = 0
    let bestV = -Infinity
    for (let c = 0; c < k; c++) {
      const v = probs[r * k + c]!
      if (Number.isNaN(v))
        throw new Error(`argmaxRows: probs[${r * k + c}] (row ${r}, column ${c}) is NaN; expected a number`)
      if (v > bestV) {
        bestV = v
        best = c
      }
    }
    out[r] = best
  }
  return out
}
