/**
 * Reading HDF5 files through the optional package `h5wasm` (the HDF5 C library compiled to
 * WebAssembly), loaded on first use: a program that never reads HDF5 never loads it, and without it
 * installed a read is a `Left` saying `npm install h5wasm`.
 *
 * The file is read like every `kiln/node` reader (`readRaw`: at most `maxFileBytes`, checked before a
 * byte is read) and handed to HDF5 inside h5wasm's in-memory file system, never its view of the disk:
 * a crafted file's external raw data files cannot make HDF5 read another file of the host (the read fails),
 * virtual datasets are refused and external links are not followed. HDF5's error reports go to a buffer of that file
 * system, not to the process's stderr, and name what went wrong in the `Left`; the copy is removed and
 * the file closed whatever happens.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Metadata, OutputData } from 'h5wasm'
import { DEFAULT_MAX_CLASSES, type Dataset } from '../data/dataset.js'
import { dataError, inSource, type DataError } from '../data/error.js'
import { describeValue, kindCheck, optionTableProblem, type OptionTable, type ValueCheck } from '../options.js'
import { fmt, sizeOf } from '../shape.js'
import { readRaw, type FileSizeOptions } from './files.js'

type H5wasm = typeof import('h5wasm')
type H5Module = Awaited<H5wasm['ready']>
type H5Group = InstanceType<H5wasm['Group']>

/** A dataset or attribute read whole: numbers as float64 (`dtype` says how they were stored), or strings. */
export type H5Value =
  | { readonly kind: 'numbers'; readonly values: Float64Array; readonly shape: readonly number[]; readonly dtype: string; readonly integer: boolean }
  | { readonly kind: 'strings'; readonly values: readonly string[]; readonly shape: readonly number[] }

/** An open HDF5 file, as readers see it. Paths are relative to the root (`'model_weights/dense'`); `''` is the root. */
export interface H5File {
  /** What is at `path`. */
  readonly kind: (path: string) => 'group' | 'dataset' | 'missing' | 'other'
  /** The member names of the group at `path` (empty when it is not a group). */
  readonly members: (path: string) => readonly string[]
  /** The paths of every dataset in the file, for error messages. */
  readonly datasets: () => readonly string[]
  /** The attribute names of the object at `path`. */
  readonly attributes: (path: string) => readonly string[]
  /** The dataset at `path` read whole, or its attribute `attribute`: a `Left` names the path and what is wrong. */
  readonly read: (path: string, attribute?: string) => E.Either<DataError, H5Value>
}

/** The most bytes one dataset may decode to: h5wasm holds it whole in its 2 GiB WebAssembly memory. */
const MAX_DECODED_BYTES = 2 ** 30
/** The folder of h5wasm's in-memory file system where files are read and HDF5's error reports go. */
const DIR = '/kiln'
const REPORT = `${DIR}/hdf5-errors.txt`

interface Loaded {
  readonly h5: H5wasm
  readonly fs: H5Module['FS']
  /** HDF5's error reports since the last call (emptied by each call). */
  readonly reports: () => string
}

/** The stream table of Emscripten's FS, which h5wasm's types leave out. */
interface Streams {
  readonly getStream: (fd: number) => object | null | undefined
}
const hasStreams = (fs: object): fs is Streams => 'getStream' in fs && typeof fs.getStream === 'function'

/**
 * Points HDF5's stderr (fd 2 of the WebAssembly program, which h5wasm sends to `console.error`) at a
 * file of the in-memory file system, and returns the function that reads and empties it. The reports
 * are how a failed read shows (h5wasm ignores HDF5's status codes: a dataset kept in an external file
 * reads as uninitialized memory plus a report), so a version of h5wasm where this cannot be set up is
 * refused rather than read blind.
 */
