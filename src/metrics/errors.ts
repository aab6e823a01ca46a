/**
 * Error analysis: the misclassified rows of a classifier, grouped by confusion pair (true class,
 * predicted class), most frequent pair first, so the commonest mistakes are looked at first (the
 * manual error analysis of "Machine Learning Yearning"), and a plain-text table of them.
 * @module
 */
import { ArgumentError, describeValue, optionTableProblem, type OptionKinds, checkOptionKinds } from '../options.js'
import { formatFixed, formatTable, type Cell } from '../report/table.js'
import { argmaxRows } from './classification.js'
import { tableOf } from './curves.js'
import { type Labels, checkClassCount, checkLabels } from './validate.js'

/** What {@link errorAnalysis} looks at. */
export interface ErrorAnalysisInput {
  /** The true class of each row, integers in [0, k). */
  readonly yTrue: Labels
  /** Row-major n x k class probabilities (as `evaluateModel(...).predictions`); the prediction is the argmax. */
  readonly probabilities: ArrayLike<number>
  /** Number of classes. */
  readonly k: number
  /** Class names for the table, one per class. Default `'0'`, `'1'`, ... */
  readonly classes?: readonly string[]
  /** Rows kept per group, most confident first (`count` still counts them all). Default: all. */
  readonly limit?: number
}

/** One misclassified row. */
export interface Misclassified {
  /** The row's index in the input. */
  readonly index: number
  readonly trueClass: number
  readonly predictedClass: number
  /** The probability of the predicted class: how sure the model was of its mistake. */
  readonly confidence: number
  /** The probability the model gave the true class. */
  readonly trueProbability: number
}

/** The misclassified rows of one confusion pair. */
export interface ConfusionGroup {
  readonly trueClass: number
  readonly predictedClass: number
  /** Misclassified rows of this pair (all of them, also beyond `limit`). */
  readonly count: number
  /** The rows, by confidence descending (then index), at most `limit`. */
  readonly rows: readonly Misclassified[]
}

/** Result of {@link errorAnalysis}. */
export interface ErrorAnalysis {
  /** Rows looked at. */
  readonly n: number
  readonly k: number
  readonly classes: readonly string[]
  /** Misclassified rows. */
  readonly errors: number
  /** errors / n. */
  readonly errorRate: number
  /** Confusion pairs by count descending (ties: true class, then predicted class, ascending). */
  readonly groups: readonly ConfusionGroup[]
}

const INPUT_KINDS: OptionKinds<ErrorAnalysisInput> = { yTrue: ['array', 'object'], probabilities: ['array', 'object'], k: 'number', classes: 'array', limit: 'number' }
const INPUT_TABLE = tableOf(INPUT_KINDS, { yTrue: 'the true labels', probabilities: 'an n x k probability matrix', k: 'the number of classes' })

const isNumbers = (v: unknown): boolean => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))

/** Checks the input object and returns its classes (default names) and limit. */
const checkInput = (input: ErrorAnalysisInput): { readonly classes: readonly string[]; readonly limit: number } => {
  const who = 'errorAnalysis'
  const problem = optionTableProblem(who, input, INPUT_TABLE)
  if (problem !== undefined) throw problem
  if (typeof input !== 'object' || input === null) throw new ArgumentError(who, 'input', `expected an object { yTrue, probabilities, k }, got ${describeValue(input)}`)
  for (const field of ['yTrue', 'probabilities'] as const)
    if (!isNumbers(input[field])) throw new ArgumentError(who, field, `expected an array or typed array of numbers, got ${describeValue(input[field])}`)
  const k = checkClassCount(who, input.k)
  const p = input.probabilities
  if (p.length % k !== 0)
    throw new ArgumentError(who, 'probabilities', `has ${p.length} values, not a multiple of k = ${k}; expected a row-major n x k matrix`)
  for (let i = 0; i < p.length; i++)
    if (typeof p[i] !== 'number' || !(p[i]! >= 0 && p[i]! <= 1))
      throw new ArgumentError(who, 'probabilities', `entry ${i} (row ${Math.floor(i / k)}, class ${i % k}) is ${describeValue(p[i])}; expected a probability in [0, 1]`)
  const n = p.length / k
  if (input.yTrue.length !== n)
    throw new ArgumentError(who, 'yTrue', `has ${input.yTrue.length} labels but probabilities has ${n} rows of k = ${k}; expected one label per row`)
  checkLabels(who, 'yTrue', input.yTrue, k)
  const classes = input.classes ?? Array.from({ length: k }, (_, c) => String(c))
  if (classes.length !== k || !classes.every((c) => typeof c === 'string'))
    throw new ArgumentError(who, 'classes', `expected ${k} class names (strings), one per class, got ${classes.length} entries`)
  const limit = input.limit ?? Infinity
  if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0)))
    throw new ArgumentError(who, 'limit', `expected a non-negative integer number of rows per group, got ${describeValue(limit)}`)
  return { classes: [...classes], limit }
}

