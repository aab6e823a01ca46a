/**
 * Helpers shared by the `random` modules (key validation, rejection-retry keys). Not part of the
 * package's public surface: `src/index.ts` should not re-export this module.
 * @internal
 * @module
 */

import { threefryUnchecked } from './threefry.js'

/** A PRNG key: two uint32 words. Build with `key`, derive with `split` / `foldIn`. */
export type Key = { readonly _tag: 'Key'; readonly k0: number; readonly k1: number }

/**
 * Validates a key argument, throwing a `TypeError` naming the function.
 * @internal
 * @example
 * import { checkKey } from './internal.js'
 * checkKey('uniform', { _tag: 'Key', k0: 0, k1: 0 }) // undefined
 */
export const checkKey = (fn: string, k: Key): void => {
  if (k === null || typeof k !== 'object' || k._tag !== 'Key')
    throw new TypeError(`${fn}: expected a Key (from key, split or foldIn), got ${JSON.stringify(k)}`)
}

/**
 * The key used for rejection-sampling retry `attempt` (1, 2, ...) of a key's stream: Threefry of the
 * counter `(0xffffffff, attempt)`, a high word no element counter (< 2^53) or derived key ever uses.
 * @internal
 * @example
 * import { retryKey } from './internal.js'
 * retryKey({ _tag: 'Key', k0: 0, k1: 0 }, 1)._tag // 'Key'
 */
export const retryKey = (k: Key, attempt: number): Key => {
  const [k0, k1] = threefryUnchecked(k.k0, k.k1, 0xffffffff, attempt)
  return { _tag: 'Key', k0, k1 }
}
