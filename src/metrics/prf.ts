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
import { positiveClassOf } from './curves.js'
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
  /** The label counted as positive. */
  readonly positiveClass: number
  /** Caveats about the result (no positive class named; the positive class is the majority), as text. */
  readonly warnings: readonly string[]
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

/** Options of {@link binaryMetrics}: which label is the positive class. */
export interface BinaryMetricsOptions {
  /** The label of the positive class: rows with this label are positive, every other label negative. */
  readonly positiveClass: number
}

/** The positive class and whether the caller named it (a bare number or `{ positiveClass }`). */
const positiveOf = (positive: number | BinaryMetricsOptions | undefined): { readonly c: number; readonly explicit: boolean } => {
  if (positive === undefined) return { c: 1, explicit: false }
  if (typeof positive === 'object' && positive !== null) return { c: positiveClassOf('binaryMetrics', positive), explicit: true }
  if (!Number.isInteger(positive) || positive < 0)
    throw new Error(
      `binaryMetrics: positive = ${String(positive)} is not a class index; expected a non-negative integer`,
    )
  return { c: positive, explicit: true }
}

/**
 * One-vs-rest metrics treating label `positive` as the positive class and every other label as
 * negative: tp/fp/tn/fn, precision, recall (sensitivity), F1, specificity (true negative rate)
 * and accuracy. Zero denominators give 0; an empty input gives all zeros.
 *
 * Name the positive class, as a number or `{ positiveClass }`: precision and recall describe that
 * class only. Without it label 1 is used, for compatibility, and `warnings` says so. `warnings`
 * also notes when the positive class is the majority of `yTrue` (more than half the rows): on
 * skewed data the metrics that matter are those of the rare class, so it is usually the positive one.
 * The warnings are data, not console output, so the caller decides where they go.
 * @example
 * import { binaryMetrics } from 'kiln'
 * const m = binaryMetrics([1, 1, 0, 0, 0], [1, 0, 1, 0, 0], { positiveClass: 1 })
 * m.tp // 1
 * m.tn // 2
 * m.specificity // 2 / 3
 * m.warnings // []
 * binaryMetrics([1, 1, 0, 0, 0], [1, 0, 1, 0, 0], { positiveClass: 0 }).warnings // ['binaryMetrics: the positive class 0 is the majority class of yTrue (3 of 5 rows); on skewed data the rare class is usually the positive one, whose precision and recall matter']
 * binaryMetrics([1, 0], [1, 0]).warnings[0] // 'binaryMetrics: no positive class given, so label 1 is positive; name it: binaryMetrics(yTrue, yPred, { positiveClass })'
 */
export const binaryMetrics = (yTrue: Labels, yPred: Labels, positive?: number | BinaryMetricsOptions): BinaryMetrics => {
  const { c: positiveClass, explicit } = positiveOf(positive)
  const n = checkPair('binaryMetrics', yTrue, yPred)
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] === positiveClass
    const p = yPred[i] === positiveClass
    if (t && p) tp++
    else if (p) fp++
    else if (t) fn++
    else tn++
  }
  const warnings: string[] = []
  if (!explicit) warnings.push('binaryMetrics: no positive class given, so label 1 is positive; name it: binaryMetrics(yTrue, yPred, { positiveClass })')
  if (2 * (tp + fn) > n)
    warnings.push(
      `binaryMetrics: the positive class ${positiveClass} is the majority class of yTrue (${tp + fn} of ${n} rows); on skewed data the rare class is usually the positive one, whose precision and recall matter`,
    )
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
    positiveClass,
    warnings,
  }
}
