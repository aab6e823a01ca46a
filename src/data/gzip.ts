/**
 * gzip decompression over bytes, platform-neutral and bounded. It uses `fflate` (8 kB, no
 * dependencies, synchronous streaming inflate) rather than the platform's `DecompressionStream`,
 * because Kiln's readers are synchronous and `DecompressionStream` is asynchronous only; rather than
 * `node:zlib`, because the root entry runs in browsers and workers too.
 *
 * Every reader inflates at most once (gzip inside gzip is refused) and never past a bound chosen by
 * what it can hold: text readers the longest string V8 can make, IDX the size its header declares.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { Gunzip } from 'fflate'
import { dataError, type DataError } from './error.js'
import { describeValue } from '../options.js'

/**
 * The default bound on decompressed output of `gunzip` and `decodeBytes`: 1 GiB. A larger trusted
 * file can raise it per call.
 * @example
 * import { DEFAULT_MAX_INFLATED_BYTES } from 'kiln'
 * DEFAULT_MAX_INFLATED_BYTES // 2 ** 30
 */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30

/**
 * The most bytes of UTF-8 that can become one JavaScript string: V8's maximum string length
 * (2^29 - 24 on 64-bit). UTF-8 never takes fewer bytes than UTF-16 code units, so bytes within
 * this bound always decode. The default bound of `decodeText` and the CSV reader.
 * @example
 * import { MAX_TEXT_BYTES } from 'kiln'
 * MAX_TEXT_BYTES // 2 ** 29 - 24
 */
export const MAX_TEXT_BYTES = 2 ** 29 - 24

// Small input slices bound the overshoot past the limit: deflate inflates at most ~1032x, so a
// 16 KiB slice adds at most ~17 MB before the size check runs.
const SLICE = 16 * 1024

/**
 * True when `bytes` start with the gzip magic 0x1f 0x8b.
 * @example
 * import { isGzip } from 'kiln'
 * isGzip(Uint8Array.of(0x1f, 0x8b, 8)) // true
 * isGzip(new TextEncoder().encode('1,2,3')) // false
 */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/** What `inflate` ended with: all the output, a stop past `limit` (having seen `atLeast` bytes), or corrupt data. */
export type Inflated =
  | { readonly _tag: 'Done'; readonly bytes: Uint8Array }
  | { readonly _tag: 'TooLarge'; readonly limit: number; readonly atLeast: number }
  | { readonly _tag: 'Corrupt'; readonly reason: string }

class Stop extends Error {}

// a 10-byte header, an empty deflate block (2 bytes) and an 8-byte trailer
const MIN_MEMBER = 20

/**
 * The chunks joined into one array of `total` bytes (a single chunk comes back as it is).
 * @example
 * import { concatBytes } from './gzip.js'
 * concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)], 3) // Uint8Array.of(1, 2, 3)
 */
