/**
 * Threshold curves of a binary scorer, as scikit-learn computes them: the precision-recall curve,
 * the ROC curve, the area under a curve (trapezoids), ROC AUC, average precision, and choosing an
 * operating threshold (best F1, or a target recall or precision).
 *
 * Every function names the positive class explicitly (`{ positiveClass }`, required): `yTrue` holds
 * integer class labels, a row is positive when its label equals `positiveClass` and negative
 * otherwise (one-vs-rest), and `scores[i]` is row i's score for the positive class (its
 * probability, or any finite number that grows with it, such as a logit). A row is predicted
 * positive at threshold `t` when `scores[i] >= t`.
 *
 * Ties are handled as in scikit-learn: the thresholds are the distinct score values, so rows with
 * equal scores enter the curve together (a tie between a positive and a negative is a diagonal
 * step on the ROC curve and counts one half in the AUC, as in the Mann-Whitney statistic).
 * @module
 */
import { ArgumentError, describeValue, kindCheck, optionTableProblem, type OptionKind, type OptionKinds, type OptionTable } from '../options.js'
import { type Labels, checkLabels } from './validate.js'

/** Options of the curves and scores: which label is the positive class. */
export interface CurveOptions {
  /** The label of the positive class (required): rows with this label are positive, all others negative. */
  readonly positiveClass: number
  /**
   * Drop thresholds that do not change the drawn curve, as scikit-learn's `drop_intermediate`
   * (collinear ROC points; PR points whose true positives equal both neighbours'). Default false:
   * every distinct score is a threshold (scikit-learn's `roc_curve` defaults to true).
   */
  readonly dropIntermediate?: boolean
}

/** Options of {@link rocAuc} and {@link averagePrecision}. */
export interface ScoreOptions {
  /** The label of the positive class (required). */
  readonly positiveClass: number
}

/**
 * A precision-recall curve in scikit-learn's layout: `thresholds` increase; `precision[i]` and
 * `recall[i]` are those of predicting positive when `score >= thresholds[i]`; the last point
 * (precision 1, recall 0) has no threshold, so the two arrays are one longer than `thresholds`.
 */
export interface PrecisionRecallCurve {
  readonly precision: Float64Array
  readonly recall: Float64Array
  readonly thresholds: Float64Array
  readonly positiveClass: number
  /** Rows of the positive class. */
  readonly positives: number
  /** Rows of every other class. */
  readonly negatives: number
}

/**
 * A ROC curve in scikit-learn's layout: `thresholds` decrease from `Infinity` (nothing predicted
 * positive: the point (0, 0)); `fpr[i]` and `tpr[i]` are the false and true positive rates of
 * predicting positive when `score >= thresholds[i]`.
 */
export interface RocCurve {
  readonly fpr: Float64Array
  readonly tpr: Float64Array
  readonly thresholds: Float64Array
  readonly positiveClass: number
  readonly positives: number
  readonly negatives: number
}

/** True and false positives at each distinct score, thresholds decreasing. */
interface Counts {
  readonly thresholds: Float64Array
  readonly tps: Float64Array
  readonly fps: Float64Array
  readonly positives: number
  readonly negatives: number
}

const CURVE_KINDS: OptionKinds<CurveOptions> = { positiveClass: 'number', dropIntermediate: 'boolean' }
const POSITIVE_NEEDED = 'the label of the positive class (a non-negative integer)'

/**
 * An options table for `optionTableProblem` from one kind per option and the options that must be present.
 * @example
 * import { tableOf } from './curves.js'
 * import { optionTableProblem } from 'kiln'
 * const table = tableOf<{ readonly positiveClass: number }>({ positiveClass: 'number' }, { positiveClass: 'a class index' })
 * optionTableProblem('f', {}, table)?.message // 'f: positiveClass: missing; expected a class index'
 */
export const tableOf = <T>(kinds: OptionKinds<T>, required: Readonly<Record<string, string>>): OptionTable => ({
  checks: Object.fromEntries(Object.entries<OptionKind | readonly OptionKind[]>(kinds).map(([k, kind]) => [k, kindCheck(kind)])),
  required,
})

const CURVE_TABLE = tableOf(CURVE_KINDS, { positiveClass: POSITIVE_NEEDED })
const SCORE_KINDS: OptionKinds<ScoreOptions> = { positiveClass: 'number' }
const SCORE_TABLE = tableOf(SCORE_KINDS, { positiveClass: POSITIVE_NEEDED })

