/**
 * Options of the CSV reader (`parseCsv`, `readCsv`): their type, io-ts codec and checks, each
 * option alone and in combination.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { dataError, type DataError } from './error.js'
import { optionsProblem } from '../options.js'
const refinement = <A>(name: string, is: (u: unknown) => u is A): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity)

const integerCodec = (name: string, min: number): t.Type<number, number, unknown> =>
  refinement(name, (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min)

const NonNegativeInt = integerCodec('a non-negative integer', 0)
const PositiveInt = integerCodec('a positive integer', 1)
const Delimiter = refinement(
  'a single character other than a quote or line break',
  (u): u is string => typeof u === 'string' && u.length === 1 && !'"\r\n'.includes(u),
)
const ColumnName = refinement('a column name', (u): u is string => typeof u === 'string' && u.length > 0)
const ColumnList = t.readonlyArray(t.union([NonNegativeInt, ColumnName]), 'an array of column names or 0-based column indices')

/** A CSV column: its name in the header row (with `header: true`) or its 0-based index. */
export type CsvColumn = number | string

/** Options of `parseCsv` / `readCsv`. */
export type CsvOptions = {
  /** The first non-blank row names the columns (quoted or not) and is not data. Default false. */
  readonly header?: boolean
  /**
   * The label column: a 0-based index, a header name, `'last'` (default), or `'none'` for a file
   * without labels (inputs to predict): every column not skipped is then a feature, `y` is all 0 and
   * `classes` is `[]` (giving `classes` as well is an error). `'last'` and `'none'` are always these
   * keywords: a column so named is chosen by its index.
   */
  readonly labelColumn?: number | 'last' | 'none' | (string & {})
  /**
   * The feature columns to read, by header name or 0-based index, in the order given: feature `j`
   * of every row is column `columns[j]`, whatever the file's column order (so files laid out
   * differently load alike). The other columns are skipped and not decoded (they may hold text).
   * Not with `ignore`; may not list the label column, nor a column twice.
   */
  readonly columns?: readonly CsvColumn[]
  /**
   * Columns to skip (an `id`, free text), by header name or 0-based index; the features are the
   * other non-label columns, in file order. Not with `columns`; may not list the label column.
   */
  readonly ignore?: readonly CsvColumn[]
  /**
   * Classification: the class names (a label field is a class name, or else an integer index into
   * this list), or `'infer'` (distinct labels sorted, numerically when all are numbers; a column of
   * numbers that are not all integers is refused, as it holds no classes). Absent: regression, the
   * label must be a number and `classes` is `[]`.
   */
  readonly classes?: readonly string[] | 'infer'
  /** Shape of each row's features, e.g. `[8, 8]`; its product must equal the number of feature columns read. */
  readonly featureShape?: readonly number[]
  /** Field separator, one character other than `"` or a line break. Default `,`. */
  readonly delimiter?: string
  /**
   * The most bytes gzipped input may inflate to. Default (and upper bound) `MAX_TEXT_BYTES`, the
   * most a JavaScript string can hold.
   */
  readonly maxInflatedBytes?: number
  /**
   * The most values the `Dataset` may hold, all rows together: each row's features plus its label
   * (a 0 with `labelColumn: 'none'`). Skipped columns are scanned but not counted, as they are not
   * kept. Default `DEFAULT_MAX_CSV_CELLS` (2^27: 1 GiB of float64). A row is counted before it is decoded.
   */
  readonly maxCells?: number
  /** With `classes: 'infer'`: the most distinct labels. Default `DEFAULT_MAX_CLASSES` (65,536). */
  readonly maxClasses?: number
}

/**
 * The default bound on the values a CSV parse holds (`maxCells`): 2^27, 1 GiB of float64.
 * @example
 * import { DEFAULT_MAX_CSV_CELLS } from 'kiln'
 * DEFAULT_MAX_CSV_CELLS // 2 ** 27
 */
export const DEFAULT_MAX_CSV_CELLS = 2 ** 27

/**
 * io-ts codec of `CsvOptions`, key by key (unknown keys and combinations are checked by `decodeCsvOptions`).
 * @example
 * import { CsvOptionsCodec } from 'kiln'
 * CsvOptionsCodec.is({ header: true, labelColumn: 'species', ignore: ['id', 0] }) // true
 * CsvOptionsCodec.is({ columns: [-1] }) // false
 */
