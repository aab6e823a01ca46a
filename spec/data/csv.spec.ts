import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { decodeCsvOptions, NumericField, parseCsv, type CsvOptions } from '../../src/data/csv.js'
import { readCsv } from '../../src/node/index.js'

import { left, right } from './either.js'

describe('NumericField', () => {
  it('decodes decimal and exponent notation', () => {
    expect(NumericField.decode('1')).toEqual(E.right(1))
    expect(NumericField.decode(' -2.5e-3 ')).toEqual(E.right(-0.0025))
    expect(NumericField.decode('.5')).toEqual(E.right(0.5))
    expect(NumericField.decode('+7.')).toEqual(E.right(7))
  })

  it('rejects empty, NaN, infinite, hex and text fields', () => {
    for (const s of ['', ' ', 'NaN', 'nan', 'Infinity', '1e400', '0x10', 'abc', '1,5', '1 2', '--1'])
      expect(E.isLeft(NumericField.decode(s)), s).toBe(true)
  })

  it('round-trips every finite double (property)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const r = NumericField.decode(String(v))
      return E.isRight(r) && r.right === v // String(-0) is '0', which decodes to 0 === -0
    }))
  })
})

describe('parseCsv', () => {
  it('parses features and a regression target by default', () => {
    const ds = right(parseCsv('1,2,0.5\n3,4,1.5\n'))
    expect([...ds.x]).toEqual([1, 2, 3, 4])
    expect([...ds.y]).toEqual([0.5, 1.5])
    expect(ds.classes).toEqual([])
    expect(ds.featureShape).toEqual([2])
  })

  it('maps class names or indices, skips a header and blank lines, accepts CRLF', () => {
    const ds = right(parseCsv('a,b,label\r\n\r\n1,2,yes\r\n3,4,0\r\n\r\n', { header: true, classes: ['no', 'yes'] }))
    expect([...ds.y]).toEqual([1, 0])
    expect(ds.n).toBe(2)
  })

  it('infers classes, numerically when all labels are numbers', () => {
    expect(right(parseCsv('1,b\n2,a\n3,b\n', { classes: 'infer' })).classes).toEqual(['a', 'b'])
    const ds = right(parseCsv('1,10\n2,2\n3,2.0\n', { classes: 'infer' }))
    expect(ds.classes).toEqual(['2', '10'])
    expect([...ds.y]).toEqual([1, 0, 0])
  })

  it('supports a label column, a delimiter and a feature shape', () => {
    const ds = right(parseCsv('1;1;2;3;4\n0;5;6;7;8\n', { labelColumn: 0, delimiter: ';', classes: ['a', 'b'], featureShape: [2, 2] }))
    expect([...ds.x]).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect([...ds.y]).toEqual([1, 0])
    expect(ds.featureShape).toEqual([2, 2])
  })

  it('reports a non-numeric field with its 1-based line and column', () => {
    const e = left(parseCsv('h1,h2,y\n1,2,0\n\n3,x,1\n', { header: true, classes: 'infer' }))
    expect(e).toMatchObject({ _tag: 'ParseError', line: 4, column: 2 })
    expect(e.message).toBe('line 4, column 2: expected a finite number, got "x"')
  })

  it('reports NaN, empty fields and bad targets', () => {
    expect(left(parseCsv('1,2,0\n3,NaN,1\n'))).toMatchObject({ line: 2, column: 2 })
    expect(left(parseCsv('1,,0\n'))).toMatchObject({ line: 1, column: 2 })
    expect(left(parseCsv('1,2,0\n3,4,big\n')).message).toMatch(/line 2, column 3: expected a finite number as the target, got "big"/)
  })

  it('reports a wrong column count with the line number', () => {
    const e = left(parseCsv('1,2,0\n3,4,1\n5,6\n'))
    expect(e).toMatchObject({ _tag: 'ParseError', line: 3 })
    expect(e.message).toBe('line 3: expected 3 columns (as on line 1), found 2')
  })

  it('reports unknown labels, naming the classes', () => {
    const e = left(parseCsv('1,2,cat\n', { classes: ['dog', 'bird'] }))
    expect(e.message).toMatch(/line 1, column 3: expected a class name \(dog, bird\) or an index in \[0, 2\), got "cat"/)
    expect(left(parseCsv('1,2,2\n', { classes: ['dog', 'bird'] }))).toMatchObject({ line: 1, column: 3 })
  })

  it('rejects empty input and feature shapes that do not fit', () => {
    expect(left(parseCsv('\n\n')).message).toBe('no data rows')
    expect(left(parseCsv('a,b\n', { header: true })).message).toBe('no data rows')
    expect(left(parseCsv('1,2,3\n', { featureShape: [3] })).message).toMatch(/featureShape: \[3\] holds 3 features, but 2 feature columns are read \(line 1 has 3 columns\)/)
    expect(left(parseCsv('1,2,3\n', { labelColumn: 5 })).message).toMatch(/labelColumn: column 5/)
    expect(left(parseCsv('1\n2\n')).message).toMatch(/line 1: expected at least 2 columns/)
  })

  it('never returns a partial result: any bad line anywhere gives a Left (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.nat(), (n, at) => {
        const lines = Array.from({ length: n }, (_, i) => `${i},${i + 0.5},${i % 2}`)
        const bad = at % n
        lines[bad] = `${bad},oops,0`
        const e = left(parseCsv(lines.join('\n'), { classes: 'infer' }))
        return e._tag === 'ParseError' && e.line === bad + 1 && e.column === 2
      }),
    )
  })
})