/**
 * Checks an options object with a required `positiveClass` against `table` (unknown keys, kinds,
 * missing keys; by default, the table of `{ positiveClass }` alone) and returns the positive class;
 * throws an `ArgumentError` naming the field.
 * @example
 * import { positiveClassOf, tableOf } from './curves.js'
 * const table = tableOf<{ readonly positiveClass: number }>({ positiveClass: 'number' }, {})
 * positiveClassOf('rocAuc', { positiveClass: 0 }, table) // 0
 * positiveClassOf('binaryMetrics', { positiveClass: 2 }) // 2
 * try { positiveClassOf('rocAuc', { positiveClass: 1.5 }, table) } catch (e) { (e as Error).message } // 'rocAuc: positiveClass: expected the label of the positive class (a non-negative integer), got 1.5'
 */
export const positiveClassOf = (who: string, options: object | undefined, table: OptionTable = SCORE_TABLE): number => {
  // Missing options are a missing positiveClass, not "no options": the class is never guessed.
  const o = options ?? {}
  const problem = optionTableProblem(who, o, table)
  if (problem !== undefined) throw problem
  const c: unknown = Reflect.get(o, 'positiveClass')
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0)
    throw new ArgumentError(who, 'positiveClass', `expected ${POSITIVE_NEEDED}, got ${describeValue(c)}`)
  return c
}

/** Checks labels and scores (equal lengths, at least one row, integer labels, finite scores). */
const checkInputs = (who: string, yTrue: Labels, scores: ArrayLike<number>): number => {
  if (yTrue.length !== scores.length)
    throw new Error(`${who}: yTrue has length ${yTrue.length} but scores has length ${scores.length}; expected one score per row`)
  if (yTrue.length === 0) throw new Error(`${who}: yTrue and scores are empty; expected at least one row`)
  checkLabels(who, 'yTrue', yTrue)
  for (let i = 0; i < scores.length; i++)
    if (typeof scores[i] !== 'number' || !Number.isFinite(scores[i]))
      throw new Error(`${who}: scores[${i}] = ${String(scores[i])}; expected a finite number`)
  return yTrue.length
}

/** scikit-learn's `_binary_clf_curve`: cumulative counts at each distinct score, scores decreasing. */
const countAtThresholds = (who: string, yTrue: Labels, scores: ArrayLike<number>, positiveClass: number): Counts => {
  const n = checkInputs(who, yTrue, scores)
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b)
  const thresholds: number[] = []
  const tps: number[] = []
  const fps: number[] = []
  let tp = 0
  let fp = 0
  for (let j = 0; j < n; j++) {
    const i = order[j]!
    if (yTrue[i] === positiveClass) tp++
    else fp++
    // Close a threshold at the last row of each run of equal scores (0 and -0 are equal).
    if (j === n - 1 || scores[order[j + 1]!] !== scores[i]) {
      // -0 and 0 are one threshold; report it as 0.
      thresholds.push(scores[i]! === 0 ? 0 : scores[i]!)
      tps.push(tp)
      fps.push(fp)
    }
  }
  return { thresholds: Float64Array.from(thresholds), tps: Float64Array.from(tps), fps: Float64Array.from(fps), positives: tp, negatives: fp }
}

const needPositives = (who: string, c: Counts, positiveClass: number, what: string): void => {
  if (c.positives === 0)
    throw new Error(`${who}: yTrue has no row of the positive class ${positiveClass}; ${what} is undefined without positives`)
}

/** `dropIntermediate`: the counts at the thresholds `keep(i)` keeps, the first and last always. */
const keptCounts = (c: Counts, keep: (i: number) => boolean): Counts => {
  const m = c.tps.length
  if (m <= 2) return c
  const idx = Array.from({ length: m }, (_, i) => i).filter((i) => i === 0 || i === m - 1 || keep(i))
  const pick = (a: Float64Array): Float64Array => Float64Array.from(idx, (i) => a[i]!)
  return { ...c, thresholds: pick(c.thresholds), tps: pick(c.tps), fps: pick(c.fps) }
}

