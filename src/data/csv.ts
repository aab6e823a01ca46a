/**
 * CSV reader for numeric user data: every row is `feature, ..., feature` plus one label column.
 * Fields are decoded with io-ts codecs; the first bad line stops the parse and is reported with its
 * 1-based line number and column. Nothing partial is ever returned. No quoting: fields may not
 * contain the delimiter. Blank lines are skipped; `\r\n` line ends are accepted.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'
import { decodeText } from './gzip.js'

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

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
    const v = s.trim()
    const x = Number(v)
    return NUMBER.test(v) && Number.isFinite(x) ? t.success(x) : t.failure(s, c, 'expected a finite number')
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
}

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
  if (unknownKey !== undefined)
    return E.left(dataError.options(unknownKey, `options.${unknownKey}: unknown option (known: ${OPTION_KEYS.join(', ')})`))
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
        const dup = cls.find((c, i) => cls.indexOf(c) !== i)
        if (dup !== undefined) return E.left(dataError.options('classes', `options.classes: class "${dup}" is listed twice`))
        if (cls.length === 0) return E.left(dataError.options('classes', 'options.classes: expected at least one class name'))
      }
      return E.right(o as CsvOptions)
    }),
  )
}

type LabelMode =
  | { readonly _tag: 'Regression' }
  | { readonly _tag: 'Named'; readonly classes: readonly string[] }
  | { readonly _tag: 'Infer' }

const labelMode = (o: CsvOptions): LabelMode =>
  o.classes === undefined ? { _tag: 'Regression' } : o.classes === 'infer' ? { _tag: 'Infer' } : { _tag: 'Named', classes: o.classes }

const inferClasses = (raw: readonly string[]): { classes: string[]; labels: Float64Array } => {
  const distinct = [...new Set(raw)]
  const numeric = distinct.map((s) => NumericField.decode(s))
  if (numeric.every(E.isRight)) {
    const byValue = new Map<number, number>()
    const values = [...new Set(numeric.map((r) => (r as E.Right<number>).right))].sort((a, b) => a - b)
    values.forEach((v, i) => byValue.set(v, i))
    const idx = new Map(distinct.map((s, i) => [s, byValue.get((numeric[i] as E.Right<number>).right)!]))
    return { classes: values.map(String), labels: Float64Array.from(raw, (s) => idx.get(s)!) }
  }
  const classes = [...distinct].sort()
  const idx = new Map(classes.map((c, i) => [c, i]))
  return { classes, labels: Float64Array.from(raw, (s) => idx.get(s)!) }
}

const parseWith = (text: string, o: CsvOptions): E.Either<DataError, Dataset> => {
  const delim = o.delimiter ?? ','
  const mode = labelMode(o)
  const lines = text.split(/\r?\n/)
  let skipHeader = o.header === true
  let ncol = -1
  let firstLine = 0
  let labelCol = -1
  const xs: number[] = []
  const ys: number[] = []
  const rawLabels: string[] = []
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!
    const ln = li + 1
    if (line.trim() === '') continue
    if (skipHeader) {
      skipHeader = false
      continue
    }
    const fields = line.split(delim)
    if (ncol < 0) {
      ncol = fields.length
      firstLine = ln
      if (ncol < 2)
        return E.left(dataError.parse(ln, undefined, `line ${ln}: expected at least 2 columns (features and a label), found ${ncol}`))
      labelCol = o.labelColumn === undefined || o.labelColumn === 'last' ? ncol - 1 : o.labelColumn
      if (labelCol >= ncol)
        return E.left(dataError.options('labelColumn', `options.labelColumn: column ${labelCol} (0-based) does not exist, line ${ln} has ${ncol} columns`))
      if (o.featureShape !== undefined) {
        const f = o.featureShape.reduce((a, b) => a * b, 1)
        if (f !== ncol - 1)
          return E.left(dataError.options('featureShape', `options.featureShape: [${o.featureShape.join(',')}] holds ${f} features, but line ${ln} has ${ncol - 1} feature columns`))
      }
    } else if (fields.length !== ncol)
      return E.left(dataError.parse(ln, undefined, `line ${ln}: expected ${ncol} columns (as on line ${firstLine}), found ${fields.length}`))
    for (let c = 0; c < ncol; c++) {
      const field = fields[c]!
      if (c === labelCol) {
        if (mode._tag === 'Infer') {
          const v = field.trim()
          if (v === '') return E.left(dataError.parse(ln, c + 1, `line ${ln}, column ${c + 1}: expected a label, got an empty field`))
          rawLabels.push(v)
        } else if (mode._tag === 'Named') {
          const v = field.trim()
          let idx = mode.classes.indexOf(v)
          if (idx < 0) {
            const num = NumericField.decode(v)
            if (E.isRight(num) && Number.isInteger(num.right) && num.right >= 0 && num.right < mode.classes.length) idx = num.right
          }
          if (idx < 0)
            return E.left(dataError.parse(ln, c + 1,
              `line ${ln}, column ${c + 1}: expected a class name (${mode.classes.join(', ')}) or an index in [0, ${mode.classes.length}), got "${field}"`))
          ys.push(idx)
        } else {
          const r = NumericField.decode(field)
          if (E.isLeft(r)) return E.left(dataError.parse(ln, c + 1, `line ${ln}, column ${c + 1}: expected a finite number as the target, got "${field}"`))
          ys.push(r.right)
        }
        continue
      }
      const r = NumericField.decode(field)
      if (E.isLeft(r)) return E.left(dataError.parse(ln, c + 1, `line ${ln}, column ${c + 1}: expected a finite number, got "${field}"`))
      xs.push(r.right)
    }
  }
  if (ncol < 0) return E.left(dataError.format('no data rows'))
  const featureShape = o.featureShape ?? [ncol - 1]
  if (mode._tag === 'Infer') {
    const { classes, labels } = inferClasses(rawLabels)
    return E.right({ x: Float64Array.from(xs), y: labels, n: labels.length, featureShape, classes })
  }
  const classes = mode._tag === 'Named' ? mode.classes : []
  return E.right({ x: Float64Array.from(xs), y: Float64Array.from(ys), n: ys.length, featureShape, classes })
}

/**
 * Parses CSV text, or a file's bytes (UTF-8, gunzipped first when gzip), into a `Dataset`. Errors (as `Left`): bad options (naming the option), a row with
 * the wrong column count (naming the line), a non-numeric / NaN / infinite field or unknown label
 * (naming line and column, both 1-based), or no data rows.
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
    E.chain((o) => pipe(decodeText(contents), E.chain((text) => parseWith(text, o)))),
  )
