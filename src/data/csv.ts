/**
 * CSV reader for numeric user data: every row is `feature, ..., feature` plus, unless
 * `labelColumn: 'none'`, one label column. Fields follow RFC 4180: a field may be enclosed in double
 * quotes, and then hold the delimiter, line breaks and `""` (one `"`); a quote anywhere else is an
 * error. Quoted contents are taken verbatim (a quoted class name keeps its spaces), unquoted fields
 * are trimmed, and spaces or tabs around a quoted field are allowed. Columns are chosen by header
 * name or 0-based index (`columns`, `ignore`, `labelColumn`). Fields are decoded with io-ts codecs;
 * the first bad field stops the parse and is reported with its 1-based line (physical: line breaks
 * inside quotes count) and column (the field's 1-based position in its row). Nothing partial is ever
 * returned. Blank lines are skipped; `\r\n` line ends are accepted. The parser streams over the text
 * (no array of lines or fields) into growing `Float64Array`s, within `maxCells`.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { DEFAULT_MAX_CSV_CELLS, decodeCsvOptions, namedColumn, quoteField as quote, type CsvColumn, type CsvOptions } from './csv-options.js'
import { FieldCursor, lineOf, recordStart } from './csv-scan.js'
import { DEFAULT_MAX_CLASSES, type Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'
import { decodeText, MAX_TEXT_BYTES } from './gzip.js'
import { closestName } from '../options.js'

export { type CsvColumn, type CsvOptions, DEFAULT_MAX_CSV_CELLS, CsvOptionsCodec, decodeCsvOptions } from './csv-options.js'

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

/** An error waiting for line numbers: `line(pos)` is the 1-based line holding text offset `pos`. */
type Fault = (line: (pos: number) => number) => DataError

const parseFault = (pos: number, col: number | undefined, what: string): Fault => (line) => {
  const ln = line(pos)
  return dataError.parse(ln, col, `line ${ln}${col === undefined ? '' : `, column ${col}`}: ${what}`)
}

/** An options error found in the data; `what` is told the line of `pos`. */
const optionFault = (field: string, pos: number, what: (ln: number) => string): Fault => (line) =>
  dataError.options(field, `options.${field}: ${what(line(pos))}`)

const quoteProblem = (cur: FieldCursor): string =>
  cur.problem === 'stray'
    ? 'a quote (") inside an unquoted field; a field holding quotes must be enclosed in quotes, each quote in it doubled ("")'
    : cur.problem === 'open'
      ? 'a quoted field opened here is never closed (the text ends inside the quotes)'
      : `text after the closing quote of a quoted field (found ${quote(cur.text.charAt(cur.at))}); a quote inside a quoted field is written as two ("")`

/** Counts the fields of the row at `start`, checking its quoting; leaves the cursor at the next row. */
const countFields = (cur: FieldCursor, start: number): number | Fault => {
  cur.pos = start
  let n = 0
  do {
    if (!cur.next()) return parseFault(cur.at, n + 1, quoteProblem(cur))
    n++
  } while (!cur.end)
  return n
}

const list = (names: readonly string[]): string =>
  names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')}, ... ${names.length} in all`

/** The columns of the file: how many, their header names (when chosen by name), the row that fixed them. */
type Columns = { readonly ncol: number; readonly at: number; readonly names?: readonly string[] }

/** Which column is what, fixed by the first row (or the header). */
type Layout = {
  readonly ncol: number
  /** The label column, or -1 with `labelColumn: 'none'`. */
  readonly labelCol: number
  /** Each column's place in the row's features, or -1 (the label, or a column skipped by `columns` or `ignore`). */
  readonly slot: Int32Array
  /** Features per row. */
  readonly f: number
}

const columnIndex = (cols: Columns, field: string, ref: CsvColumn): number | Fault => {
  if (typeof ref === 'number')
    return ref < cols.ncol ? ref : optionFault(field, cols.at, (ln) => `column ${ref} (0-based) does not exist, line ${ln} has ${cols.ncol} columns`)
  const names = cols.names ?? [] // decodeCsvOptions made sure a name comes with a header
  const i = names.indexOf(ref)
  if (i < 0) {
    const near = closestName(ref, names)
    const hint = near === undefined ? '' : `; did you mean ${quote(near)}?`
    return optionFault(field, cols.at, (ln) => `no column named ${quote(ref)} in the header (line ${ln})${hint} (columns: ${list(names)})`)
  }
  const j = names.lastIndexOf(ref)
  return i === j ? i : optionFault(field, cols.at, (ln) => `the header (line ${ln}) names both column ${i} and column ${j} (0-based) ${quote(ref)}; choose one by index`)
}

