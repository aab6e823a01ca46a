/**
 * CSV reader for numeric user data: every row is `feature, ..., feature` plus one label column.
 * Fields are decoded with io-ts codecs; the first bad line stops the parse and is reported with its
 * 1-based line number and column. Nothing partial is ever returned. No quoting: fields may not
 * contain the delimiter. Blank lines are skipped; `\r\n` line ends are accepted. The parser streams
 * over the text (no array of lines or fields) into growing `Float64Array`s, within `maxCells`.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { DEFAULT_MAX_CLASSES, type Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'
import { decodeText, MAX_TEXT_BYTES } from './gzip.js'
import { closestName } from '../options.js'

// No two ways to match the same digits: `\d+\.?\d*` backtracked quadratically on a long run of
// digits followed by a bad character (40,000 digits took 7 s).
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** What `NumericField` decodes, without a result object per field (the parser's hot path). */
const numberOf = (s: string): number | undefined => {
  const v = s.trim()
  if (!NUMBER.test(v)) return undefined
  const x = Number(v)
  return Number.isFinite(x) ? x : undefined
}

/**
 * io-ts codec from a CSV field (string) to a finite float64. Accepts decimal and exponent notation
 * with optional surrounding spaces; rejects empty fields, `NaN`, `Infinity`, hex and other text.
 * @example
 * import { NumericField } from 'kiln'
 * NumericField.decode(' -1.5e3 ') // { _tag: 'Right', right: -1500 }
 * NumericField.decode('NaN')._tag // 'Left'
 */
export const NumericField = new t.Type<number, string, string>(
  'NumericField',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (s, c) => {
    const x = numberOf(s)
    return x === undefined ? t.failure(s, c, 'expected a finite number') : t.success(x)
  },
  String,
)

const integerCodec = (name: string, min: number): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min,
    (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= min ? t.success(u) : t.failure(u, c)),
    t.identity,
  )

