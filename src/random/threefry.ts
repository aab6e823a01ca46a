/**
 * Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
 * the Random123 library; the PRNG JAX uses), and the allocation-free bits-to-float functions that
 * compiled kernels call per element.
 *
 * Everything here is uint32 arithmetic on plain numbers: additions wrap with `| 0`, rotations use
 * `<<` / `>>>`, results are returned as unsigned with `>>> 0`.
 * @module
 */

/**
 * The constants of Threefry-2x32: the Skein/Threefish key-schedule parity word and the rotation amounts of
 * the eight rounds that repeat (R_32x2). `core` below writes the rotations as literals on its hot path; the
 * ONNX form (src/onnx/threefry.ts) reads them here, and its spec checks the two draw the same bits.
 * @example
 * import { THREEFRY } from './threefry.js'
 * THREEFRY.parity.toString(16) // '1bd11bda'
 * THREEFRY.rotations // [13, 15, 26, 6, 17, 29, 16, 24]
 */
export const THREEFRY = Object.freeze({ parity: 0x1bd11bda, rotations: Object.freeze([13, 15, 26, 6, 17, 29, 16, 24] as const) })
const PARITY32 = THREEFRY.parity

const TWO32 = 4294967296
const TWO21 = 2097152
const TWO_M53 = 1 / 9007199254740992
const TAU = 2 * Math.PI

/* Scratch words written by `core`: the hot path returns its two output words through these two
   module-level variables, so per-element callers never allocate. */
let w0 = 0
let w1 = 0

/**
 * The Threefry-2x32-20 block function on uint32 inputs (no validation), writing the result into the
 * scratch words `w0` and `w1` (as int32 bit patterns; callers apply `>>> 0`).
 * Rotation constants R_32x2 = 13, 15, 26, 6, 17, 29, 16, 24; the key is injected every 4 rounds.
 */
const core = (k0: number, k1: number, c0: number, c1: number): void => {
  const k2 = PARITY32 ^ k0 ^ k1
  let x0 = (c0 + k0) | 0
  let x1 = (c1 + k1) | 0
  // rounds 1-4
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0
  x0 = (x0 + k1) | 0; x1 = (x1 + k2 + 1) | 0
  // rounds 5-8
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0
  x0 = (x0 + k2) | 0; x1 = (x1 + k0 + 2) | 0
  // rounds 9-12
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0
  x0 = (x0 + k0) | 0; x1 = (x1 + k1 + 3) | 0
  // rounds 13-16
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0
  x0 = (x0 + k1) | 0; x1 = (x1 + k2 + 4) | 0
  // rounds 17-20
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0
  w0 = (x0 + k2) | 0
  w1 = (x1 + k0 + 5) | 0
}

const isUint32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < TWO32

/**
 * The Threefry-2x32 block function, 20 rounds: encrypts the counter `(c0, c1)` under the key
 * `(k0, k1)`. All four inputs and both outputs are uint32. Throws a `RangeError` naming the argument
 * when an input is not an integer in [0, 2^32).
 * @example
 * import { threefry2x32 } from 'kiln'
 * threefry2x32(0, 0, 0, 0).map((w) => w.toString(16)) // ['6b200159', '99ba4efe']
 */
export const threefry2x32 = (k0: number, k1: number, c0: number, c1: number): [number, number] => {
  const args = { k0, k1, c0, c1 }
  for (const [name, v] of Object.entries(args))
    if (!isUint32(v)) throw new RangeError(`threefry2x32: ${name} must be an integer in [0, 2^32), got ${v}`)
  core(k0, k1, c0, c1)
  return [w0 >>> 0, w1 >>> 0]
}

/**
 * The uniform float in [0, 1) for counter `i` of the key `(k0, k1)`: the 64 output bits of
 * Threefry on the counter `(hi, lo)` of `i`, word 0 high, keep the top 53 (exact float64 grid
 * multiples of 2^-53). A plain, allocation-free function of integers, meant to be called from
 * generated kernel code (dropout masks, in-graph initializers). No argument checks: `k0`, `k1` must be
 * uint32 and `i` a non-negative safe integer.
 * @example
 * import { key, uniformAt } from 'kiln'
 * const k = key(0)
 * const u = uniformAt(k.k0, k.k1, 7) // same value on every call, 0 <= u < 1
 * u === uniformAt(k.k0, k.k1, 7) // true
 */
export const uniformAt = (k0: number, k1: number, i: number): number => {
  core(k0, k1, i < TWO32 ? 0 : Math.floor(i / TWO32), i >>> 0)
  return ((w0 >>> 0) * TWO21 + (w1 >>> 11)) * TWO_M53
}

/**
 * The standard normal for counter `i` of the key `(k0, k1)`: Box-Muller on the uniforms at counters
 * `2m` and `2m + 1` (`m = floor(i / 2)`); even `i` takes the cosine branch, odd `i` the sine branch,
 * so `normal(key, n)` and `normalAt` agree element for element. Allocation-free, no argument checks
 * (same contract as `uniformAt`).
 * @example
 * import { key, normalAt } from 'kiln'
 * const k = key(1)
 * Number.isFinite(normalAt(k.k0, k.k1, 3)) // true
 */
export const normalAt = (k0: number, k1: number, i: number): number => {
  const odd = i % 2
  const base = i - odd
  const u1 = uniformAt(k0, k1, base)
  const u2 = uniformAt(k0, k1, base + 1)
  const r = Math.sqrt(-2 * Math.log(1 - u1))
  return odd === 0 ? r * Math.cos(TAU * u2) : r * Math.sin(TAU * u2)
}

/**
 * Threefry on uint32 inputs without argument checks, both words as uint32. For sibling modules (key
 * derivation); not part of the package's public surface.
 * @internal
 * @example
 * import { threefryUnchecked } from './threefry.js'
 * threefryUnchecked(0, 0, 0, 0) // [0x6b200159, 0x99ba4efe]
 */
export const threefryUnchecked = (k0: number, k1: number, c0: number, c1: number): [number, number] => {
  core(k0, k1, c0, c1)
  return [w0 >>> 0, w1 >>> 0]
}