export const concatBytes = (chunks: readonly Uint8Array[], total: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/**
 * Inflates gzip bytes (every member), stopping as soon as the output passes `limit` bytes, so a
 * bomb costs at most `limit` plus one slice's output. With `prefix`, output past `limit` is not an
 * error: inflating stops and the first `limit` bytes come back (to read a header first). The input
 * must start with the gzip magic (see `isGzip`).
 * @example
 * import { inflate } from './gzip.js'
 * import { gzipSync } from 'fflate'
 * const packed = gzipSync(new TextEncoder().encode('abcdef'))
 * inflate(packed, 100) // { _tag: 'Done', bytes: new TextEncoder().encode('abcdef') }
 * inflate(packed, 2)._tag // 'TooLarge'
 * inflate(packed, 2, true) // { _tag: 'Done', bytes: new TextEncoder().encode('ab') }
 */
export const inflate = (bytes: Uint8Array, limit: number, prefix = false): Inflated => {
  // fflate's stream takes a cut-off header for an empty file; no whole member is this short
  if (bytes.length < MIN_MEMBER) return { _tag: 'Corrupt', reason: `truncated: ${bytes.length} bytes, a gzip member takes at least ${MIN_MEMBER}` }
  const chunks: Uint8Array[] = []
  let total = 0
  const stream = new Gunzip((chunk) => {
    total += chunk.length
    if (total > limit) {
      if (prefix) chunks.push(chunk.subarray(0, chunk.length - (total - limit)))
      throw new Stop()
    }
    chunks.push(chunk)
  })
  try {
    for (let at = 0; at < bytes.length; at += SLICE) stream.push(bytes.subarray(at, Math.min(bytes.length, at + SLICE)), at + SLICE >= bytes.length)
  } catch (e) {
    if (!(e instanceof Stop)) return { _tag: 'Corrupt', reason: e instanceof Error ? e.message : String(e) }
    if (!prefix) return { _tag: 'TooLarge', limit, atLeast: total }
    total = limit
  }
  return { _tag: 'Done', bytes: concatBytes(chunks, total) }
}

const badLimit = (op: string, maxBytes: unknown): DataError | undefined =>
  typeof maxBytes === 'number' && maxBytes >= 0
    ? undefined
    : dataError.options('maxInflatedBytes', `${op}: maxInflatedBytes: expected a number of bytes >= 0, got ${describeValue(maxBytes)}`)

/**
 * The `Left` for an `inflate` that did not end `Done`, naming the operation.
 * @example
 * import { inflateProblem } from './gzip.js'
 * inflateProblem('gunzip', { _tag: 'Corrupt', reason: 'invalid block type' }).message // 'gunzip: starts like gzip but does not decompress: invalid block type'
 */
export const inflateProblem = (op: string, r: Exclude<Inflated, { _tag: 'Done' }>): DataError =>
  r._tag === 'Corrupt'
    ? dataError.format(`${op}: starts like gzip but does not decompress: ${r.reason}`)
    : dataError.limit(r.limit, `${op}: the data inflates to more than ${r.limit} bytes (maxInflatedBytes); raise the limit only for a file you trust`)

/**
 * Decompresses gzip bytes (all members of a multi-member file), refusing to produce more than
 * `maxBytes` (default 1 GiB) before the memory is spent. Bytes that are not gzip are a `Left`.
 * This is the codec: it inflates one layer and does not look inside; the readers use `decodeBytes`.
 * @example
 * import { gunzip, isGzip } from 'kiln'
 * import { gzipSync } from 'fflate'
 * const packed = gzipSync(new TextEncoder().encode('a,b\n1,2\n'))
 * isGzip(packed) // true
 * const r = gunzip(packed)
 * r._tag === 'Right' && new TextDecoder().decode(r.right) // 'a,b\n1,2\n'
 * gunzip(packed, 4)._tag // 'Left'
 * gunzip(Uint8Array.of(1, 2, 3))._tag // 'Left'
 */
export const gunzip = (bytes: Uint8Array, maxBytes: number = DEFAULT_MAX_INFLATED_BYTES): E.Either<DataError, Uint8Array> => {
  const bad = badLimit('gunzip', maxBytes)
  if (bad !== undefined) return E.left(bad)
  if (!isGzip(bytes)) return E.left(dataError.format('gunzip: not gzip data (it does not start with the magic bytes 0x1f 0x8b)'))
  const r = inflate(bytes, maxBytes)
  return r._tag === 'Done' ? E.right(r.bytes) : E.left(inflateProblem('gunzip', r))
}

/**
 * The error of a file that is gzip inside gzip: readers inflate once, never twice, so a nested
 * archive cannot multiply the bound.
 * @example
 * import { nestedGzip } from './gzip.js'
 * nestedGzip('gunzip').message // 'gunzip: gzip inside gzip: the data inflates to more gzip data; Kiln inflates once, decompress the outer layer first if you trust the file'
 */
export const nestedGzip = (op: string): DataError =>
  dataError.format(`${op}: gzip inside gzip: the data inflates to more gzip data; Kiln inflates once, decompress the outer layer first if you trust the file`)

const inflateOnce = (op: string, input: Uint8Array, limit: number, tooLarge: (limit: number) => DataError): E.Either<DataError, Uint8Array> => {
  if (!isGzip(input)) return E.right(input)
  const r = inflate(input, limit)
  if (r._tag === 'Corrupt') return E.left(inflateProblem(op, r))
  if (r._tag === 'TooLarge') return E.left(tooLarge(limit))
  return isGzip(r.bytes) ? E.left(nestedGzip(op)) : E.right(r.bytes)
}

/**
 * The bytes a reader decodes: inflated once when they start with the gzip magic (bounded by
 * `maxBytes`, default 1 GiB), as they are otherwise. Gzip inside gzip is refused, not inflated twice.
 * @example
 * import { decodeBytes } from 'kiln'
 * import { gzipSync } from 'fflate'
 * decodeBytes(gzipSync(Uint8Array.of(1, 2))) // { _tag: 'Right', right: Uint8Array.of(1, 2) }
 * decodeBytes(Uint8Array.of(3)) // { _tag: 'Right', right: Uint8Array.of(3) }
 * const twice = decodeBytes(gzipSync(gzipSync(Uint8Array.of(1))))
 * twice._tag === 'Left' && twice.left.message.startsWith('gunzip: gzip inside gzip') // true
 */
export const decodeBytes = (input: Uint8Array, maxBytes: number = DEFAULT_MAX_INFLATED_BYTES): E.Either<DataError, Uint8Array> => {
  const bad = badLimit('gunzip', maxBytes)
  if (bad !== undefined) return E.left(bad)
  return inflateOnce('gunzip', input, maxBytes, (limit) => inflateProblem('gunzip', { _tag: 'TooLarge', limit, atLeast: limit + 1 }))
}

const tooLong = (what: string): DataError =>
  dataError.limit(MAX_TEXT_BYTES, `decodeText: ${what}, more than a JavaScript string can hold (${MAX_TEXT_BYTES} bytes)`)

/**
 * UTF-8 text from bytes, gunzipped first (once) when they start with the gzip magic; a string passes
 * through. What the CSV and values-file readers accept, so a browser can hand them a fetched file.
 * The bound `maxBytes` defaults to `MAX_TEXT_BYTES`, the most a string can hold; bytes beyond that
 * are a `Left` whatever the bound (a string cannot hold them), as is gzip inside gzip.
 * @example
 * import { decodeText } from 'kiln'
 * import { gzipSync } from 'fflate'
 * decodeText(gzipSync(new TextEncoder().encode('héllo'))) // { _tag: 'Right', right: 'héllo' }
 * decodeText('as is') // { _tag: 'Right', right: 'as is' }
 * decodeText(gzipSync(new TextEncoder().encode('too long')), 4)._tag // 'Left'
 */
export const decodeText = (input: Uint8Array | string, maxBytes: number = MAX_TEXT_BYTES): E.Either<DataError, string> => {
  if (typeof input === 'string') return E.right(input)
  const bad = badLimit('decodeText', maxBytes)
  if (bad !== undefined) return E.left(bad)
  const bytes = inflateOnce('decodeText', input, Math.min(maxBytes, MAX_TEXT_BYTES), (limit) =>
    limit < maxBytes ? tooLong(`the data inflates to more than ${limit} bytes`) : inflateProblem('decodeText', { _tag: 'TooLarge', limit, atLeast: limit + 1 }))
  if (E.isLeft(bytes)) return bytes
  // only bytes that were not gzip can be this long (inflating stops at the bound)
  if (bytes.right.length > MAX_TEXT_BYTES) return E.left(tooLong(`the text is ${bytes.right.length} bytes`))
  return E.right(new TextDecoder('utf-8').decode(bytes.right))
}