/** The columns `columns` or `ignore` lists, each with its place in the list. */
const chosen = (cols: Columns, field: 'columns' | 'ignore', refs: readonly CsvColumn[], labelCol: number): Map<number, number> | Fault => {
  const what = (c: number): string => (cols.names === undefined ? `column ${c}` : `column ${c} (${quote(cols.names[c]!)})`)
  const m = new Map<number, number>()
  for (const ref of refs) {
    const c = columnIndex(cols, field, ref)
    if (typeof c !== 'number') return c
    if (c === labelCol)
      return optionFault(field, cols.at, () =>
        `${what(c)} is the label column (labelColumn)${field === 'ignore' ? "; for a file without labels use labelColumn: 'none'" : ', it cannot be a feature too'}`)
    if (m.has(c)) return optionFault(field, cols.at, () => `${what(c)} is listed twice`)
    m.set(c, m.size)
  }
  return m
}

const layoutOf = (o: CsvOptions, cols: Columns): Layout | Fault => {
  const { ncol } = cols
  const lc = o.labelColumn ?? 'last'
  const labelCol = lc === 'last' ? ncol - 1 : lc === 'none' ? -1 : columnIndex(cols, 'labelColumn', lc)
  if (typeof labelCol !== 'number') return labelCol
  const pick = o.columns === undefined ? undefined : chosen(cols, 'columns', o.columns, labelCol)
  const drop = o.ignore === undefined ? new Map<number, number>() : chosen(cols, 'ignore', o.ignore, labelCol)
  if (typeof pick === 'function') return pick
  if (typeof drop === 'function') return drop
  const f = pick !== undefined ? pick.size : ncol - (labelCol < 0 ? 0 : 1) - drop.size
  if (f === 0)
    return drop.size === 0
      ? parseFault(cols.at, undefined, `expected at least 2 columns (features and a label), found ${ncol}`)
      : optionFault('ignore', cols.at, (ln) => `no feature column is left: line ${ln} has ${ncol} columns, ${drop.size} ignored and a label`)
  const shape = o.featureShape
  const size = shape?.reduce((a, b) => a * b, 1)
  if (shape !== undefined && size !== f)
    return optionFault('featureShape', cols.at, (ln) => `[${shape.join(',')}] holds ${size} features, but ${f} feature columns are read (line ${ln} has ${ncol} columns)`)
  // One array lookup per field on the hot path, for columns, ignore and neither alike.
  const slot = new Int32Array(ncol).fill(-1)
  if (pick !== undefined) pick.forEach((k, c) => (slot[c] = k))
  else for (let c = 0, k = 0; c < ncol; c++) if (c !== labelCol && !drop.has(c)) slot[c] = k++
  return { ncol, labelCol, slot, f }
}

type Infer = {
  readonly _tag: 'Infer'
  readonly seen: Map<string, number>
  readonly limit: number
  /** Some distinct label is not a number. */
  text: boolean
  /** The offset of the first number that is not an integer, and its text; -1 while none. */
  fraction: number
  fractionLabel: string
}

type LabelMode =
  | { readonly _tag: 'Regression' }
  | { readonly _tag: 'Named'; readonly classes: readonly string[]; readonly index: ReadonlyMap<string, number> }
  | Infer

const labelMode = (o: CsvOptions): LabelMode =>
  o.classes === undefined
    ? { _tag: 'Regression' }
    : o.classes === 'infer'
      ? { _tag: 'Infer', seen: new Map(), limit: o.maxClasses ?? DEFAULT_MAX_CLASSES, text: false, fraction: -1, fractionLabel: '' }
      : { _tag: 'Named', classes: o.classes, index: new Map(o.classes.map((c, i) => [c, i])) }

const fractionFault = (m: Infer, col: number): Fault =>
  parseFault(m.fraction, col,
    `classes: 'infer' refuses the label ${quote(m.fractionLabel)}: every label is a number and this one is not an integer, ` +
    "so the column holds real values (a regression target or a feature), not classes; omit classes for regression, or use labelColumn: 'none' if the file has no label column")

const inferLabel = (m: Infer, v: string, pos: number, col: number): number | Fault => {
  if (v === '') return parseFault(pos, col, 'expected a label, got an empty field')
  const id = m.seen.get(v)
  if (id !== undefined) return id
  const x = numberOf(v)
  if (x === undefined) m.text = true
  else if (!Number.isInteger(x) && m.fraction < 0) [m.fraction, m.fractionLabel] = [pos, v]
  if (m.seen.size >= m.limit)
    return !m.text && m.fraction >= 0
      ? fractionFault(m, col) // the likelier mistake: real values taken for classes
      : parseFault(pos, col, `label ${quote(v)} would be distinct label number ${m.limit + 1}, more than maxClasses = ${m.limit}; is this column a class label?`)
  m.seen.set(v, m.seen.size)
  return m.seen.size - 1
}

