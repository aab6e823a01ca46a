/**
 * Hostile data files (issue 9): random, truncated and mutated CSV bytes, IDX headers and payloads
 * (wrong magic, huge dims, dims whose product overflows, truncated, gzip, gzip of gzip, huge
 * labels). Every property asserts a `Left` whose `DataError` names the problem, or a correct parse;
 * none may throw, and none may spend more memory than the input justifies (a header declaring
 * gigabytes costs nothing until the bytes are there).
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { gzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { NumericField, parseCsv, type CsvOptions } from '../../src/data/csv.js'
import { makeDataset, type Dataset } from '../../src/data/dataset.js'
import { dataError, type DataError } from '../../src/data/error.js'
import { encodeIdx, idxDataset, parseIdx, type IdxArray, type IdxType } from '../../src/data/idx.js'

const TAGS = ['FileError', 'ParseError', 'FormatError', 'OptionsError', 'LabelError', 'SplitError']
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A `Left` is a well-formed DataError with a message; a `Right` dataset keeps its invariants. */
const sound = (r: E.Either<DataError, Dataset>): boolean => {
  if (E.isLeft(r)) return TAGS.includes(r.left._tag) && r.left.message.length > 0 && r.left.message.length < 1000
  const ds = r.right
  // makeDataset throws when sizes or class labels are inconsistent
  makeDataset(ds.x, ds.y, ds.featureShape, ds.classes)
  return ds.n === ds.y.length
}

// ---------------------------------------------------------------------------------------------
// CSV: a reference parser (the straightforward split-based one the streaming parser replaced),
// for inputs small enough that splitting is harmless.

const reference = (text: string, o: CsvOptions): E.Either<DataError, Dataset> => {
  const delim = o.delimiter ?? ','
  const lines = text.split(/\r?\n/)
  let skip = o.header === true
  let ncol = -1
  let first = 0
  let labelCol = -1
  const xs: number[] = []
  const raw: string[] = []
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!
    const ln = li + 1
    if (line.trim() === '') continue
    if (skip) {
      skip = false
      continue
    }
    const fields = line.split(delim)
    if (ncol < 0) {
      ;[ncol, first] = [fields.length, ln]
      if (ncol < 2) return E.left(dataError.parse(ln, undefined, `line ${ln}: expected at least 2 columns (features and a label), found ${ncol}`))
      labelCol = typeof o.labelColumn === 'number' ? o.labelColumn : ncol - 1
      if (labelCol >= ncol) return E.left(dataError.options('labelColumn', 'labelColumn'))
    } else if (fields.length !== ncol)
      return E.left(dataError.parse(ln, undefined, `line ${ln}: expected ${ncol} columns (as on line ${first}), found ${fields.length}`))
    for (let c = 0; c < ncol; c++) {
      const field = fields[c]!
      if (c === labelCol) {
        const v = o.classes === undefined ? field : field.trim()
        const bad = o.classes === undefined ? E.isLeft(NumericField.decode(v)) : v === ''
        if (bad) return E.left(dataError.parse(ln, c + 1, 'label'))
        raw.push(v)
        continue
      }
      const r = NumericField.decode(field)
      if (E.isLeft(r)) return E.left(dataError.parse(ln, c + 1, 'field'))
      xs.push(r.right)
    }
  }
  if (ncol < 0) return E.left(dataError.format('no data rows'))
  const y = o.classes === undefined ? Float64Array.from(raw, (s) => Number(s.trim())) : new Float64Array(raw.length)
  if (o.classes === 'infer') {
    const distinct = [...new Set(raw)]
    const nums = distinct.map((s) => NumericField.decode(s))
    // Numeric labels that are not all integers are refused (regression data), not turned into classes.
    if (nums.every(E.isRight) && nums.some((r) => !Number.isInteger(r.right))) return E.left(dataError.parse(0, undefined, 'non-integer class'))
    const classes = nums.every(E.isRight)
      ? [...new Set(nums.map((r) => r.right))].sort((a, b) => a - b).map(String)
      : [...distinct].sort()
    raw.forEach((s, i) => (y[i] = classes.indexOf(nums.every(E.isRight) ? String(Number(s)) : s)))
    return E.right({ x: Float64Array.from(xs), y, n: raw.length, featureShape: [ncol - 1], classes })
  }
  return E.right({ x: Float64Array.from(xs), y, n: raw.length, featureShape: [ncol - 1], classes: [] })
}

const csvChar = fc.constantFrom('0', '1', '7', '-', '.', 'e', ',', ';', ' ', '\t', '\n', '\r', 'a', 'b', 'x', 'Inf', 'NaN', '\u00a0', '\u2028')
const csvText = fc.array(csvChar, { maxLength: 80 }).map((cs) => cs.join(''))
const csvOptions: fc.Arbitrary<CsvOptions> = fc.record(
  { header: fc.boolean(), delimiter: fc.constantFrom(',', ';'), classes: fc.constantFrom(undefined, 'infer' as const), labelColumn: fc.constantFrom(undefined, 0, 'last' as const) },
  { requiredKeys: [] },
).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as CsvOptions)

