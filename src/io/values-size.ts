/**
 * How large a values file may be, and the messages that say so. The bound comes from V8, not from
 * taste: `JSON.parse` aborts the whole process (it cannot be caught) when a JSON array has more than
 * 134,217,725 elements, and an array of that many elements needs at least twice as many characters.
 * @module
 */
import { ArgumentError, describeValue } from '../options.js'

/**
 * The most bytes of JSON a values file may hold, and the default and maximum of `maxTextBytes`:
 * 2^28 - 4, so no array in it can reach the 134,217,726 elements that abort V8's `JSON.parse`.
 * That is about 14 million parameters at full precision; larger models need a binary format.
 * @example
 * import { MAX_VALUES_TEXT_BYTES } from 'kiln'
 * MAX_VALUES_TEXT_BYTES // 2 ** 28 - 4
 */
export const MAX_VALUES_TEXT_BYTES = 2 ** 28 - 4

/** What the too-large messages suggest instead. */
const BINARY = 'save a model this large in a binary format (a model file: saveModel or encodeModel)'

/**
 * The message for a text past the limit `max`: `what` is the subject and verb ("the file is 9 bytes,").
 * @example
 * import { tooLong } from './values-size.js'
 * tooLong('20 parameters need', 10) // '20 parameters need more than 10 bytes of JSON (maxTextBytes); save a model this large in a binary format (a model file: saveModel or encodeModel)'
 */
export const tooLong = (what: string, max: number): string =>
  `${what} more than ${max} bytes of JSON (${max === MAX_VALUES_TEXT_BYTES ? 'MAX_VALUES_TEXT_BYTES, the most a values file holds' : 'maxTextBytes'}); ${BINARY}`

/**
 * The problem with a `maxTextBytes` option, if any: it must be a number of bytes from 0 to
 * `MAX_VALUES_TEXT_BYTES` (a larger bound could let a file abort the process).
 * @example
 * import { textLimitProblem } from './values-size.js'
 * textLimitProblem('decodeValues', undefined) // undefined
 * textLimitProblem('decodeValues', 2 ** 30)?.message // 'decodeValues: maxTextBytes: expected a number of bytes from 0 to 268435452 (a longer JSON text can hold an array that aborts V8), got 1073741824'
 */
export const textLimitProblem = (op: string, max: unknown): ArgumentError | undefined =>
  max === undefined || (typeof max === 'number' && max >= 0 && max <= MAX_VALUES_TEXT_BYTES)
    ? undefined
    : new ArgumentError(op, 'maxTextBytes', `expected a number of bytes from 0 to ${MAX_VALUES_TEXT_BYTES} (a longer JSON text can hold an array that aborts V8), got ${describeValue(max)}`)

/**
 * The UTF-8 length of a string (paths may hold any character).
 * @example
 * import { encodedLength } from './values-size.js'
 * encodedLength('dense0.w') // 8
 * encodedLength('é') // 2
 */
export const encodedLength = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // A surrogate pair is 4 bytes: 2 for each half.
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 2 : 3
  }
  return n
}