/** The label field's value (a class index or a target), or the error. */
const decodeLabel = (mode: LabelMode, cur: FieldCursor, col: number): number | Fault => {
  if (mode._tag === 'Regression') {
    const field = cur.value()
    const r = numberOf(field)
    return r !== undefined ? r : parseFault(cur.from, col, `expected a finite number as the target, got ${quote(field)}`)
  }
  const v = cur.label()
  if (mode._tag === 'Infer') return inferLabel(mode, v, cur.from, col)
  const idx = mode.index.get(v)
  if (idx !== undefined) return idx
  const num = numberOf(v)
  if (num !== undefined && Number.isInteger(num) && num >= 0 && num < mode.classes.length) return num
  return parseFault(cur.from, col, `expected a class name (${list(mode.classes)}) or an index in [0, ${mode.classes.length}), got ${quote(v)}`)
}

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
  /** Writes `v` `offset` places past the end, in room reserved for a row; `commit` then takes the row. */
  put(offset: number, v: number): void {
    this.buf[this.length + offset] = v
  }
  commit(k: number): void {
    this.length += k
  }
  done(): Float64Array {
    return this.length === this.buf.length ? this.buf : this.buf.slice(0, this.length)
  }
}

type Table = {
  readonly xs: Values
  readonly ys: Values
  readonly mode: LabelMode
  readonly layout: Layout
  /** The row (or header) that fixed the column count. */
  readonly at: number
}

/** Decodes the row at `start` (its quoting already checked) into the table; an error stops the parse. */
const decodeRow = (t: Table, cur: FieldCursor, start: number): Fault | undefined => {
  const { ncol, labelCol, slot } = t.layout
  cur.pos = start
  for (let c = 0; c < ncol; c++) {
    cur.next() // cannot fail: countFields scanned this row
    if (c === labelCol) {
      const y = decodeLabel(t.mode, cur, c + 1)
      if (typeof y !== 'number') return y
      t.ys.push(y)
      continue
    }
    const k = slot[c]!
    if (k < 0) continue
    const field = cur.value()
    const v = numberOf(field)
    if (v === undefined) return parseFault(cur.from, c + 1, `expected a finite number, got ${quote(field)}`)
    t.xs.put(k, v)
  }
  if (labelCol < 0) t.ys.push(0)
  t.xs.commit(t.layout.f)
  return undefined
}

