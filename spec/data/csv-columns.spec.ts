import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { decodeCsvOptions, parseCsv } from '../../src/data/csv.js'
import { loadBreastCancer, readCsv } from '../../src/node/index.js'

import { left, right } from './either.js'

const IRIS = 'id,sepal_length,sepal_width,species\nr1,5.1,3.5,setosa\nr2,7,3.2,versicolor\n'

describe('parseCsv column selection', () => {
  it('columns by name, in the order given; the other columns are not decoded', () => {
    const ds = right(parseCsv(IRIS, { header: true, columns: ['sepal_width', 'sepal_length'], labelColumn: 'species', classes: 'infer' }))
    expect([...ds.x]).toEqual([3.5, 5.1, 3.2, 7])
    expect(ds.featureShape).toEqual([2])
    expect(ds.classes).toEqual(['setosa', 'versicolor'])
    expect([...ds.y]).toEqual([0, 1])
  })

  it('columns by 0-based index, and names and indices mixed', () => {
    const byIndex = right(parseCsv(IRIS, { header: true, columns: [2, 1], classes: 'infer' }))
    const mixed = right(parseCsv(IRIS, { header: true, columns: ['sepal_width', 1], classes: 'infer' }))
    expect([...byIndex.x]).toEqual([3.5, 5.1, 3.2, 7])
    expect(mixed).toEqual(byIndex)
    expect([...right(parseCsv('9,1,2,0\n9,3,4,1\n', { columns: [2] })).x]).toEqual([2, 4]) // no header: indices only
  })

  it('ignore drops columns by name or index; the features keep file order', () => {
    const byName = right(parseCsv(IRIS, { header: true, ignore: ['id'], classes: 'infer' }))
    expect([...byName.x]).toEqual([5.1, 3.5, 7, 3.2])
    expect(right(parseCsv(IRIS, { header: true, ignore: [0], classes: 'infer' }))).toEqual(byName)
    expect([...right(parseCsv('1,x,2,3\n4,y,5,6\n', { ignore: [1], labelColumn: 0 })).x]).toEqual([2, 3, 5, 6])
  })

  it('labelColumn by header name, quoted names included', () => {
    const ds = right(parseCsv('"kind, as text",size\ncat,1.5\ndog,2\n', { header: true, labelColumn: 'kind, as text', classes: 'infer' }))
    expect([...ds.x]).toEqual([1.5, 2])
    expect(ds.classes).toEqual(['cat', 'dog'])
    expect(right(parseCsv(' a , b \n1,2\n', { header: true, labelColumn: 'a' })).y[0]).toBe(1) // unquoted names are trimmed
  })

  it('a misspelled column name: an OptionsError with the closest name', () => {
    const e = left(parseCsv(IRIS, { header: true, columns: ['sepal_lenght'], labelColumn: 'species' }))
    expect(e).toEqual({
      _tag: 'OptionsError', field: 'columns',
      message: 'options.columns: no column named "sepal_lenght" in the header (line 1); did you mean "sepal_length"? (columns: id, sepal_length, sepal_width, species)',
    })
    expect(left(parseCsv(IRIS, { header: true, labelColumn: 'Specis' })).message).toMatch(/^options.labelColumn: no column named "Specis" .*did you mean "species"\?/)
    expect(left(parseCsv(IRIS, { header: true, ignore: ['zzzzzz'] })).message).toBe(
      'options.ignore: no column named "zzzzzz" in the header (line 1) (columns: id, sepal_length, sepal_width, species)')
  })

  it('names need a header: refused before reading, naming the option', () => {
    expect(left(decodeCsvOptions({ columns: [0, 'a'] }))).toEqual({
      _tag: 'OptionsError', field: 'columns',
      message: 'options.columns: the column name "a" needs header: true (a first row naming the columns); without a header choose columns by 0-based index',
    })
    expect(left(parseCsv('1,2\n', { labelColumn: 'y' }))).toMatchObject({ _tag: 'OptionsError', field: 'labelColumn' })
    expect(left(parseCsv('1,2\n', { header: false, ignore: ['id'] }))).toMatchObject({ _tag: 'OptionsError', field: 'ignore' })
    // 'last' and 'none' are keywords, not names
    expect(E.isRight(decodeCsvOptions({ labelColumn: 'last' }))).toBe(true)
  })

  it('the new options are checked like the others: misspelled keys, wrong kinds', () => {
    expect(left(decodeCsvOptions({ colums: [0] })).message).toMatch(/^options.colums: unknown option; did you mean 'columns'\?/)
    expect(left(decodeCsvOptions({ ignored: ['id'] })).message).toMatch(/^options.ignored: unknown option; did you mean 'ignore'\?/)
    expect(left(decodeCsvOptions({ columns: [-1] })).message).toBe('options.columns: expected an array of column names or 0-based column indices, got [-1]')
    expect(left(decodeCsvOptions({ ignore: 'id' })).message).toBe('options.ignore: expected an array of column names or 0-based column indices, got "id"')
    expect(left(decodeCsvOptions({ header: true, columns: [''] }))).toMatchObject({ field: 'columns' })
    expect(left(decodeCsvOptions({ labelColumn: 1.5 }))).toMatchObject({ field: 'labelColumn' })
    expect(decodeCsvOptions({ header: true, columns: ['a', 2], labelColumn: 'y' })).toEqual(E.right({ header: true, columns: ['a', 2], labelColumn: 'y' }))
  })

  it('conflicts are clear errors', () => {
    const o = { header: true, classes: 'infer' } as const
    expect(left(parseCsv(IRIS, { ...o, columns: ['species'] }))).toEqual({
      _tag: 'OptionsError', field: 'columns', message: 'options.columns: column 3 ("species") is the label column (labelColumn), it cannot be a feature too',
    })
    expect(left(parseCsv(IRIS, { ...o, ignore: ['species'] })).message).toBe(
      "options.ignore: column 3 (\"species\") is the label column (labelColumn); for a file without labels use labelColumn: 'none'")
    expect(left(parseCsv('1,2,3\n', { labelColumn: 1, ignore: [1] })).message).toBe( // chosen by index: named by index
      "options.ignore: column 1 is the label column (labelColumn); for a file without labels use labelColumn: 'none'")
    expect(left(parseCsv(IRIS, { ...o, columns: ['id', 0] })).message).toBe('options.columns: column 0 ("id") is listed twice')
    expect(left(parseCsv(IRIS, { ...o, ignore: ['id', 'id'] })).message).toBe('options.ignore: column 0 ("id") is listed twice')
    expect(left(parseCsv(IRIS, { ...o, columns: [1], ignore: [0] }))).toMatchObject({ _tag: 'OptionsError', field: 'ignore' })
    expect(left(parseCsv(IRIS, { ...o, columns: [] }))).toMatchObject({ _tag: 'OptionsError', field: 'columns' })
    expect(left(parseCsv(IRIS, { ...o, columns: [9] })).message).toBe('options.columns: column 9 (0-based) does not exist, line 2 has 4 columns')
    expect(left(parseCsv('1,2,3\n', { ignore: [0, 1] })).message).toBe('options.ignore: no feature column is left: line 1 has 3 columns, 2 ignored and a label')
    expect(left(parseCsv('a,b,a\n1,2,3\n', { header: true, columns: ['a'] })).message).toBe(
      'options.columns: the header (line 1) names both column 0 and column 2 (0-based) "a"; choose one by index')
  })

  it('with names, the header fixes the column count', () => {
    expect(left(parseCsv('a,b,c\n1,2\n', { header: true, labelColumn: 'c' })).message).toBe('line 2: expected 3 columns (as on line 1), found 2')
  })

  it('featureShape and maxCells count the columns read, not the columns skipped', () => {
    const rows = '1,2,3,4,5\n'.repeat(10)
    expect(right(parseCsv(rows, { columns: [0, 1, 2, 3], featureShape: [2, 2] })).featureShape).toEqual([2, 2])
    expect(left(parseCsv(rows, { columns: [0, 1], featureShape: [3] })).message).toBe(
      'options.featureShape: [3] holds 3 features, but 2 feature columns are read (line 1 has 5 columns)')
    // two features and a label per row: 30 values for 10 rows
    expect(right(parseCsv(rows, { columns: [0, 1], maxCells: 30 })).n).toBe(10)
    expect(left(parseCsv(rows, { columns: [0, 1], maxCells: 29 }))).toMatchObject({ _tag: 'ParseError', line: 10 })
    expect(left(parseCsv(rows, { ignore: [0, 1], maxCells: 29 }))).toMatchObject({ _tag: 'ParseError', line: 10 })
  })
})