/** A valid numeric CSV, then damaged: characters replaced, inserted, removed, or the text cut. */
const damagedCsv = fc
  .tuple(
    fc.array(fc.array(fc.integer({ min: -999, max: 999 }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
    fc.array(fc.tuple(fc.nat(), fc.nat(3), csvChar), { maxLength: 4 }),
    fc.option(fc.nat()),
  )
  .map(([rows, edits, cut]) => {
    let s = rows.map((r) => r.join(',')).join('\n')
    for (const [at, kind, ch] of edits) {
      const i = at % (s.length + 1)
      s = kind === 0 ? s.slice(0, i) + ch + s.slice(i + 1) : kind === 1 ? s.slice(0, i) + ch + s.slice(i) : s.slice(0, i) + s.slice(i + 1)
    }
    return cut === null ? s : s.slice(0, cut % (s.length + 1))
  })

const sameParse = (text: string, o: CsvOptions): boolean => {
  const got = parseCsv(text, o)
  const want = reference(text, o)
  if (!sound(got)) return false
  if (E.isLeft(want) || E.isLeft(got)) {
    if (!(E.isLeft(want) && E.isLeft(got))) return false
    const [a, b] = [got.left, want.left]
    // the same problem at the same place (the reference's messages are abbreviated)
    return a._tag === b._tag && (a._tag !== 'ParseError' || b._tag !== 'ParseError' || (a.line === b.line && a.column === b.column))
  }
  expect(got.right).toEqual(want.right)
  return true
}

describe('fuzz: CSV bytes', () => {
  it('random text parses exactly as the reference parser, or fails at the same line and column', () => {
    fc.assert(fc.property(csvText, csvOptions, sameParse), { seed: 901, numRuns: 400 })
  })

  it('a damaged valid file parses as the reference does, plain and gzipped', () => {
    fc.assert(
      fc.property(damagedCsv, csvOptions, (text, o) => sameParse(text, o) && sameParse(`${text}\n\n`, o) &&
        JSON.stringify(parseCsv(gzipSync(enc(text)), o)) === JSON.stringify(parseCsv(text, o))),
      { seed: 902, numRuns: 300 },
    )
  })

  it('random bytes, raw, gzipped, gzipped twice or with the gzip cut short: a sound Left or Right, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('raw', 'gzip', 'gzip2', 'cut'), fc.nat(), (bytes, how, at) => {
        const gz = gzipSync(bytes)
        const input = how === 'raw' ? bytes : how === 'gzip' ? gz : how === 'gzip2' ? gzipSync(gz) : gz.subarray(0, at % gz.length)
        const r = parseCsv(input, { classes: 'infer' })
        if (how === 'gzip2') return E.isLeft(r) && r.left.message.startsWith('decodeText: gzip inside gzip')
        // cut inside the 8-byte trailer, the data is whole (fflate does not check the trailer)
        const cut = at % gz.length
        if (how === 'cut' && cut >= 2 && cut < gz.length - 8) return E.isLeft(r) && /^decodeText: starts like gzip/.test(r.left.message)
        return sound(r)
      }),
      { seed: 903, numRuns: 300 },
    )
  })

  it('many blank lines, long fields and many columns stay within the limits and name them', () => {
    fc.assert(
      fc.property(fc.nat(200_000), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 2, max: 50 }), (blank, cols, limit) => {
        const text = `${'\n'.repeat(blank)}${Array.from({ length: cols + 1 }, (_, i) => i % 10).join(',')}\n`
        const r = parseCsv(text, { maxCells: limit * 10 })
        return cols + 1 > limit * 10
          ? E.isLeft(r) && r.left._tag === 'ParseError' && r.left.line === blank + 1 && r.left.message.includes(`maxCells = ${limit * 10}`)
          : E.isRight(r) && r.right.n === 1 && r.right.x.length === cols
      }),
      { seed: 904, numRuns: 60 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// IDX

const TYPES: readonly (readonly [IdxType, number, number])[] = [['ubyte', 8, 1], ['byte', 9, 1], ['short', 0xb, 2], ['int', 0xc, 4], ['float', 0xd, 4], ['double', 0xe, 8]]

/** A header from parts that may be wrong: magic, type code, dims (zero, huge, overflowing products). */
const header = fc.record({
  magic: fc.constantFrom([0, 0], [0, 0], [0, 0], [0, 1], [0x1f, 0x8b]),
  code: fc.constantFrom(8, 9, 0xb, 0xc, 0xd, 0xe, 0x0a, 0),
  dims: fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(2 ** 16, 2 ** 31 - 1, 2 ** 32 - 1)), { maxLength: 5 }),
  ndims: fc.option(fc.nat(255)),
})
type Header = { readonly magic: readonly number[]; readonly code: number; readonly dims: readonly number[]; readonly ndims: number | null }
const headerBytes = (h: Header): Uint8Array => {
  const out = new Uint8Array(4 + 4 * h.dims.length)
  const view = new DataView(out.buffer)
  out.set([...h.magic, h.code, h.ndims ?? h.dims.length])
  h.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  return out
}

/** What a header promises: the payload size in bytes, or undefined when the header itself is bad. */
const promised = (h: Header): number | undefined => {
  const t = TYPES.find(([, code]) => code === h.code)
  const nd = h.ndims ?? h.dims.length
  if (h.magic[0] !== 0 || h.magic[1] !== 0 || t === undefined || nd === 0 || nd !== h.dims.length) return undefined
  const count = h.dims.reduce((a, b) => a * b, 1)
  return count > 2 ** 31 - 1 ? undefined : count * t[2]
}

const IDX_ERROR = /^(bad magic|bad dims|truncated|expected \d+ bytes|the header declares|the gzip data inflates|parseIdx: )/

const soundIdx = (r: E.Either<DataError, IdxArray>): boolean =>
  E.isLeft(r)
    ? r.left._tag === 'FormatError' && IDX_ERROR.test(r.left.message)
    : r.right.data.length === r.right.dims.reduce((a, b) => a * b, 1)

describe('fuzz: IDX headers and payloads', () => {
  it('any header with any payload, plain or gzipped: a correct parse exactly when the sizes agree, else a named error', () => {
    fc.assert(
      fc.property(header, fc.nat(64), fc.boolean(), (h, extra, gz) => {
        const size = promised(h)
        const payload = new Uint8Array(size !== undefined && size <= 64 ? (extra % 3 === 0 ? size : extra) : extra)
        const head = headerBytes(h)
        const file = new Uint8Array(head.length + payload.length)
        file.set(head)
        file.set(payload, head.length)
        const r = parseIdx(gz ? gzipSync(file) : file)
        if (!soundIdx(r)) return false
        const ok = size !== undefined && payload.length === size && !(h.magic[0] === 0x1f)
        return ok === E.isRight(r)
      }),
      { seed: 911, numRuns: 500 },
    )
  })

  it('a valid file damaged (bytes changed, cut, extended), plain, gzipped or gzipped twice', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...TYPES.map(([t]) => t)),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
        fc.integer({ min: -8, max: 8 }),
        fc.constantFrom('raw', 'gzip', 'gzip2'),
        (dims, type, flips, resize, how) => {
          const count = dims.reduce((a, b) => a * b, 1)
          const good = encodeIdx(dims, Array.from({ length: count }, (_, i) => (i * 7) % 100), type)
          const bytes = new Uint8Array(Math.max(0, good.length + resize))
          bytes.set(good.subarray(0, bytes.length))
          for (const [at, v] of flips) bytes[at % Math.max(1, bytes.length)] = v
          const input = how === 'raw' ? bytes : how === 'gzip' ? gzipSync(bytes) : gzipSync(gzipSync(bytes))
          const r = parseIdx(input)
          if (how === 'gzip2') return E.isLeft(r) && r.left.message.startsWith('parseIdx: gzip inside gzip')
          // the same parse; a gzipped file too long stops early, with its own message
          const plain = parseIdx(bytes)
          if (how === 'gzip' && (E.isRight(plain) || E.isRight(r))) expect(r).toEqual(plain)
          if (how === 'gzip' && E.isLeft(plain) !== E.isLeft(r)) return false
          return soundIdx(r)
        },
      ),
      { seed: 912, numRuns: 400 },
    )
  })

  it('a gzipped payload longer than its header declares stops early with both sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 2 ** 20 }), (n, over) => {
        const good = encodeIdx([n], new Array(n).fill(1))
        const file = new Uint8Array(good.length + over)
        file.set(good)
        const r = parseIdx(gzipSync(file))
        return E.isLeft(r) && r.left.message.startsWith(`the gzip data inflates to more than the ${n + 8} bytes its header declares (dims [${n}] of ubyte): at least `)
      }),
      { seed: 913, numRuns: 40 },
    )
  })

  it('labels: any integers, huge ones included: a Left naming the row, or classes 0..max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { minLength: 1, maxLength: 20 }),
        fc.option(fc.integer({ min: 1, max: 100_000 })),
        (values, maxClasses) => {
          const labels = parseIdx(encodeIdx([values.length], values, 'int'))
          if (E.isLeft(labels)) return false
          const images: IdxArray = { type: 'ubyte', dims: [values.length, 1], data: new Float64Array(values.length) }
          const r = idxDataset(images, labels.right, maxClasses === null ? {} : { maxClasses })
          const limit = maxClasses ?? 65_536
          const bad = values.findIndex((v) => v < 0 || v >= limit)
          if (bad >= 0) return E.isLeft(r) && r.left._tag === 'LabelError' && r.left.index === bad && r.left.message.startsWith(`labels: row ${bad} has label ${values[bad]}`)
          return E.isRight(r) && r.right.classes.length === Math.max(...values) + 1
        },
      ),
      { seed: 914, numRuns: 300 },
    )
  })
})
