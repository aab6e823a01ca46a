/**
 * Sampling outside the graph: fresh `Float64Array`s (or `Int32Array` indices) drawn from a key.
 * For the element-wise samplers (`uniform`, `normal`, `truncatedNormal`, `bernoulli`, `randomInt`)
 * element `i` depends only on the key and `i` (rejection retries come from dedicated retry streams at
 * the same counter), so a shorter draw is a prefix of a longer one with the same key.
 * Bad arguments throw a `RangeError` naming the function, the argument and the value.
 * @module
 */

import { checkKey as assertKey, retryKey } from './internal.js'
import type { Key } from './key.js'
import { normalAt, uniformAt } from './threefry.js'

const TWO53 = 9007199254740992
const TAU = 2 * Math.PI

const checkCount = (fn: string, n: number, name = 'n'): void => {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${fn}: ${name} must be a non-negative integer, got ${n}`)
}

const checkFinite = (fn: string, name: string, v: number): void => {
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be a finite number, got ${v}`)
}

/** The arguments shared by the normal samplers: a key, a count, a finite mean and a finite std >= 0. */
const checkNormal = (fn: string, k: Key, n: number, mean: number, std: number): void => {
  assertKey(fn, k)
  checkCount(fn, n)
  checkFinite(fn, 'mean', mean)
  checkFinite(fn, 'std', std)
  if (std < 0) throw new RangeError(`${fn}: std must be >= 0, got ${std}`)
}

/**
 * An unbiased integer in [0, range) for counter `i` (1 <= range <= 2^53): rejection on the 53-bit
 * uniform, retrying at the same counter on retry streams. Rejection probability is below range / 2^53.
 */
const intAt = (k: Key, i: number, range: number): number => {
  const limit = TWO53 - (TWO53 % range)
  let m = uniformAt(k.k0, k.k1, i) * TWO53
  for (let attempt = 1; m >= limit; attempt++) {
    const r = retryKey(k, attempt)
    m = uniformAt(r.k0, r.k1, i) * TWO53
  }
  return m % range
}

/**
 * `n` uniform floats in [lo, hi) (default [0, 1)); element `i` is `lo + (hi - lo) * uniformAt(k0, k1, i)`.
 * @example
 * import { key, uniform } from 'kiln'
 * const u = uniform(key(0), 3, -1, 1) // Float64Array of 3 values in [-1, 1)
 * u.length // 3
 */
export const uniform = (k: Key, n: number, lo = 0, hi = 1): Float64Array => {
  assertKey('uniform', k)
  checkCount('uniform', n)
  checkFinite('uniform', 'lo', lo)
  checkFinite('uniform', 'hi', hi)
  if (!(lo < hi)) throw new RangeError(`uniform: need lo < hi, got lo = ${lo}, hi = ${hi}`)
  const out = new Float64Array(n)
  const w = hi - lo
  for (let i = 0; i < n; i++) {
    const v = lo + w * uniformAt(k.k0, k.k1, i)
    out[i] = v < hi ? v : lo // guard the rounding edge so the interval stays half-open
  }
  return out
}

/**
 * `n` normal floats (Box-Muller on `uniformAt`, float64); element `i` is `mean + std * normalAt(k0, k1, i)`.
 * @example
 * import { key, normal } from 'kiln'
 * const z = normal(key(0), 1000, 0, 0.01) // small initial weights
 * z.length // 1000
 */
export const normal = (k: Key, n: number, mean = 0, std = 1): Float64Array => {
  checkNormal('normal', k, n, mean, std)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i += 2) {
    const u1 = uniformAt(k.k0, k.k1, i)
    const u2 = uniformAt(k.k0, k.k1, i + 1)
    const r = Math.sqrt(-2 * Math.log(1 - u1))
    out[i] = mean + std * (r * Math.cos(TAU * u2))
    if (i + 1 < n) out[i + 1] = mean + std * (r * Math.sin(TAU * u2))
  }
  return out
}

/**
 * `n` normal floats truncated to [mean - 2 std, mean + 2 std]: element `i` is redrawn (from retry
 * streams at the same counter) until it falls inside, about 4.6% of elements need a retry.
 * @example
 * import { key, truncatedNormal } from 'kiln'
 * const w = truncatedNormal(key(0), 100, 0, 0.1)
 * w.every((v) => Math.abs(v) <= 0.2) // true
 */