describe("labelColumn: 'none' (files without labels)", () => {
  it('every column is a feature, y is all 0 and classes is []', () => {
    const ds = right(parseCsv('1,2,3\n4,5,6\n', { labelColumn: 'none' }))
    expect(ds).toEqual({ x: Float64Array.of(1, 2, 3, 4, 5, 6), y: Float64Array.of(0, 0), n: 2, featureShape: [3], classes: [] })
    expect(right(parseCsv('7\n8\n', { labelColumn: 'none' })).featureShape).toEqual([1])
    expect([...right(parseCsv(IRIS, { header: true, labelColumn: 'none', ignore: ['id', 'species'] })).x]).toEqual([5.1, 3.5, 7, 3.2])
  })

  it('refuses classes: there are no labels to classify', () => {
    expect(left(parseCsv('1,2\n', { labelColumn: 'none', classes: 'infer' }))).toEqual({
      _tag: 'OptionsError', field: 'classes',
      message: "options.classes: labelColumn is 'none' (the file has no label column), so there are no labels to classify; drop classes or choose the label column",
    })
    expect(left(decodeCsvOptions({ labelColumn: 'none', classes: ['a'] }))).toMatchObject({ field: 'classes' })
  })
})

describe("classes: 'infer' refuses real-valued labels", () => {
  it('names the first non-integer label, its line and column, and the ways out', () => {
    const e = left(parseCsv('1,0\n2,1\n3,0.37\n4,0.5\n', { classes: 'infer' }))
    expect(e).toEqual({
      _tag: 'ParseError', line: 3, column: 2,
      message: 'line 3, column 2: classes: \'infer\' refuses the label "0.37": every label is a number and this one is not an integer, ' +
        "so the column holds real values (a regression target or a feature), not classes; omit classes for regression, or use labelColumn: 'none' if the file has no label column",
    })
    expect([...right(parseCsv('1,0\n2,1\n3,0.37\n')).y]).toEqual([0, 1, 0.37]) // the same column as a regression target
  })

  it('integers however written still infer; string class names still infer', () => {
    expect(right(parseCsv('1,2.0\n2,1e1\n3,"-1"\n', { classes: 'infer' })).classes).toEqual(['-1', '2', '10'])
    expect(right(parseCsv('1,0.5\n2,cat\n', { classes: 'infer' })).classes).toEqual(['0.5', 'cat'])
  })

  it('real values that pass maxClasses report the real value, not the class count', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i / 8}`).join('\n')
    expect(left(parseCsv(rows, { classes: 'infer', maxClasses: 10 }))).toMatchObject({ _tag: 'ParseError', line: 2, column: 2 })
  })
})

describe('the issue: a 30-feature file without a label column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-csv-columns-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  // the bundled breast cancer rows without their label: 30 real-valued features, nothing to classify
  const lines = readFileSync(new URL('../../data/breast_cancer.csv', import.meta.url), 'utf8').trim().split('\n').slice(1)
  const features = `${lines.map((l) => l.slice(0, l.lastIndexOf(','))).join('\n')}\n`

  it("labelColumn: 'none' gives 30 features, the bundled set's", () => {
    const path = join(dir, 'inputs.csv')
    writeFileSync(path, features)
    const ds = right(readCsv(path, { labelColumn: 'none' }))
    const bundled = right(loadBreastCancer())
    expect(ds.featureShape).toEqual([30])
    expect(ds.n).toBe(569)
    expect(ds.x).toEqual(bundled.x)
    expect(ds.classes).toEqual([])
  })

  it("classes: 'infer' with the default last label column is refused, not 'solved' with invented classes", () => {
    // the first row's 30th value is 0.1189 (data/breast_cancer.csv, line 2)
    const e = left(parseCsv(features, { classes: 'infer' }))
    expect(e).toMatchObject({ _tag: 'ParseError', line: 1, column: 30 })
    expect(e.message).toMatch(/^line 1, column 30: classes: 'infer' refuses the label "0.1189"/)
    expect(e.message).toContain("labelColumn: 'none'")
  })
})
