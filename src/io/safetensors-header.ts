/**
 * The safetensors header: parsing and validating it (io-ts codecs for each entry, then the offsets:
 * in bounds, no overlap, no hole), and building it for a writer. Every bound is checked here, before
 * the reader allocates anything for a tensor's values.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { ArgumentError, describeValue, numberList, ownValue } from '../options.js'
import { fmt } from '../shape.js'
import { SAFETENSORS_DTYPE_BYTES, type SafetensorsDtype } from './dtypes.js'

/** Why a safetensors file could not be read or written: the path, the field (`header.<name>.data_offsets`, `header length`, ...) and a message naming both. */
export interface SafetensorsError {
  readonly _tag: 'SafetensorsError'
  readonly path: string
  readonly field: string
  readonly message: string
}

/**
 * Builds a `SafetensorsError`.
 * @example
 * import { safetensorsError } from 'kiln'
 * safetensorsError('m.safetensors', 'header', 'loadSafetensors: m.safetensors: header: not JSON').field // 'header'
 */
export const safetensorsError = (path: string, field: string, message: string): SafetensorsError => ({ _tag: 'SafetensorsError', path, field, message })

/**
 * The most header bytes a reader accepts by default: 100,000,000, as the reference implementation.
 * @example
 * import { SAFETENSORS_MAX_HEADER_BYTES } from 'kiln'
 * SAFETENSORS_MAX_HEADER_BYTES // 100_000_000
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000

/** One tensor of a validated header: where its bytes are, relative to the data section. */
export interface HeaderEntry {
  readonly name: string
  readonly dtype: SafetensorsDtype
  readonly shape: readonly number[]
  readonly begin: number
  readonly end: number
  readonly count: number
}

/** A validated header: the tensors in data order, the metadata (a null-prototype record) and where the data section starts. */
export interface ParsedHeader {
  readonly entries: readonly HeaderEntry[]
  readonly metadata: Readonly<Record<string, string>>
  readonly dataStart: number
}

const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0
const Count = new t.Type<number>('a non-negative integer', isCount, (u, c) => (isCount(u) ? t.success(u) : t.failure(u, c)), t.identity)
const isOffsets = (u: unknown): u is [number, number] => Array.isArray(u) && u.length === 2 && isCount(u[0]) && isCount(u[1])
const Offsets = new t.Type<[number, number]>('[begin, end] (two non-negative integers)', isOffsets, (u, c) => (isOffsets(u) ? t.success(u) : t.failure(u, c)), t.identity)
const DTYPES = Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')
const Dtype = t.keyof(SAFETENSORS_DTYPE_BYTES, `one of ${DTYPES}`)

/**
 * One tensor's header entry: `{ dtype, shape, data_offsets }` (other keys are ignored, as the reference reader does).
 * @example
 * import { TensorInfo } from './safetensors-header.js'
 * TensorInfo.is({ dtype: 'F64', shape: [2], data_offsets: [0, 16] }) // true
 * TensorInfo.is({ dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] }) // false
 */
export const TensorInfo = t.type({ dtype: Dtype, shape: t.array(Count), data_offsets: Offsets })

/** The first io-ts error as a field under `prefix` and what was there. */
const firstProblem = (prefix: string, errors: t.Errors): { field: string; detail: string } => {
  const ctx = errors[0]?.context ?? []
  const keys = ctx.map((c) => c.key).filter((k) => k !== '')
  const last = ctx.at(-1)
  const expected = last?.type.name ?? 'a tensor entry'
  const detail = last?.actual === undefined ? `missing; expected ${expected}` : `expected ${expected}, got ${shortly(last.actual)}`
  return { field: [prefix, ...keys].join('.'), detail }
}

/** A parsed JSON value for a message: short arrays as JSON, anything else described. */
const shortly = (v: unknown): string =>
  Array.isArray(v) && v.length <= 8 && v.every((x) => typeof x === 'number') ? JSON.stringify(v) : Array.isArray(v) ? `an array of ${v.length} entries` : describeValue(v)

/** The element count of `shape`, or undefined when its bytes would pass 2^53 (refused before anything is allocated). */
const elementCount = (shape: readonly number[], size: number): number | undefined => {
  if (shape.includes(0)) return 0
  let n = 1
  for (const d of shape) {
    n *= d
    if (n * size > Number.MAX_SAFE_INTEGER) return undefined
  }
  return n
}

