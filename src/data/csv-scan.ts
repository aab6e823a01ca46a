/**
 * The CSV reader's scanner (RFC 4180 quoting): one field at a time over the whole text, with no
 * array of lines or fields and no object per field. A field is unquoted (no `"` anywhere in it) or
 * enclosed in double quotes, inside which the delimiter, line breaks and `""` (one `"`) may appear.
 * Spaces and tabs around a quoted field are allowed, as unquoted fields are trimmed.
 * @module
 */

/** What is wrong with a field's quoting: a `"` in an unquoted field, quotes never closed, text after the closing quote. */
export type QuoteProblem = 'stray' | 'open' | 'after'

const QUOTE = 34
const NL = 10
const CR = 13

/**
 * A cursor over CSV text. `next()` scans the field at `pos`: on success its content is
 * `[from, to)` (quotes excluded), `end` says whether it ended its record and `pos` is where the
 * next field (or record) starts; on failure `problem` says what is wrong and `at` where.
 * @example
 * import { FieldCursor } from './csv-scan.js'
 * const c = new FieldCursor('1, "a,""b"" c"\n2,x', ',')
 * const read = () => (c.next() ? [c.label(), c.end] : [c.problem, c.at])
 * const fields = [read(), read(), read(), read()]
 * fields // [['1', false], ['a,"b" c', true], ['2', false], ['x', true]]
 * const bad = new FieldCursor('1,"a"b', ',')
 * const second = [bad.next(), bad.next(), bad.problem, bad.at]
 * second // [true, false, 'after', 5]
 */
export class FieldCursor {
  /** Where the next field starts. */
  pos = 0
  /** The last field's content, quotes excluded. */
  from = 0
  to = 0
  /** The last field was quoted; `doubled`: its content holds `""` pairs standing for one `"`. */
  quoted = false
  doubled = false
  /** The last field ended its record (a line break or the end of the text followed it). */
  end = false
  /** After a failed `next()`: what is wrong, and the offset of the offending character. */
  problem: QuoteProblem = 'stray'
  at = 0
  private readonly delim: number

  constructor(
    readonly text: string,
    delimiter: string,
  ) {
    this.delim = delimiter.charCodeAt(0)
  }

  /** Scans the field at `pos`; false on a quoting error (see `problem`, `at`). */
  next(): boolean {
    const { text, delim } = this
    let q = this.pos
    for (let c = text.charCodeAt(q); (c === 32 || c === 9) && c !== delim; c = text.charCodeAt(++q));
    if (text.charCodeAt(q) === QUOTE) return this.quotedField(q)
    this.from = this.pos
    this.quoted = this.doubled = false
    const n = text.length
    for (let i = q; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : NL
      if (c !== delim && c !== NL && c !== QUOTE) continue
      if (c === QUOTE) return this.fail('stray', i)
      this.to = i
      this.pos = i + 1
      this.end = c === NL
      return true
    }
    return true // not reached: the loop returns at i === n
  }

  /** The field's value: the quoted content verbatim (`""` undone), or the unquoted text as is. */
  value(): string {
    const s = this.text.slice(this.from, this.to)
    return this.doubled ? s.replaceAll('""', '"') : s
  }

  /** The field as a name (label, header): quoted content verbatim, unquoted text trimmed. */
  label(): string {
    return this.quoted ? this.value() : this.value().trim()
  }

  private quotedField(q: number): boolean {
    const { text } = this
    let doubled = false
    for (let i = q + 1; ; ) {
      const j = text.indexOf('"', i)
      if (j < 0) return this.fail('open', q)
      if (text.charCodeAt(j + 1) === QUOTE) {
        doubled = true
        i = j + 2
        continue
      }
      this.from = q + 1
      this.to = j
      this.quoted = true
      this.doubled = doubled
      return this.afterQuote(j + 1)
    }
  }

  /** After a closing quote: only spaces or tabs, then the delimiter, a line break or the end. */
  private afterQuote(k: number): boolean {
    const { text, delim } = this
    for (let c = text.charCodeAt(k); (c === 32 || c === 9) && c !== delim; c = text.charCodeAt(++k));
    const c = text.charCodeAt(k)
    const eol = k >= text.length ? 0 : c === NL ? 1 : c === CR && text.charCodeAt(k + 1) === NL ? 2 : -1
    if (c !== delim && eol < 0) return this.fail('after', k)
    this.end = eol >= 0
    this.pos = k + Math.max(eol, 1)
    return true
  }

  private fail(problem: QuoteProblem, at: number): false {
    this.problem = problem
    this.at = at
    return false
  }
}

// Runs of what String.prototype.trim removes, line breaks included: one native match skips any
// number of blank lines, and the line numbers are counted only when an error needs one.
const SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*/y

/**
 * Where the next non-blank record at or after `pos` starts (the start of its line), or -1.
 * @example
 * import { recordStart } from './csv-scan.js'
 * recordStart('1,2\n \n\n 3,4\n', 4) // 7
 * recordStart('1,2\n\n', 4) // -1
 */
export const recordStart = (text: string, pos: number): number => {
  if (pos >= text.length) return -1
  SPACE.lastIndex = pos
  SPACE.test(text) // always matches (possibly nothing), leaving lastIndex past the blanks
  const q = SPACE.lastIndex
  if (q >= text.length) return -1
  // everything in [pos, q) is blank: the line holding q starts after the last break before it
  return Math.max(pos, text.lastIndexOf('\n', q) + 1)
}

/**
 * The 1-based number of the line holding offset `pos` (line breaks inside quoted fields count).
 * @example
 * import { lineOf } from './csv-scan.js'
 * lineOf('a\n"b\nc"\nd', 8) // 4
 */
export const lineOf = (text: string, pos: number): number => {
  let n = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) n++
  return n
}
