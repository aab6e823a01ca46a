/**
 * Precision, recall and F1: per class with macro and weighted averages (multiclass), and the
 * one-vs-rest binary metrics with specificity.
 *
 * Zero division follows scikit-learn's `zero_division=0`: a ratio whose denominator is zero is
 * reported as 0 (precision of a class never predicted, recall of a class absent from `yTrue`,
 * F1 when precision + recall = 0, specificity when there are no negatives).
 * @module
 */
import { confusionMatrix } from './classification.js'
import { type Labels, checkPair } from './validate.js'

/** Precision, recall, F1 and support (number of true samples) of one class or of an average. */
export interface ClassMetrics {
  readonly precision: number
  readonly recall: number
  readonly f1: number
  readonly support: number
}

/**
 * Result of {@link precisionRecallF1}: `perClass[c]` for each class c in [0, k), the unweighted
 * (`macro`) and support-weighted (`weighted`) means over classes, overall `accuracy` and the
 * total `support` n. The averages' `support` is n.
 */
export interface PrecisionRecallF1 {
  readonly k: number
  readonly perClass: readonly ClassMetrics[]
  readonly macro: ClassMetrics
  readonly weighted: ClassMetrics
  readonly accuracy: number
  readonly support: number
}

/** Confusion counts and derived metrics for one positive class against the rest. */
export interface BinaryMetrics {
  readonly tp: number
  readonly fp: number
  readonly tn: number
  readonly fn: number
  readonly precision: number
  readonly recall: number
  readonly f1: number
  readonly specificity: number
  readonly accuracy: number
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b)

/** F1 = 2tp / (2tp + fp + fn): the harmonic mean of precision and recall, 0 when undefined. */
const f1Of = (tp: number, fp: number, fn: number): number => ratio(2 * tp, 2 * tp + fp + fn)

/**
 * Per-class precision, recall, F1 and support for labels in [0, k), plus macro averages (plain
 * mean over all k classes, including classes with zero support) and weighted averages (mean
 * weighted by support), as scikit-learn's `precision_recall_fscore_support` with
 * `labels=range(k)` and `zero_division=0`. Macro F1 is the mean of per-class F1 scores, not the
 * F1 of macro precision and recall. With no samples every metric is 0.
 * @example
 * import { precisionRecallF1 } from 'kiln'
 * const m = precisionRecallF1([0, 0, 1, 1], [0, 1, 1, 1], 2)
 * m.perClass[1] // { precision: 2 / 3, recall: 1, f1: 0.8, support: 2 }
 * m.macro.recall // 0.75
 */
export const precisionRecallF1 = (yTrue: Labels, yPred: Labels, k: number): PrecisionRecallF1 => {
  const { counts } = confusionMatrix(yTrue, yPred, k)
  const n = yTrue.length
  const perClass: ClassMetrics[] = []
  let hits = 0
  for (let c = 0; c < k; c++) {
    let row = 0
    let col = 0
    for (let j = 0; j < k; j++) {
      row += counts[c * k + j]!
      col += counts[j * k + c]!
    }
    const tp = counts[c * k + c]!
    hits += tp
    perClass.push({ precision: ratio(tp, col), recall: ratio(tp, row), f1: f1Of(tp, col - tp, row - tp), support: row })
  }
  const mean = (f: (m: ClassMetrics) => number, w: (m: ClassMetrics) => number): number => {
    let num = 0
    let den = 0
    for (const m of perClass) {
      num += w(m) * f(m)
      den += w(m)
    }
    return ratio(num, den)
  }
  const average = (w: (m: ClassMetrics) => number): ClassMetrics => ({
    precision: mean((m) => m.precision, w),
    recall: mean((m) => m.recall, w),
    f1: mean((m) => m.f1, w),
    support: n,
  })
  return {
    k,
    perClass,
    macro: average(() => 1),
    weighted: average((m) => m.support),
    accuracy: ratio(hits, n),
    support: n,
  }
}

/**
 * One-vs-rest metrics treating label `positive` as the positive class and every other label as
 * negative: tp/fp/tn/fn, precision, recall (sensitivity), F1, specificity (true negative rate)
 * and accuracy. Zero denominators give 0; an empty input gives all zeros.
 * @example
 * import { binaryMetrics } from 'kiln'
 * const m = binaryMetrics([1, 1, 0, 0, 0], [1, 0, 1, 0, 0])
 * m.tp // 1
 * m.tn // 2
 * m.specificity // 2 / 3
 */
export const binaryMetrics = (yTrue: Labels, yPred: Labels, positive = 1): BinaryMetrics => {
  if (!Number.isInteger(positive) || positive < 0)
    throw new Error(
      `binaryMetrics: positive = ${String(positive)} is not a class index; expected a non-negative integer`,
    )
  const n = checkPair('binaryMetrics', yTrue, yPred)
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] === positive
    const p = yPred[i] === positive
    if (t && p) tp++
    else if (p) fp++
    else if (t) fn++
    else tn++
  }
  return {
    tp,
    fp,
    tn,
    fn,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: f1Of(tp, fp, fn),
    specificity: ratio(tn, tn + fp),
    accuracy: ratio(tp + tn, n),
  }
}
