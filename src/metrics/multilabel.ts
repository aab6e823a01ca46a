/**
 * Multi-label metrics: each of `k` labels is its own binary problem (a row may carry any number of
 * labels). Inputs are row-major `[n * k]` 0/1 arrays, as a multi-label `Dataset`'s `y` and the
 * `labels` of `evaluateModel` on it.
 *
 * Zero division follows scikit-learn's `zero_division=0` (as `precisionRecallF1`): a ratio whose
 * denominator is zero is reported as 0.
 * @module
 */
import type { ClassMetrics } from './prf.js'
import { checkClassCount, checkSameLength, type Labels } from './validate.js'

/** One label's confusion counts and metrics (`support`: rows whose true target is 1). */
export interface LabelMetrics extends ClassMetrics {
  readonly tp: number
  readonly fp: number
  readonly fn: number
  readonly tn: number
}

/** Result of {@link multilabelMetrics}. */
export interface MultilabelMetrics {
  /** Number of labels. */
  readonly k: number
  /** Number of rows. */
  readonly n: number
  /** `perLabel[c]` for each label c in [0, k). */
  readonly perLabel: readonly LabelMetrics[]
  /** Metrics of the summed counts of all labels (`average='micro'`); `support` is the total of the labels' supports. */
  readonly micro: ClassMetrics
  /** Plain means over the k labels, zero-support labels included (`average='macro'`); `support` as `micro`. */
  readonly macro: ClassMetrics
  /** Fraction of the `n * k` decisions that are wrong (scikit-learn's `hamming_loss`). */
  readonly hammingLoss: number
  /** Fraction of rows whose k decisions are all right (exact match: scikit-learn's `accuracy_score` on multi-label data). */
  readonly subsetAccuracy: number
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b)

/** Throws naming the argument, row and column of the first entry that is not 0 or 1. */
const checkBits = (arg: string, v: Labels, k: number): void => {
  for (let i = 0; i < v.length; i++)
    if (v[i] !== 0 && v[i] !== 1)
      throw new Error(`multilabelMetrics: ${arg}[${i}] (row ${Math.floor(i / k)}, label ${i % k}) = ${String(v[i])}; expected 0 or 1`)
}

const metricsOf = (tp: number, fp: number, fn: number, support: number): ClassMetrics => ({
  precision: ratio(tp, tp + fp),
  recall: ratio(tp, tp + fn),
  f1: ratio(2 * tp, 2 * tp + fp + fn),
  support,
})

/**
 * Per-label precision, recall, F1, support and confusion counts, their micro and macro averages, the
 * hamming loss and the subset (exact-match) accuracy of multi-label decisions: `yTrue` and `yPred` are
 * row-major `[n * k]` 0/1 arrays. As scikit-learn's `precision_recall_fscore_support` (with
 * `zero_division=0`), `hamming_loss` and `accuracy_score` on label-indicator matrices. With no rows every
 * metric is 0. Throws naming the argument on lengths that differ or are not a multiple of `k`, or an
 * entry other than 0/1.
 * @example
 * import { multilabelMetrics } from 'kiln'
 * // scikit-learn's example: y_true [[0, 0, 0], [1, 1, 1], [0, 1, 1]], y_pred [[0, 0, 0], [1, 1, 1], [1, 1, 0]]
 * const m = multilabelMetrics([0, 0, 0, 1, 1, 1, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1, 0], 3)
 * m.perLabel.map((l) => l.precision) // [0.5, 1, 1]
 * m.perLabel.map((l) => l.f1) // [2 / 3, 1, 2 / 3]
 * m.hammingLoss // 2 / 9
 * m.subsetAccuracy // 2 / 3
 */
export const multilabelMetrics = (yTrue: Labels, yPred: Labels, k: number): MultilabelMetrics => {
  checkClassCount('multilabelMetrics', k)
  const len = checkSameLength('multilabelMetrics', yTrue, yPred)
  if (len % k !== 0)
    throw new Error(`multilabelMetrics: yTrue and yPred have length ${len}, not a multiple of k = ${k}; expected row-major [n * k] arrays`)
  checkBits('yTrue', yTrue, k)
  checkBits('yPred', yPred, k)
  const n = len / k
  const counts = Array.from({ length: k }, () => ({ tp: 0, fp: 0, fn: 0, tn: 0 }))
  let exact = 0
  for (let r = 0; r < n; r++) {
    let same = true
    for (let c = 0; c < k; c++) {
      const t = yTrue[r * k + c] === 1
      const p = yPred[r * k + c] === 1
      const cell = counts[c]!
      if (t && p) cell.tp++
      else if (p) cell.fp++
      else if (t) cell.fn++
      else cell.tn++
      if (t !== p) same = false
    }
    if (same) exact++
  }
  const perLabel = counts.map((q) => ({ ...metricsOf(q.tp, q.fp, q.fn, q.tp + q.fn), ...q }))
  const sum = (f: (m: LabelMetrics) => number): number => perLabel.reduce((a, m) => a + f(m), 0)
  const support = sum((m) => m.support)
  const wrong = sum((m) => m.fp + m.fn)
  return {
    k,
    n,
    perLabel,
    micro: metricsOf(sum((m) => m.tp), sum((m) => m.fp), sum((m) => m.fn), support),
    macro: { precision: sum((m) => m.precision) / k, recall: sum((m) => m.recall) / k, f1: sum((m) => m.f1) / k, support },
    hammingLoss: ratio(wrong, len),
    subsetAccuracy: ratio(exact, n),
  }
}
