import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseCsv, type CsvOptions } from '../../src/data/csv.js'

import { left, right } from './either.js'
/** A field quoted as RFC 4180 writes it. */
const q = (s: string): string => `"${s.replaceAll('"', '""')}"`

describe('parseCsv quoting (RFC 4180)', () => {
  it('quoted numbers are numbers, quoted class names are class names', () => {
    const ds = right(parseCsv('"1.5",2,"yes"\n3,"-4e1",no\n', { classes: 'infer' }))
    expect([...ds.x]).toEqual([1.5, 2, 3, -40])
    expect(ds.classes).toEqual(['no', 'yes'])
    expect([...ds.y]).toEqual([1, 0])
    expect([...right(parseCsv('1,"2.5"\n')).y]).toEqual([2.5]) // a quoted regression target
  })

  it('the delimiter inside quotes is data', () => {
    const ds = right(parseCsv('1,"a,b"\n2,c\n3,"a,b"\n', { classes: 'infer' }))
    expect(ds.classes).toEqual(['a,b', 'c'])
    expect([...ds.y]).toEqual([0, 1, 0])
    expect(right(parseCsv('1;"x;y";2\n', { delimiter: ';', labelColumn: 1, classes: 'infer' })).classes).toEqual(['x;y'])
  })

  it('line breaks inside quotes are data, and later errors name the physical line', () => {
    const ds = right(parseCsv('1,"two\nlines"\n2,"three\r\nlines\n"\n', { classes: 'infer' }))
    expect(ds.classes).toEqual(['three\r\nlines\n', 'two\nlines'])
    expect(ds.n).toBe(2)
    // rows start on lines 1, 3 and 6; the bad field is on line 6
    const e = left(parseCsv('1,"a\nb"\n2,"c\n\nd"\nx,e\n', { classes: 'infer' }))
    expect(e).toEqual({ _tag: 'ParseError', line: 6, column: 1, message: 'line 6, column 1: expected a finite number, got "x"' })
    // a wrong column count names the row's first line, and the line of the row that set the count
    expect(left(parseCsv('\n1,"a\nb"\n2\n', { classes: 'infer' })).message).toBe('line 4: expected 2 columns (as on line 2), found 1')
  })

  it('doubled quotes stand for one quote', () => {
    const ds = right(parseCsv('1,"say ""hi"""\n2,""""\n3,"a""b"\n', { classes: 'infer' }))
    expect(ds.classes).toEqual(['"', 'a"b', 'say "hi"'])
    expect([...ds.y]).toEqual([2, 0, 1])
  })

  it('quoted contents are verbatim, unquoted fields trimmed; spaces around quotes are allowed', () => {
    const ds = right(parseCsv('1, a \n2," a "\n3,  " a"  \n', { classes: 'infer' }))
    expect(ds.classes).toEqual([' a', ' a ', 'a'])
    expect([...ds.y]).toEqual([2, 1, 0])
    expect([...right(parseCsv('1, "2" ,0\n')).x]).toEqual([1, 2])
    // with a tab delimiter, tabs around quotes are delimiters, not padding
    expect([...right(parseCsv('1\t"2"\t3\n', { delimiter: '\t' })).x]).toEqual([1, 2])
  })

  it('an empty quoted field is not a number, and not a label', () => {
    expect(left(parseCsv('1,"",0\n'))).toEqual({ _tag: 'ParseError', line: 1, column: 2, message: 'line 1, column 2: expected a finite number, got ""' })
    expect(left(parseCsv('1,0\n2,""\n', { classes: 'infer' }))).toMatchObject({ line: 2, column: 2, message: 'line 2, column 2: expected a label, got an empty field' })
    expect(left(parseCsv('1,""\n', { classes: ['a'] })).message).toMatch(/^line 1, column 2: expected a class name \(a\) or an index in \[0, 1\), got ""$/)
  })

  it('an unterminated quoted field is an error at the opening quote', () => {
    const e = left(parseCsv('1,2,0\n3,"4,1\n5,6,0\n'))
    expect(e).toEqual({
      _tag: 'ParseError', line: 2, column: 2,
      message: 'line 2, column 2: a quoted field opened here is never closed (the text ends inside the quotes)',
    })
    expect(left(parseCsv('1,"a""\n', { classes: 'infer' }))).toMatchObject({ line: 1, column: 2 }) // `""` is a quote, not the end
    expect(left(parseCsv('a,"b\n1,2\n', { header: true }))).toMatchObject({ line: 1, column: 2 }) // in the header too
  })

  it('a quote in an unquoted field, or text after a closing quote, is an error with line and column', () => {
    expect(left(parseCsv('1,2,0\n3,4",1\n'))).toEqual({
      _tag: 'ParseError', line: 2, column: 2,
      message: 'line 2, column 2: a quote (") inside an unquoted field; a field holding quotes must be enclosed in quotes, each quote in it doubled ("")',
    })
    expect(left(parseCsv('1,"2"x,0\n'))).toEqual({
      _tag: 'ParseError', line: 1, column: 2,
      message: 'line 1, column 2: text after the closing quote of a quoted field (found "x"); a quote inside a quoted field is written as two ("")',
    })
    expect(left(parseCsv('1,"a\nb" c,0\n', { classes: 'infer' }))).toMatchObject({ line: 2, column: 2 })
    // the quoting of a row is checked before its values: the bad quote wins over the bad number before it
    expect(left(parseCsv('x,1"\n'))).toMatchObject({ line: 1, column: 2 })
  })

  it('CRLF line ends, inside and outside quotes', () => {
    const ds = right(parseCsv('"a","b"\r\n1,"2"\r\n\r\n"3",4\r\n', { header: true }))
    expect([...ds.x]).toEqual([1, 3])
    expect([...ds.y]).toEqual([2, 4])
    expect(right(parseCsv('1,"x\r\ny"\r\n', { classes: 'infer' })).classes).toEqual(['x\r\ny'])
    expect(left(parseCsv('1,2\r\n3,"4"\r5\r\n'))).toMatchObject({ line: 2, column: 2 }) // a lone CR after a quote is text
  })

  it('a byte-order mark before a quoted header is not part of its first name', () => {
    const text = '\ufeff"a","b"\n1,2\n'
    expect([...right(parseCsv(text, { header: true, labelColumn: 'a' })).y]).toEqual([1])
    expect(right(parseCsv(new TextEncoder().encode(text), { header: true, labelColumn: 'a' })).n).toBe(1)
  })

  it('a line of quoted blanks is a row, not a blank line', () => {
    expect(left(parseCsv('1,2\n" ",3\n'))).toMatchObject({ line: 2, column: 1 })
  })

  it('maxCells counts quoted fields like any other', () => {
    const rows = '"1","2",3\n'.repeat(10)
    expect(right(parseCsv(rows, { maxCells: 30 })).n).toBe(10)
    expect(left(parseCsv(rows, { maxCells: 29 }))).toMatchObject({ _tag: 'ParseError', line: 10 })
  })
})