const captureReports = (fs: H5Module['FS']): (() => string) => {
  fs.mkdirTree(DIR)
  const stderr = hasStreams(fs) ? fs.getStream(2) : undefined
  if (!hasStreams(fs) || !stderr) throw new Error("its file system has no stream table with HDF5's stderr (fd 2), where Kiln reads HDF5's error reports")
  fs.close(stderr)
  const stream = fs.open(REPORT, 'a')
  if (fs.getStream(2) !== stream) throw new Error("HDF5's stderr could not be redirected to read its error reports")
  return () => {
    const text = fs.readFile(REPORT, { encoding: 'utf8' })
    if (text !== '') fs.truncate(REPORT, 0)
    return text
  }
}

let loading: Promise<Loaded> | undefined

const thrownText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Whether an import failed because h5wasm is not installed (also when a loader wrapped that error as its `cause`). */
const notInstalled = (e: unknown, depth = 0): boolean => {
  if (typeof e !== 'object' || e === null || depth > 8) return false
  const message = e instanceof Error ? e.message : ''
  const code = 'code' in e ? e.code : undefined
  if ((code === 'ERR_MODULE_NOT_FOUND' || /cannot find (package|module)/i.test(message)) && message.includes('h5wasm')) return true
  return 'cause' in e && notInstalled(e.cause, depth + 1)
}

/** h5wasm, loaded once (a failed load is retried by the next call, after an `npm install`). */
const loadH5wasm = async (op: string, path: string): Promise<E.Either<DataError, Loaded>> => {
  try {
    loading ??= import('h5wasm').then(async (h5) => {
      const module = await h5.ready
      return { h5, fs: module.FS, reports: captureReports(module.FS) }
    })
    return E.right(await loading)
  } catch (e) {
    loading = undefined
    return E.left(dataError.file(path, notInstalled(e)
      ? `${op}: reading HDF5 needs the optional package h5wasm: npm install h5wasm`
      : `${op}: could not load the optional package h5wasm: ${thrownText(e)}`))
  }
}

/** The innermost reason of an HDF5 error report (`file signature not found`), else its first line. */
const reason = (report: string): string => {
  const lines = [...report.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)]
  return lines.at(-1)?.[1]?.trim() ?? report.trim().split('\n')[0] ?? ''
}

const TYPE_NAMES: Readonly<Record<number, string>> = { 2: 'time', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 9: 'variable-length', 10: 'array' }

const dtypeName = (m: Metadata): string =>
  m.type === 0 ? `${m.signed ? 'int' : 'uint'}${m.size * 8}` : m.type === 1 ? `float${m.size * 8}` : m.type === 8 ? `enum (${m.size * 8}-bit)` : (TYPE_NAMES[m.type] ?? `type ${m.type}`)

/** h5wasm's numbers as float64; 64-bit integers must be exact in float64. */
const toFloat64 = (v: OutputData | null, what: string): E.Either<DataError, Float64Array> => {
  if (v instanceof BigInt64Array || v instanceof BigUint64Array || typeof v === 'bigint') {
    const big = typeof v === 'bigint' ? [v] : v
    const out = new Float64Array(big.length)
    for (let i = 0; i < big.length; i++) {
      const x = big[i]!
      if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER))
        return E.left(dataError.format(`${what}: element ${i} is ${x}, beyond the integers float64 holds exactly (2^53)`))
      out[i] = Number(x)
    }
    return E.right(out)
  }
  if (typeof v === 'number') return E.right(Float64Array.of(v))
  if (v instanceof Float64Array) return E.right(v)
  // The typed-array constructor converts natively (Float64Array.from would walk the iterator).
  if (ArrayBuffer.isView(v)) return E.right(new Float64Array(v))
  return E.left(dataError.format(`${what}: h5wasm gave ${describeValue(v)} for numbers`))
}

const toStrings = (v: OutputData | null, what: string): E.Either<DataError, readonly string[]> => {
  if (typeof v === 'string') return E.right([v])
  if (Array.isArray(v)) {
    const out: string[] = []
    for (const s of v) {
      if (typeof s !== 'string') return E.left(dataError.format(`${what}: expected strings, got ${describeValue(s)} in the list`))
      out.push(s)
    }
    return E.right(out)
  }
  return E.left(dataError.format(`${what}: h5wasm gave ${describeValue(v)} for strings`))
}

