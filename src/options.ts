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

/** An own data property's value, or why there is none (`missing`, or an accessor that was not run). */
export type OwnValue = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly why: string }

/**
 * Own data property `key` of `obj`, read without running a getter: the one way Kiln reads a property
 * of an object it was handed before that object is checked (a missing or accessor property is a problem).
 * @example
 * import { ownValue } from 'kiln'
 * ownValue({ a: 1 }, 'a') // { ok: true, value: 1 }
 * ownValue({}, 'toString') // { ok: false, why: 'missing' }
 * ownValue({ get a() { return 1 } }, 'a').ok // false
 */
export const ownValue = (obj: object, key: string | number): OwnValue => {
  const d = Object.getOwnPropertyDescriptor(obj, key)
  if (d === undefined) return { ok: false, why: 'missing' }
  return 'value' in d ? { ok: true, value: d.value } : { ok: false, why: 'expected a data property, got an accessor (getter/setter)' }
}

/**
 * A safe integer, or an `ArgumentError` naming `op` and `field`.
 * @example
 * import { requireInteger } from 'kiln'
 * requireInteger('oneHot', 'depth', 3) // 3
 * try { requireInteger('oneHot', 'depth', 2.5) } catch (e) { (e as Error).message } // 'oneHot: depth: expected an integer, got 2.5'
 */
export const requireInteger = (op: string, field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ArgumentError(op, field, `expected an integer, got ${describeValue(v)}`)
  return v
}

/**
 * A positive safe integer (a size, a count), or an `ArgumentError` naming `op` and `field`.
 * @example
 * import { requirePositiveInteger } from 'kiln'
 * requirePositiveInteger('dense', 'units', 3) // 3
 * try { requirePositiveInteger('dense', 'units', 0) } catch (e) { (e as Error).message } // 'dense: units: expected a positive integer, got 0'
 */
export const requirePositiveInteger = (op: string, field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new ArgumentError(op, field, `expected a positive integer, got ${describeValue(v)}`)
  return v
}

/**
 * A non-empty list of positive integers (a shape without a batch axis, sizes per stage), copied; anything
 * else is an `ArgumentError` naming `op`, `field` and the entry.
 * @example
 * import { positiveIntegers } from 'kiln'
 * positiveIntegers('modelInput', 'shape', [8, 8, 1]) // [8, 8, 1]
 * try { positiveIntegers('modelInput', 'shape', [8, 0]) } catch (e) { (e as Error).message } // 'modelInput: shape: entry 1: expected a positive integer, got 0'
 */
export const positiveIntegers = (op: string, field: string, v: unknown): number[] => {
  const list = numberList(op, field, v, true)
  if (list.length === 0) throw new ArgumentError(op, field, 'expected a non-empty list of positive integers, got []')
  list.forEach((d, i) => {
    if (d < 1) throw new ArgumentError(op, field, `entry ${i}: expected a positive integer, got ${d}`)
  })
  return list
}

/**
 * A primitive boolean, or an `ArgumentError` naming `op` and `field`.
 * @example
 * import { requireBoolean } from 'kiln'
 * requireBoolean('sum', 'keepDims', true) // true
 * try { requireBoolean('sum', 'keepDims', 1) } catch (e) { (e as Error).message } // 'sum: keepDims: expected true or false, got 1'
 */
export const requireBoolean = (op: string, field: string, v: unknown): boolean => {
  if (typeof v !== 'boolean') throw new ArgumentError(op, field, `expected true or false, got ${describeValue(v)}`)
  return v
}

/**
 * A fresh copy of a list of primitive numbers (safe integers when `integer`), read by index (no
 * iterator or getter runs); anything else is an `ArgumentError` naming `op`, `field` and the entry.
 * @example
 * import { numberList } from 'kiln'
 * numberList('pad', 'before', [1, 0], true) // [1, 0]
 * try { numberList('pad', 'before', [1, '0'], true) } catch (e) { (e as Error).message } // 'pad: before: entry 1: expected an integer, got the string "0"'
 * try { numberList('pad', 'before', 1, true) } catch (e) { (e as Error).message } // 'pad: before: expected a list of integers, got 1'
 */