// ---------------------------------------------------------------------------------------------
// Properties

const cell = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)) // String(-0) is '0'
const numberTable = fc.integer({ min: 1, max: 6 }).chain((ncol) =>
  fc.record({
    rows: fc.array(fc.array(cell, { minLength: ncol, maxLength: ncol }), { minLength: 1, maxLength: 8 }),
    quoted: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    eol: fc.constantFrom('\n', '\r\n'),
    header: fc.boolean(),
    blank: fc.boolean(),
  }),
)

describe('parseCsv quoting properties', () => {
  it('random tables of numbers, each field quoted or not, parse back to the same values (and by header name)', () => {
    fc.assert(
      fc.property(numberTable, ({ rows, quoted, delimiter, eol, header, blank }) => {
        const ncol = rows[0]!.length
        let k = 0
        const field = (s: string): string => (quoted[k++ % quoted.length]! ? q(s) : s)
        // header names hold the delimiter, a quote and a line break, so they must be quoted
        const names = Array.from({ length: ncol }, (_, j) => `col${delimiter}"${j}"\n`)
        const lines = rows.map((r) => r.map((v) => field(String(v))).join(delimiter))
        const text = [...(header ? [names.map(q).join(delimiter)] : []), ...lines].join(blank ? `${eol}${eol}` : eol) + eol
        const reversed = [...names.keys()].reverse()
        const o: CsvOptions = { delimiter, labelColumn: 'none', ...(header ? { header, columns: reversed.map((j) => names[j]!) } : {}) }
        const ds = right(parseCsv(text, o))
        const want = header ? rows.flatMap((r) => reversed.map((j) => r[j]!)) : rows.flat()
        expect([...ds.x]).toEqual(want)
        expect(ds.featureShape).toEqual([ncol])
        return ds.n === rows.length && ds.y.every((y) => y === 0)
      }),
      { seed: 1, numRuns: 300 },
    )
  })

  const labelUnit = fc.constantFrom('a', 'b', 'Z', ',', ';', '"', '""', '\n', '\r', '\r\n', ' ', '\t', 'é', '\u2028')
  const label = fc.string({ unit: labelUnit, minLength: 1, maxLength: 8 })
  const labelled = fc.array(fc.tuple(fc.integer({ min: -99, max: 99 }), label), { minLength: 1, maxLength: 10 })

  it('any quoted label holding delimiters, line breaks or quotes round-trips as a class name', () => {
    fc.assert(
      fc.property(labelled, (rows) => {
        const text = rows.map(([x, l]) => `${x},${q(l)}`).join('\n')
        const inferred = right(parseCsv(text, { classes: 'infer' }))
        const distinct = [...new Set(rows.map(([, l]) => l))]
        expect(inferred.classes).toEqual([...distinct].sort())
        expect([...inferred.x]).toEqual(rows.map(([x]) => x))
        const named = right(parseCsv(text, { classes: distinct }))
        return rows.every(([, l], i) => inferred.classes[inferred.y[i]!] === l && named.y[i] === distinct.indexOf(l))
      }),
      { seed: 2, numRuns: 300 },
    )
  })

  it('after quoted line breaks, a bad row is reported on its physical line', () => {
    fc.assert(
      fc.property(labelled, fc.nat(), (rows, at) => {
        const lines = rows.map(([x, l]) => `${x},${q(l)}`)
        const bad = at % (lines.length + 1)
        lines.splice(bad, 0, 'oops,"a"')
        const text = lines.join('\n')
        const before = lines.slice(0, bad).join('\n')
        const line = bad === 0 ? 1 : before.split('\n').length + 1
        const e = left(parseCsv(text, { classes: 'infer' }))
        return e._tag === 'ParseError' && e.line === line && e.column === 1
      }),
      { seed: 3, numRuns: 300 },
    )
  })
})
