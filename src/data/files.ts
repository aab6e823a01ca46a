/**
 * Reading files as `Either`: bytes (transparently gunzipped) and UTF-8 text.
 * @module
 */

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { dataError, type DataError } from './error.js'

/**
 * Reads a file's bytes, gunzipping them when they start with the gzip magic 0x1f 0x8b.
 * @example
 * import { readBytes } from 'kiln'
 * readBytes('/no/such/file')._tag // 'Left'
 */
export const readBytes = (file: string | URL): E.Either<DataError, Uint8Array> => {
  const path = typeof file === 'string' ? file : fileURLToPath(file)
  let raw: Buffer
  try {
    raw = readFileSync(path)
  } catch (err) {
    return E.left(dataError.file(path, `${path}: cannot read file: ${(err as Error).message}`))
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return E.right(gunzipSync(raw))
    } catch (err) {
      return E.left(dataError.file(path, `${path}: starts like gzip but does not decompress: ${(err as Error).message}`))
    }
  }
  return E.right(raw)
}

/**
 * Reads a file as UTF-8 text (gzip-compressed files, detected by their magic bytes, are decompressed).
 * @example
 * import { readText } from 'kiln'
 * readText('/no/such/file.csv')._tag // 'Left'
 */
export const readText = (file: string | URL): E.Either<DataError, string> =>
  pipe(
    readBytes(file),
    E.map((b) => new TextDecoder('utf-8').decode(b)),
  )
