/**
 * Plain-text aligned tables and number formatting for reports.
 * @module
 */
import { checkOptionKinds, type OptionKinds } from '../options.js'

/** Horizontal alignment of a table column. */
export type Align = 'left' | 'right' | 'center'

/** A table cell: strings are printed as they are, numbers with `String(n)`. */
export type Cell = string | number

/** Options of {@link formatTable}. */
export interface TableOptions {
  /**
   * One alignment for every column, or one per column. Default: the first column left, the
   * others right (labels then numbers).
   */
  readonly align?: Align | readonly Align[]
  /** Text between columns. Default two spaces. */
  readonly gap?: string
  /** Draw a line of dashes under the header. Default true. */
  readonly rule?: boolean
}

const TABLE_OPTIONS: OptionKinds<TableOptions> = { align: ['string', 'array'], gap: 'string', rule: 'boolean' }

/** Display width of a string, counted in code points (so `'█'` and `'é'` count 1). */
const widthOf = (s: string): number => [...s].length

const pad = (s: string, width: number, align: Align): string => {
  const room = width - widthOf(s)
  if (room <= 0) return s
  if (align === 'right') return ' '.repeat(room) + s
  if (align === 'left') return s + ' '.repeat(room)
  const left = Math.floor(room / 2)
  return ' '.repeat(left) + s + ' '.repeat(room - left)
}

const cellText = (fn: string, where: string, c: Cell): string => {
  const s = typeof c === 'number' ? String(c) : c
  if (typeof s !== 'string')
    throw new Error(`${fn}: ${where} is ${typeof c}; expected a string or a number`)
  if (/[\r\n]/.test(s)) throw new Error(`${fn}: ${where} contains a line break; expected a single-line cell`)
  return s
}

/**
 * Lays out `rows` under `headers` as a plain-text table: columns padded to their widest cell,
 * separated by `gap`, a dashed rule under the header, trailing spaces trimmed, lines joined with
 * `\n` (no final newline). Throws when a row's length differs from the header's.
 * @example
 * import { formatTable } from 'kiln'
 * const t = formatTable(['optimizer', 'loss'], [['sgd', 0.25], ['adam', 0.125]])
 * t.split('\n') // ['optimizer   loss', '---------  -----', 'sgd         0.25', 'adam       0.125']
 * formatTable(['a', 'b'], [['x', 'y']], { align: 'center', rule: false }) // 'a  b\nx  y'
 */
export const formatTable = (
  headers: readonly Cell[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string => {
  checkOptionKinds('formatTable', options, TABLE_OPTIONS)
  const cols = headers.length
  const { align, gap = '  ', rule = true } = options
  if (Array.isArray(align) && align.length !== cols)
    throw new Error(`formatTable: options.align has ${align.length} entries; expected one per column (${cols})`)
  const aligns: readonly Align[] =
    align === undefined
      ? headers.map((_, i) => (i === 0 ? 'left' : 'right'))
      : typeof align === 'string'
        ? headers.map(() => align)
        : (align as readonly Align[])
  const head = headers.map((h, j) => cellText('formatTable', `headers[${j}]`, h))
  const body = rows.map((r, i) => {
    if (r.length !== cols)
      throw new Error(`formatTable: rows[${i}] has ${r.length} cells; expected ${cols} (one per header)`)
    return r.map((c, j) => cellText('formatTable', `rows[${i}][${j}]`, c))
  })
  const widths = head.map((h, j) => Math.max(widthOf(h), ...body.map((r) => widthOf(r[j]!))))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, j) => pad(c, widths[j]!, aligns[j]!))
      .join(gap)
      .trimEnd()
  const lines = [line(head), ...(rule ? [widths.map((w) => '-'.repeat(w)).join(gap)] : []), ...body.map(line)]
  return lines.join('\n')
}

/**
 * Formats `x` with `digits` decimals like Python's `format(x, '.{digits}f')`: correctly rounded,
 * with exact ties rounded half to even (`0.125` -> `'0.12'`), where `Number#toFixed` rounds them
 * up. `NaN` gives `'nan'` and infinities `'inf'` / `'-inf'`, as in Python.
 * @example
 * import { formatFixed } from 'kiln'
 * formatFixed(0.125, 2) // '0.12'
 * formatFixed(0.375, 2) // '0.38'
 * formatFixed(2 / 3, 2) // '0.67'
 */
export const formatFixed = (x: number, digits: number): string => {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20)
    throw new Error(`formatFixed: digits = ${String(digits)}; expected an integer in [0, 20]`)
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  const s = x.toFixed(digits)
  // An exact tie has a finite binary expansion ending in 5 right after the kept digits.
  const long = Math.abs(x).toFixed(Math.min(digits + 30, 100))
  const tail = long.slice(long.indexOf('.') + 1 + digits)
  if (Math.abs(x) >= 1e21 || !/^50*$/.test(tail)) return s
  const last = s.charCodeAt(s.length - 1) - 48
  if (last % 2 === 0) return s
  // toFixed rounded the tie away from zero onto an odd digit: step back one unit toward zero.
  const down = (Math.abs(x) - 0.5 * 10 ** -digits).toFixed(digits)
  return x < 0 ? `-${down}` : down
}