/**
 * The misclassified rows (prediction = argmax of the row's probabilities, ties to the lowest
 * class) grouped by confusion pair: groups sorted by count, most frequent first (ties by true then
 * predicted class); rows inside a group by the model's confidence in its wrong answer, highest
 * first (ties by index), at most `limit` per group. Each row carries its index, true and predicted
 * class and both probabilities. Throws an `ArgumentError` naming the field on bad input.
 * @example
 * import { errorAnalysis } from 'kiln'
 * const a = errorAnalysis({
 *   yTrue: [0, 1, 2, 2, 2],
 *   probabilities: [0.9, 0.1, 0, 0.6, 0.3, 0.1, 0.1, 0.7, 0.2, 0.2, 0.5, 0.3, 0.5, 0.2, 0.3],
 *   k: 3,
 * })
 * a.errors // 4
 * a.groups.map((g) => [g.trueClass, g.predictedClass, g.count]) // [[2, 1, 2], [1, 0, 1], [2, 0, 1]]
 * a.groups[0]!.rows.map((r) => [r.index, r.confidence, r.trueProbability]) // [[2, 0.7, 0.2], [3, 0.5, 0.3]]
 */
export const errorAnalysis = (input: ErrorAnalysisInput): ErrorAnalysis => {
  const { classes, limit } = checkInput(input)
  const { yTrue, probabilities: p, k } = input
  const n = yTrue.length
  const predicted = argmaxRows(p, k)
  const byPair = new Map<number, Misclassified[]>()
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!
    const q = predicted[i]!
    if (t === q) continue
    const row: Misclassified = { index: i, trueClass: t, predictedClass: q, confidence: p[i * k + q]!, trueProbability: p[i * k + t]! }
    const key = t * k + q
    const rows = byPair.get(key)
    if (rows === undefined) byPair.set(key, [row])
    else rows.push(row)
  }
  const groups = [...byPair.entries()]
    .sort(([ka, a], [kb, b]) => b.length - a.length || ka - kb)
    .map(([key, rows]): ConfusionGroup => ({
      trueClass: Math.floor(key / k),
      predictedClass: key % k,
      count: rows.length,
      rows: rows.sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, limit),
    }))
  const errors = groups.reduce((s, g) => s + g.count, 0)
  return { n, k, classes, errors, errorRate: n === 0 ? 0 : errors / n, groups }
}

/** Options of {@link formatErrorAnalysis}. */
export interface FormatErrorAnalysisOptions {
  /** Rows shown per confusion pair. Default 3. */
  readonly rowsPerGroup?: number
  /** Confusion pairs shown. Default 10. */
  readonly maxGroups?: number
  /** Decimals of the probabilities. Default 3. */
  readonly digits?: number
}

const FORMAT_KINDS: OptionKinds<FormatErrorAnalysisOptions> = { rowsPerGroup: 'number', maxGroups: 'number', digits: 'number' }

const countOption = (field: string, v: number | undefined, fallback: number, min: number): number => {
  const x = v ?? fallback
  if (!Number.isSafeInteger(x) || x < min)
    throw new ArgumentError('formatErrorAnalysis', field, `expected an integer >= ${min}, got ${describeValue(x)}`)
  return x
}

/**
 * The error analysis as plain text: a summary line, then a table of the confusion pairs (most
 * frequent first) with, under each, its most confident mistakes: row index, the probability of the
 * predicted class and of the true class. Pairs and rows beyond the limits are counted in a final line.
 * @example
 * import { errorAnalysis, formatErrorAnalysis } from 'kiln'
 * const a = errorAnalysis({ yTrue: [0, 1, 1], probabilities: [0.8, 0.2, 0.9, 0.1, 0.4, 0.6], k: 2, classes: ['cat', 'dog'] })
 * formatErrorAnalysis(a).split('\n') // ['1 of 3 rows misclassified (33.33%), 1 confusion pair', 'true  predicted  count  row  p(predicted)  p(true)', '----  ---------  -----  ---  ------------  -------', 'dog   cat            1    1         0.900    0.100']
 */
export const formatErrorAnalysis = (analysis: ErrorAnalysis, options: FormatErrorAnalysisOptions = {}): string => {
  checkOptionKinds('formatErrorAnalysis', options, FORMAT_KINDS)
  const perGroup = countOption('rowsPerGroup', options.rowsPerGroup, 3, 1)
  const maxGroups = countOption('maxGroups', options.maxGroups, 10, 1)
  const digits = countOption('digits', options.digits, 3, 0)
  const { n, errors, groups, classes } = analysis
  const pairs = `${groups.length} confusion pair${groups.length === 1 ? '' : 's'}`
  const summary = `${errors} of ${n} rows misclassified (${formatFixed(n === 0 ? 0 : (100 * errors) / n, 2)}%), ${pairs}`
  if (groups.length === 0) return summary
  const name = (c: number): string => classes[c] ?? String(c)
  const rows: Cell[][] = []
  for (const g of groups.slice(0, maxGroups)) {
    const shown = g.rows.slice(0, perGroup)
    const cells = shown.map((r): Cell[] => [r.index, formatFixed(r.confidence, digits), formatFixed(r.trueProbability, digits)])
    // The rows a group does not show (beyond rowsPerGroup, or left out by errorAnalysis's limit) are counted.
    if (g.count > shown.length) cells.push([`+${g.count - shown.length} more`, '', ''])
    cells.forEach((c, j) => rows.push([...(j === 0 ? [name(g.trueClass), name(g.predictedClass), g.count] : ['', '', '']), ...c]))
  }
  const table = formatTable(['true', 'predicted', 'count', 'row', 'p(predicted)', 'p(true)'], rows, { align: ['left', 'left', 'right', 'right', 'right', 'right'] })
  const rest = groups.slice(maxGroups)
  const more = rest.reduce((s, g) => s + g.count, 0)
  const tail = rest.length === 0 ? [] : [`(${rest.length} more pair${rest.length === 1 ? '' : 's'} with ${more} error${more === 1 ? '' : 's'})`]
  return [summary, table, ...tail].join('\n')
}
