import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeText, gunzip, isGzip, parseBundled, parseCsv } from '../../src/index.js'
import { readRaw } from '../../src/node/files.js'
import { loadDigitsOrThrow } from '../../src/node/index.js'

describe('gunzip', () => {
  it('inflates what zlib deflates, byte for byte, including multi-member files', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { minLength: 1, maxLength: 3 }), (parts) => {
        const packed = Buffer.concat(parts.map((p) => gzipSync(p)))
        const r = gunzip(packed)
        return r._tag === 'Right' && Buffer.compare(Buffer.from(r.right), Buffer.concat(parts)) === 0
      }),
    )
  })

  it('refuses to inflate past the limit, before spending the memory', () => {
    const bomb = gzipSync(new Uint8Array(64 * 2 ** 20))
    expect(bomb.length).toBeLessThan(100_000)
    const r = gunzip(bomb, 2 ** 20)
    expect(r._tag === 'Left' && r.left.message).toBe(
      'gunzip: the data inflates to more than 1048576 bytes (maxInflatedBytes); raise the limit only for a file you trust')
    expect(gunzip(bomb, 64 * 2 ** 20)._tag).toBe('Right')
  })

  it('names corrupt data and bad limits', () => {
    const good = gzipSync(Buffer.from('hello'))
    const r = gunzip(good.subarray(0, 12))
    expect(r._tag === 'Left' && r.left.message).toMatch(/^gunzip: starts like gzip but does not decompress/)
    expect(gunzip(good, NaN)._tag === 'Left' && gunzip(good, NaN)).toMatchObject({ left: { _tag: 'OptionsError', field: 'maxInflatedBytes' } })
    expect(isGzip(good)).toBe(true)
  })
})

describe('readers over bytes (what a browser hands them)', () => {
  it('parseCsv and decodeText take plain or gzipped bytes', () => {
    const text = 'a,b,label\n1,2,x\n3,4,y\n'
    const plain = parseCsv(new TextEncoder().encode(text), { header: true, classes: 'infer' })
    const zipped = parseCsv(gzipSync(text), { header: true, classes: 'infer' })
    expect(plain).toEqual(parseCsv(text, { header: true, classes: 'infer' }))
    expect(zipped).toEqual(plain)
    expect(decodeText(gzipSync('é'))).toEqual({ _tag: 'Right', right: 'é' })
  })

  it('parseBundled on the shipped file equals the kiln/node loader', () => {
    const bytes = readRaw(new URL('../../data/digits.csv.gz', import.meta.url))
    expect(bytes._tag).toBe('Right')
    const ds = parseBundled('digits', bytes._tag === 'Right' ? bytes.right : new Uint8Array())
    expect(ds).toEqual({ _tag: 'Right', right: loadDigitsOrThrow() })
  })

  it('parseBundled names an unknown data set and prefixes errors with the file', () => {
    const bad = parseBundled('mnist' as 'digits', '')
    expect(bad._tag === 'Left' && bad.left).toMatchObject({ _tag: 'OptionsError', field: 'name' })
    const broken = parseBundled('iris', 'x')
    expect(broken._tag === 'Left' && broken.left.message).toMatch(/^iris\.csv: /)
  })
})

describe('gzip inside gzip (issue 9)', () => {
  const NESTED = 'gzip inside gzip: the data inflates to more gzip data; Kiln inflates once, decompress the outer layer first if you trust the file'

  it('every reader refuses it with the same clear error: IDX, CSV, text, values, bytes', async () => {
    const { encodeIdx, parseIdx, decodeValues, decodeBytes } = await import('../../src/index.js')
    const idx = encodeIdx([2], [1, 2])
    expect(parseIdx(gzipSync(idx))).toEqual(parseIdx(idx))
    const twice = parseIdx(gzipSync(gzipSync(idx)))
    expect(twice._tag === 'Left' && twice.left.message).toBe(`parseIdx: ${NESTED}`)
    const csv = gzipSync(gzipSync('1,2,0\n'))
    expect(parseCsv(csv)).toEqual({ _tag: 'Left', left: { _tag: 'FormatError', message: `decodeText: ${NESTED}` } })
    expect(decodeText(csv)).toEqual({ _tag: 'Left', left: { _tag: 'FormatError', message: `decodeText: ${NESTED}` } })
    expect(decodeBytes(csv)).toEqual({ _tag: 'Left', left: { _tag: 'FormatError', message: `gunzip: ${NESTED}` } })
    const values = decodeValues(gzipSync(gzipSync('{"format":"kiln-values","version":1,"params":{},"state":{}}')), 'm.json.gz')
    expect(values._tag === 'Left' && values.left.message).toBe(`loadValues: m.json.gz: decodeText: ${NESTED}`)
  })

  it('gunzip itself is the codec: it inflates one layer and hands back what is inside', () => {
    const inner = gzipSync('x')
    const r = gunzip(gzipSync(inner))
    expect(r._tag === 'Right' && Buffer.compare(Buffer.from(r.right), inner)).toBe(0)
  })
})

describe('decodeText bounds (issue 9)', () => {
  it('bytes longer than a string can hold are a Left, not a thrown error', async () => {
    const { MAX_TEXT_BYTES } = await import('../../src/index.js')
    // zero-filled and never touched: the pages are not committed
    const huge = new Uint8Array(MAX_TEXT_BYTES + 1)
    const r = decodeText(huge)
    expect(r._tag === 'Left' && r.left.message).toBe(`decodeText: the text is ${MAX_TEXT_BYTES + 1} bytes, more than a JavaScript string can hold (${MAX_TEXT_BYTES} bytes)`)
  })

  it('defaults to what a string holds; a lower bound is named as maxInflatedBytes; a bad one as an option', () => {
    const packed = gzipSync('a'.repeat(5000))
    expect(decodeText(packed, 100)).toEqual({ _tag: 'Left', left: { _tag: 'LimitError', limit: 100,
      message: 'decodeText: the data inflates to more than 100 bytes (maxInflatedBytes); raise the limit only for a file you trust' } })
    expect(decodeText(packed, NaN)).toMatchObject({ left: { _tag: 'OptionsError', field: 'maxInflatedBytes' } })
    expect(decodeText(packed, 5000)).toEqual({ _tag: 'Right', right: 'a'.repeat(5000) })
  })
})