/** What a file that is not safetensors looks like, for the messages about its first bytes. */
const sniff = (bytes: Uint8Array): string => {
  const starts = (...b: number[]): boolean => b.every((x, i) => bytes[i] === x)
  if (starts(0x50, 0x4b, 0x03, 0x04)) return ' (it looks like a zip archive: a PyTorch .pt/.pth file is a zip of pickles; convert it with safetensors.torch.save_file)'
  if (starts(0x1f, 0x8b)) return ' (it looks like gzip: inflate it first)'
  if (starts(0x89, 0x48, 0x44, 0x46)) return ' (it looks like an HDF5 file, such as a Keras .h5 model)'
  if (starts(0x80) && (bytes[1] ?? 0) <= 5) return ' (it looks like a Python pickle, such as an old PyTorch checkpoint)'
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09)
  if (first === 0x7b || first === 0x5b) return ' (it looks like JSON text, such as a Kiln values file: read it with decodeValues or loadValues)'
  return ''
}

type Fail = (field: string, detail: string) => E.Either<SafetensorsError, never>

/** The header's length and JSON value, checked against the file's size and `maxHeaderBytes` before anything is decoded. */
const headerJson = (bytes: Uint8Array, maxHeaderBytes: number, fail: Fail): E.Either<SafetensorsError, { n: number; raw: unknown }> => {
  if (bytes.length < 8) return fail('header length', `the file is ${bytes.length} bytes, shorter than the 8-byte header length${sniff(bytes)}`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8)
  const hi = dv.getUint32(4, true)
  // The length is a u64: read as two halves, exact below 2^53 (a larger one cannot fit any file).
  const n = hi * 0x100000000 + dv.getUint32(0, true)
  if (hi >= 2 ** 21 || n > bytes.length - 8)
    return fail('header length', `the header claims ${hi >= 2 ** 21 ? 'more than 2^53' : n} bytes, but ${bytes.length - 8} follow the length (a truncated file, or not a safetensors file${sniff(bytes)})`)
  if (n > maxHeaderBytes) return fail('header length', `the header is ${n} bytes, more than maxHeaderBytes = ${maxHeaderBytes}; raise it only for a file you trust`)
  if (n === 0 || bytes[8] !== 0x7b)
    return fail('header', `expected a JSON object starting with '{', got ${n === 0 ? 'an empty header' : `the byte 0x${bytes[8]!.toString(16).padStart(2, '0')}`} (not a safetensors file${sniff(bytes)})`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n))
  } catch {
    return fail('header', 'the header is not valid UTF-8')
  }
  try {
    return E.right({ n, raw: JSON.parse(text) as unknown })
  } catch (e) {
    return fail('header', `the header is not valid JSON: ${(e as Error).message}`)
  }
}

/**
 * An object of strings copied into a null-prototype record, or the first problem as a field under
 * `prefix` and a detail: the reader's `__metadata__` and the writer's `metadata` are checked alike.
 */
const stringRecord = (prefix: string, value: unknown): E.Either<{ field: string; detail: string }, Record<string, string>> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return E.left({ field: prefix, detail: `expected an object of strings, got ${describeValue(value)}` })
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const k of Object.keys(value)) {
    const r = ownValue(value, k)
    if (!r.ok || typeof r.value !== 'string') return E.left({ field: `${prefix}.${k}`, detail: `expected a string, got ${r.ok ? describeValue(r.value) : r.why}` })
    out[k] = r.value
  }
  return E.right(out)
}

/** One tensor entry, its size checked against its offsets and the data section. */
const readEntry = (name: string, value: unknown, dataLength: number, fail: Fail): E.Either<SafetensorsError, HeaderEntry> => {
  const where = `header.${name}`
  if (name === '') return fail('header.""', 'a tensor name must not be empty')
  const info = TensorInfo.decode(value)
  if (E.isLeft(info)) {
    const p = firstProblem(where, info.left)
    return fail(p.field, p.detail)
  }
  const { dtype, shape, data_offsets: [begin, end] } = info.right
  const size = SAFETENSORS_DTYPE_BYTES[dtype]
  const count = elementCount(shape, size)
  if (count === undefined) return fail(`${where}.shape`, `${dtype} ${fmt(shape)} would need more than 2^53 bytes`)
  if (end < begin) return fail(`${where}.data_offsets`, `[${begin}, ${end}] ends before it begins`)
  if (end - begin !== count * size)
    return fail(`${where}.data_offsets`, `[${begin}, ${end}] holds ${end - begin} bytes, expected ${count * size} (${dtype} ${fmt(shape)})`)
  if (end > dataLength) return fail(`${where}.data_offsets`, `[${begin}, ${end}] is outside the data section of ${dataLength} bytes (a truncated file?)`)
  return E.right({ name, dtype, shape, begin, end, count })
}

