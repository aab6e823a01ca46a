/**
 * Checking what users pass at the public boundary: option objects (no unknown keys, with a
 * suggestion for a misspelled one), numeric arguments (primitive numbers only) and safe descriptions
 * of arbitrary values for error messages. One error type, `ArgumentError`, names the operation and
 * the field; functions that return `Either` wrap its message in their own error value.
 * @module
 */

/**
 * Thrown when an argument or option of a public function is not what it expects: names the
 * operation (`op`), the field and what was expected.
 * @example
 * import { ArgumentError } from 'kiln'
 * const e = new ArgumentError('pad', 'value', 'expected a number, got the string "0"')
 * e.message // 'pad: value: expected a number, got the string "0"'
 * e.field // 'value'
 */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError'
  constructor(
    readonly op: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${op}: ${field}: ${detail}`)
  }
}

/**
 * A description of any value that never runs user code (no `toString`, `valueOf` or getters).
 * @example
 * import { describeValue } from 'kiln'
 * describeValue('yes') // 'the string "yes"'
 * describeValue({ valueOf: () => 1 }) // 'an object'
 * describeValue(2n) // 'the bigint 2'
 * describeValue([1]) // 'an array'
 * describeValue(NaN) // 'NaN'
 */
export const describeValue = (v: unknown): string => {
  switch (typeof v) {
    case 'number': return String(v)
    case 'string': return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
    case 'bigint': return `the bigint ${v.toString()}`
    case 'boolean': return String(v)
    case 'undefined': return 'undefined'
    case 'symbol': return 'a symbol'
    case 'function': return 'a function'
    default: return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object'
  }
}

/** Levenshtein distance, case-insensitive (short option names only, so quadratic is fine). */
const distance = (a: string, b: string): number => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const cur = [i]
    for (let j = 1; j <= y.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[y.length]!
}

/**
 * The candidate closest to `name` when it is close enough to be a likely misspelling, else undefined.
 * A candidate that starts with the name (`earlystop` for `earlyStopping`) or that the name starts
 * with (`epoch` for `epochs`) also counts.
 * @example
 * import { closestName } from 'kiln'
 * closestName('shufle', ['shuffle', 'epochs']) // 'shuffle'
 * closestName('regularisation', ['regularization', 'dev']) // 'regularization'
 * closestName('zzz', ['epochs']) // undefined
 */
export const closestName = (name: string, candidates: readonly string[]): string | undefined => {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const lower = [name.toLowerCase(), c.toLowerCase()]
    // A prefix counts as one edit, but never hides a closer match (`L2` is `l2`, not `l1`).
    const d = Math.min(distance(name, c), lower[1]!.startsWith(lower[0]!) || lower[0]!.startsWith(lower[1]!) ? 1 : Infinity)
    if (d < bestD) [best, bestD] = [c, d]
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

/**
 * The first problem with an options object: not a plain object, or an own key outside `allowed`
 * (with the closest valid key suggested). `undefined` means no options and is fine.
 * @example
 * import { optionsProblem } from 'kiln'
 * optionsProblem('conv2d', { strides: 2 }, ['stride', 'padding'])?.message // "conv2d: strides: unknown option; did you mean 'stride'? (valid options: stride, padding)"
 * optionsProblem('conv2d', { stride: 2 }, ['stride', 'padding']) // undefined
 * optionsProblem('conv2d', 3, ['stride'])?.message // 'conv2d: options: expected an object of options, got 3'
 */
export const optionsProblem = (op: string, options: unknown, allowed: readonly string[]): ArgumentError | undefined => {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    return new ArgumentError(op, 'options', `expected an object of options, got ${describeValue(options)}`)
  for (const k of Reflect.ownKeys(options)) {
    if (typeof k === 'symbol') return new ArgumentError(op, 'options', 'a symbol key is not an option')
    if (allowed.includes(k)) continue
    const near = closestName(k, allowed)
    const hint = near === undefined ? '' : `; did you mean '${near}'?`
    return new ArgumentError(op, k, `unknown option${hint} (valid options: ${allowed.join(', ') || 'none'})`)
  }
  return undefined
}

/**
 * Throws the problem `optionsProblem` finds; returns the options otherwise (for use in place).
 * @example
 * import { checkOptions } from 'kiln'
 * checkOptions('dense', { bias: false }, ['bias', 'init']) // { bias: false }
 * try { checkOptions('dense', { bais: false }, ['bias', 'init']) } catch (e) { (e as Error).message } // "dense: bais: unknown option; did you mean 'bias'? (valid options: bias, init)"
 */
export const checkOptions = <T>(op: string, options: T, allowed: readonly string[]): T => {
  const problem = optionsProblem(op, options, allowed)
  if (problem !== undefined) throw problem
  return options
}

/**
 * Requires a primitive number (NaN and infinities included; range checks are the caller's): strings,
 * boxed numbers, objects with `valueOf`, bigints and symbols are refused without being converted.
 * @example
 * import { requireNumber } from 'kiln'
 * requireNumber('leakyRelu', 'alpha', 0.1) // 0.1
 * try { requireNumber('leakyRelu', 'alpha', '0.1') } catch (e) { (e as Error).message } // 'leakyRelu: alpha: expected a number, got the string "0.1"'
 */
export const requireNumber = (op: string, field: string, v: unknown): number => {
  if (typeof v !== 'number') throw new ArgumentError(op, field, `expected a number, got ${describeValue(v)}`)
  return v
}

/**
 * True when `obj` has `key` as its own property (never an inherited one such as `toString`).
 * @example
 * import { hasOwn } from 'kiln'
 * hasOwn({ a: 1 }, 'a') // true
 * hasOwn({ a: 1 }, 'toString') // false
 */
export const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key)

/**
 * The option names of an options interface `T`, listed once next to it: the compiler refuses a name
 * that is not a key of `T`, and a list that leaves a key of `T` out (the error names the missing key),
 * so the list that `optionsProblem` checks against cannot drift from the interface.
 * @example
 * import { optionKeys } from 'kiln'
 * optionKeys<{ readonly stride?: number; readonly padding?: string }>()(['stride', 'padding']) // ['stride', 'padding']
 */
export const optionKeys =
  <T>() =>
  <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { readonly missingOptions: Exclude<keyof T, K[number]> }),
  ): K =>
    keys

/** The kind of an option's value as `checkOptionKinds` tells them apart (`object`: a non-array, non-null object). */
export type OptionKind = 'boolean' | 'number' | 'string' | 'function' | 'object' | 'array'

/** For each option of `T`, the kind (or kinds) its value may have: exactly the keys of `T`, so it cannot drift. */
export type OptionKinds<T> = { readonly [K in keyof T]-?: OptionKind | readonly OptionKind[] }

const kindOf = (v: unknown): OptionKind | undefined => {
  if (Array.isArray(v)) return 'array'
  const t = typeof v
  return t === 'boolean' || t === 'number' || t === 'string' || t === 'function' ? t : t === 'object' && v !== null ? 'object' : undefined
}

/**
 * Checks an options object against one table of its option names and value kinds: an unknown key
 * (with the closest valid one suggested) or a present value of the wrong kind throws an
 * `ArgumentError` naming it; ranges stay the caller's. `undefined` options and values pass.
 * @example
 * import { checkOptionKinds } from 'kiln'
 * checkOptionKinds('dense', { bias: false }, { bias: 'boolean', init: 'function' }) // { bias: false }
 * try { checkOptionKinds('dense', { bias: 'no' }, { bias: 'boolean', init: 'function' }) } catch (e) { (e as Error).message } // 'dense: bias: expected a boolean, got the string "no"'
 */
export const checkOptionKinds = <T>(op: string, options: T, kinds: OptionKinds<NonNullable<T>>): T => {
  checkOptions(op, options, Object.keys(kinds))
  if (options === undefined || options === null) return options
  for (const [k, kind] of Object.entries(kinds) as [string, OptionKind | readonly OptionKind[]][]) {
    const v: unknown = (options as Record<string, unknown>)[k]
    const allowed: readonly OptionKind[] = typeof kind === 'string' ? [kind] : kind
    const got = kindOf(v)
    if (v !== undefined && (got === undefined || !allowed.includes(got)))
      throw new ArgumentError(op, k, `expected ${allowed.map((a) => (a === 'array' || a === 'object' ? `an ${a}` : `a ${a}`)).join(' or ')}, got ${describeValue(v)}`)
  }
  return options
}