/** Reads a dataset or attribute (anything with h5wasm's `metadata` and `value`) into an `H5Value`. */
const readNode = (node: { readonly metadata: Metadata; readonly value: OutputData | null }, what: string, reports: () => string): E.Either<DataError, H5Value> => {
  const m = node.metadata
  const shape = m.shape ?? []
  if (m.shape === null) return E.left(dataError.format(`${what}: holds no data (an HDF5 null dataspace)`))
  if (m.type === 1 && m.size === 2) return E.left(dataError.format(`${what}: float16 values are not supported (h5wasm has no float16 arrays); store them as float32`))
  if (m.virtual_sources !== undefined)
    return E.left(dataError.format(`${what}: is a virtual dataset, whose values live in other files (${listNames([...new Set(m.virtual_sources.map((v) => v.file_name))])}); only data stored in the file is read`))
  if (m.type !== 0 && m.type !== 1 && m.type !== 3 && m.type !== 8)
    return E.left(dataError.format(`${what}: expected numbers or strings, got ${dtypeName(m)} data`))
  const bytes = m.total_size * m.size
  if (bytes > MAX_DECODED_BYTES)
    return E.left(dataError.limit(MAX_DECODED_BYTES, `${what}: decodes to ${bytes} bytes, more than h5wasm can hold at once (${MAX_DECODED_BYTES} bytes)`))
  // Reading the value is the step whose failure only shows as a report: start from an empty one.
  reports()
  const value = node.value
  const report = reports()
  if (report !== '') return E.left(dataError.format(`${what}: HDF5 could not read it: ${reason(report)}`))
  if (m.type === 3) return E.map((values: readonly string[]) => ({ kind: 'strings' as const, values, shape }))(toStrings(value, what))
  return E.map((values: Float64Array) => ({ kind: 'numbers' as const, values, shape, dtype: dtypeName(m), integer: m.type !== 1 }))(toFloat64(value, what))
}

const entityKind = (h5: H5wasm, e: unknown): 'group' | 'dataset' | 'missing' | 'other' =>
  e === null || e === undefined ? 'missing' : e instanceof h5.Dataset ? 'dataset' : e instanceof h5.Group ? 'group' : 'other'

const at = (path: string): string => (path === '' ? '/' : path)