export const truncatedNormal = (k: Key, n: number, mean = 0, std = 1): Float64Array => {
  checkNormal('truncatedNormal', k, n, mean, std)
  const out = new Float64Array(n)
  const retries: Key[] = []
  for (let i = 0; i < n; i++) {
    let z = normalAt(k.k0, k.k1, i)
    for (let attempt = 1; Math.abs(z) > 2; attempt++) {
      const r = (retries[attempt - 1] ??= retryKey(k, attempt))
      z = normalAt(r.k0, r.k1, i)
    }
    out[i] = mean + std * z
  }
  return out
}

/**
 * `n` Bernoulli draws as 0/1 floats: element `i` is 1 when `uniformAt(k0, k1, i) < p`.
 * @example
 * import { key, bernoulli } from 'kiln'
 * const keep = bernoulli(key(0), 10, 0.8) // dropout keep-mask
 * keep.every((v) => v === 0 || v === 1) // true
 */
export const bernoulli = (k: Key, n: number, p: number): Float64Array => {
  assertKey('bernoulli', k)
  checkCount('bernoulli', n)
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: p must be in [0, 1], got ${p}`)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = uniformAt(k.k0, k.k1, i) < p ? 1 : 0
  return out
}

/**
 * `n` uniform integers in [lo, hi) as floats, unbiased (rejection sampling). `lo`, `hi` must be safe
 * integers with `lo < hi` and `hi - lo <= 2^53`.
 * @example
 * import { key, randomInt } from 'kiln'
 * const dice = randomInt(key(0), 5, 1, 7) // values in 1..6
 * dice.every((v) => Number.isInteger(v) && v >= 1 && v <= 6) // true
 */
export const randomInt = (k: Key, n: number, lo: number, hi: number): Float64Array => {
  assertKey('randomInt', k)
  checkCount('randomInt', n)
  if (!Number.isSafeInteger(lo)) throw new RangeError(`randomInt: lo must be a safe integer, got ${lo}`)
  if (!Number.isSafeInteger(hi)) throw new RangeError(`randomInt: hi must be a safe integer, got ${hi}`)
  if (!(lo < hi) || hi - lo > TWO53)
    throw new RangeError(`randomInt: need lo < hi and hi - lo <= 2^53, got lo = ${lo}, hi = ${hi}`)
  const out = new Float64Array(n)
  const range = hi - lo
  for (let i = 0; i < n; i++) out[i] = lo + intAt(k, i, range)
  return out
}

const MAX_INDEX = 2147483647

/**
 * A uniformly random permutation of `0 .. n-1` (Fisher-Yates; the swap partner of position `i` is
 * the unbiased integer in [0, i] at counter `i`).
 * @example
 * import { key, permutation } from 'kiln'
 * const p = permutation(key(0), 5)
 * Array.from(p).sort() // [0, 1, 2, 3, 4]
 */
export const permutation = (k: Key, n: number): Int32Array => {
  assertKey('permutation', k)
  checkCount('permutation', n)
  if (n > MAX_INDEX) throw new RangeError(`permutation: n must be < 2^31, got ${n}`)
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = intAt(k, i, i + 1)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

/**
 * A shuffled copy of an array (the input is not modified): `xs` reordered by `permutation(k, xs.length)`.
 * @example
 * import { key, shuffleArray } from 'kiln'
 * const deck = shuffleArray(key(0), ['a', 'b', 'c', 'd'])
 * deck.length // 4
 */
export const shuffleArray = <A>(k: Key, xs: readonly A[]): A[] => {
  assertKey('shuffleArray', k)
  return Array.from(permutation(k, xs.length), (i) => xs[i]!)
}

/**
 * `count` indices drawn from `0 .. population-1`, like `numpy.random.choice`: with replacement, each
 * is an independent uniform integer; without (the default), they are the first `count` entries of a
 * random permutation (so `count <= population`).
 * @example
 * import { key, choice } from 'kiln'
 * new Set(choice(key(0), 10, 3)).size // 3
 * choice(key(0), 10, 20, true).length // 20
 */
export const choice = (k: Key, population: number, count: number, replace = false): Int32Array => {
  assertKey('choice', k)
  checkCount('choice', population, 'population')
  checkCount('choice', count, 'count')
  if (population > MAX_INDEX) throw new RangeError(`choice: population must be < 2^31, got ${population}`)
  if (replace) {
    if (population === 0 && count > 0) throw new RangeError('choice: cannot draw from an empty population')
    const out = new Int32Array(count)
    for (let i = 0; i < count; i++) out[i] = intAt(k, i, population)
    return out
  }
  if (count > population)
    throw new RangeError(`choice: without replacement count must be <= population, got ${count} > ${population}`)
  return permutation(k, population).slice(0, count)
}
