/**
 * The IDX binary format of MNIST and Fashion-MNIST (optionally gzipped): a 4-byte magic
 * `0x00 0x00 <type> <ndims>`, `ndims` big-endian uint32 dimensions, then the values big-endian,
 * row-major. Type codes: 0x08 ubyte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
 * 0x0E float64.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { DEFAULT_MAX_CLASSES, type Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'
import { DEFAULT_MAX_INFLATED_BYTES, inflate, inflateProblem, isGzip, nestedGzip } from './gzip.js'
import { describeValue, optionKeys, optionsProblem } from '../options.js'

/** IDX element types. */
export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double'

/** A decoded IDX array: element type, dimensions and the values as float64, row-major. */
export type IdxArray = { readonly type: IdxType; readonly dims: readonly number[]; readonly data: Float64Array }

const TYPES: readonly { readonly code: number; readonly type: IdxType; readonly size: number }[] = [
  { code: 0x08, type: 'ubyte', size: 1 },
  { code: 0x09, type: 'byte', size: 1 },
  { code: 0x0b, type: 'short', size: 2 },
  { code: 0x0c, type: 'int', size: 4 },
  { code: 0x0d, type: 'float', size: 4 },
  { code: 0x0e, type: 'double', size: 8 },
]

const MAX_ELEMENTS = 2 ** 31 - 1
// the longest header: the magic and 255 dimensions
const MAX_HEADER = 4 + 4 * 255
const hex2 = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`
const fmtDims = (dims: readonly number[]): string => `[${dims.join(',')}]`

/** Options of `parseIdx` (and, with `IdxDatasetOptions`, of `loadIdxDataset`). */
export type IdxReadOptions = {
  /**
   * The most bytes a gzipped file may inflate to (default `DEFAULT_MAX_INFLATED_BYTES`, 1 GiB). The
   * header is inflated first; a header declaring more is refused before the body is inflated, and
   * the body is never inflated past the size the header declares.
   */
  readonly maxInflatedBytes?: number
}

type ElementSpec = (typeof TYPES)[number]
type Header = { readonly spec: ElementSpec; readonly dims: readonly number[]; readonly count: number; readonly start: number; readonly size: number }

/** The header of `bytes` (which may be only a prefix of the file: the body is not looked at). */
const readHeader = (bytes: Uint8Array): E.Either<DataError, Header> => {
  if (bytes.length < 4)
    return E.left(dataError.format(`truncated: the IDX magic number needs 4 bytes, got ${bytes.length}`))
  if (bytes[0] !== 0 || bytes[1] !== 0)
    return E.left(dataError.format(
      `bad magic: an IDX file starts with 0x00 0x00, a type code and a dimension count; got ${[...bytes.subarray(0, 4)].map(hex2).join(' ')}`))
  const spec = TYPES.find((t) => t.code === bytes[2])
  if (spec === undefined)
    return E.left(dataError.format(
      `bad magic: unknown type code ${hex2(bytes[2]!)} (expected ${TYPES.map((t) => `${hex2(t.code)} ${t.type}`).join(', ')})`))
  const ndims = bytes[3]!
  if (ndims === 0) return E.left(dataError.format('bad dims: expected at least 1 dimension, got 0'))
  const start = 4 + 4 * ndims
  if (bytes.length < start)
    return E.left(dataError.format(`truncated: a header with ${ndims} dimensions needs ${start} bytes, got ${bytes.length}`))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false))
  // a float product: exact up to 2^53, and past that still far above the bound
  const count = dims.reduce((a, b) => a * b, 1)
  if (count > MAX_ELEMENTS)
    return E.left(dataError.format(`bad dims: ${fmtDims(dims)} hold ${count} elements, more than 2^31 - 1`))
  return E.right({ spec, dims, count, start, size: start + count * spec.size })
}

/** Inflates a gzipped IDX file: its header first, then the body up to the size the header declares. */
const inflateIdx = (input: Uint8Array, maxBytes: number): E.Either<DataError, Uint8Array> => {
  const head = inflate(input, MAX_HEADER, true)
  if (head._tag !== 'Done') return E.left(inflateProblem('parseIdx', head))
  if (isGzip(head.bytes)) return E.left(nestedGzip('parseIdx'))
  const header = readHeader(head.bytes)
  // a bad header is reported by parsing what there is, without inflating the body
  if (E.isLeft(header)) return E.right(head.bytes)
  const { dims, spec, size } = header.right
  const what = `dims ${fmtDims(dims)} of ${spec.type}`
  if (size > maxBytes)
    return E.left(dataError.format(
      `the header declares ${what}, ${size} bytes in all, more than maxInflatedBytes = ${maxBytes}; raise the limit only for a file you trust`))
  const body = inflate(input, size)
  if (body._tag === 'Corrupt') return E.left(inflateProblem('parseIdx', body))
  if (body._tag === 'TooLarge')
    return E.left(dataError.format(
      `the gzip data inflates to more than the ${size} bytes its header declares (${what}): at least ${body.atLeast} bytes; inflating stopped there`))
  return E.right(body.bytes)
}

const allocate = (count: number): Float64Array | undefined => {
  try {
    return new Float64Array(count)
  } catch {
    return undefined
  }
}

const decodeBody = (bytes: Uint8Array, h: Header): E.Either<DataError, IdxArray> => {
  const { spec, dims, count, start, size } = h
  if (bytes.length < size)
    return E.left(dataError.format(
      `truncated: dims ${fmtDims(dims)} of ${spec.type} need ${count * spec.size} data bytes (${size} bytes in all), got ${bytes.length - start} (${bytes.length} bytes in all)`))
  if (bytes.length > size)
    return E.left(dataError.format(
      `expected ${size} bytes for dims ${fmtDims(dims)} of ${spec.type}, got ${bytes.length}: ${bytes.length - size} trailing bytes`))
  const data = allocate(count)
  if (data === undefined)
    return E.left(dataError.format(`dims ${fmtDims(dims)}: cannot allocate ${count} float64 values (${count * 8} bytes)`))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (spec.type) {
    case 'ubyte':
      for (let i = 0; i < count; i++) data[i] = bytes[start + i]!
      break
    case 'byte':
      for (let i = 0; i < count; i++) data[i] = view.getInt8(start + i)
      break
    case 'short':
      for (let i = 0; i < count; i++) data[i] = view.getInt16(start + 2 * i, false)
      break
    case 'int':
      for (let i = 0; i < count; i++) data[i] = view.getInt32(start + 4 * i, false)
      break
    case 'float':
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + 4 * i, false)
      break
    case 'double':
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(start + 8 * i, false)
      break
  }
  return E.right({ type: spec.type, dims, data })
}

const READ_KEYS = optionKeys<IdxReadOptions>()(['maxInflatedBytes'])

/**
 * Decodes IDX bytes, gunzipping first (once: gzip inside gzip is refused) when they start with the
 * gzip magic 0x1f 0x8b. A gzipped file is inflated header first and then never past the size its
 * header declares, so a gzip bomb stops early. Errors name the problem: bad magic or type code, no
 * dimensions, too many elements, a truncated header or body (expected vs actual byte counts),
 * trailing bytes, or more inflated bytes than declared.
 * @example
 * import { encodeIdx, parseIdx } from 'kiln'
 * parseIdx(encodeIdx([2, 2], [0, 1, 2, 255])) // { _tag: 'Right', right: { type: 'ubyte', dims: [2, 2], data: [0, 1, 2, 255] } }
 * const bad = parseIdx(Uint8Array.of(1, 2, 3, 4))
 * bad._tag === 'Left' && bad.left.message.startsWith('bad magic') // true
 */
export const parseIdx = (input: Uint8Array, options: IdxReadOptions = {}): E.Either<DataError, IdxArray> => {
  const problem = optionsProblem('parseIdx', options, READ_KEYS)
  if (problem !== undefined) return E.left(dataError.options(problem.field, problem.message))
  const maxBytes = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES
  if (!(typeof maxBytes === 'number' && maxBytes >= 0))
    return E.left(dataError.options('maxInflatedBytes', `parseIdx: maxInflatedBytes: expected a number of bytes >= 0, got ${describeValue(maxBytes)}`))
  const bytes = isGzip(input) ? inflateIdx(input, maxBytes) : E.right(input)
  if (E.isLeft(bytes)) return bytes
  const header = readHeader(bytes.right)
  return E.isLeft(header) ? header : decodeBody(bytes.right, header.right)
}

const RANGES: Partial<Record<IdxType, readonly [number, number]>> = {
  ubyte: [0, 255],
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
}

/**
 * Encodes values as (uncompressed) IDX bytes, the inverse of `parseIdx`. Throws a `RangeError` when
 * the dims do not match the value count or a value does not fit the type.
 * @example
 * import { encodeIdx } from 'kiln'
 * encodeIdx([3], [7, 8, 9]) // [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]
 */
export const encodeIdx = (dims: readonly number[], values: ArrayLike<number>, type: IdxType = 'ubyte'): Uint8Array => {
  const spec = TYPES.find((t) => t.type === type)!
  if (dims.length < 1 || dims.length > 255 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 32))
    throw new RangeError(`encodeIdx: dims must be 1 to 255 uint32 values, got ${fmtDims(dims)}`)
  const count = dims.reduce((a, b) => a * b, 1)
  if (count !== values.length)
    throw new RangeError(`encodeIdx: dims ${fmtDims(dims)} hold ${count} values, got ${values.length}`)
  const header = 4 + 4 * dims.length
  const out = new Uint8Array(header + count * spec.size)
  const view = new DataView(out.buffer)
  out[2] = spec.code
  out[3] = dims.length
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false))
  const range = RANGES[type]
  for (let i = 0; i < count; i++) {
    const v = values[i]!
    if (range !== undefined && !(Number.isInteger(v) && v >= range[0] && v <= range[1]))
      throw new RangeError(`encodeIdx: value ${v} at ${i} does not fit ${type} [${range[0]}, ${range[1]}]`)
    const at = header + i * spec.size
    switch (type) {
      case 'ubyte': out[at] = v; break
      case 'byte': view.setInt8(at, v); break
      case 'short': view.setInt16(at, v, false); break
      case 'int': view.setInt32(at, v, false); break
      case 'float': view.setFloat32(at, v, false); break
      case 'double': view.setFloat64(at, v, false); break
    }
  }
  return out
}

/** Options of `idxDataset` and `loadIdxDataset`. */
export type IdxDatasetOptions = {
  /** Divide ubyte pixel values by 255, giving [0, 1]. Default false. */
  readonly scale?: boolean
  /** Class names; default `'0'..'<max label>'`. */
  readonly classes?: readonly string[]
  /**
   * Without `classes`: the most classes the labels may imply (default `DEFAULT_MAX_CLASSES`,
   * 65,536), checked before the class list is built, so a label of 2^31 - 1 is an error rather
   * than two billion class names.
   */
  readonly maxClasses?: number
}

const DATASET_KEYS = optionKeys<IdxDatasetOptions>()(['scale', 'classes', 'maxClasses'])

const checkDatasetOptions = (o: IdxDatasetOptions): DataError | undefined => {
  const problem = optionsProblem('idxDataset', o, DATASET_KEYS)
  if (problem !== undefined) return dataError.options(problem.field, problem.message)
  const m = o.maxClasses
  if (m !== undefined && !(typeof m === 'number' && Number.isInteger(m) && m >= 1))
    return dataError.options('maxClasses', `idxDataset: maxClasses: expected a positive integer, got ${describeValue(m)}`)
  return undefined
}

const checkShapes = (images: IdxArray, labels: IdxArray): DataError | undefined => {
  if (images.dims.length < 2)
    return dataError.format(`images: expected at least 2 dimensions (rows, features...), got ${fmtDims(images.dims)}`)
  if (labels.dims.length !== 1)
    return dataError.format(`labels: expected 1 dimension (rows), got ${fmtDims(labels.dims)}`)
  const n = images.dims[0]!
  if (labels.dims[0] !== n) return dataError.format(`images have ${n} rows but labels have ${labels.dims[0]}`)
  const count = images.dims.reduce((a, b) => a * b, 1)
  if (images.data.length !== count || labels.data.length !== n)
    return dataError.format(`images hold ${images.data.length} values for dims ${fmtDims(images.dims)}, labels ${labels.data.length} for ${fmtDims(labels.dims)}`)
  return undefined
}

/** The number of classes the labels imply (largest label + 1), each label checked against `limit`. */
const classCount = (labels: Float64Array, named: boolean, limit: number): E.Either<DataError, number> => {
  let max = -1
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    if (!Number.isInteger(l) || l < 0) return E.left(dataError.label(i, l, `labels: row ${i} has label ${l}, expected a non-negative integer`))
    if (l >= limit)
      return E.left(dataError.label(i, l, named
        ? `labels: row ${i} has label ${l}, expected an index in [0, ${limit})`
        : `labels: row ${i} has label ${l}, expected a class index below maxClasses = ${limit}; pass the class names as classes, or raise maxClasses for a file you trust`))
    if (l > max) max = l
  }
  return E.right(max + 1)
}

/**
 * Pairs an IDX images array `[n, ...featureShape]` with an IDX labels array `[n]` into a `Dataset`.
 * Labels must be integers >= 0, below `classes.length` when classes are given and below
 * `maxClasses` (default 65,536) otherwise; every label is checked before the class list is built.
 * @example
 * import { idxDataset, encodeIdx, parseIdx } from 'kiln'
 * const img = parseIdx(encodeIdx([2, 2], [0, 255, 255, 0]))
 * const lab = parseIdx(encodeIdx([2], [1, 0]))
 * const ds = img._tag === 'Right' && lab._tag === 'Right' ? idxDataset(img.right, lab.right, { scale: true }) : undefined
 * ds // { _tag: 'Right', right: { x: [0, 1, 1, 0], y: [1, 0], n: 2, featureShape: [2], classes: ['0', '1'] } }
 * const big = parseIdx(encodeIdx([2], [1, 2 ** 31 - 1], 'int'))
 * const r = img._tag === 'Right' && big._tag === 'Right' ? idxDataset(img.right, big.right) : undefined
 * r?._tag === 'Left' && [r.left._tag, r.left.message.slice(0, 39)] // ['LabelError', 'labels: row 1 has label 2147483647, exp']
 */
export const idxDataset = (images: IdxArray, labels: IdxArray, options: IdxDatasetOptions = {}): E.Either<DataError, Dataset> => {
  const bad = checkDatasetOptions(options) ?? checkShapes(images, labels)
  if (bad !== undefined) return E.left(bad)
  const named = options.classes !== undefined
  const count = classCount(labels.data, named, options.classes?.length ?? options.maxClasses ?? DEFAULT_MAX_CLASSES)
  if (E.isLeft(count)) return count
  if (options.scale === true && images.type !== 'ubyte')
    return E.left(dataError.options('scale', `options.scale: scaling by 1/255 needs ubyte images, got ${images.type}`))
  const x = options.scale === true ? images.data.map((v) => v / 255) : images.data
  const classes = options.classes ?? Array.from({ length: count.right }, (_, i) => String(i))
  return E.right({ x, y: labels.data, n: images.dims[0]!, featureShape: images.dims.slice(1), classes })
}

/**
 * Fashion-MNIST class names, in label order.
 * @example
 * import { FASHION_MNIST_CLASSES } from 'kiln'
 * FASHION_MNIST_CLASSES[9] // 'Ankle boot'
 */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]