/** Sorted by offset, the tensors must tile the data section exactly: no overlap, no hole, nothing after. */
const checkTiling = (entries: readonly HeaderEntry[], dataLength: number, fail: Fail): E.Either<SafetensorsError, readonly HeaderEntry[]> => {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let at = 0
  let previous: HeaderEntry | undefined
  for (const e of sorted) {
    const field = `header.${e.name}.data_offsets`
    if (e.begin < at) return fail(field, `[${e.begin}, ${e.end}] overlaps '${previous!.name}' at [${previous!.begin}, ${previous!.end}]`)
    if (e.begin > at) return fail(field, `[${e.begin}, ${e.end}] leaves bytes ${at} to ${e.begin} of the data section to no tensor (a hole)`)
    at = e.end
    previous = e
  }
  if (at !== dataLength) return fail('data section', `the tensors end at byte ${at}, but the data section has ${dataLength} bytes (trailing bytes no tensor covers)`)
  return E.right(sorted)
}

/**
 * Parses and validates the header of a safetensors file held in `bytes`; `op` and `path` prefix every message.
 * @example
 * import { parseHeader } from './safetensors-header.js'
 * import { encodeSafetensors } from 'kiln'
 * const file = encodeSafetensors([['w', { shape: [2], values: Float64Array.of(1, 2) }]])
 * const h = parseHeader('decodeSafetensors', file, 'w.safetensors', 1e8)
 * h._tag === 'Right' && h.right.entries.map((e) => [e.name, e.begin, e.end]) // [['w', 0, 16]]
 * parseHeader('decodeSafetensors', file.subarray(0, 20), 'cut.safetensors', 1e8)._tag // 'Left'
 */
export const parseHeader = (op: string, bytes: Uint8Array, path: string, maxHeaderBytes: number): E.Either<SafetensorsError, ParsedHeader> => {
  const fail: Fail = (field, detail) => E.left(safetensorsError(path, field, `${op}: ${path}: ${field}: ${detail}`))
  const json = headerJson(bytes, maxHeaderBytes, fail)
  if (E.isLeft(json)) return json
  const { n, raw } = json.right
  if (!t.UnknownRecord.is(raw) || Array.isArray(raw)) return fail('header', `expected a JSON object of tensors, got ${describeValue(raw)}`)
  const dataStart = 8 + n
  const dataLength = bytes.length - dataStart
  let metadata: Record<string, string> = Object.create(null) as Record<string, string>
  const entries: HeaderEntry[] = []
  for (const name of Object.keys(raw)) {
    // JSON.parse makes every key (`__proto__` too) an own data property, read as such.
    const r = ownValue(raw, name)
    const value = r.ok ? r.value : undefined
    if (name === '__metadata__') {
      const m = stringRecord('__metadata__', value)
      if (E.isLeft(m)) return fail(m.left.field, m.left.detail)
      metadata = m.right
      continue
    }
    const entry = readEntry(name, value, dataLength, fail)
    if (E.isLeft(entry)) return entry
    entries.push(entry.right)
  }
  const sorted = checkTiling(entries, dataLength, fail)
  return E.isLeft(sorted) ? sorted : E.right({ entries: sorted.right, metadata, dataStart })
}

/** A tensor to write, as the writer checked it. */
interface Checked {
  readonly name: string
  readonly shape: readonly number[]
  readonly values: Float64Array
}