/**
 * Precision and recall at every distinct score, as scikit-learn's `precision_recall_curve`:
 * thresholds increasing, then the final point (precision 1, recall 0). The first point predicts
 * every row positive, so its precision is the prevalence of the positive class. Throws when
 * `yTrue` has no positive row (recall is undefined), or on bad input.
 * @example
 * import { precisionRecallCurve } from 'kiln'
 * const c = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 })
 * c.precision // Float64Array.of(0.5, 2 / 3, 0.5, 1, 1)
 * c.recall // Float64Array.of(1, 1, 0.5, 0.5, 0)
 * c.thresholds // Float64Array.of(0.1, 0.35, 0.4, 0.8)
 */
export const precisionRecallCurve = (yTrue: Labels, scores: ArrayLike<number>, options: CurveOptions): PrecisionRecallCurve => {
  const who = 'precisionRecallCurve'
  const positiveClass = positiveClassOf(who, options, CURVE_TABLE)
  const counts = countAtThresholds(who, yTrue, scores, positiveClass)
  needPositives(who, counts, positiveClass, 'recall')
  const t = counts.tps
  const { thresholds, tps, fps } = options.dropIntermediate === true ? keptCounts(counts, (i) => t[i] !== t[i - 1] || t[i + 1] !== t[i]) : counts
  const m = tps.length
  const precision = new Float64Array(m + 1)
  const recall = new Float64Array(m + 1)
  for (let i = 0; i < m; i++) {
    // Reversed, so that recall decreases along the arrays as in scikit-learn.
    precision[m - 1 - i] = tps[i]! / (tps[i]! + fps[i]!)
    recall[m - 1 - i] = tps[i]! / counts.positives
  }
  precision[m] = 1
  return { precision, recall, thresholds: thresholds.reverse(), positiveClass, positives: counts.positives, negatives: counts.negatives }
}

/**
 * False and true positive rates at every distinct score, as scikit-learn's `roc_curve` (thresholds
 * decreasing, starting at `Infinity` for the point (0, 0)); `dropIntermediate: true` drops
 * collinear points as scikit-learn's default does. Throws when `yTrue` has no positive or no
 * negative row (a rate would be undefined), or on bad input.
 * @example
 * import { rocCurve } from 'kiln'
 * const c = rocCurve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 2 })
 * c.fpr // Float64Array.of(0, 0, 0.5, 0.5, 1)
 * c.tpr // Float64Array.of(0, 0.5, 0.5, 1, 1)
 * c.thresholds // Float64Array.of(Infinity, 0.8, 0.4, 0.35, 0.1)
 */
export const rocCurve = (yTrue: Labels, scores: ArrayLike<number>, options: CurveOptions): RocCurve => {
  const who = 'rocCurve'
  const positiveClass = positiveClassOf(who, options, CURVE_TABLE)
  const counts = countAtThresholds(who, yTrue, scores, positiveClass)
  needPositives(who, counts, positiveClass, 'the true positive rate')
  if (counts.negatives === 0)
    throw new Error(`${who}: every row of yTrue is of the positive class ${positiveClass}; the false positive rate is undefined without negatives`)
  // A point is kept where the curve bends: a non-zero second difference of fps or tps.
  const bends = (a: Float64Array, i: number): boolean => a[i + 1]! - 2 * a[i]! + a[i - 1]! !== 0
  const { thresholds, tps, fps } = options.dropIntermediate === true ? keptCounts(counts, (i) => bends(counts.fps, i) || bends(counts.tps, i)) : counts
  const m = tps.length
  const fpr = new Float64Array(m + 1)
  const tpr = new Float64Array(m + 1)
  const th = new Float64Array(m + 1)
  th[0] = Infinity
  for (let i = 0; i < m; i++) {
    fpr[i + 1] = fps[i]! / counts.negatives
    tpr[i + 1] = tps[i]! / counts.positives
    th[i + 1] = thresholds[i]!
  }
  return { fpr, tpr, thresholds: th, positiveClass, positives: counts.positives, negatives: counts.negatives }
}

/**
 * Area under the curve through the points (x[i], y[i]) by the trapezoidal rule, as
 * scikit-learn's `auc`: `x` must be monotonic (non-decreasing or non-increasing; a decreasing `x`
 * gives the same positive area). Throws with fewer than 2 points, unequal lengths, non-finite
 * values or a non-monotonic `x`.
 * @example
 * import { auc } from 'kiln'
 * auc([0, 0, 0.5, 0.5, 1], [0, 0.5, 0.5, 1, 1]) // 0.75
 * auc([1, 0.5, 0], [1, 1, 0]) // 0.75
 */