describe('decodeCsvOptions', () => {
  it('names the field and what was expected', () => {
    expect(left(decodeCsvOptions({ labelColumn: -1 })).message).toBe("options.labelColumn: expected a 0-based column index, a column name, 'last' or 'none', got -1")
    expect(left(decodeCsvOptions({ header: 'yes' })).message).toBe('options.header: expected boolean, got "yes"')
    expect(left(decodeCsvOptions({ delimiter: '::' })).message).toMatch(/options.delimiter: expected a single character/)
    expect(left(decodeCsvOptions({ classes: ['a', 'a'] })).message).toMatch(/class "a" is listed twice/)
    expect(left(decodeCsvOptions({ lableColumn: 1 })).message).toMatch(/options.lableColumn: unknown option/)
    expect(left(decodeCsvOptions(null)).message).toMatch(/expected an object/)
    expect(decodeCsvOptions({ header: true, classes: 'infer' })).toEqual(E.right({ header: true, classes: 'infer' }))
  })

  it('parseCsv reports bad options before reading', () => {
    expect(left(parseCsv('1,2\n', { featureShape: [0] } as CsvOptions))).toMatchObject({ _tag: 'OptionsError', field: 'featureShape' })
  })
})

describe('readCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-csv-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads plain and gzipped files', () => {
    const text = 'x1,x2,y\n1,2,a\n3,4,b\n'
    writeFileSync(join(dir, 'd.csv'), text)
    writeFileSync(join(dir, 'd.csv.gz'), gzipSync(text))
    const a = right(readCsv(join(dir, 'd.csv'), { header: true, classes: 'infer' }))
    const b = right(readCsv(join(dir, 'd.csv.gz'), { header: true, classes: 'infer' }))
    expect(b).toEqual(a)
    expect(a.classes).toEqual(['a', 'b'])
  })

  it('wraps file errors and prefixes parse errors with the path', () => {
    const missing = join(dir, 'missing.csv')
    expect(left(readCsv(missing))).toMatchObject({ _tag: 'FileError', path: missing })
    writeFileSync(join(dir, 'bad.csv'), '1,2\n3\n')
    const e = left(readCsv(join(dir, 'bad.csv')))
    expect(e).toMatchObject({ _tag: 'ParseError', line: 2 })
    expect(e.message).toBe(`${join(dir, 'bad.csv')}: line 2: expected 2 columns (as on line 1), found 1`)
  })

  it('takes maxFileBytes for the file as stored, and the parser\'s limits', () => {
    const path = join(dir, 'limits.csv.gz')
    writeFileSync(path, gzipSync('1,2,a\n3,4,b\n'.repeat(100)))
    expect(right(readCsv(path, { classes: 'infer' })).n).toBe(200)
    expect(left(readCsv(path, { maxFileBytes: 10 }))).toMatchObject({ _tag: 'FileError', path })
    expect(left(readCsv(path, { maxFileBytes: NaN }))).toMatchObject({ _tag: 'OptionsError', field: 'maxFileBytes' })
    expect(left(readCsv(path, { maxInflatedBytes: 100 })).message).toMatch(new RegExp(`^${path}: decodeText: the data inflates to more than 100 bytes`))
    expect(left(readCsv(path, { classes: 'infer', maxClasses: 1 }))).toMatchObject({ _tag: 'ParseError', line: 2, column: 3 })
  })
})

