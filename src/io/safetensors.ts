/**
 * The safetensors format (Hugging Face's, read by PyTorch, JAX, TensorFlow and Candle): an 8-byte
 * little-endian header length N, N bytes of JSON `{ "name": { "dtype", "shape", "data_offsets" },
 * "__metadata__": { ... } }`, then the raw little-endian values, each tensor's bytes at its offsets
 * relative to the data section. This module converts bytes, so it runs anywhere; `kiln/node` streams
 * files to and from disk (`saveSafetensors`, `loadSafetensors`).
 *
 * Kiln writes float64 (F64) only, bit-identically (NaN payloads aside: -0, infinities and subnormals
 * are kept). It reads every dtype of `SafetensorsDtype`, converting to float64 (exactly, except 64-bit
 * integers beyond 2^53, which round and say so). A reader checks every bound (header length against
 * the file, each tensor's byte count against its shape, overlaps, holes) before it allocates anything
 * for a tensor, so a hostile file is a `Left`, never a huge allocation. Tensor names go into a `Map`
 * and metadata into a null-prototype record, so no name (`__proto__` included) reaches a prototype.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { describeValue, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import { MAX_VALUES_TEXT_BYTES } from './values-size.js'
import { convertValues, LITTLE_ENDIAN_HOST, type Conversion, type SafetensorsDtype } from './dtypes.js'
import { layoutTensors, parseHeader, safetensorsError, SAFETENSORS_MAX_HEADER_BYTES, type SafetensorsError } from './safetensors-header.js'

export { SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype, type Conversion } from './dtypes.js'
export { safetensorsError, SAFETENSORS_MAX_HEADER_BYTES, type SafetensorsError } from './safetensors-header.js'

/** A tensor to write: float64 values in row-major order and its shape (`sizeOf(shape) === values.length`). */
export interface TensorEntry {
  readonly shape: readonly number[]
  readonly values: Float64Array
}

/**
 * A tensor read: values converted to float64; `dtype` is what the file stored; `conversion` says how
 * the values became float64: `'none'` (F64), `'exact'` (every other dtype whose every value is
 * representable, I64/U64 values within 2^53 included), `'rounded'` (some I64/U64 value beyond 2^53 rounded).
 */
export interface StoredTensor extends TensorEntry {
  readonly dtype: SafetensorsDtype
  readonly conversion: Conversion
}

/** A safetensors file read: its tensors in file (data offset) order, and its metadata (a null-prototype record). */
export interface Safetensors {
  readonly tensors: ReadonlyMap<string, StoredTensor>
  readonly metadata: Readonly<Record<string, string>>
}

/** Options of `decodeSafetensors` (and `loadSafetensors`). */
export interface SafetensorsReadOptions {
  /**
   * The most header bytes to accept (default `SAFETENSORS_MAX_HEADER_BYTES`, 100,000,000, as the
   * reference implementation); at most `MAX_VALUES_TEXT_BYTES`, since the header is parsed as JSON.
   */
  readonly maxHeaderBytes?: number
  /** Decode only the tensors whose name passes (the others are still validated, not converted). */
  readonly names?: (name: string) => boolean
}

/**
 * The options of `decodeSafetensors` and how each is checked (`kiln/node`'s `loadSafetensors` adds its own).
 * @example
 * import { SAFETENSORS_READ_OPTIONS } from './safetensors.js'
 * Object.keys(SAFETENSORS_READ_OPTIONS.checks) // ['maxHeaderBytes', 'names']
 * SAFETENSORS_READ_OPTIONS.checks.names(1) // 'expected a function, got 1'
 */
export const SAFETENSORS_READ_OPTIONS = {
  checks: {
    maxHeaderBytes: (v: unknown): string | undefined =>
      typeof v === 'number' && v >= 0 && v <= MAX_VALUES_TEXT_BYTES ? undefined : `expected a number of bytes from 0 to ${MAX_VALUES_TEXT_BYTES} (the header is parsed as JSON), got ${describeValue(v)}`,
    names: kindCheck('function'),
  },
} as const satisfies OptionTable

/**
 * The header bytes (length prefix and padded JSON) and the size of the data section, for writers
 * that stream: write `header`, then each tensor's `f64Bytes` in the order given (never one big
 * buffer). Tensors keep the caller's order. Throws an `ArgumentError` on a bad or duplicate name, a
 * shape that does not match the values, or metadata that is not an object of strings.
 * @example
 * import { safetensorsLayout } from 'kiln'
 * const { header, dataBytes } = safetensorsLayout([['w', { shape: [2, 2], values: new Float64Array(4) }], ['b', { shape: [2], values: new Float64Array(2) }]])
 * dataBytes // 48
 * header.length % 8 // 0
 * new TextDecoder().decode(header.subarray(8)).trim() // '{"w":{"dtype":"F64","shape":[2,2],"data_offsets":[0,32]},"b":{"dtype":"F64","shape":[2],"data_offsets":[32,48]}}'
 * try { safetensorsLayout([['w', { shape: [1], values: Float64Array.of(1) }], ['w', { shape: [1], values: Float64Array.of(2) }]]) } catch (e) { (e as Error).message } // "safetensorsLayout: tensors.w: the name 'w' appears twice"
 */
export const safetensorsLayout = (
  tensors: ReadonlyArray<readonly [string, TensorEntry]>,
  metadata?: Readonly<Record<string, string>>,
): { readonly header: Uint8Array; readonly dataBytes: number } => {
  const { header, dataBytes } = layoutTensors('safetensorsLayout', tensors, metadata)
  return { header, dataBytes }
}

