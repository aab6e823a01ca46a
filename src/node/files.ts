/**
 * Reading files as `Either`: bytes (transparently gunzipped, bounded) and UTF-8 text.
 * @module
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { dataError, inSource, type DataError } from '../data/error.js'
import { DEFAULT_MAX_INFLATED_BYTES, decodeText, gunzip, isGzip } from '../data/gzip.js'

/** Options of `readBytes` and `readText`. */
export interface ReadOptions {
  /** The most bytes a gzipped file may inflate to (default 1 GiB). */
  readonly maxInflatedBytes?: number
}

const pathOf = (file: string | URL): string => (typeof file === 'string' ? file : fileURLToPath(file))

/**
 * A file's bytes exactly as stored (no decompression), or a `FileError` naming the path.
 * @example
 * import { readRaw } from './files.js'
 * readRaw('/no/such/file')._tag // 'Left'
 */
export const readRaw = (file: string | URL): E.Either<DataError, Uint8Array> => {
  const path = pathOf(file)
  try {
    const raw = readFileSync(path)
    return E.right(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength))
  } catch (err) {
    return E.left(dataError.file(path, `${path}: cannot read file: ${(err as Error).message}`))
  }
}

/**
 * Reads a file's bytes, gunzipping them (once) when they start with the gzip magic 0x1f 0x8b.
 * @example
 * import { readBytes } from 'kiln/node'
 * readBytes('/no/such/file')._tag // 'Left'
 */
export const readBytes = (file: string | URL, options: ReadOptions = {}): E.Either<DataError, Uint8Array> => {
  const raw = readRaw(file)
  if (E.isLeft(raw) || !isGzip(raw.right)) return raw
  return E.mapLeft(inSource(pathOf(file)))(gunzip(raw.right, options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES))
}

/**
 * Reads a file as UTF-8 text (gzip-compressed files, detected by their magic bytes, are decompressed).
 * @example
 * import { readText } from 'kiln/node'
 * readText('/no/such/file.csv')._tag // 'Left'
 */
export const readText = (file: string | URL, options: ReadOptions = {}): E.Either<DataError, string> => {
  const raw = readRaw(file)
  if (E.isLeft(raw)) return raw
  return E.mapLeft(inSource(pathOf(file)))(decodeText(raw.right, options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES))
}
