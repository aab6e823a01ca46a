/**
 * The only way a number reaches generated kernel source. Op attributes are checked to be primitive
 * numbers when their node is built (`src/attrs.ts`); these functions check again, as an internal
 * invariant, so that no string, boxed number or object with `valueOf`/`toString` can ever be pasted
 * into a kernel even if a check upstream is missed. They never convert their argument.
 * @module
 */
import { describeValue } from '../options.js'

/**
 * A numeric literal for generated code: exact round trip (shortest `String` form), signed zero and
 * non-finite values kept; throws an internal error for anything that is not a primitive number.
 * @example
 * import { lit } from './literal.js'
 * lit(0.1) // '(0.1)'
 * lit(-0) // '(-0)'
 * lit(NaN) // 'NaN'
 * lit(-Infinity) // '(-Infinity)'
 * try { lit('1' as never) } catch (e) { (e as Error).message } // 'internal: lit: expected a primitive number, got the string "1"'
 */
export const lit = (v: number): string => {
  if (typeof v !== 'number') throw new Error(`internal: lit: expected a primitive number, got ${describeValue(v)}`)
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '(-Infinity)' : Object.is(v, -0) ? '(-0)' : `(${String(v)})`
}

/**
 * An integer literal for generated code (index coefficients and offsets, bounds, cuts, sizes, loop
 * limits): safe integers only, negative ones parenthesized so they fit any context; throws an
 * internal error for anything else.
 * @example
 * import { intLit } from './literal.js'
 * intLit(12) // '12'
 * intLit(-3) // '(-3)'
 * try { intLit(1.5) } catch (e) { (e as Error).message } // 'internal: intLit: expected a safe integer, got 1.5'
 */
export const intLit = (v: number): string => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`internal: intLit: expected a safe integer, got ${describeValue(v)}`)
  return v < 0 ? `(${String(v)})` : String(v === 0 ? 0 : v)
}