/** The `H5File` view of an open h5wasm file. */
const view = (h5: H5wasm, file: H5Group, reports: () => string): H5File => {
  const get = (path: string) => (path === '' ? file : file.get(path))
  const kind = (path: string) => entityKind(h5, get(path))
  const members = (path: string): readonly string[] => {
    const g = get(path)
    return g instanceof h5.Group ? g.keys() : []
  }
  return {
    kind,
    members,
    datasets: () => file.paths().map((p) => p.replace(/^\//, '')).filter((p) => kind(p) === 'dataset').sort(),
    attributes: (path) => {
      const o = get(path)
      return o instanceof h5.Group || o instanceof h5.Dataset ? Object.keys(o.attrs) : []
    },
    read: (path, attribute) => {
      const o = get(path)
      if (attribute === undefined) {
        if (o instanceof h5.Dataset) return readNode(o, path, reports)
        return E.left(dataError.format(`${path}: ${o === null ? 'not found' : `is a ${entityKind(h5, o)}, not a dataset`}`))
      }
      const what = `${at(path)} attribute ${attribute}`
      if (!(o instanceof h5.Group || o instanceof h5.Dataset)) return E.left(dataError.format(`${what}: ${at(path)} is not a group or dataset`))
      const attrs = o.attrs
      const a = Object.hasOwn(attrs, attribute) ? attrs[attribute] : undefined
      return a === undefined ? E.left(dataError.format(`${what}: not found`)) : readNode(a, what, reports)
    },
  }
}

let serial = 0

/** Runs a clean-up step whose failure leaves nothing more to undo (a copy never written, a file that would not close). */
const attempt = (f: () => unknown): void => {
  try {
    f()
  } catch {
    // nothing else to undo
  }
}

/** Opens `bytes` as an HDF5 file in h5wasm's memory, runs `use` on it, closes and removes it. Synchronous throughout. */
const session = <A>(lib: Loaded, bytes: Uint8Array, use: (file: H5File) => E.Either<DataError, A>): E.Either<DataError, A> => {
  const { h5, fs, reports } = lib
  const name = `${DIR}/${++serial}.h5`
  let file: InstanceType<H5wasm['File']> | undefined
  try {
    reports()
    fs.writeFile(name, bytes)
    file = new h5.File(name, 'r')
    if (file.file_id < 0n) return E.left(dataError.format(`cannot open it as HDF5: ${reason(reports()) || 'h5wasm could not open it'}`))
    return use(view(h5, file, reports))
  } catch (e) {
    return E.left(dataError.format(`cannot read it as HDF5: ${reason(reports()) || thrownText(e)}`))
  } finally {
    attempt(() => file !== undefined && file.file_id >= 0n && file.close())
    attempt(() => fs.unlink(name))
    reports()
  }
}

/**
 * Reads the HDF5 file at `path` (at most `maxFileBytes`, default 256 MiB, checked before it is read)
 * and runs `use` on it; every `Left` from inside the file starts with the path. Never rejects: a
 * missing file, a file that is not HDF5 or is truncated, and a missing h5wasm are `Left`s. `op` names
 * the caller in messages.
 * @example
 * import * as E from 'fp-ts/lib/Either.js'
 * import { withH5File } from './hdf5.js'
 * // resolves to a Left: the file does not exist
 * withH5File('demo', '/no/such/file.h5', {}, (file) => E.right(file.datasets())) instanceof Promise // true
 */
export const withH5File = async <A>(
  op: string,
  path: string,
  size: FileSizeOptions,
  use: (file: H5File) => E.Either<DataError, A>,
): Promise<E.Either<DataError, A>> => {
  try {
    const raw = readRaw(path, size, { who: op })
    if (E.isLeft(raw)) return raw
    const lib = await loadH5wasm(op, path)
    if (E.isLeft(lib)) return lib
    return E.mapLeft(inSource(path))(session(lib.right, raw.right, use))
  } catch (e) {
    return E.left(dataError.file(path, `${path}: ${op}: ${thrownText(e)}`))
  }
}

/**
 * The names of a list for a message: comma-separated, the first `max` only.
 * @example
 * import { listNames } from './hdf5.js'
 * listNames(['a', 'b', 'c'], 2) // 'a, b and 1 more'
 * listNames([]) // 'none'
 */
export const listNames = (names: readonly string[], max = 20): string =>
  names.length === 0 ? 'none' : names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`

/** The numbers of an `H5Value`. */
export type H5Numbers = Extract<H5Value, { readonly kind: 'numbers' }>

/**
 * The dataset at `path` read whole, or a `Left` saying that it is missing or a group (listing the
 * datasets the file has).
 * @example
 * import { datasetAt } from './hdf5.js'
 * const file = { kind: () => 'missing', members: () => [], datasets: () => ['a', 'b'], attributes: () => [], read: () => { throw new Error('unused') } } as const
 * datasetAt(file, 'x') // { _tag: 'Left', left: { _tag: 'FormatError', message: 'x not found; the file has datasets: a, b' } }
 */
export const datasetAt = (file: H5File, path: string): E.Either<DataError, H5Value> => {
  const k = file.kind(path)
  return k === 'dataset'
    ? file.read(path)
    : E.left(dataError.format(`${path} ${k === 'missing' ? 'not found' : `is a ${k}, not a dataset`}; the file has datasets: ${listNames(file.datasets())}`))
}

/**
 * The dataset at `path` as numbers: `datasetAt`, and a `Left` for strings naming what the numbers are for (`role`).
 * @example
 * import { numbersAt } from './hdf5.js'
 * const file = { kind: () => 'dataset', members: () => [], datasets: () => ['names'], attributes: () => [], read: () => ({ _tag: 'Right', right: { kind: 'strings', values: ['a'], shape: [1] } }) } as const
 * numbersAt(file, 'names', 'the features') // { _tag: 'Left', left: { _tag: 'FormatError', message: 'names: expected numbers (the features), got strings' } }
 */
export const numbersAt = (file: H5File, path: string, role: string): E.Either<DataError, H5Numbers> => {
  const v = datasetAt(file, path)
  if (E.isLeft(v)) return v
  const value = v.right
  return value.kind === 'numbers' ? E.right(value) : E.left(dataError.format(`${path}: expected numbers (${role}), got strings`))
}

/** Options of `readH5Dataset`. */
export interface ReadH5Options {
  /** The path of the features dataset, `[m, ...featureShape]` (the course's `train_set_x`). */
  readonly x: string
  /** The path of the labels or targets, `[m]`, `[1, m]` or `[m, 1]` (`train_set_y`); without it every `y` is 0. */
  readonly y?: string
  /** The path of the class names, strings or byte strings (`list_classes`). */
  readonly classes?: string
  /** The most bytes the file may hold (default `DEFAULT_MAX_FILE_BYTES`, 256 MiB), checked before it is read. */
  readonly maxFileBytes?: number
  /** Multiplies every feature (`1 / 255` for pixels in [0, 1]); default 1. */
  readonly scale?: number
}

const bytesCheck: ValueCheck = (v) => (typeof v === 'number' && v >= 0 ? undefined : `expected a number of bytes >= 0, got ${describeValue(v)}`)
const finiteCheck: ValueCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a finite number (1 / 255 scales pixels to [0, 1]), got ${describeValue(v)}`)
const READ_H5_CHECKS: { readonly [K in keyof ReadH5Options]-?: ValueCheck } = {
  x: kindCheck('string'), y: kindCheck('string'), classes: kindCheck('string'), maxFileBytes: bytesCheck, scale: finiteCheck,
}
const READ_H5_OPTIONS: OptionTable = { checks: READ_H5_CHECKS, required: { x: "the path of the features dataset (e.g. 'train_set_x')" } }

/** The class labels `y` (integers in [0, k) for k named classes, or up to `DEFAULT_MAX_CLASSES` implied), with the class names. */
const labelled = (name: string, y: H5Numbers, classes: readonly string[] | undefined): E.Either<DataError, readonly string[]> => {
  if (classes === undefined && !y.integer) {
    const bad = y.values.findIndex((v) => !Number.isFinite(v))
    return bad < 0 ? E.right([]) : E.left(dataError.format(`${name}: row ${bad} has the non-finite target ${y.values[bad]}`))
  }
  const limit = classes?.length ?? DEFAULT_MAX_CLASSES
  let max = -1
  for (let i = 0; i < y.values.length; i++) {
    const l = y.values[i]!
    if (!Number.isInteger(l) || l < 0 || l >= limit)
      return E.left(dataError.label(i, l, classes === undefined
        ? `${name}: row ${i} has label ${l}, expected a class index in [0, ${limit}) (at most DEFAULT_MAX_CLASSES classes without class names)`
        : `${name}: row ${i} has label ${l}, expected an integer in [0, ${limit}) for the ${limit} classes`))
    max = Math.max(max, l)
  }
  return E.right(classes ?? Array.from({ length: max + 1 }, (_, i) => String(i)))
}

const buildDataset = (file: H5File, o: ReadH5Options): E.Either<DataError, Dataset> => {
  const xs = numbersAt(file, o.x, 'the features')
  if (E.isLeft(xs)) return xs
  const { shape, values: x } = xs.right
  const featureShape = shape.slice(1)
  if (shape.length < 2 || featureShape.some((d) => d === 0))
    return E.left(dataError.format(`${o.x}: expected a shape [rows, ...features] with at least 2 axes and no empty feature axis, got ${fmt(shape)}`))
  const n = shape[0]!
  const f = sizeOf(featureShape)
  const scale = o.scale ?? 1
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] = x[i]! * scale)
    if (!Number.isFinite(v))
      return E.left(dataError.format(`${o.x}: row ${Math.floor(i / f)} has the non-finite feature ${v} at index ${i % f}${scale === 1 ? '' : ` (after scale ${scale})`}`))
  }
  let classes: readonly string[] | undefined
  if (o.classes !== undefined) {
    const c = datasetAt(file, o.classes)
    if (E.isLeft(c)) return c
    const names = c.right
    if (names.kind !== 'strings') return E.left(dataError.format(`${o.classes}: expected class names (strings), got ${names.dtype} numbers`))
    if (names.values.length === 0) return E.left(dataError.format(`${o.classes}: expected at least one class name, got none`))
    classes = names.values
  }
  // The checks above are makeDataset's (a shape of positive sizes, labels in range) with DataErrors naming the dataset and row.
  if (o.y === undefined) return E.right({ x, y: new Float64Array(n), n, featureShape, classes: [] })
  const ys = numbersAt(file, o.y, 'the labels')
  if (E.isLeft(ys)) return ys
  const s = ys.right.shape
  if (!(s.length === 1 || (s.length === 2 && (s[0] === 1 || s[1] === 1))))
    return E.left(dataError.format(`${o.y}: expected labels of shape [m], [1, m] or [m, 1], got ${fmt(s)}`))
  if (ys.right.values.length !== n) return E.left(dataError.format(`${o.y} has ${ys.right.values.length} labels but ${o.x} has ${n} rows`))
  const names = labelled(o.y, ys.right, classes)
  if (E.isLeft(names)) return names
  return E.right({ x, y: ys.right.values, n, featureShape, classes: names.right })
}

