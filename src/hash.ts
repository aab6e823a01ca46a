/**
 * Content keys of constant data. Hash-consing (`make`) and the compile cache name a constant's values
 * by their length and a 64-bit hash of their bits, not by their decimal text (which made every key as
 * long as the data, and threw "Invalid string length" for a 30M-element constant); only short arrays
 * (scalars) are still spelled out. A key built from a hash only finds a candidate: both users confirm
 * it with `sameValues`, so a collision costs a miss, never a wrong node or a wrong compiled artifact.
 *
 * Equality is `Object.is` per element, as the decimal keys were: `0` and `-0` differ, every NaN is
 * the same NaN (whatever its payload). The hash follows that: NaN elements hash as the canonical NaN.
 *
 * Written here rather than taken from a package: the only non-cryptographic hashes on npm that beat a
 * 30-line loop are WebAssembly builds with asynchronous start-up, and this module must stay synchronous
 * and dependency-free for the browser bundle; a cryptographic hash (Web Crypto) is asynchronous too.
 * @module
 */

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
const fmix = (h: number): number => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}

const hex = (h: number): string => (h >>> 0).toString(16).padStart(8, '0')

// The words of the canonical NaN (0x7ff8000000000000) in the byte order of this platform.
const NAN_WORDS = new Uint32Array(new Float64Array([NaN]).buffer)

/**
 * A 64-bit hash (16 hex digits) of the values' bits; every NaN hashes alike. Two murmur3-style lanes,
 * one per 32-bit half of each element, stirred into each other after every element (the structure of
 * MurmurHash3 x86_128, on two lanes), then finalized with the length.
 * @example
 * import { hashFloat64 } from './hash.js'
 * hashFloat64(new Float64Array([1, 2])) === hashFloat64(new Float64Array([1, 2])) // true
 * hashFloat64(new Float64Array([1, 2])) === hashFloat64(new Float64Array([2, 1])) // false
 * hashFloat64(new Float64Array([0])) === hashFloat64(new Float64Array([-0])) // false
 * hashFloat64(new Float64Array(3)).length // 16
 */
export const hashFloat64 = (values: Float64Array): string => {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2)
  const n = values.length
  let h1 = 0x9747b28c ^ n
  let h2 = 0x5bd1e995 ^ n
  for (let i = 0; i < n; i++) {
    const nan = values[i] !== values[i]
    let k1 = nan ? NAN_WORDS[0]! : words[2 * i]!
    let k2 = nan ? NAN_WORDS[1]! : words[2 * i + 1]!
    k1 = Math.imul(rotl(Math.imul(k1, 0x239b961b), 15), 0xab0e9789)
    h1 = Math.imul((rotl(h1 ^ k1, 19) + h2) | 0, 5) + 0x561ccd1b | 0
    k2 = Math.imul(rotl(Math.imul(k2, 0xab0e9789), 16), 0x38b34ae5)
    h2 = Math.imul((rotl(h2 ^ k2, 17) + h1) | 0, 5) + 0x0bcaa747 | 0
  }
  h1 = (h1 ^ n) + h2 | 0
  h2 = (h2 ^ (n >>> 16)) + h1 | 0
  h1 = fmix(h1)
  h2 = fmix(h2)
  h1 = h1 + h2 | 0
  h2 = h2 + h1 | 0
  return hex(h1) + hex(h2)
}

// Constants are immutable, so a node's hash is computed once (make) and reused (graph keys).
const memo = new WeakMap<Float64Array, string>()

const numKey = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))

/** Up to this many values a key spells them out (cheaper than hashing for scalars, and readable). */
const SPELLED = 16

/**
 * The key of a constant's values: up to 16 values their decimal text (`-0` and `NaN` spelled out),
 * beyond that `f64[length]#hash` (memoized per array), a few dozen characters at any length.
 * @example
 * import { valuesKey } from './hash.js'
 * valuesKey(new Float64Array([1.5, -0, NaN])) // '1.5 -0 NaN'
 * valuesKey(new Float64Array(1_000_000)).length < 40 // true
 * valuesKey(new Float64Array(100)) === valuesKey(new Float64Array(100)) // true
 */
export const valuesKey = (values: Float64Array): string => {
  if (values.length <= SPELLED) return Array.from(values, numKey).join(' ')
  let k = memo.get(values)
  if (k === undefined) memo.set(values, (k = `f64[${values.length}]#${hashFloat64(values)}`))
  return k
}

/**
 * True when the arrays hold the same values by `Object.is` (so `0` and `-0` differ, NaNs are equal).
 * @example
 * import { sameValues } from './hash.js'
 * sameValues(new Float64Array([1, NaN]), new Float64Array([1, NaN])) // true
 * sameValues(new Float64Array([0]), new Float64Array([-0])) // false
 * sameValues(new Float64Array([1]), new Float64Array([1, 1])) // false
 */
export const sameValues = (a: Float64Array, b: Float64Array): boolean => {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

/**
 * The canonical text of op attributes: JSON, with non-finite numbers and `-0` spelled out and each
 * `Float64Array` replaced by its `valuesKey` (so keys stay short; confirm a hit with `sameArrays`).
 * @example
 * import { attrsKey } from './hash.js'
 * attrsKey({ axes: [1], keepDims: false }) // '{"axes":[1],"keepDims":false}'
 * attrsKey({ value: -0 }) // '{"value":"-0"}'
 * attrsKey({ values: new Float64Array(2) }) // '{"values":"0 0"}'
 * attrsKey({ values: new Float64Array(100) }).startsWith('{"values":"f64[100]#') // true
 */
export const attrsKey = (attrs: object): string =>
  JSON.stringify(attrs, (_k, v: unknown) => {
    if (v instanceof Float64Array) return valuesKey(v)
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return numKey(v)
    return v
  })

/**
 * True when every `Float64Array` attribute of `a` holds the same values (`sameValues`) as `b`'s
 * attribute of that name: the check that turns an `attrsKey` match into an equality.
 * @example
 * import { sameArrays } from './hash.js'
 * sameArrays({ values: new Float64Array([1]) }, { values: new Float64Array([1]) }) // true
 * sameArrays({ values: new Float64Array([1]) }, { values: new Float64Array([2]) }) // false
 * sameArrays({ axes: [0] }, { axes: [0] }) // true
 */
export const sameArrays = (a: object, b: object): boolean => {
  // Both are attribute objects `checkAttrs` made (frozen plain data), so plain reads run no user code.
  for (const [k, v] of Object.entries(a)) {
    const w: unknown = Reflect.get(b, k)
    if (v instanceof Float64Array && !(w instanceof Float64Array && sameValues(v, w))) return false
  }
  return true
}

/**
 * The structural key of one node: op, attributes (`attrsKey`), shape and operands (ids when
 * hash-consing, topological positions in a graph key). The one key function of both: `intern` and the
 * compile cache's `graphKey` agree on what makes two nodes the same.
 * @example
 * import { nodeKey } from './hash.js'
 * nodeKey('sum', { axes: [1], keepDims: false }, [2], [7]) // 'sum{"axes":[1],"keepDims":false}[2](7)'
 * nodeKey('neg', {}, [], [3]) // 'neg{}[](3)'
 */
export const nodeKey = (op: string, attrs: object, shape: readonly number[], operands: readonly number[]): string =>
  `${op}${isEmpty(attrs) ? '{}' : attrsKey(attrs)}[${shape.join(',')}](${operands.join(',')})`

const isEmpty = (o: object): boolean => {
  for (const _ in o) return false
  return true
}