/**
 * The little-endian F64 bytes of `values`: a view of the same memory (no copy) on a little-endian
 * host, a converted copy otherwise.
 * @example
 * import { f64Bytes } from 'kiln'
 * const v = Float64Array.of(1)
 * Array.from(f64Bytes(v)) // [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]
 * f64Bytes(v).buffer === v.buffer // true
 */
export const f64Bytes = (values: Float64Array): Uint8Array => {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const out = new Uint8Array(values.byteLength)
  const dv = new DataView(out.buffer)
  values.forEach((v, i) => dv.setFloat64(8 * i, v, true))
  return out
}

/**
 * A whole safetensors file as bytes, all tensors F64 in the order given (little-endian whatever the
 * host), with optional metadata (strings only). Throws an `ArgumentError` as `safetensorsLayout`.
 * For large models on Node, `saveSafetensors` streams instead of building the file in memory.
 * @example
 * import { encodeSafetensors, decodeSafetensors } from 'kiln'
 * const bytes = encodeSafetensors([['w', { shape: [2], values: Float64Array.of(0.5, -0) }]], { format: 'pt' })
 * const back = decodeSafetensors(bytes)
 * back._tag === 'Right' && back.right.tensors.get('w')!.values // Float64Array.of(0.5, -0)
 * back._tag === 'Right' && back.right.metadata.format // 'pt'
 */
export const encodeSafetensors = (tensors: ReadonlyArray<readonly [string, TensorEntry]>, metadata?: Readonly<Record<string, string>>): Uint8Array => {
  const layout = layoutTensors('encodeSafetensors', tensors, metadata)
  const out = new Uint8Array(layout.header.length + layout.dataBytes)
  out.set(layout.header)
  let at = layout.header.length
  for (const { values } of layout.tensors) {
    out.set(f64Bytes(values), at)
    at += values.byteLength
  }
  return out
}

/**
 * `decodeSafetensors` under another operation's name (`loadSafetensors` in `kiln/node`), which prefixes
 * every message, for options the caller has already checked against `SAFETENSORS_READ_OPTIONS` (a
 * caller's own table extends it, so they are checked once, before the file is read).
 * @example
 * import { readSafetensors } from './safetensors.js'
 * readSafetensors('loadSafetensors', new Uint8Array(3), 'm.safetensors', {})._tag // 'Left'
 */
export const readSafetensors = (op: string, bytes: Uint8Array, path: string, options: SafetensorsReadOptions): E.Either<SafetensorsError, Safetensors> => {
  // Callers without types may hand over a fetch's ArrayBuffer; say how to wrap it.
  if (!(bytes instanceof Uint8Array))
    return E.left(safetensorsError(path, 'bytes', `${op}: ${path}: bytes: expected a Uint8Array (wrap an ArrayBuffer in new Uint8Array(buffer)), got ${describeValue(bytes)}`))
  const header = parseHeader(op, bytes, path, options.maxHeaderBytes ?? SAFETENSORS_MAX_HEADER_BYTES)
  if (E.isLeft(header)) return header
  const data = bytes.subarray(header.right.dataStart)
  const tensors = new Map<string, StoredTensor>()
  for (const { name, dtype, shape, begin, count } of header.right.entries) {
    if (options.names !== undefined && !options.names(name)) continue
    const c = convertValues(dtype, data, begin, count)
    if (!c.ok) {
      const field = `data.${name}`
      return E.left(safetensorsError(path, field, `${op}: ${path}: ${field}: element ${c.index} is the byte ${c.byte}; a BOOL is 0 or 1`))
    }
    tensors.set(name, { dtype, shape, values: c.values, conversion: c.conversion })
  }
  return E.right({ tensors, metadata: header.right.metadata })
}

/**
 * Parses and validates a safetensors file's bytes (such as a file a browser fetched). Every problem
 * is a `Left` naming the field (`header length`, `header.<name>.data_offsets`, `__metadata__.<key>`,
 * ...), found before anything is allocated for a tensor. F64 tensors whose bytes sit at a multiple of
 * 8 in memory on a little-endian host are VIEWS of `bytes.buffer` (no copy): they alias the input, so
 * writing either changes both; other tensors are converted copies. Tensors come in file order.
 * @example
 * import { decodeSafetensors, encodeSafetensors } from 'kiln'
 * const bytes = encodeSafetensors([['a', { shape: [1], values: Float64Array.of(1) }], ['b', { shape: [], values: Float64Array.of(2) }]])
 * const r = decodeSafetensors(bytes, 'ab.safetensors')
 * r._tag === 'Right' && [...r.right.tensors.keys()] // ['a', 'b']
 * r._tag === 'Right' && r.right.tensors.get('a')!.values.buffer === bytes.buffer // true
 * const only = decodeSafetensors(bytes, 'ab.safetensors', { names: (n) => n === 'b' })
 * only._tag === 'Right' && [...only.right.tensors.keys()] // ['b']
 * const json = new TextEncoder().encode('{"format":"kiln-values"}')
 * const bad = decodeSafetensors(json, 'm.json')
 * bad._tag === 'Left' && bad.left.field // 'header length'
 * const raw = decodeSafetensors(new ArrayBuffer(8) as never)
 * raw._tag === 'Left' && raw.left.message // 'decodeSafetensors: <bytes>: bytes: expected a Uint8Array (wrap an ArrayBuffer in new Uint8Array(buffer)), got an object'
 */
export const decodeSafetensors = (bytes: Uint8Array, path = '<bytes>', options: SafetensorsReadOptions = {}): E.Either<SafetensorsError, Safetensors> => {
  const bad = optionTableProblem('decodeSafetensors', options, SAFETENSORS_READ_OPTIONS)
  return bad === undefined ? readSafetensors('decodeSafetensors', bytes, path, options) : E.left(safetensorsError(path, bad.field, bad.message))
}