export const auc = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  if (x.length !== y.length) throw new Error(`auc: x has length ${x.length} but y has length ${y.length}; expected equal lengths`)
  if (x.length < 2) throw new Error(`auc: ${x.length} point${x.length === 1 ? '' : 's'}; expected at least 2 points`)
  for (const [name, a] of [['x', x], ['y', y]] as const)
    for (let i = 0; i < a.length; i++)
      if (typeof a[i] !== 'number' || !Number.isFinite(a[i])) throw new Error(`auc: ${name}[${i}] = ${String(a[i])}; expected a finite number`)
  let up = false
  let down = false
  for (let i = 1; i < x.length; i++) {
    if (x[i]! > x[i - 1]!) up = true
    if (x[i]! < x[i - 1]!) down = true
  }
  if (up && down) throw new Error('auc: x is neither non-decreasing nor non-increasing; expected monotonic x coordinates')
  let area = 0
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2
  return down ? -area : area
}

/**
 * Area under the ROC curve: the probability that a random positive row scores higher than a random
 * negative one, ties counting one half (the Mann-Whitney U statistic over positives x negatives),
 * as scikit-learn's `roc_auc_score` for binary labels. Computed from exact integer counts. Throws
 * when `yTrue` lacks positives or negatives.
 * @example
 * import { rocAuc } from 'kiln'
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 }) // 0.75
 * rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9], { positiveClass: 1 }) // 0.875
 */
export const rocAuc = (yTrue: Labels, scores: ArrayLike<number>, options: ScoreOptions): number => {
  const who = 'rocAuc'
  const positiveClass = positiveClassOf(who, options, SCORE_TABLE)
  const { tps, fps, positives, negatives } = countAtThresholds(who, yTrue, scores, positiveClass)
  if (positives === 0 || negatives === 0)
    throw new Error(`${who}: yTrue has ${positives === 0 ? 'no row' : 'only rows'} of the positive class ${positiveClass}; ROC AUC needs positives and negatives`)
  // Twice the area in count units: each trapezoid is dFP * (TP_prev + TP), integers while below 2^53.
  let twice = 0
  for (let i = 0; i < tps.length; i++) twice += (fps[i]! - (i > 0 ? fps[i - 1]! : 0)) * (tps[i]! + (i > 0 ? tps[i - 1]! : 0))
  return twice / (2 * positives * negatives)
}

/**
 * Average precision, scikit-learn's step-wise (not interpolated) summary of the precision-recall
 * curve: `AP = sum_n (R_n - R_{n-1}) P_n` over the thresholds from highest to lowest, i.e. the mean,
 * over positive rows, of the precision at that row's score. Throws when `yTrue` has no positive row.
 * @example
 * import { averagePrecision } from 'kiln'
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], { positiveClass: 1 }) // 5 / 6
 */
export const averagePrecision = (yTrue: Labels, scores: ArrayLike<number>, options: ScoreOptions): number => {
  const who = 'averagePrecision'
  const positiveClass = positiveClassOf(who, options, SCORE_TABLE)
  const c = countAtThresholds(who, yTrue, scores, positiveClass)
  needPositives(who, c, positiveClass, 'average precision')
  let ap = 0
  for (let i = 0; i < c.tps.length; i++) {
    const gained = c.tps[i]! - (i > 0 ? c.tps[i - 1]! : 0)
    if (gained > 0) ap += (gained / c.positives) * (c.tps[i]! / (c.tps[i]! + c.fps[i]!))
  }
  return ap
}

/** What {@link chooseThreshold} optimizes: best F1, or a target recall or precision. */
export type ThresholdOptions =
  | { readonly positiveClass: number; readonly maximize: 'f1' }
  | { readonly positiveClass: number; readonly targetRecall: number }
  | { readonly positiveClass: number; readonly targetPrecision: number }

/** A threshold and the metrics of predicting positive when `score >= threshold`. */
export interface ThresholdChoice {
  readonly threshold: number
  readonly precision: number
  readonly recall: number
  readonly f1: number
  /** False positive rate fp / (fp + tn). */
  readonly fpr: number
  readonly tp: number
  readonly fp: number
  readonly tn: number
  readonly fn: number
  readonly positiveClass: number
}

