/**
 * gzip decompression over bytes, platform-neutral and bounded. It uses `fflate` (8 kB, no
 * dependencies, synchronous streaming inflate) rather than the platform's `DecompressionStream`,
 * because Kiln's readers are synchronous and `DecompressionStream` is asynchronous only; rather than
 * `node:zlib`, because the root entry runs in browsers and workers too.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { Gunzip } from 'fflate'
import { dataError, type DataError } from './error.js'

/**
 * The default bound on decompressed output: 1 GiB. A larger trusted file can raise it per call.
 * @example
 * import { DEFAULT_MAX_INFLATED_BYTES } from 'kiln'
 * DEFAULT_MAX_INFLATED_BYTES // 2 ** 30
 */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30

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

class TooLarge extends Error {}

/**
 * Decompresses gzip bytes (all members of a multi-member file), refusing to produce more than
 * `maxBytes` (default 1 GiB) before the memory is spent. Bytes that are not gzip are a `Left`.
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
  if (!(typeof maxBytes === 'number' && maxBytes >= 0))
    return E.left(dataError.options('maxInflatedBytes', `gunzip: maxInflatedBytes = ${String(maxBytes)}; expected a number of bytes >= 0`))
  if (!isGzip(bytes)) return E.left(dataError.format('gunzip: not gzip data (it does not start with the magic bytes 0x1f 0x8b)'))
  const chunks: Uint8Array[] = []
  let total = 0
  const stream = new Gunzip((chunk) => {
    total += chunk.length
    if (total > maxBytes) throw new TooLarge()
    chunks.push(chunk)
  })
  try {
    for (let at = 0; at < bytes.length; at += SLICE) stream.push(bytes.subarray(at, Math.min(bytes.length, at + SLICE)), at + SLICE >= bytes.length)
  } catch (e) {
    if (e instanceof TooLarge)
      return E.left(dataError.format(`gunzip: the data inflates to more than ${maxBytes} bytes (maxInflatedBytes); raise the limit only for a file you trust`))
    return E.left(dataError.format(`gunzip: starts like gzip but does not decompress: ${e instanceof Error ? e.message : String(e)}`))
  }
  if (chunks.length === 1) return E.right(chunks[0]!)
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return E.right(out)
}

/**
 * UTF-8 text from bytes, gunzipped first when they start with the gzip magic; a string passes through.
 * What the CSV and values-file readers accept, so a browser can hand them a fetched file.
 * @example
 * import { decodeText } from 'kiln'
 * import { gzipSync } from 'fflate'
 * decodeText(gzipSync(new TextEncoder().encode('héllo'))) // { _tag: 'Right', right: 'héllo' }
 * decodeText('as is') // { _tag: 'Right', right: 'as is' }
 */
export const decodeText = (input: Uint8Array | string, maxBytes: number = DEFAULT_MAX_INFLATED_BYTES): E.Either<DataError, string> => {
  if (typeof input === 'string') return E.right(input)
  const bytes = isGzip(input) ? gunzip(input, maxBytes) : E.right(input)
  return E.isLeft(bytes) ? bytes : E.right(new TextDecoder('utf-8').decode(bytes.right))
}
