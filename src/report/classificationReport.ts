/**
 * Text reports of classification results: scikit-learn's `classification_report` layout and a
 * labelled confusion matrix.
 * @module
 */
import type { ConfusionMatrix } from '../metrics/classification.js'
import type { ClassMetrics, PrecisionRecallF1 } from '../metrics/prf.js'
import { checkOptionKinds, type OptionKinds } from '../options.js'
import { formatFixed, formatTable } from './table.js'

/** Options of {@link classificationReport}. */
export interface ReportOptions {
  /** Decimals of precision, recall and F1. Default 2, as in scikit-learn. */
  readonly digits?: number
}

const REPORT_OPTIONS: OptionKinds<ReportOptions> = { digits: 'number' }

/** Options of {@link formatConfusionMatrix}. */
export interface ConfusionMatrixOptions {
  /**
   * Print counts (`'none'`, the default) or fractions: of each true class (`'true'`, rows sum to
   * 1), of each predicted class (`'pred'`, columns sum to 1) or of all samples (`'all'`), as in
   * scikit-learn's `normalize`. An all-zero row/column stays 0.
   */
  readonly normalize?: 'none' | 'true' | 'pred' | 'all'
  /** Decimals of normalized values. Default 2. */
  readonly digits?: number
}

const CONFUSION_MATRIX_OPTIONS: OptionKinds<ConfusionMatrixOptions> = { normalize: 'string', digits: 'number' }

const defaultNames = (k: number): string[] => Array.from({ length: k }, (_, i) => String(i))

const checkNames = (fn: string, classNames: readonly string[] | undefined, k: number): readonly string[] => {
  if (classNames === undefined) return defaultNames(k)
  if (classNames.length !== k)
    throw new Error(`${fn}: classNames has ${classNames.length} names; expected one per class (k = ${k})`)
  return classNames
}

const right = (s: string, width: number): string => s.padStart(width)

/**
 * The text of scikit-learn's `classification_report(y_true, y_pred, labels=range(k),
 * target_names=classNames, digits=digits)`, character for character: one row per class with
 * precision, recall, F1 and support, then `accuracy`, `macro avg` and `weighted avg` rows,
 * ending in a newline. `classNames` defaults to `'0'`, `'1'`, ... and must have k entries.
 * Numbers are rounded like Python (ties to even, see `formatFixed`).
 * @example
 * import { classificationReport, precisionRecallF1 } from 'kiln'
 * const m = precisionRecallF1([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3)
 * const lines = classificationReport(m, ['ant', 'bee', 'cat']).split('\n')
 * lines[0] // '              precision    recall  f1-score   support'
 * lines[2] // '         ant       0.50      1.00      0.67         1'
 * lines[6] // '    accuracy                           0.60         5'
 * lines[8] // 'weighted avg       0.70      0.60      0.61         5'
 */
export const classificationReport = (
  metrics: PrecisionRecallF1,
  classNames?: readonly string[],
  options: ReportOptions = {},
): string => {
  checkOptionKinds('classificationReport', options, REPORT_OPTIONS)
  const names = checkNames('classificationReport', classNames, metrics.k)
  const digits = options.digits ?? 2
  if (!Number.isInteger(digits) || digits < 0 || digits > 20)
    throw new Error(`classificationReport: options.digits = ${String(digits)}; expected an integer in [0, 20]`)
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length, digits)
  const num = (x: number): string => ` ${right(formatFixed(x, digits), 9)}`
  const row = (name: string, m: ClassMetrics): string =>
    `${right(name, width)} ${num(m.precision)}${num(m.recall)}${num(m.f1)} ${right(String(m.support), 9)}\n`
  const head = `${' '.repeat(width)} ${['precision', 'recall', 'f1-score', 'support'].map((h) => ` ${right(h, 9)}`).join('')}`
  const accuracy = `${right('accuracy', width)} ${' '.repeat(20)}${num(metrics.accuracy)} ${right(String(metrics.support), 9)}\n`
  return [
    `${head}\n\n`,
    ...metrics.perClass.map((m, c) => row(names[c]!, m)),
    '\n',
    accuracy,
    row('macro avg', metrics.macro),
    row('weighted avg', metrics.weighted),
  ].join('')
}

/**
 * A confusion matrix as a text table: one row per true class, one column per predicted class,
 * headed `true \ pred`, counts right-aligned (or fractions, see `options.normalize`).
 * `classNames` defaults to `'0'`, `'1'`, ... and must have k entries.
 * @example
 * import { confusionMatrix, formatConfusionMatrix } from 'kiln'
 * const cm = confusionMatrix([0, 0, 1, 1], [0, 1, 1, 1], 2)
 * formatConfusionMatrix(cm, ['cat', 'dog']).split('\n') // ['true \\ pred  cat  dog', '-----------  ---  ---', 'cat            1    1', 'dog            0    2']
 * formatConfusionMatrix(cm, ['cat', 'dog'], { normalize: 'true' }).split('\n')[2] // 'cat          0.50  0.50'
 */
export const formatConfusionMatrix = (
  cm: ConfusionMatrix,
  classNames?: readonly string[],
  options: ConfusionMatrixOptions = {},
): string => {
  checkOptionKinds('formatConfusionMatrix', options, CONFUSION_MATRIX_OPTIONS)
  const { k, counts } = cm
  if (!Number.isInteger(k) || k < 1 || counts.length !== k * k)
    throw new Error(`formatConfusionMatrix: cm has k = ${String(k)} and ${counts.length} counts; expected k * k counts`)
  const names = checkNames('formatConfusionMatrix', classNames, k)
  const { normalize = 'none', digits = 2 } = options
  const at = (i: number, j: number): number => counts[i * k + j]!
  const sum = (f: (t: number) => number): number => Array.from({ length: k }, (_, t) => f(t)).reduce((a, b) => a + b, 0)
  const total = counts.reduce((a, b) => a + b, 0)
  const denom = (i: number, j: number): number =>
    normalize === 'true' ? sum((t) => at(i, t)) : normalize === 'pred' ? sum((t) => at(t, j)) : total
  const cell = (i: number, j: number): string => {
    if (normalize === 'none') return String(at(i, j))
    const d = denom(i, j)
    return formatFixed(d === 0 ? 0 : at(i, j) / d, digits)
  }
  const rows = names.map((name, i) => [name, ...names.map((_, j) => cell(i, j))])
  return formatTable(['true \\ pred', ...names], rows)
}