/**
 * Reads a data set from an HDF5 file, such as the deep-learning course's `train_catvnoncat.h5`
 * (`train_set_x` uint8 `[m, 64, 64, 3]`, `train_set_y` int64 `[m]`, `list_classes` `[b'non-cat', b'cat']`):
 * `x` becomes row-major float64 rows of `featureShape` = its shape without the first axis (times
 * `scale`), `y` is flattened (`[m]`, `[1, m]` or `[m, 1]`). With `classes`, the labels must be integers
 * in [0, number of classes); without, integer labels imply the classes `'0'..'<max>'` and float labels
 * are regression targets (`classes` empty); without `y`, every label is 0 and there are no classes.
 * Non-finite features are refused, naming the row. Resolves to a `Left` (never rejects) naming the file
 * and the dataset: a missing dataset (listing those the file has), strings where numbers belong, rows
 * that do not match, a label out of range, a file that is not HDF5, larger than `maxFileBytes`
 * (default 256 MiB, checked before it is read), or a missing h5wasm (an optional dependency: `npm install h5wasm`).
 * @example
 * import { readH5Dataset } from 'kiln/node'
 * // const train = await readH5Dataset('train_catvnoncat.h5', { x: 'train_set_x', y: 'train_set_y', classes: 'list_classes', scale: 1 / 255 })
 * // train.right.featureShape is [64, 64, 3], train.right.classes ['non-cat', 'cat']
 * readH5Dataset('/no/such/file.h5', { x: 'train_set_x' }) instanceof Promise // true
 */
export const readH5Dataset = async (path: string, options: ReadH5Options): Promise<E.Either<DataError, Dataset>> => {
  if (typeof path !== 'string') return E.left(dataError.options('path', `readH5Dataset: path: expected a file path, got ${describeValue(path)}`))
  const problem = optionTableProblem('readH5Dataset', options ?? {}, READ_H5_OPTIONS)
  if (problem !== undefined) return E.left(dataError.options(problem.field, problem.message))
  if (options.classes !== undefined && options.y === undefined)
    return E.left(dataError.options('classes', 'readH5Dataset: classes: class names need labels; pass y (the labels dataset) too'))
  return withH5File('readH5Dataset', path, options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes }, (file) => buildDataset(file, options))
}