export const CsvOptionsCodec = t.partial(
  {
    header: t.boolean,
    labelColumn: t.union([NonNegativeInt, ColumnName], "a 0-based column index, a column name, 'last' or 'none'"),
    columns: ColumnList,
    ignore: ColumnList,
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
 * A field for an error message: quoted (line breaks and quotes escaped), cut after 40 characters.
 * @example
 * import { quoteField } from './csv-options.js'
 * quoteField('a "b"') // '"a \\"b\\""'
 */
export const quoteField = (field: string): string => JSON.stringify(field.length > 40 ? `${field.slice(0, 40)}...` : field)

/**
 * The first column the options choose by name, if any (names need a header).
 * @example
 * import { namedColumn } from './csv-options.js'
 * namedColumn({ labelColumn: 'last', ignore: [0, 'id'] }) // { field: 'ignore', name: 'id' }
 * namedColumn({ labelColumn: 'none' }) // undefined
 */
export const namedColumn = (o: CsvOptions): { readonly field: string; readonly name: string } | undefined => {
  const label = o.labelColumn
  if (typeof label === 'string' && label !== 'last' && label !== 'none') return { field: 'labelColumn', name: label }
  for (const field of ['columns', 'ignore'] as const) {
    const name = o[field]?.find((c): c is string => typeof c === 'string')
    if (name !== undefined) return { field, name }
  }
  return undefined
}

/** What is wrong with a combination of (individually valid) options. */
const combinationProblem = (o: CsvOptions): DataError | undefined => {
  const cls = o.classes
  if (Array.isArray(cls)) {
    const seen = new Set<string>()
    const dup = cls.find((c) => seen.size === seen.add(c).size)
    if (dup !== undefined) return dataError.options('classes', `options.classes: class "${dup}" is listed twice`)
    if (cls.length === 0) return dataError.options('classes', 'options.classes: expected at least one class name')
  }
  if (o.labelColumn === 'none' && cls !== undefined)
    return dataError.options('classes', "options.classes: labelColumn is 'none' (the file has no label column), so there are no labels to classify; drop classes or choose the label column")
  if (o.columns !== undefined && o.ignore !== undefined)
    return dataError.options('ignore', 'options.ignore: give columns (the features to read) or ignore (the columns to skip), not both')
  if (o.columns?.length === 0) return dataError.options('columns', 'options.columns: expected at least one feature column')
  const named = namedColumn(o)
  if (named !== undefined && o.header !== true)
    return dataError.options(named.field,
      `options.${named.field}: the column name ${quoteField(named.name)} needs header: true (a first row naming the columns); without a header choose columns by 0-based index`)
  return undefined
}

/**
 * Validates CSV options from untrusted input (JSON, CLI), naming the offending field and what was
 * expected; also refuses combinations that cannot work (names without a header, `columns` with
 * `ignore`, `classes` with `labelColumn: 'none'`).
 * @example
 * import { decodeCsvOptions } from 'kiln'
 * const r = decodeCsvOptions({ labelColumn: -1 })
 * r._tag === 'Left' && r.left.message // "options.labelColumn: expected a 0-based column index, a column name, 'last' or 'none', got -1"
 * const named = decodeCsvOptions({ columns: ['petal_width'] })
 * named._tag === 'Left' && named.left.field // 'columns'
 */
export const decodeCsvOptions = (u: unknown): E.Either<DataError, CsvOptions> => {
  if (typeof u !== 'object' || u === null || Array.isArray(u))
    return E.left(dataError.options('options', `options: expected an object, got ${show(u)}`))
  const unknown = optionsProblem('decodeCsvOptions', u, OPTION_KEYS)
  if (unknown !== undefined)
    return E.left(dataError.options(unknown.field, `${unknown.field === 'options' ? 'options' : `options.${unknown.field}`}: ${unknown.detail}`))
  return pipe(
    CsvOptionsCodec.decode(u),
    E.mapLeft((errors): DataError => {
      const entry = errors[0]?.context[1]
      const field = entry?.key ?? 'options'
      const expected = entry?.type.name ?? 'CsvOptions'
      return dataError.options(field, `options.${field}: expected ${expected}, got ${show(entry?.actual)}`)
    }),
    E.chain((o): E.Either<DataError, CsvOptions> => {
      const problem = combinationProblem(o)
      return problem === undefined ? E.right(o) : E.left(problem)
    }),
  )
}
