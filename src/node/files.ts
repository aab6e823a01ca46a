/**
 * Reading files as `Either`: bytes (transparently gunzipped, bounded) and UTF-8 text. Every reader
 * checks the file's size against `maxFileBytes` before reading a byte, and stops reading if the file
 * grows past it meanwhile, so a huge file is a `Left`, never an out-of-memory abort.
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { dataError, inSource, type DataError } from '../data/error.js'
import { concatBytes, decodeBytes, decodeText, isGzip } from '../data/gzip.js'
import { describeValue, optionKeys, optionsProblem } from '../options.js'

/**
 * The default most bytes a reader of `kiln/node` reads from one file: 256 MiB. A larger file you
 * trust can raise it per call (`maxFileBytes`).
 * @example
 * import { DEFAULT_MAX_FILE_BYTES } from './files.js'
 * DEFAULT_MAX_FILE_BYTES // 2 ** 28
 */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 28

/** Options of `readRaw`: how large a file may be. */
export interface FileSizeOptions {
  /** The most bytes to read from the file as stored (default `DEFAULT_MAX_FILE_BYTES`, 256 MiB). */
  readonly maxFileBytes?: number
}

/** Options of `readBytes` and `readText`. */
export interface ReadOptions extends FileSizeOptions {
  /** The most bytes a gzipped file may inflate to (`readBytes`: 1 GiB by default; `readText`: the longest string). */
  readonly maxInflatedBytes?: number
}
const READ_KEYS = optionKeys<ReadOptions>()(['maxFileBytes', 'maxInflatedBytes'])

const pathOf = (file: string | URL): string => (typeof file === 'string' ? file : fileURLToPath(file))

const badSize = (op: string, max: unknown): DataError | undefined =>
  max === undefined || (typeof max === 'number' && max >= 0)
    ? undefined
    : dataError.options('maxFileBytes', `${op}: maxFileBytes: expected a number of bytes >= 0, got ${describeValue(max)}`)

/**
 * The `Left` for a file larger than the limit, naming the path, the size and the limit; `hint`
 * says what to do instead (by default: raise the limit for a trusted file).
 * @example
 * import { fileTooLarge } from './files.js'
 * fileTooLarge('big.csv', 'is 900 bytes', 100).message // 'big.csv: the file is 900 bytes, more than maxFileBytes = 100; raise maxFileBytes only for a file you trust'
 */
export const fileTooLarge = (path: string, size: string, max: number, hint = 'raise maxFileBytes only for a file you trust'): DataError =>
  dataError.file(path, `${path}: the file ${size}, more than maxFileBytes = ${max}; ${hint}`)

/** Reads an open file to its end, failing (undefined) once it passes `max` bytes. `size` is the expected size. */
const readAll = (fd: number, size: number, max: number): Uint8Array | undefined => {
  const chunks: Uint8Array[] = []
  let total = 0
  // The first read asks for one byte more than the file's size: a file that did not grow ends in one read.
  for (let want = Math.min(size, max) + 1; ; want = Math.min(1 << 20, max + 1 - total)) {
    const buf = new Uint8Array(want)
    const n = readSync(fd, buf, 0, want, null)
    if (n === 0) break
    total += n
    if (total > max) return undefined
    chunks.push(n === want ? buf : buf.subarray(0, n))
  }
  return concatBytes(chunks, total)
}

/**
 * A file's bytes exactly as stored (no decompression), or a `FileError` naming the path. A file
 * larger than `maxFileBytes` (default 256 MiB) is refused by its size before it is read. `who`
 * names the caller in option errors and `hint` replaces the advice of the too-large message.
 * @example
 * import { readRaw } from './files.js'
 * readRaw('/no/such/file')._tag // 'Left'
 * readRaw('/no/such/file', { maxFileBytes: NaN }, { who: 'loadValues' }) // { _tag: 'Left', left: { _tag: 'OptionsError', field: 'maxFileBytes', message: 'loadValues: maxFileBytes: expected a number of bytes >= 0, got NaN' } }
 */
export const readRaw = (file: string | URL, options: FileSizeOptions = {}, { who = 'readRaw', hint }: { readonly who?: string; readonly hint?: string } = {}): E.Either<DataError, Uint8Array> => {
  const path = pathOf(file)
  const bad = badSize(who, options.maxFileBytes)
  if (bad !== undefined) return E.left(bad)
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const { size } = fstatSync(fd)
    if (size > max) return E.left(fileTooLarge(path, `is ${size} bytes`, max, hint))
    const bytes = readAll(fd, size, max)
    return bytes === undefined ? E.left(fileTooLarge(path, `grew past ${max} bytes while it was read`, max, hint)) : E.right(bytes)
  } catch (err) {
    return E.left(dataError.file(path, `${path}: cannot read file: ${(err as Error).message}`))
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const checked = (op: string, options: ReadOptions): DataError | undefined => {
  const problem = optionsProblem(op, options, READ_KEYS)
  return problem === undefined ? undefined : dataError.options(problem.field, problem.message)
}

/**
 * Reads a file's bytes, gunzipping them (once; gzip inside gzip is refused) when they start with the gzip magic 0x1f 0x8b. The
 * file may hold at most `maxFileBytes` (default 256 MiB), checked before it is read.
 * @example
 * import { readBytes } from 'kiln/node'
 * readBytes('/no/such/file')._tag // 'Left'
 * readBytes('/no/such/file', { maxFileBytes: -1 })._tag // 'Left'
 */
export const readBytes = (file: string | URL, options: ReadOptions = {}): E.Either<DataError, Uint8Array> => {
  const bad = checked('readBytes', options)
  if (bad !== undefined) return E.left(bad)
  const raw = readRaw(file, options, { who: 'readBytes' })
  if (E.isLeft(raw) || !isGzip(raw.right)) return raw
  return E.mapLeft(inSource(pathOf(file)))(options.maxInflatedBytes === undefined ? decodeBytes(raw.right) : decodeBytes(raw.right, options.maxInflatedBytes))
}

/**
 * Reads a file as UTF-8 text (gzip-compressed files, detected by their magic bytes, are decompressed).
 * The file may hold at most `maxFileBytes` (default 256 MiB), checked before it is read.
 * @example
 * import { readText } from 'kiln/node'
 * readText('/no/such/file.csv')._tag // 'Left'
 */
export const readText = (file: string | URL, options: ReadOptions = {}): E.Either<DataError, string> => {
  const bad = checked('readText', options)
  if (bad !== undefined) return E.left(bad)
  const raw = readRaw(file, options, { who: 'readText' })
  if (E.isLeft(raw)) return raw
  return E.mapLeft(inSource(pathOf(file)))(options.maxInflatedBytes === undefined ? decodeText(raw.right) : decodeText(raw.right, options.maxInflatedBytes))
}
