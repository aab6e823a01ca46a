/**
 * Charts of a binary scorer's threshold curves: the precision-recall curve (a step line, as average
 * precision integrates it, with the positive class's prevalence as the chance level) and the ROC
 * curve (with the chance diagonal and the AUC in the legend), with chosen operating points marked.
 * @module
 */
import { auc, type PrecisionRecallCurve, type RocCurve } from '../metrics/curves.js'
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from '../options.js'
import { formatFixed } from '../report/table.js'
import { type Series, lineChart } from './lineChart.js'

/** An operating point to mark on a curve: what `chooseThreshold` returns, optionally labelled. */
export interface ThresholdMark {
  readonly threshold: number
  readonly precision: number
  readonly recall: number
  /** False positive rate (for the ROC chart). */
  readonly fpr: number
  /** Legend text before the threshold, e.g. `'best F1'`. */
  readonly label?: string
}

/** Options of {@link prCurveChart} and {@link rocChart}. */
export interface CurveChartOptions {
  readonly title?: string
  /** Pixels. Default 640. */
  readonly width?: number
  /** Pixels. Default 440. */
  readonly height?: number
  /** Operating points drawn as dots, each with its own legend entry. */
  readonly marks?: readonly ThresholdMark[]
}

const CHART_KINDS: OptionKinds<CurveChartOptions> = { title: 'string', width: 'number', height: 'number', marks: 'array' }

const unitField = (who: string, field: string, v: unknown): void => {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ArgumentError(who, field, `expected a number in [0, 1], got ${describeValue(v)}`)
}

const checkMarks = (who: string, marks: readonly ThresholdMark[]): void =>
  marks.forEach((m, i) => {
    if (typeof m !== 'object' || m === null) throw new ArgumentError(who, `marks[${i}]`, `expected { threshold, precision, recall, fpr }, got ${describeValue(m)}`)
    if (typeof m.threshold !== 'number' || !Number.isFinite(m.threshold))
      throw new ArgumentError(who, `marks[${i}].threshold`, `expected a finite number, got ${describeValue(m.threshold)}`)
    for (const f of ['precision', 'recall', 'fpr'] as const) unitField(who, `marks[${i}].${f}`, m[f])
    if (m.label !== undefined && typeof m.label !== 'string') throw new ArgumentError(who, `marks[${i}].label`, `expected a string, got ${describeValue(m.label)}`)
  })

const lengthOf = (who: string, name: string, a: unknown): number => {
  if (!(a instanceof Float64Array || Array.isArray(a))) throw new ArgumentError(who, `curve.${name}`, `expected an array of numbers, got ${describeValue(a)}`)
  return a.length
}

/** The curve's two coordinate arrays have one length, `extra` more than its thresholds. */
const checkArrays = (who: string, curve: object, names: readonly [string, string, string], extra: number): void => {
  if (typeof curve !== 'object' || curve === null) throw new ArgumentError(who, 'curve', `expected a curve object, got ${describeValue(curve)}`)
  const lengths = names.map((n) => lengthOf(who, n, Reflect.get(curve, n)))
  if (lengths[0] !== lengths[1] || lengths[2]! + extra !== lengths[0])
    throw new ArgumentError(who, 'curve', `${names.map((n, i) => `${n} has ${lengths[i]}`).join(', ')} values; expected ${names[0]} and ${names[1]} of one length, ${extra === 0 ? 'and as many' : `${extra} more than`} ${names[2]}`)
}

/** A threshold in 3 significant digits, without trailing zeros. */
const short = (t: number): string => String(Number(t.toPrecision(3)))

const markSeries = (marks: readonly ThresholdMark[], x: (m: ThresholdMark) => number, y: (m: ThresholdMark) => number): Series[] =>
  marks.map((m) => ({ name: `${m.label === undefined ? '' : `${m.label} `}t=${short(m.threshold)}`, x: [x(m)], y: [y(m)] }))

const sizeOf = (o: CurveChartOptions): { width?: number; height: number } => ({ ...(o.width === undefined ? {} : { width: o.width }), height: o.height ?? 440 })