const NonNegativeInt = integerCodec('a non-negative integer', 0)
const PositiveInt = integerCodec('a positive integer', 1)
const Delimiter = new t.Type<string, string, unknown>(
  'a single character other than a quote or line break',
  (u): u is string => typeof u === 'string' && u.length === 1 && !'"\r\n'.includes(u),
  (u, c) => (typeof u === 'string' && u.length === 1 && !'"\r\n'.includes(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

/** Options of `parseCsv` / `readCsv`. */
export type CsvOptions = {
  /** Skip the first non-blank line (column names). Default false. */
  readonly header?: boolean
  /** 0-based index of the label column, or `'last'` (default). */
  readonly labelColumn?: number | 'last'
  /**
   * Classification: the class names (a label field is a class name, or else an integer index into
   * this list), or `'infer'` (distinct labels sorted, numerically when all are numbers). Absent:
   * regression, the label must be a number and `classes` is `[]`.
   */
  readonly classes?: readonly string[] | 'infer'
  /** Shape of each row's features, e.g. `[8, 8]`; its product must equal the feature column count. */
  readonly featureShape?: readonly number[]
  /** Field separator, one character. Default `,`. */
  readonly delimiter?: string
  /**
   * The most bytes gzipped input may inflate to. Default (and upper bound) `MAX_TEXT_BYTES`, the
   * most a JavaScript string can hold.
   */
  readonly maxInflatedBytes?: number
  /**
   * The most fields (features and labels, all rows together) the parse may hold. Default
   * `DEFAULT_MAX_CSV_CELLS` (2^27: 1 GiB of float64). A line is counted before it is decoded.
   */
  readonly maxCells?: number
  /** With `classes: 'infer'`: the most distinct labels. Default `DEFAULT_MAX_CLASSES` (65,536). */
  readonly maxClasses?: number
}

/**
 * The default bound on the fields a CSV parse holds (`maxCells`): 2^27, 1 GiB of float64.
 * @example
 * import { DEFAULT_MAX_CSV_CELLS } from 'kiln'
 * DEFAULT_MAX_CSV_CELLS // 2 ** 27
 */
export const DEFAULT_MAX_CSV_CELLS = 2 ** 27

/**
 * io-ts codec of `CsvOptions` (unknown keys are rejected separately by `decodeCsvOptions`).
 * @example
 * import { CsvOptionsCodec } from 'kiln'
 * CsvOptionsCodec.is({ header: true, labelColumn: 'last' }) // true
 */
export const CsvOptionsCodec = t.partial(
  {
    header: t.boolean,
    labelColumn: t.union([NonNegativeInt, t.literal('last')], "a non-negative integer or 'last'"),
    classes: t.union([t.readonlyArray(t.string), t.literal('infer')], "an array of class names or 'infer'"),
    featureShape: t.readonlyArray(PositiveInt, 'an array of positive integers'),
    delimiter: Delimiter,
    maxInflatedBytes: NonNegativeInt,
    maxCells: PositiveInt,
    maxClasses: PositiveInt,
  },
  'CsvOptions',
)

const OPTION_KEYS = Object.keys(CsvOptionsCodec.props)

const show = (u: unknown): string => {
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

/**
 * Validates CSV options from untrusted input (JSON, CLI), naming the offending field and what was expected.
 * @example
 * import { decodeCsvOptions } from 'kiln'
 * const r = decodeCsvOptions({ labelColumn: -1 })
 * r._tag === 'Left' && r.left.message // "options.labelColumn: expected a non-negative integer or 'last', got -1"
 */
export const decodeCsvOptions = (u: unknown): E.Either<DataError, CsvOptions> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(dataError.options('options', `options: expected an object, got ${show(u)}`))
  const unknownKey = Object.keys(u).find((k) => !OPTION_KEYS.includes(k))
  if (unknownKey !== undefined) {
    const near = closestName(unknownKey, OPTION_KEYS)
    const hint = near === undefined ? '' : `; did you mean '${near}'?`
    return E.left(dataError.options(unknownKey, `options.${unknownKey}: unknown option${hint} (known: ${OPTION_KEYS.join(', ')})`))
  }
  return pipe(
    CsvOptionsCodec.decode(u),
    E.mapLeft((errors): DataError => {
      const entry = errors[0]?.context[1]
      const field = entry?.key ?? 'options'
      const expected = entry?.type.name ?? 'CsvOptions'
      return dataError.options(field, `options.${field}: expected ${expected}, got ${show(entry?.actual)}`)
    }),
    E.chain((o) => {
      const cls = o.classes
      if (Array.isArray(cls)) {
        const seen = new Set<string>()
        const dup = cls.find((c) => seen.size === seen.add(c).size)
        if (dup !== undefined) return E.left(dataError.options('classes', `options.classes: class "${dup}" is listed twice`))
        if (cls.length === 0) return E.left(dataError.options('classes', 'options.classes: expected at least one class name'))
      }
      return E.right(o as CsvOptions)
    }),
  )
}

type LabelMode =
  | { readonly _tag: 'Regression' }
  | { readonly _tag: 'Named'; readonly classes: readonly string[]; readonly index: ReadonlyMap<string, number> }
  | { readonly _tag: 'Infer'; readonly seen: Map<string, number>; readonly limit: number }

const labelMode = (o: CsvOptions): LabelMode =>
  o.classes === undefined
    ? { _tag: 'Regression' }
    : o.classes === 'infer'
      ? { _tag: 'Infer', seen: new Map(), limit: o.maxClasses ?? DEFAULT_MAX_CLASSES }
      : { _tag: 'Named', classes: o.classes, index: new Map(o.classes.map((c, i) => [c, i])) }

/** A field for an error message: quoted, cut after 40 characters. */
const quote = (field: string): string => `"${field.length > 40 ? `${field.slice(0, 40)}...` : field}"`

const listClasses = (classes: readonly string[]): string =>
  classes.length <= 10 ? classes.join(', ') : `${classes.slice(0, 10).join(', ')}, ... ${classes.length} in all`

/** Float64 values in a buffer that doubles as it fills: no boxed numbers, at most `limit` values. */
class Values {
  private buf = new Float64Array(64)
  length = 0
  constructor(private readonly limit: number) {}
  /** Makes room for `k` more values; false when the memory cannot be had. */
  reserve(k: number): boolean {
    const need = this.length + k
    if (need <= this.buf.length) return true
    try {
      const next = new Float64Array(Math.min(Math.max(need, 2 * this.buf.length), Math.max(need, this.limit)))
      next.set(this.buf.subarray(0, this.length))
      this.buf = next
      return true
    } catch {
      return false
    }
  }
  push(v: number): void {
    this.buf[this.length++] = v
  }
  done(): Float64Array {
    return this.length === this.buf.length ? this.buf : this.buf.slice(0, this.length)
  }
}

// Runs of what String.prototype.trim removes, line breaks included: one native match skips any
// number of blank lines, and the line numbers are counted only when an error needs one.
const SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*/y

/** The 1-based number of the line holding `pos`. */
const lineOf = (text: string, pos: number): number => {
  let n = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) n++
  return n
}

const countFields = (text: string, from: number, to: number, delim: number): number => {
  let n = 1
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === delim) n++
  return n
}

/** An error waiting for its line number. */
type Fault = (ln: number) => DataError

/** The label field's value (a class index or a target), or the error. */
const decodeLabel = (mode: LabelMode, field: string, col: number): number | Fault => {
  const at = (ln: number): string => `line ${ln}, column ${col}`
  if (mode._tag === 'Regression') {
    const r = numberOf(field)
    return r !== undefined ? r : (ln) => dataError.parse(ln, col, `${at(ln)}: expected a finite number as the target, got ${quote(field)}`)
  }
  const v = field.trim()
  if (mode._tag === 'Infer') {
    if (v === '') return (ln) => dataError.parse(ln, col, `${at(ln)}: expected a label, got an empty field`)
    const id = mode.seen.get(v)
    if (id !== undefined) return id
    if (mode.seen.size >= mode.limit)
      return (ln) => dataError.parse(ln, col,
        `${at(ln)}: label ${quote(v)} would be distinct label number ${mode.limit + 1}, more than maxClasses = ${mode.limit}; is this column a class label?`)
    mode.seen.set(v, mode.seen.size)
    return mode.seen.size - 1
  }
  const idx = mode.index.get(v)
  if (idx !== undefined) return idx
  const num = numberOf(v)
  if (num !== undefined && Number.isInteger(num) && num >= 0 && num < mode.classes.length) return num
  return (ln) => dataError.parse(ln, col,
    `${at(ln)}: expected a class name (${listClasses(mode.classes)}) or an index in [0, ${mode.classes.length}), got ${quote(field)}`)
}

/** Checks the first data line's column count against the options; the label column. */
const firstLine = (o: CsvOptions, ncol: number): number | Fault => {
  if (ncol < 2) return (ln) => dataError.parse(ln, undefined, `line ${ln}: expected at least 2 columns (features and a label), found ${ncol}`)
  const labelCol = o.labelColumn === undefined || o.labelColumn === 'last' ? ncol - 1 : o.labelColumn
  if (labelCol >= ncol)
    return (ln) => dataError.options('labelColumn', `options.labelColumn: column ${labelCol} (0-based) does not exist, line ${ln} has ${ncol} columns`)
  if (o.featureShape !== undefined) {
    const shape = o.featureShape
    const f = shape.reduce((a, b) => a * b, 1)
    if (f !== ncol - 1)
      return (ln) => dataError.options('featureShape', `options.featureShape: [${shape.join(',')}] holds ${f} features, but line ${ln} has ${ncol - 1} feature columns`)
  }
  return labelCol
}

type Table = {
  readonly xs: Values
  readonly ys: Values
  readonly mode: LabelMode
  readonly delim: number
  readonly ncol: number
  readonly labelCol: number
}

/** Decodes the fields of one line in [from, to) into the table; an error stops the parse. */
const decodeLine = (t: Table, text: string, from: number, to: number): Fault | undefined => {
  let c = 0
  let start = from
  for (let i = from; i <= to; i++) {
    if (i < to && text.charCodeAt(i) !== t.delim) continue
    const field = text.slice(start, i)
    const col = c + 1
    start = i + 1
    if (c === t.labelCol) {
      const y = decodeLabel(t.mode, field, col)
      if (typeof y !== 'number') return y
      t.ys.push(y)
    } else {
      const r = numberOf(field)
      if (r === undefined) return (ln) => dataError.parse(ln, col, `line ${ln}, column ${col}: expected a finite number, got ${quote(field)}`)
      t.xs.push(r)
    }
    c++
  }
  return undefined
}

/** Inferred classes sorted (numerically when every label is a number), and each seen label's index. */
const inferClasses = (seen: ReadonlyMap<string, number>): { classes: string[]; remap: Float64Array } => {
  const distinct = [...seen.keys()]
  const numeric = distinct.map((s) => NumericField.decode(s))
  const remap = new Float64Array(distinct.length)
  if (numeric.every(E.isRight)) {
    const nums = numeric.map((r) => (r as E.Right<number>).right)
    const values = [...new Set(nums)].sort((a, b) => a - b)
    const byValue = new Map(values.map((v, i) => [v, i]))
    nums.forEach((v, id) => (remap[id] = byValue.get(v)!))
    return { classes: values.map(String), remap }
  }
  const classes = [...distinct].sort()
  const byName = new Map(classes.map((c, i) => [c, i]))
  distinct.forEach((s, id) => (remap[id] = byName.get(s)!))
  return { classes, remap }
}

const finish = (t: Table, o: CsvOptions): Dataset => {
  const featureShape = o.featureShape ?? [t.ncol - 1]
  const y = t.ys.done()
  if (t.mode._tag !== 'Infer') return { x: t.xs.done(), y, n: y.length, featureShape, classes: t.mode._tag === 'Named' ? t.mode.classes : [] }
  const { classes, remap } = inferClasses(t.mode.seen)
  for (let i = 0; i < y.length; i++) y[i] = remap[y[i]!]!
  return { x: t.xs.done(), y, n: y.length, featureShape, classes }
}

/** The next non-blank line at or after `pos`: [from, to) without its line break, and where the next starts. */
const nextLine = (text: string, pos: number): { readonly from: number; readonly to: number; readonly next: number } | undefined => {
  if (pos >= text.length) return undefined
  SPACE.lastIndex = pos
  SPACE.test(text) // always matches (possibly nothing), leaving lastIndex past the blanks
  const q = SPACE.lastIndex
  if (q >= text.length) return undefined
  // everything in [pos, q) is blank: the line holding q starts after the last break before it
  const from = Math.max(pos, text.lastIndexOf('\n', q) + 1)
  const nl = text.indexOf('\n', q)
  const end = nl < 0 ? text.length : nl
  return { from, to: nl > 0 && text.charCodeAt(nl - 1) === 13 ? nl - 1 : end, next: end + 1 }
}

/**
 * One pass over the text, a line at a time: nothing is kept per line but its values, so 200 million
 * blank lines or one line of millions of fields cost no more memory than the text.
 */
const parseWith = (text: string, o: CsvOptions): E.Either<DataError, Dataset> => {
  const maxCells = o.maxCells ?? DEFAULT_MAX_CSV_CELLS
  const t0 = { xs: new Values(maxCells), ys: new Values(maxCells), mode: labelMode(o), delim: (o.delimiter ?? ',').charCodeAt(0) }
  const fail = (f: Fault, pos: number): E.Either<DataError, Dataset> => E.left(f(lineOf(text, pos)))
  let table: Table | undefined
  let first = 0
  let cells = 0
  let line = nextLine(text, 0)
  if (o.header === true && line !== undefined) line = nextLine(text, line.next)
  for (; line !== undefined; line = nextLine(text, line.next)) {
    const { from, to } = line
    const fields = countFields(text, from, to, t0.delim)
    if (table === undefined) {
      const labelCol = firstLine(o, fields)
      if (typeof labelCol !== 'number') return fail(labelCol, from)
      ;[first, table] = [from, { ...t0, ncol: fields, labelCol }]
    } else if (fields !== table.ncol) {
      const { ncol } = table
      return fail((ln) => dataError.parse(ln, undefined, `line ${ln}: expected ${ncol} columns (as on line ${lineOf(text, first)}), found ${fields}`), from)
    }
    cells += fields
    if (cells > maxCells)
      return fail((ln) => dataError.parse(ln, undefined, `line ${ln}: the data holds more than maxCells = ${maxCells} fields; raise the limit only for data you trust`), from)
    if (!table.xs.reserve(fields - 1) || !table.ys.reserve(1))
      return fail((ln) => dataError.parse(ln, undefined, `line ${ln}: out of memory for ${cells} fields; lower maxCells`), from)
    const bad = decodeLine(table, text, from, to)
    if (bad !== undefined) return fail(bad, from)
  }
  return table === undefined ? E.left(dataError.format('no data rows')) : E.right(finish(table, o))
}

/**
 * Parses CSV text, or a file's bytes (UTF-8, gunzipped first when gzip), into a `Dataset`. Errors
 * (as `Left`): bad options (naming the option), a row with the wrong column count (naming the line),
 * a non-numeric / NaN / infinite field or unknown label (naming line and column, both 1-based), or
 * no data rows. Hostile input is bounded: gzip is inflated once (gzip inside gzip is refused) and to
 * at most `maxInflatedBytes`; a line's fields are counted against `maxCells` before any is decoded;
 * inferred classes stop at `maxClasses`; blank lines cost no memory.
 * @example
 * import { parseCsv } from 'kiln'
 * parseCsv('a,b,label\n1,2,yes\n3,4,no\n', { header: true, classes: ['no', 'yes'] })
 * // { _tag: 'Right', right: { x: [1, 2, 3, 4], y: [1, 0], n: 2, featureShape: [2], classes: ['no', 'yes'] } }
 * const bad = parseCsv('1,2,0\n3,x,1\n', { classes: 'infer' })
 * bad._tag === 'Left' && [bad.left._tag, bad.left.message] // ['ParseError', 'line 2, column 2: expected a finite number, got "x"']
 * parseCsv(new TextEncoder().encode('1,2,0\n'))._tag // 'Right'
 */
export const parseCsv = (contents: string | Uint8Array, options: CsvOptions = {}): E.Either<DataError, Dataset> =>
  pipe(
    decodeCsvOptions(options),
    E.chain((o) => pipe(decodeText(contents, o.maxInflatedBytes ?? MAX_TEXT_BYTES), E.chain((text) => parseWith(text, o)))),
  )
