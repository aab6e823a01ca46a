/**
 * The IDX binary format of MNIST and Fashion-MNIST (optionally gzipped): a 4-byte magic
 * `0x00 0x00 <type> <ndims>`, `ndims` big-endian uint32 dimensions, then the values big-endian,
 * row-major. Type codes: 0x08 ubyte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
 * 0x0E float64.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import type { Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'
import { gunzip, isGzip } from './gzip.js'

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
const hex2 = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`
const fmtDims = (dims: readonly number[]): string => `[${dims.join(',')}]`

/**
 * Decodes IDX bytes (gunzipping first when they start with the gzip magic 0x1f 0x8b). Errors name
 * the problem: bad magic or type code, no dimensions, too many elements, a truncated header or body
 * (expected vs actual byte counts) or trailing bytes.
 * @example
 * import { encodeIdx, parseIdx } from 'kiln'
 * parseIdx(encodeIdx([2, 2], [0, 1, 2, 255])) // { _tag: 'Right', right: { type: 'ubyte', dims: [2, 2], data: [0, 1, 2, 255] } }
 * const bad = parseIdx(Uint8Array.of(1, 2, 3, 4))
 * bad._tag === 'Left' && bad.left.message.startsWith('bad magic') // true
 */
export const parseIdx = (input: Uint8Array): E.Either<DataError, IdxArray> => {
  let bytes = input
  if (isGzip(bytes)) {
    const inflated = gunzip(bytes)
    if (E.isLeft(inflated)) return inflated
    bytes = inflated.right
  }
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
  const header = 4 + 4 * ndims
  if (bytes.length < header)
    return E.left(dataError.format(`truncated: a header with ${ndims} dimensions needs ${header} bytes, got ${bytes.length}`))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false))
  const count = dims.reduce((a, b) => a * b, 1)
  if (count > MAX_ELEMENTS)
    return E.left(dataError.format(`bad dims: ${fmtDims(dims)} hold ${count} elements, more than 2^31 - 1`))
  const expected = header + count * spec.size
  if (bytes.length < expected)
    return E.left(dataError.format(
      `truncated: dims ${fmtDims(dims)} of ${spec.type} need ${count * spec.size} data bytes (${expected} bytes in all), got ${bytes.length - header} (${bytes.length} bytes in all)`))
  if (bytes.length > expected)
    return E.left(dataError.format(
      `expected ${expected} bytes for dims ${fmtDims(dims)} of ${spec.type}, got ${bytes.length}: ${bytes.length - expected} trailing bytes`))
  const data = new Float64Array(count)
  switch (spec.type) {
    case 'ubyte':
      for (let i = 0; i < count; i++) data[i] = bytes[header + i]!
      break
    case 'byte':
      for (let i = 0; i < count; i++) data[i] = view.getInt8(header + i)
      break
    case 'short':
      for (let i = 0; i < count; i++) data[i] = view.getInt16(header + 2 * i, false)
      break
    case 'int':
      for (let i = 0; i < count; i++) data[i] = view.getInt32(header + 4 * i, false)
      break
    case 'float':
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(header + 4 * i, false)
      break
    case 'double':
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(header + 8 * i, false)
      break
  }
  return E.right({ type: spec.type, dims, data })
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
}

/**
 * Pairs an IDX images array `[n, ...featureShape]` with an IDX labels array `[n]` into a `Dataset`.
 * @example
 * import { idxDataset, encodeIdx, parseIdx } from 'kiln'
 * const img = parseIdx(encodeIdx([2, 2], [0, 255, 255, 0]))
 * const lab = parseIdx(encodeIdx([2], [1, 0]))
 * const ds = img._tag === 'Right' && lab._tag === 'Right' ? idxDataset(img.right, lab.right, { scale: true }) : undefined
 * ds // { _tag: 'Right', right: { x: [0, 1, 1, 0], y: [1, 0], n: 2, featureShape: [2], classes: ['0', '1'] } }
 */
export const idxDataset = (images: IdxArray, labels: IdxArray, options: IdxDatasetOptions = {}): E.Either<DataError, Dataset> => {
  if (images.dims.length < 2)
    return E.left(dataError.format(`images: expected at least 2 dimensions (rows, features...), got ${fmtDims(images.dims)}`))
  if (labels.dims.length !== 1)
    return E.left(dataError.format(`labels: expected 1 dimension (rows), got ${fmtDims(labels.dims)}`))
  const n = images.dims[0]!
  if (labels.dims[0] !== n)
    return E.left(dataError.format(`images have ${n} rows but labels have ${labels.dims[0]}`))
  let max = -1
  for (let i = 0; i < n; i++) {
    const l = labels.data[i]!
    if (!Number.isInteger(l) || l < 0) return E.left(dataError.label(i, l, `labels: row ${i} has label ${l}, expected a non-negative integer`))
    if (options.classes !== undefined && l >= options.classes.length)
      return E.left(dataError.label(i, l, `labels: row ${i} has label ${l}, expected an index in [0, ${options.classes.length})`))
    if (l > max) max = l
  }
  if (options.scale === true && images.type !== 'ubyte')
    return E.left(dataError.options('scale', `options.scale: scaling by 1/255 needs ubyte images, got ${images.type}`))
  const x = options.scale === true ? images.data.map((v) => v / 255) : images.data
  const classes = options.classes ?? Array.from({ length: max + 1 }, (_, i) => String(i))
  return E.right({ x, y: labels.data, n, featureShape: images.dims.slice(1), classes })
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