/** The tensors, checked: names non-empty, unique and not `__metadata__`; shapes of non-negative integers matching the values. */
const checkTensors = (op: string, tensors: unknown): Checked[] => {
  if (!Array.isArray(tensors)) throw new ArgumentError(op, 'tensors', `expected an array of [name, { shape, values }] pairs, got ${describeValue(tensors)}`)
  const seen = new Set<string>()
  return tensors.map((pair: unknown, i): Checked => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new ArgumentError(op, `tensors[${i}]`, `expected a [name, { shape, values }] pair, got ${describeValue(pair)}`)
    const [name, entry]: unknown[] = pair
    if (typeof name !== 'string' || name === '' || name === '__metadata__')
      throw new ArgumentError(op, `tensors[${i}]`, `expected a non-empty tensor name other than '__metadata__', got ${describeValue(name)}`)
    if (seen.has(name)) throw new ArgumentError(op, `tensors.${name}`, `the name '${name}' appears twice`)
    seen.add(name)
    if (typeof entry !== 'object' || entry === null) throw new ArgumentError(op, `tensors.${name}`, `expected { shape, values }, got ${describeValue(entry)}`)
    const values = ownValue(entry, 'values')
    if (!values.ok || !(values.value instanceof Float64Array))
      throw new ArgumentError(op, `tensors.${name}.values`, `expected a Float64Array, got ${values.ok ? describeValue(values.value) : values.why}`)
    const shapeValue = ownValue(entry, 'shape')
    const shape = numberList(op, `tensors.${name}.shape`, shapeValue.ok ? shapeValue.value : undefined, true)
    const count = elementCount(shape, 8)
    if (shape.some((d) => d < 0) || count !== values.value.length)
      throw new ArgumentError(op, `tensors.${name}.shape`, `expected non-negative dims whose product is the ${values.value.length} values, got ${fmt(shape)}`)
    return { name, shape, values: values.value }
  })
}

/** A writer's plan: the header bytes, the data section's size, and each tensor in the order given. */
export interface Layout {
  readonly header: Uint8Array
  readonly dataBytes: number
  readonly tensors: readonly Checked[]
}

/**
 * Checks the tensors and builds the header (all F64, in the order given, `__metadata__` first when
 * there is any), padded with spaces so that the data section starts at a multiple of 8. Throws an
 * `ArgumentError` naming `op` and the field.
 * @example
 * import { layoutTensors } from './safetensors-header.js'
 * const l = layoutTensors('encodeSafetensors', [['b', { shape: [], values: Float64Array.of(1) }]], { a: 'x' })
 * l.header.length % 8 // 0
 * l.dataBytes // 8
 * try { layoutTensors('encodeSafetensors', [['b', { shape: [2], values: Float64Array.of(1) }]]) } catch (e) { (e as Error).message } // 'encodeSafetensors: tensors.b.shape: expected non-negative dims whose product is the 1 values, got [2]'
 */
export const layoutTensors = (op: string, tensors: unknown, metadata?: unknown): Layout => {
  const checked = checkTensors(op, tensors)
  const checkedMeta = metadata === undefined ? E.right({}) : stringRecord('metadata', metadata)
  if (E.isLeft(checkedMeta)) throw new ArgumentError(op, checkedMeta.left.field, checkedMeta.left.detail)
  const meta = checkedMeta.right
  const parts: string[] = Object.keys(meta).length > 0 ? [`"__metadata__":${JSON.stringify(meta)}`] : []
  let offset = 0
  for (const { name, shape, values } of checked) {
    parts.push(`${JSON.stringify(name)}:{"dtype":"F64","shape":${JSON.stringify(shape)},"data_offsets":[${offset},${offset + 8 * values.length}]}`)
    offset += 8 * values.length
  }
  const body = new TextEncoder().encode(`{${parts.join(',')}}`)
  const n = body.length + ((8 - ((8 + body.length) % 8)) % 8)
  if (n > SAFETENSORS_MAX_HEADER_BYTES)
    throw new ArgumentError(op, 'tensors', `the header would be ${n} bytes, more than the ${SAFETENSORS_MAX_HEADER_BYTES} readers accept (SAFETENSORS_MAX_HEADER_BYTES); write fewer tensors per file`)
  // n < 2^32, so the u64 length's high half stays zero; the padding after the JSON is spaces
  const header = new Uint8Array(8 + n).fill(0x20, 8)
  new DataView(header.buffer).setUint32(0, n, true)
  header.set(body, 8)
  return { header, dataBytes: offset, tensors: checked }
}
