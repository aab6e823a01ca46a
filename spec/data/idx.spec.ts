import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import type { DataError } from '../../src/data/error.js'
import { encodeIdx, FASHION_MNIST_CLASSES, idxDataset, parseIdx, type IdxArray, type IdxType } from '../../src/data/idx.js'
import { loadFashionMnist, loadIdxDataset } from '../../src/node/index.js'

const right = <A>(r: E.Either<DataError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.message}`)
  return r.right
}
const left = <A>(r: E.Either<DataError, A>): DataError => {
  if (E.isRight(r)) throw new Error('expected Left')
  return r.left
}

describe('parseIdx / encodeIdx', () => {
  it('round-trips a small ubyte image file, plain and gzipped', () => {
    const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256)
    const bytes = encodeIdx([2, 3, 4], values)
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 0x08, 3])
    expect(bytes.length).toBe(16 + 24)
    for (const b of [bytes, new Uint8Array(gzipSync(bytes))]) {
      const a = right(parseIdx(b))
      expect(a.type).toBe('ubyte')
      expect(a.dims).toEqual([2, 3, 4])
      expect([...a.data]).toEqual(values)
    }
  })

  it.each<[IdxType, number[]]>([
    ['byte', [-128, -1, 0, 127]],
    ['short', [-32768, -2, 3, 32767]],
    ['int', [-2147483648, -5, 6, 2147483647]],
    ['float', [-1.5, 0, 0.25, 1e10]],
    ['double', [-Math.PI, 0, Number.MIN_VALUE, 1e300]],
  ])('round-trips type %s', (type, values) => {
    const a = right(parseIdx(encodeIdx([values.length], values, type)))
    expect(a.type).toBe(type)
    expect([...a.data]).toEqual(values)
  })

  it('round-trips arbitrary ubyte arrays (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.nat(), (dims, seed) => {
        const count = dims.reduce((a, b) => a * b, 1)
        const values = Array.from({ length: count }, (_, i) => (seed + 31 * i) % 256)
        const a = right(parseIdx(new Uint8Array(gzipSync(encodeIdx(dims, values)))))
        return a.dims.join() === dims.join() && a.data.every((v, i) => v === values[i])
      }),
    )
  })

  it('reports truncation with expected vs actual byte counts, also when gzipped', () => {
    const bytes = encodeIdx([2, 3, 4], new Array(24).fill(7))
    const cut = bytes.subarray(0, bytes.length - 5)
    for (const b of [cut, new Uint8Array(gzipSync(cut))])
      expect(left(parseIdx(b)).message).toBe('truncated: dims [2,3,4] of ubyte need 24 data bytes (40 bytes in all), got 19 (35 bytes in all)')
    expect(left(parseIdx(bytes.subarray(0, 10))).message).toBe('truncated: a header with 3 dimensions needs 16 bytes, got 10')
    expect(left(parseIdx(bytes.subarray(0, 3))).message).toMatch(/truncated: the IDX magic number needs 4 bytes, got 3/)
  })

  it('reports bad magic, unknown types, no dims, trailing bytes and broken gzip', () => {
    expect(left(parseIdx(Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0)))).toMatchObject({ _tag: 'FormatError' })
    expect(left(parseIdx(Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0))).message).toMatch(/^bad magic: .*got 0x01 0x02 0x08 0x01/)
    expect(left(parseIdx(Uint8Array.of(0, 0, 0x07, 1, 0, 0, 0, 0))).message).toMatch(/unknown type code 0x07/)
    expect(left(parseIdx(Uint8Array.of(0, 0, 8, 0))).message).toBe('bad dims: expected at least 1 dimension, got 0')
    expect(left(parseIdx(Uint8Array.of(0, 0, 8, 2, 0x10, 0, 0, 0, 0x10, 0, 0, 0))).message).toMatch(/^bad dims: \[268435456,268435456\]/)
    expect(left(parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 1, 5, 6))).message).toMatch(/1 trailing bytes/)
    expect(left(parseIdx(Uint8Array.of(0x1f, 0x8b, 1, 2, 3))).message).toMatch(/does not decompress/)
  })

  it('encodeIdx rejects values that do not fit and mismatched dims', () => {
    expect(() => encodeIdx([2], [1, 256])).toThrow(/value 256 at 1 does not fit ubyte/)
    expect(() => encodeIdx([3], [1, 2])).toThrow(/hold 3 values, got 2/)
  })
})

const images: IdxArray = { type: 'ubyte', dims: [3, 2, 2], data: Float64Array.of(0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8) }
const labels: IdxArray = { type: 'ubyte', dims: [3], data: Float64Array.of(2, 0, 1) }

describe('idxDataset', () => {
  it('pairs images and labels, scaling on request', () => {
    const ds = right(idxDataset(images, labels, { scale: true }))
    expect(ds.n).toBe(3)
    expect(ds.featureShape).toEqual([2, 2])
    expect([...ds.x.subarray(0, 4)]).toEqual([0, 1, 0.2, 0.4])
    expect(ds.classes).toEqual(['0', '1', '2'])
    expect(right(idxDataset(images, labels)).x[1]).toBe(255)
  })

  it('rejects mismatched rows, bad label arrays and labels beyond the classes', () => {
    expect(left(idxDataset(images, { ...labels, dims: [2], data: labels.data.subarray(0, 2) })).message).toBe('images have 3 rows but labels have 2')
    expect(left(idxDataset(images, { ...labels, dims: [3, 1] })).message).toMatch(/labels: expected 1 dimension/)
    expect(left(idxDataset(images, labels, { classes: ['a', 'b'] }))).toMatchObject({ _tag: 'LabelError', index: 0, label: 2 })
    expect(left(idxDataset({ ...images, type: 'float' }, labels, { scale: true }))).toMatchObject({ _tag: 'OptionsError', field: 'scale' })
  })
})

describe('loadIdxDataset and loadFashionMnist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-idx-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, bytes: Uint8Array, gz: boolean): string => {
    const p = join(dir, name)
    writeFileSync(p, gz ? gzipSync(bytes) : bytes)
    return p
  }

  it('reads images and labels from files (gzipped or not)', () => {
    const img = write('img.idx.gz', encodeIdx(images.dims, images.data), true)
    const lab = write('lab.idx', encodeIdx(labels.dims, labels.data), false)
    const ds = right(loadIdxDataset(img, lab))
    expect([...ds.y]).toEqual([2, 0, 1])
    expect(ds.x).toEqual(images.data)
  })

  it('prefixes errors with the file name', () => {
    const bad = write('bad.idx', encodeIdx([4], [1, 2, 3, 4]).subarray(0, 9), false)
    const lab = write('lab2.idx', encodeIdx(labels.dims, labels.data), false)
    expect(left(loadIdxDataset(bad, lab)).message).toMatch(new RegExp(`^${bad}: truncated: dims \\[4\\] of ubyte need 4 data bytes`))
    expect(left(loadIdxDataset(join(dir, 'nope'), lab))).toMatchObject({ _tag: 'FileError', path: join(dir, 'nope') })
  })

  it('loadFashionMnist names a missing file and the install command', () => {
    const e = left(loadFashionMnist(join(dir, 'absent')))
    expect(e).toMatchObject({ _tag: 'FileError', path: join(dir, 'absent', 'train-images-idx3-ubyte.gz') })
    expect(e.message).toMatch(/apt-get install dataset-fashion-mnist/)
  })

  it('loadFashionMnist reads the four files of a (tiny) Fashion-MNIST folder', () => {
    const fm = join(dir, 'fashion')
    mkdirSync(fm)
    const put = (name: string, bytes: Uint8Array): void => writeFileSync(join(fm, name), gzipSync(bytes))
    put('train-images-idx3-ubyte.gz', encodeIdx([2, 2, 2], [0, 255, 0, 255, 255, 255, 0, 0]))
    put('train-labels-idx1-ubyte.gz', encodeIdx([2], [9, 0]))
    put('t10k-images-idx3-ubyte.gz', encodeIdx([1, 2, 2], [255, 0, 0, 0]))
    expect(left(loadFashionMnist(fm)).message).toMatch(/t10k-labels-idx1-ubyte.gz: not found/)
    writeFileSync(join(fm, 't10k-labels-idx1-ubyte'), encodeIdx([1], [3]))
    const { train, test } = right(loadFashionMnist(fm))
    expect(train.n).toBe(2)
    expect(test.n).toBe(1)
    expect([...train.x.subarray(0, 4)]).toEqual([0, 1, 0, 1])
    expect(train.classes).toEqual(FASHION_MNIST_CLASSES)
    expect(right(loadFashionMnist(fm, { scale: false })).train.x[1]).toBe(255)
  })
})

/** Gzip members back to back: `head`, then `copies` members of 16 MiB of zeros (3.2 GB from 3 MB). */
const bomb = (head: Uint8Array, copies: number): Uint8Array => {
  const zeros = gzipSync(new Uint8Array(16 * 2 ** 20), { level: 9 })
  const first = gzipSync(head)
  const out = new Uint8Array(first.length + copies * zeros.length)
  out.set(first)
  for (let i = 0; i < copies; i++) out.set(zeros, first.length + i * zeros.length)
  return out
}

describe('parseIdx on hostile files (issue 9)', () => {
  it('a gzip bomb stops at the size its header declares, naming both sizes, before the memory is spent', () => {
    // was: inflated up to the 1 GiB default (3.2 GB before that bound existed) before any check
    const bytes = bomb(encodeIdx([10], new Array(10).fill(1)), 200)
    expect(bytes.length).toBeLessThan(4_000_000)
    const e = left(parseIdx(bytes))
    const m = /^the gzip data inflates to more than the 18 bytes its header declares \(dims \[10\] of ubyte\): at least (\d+) bytes; inflating stopped there$/.exec(e.message)
    expect(m, e.message).not.toBeNull()
    // stopped after one slice's output, far from 3.2 GB
    expect(Number(m![1])).toBeLessThan(64 * 2 ** 20)
  })

  it('a header declaring more than maxInflatedBytes is refused before the body is inflated', () => {
    const header = Uint8Array.of(0, 0, 8, 1, 0x40, 0, 0, 0) // [2^30] ubyte: 2^30 + 8 bytes
    expect(left(parseIdx(bomb(header, 1))).message).toBe(
      'the header declares dims [1073741824] of ubyte, 1073741832 bytes in all, more than maxInflatedBytes = 1073741824; raise the limit only for a file you trust')
    const small = gzipSync(encodeIdx([200], new Array(200).fill(0)))
    expect(left(parseIdx(small, { maxInflatedBytes: 100 })).message).toMatch(/^the header declares dims \[200\] of ubyte, 208 bytes in all, more than maxInflatedBytes = 100;/)
    expect(right(parseIdx(small, { maxInflatedBytes: 208 })).dims).toEqual([200])
  })

  it('a gzipped file shorter than its header declares is reported as truncated', () => {
    const cut = encodeIdx([4], [1, 2, 3, 4]).subarray(0, 10)
    expect(left(parseIdx(gzipSync(cut))).message).toBe('truncated: dims [4] of ubyte need 4 data bytes (12 bytes in all), got 2 (10 bytes in all)')
    expect(left(parseIdx(gzipSync(Uint8Array.of(0, 0, 8, 3, 0)))).message).toBe('truncated: a header with 3 dimensions needs 16 bytes, got 5')
  })

  it('checks its options', () => {
    expect(left(parseIdx(encodeIdx([1], [1]), { maxInflatedByte: 3 } as never))).toMatchObject({ _tag: 'OptionsError', field: 'maxInflatedByte' })
    expect(left(parseIdx(encodeIdx([1], [1]), { maxInflatedBytes: -1 }))).toMatchObject({ _tag: 'OptionsError', field: 'maxInflatedBytes' })
  })
})

describe('idxDataset class counts (issue 9)', () => {
  const img = (n: number): IdxArray => ({ type: 'ubyte', dims: [n, 1], data: new Float64Array(n) })
  const lab = (values: number[], type: IdxType = 'int'): IdxArray => right(parseIdx(encodeIdx([values.length], values, type)))

  it.each([2 ** 31 - 1, 2e8, 65_536])('label %d is refused before a class list is built', (label) => {
    // was: a class list up to the largest label (2^31 - 1: out of memory; 2e8: a RangeError after 14 s)
    const e = left(idxDataset(img(2), lab([0, label])))
    expect(e).toEqual({ _tag: 'LabelError', index: 1, label,
      message: `labels: row 1 has label ${label}, expected a class index below maxClasses = 65536; pass the class names as classes, or raise maxClasses for a file you trust` })
  })

  it('maxClasses raises or lowers the bound; class names bound the labels instead', () => {
    expect(right(idxDataset(img(2), lab([0, 65_536]), { maxClasses: 65_537 })).classes).toHaveLength(65_537)
    expect(left(idxDataset(img(2), lab([0, 3]), { maxClasses: 3 }))).toMatchObject({ _tag: 'LabelError', index: 1, label: 3 })
    expect(right(idxDataset(img(2), lab([0, 3]), { classes: ['a', 'b', 'c', 'd'], maxClasses: 1 })).classes).toHaveLength(4)
    expect(left(idxDataset(img(1), lab([0]), { maxClasses: 0 }))).toMatchObject({ _tag: 'OptionsError', field: 'maxClasses' })
    expect(left(idxDataset(img(1), lab([0]), { maxclasses: 3 } as never)).message).toMatch(/^idxDataset: maxclasses: unknown option; did you mean 'maxClasses'\?/)
  })

  it('labels must be integers >= 0', () => {
    expect(left(idxDataset(img(2), lab([0, -1], 'byte')))).toMatchObject({ _tag: 'LabelError', index: 1, label: -1 })
    expect(left(idxDataset(img(2), lab([0, 1.5], 'float')))).toMatchObject({ _tag: 'LabelError', index: 1, label: 1.5 })
  })

  it('an IdxArray whose data does not match its dims is refused', () => {
    expect(left(idxDataset({ ...img(2), data: new Float64Array(1) }, lab([0, 1]))).message).toMatch(/^images hold 1 values for dims \[2,1\]/)
  })

  it('loadIdxDataset: a 12-byte labels file holding 2^31 - 1 is a Left naming both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-idx9-'))
    try {
      const images = join(dir, 'i.idx')
      const labels = join(dir, 'l.idx')
      writeFileSync(images, encodeIdx([1, 1], [0]))
      writeFileSync(labels, encodeIdx([1], [2 ** 31 - 1], 'int'))
      const e = left(loadIdxDataset(images, labels))
      expect(e).toMatchObject({ _tag: 'LabelError', index: 0, label: 2 ** 31 - 1 })
      expect(e.message.startsWith(`${images} + ${labels}: labels: row 0 has label 2147483647`)).toBe(true)
      writeFileSync(`${images}.gz`, gzipSync(encodeIdx([1, 1], [0])))
      expect(left(loadIdxDataset(`${images}.gz`, labels, { maxInflatedBytes: 5 })).message).toBe(
        `${images}.gz: the header declares dims [1,1] of ubyte, 13 bytes in all, more than maxInflatedBytes = 5; raise the limit only for a file you trust`)
      expect(left(loadIdxDataset(images, labels, { maxClass: 2 } as never))).toMatchObject({ _tag: 'OptionsError', field: 'maxClass' })
      expect(left(loadIdxDataset(images, labels, { maxFileBytes: 8 }))).toMatchObject({ _tag: 'FileError', path: images })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
