/**
 * Saving and loading safetensors files (the format lives in the root entry: `encodeSafetensors`,
 * `decodeSafetensors`). Both stream: a save writes the header, then each tensor's bytes, into a
 * temporary file renamed over the target (never the whole file in memory); a load reads the file into
 * one buffer it allocates itself, so float64 tensors are views of that buffer (one copy of the values).
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { layoutTensors } from '../io/safetensors-header.js'
import { f64Bytes, readSafetensors, SAFETENSORS_READ_OPTIONS, safetensorsError, type Safetensors, type SafetensorsError, type SafetensorsReadOptions, type TensorEntry } from '../io/safetensors.js'
import { ArgumentError, describeValue, optionTableProblem, type OptionTable } from '../options.js'
import { IO_CHUNK_BYTES, writeAll, writeFileAtomicWith } from './atomic.js'
import { fileTooLarge } from './files.js'

/**
 * The default most bytes `loadSafetensors` reads: 2^34 (16 GiB), so a real large model loads (a
 * 30-million-parameter float64 model is 240 MB); lower it for files you do not trust.
 * @example
 * import { SAFETENSORS_MAX_FILE_BYTES } from 'kiln/node'
 * SAFETENSORS_MAX_FILE_BYTES // 2 ** 34
 */
export const SAFETENSORS_MAX_FILE_BYTES = 2 ** 34

/** Options of `loadSafetensors`. */
export interface LoadSafetensorsOptions extends SafetensorsReadOptions {
  /** The most bytes the file may hold (default `SAFETENSORS_MAX_FILE_BYTES`, 16 GiB), checked before it is read. */
  readonly maxFileBytes?: number
}

/**
 * Writes tensors to `path` as a safetensors file (F64, in the order given, with optional string
 * metadata), atomically and streaming: a temporary file in the same folder gets the header, then each
 * tensor's bytes straight from its `Float64Array` (no copy of the model is built), is flushed to disk
 * and renamed over `path`; any failure removes it and leaves `path` as it was. A bad name, shape or
 * metadata is a `Left` naming the field, and nothing is written.
 * @example
 * import { saveSafetensors, loadSafetensors } from 'kiln/node'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-safetensors-'))
 * const path = join(dir, 'model.safetensors')
 * saveSafetensors(path, [['dense0.w', { shape: [2, 1], values: Float64Array.of(0.5, -0) }]], { by: 'kiln' }) // { _tag: 'Right', right: path }
 * const back = loadSafetensors(path)
 * back._tag === 'Right' && back.right.tensors.get('dense0.w')!.values // Float64Array.of(0.5, -0)
 * saveSafetensors(path, [['', { shape: [], values: Float64Array.of(1) }]])._tag // 'Left'
 * rmSync(dir, { recursive: true })
 */
export const saveSafetensors = (
  path: string,
  tensors: ReadonlyArray<readonly [string, TensorEntry]>,
  metadata?: Readonly<Record<string, string>>,
): E.Either<SafetensorsError, string> => {
  let layout: ReturnType<typeof layoutTensors>
  try {
    layout = layoutTensors('saveSafetensors', tensors, metadata)
  } catch (e) {
    if (e instanceof ArgumentError) return E.left(safetensorsError(path, e.field, e.message))
    throw e
  }
  try {
    writeFileAtomicWith(path, (fd) => {
      writeAll(fd, layout.header)
      for (const { values } of layout.tensors) writeAll(fd, f64Bytes(values))
    })
    return E.right(path)
  } catch (e) {
    return E.left(safetensorsError(path, 'file', `saveSafetensors: could not write ${path}: ${(e as Error).message}`))
  }
}

/** Bytes left before the data section so that it starts at a multiple of 8 in the buffer (read from the length prefix). */
const padFor = (fd: number, size: number): number => {
  if (size < 8) return 0
  const prefix = new Uint8Array(8)
  readSync(fd, prefix, 0, 8, 0)
  const n = new DataView(prefix.buffer).getUint32(0, true)
  return (8 - (n % 8)) % 8
}

/** The whole file, in a buffer allocated here (aligned for F64 views), or why not. */
const readAligned = (fd: number, size: number, path: string): E.Either<string, Uint8Array> => {
  const pad = padFor(fd, size)
  const bytes = new Uint8Array(new ArrayBuffer(size + pad), pad, size)
  for (let at = 0; at < size; ) {
    const n = readSync(fd, bytes, at, Math.min(size - at, IO_CHUNK_BYTES), at)
    if (n === 0) return E.left(`${path} shrank from ${size} to ${at} bytes while it was read`)
    at += n
  }
  if (readSync(fd, new Uint8Array(1), 0, 1, size) > 0) return E.left(`${path} grew past ${size} bytes while it was read`)
  return E.right(bytes)
}

const LOAD_OPTIONS: OptionTable = {
  checks: {
    ...SAFETENSORS_READ_OPTIONS.checks,
    maxFileBytes: (v) => (typeof v === 'number' && v >= 0 ? undefined : `expected a number of bytes >= 0, got ${describeValue(v)}`),
  },
}

/**
 * Reads a safetensors file (any dtype of `SafetensorsDtype`, converted to float64; see
 * `decodeSafetensors`). The file's size is checked against `maxFileBytes` (default
 * `SAFETENSORS_MAX_FILE_BYTES`, 16 GiB, so large models load; lower it for untrusted files) before a
 * byte is read. The file is read into one buffer allocated for it, placed so that the data section
 * starts at a multiple of 8: F64 tensors are views of that one buffer (they share `.buffer`), so a
 * model's values are held once. Every problem is a `Left` naming the path and the field.
 * @example
 * import { loadSafetensors } from 'kiln/node'
 * loadSafetensors('/no/such/model.safetensors')._tag // 'Left'
 * loadSafetensors('/no/such/model.safetensors', { maxFileBytes: -1 }) // { _tag: 'Left', left: { _tag: 'SafetensorsError', path: '/no/such/model.safetensors', field: 'maxFileBytes', message: 'loadSafetensors: maxFileBytes: expected a number of bytes >= 0, got -1' } }
 */
export const loadSafetensors = (path: string, options: LoadSafetensorsOptions = {}): E.Either<SafetensorsError, Safetensors> => {
  const bad = optionTableProblem('loadSafetensors', options, LOAD_OPTIONS)
  if (bad !== undefined) return E.left(safetensorsError(path, bad.field, bad.message))
  const { maxFileBytes = SAFETENSORS_MAX_FILE_BYTES, ...read } = options
  let bytes: E.Either<string, Uint8Array>
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const { size } = fstatSync(fd)
    if (size > maxFileBytes) return E.left(safetensorsError(path, 'file', `loadSafetensors: ${fileTooLarge(path, `is ${size} bytes`, maxFileBytes).message}`))
    bytes = readAligned(fd, size, path)
  } catch (e) {
    return E.left(safetensorsError(path, 'file', `loadSafetensors: ${path}: cannot read file: ${(e as Error).message}`))
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  if (E.isLeft(bytes)) return E.left(safetensorsError(path, 'file', `loadSafetensors: ${bytes.left}`))
  return readSafetensors('loadSafetensors', bytes.right, path, read)
}
