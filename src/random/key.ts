/**
 * Explicit, splittable PRNG keys. A key is two uint32 words; randomness is a pure function of
 * `(key, counter)` through Threefry-2x32, so results never depend on call order or hidden state.
 *
 * Key derivation is modelled on JAX's Threefry keys in their "partitionable" layout: `key(seed)`
 * holds the seed's high and low 32-bit halves, `split(key, n)[i]` and `foldIn(key, i)` are both
 * Threefry of the counter `(0, i)` under `key`. Use each key once: either draw from it or split it.
 * @module
 */

import { checkKey, type Key } from './internal.js'
import { threefryUnchecked, uniformAt } from './threefry.js'

/** A PRNG key: two uint32 words. Build with `key`, derive with `split` / `foldIn`. */
export type { Key } from './internal.js'

const TWO32 = 4294967296

const mod32 = (v: number): number => ((v % TWO32) + TWO32) % TWO32

/**
 * Builds a key from two uint32 words (for example words stored in a checkpoint). Throws a
 * `RangeError` when a word is not an integer in [0, 2^32).
 * @example
 * import { keyFromWords } from 'kiln'
 * keyFromWords(0, 42) // { _tag: 'Key', k0: 0, k1: 42 }
 */
export const keyFromWords = (k0: number, k1: number): Key => {
  for (const [name, v] of [['k0', k0], ['k1', k1]] as const)
    if (!Number.isInteger(v) || v < 0 || v >= TWO32)
      throw new RangeError(`keyFromWords: ${name} must be an integer in [0, 2^32), got ${v}`)
  return { _tag: 'Key', k0, k1 }
}

/**
 * The key of an integer seed: the seed's 64-bit two's-complement high and low words, as
 * `jax.random.PRNGKey` does (`key(42)` is `(0, 42)`). Throws a `RangeError` naming the value when
 * the seed is not a safe integer.
 * @example
 * import { key } from 'kiln'
 * key(42) // { _tag: 'Key', k0: 0, k1: 42 }
 * key(-1) // { _tag: 'Key', k0: 4294967295, k1: 4294967295 }
 */
export const key = (seed: number): Key => {
  if (!Number.isSafeInteger(seed))
    throw new RangeError(`key: seed must be a safe integer (|seed| < 2^53), got ${String(seed)}`)
  return { _tag: 'Key', k0: mod32(Math.floor(seed / TWO32)), k1: mod32(seed) }
}

const derive = (k: Key, i: number): Key => {
  const [k0, k1] = threefryUnchecked(k.k0, k.k1, 0, i)
  return { _tag: 'Key', k0, k1 }
}

/**
 * Splits a key into `n` (default 2) independent keys: key `i` is Threefry of counter `(0, i)`.
 * Throws a `RangeError` when `n` is not an integer in [1, 2^32).
 * @example
 * import { key, split } from 'kiln'
 * const [params, dropout] = split(key(0))
 * params.k0 !== dropout.k0 // true
 */
export const split = (k: Key, n = 2): readonly Key[] => {
  checkKey('split', k)
  if (!Number.isInteger(n) || n < 1 || n >= TWO32)
    throw new RangeError(`split: n must be an integer in [1, 2^32), got ${n}`)
  return Array.from({ length: n }, (_, i) => derive(k, i))
}

/**
 * A new key from a key and a uint32 (for example a step or layer index), without splitting first:
 * Threefry of counter `(0, data)`. Equal to `split(k, m)[data]` for any `m > data`.
 * Throws a `RangeError` when `data` is not an integer in [0, 2^32).
 * @example
 * import { key, foldIn } from 'kiln'
 * const stepKey = foldIn(key(0), 17)
 * stepKey._tag // 'Key'
 */
export const foldIn = (k: Key, data: number): Key => {
  checkKey('foldIn', k)
  if (!Number.isInteger(data) || data < 0 || data >= TWO32)
    throw new RangeError(`foldIn: data must be an integer in [0, 2^32), got ${data}`)
  return derive(k, data)
}

/**
 * The uniform float in [0, 1) (53 random bits) at position `counter` of a key's stream; the same
 * value a compiled kernel gets from `uniformAt(k.k0, k.k1, counter)`. Throws a `RangeError` when
 * `counter` is not a non-negative safe integer.
 * @example
 * import { key, uniformBits, uniformAt } from 'kiln'
 * const k = key(3)
 * uniformBits(k, 10) === uniformAt(k.k0, k.k1, 10) // true
 */
export const uniformBits = (k: Key, counter: number): number => {
  checkKey('uniformBits', k)
  if (!Number.isSafeInteger(counter) || counter < 0)
    throw new RangeError(`uniformBits: counter must be a non-negative safe integer, got ${counter}`)
  return uniformAt(k.k0, k.k1, counter)
}
