/**
 * The element types of safetensors files and their exact conversion to float64. Every type but the
 * 64-bit integers converts exactly (float16 and bfloat16 included: subnormals, infinities, -0 and NaN);
 * an int64 or uint64 beyond 2^53 in magnitude may round, and the conversion says so. Values are
 * little-endian in the file whatever the host, so they are read through `DataView` (or, for float64 on
 * a little-endian host, viewed in place).
 * @module
 */

/** The element types of a safetensors file that Kiln reads (Kiln writes F64 only). */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL'

/** How stored values became float64: `'none'` (F64), `'exact'`, or `'rounded'` (an I64/U64 value beyond 2^53 rounded). */
export type Conversion = 'none' | 'exact' | 'rounded'

/**
 * Bytes per element of each dtype.
 * @example
 * import { SAFETENSORS_DTYPE_BYTES } from 'kiln'
 * SAFETENSORS_DTYPE_BYTES.BF16 // 2
 * Object.keys(SAFETENSORS_DTYPE_BYTES).length // 13
 */
export const SAFETENSORS_DTYPE_BYTES: { readonly [K in SafetensorsDtype]: number } = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
}

/**
 * True when the host stores numbers little-endian (every current JavaScript platform): then float64
 * bytes are written and viewed without a copy.
 * @example
 * import { LITTLE_ENDIAN_HOST } from './dtypes.js'
 * typeof LITTLE_ENDIAN_HOST // 'boolean'
 */
export const LITTLE_ENDIAN_HOST: boolean = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/**
 * The float64 value of IEEE binary16 bits (exact: every half is a double).
 * @example
 * import { f16ToNumber } from './dtypes.js'
 * f16ToNumber(0x3c00) // 1
 * f16ToNumber(0x0001) // 2 ** -24
 * f16ToNumber(0xfc00) // -Infinity
 * Object.is(f16ToNumber(0x8000), -0) // true
 * f16ToNumber(0x7e00) // NaN
 */
export const f16ToNumber = (bits: number): number => {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >> 10) & 0x1f
  const frac = bits & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN
  return sign * (0x400 + frac) * 2 ** (exp - 25)
}

const scratch = new DataView(new ArrayBuffer(4))

/**
 * The float64 value of bfloat16 bits: the upper half of a float32, so exact.
 * @example
 * import { bf16ToNumber } from './dtypes.js'
 * bf16ToNumber(0x3f80) // 1
 * bf16ToNumber(0x0001) // 2 ** -133
 * bf16ToNumber(0xff80) // -Infinity
 */
export const bf16ToNumber = (bits: number): number => {
  scratch.setUint32(0, (bits & 0xffff) * 0x10000)
  return scratch.getFloat32(0)
}

const TWO_53 = 2 ** 53

/** Readers of one element at a byte offset, for the dtypes that always convert exactly (BOOL is checked apart). */
const EXACT_READERS: { readonly [K in Exclude<SafetensorsDtype, 'F64' | 'I64' | 'U64' | 'BOOL'>]: (dv: DataView, at: number) => number } = {
  F32: (dv, at) => dv.getFloat32(at, true),
  F16: (dv, at) => f16ToNumber(dv.getUint16(at, true)),
  BF16: (dv, at) => bf16ToNumber(dv.getUint16(at, true)),
  I32: (dv, at) => dv.getInt32(at, true),
  I16: (dv, at) => dv.getInt16(at, true),
  I8: (dv, at) => dv.getInt8(at),
  U32: (dv, at) => dv.getUint32(at, true),
  U16: (dv, at) => dv.getUint16(at, true),
  U8: (dv, at) => dv.getUint8(at),
}

/** The values of a tensor, or the first byte of a BOOL tensor that is neither 0 nor 1. */
export type Converted =
  | { readonly ok: true; readonly values: Float64Array; readonly conversion: Conversion }
  | { readonly ok: false; readonly index: number; readonly byte: number }

/**
 * The float64 values of F64 data: a view of `bytes.buffer` (no copy) when the data's absolute offset
 * is a multiple of 8 on a little-endian host, else one copy.
 */
const f64Values = (bytes: Uint8Array, begin: number, count: number): Float64Array => {
  const at = bytes.byteOffset + begin
  if (LITTLE_ENDIAN_HOST && at % 8 === 0) return new Float64Array(bytes.buffer, at, count)
  const out = new Float64Array(count)
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes.subarray(begin, begin + 8 * count))
  else {
    const dv = new DataView(bytes.buffer, at, 8 * count)
    for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true)
  }
  return out
}

/** 64-bit integers: the correctly rounded double of `hi * 2^32 + lo`, and whether any value rounded. */
const int64Values = (dv: DataView, count: number, signed: boolean): { values: Float64Array; rounded: boolean } => {
  const out = new Float64Array(count)
  let rounded = false
  for (let i = 0; i < count; i++) {
    const at = 8 * i
    const hi = signed ? dv.getInt32(at + 4, true) : dv.getUint32(at + 4, true)
    // hi * 2^32 is exact, so the sum is rounded once: the correctly rounded value.
    const v = hi * 0x100000000 + dv.getUint32(at, true)
    out[i] = v
    // Below 2^53 in magnitude the sum is exact; at or above, compare with the integer itself.
    if (!rounded && Math.abs(v) >= TWO_53) rounded = BigInt(v) !== (signed ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true))
  }
  return { values: out, rounded }
}

/**
 * Converts `count` elements of `dtype` stored from `begin` in `bytes` (bounds already checked) to float64.
 * @example
 * import { convertValues } from './dtypes.js'
 * convertValues('I16', Uint8Array.of(0xff, 0xff, 2, 0), 0, 2) // { ok: true, values: Float64Array.of(-1, 2), conversion: 'exact' }
 * convertValues('BOOL', Uint8Array.of(1, 2), 0, 2) // { ok: false, index: 1, byte: 2 }
 * convertValues('U64', Uint8Array.of(1, 0, 0, 0, 0, 0, 32, 0), 0, 1).conversion // 'rounded'
 */
export const convertValues = (dtype: SafetensorsDtype, bytes: Uint8Array, begin: number, count: number): Converted => {
  if (dtype === 'F64') return { ok: true, values: f64Values(bytes, begin, count), conversion: 'none' }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + begin, count * SAFETENSORS_DTYPE_BYTES[dtype])
  if (dtype === 'I64' || dtype === 'U64') {
    const { values, rounded } = int64Values(dv, count, dtype === 'I64')
    return { ok: true, values, conversion: rounded ? 'rounded' : 'exact' }
  }
  const out = new Float64Array(count)
  if (dtype === 'BOOL') {
    for (let i = 0; i < count; i++) {
      const b = dv.getUint8(i)
      if (b > 1) return { ok: false, index: i, byte: b }
      out[i] = b
    }
    return { ok: true, values: out, conversion: 'exact' }
  }
  const read = EXACT_READERS[dtype]
  const size = SAFETENSORS_DTYPE_BYTES[dtype]
  for (let i = 0; i < count; i++) out[i] = read(dv, i * size)
  return { ok: true, values: out, conversion: 'exact' }
}