/** Inferred classes sorted (numerically when every label is a number), and each seen label's index. */
const inferClasses = (m: Infer): { classes: string[]; remap: Float64Array } => {
  const distinct = [...m.seen.keys()]
  const remap = new Float64Array(distinct.length)
  if (!m.text) {
    const nums = distinct.map((s) => numberOf(s) ?? NaN)
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

const finish = (t: Table, o: CsvOptions): E.Either<Fault, Dataset> => {
  const featureShape = o.featureShape ?? [t.layout.f]
  const [x, y, m] = [t.xs.done(), t.ys.done(), t.mode]
  if (m._tag !== 'Infer') return E.right({ x, y, n: y.length, featureShape, classes: m._tag === 'Named' ? m.classes : [] })
  if (!m.text && m.fraction >= 0) return E.left(fractionFault(m, t.layout.labelCol + 1))
  const { classes, remap } = inferClasses(m)
  for (let i = 0; i < y.length; i++) y[i] = remap[y[i]!]!
  return E.right({ x, y, n: y.length, featureShape, classes })
}

/** Skips the header row (checking its quoting); keeps its names when columns are chosen by name. */
const readHeader = (cur: FieldCursor, o: CsvOptions): { readonly next: number; readonly cols?: Columns } | Fault => {
  const start = o.header === true ? recordStart(cur.text, 0) : -1
  if (start < 0) return { next: 0 }
  const ncol = countFields(cur, start)
  if (typeof ncol !== 'number') return ncol
  if (namedColumn(o) === undefined) return { next: cur.pos }
  cur.pos = start
  const names: string[] = []
  for (let c = 0; c < ncol; c++) names.push(cur.next() ? cur.label() : '')
  return { next: cur.pos, cols: { ncol, at: start, names } }
}

/** The first data row fixes the layout; the header, when it names the columns, fixes their count. */
const startTable = (o: CsvOptions, cols: Columns, maxCells: number): Table | Fault => {
  const layout = layoutOf(o, cols)
  return typeof layout === 'function' ? layout : { xs: new Values(maxCells), ys: new Values(maxCells), mode: labelMode(o), layout, at: cols.at }
}

/**
 * One pass over the text, a row at a time (each row scanned twice: counted, then decoded): nothing
 * is kept per row but its values, so 200 million blank lines or one row of millions of fields cost
 * no more memory than the text.
 */
const scan = (text: string, o: CsvOptions): E.Either<Fault, Dataset> => {
  const maxCells = o.maxCells ?? DEFAULT_MAX_CSV_CELLS
  const cur = new FieldCursor(text, o.delimiter ?? ',')
  const head = readHeader(cur, o)
  if (typeof head === 'function') return E.left(head)
  let table: Table | undefined
  let cells = 0
  for (let start = recordStart(text, head.next); start >= 0; start = recordStart(text, cur.pos)) {
    const fields = countFields(cur, start)
    if (typeof fields !== 'number') return E.left(fields)
    const fixed = table?.layout.ncol ?? head.cols?.ncol ?? fields
    const at = table?.at ?? head.cols?.at ?? start
    if (fields !== fixed)
      return E.left((line) => dataError.parse(line(start), undefined, `line ${line(start)}: expected ${fixed} columns (as on line ${line(at)}), found ${fields}`))
    if (table === undefined) {
      const t0 = startTable(o, head.cols ?? { ncol: fields, at: start }, maxCells)
      if (typeof t0 === 'function') return E.left(t0)
      table = t0
    }
    cells += table.layout.f + 1
    if (cells > maxCells)
      return E.left(parseFault(start, undefined, `the data holds more than maxCells = ${maxCells} values; raise the limit only for data you trust`))
    if (!table.xs.reserve(table.layout.f) || !table.ys.reserve(1))
      return E.left(parseFault(start, undefined, `out of memory for ${cells} values; lower maxCells`))
    const bad = decodeRow(table, cur, start)
    if (bad !== undefined) return E.left(bad)
  }
  return table === undefined ? E.left(() => dataError.format('no data rows')) : finish(table, o)
}

const parseWith = (text: string, o: CsvOptions): E.Either<DataError, Dataset> => {
  // A byte-order mark (text handed over as a string, e.g. from FileReader) is no part of the first field.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return pipe(scan(body, o), E.mapLeft((fault) => fault((pos) => lineOf(body, pos))))
}

/**
 * Parses CSV text, or a file's bytes (UTF-8, gunzipped first when gzip), into a `Dataset`. Errors
 * (as `Left`): bad options (naming the option; an unknown column name with the closest one), a
 * quoting error, a row with the wrong column count (naming the line), a non-numeric / NaN /
 * infinite field or unknown label (naming line and column, both 1-based), real-valued labels with
 * `classes: 'infer'`, or no data rows. Hostile input is bounded: gzip is inflated once (gzip inside
 * gzip is refused) and to at most `maxInflatedBytes`; a row's values are counted against `maxCells`
 * before any is decoded; inferred classes stop at `maxClasses`; blank lines cost no memory.
 * @example
 * import { parseCsv } from 'kiln'
 * parseCsv('a,b,label\n1,2,yes\n3,4,no\n', { header: true, classes: ['no', 'yes'] })
 * // { _tag: 'Right', right: { x: [1, 2, 3, 4], y: [1, 0], n: 2, featureShape: [2], classes: ['no', 'yes'] } }
 * const bad = parseCsv('1,2,0\n3,x,1\n', { classes: 'infer' })
 * bad._tag === 'Left' && [bad.left._tag, bad.left.message] // ['ParseError', 'line 2, column 2: expected a finite number, got "x"']
 * parseCsv(new TextEncoder().encode('1,2,0\n'))._tag // 'Right'
 * const quoted = parseCsv('id,"size, cm",kind\n7,"1.5","big ""A"""\n', { header: true, ignore: ['id'], classes: 'infer' })
 * quoted._tag === 'Right' && [quoted.right.x, quoted.right.classes] // [[1.5], ['big "A"']]
 * const inputs = parseCsv('b,a\n1,2\n3,4\n', { header: true, columns: ['a', 'b'], labelColumn: 'none' })
 * inputs._tag === 'Right' && [inputs.right.x, inputs.right.y] // [[2, 1, 4, 3], [0, 0]]
 */
export const parseCsv = (contents: string | Uint8Array, options: CsvOptions = {}): E.Either<DataError, Dataset> =>
  pipe(
    decodeCsvOptions(options),
    E.chain((o) => pipe(decodeText(contents, o.maxInflatedBytes ?? MAX_TEXT_BYTES), E.chain((text) => parseWith(text, o)))),
  )