interface AllThresholdOptions {
  readonly positiveClass: number
  readonly maximize: string
  readonly targetRecall: number
  readonly targetPrecision: number
}
const THRESHOLD_KINDS: OptionKinds<AllThresholdOptions> = { positiveClass: 'number', maximize: 'string', targetRecall: 'number', targetPrecision: 'number' }
const THRESHOLD_TABLE = tableOf(THRESHOLD_KINDS, { positiveClass: POSITIVE_NEEDED })
const GOALS = ['maximize', 'targetRecall', 'targetPrecision'] as const

/** The one goal of the options, checked: `maximize: 'f1'` or a target in (0, 1]. */
const goalOf = (options: ThresholdOptions): { readonly goal: (typeof GOALS)[number]; readonly target: number } => {
  const who = 'chooseThreshold'
  const given = GOALS.filter((g) => Reflect.get(options, g) !== undefined)
  if (given.length !== 1)
    throw new ArgumentError(who, given[1] ?? 'maximize', `expected exactly one of maximize: 'f1', targetRecall or targetPrecision, got ${given.length === 0 ? 'none' : given.join(' and ')}`)
  const goal = given[0]!
  const v: unknown = Reflect.get(options, goal)
  if (goal === 'maximize') {
    if (v !== 'f1') throw new ArgumentError(who, 'maximize', `expected 'f1', got ${describeValue(v)}`)
    return { goal, target: NaN }
  }
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new ArgumentError(who, goal, `expected a fraction in (0, 1], got ${describeValue(v)}`)
  return { goal, target: v }
}

const choiceAt = (c: Counts, i: number, positiveClass: number): ThresholdChoice => {
  const tp = c.tps[i]!
  const fp = c.fps[i]!
  const fn = c.positives - tp
  const tn = c.negatives - fp
  const precision = tp / (tp + fp)
  const recall = tp / c.positives
  const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)
  return { threshold: c.thresholds[i]!, precision, recall, f1, fpr: c.negatives === 0 ? 0 : fp / c.negatives, tp, fp, tn, fn, positiveClass }
}

/**
 * Chooses an operating threshold among the distinct scores (predict positive when
 * `score >= threshold`):
 * - `maximize: 'f1'`: the threshold of highest F1; at equal F1, the highest threshold.
 * - `targetRecall: r`: the highest threshold whose recall is at least `r` (the fewest rows flagged
 *   that still catch that fraction of positives). Always reachable: the lowest score flags every row.
 * - `targetPrecision: p`: among thresholds whose precision is at least `p`, the one of highest
 *   recall; at equal recall, the highest threshold. When no threshold reaches `p`, throws a
 *   `RangeError` naming `targetPrecision` and the best precision there is.
 *
 * Returns the threshold with precision, recall, F1, false positive rate and the confusion counts
 * there. Throws when `yTrue` has no positive row, or on bad options (exactly one goal is needed).
 * @example
 * import { chooseThreshold } from 'kiln'
 * const y = [0, 0, 1, 1, 0, 1]
 * const s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]
 * chooseThreshold(y, s, { positiveClass: 1, maximize: 'f1' }).threshold // 0.8
 * chooseThreshold(y, s, { positiveClass: 1, targetRecall: 1 }).threshold // 0.35
 * const p = chooseThreshold(y, s, { positiveClass: 1, targetPrecision: 0.7 })
 * p.threshold // 0.8
 * p.recall // 2 / 3
 */
export const chooseThreshold = (yTrue: Labels, scores: ArrayLike<number>, options: ThresholdOptions): ThresholdChoice => {
  const who = 'chooseThreshold'
  const positiveClass = positiveClassOf(who, options, THRESHOLD_TABLE)
  const { goal, target } = goalOf(options)
  const c = countAtThresholds(who, yTrue, scores, positiveClass)
  needPositives(who, c, positiveClass, 'recall')
  const all = Array.from({ length: c.tps.length }, (_, i) => choiceAt(c, i, positiveClass))
  if (goal === 'maximize') return all.reduce((best, x) => (x.f1 > best.f1 ? x : best))
  if (goal === 'targetRecall') return all.find((x) => x.recall >= target)!
  let best: ThresholdChoice | undefined
  for (const x of all) if (x.precision >= target && (best === undefined || x.tp > best.tp)) best = x
  if (best !== undefined) return best
  const top = all.reduce((b, x) => (x.precision > b.precision ? x : b))
  throw new RangeError(
    `${who}: targetPrecision = ${target} is not reached at any threshold; the highest precision is ${top.precision} (threshold ${top.threshold}, recall ${top.recall})`,
  )
}