/** Steps as matplotlib's `drawstyle='steps-post'`: from each point go across, then up or down. */
const stepsPost = (x: ArrayLike<number>, y: ArrayLike<number>): { x: number[]; y: number[] } => {
  const sx: number[] = []
  const sy: number[] = []
  for (let i = 0; i < x.length; i++) {
    if (i > 0) {
      sx.push(x[i]!)
      sy.push(y[i - 1]!)
    }
    sx.push(x[i]!)
    sy.push(y[i]!)
  }
  return { x: sx, y: sy }
}

/**
 * The precision-recall curve as an SVG chart: precision against recall drawn as steps (the
 * non-interpolated curve whose area is the average precision, given in the legend), the chance
 * level (the positive class's prevalence: what a random scorer's precision is), and each of `marks`
 * as a dot with its threshold in the legend.
 * @example
 * import { prCurveChart, precisionRecallCurve, chooseThreshold } from 'kiln'
 * const [y, s] = [[0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]]
 * const best = chooseThreshold(y, s, { positiveClass: 1, maximize: 'f1' })
 * const svg = prCurveChart(precisionRecallCurve(y, s, { positiveClass: 1 }), { marks: [{ ...best, label: 'best F1' }] })
 * svg.includes('>PR (AP 0.867)</text>') // true
 * svg.includes('>best F1 t=0.8</text>') // true
 */
export const prCurveChart = (curve: PrecisionRecallCurve, options: CurveChartOptions = {}): string => {
  const who = 'prCurveChart'
  checkOptionKinds(who, options, CHART_KINDS)
  checkArrays(who, curve, ['precision', 'recall', 'thresholds'], 1)
  const marks = options.marks ?? []
  checkMarks(who, marks)
  const { precision, recall, positives, negatives } = curve
  let ap = 0
  for (let i = 0; i + 1 < recall.length; i++) ap += (recall[i]! - recall[i + 1]!) * precision[i]!
  const prevalence = positives / (positives + negatives)
  const steps = stepsPost(recall, precision)
  return lineChart({
    title: options.title ?? `Precision-recall curve (positive class ${curve.positiveClass})`,
    xLabel: 'recall',
    yLabel: 'precision',
    markers: false,
    series: [
      { name: `PR (AP ${formatFixed(ap, 3)})`, ...steps },
      { name: `chance (${formatFixed(prevalence, 3)})`, x: [0, 1], y: [prevalence, prevalence] },
      ...markSeries(marks, (m) => m.recall, (m) => m.precision),
    ],
    ...sizeOf(options),
  })
}

/**
 * The ROC curve as an SVG chart: true positive rate (recall) against false positive rate, the
 * chance diagonal, the AUC (trapezoids, as `auc(fpr, tpr)`) in the legend, and each of `marks` as a
 * dot at its (fpr, recall).
 * @example
 * import { rocChart, rocCurve } from 'kiln'
 * const svg = rocChart(rocCurve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], { positiveClass: 2 }))
 * svg.includes('>ROC (AUC 0.750)</text>') // true
 * svg.includes('>chance (AUC 0.5)</text>') // true
 */
export const rocChart = (curve: RocCurve, options: CurveChartOptions = {}): string => {
  const who = 'rocChart'
  checkOptionKinds(who, options, CHART_KINDS)
  checkArrays(who, curve, ['fpr', 'tpr', 'thresholds'], 0)
  const marks = options.marks ?? []
  checkMarks(who, marks)
  const area = curve.fpr.length < 2 ? NaN : auc(curve.fpr, curve.tpr)
  return lineChart({
    title: options.title ?? `ROC curve (positive class ${curve.positiveClass})`,
    xLabel: 'false positive rate',
    yLabel: 'true positive rate (recall)',
    markers: false,
    series: [
      { name: `ROC (AUC ${formatFixed(area, 3)})`, x: curve.fpr, y: curve.tpr },
      { name: 'chance (AUC 0.5)', x: [0, 1], y: [0, 1] },
      ...markSeries(marks, (m) => m.fpr, (m) => m.recall),
    ],
    ...sizeOf(options),
  })
}