/** `count` copies of one gzip member: a bomb of `count * member` bytes made from a small input. */
const repeatMember = (bytes: Uint8Array, count: number): Uint8Array => {
  const member = gzipSync(bytes, { level: 9 })
  const out = new Uint8Array(member.length * count)
  for (let i = 0; i < count; i++) out.set(member, i * member.length)
  return out
}

describe('parseCsv on hostile input (issue 9)', () => {
  it('200 MiB of newlines from 200 KB of gzip: no data rows, not a heap out-of-memory', () => {
    // was: text.split(/\r?\n/) built 200 million strings and the heap ran out
    const bomb = repeatMember(new Uint8Array(8 * 2 ** 20).fill(10), 25)
    expect(bomb.length).toBeLessThan(300_000)
    expect(left(parseCsv(bomb))).toEqual({ _tag: 'FormatError', message: 'no data rows' })
  })

  it('blank lines cost nothing but still count: errors name the right line', () => {
    const text = `${'\n'.repeat(100_000)}1,2,0\n${' \r\n'.repeat(50_000)}3,x,1\n`
    expect(left(parseCsv(text))).toMatchObject({ _tag: 'ParseError', line: 150_002, column: 2 })
    expect(left(parseCsv(`\n\n1,2\n\n3\n`)).message).toBe('line 5: expected 2 columns (as on line 3), found 1')
  })

  it('bounds the cells before decoding a line: one line of three million fields, and many rows', () => {
    const line = `${'1,'.repeat(3_000_000)}0\n`
    const e = left(parseCsv(line, { maxCells: 1_000_000 }))
    expect(e).toEqual({ _tag: 'ParseError', line: 1, message: 'line 1: the data holds more than maxCells = 1000000 values; raise the limit only for data you trust' })
    expect(right(parseCsv(`${'1,'.repeat(300_000)}0\n`)).x.length).toBe(300_000)
    const rows = '1,2,3\n'.repeat(10)
    expect(left(parseCsv(rows, { maxCells: 29 }))).toMatchObject({ _tag: 'ParseError', line: 10 })
    expect(right(parseCsv(rows, { maxCells: 30 })).n).toBe(10)
  })

  it('bounds the distinct labels of classes: infer (maxClasses)', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i},label${i}`).join('\n')
    const e = left(parseCsv(rows, { classes: 'infer', maxClasses: 16 }))
    expect(e).toMatchObject({ _tag: 'ParseError', line: 17, column: 2 })
    expect(e.message).toBe('line 17, column 2: label "label16" would be distinct label number 17, more than maxClasses = 16; is this column a class label?')
    expect(right(parseCsv(rows, { classes: 'infer', maxClasses: 20 })).classes).toHaveLength(20)
  })

  it('a long run of digits is decoded in linear time (the number pattern no longer backtracks)', () => {
    // was: /\d+\.?\d*/ tried every split of the digits, 7 s for 40,000 of them
    const field = `${'1'.repeat(1_000_000)}x`
    const e = left(parseCsv(`${field},0\n`))
    expect(e.message).toBe(`line 1, column 1: expected a finite number, got "${'1'.repeat(40)}..."`)
    expect(E.isLeft(NumericField.decode(`${'9'.repeat(400)}`))).toBe(true) // Infinity
  })

  it('gzip inside gzip is refused, not decoded as text', () => {
    const inner = gzipSync('1,2,0\n')
    expect(left(parseCsv(gzipSync(inner))).message).toBe(
      'decodeText: gzip inside gzip: the data inflates to more gzip data; Kiln inflates once, decompress the outer layer first if you trust the file')
  })

  it('maxInflatedBytes lowers the bound on gzipped text; the limits are checked options', () => {
    const packed = gzipSync('1,2,0\n'.repeat(1000))
    expect(left(parseCsv(packed, { maxInflatedBytes: 100 })).message).toMatch(/^decodeText: the data inflates to more than 100 bytes \(maxInflatedBytes\)/)
    expect(right(parseCsv(packed, { maxInflatedBytes: 6000 })).n).toBe(1000)
    expect(left(decodeCsvOptions({ maxCells: 0 }))).toMatchObject({ _tag: 'OptionsError', field: 'maxCells' })
    expect(left(decodeCsvOptions({ maxClasses: 1.5 }))).toMatchObject({ _tag: 'OptionsError', field: 'maxClasses' })
    expect(left(decodeCsvOptions({ maxInflatedBytes: -1 }))).toMatchObject({ _tag: 'OptionsError', field: 'maxInflatedBytes' })
    expect(left(decodeCsvOptions({ maxCell: 3 })).message).toMatch(/^options.maxCell: unknown option; did you mean 'maxCells'\?/)
  })
})