export const numberList = (op: string, field: string, v: unknown, integer: boolean): number[] => {
  const what = integer ? 'an integer' : 'a number'
  if (!Array.isArray(v)) throw new ArgumentError(op, field, `expected a list of ${integer ? 'integers' : 'numbers'}, got ${describeValue(v)}`)
  const out: number[] = []
  for (let i = 0; i < v.length; i++) {
    const r = ownValue(v, i)
    if (!r.ok) throw new ArgumentError(op, field, `entry ${i}: ${r.why === 'missing' ? `expected ${what}, got a hole` : r.why}`)
    const x = r.value
    if (typeof x !== 'number' || (integer && !Number.isSafeInteger(x))) throw new ArgumentError(op, field, `entry ${i}: expected ${what}, got ${describeValue(x)}`)
    out.push(x)
  }
  return out
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

const KIND_TEXT: { readonly [K in OptionKind]: string } = {
  boolean: 'true or false', number: 'a number', string: 'a string', function: 'a function', object: 'an object', array: 'an array',
}

/** What is wrong with one option's value, as a detail (`expected a function, got 5`), or undefined. */
export type ValueCheck = (v: unknown) => string | undefined

/**
 * The options one function accepts: a check per key (a nested table for an options object inside, such
 * as `fit`'s `earlyStopping`) and the keys that must be present, each with what is expected there.
 */
export interface OptionTable {
  readonly checks: { readonly [key: string]: ValueCheck | OptionTable }
  readonly required?: { readonly [key: string]: string }
}

/**
 * The check that a value has one of `kinds`.
 * @example
 * import { kindCheck } from 'kiln'
 * kindCheck('boolean')(true) // undefined
 * kindCheck(['number', 'function'])('2') // 'expected a number or a function, got the string "2"'
 */
export const kindCheck = (kinds: OptionKind | readonly OptionKind[]): ValueCheck => {
  const allowed: readonly OptionKind[] = typeof kinds === 'string' ? [kinds] : kinds
  const text = allowed.map((k) => KIND_TEXT[k]).join(' or ')
  return (v) => {
    const got = kindOf(v)
    return got !== undefined && allowed.includes(got) ? undefined : `expected ${text}, got ${describeValue(v)}`
  }
}

const joinPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`)

/**
 * The first problem with an options object checked against its table: not an object, an unknown key
 * (the closest valid one suggested), a missing required key or a present value its check refuses.
 * Nested tables report dotted fields (`earlyStopping.patince`). The one mechanism behind every
 * options check; functions returning `Either` wrap the error in their own.
 * @example
 * import { optionTableProblem, kindCheck } from 'kiln'
 * const table = { checks: { epochs: kindCheck('number'), stop: { checks: { patience: kindCheck('number') }, required: { patience: 'a number' } } }, required: { epochs: 'a number' } }
 * optionTableProblem('fit', { epochs: 1 }, table) // undefined
 * optionTableProblem('fit', {}, table)?.message // 'fit: epochs: missing; expected a number'
 * optionTableProblem('fit', { epochs: 1, stop: { patince: 2 } }, table)?.message // "fit: stop.patince: unknown option; did you mean 'patience'? (valid options: patience)"
 * optionTableProblem('fit', { epochs: true }, table)?.field // 'epochs'
 */
export const optionTableProblem = (op: string, options: unknown, table: OptionTable, path = ''): ArgumentError | undefined => {
  const unknown = optionsProblem(op, options, Object.keys(table.checks))
  if (unknown !== undefined)
    return path === '' ? unknown : new ArgumentError(op, unknown.field === 'options' ? path : joinPath(path, unknown.field), unknown.detail)
  if (options === undefined) return undefined
  for (const [k, check] of Object.entries(table.checks)) {
    // Read as the function will read it (an inherited default counts), after optionsProblem vetted the keys.
    const v: unknown = Reflect.get(options as object, k)
    const field = joinPath(path, k)
    if (v === undefined) {
      const need = table.required?.[k]
      if (need !== undefined) return new ArgumentError(op, field, `missing; expected ${need}`)
      continue
    }
    const problem = typeof check === 'function' ? check(v) : kindOf(v) !== 'object' ? `expected an object of options, got ${describeValue(v)}` : optionTableProblem(op, v, check, field)
    if (problem instanceof ArgumentError) return problem
    if (problem !== undefined) return new ArgumentError(op, field, problem)
  }
  return undefined
}

/**
 * Checks an options object against one table of its option names and value kinds: an unknown key
 * (with the closest valid one suggested) or a present value of the wrong kind throws an
 * `ArgumentError` naming it; ranges stay the caller's. `undefined` options and values pass.
 * @example
 * import { checkOptionKinds } from 'kiln'
 * checkOptionKinds('dense', { bias: false }, { bias: 'boolean', init: 'function' }) // { bias: false }
 * try { checkOptionKinds('dense', { bias: 'no' }, { bias: 'boolean', init: 'function' }) } catch (e) { (e as Error).message } // 'dense: bias: expected true or false, got the string "no"'
 */
export const checkOptionKinds = <T>(op: string, options: T, kinds: OptionKinds<NonNullable<T>>): T => {
  const checks = Object.fromEntries(Object.entries<OptionKind | readonly OptionKind[]>(kinds).map(([k, kind]) => [k, kindCheck(kind)]))
  const problem = optionTableProblem(op, options, { checks })
  if (problem !== undefined) throw problem
  return options
}
