/**
 * Op attributes are data, checked once when a node is built: `make` passes every attribute object
 * through `checkAttrs`, which keeps only primitive values of the kind the op's schema (its record's
 * `attrs`) names and
 * refuses anything else with an `ArgumentError` naming the op and the attribute. The check reads own
 * data properties only (no getters, `valueOf`, `toString` or iterators run), so a hostile value
 * never reaches a shape rule, the hash-consing key or generated kernel source.
 * @module
 */
import { ArgumentError, describeValue, numberList, ownValue, requireBoolean, requireInteger, requireNumber } from './options.js'
import { opDef } from './optable.js'
import type { AttrKind, OpAttrs, OpName } from './ops/def.js'

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float64Array.prototype) as object, Symbol.toStringTag)!.get!

/**
 * True for a real `Float64Array` (its internal brand, not `instanceof`: a look-alike object or a
 * proxy is not one, and nothing it defines runs).
 * @example
 * import { isFloat64Array } from './attrs.js'
 * isFloat64Array(Float64Array.of(1)) // true
 * isFloat64Array(Object.create(Float64Array.prototype)) // false
 * isFloat64Array([1]) // false
 */
export const isFloat64Array = (v: unknown): v is Float64Array => typedArrayTag.call(v) === 'Float64Array'

const checkOne = (op: string, field: string, kind: AttrKind, v: unknown): unknown => {
  switch (kind) {
    case 'number': return requireNumber(op, field, v)
    case 'int': return requireInteger(op, field, v)
    case 'bool': return requireBoolean(op, field, v)
    case 'ints': return Object.freeze(numberList(op, field, v, true))
    case 'name':
      if (typeof v !== 'string' || v.length === 0) throw new ArgumentError(op, field, `expected a non-empty string, got ${describeValue(v)}`)
      return v
    case 'values':
      if (!isFloat64Array(v)) throw new ArgumentError(op, field, `expected a Float64Array, got ${describeValue(v)}`)
      return new Float64Array(v)
  }
}

/**
 * The attributes of every op without any: `checkAttrs` returns this one object for them.
 * @example
 * import { NO_ATTRS, checkAttrs } from './attrs.js'
 * checkAttrs('neg', {}) === NO_ATTRS // true
 */
export const NO_ATTRS: Readonly<Record<never, never>> = Object.freeze({})

/**
 * A frozen copy of `attrs` holding exactly the attributes of `op`'s schema, each checked for its
 * kind; an unknown, missing or ill-typed attribute is an `ArgumentError` naming `op` and the attribute.
 * @example
 * import { checkAttrs } from './attrs.js'
 * checkAttrs('leakyRelu', { alpha: 0.1 }) // { alpha: 0.1 }
 * try { checkAttrs('leakyRelu', { alpha: '0.1' }) } catch (e) { (e as Error).message } // 'leakyRelu: alpha: expected a number, got the string "0.1"'
 * try { checkAttrs('neg', { alpha: 1 }) } catch (e) { (e as Error).message } // 'neg: alpha: unknown attribute (neg has no attributes)'
 */
export const checkAttrs = <K extends OpName>(op: K, attrs: unknown): OpAttrs[K] => {
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs))
    throw new ArgumentError(op, 'attrs', `expected an object of attributes, got ${describeValue(attrs)}`)
  const schema: Readonly<Record<string, AttrKind>> = opDef(op).attrs
  const fields = Object.keys(schema)
  // Most ops have no attributes: one shared frozen object, so hashing them costs nothing.
  if (fields.length === 0 && Reflect.ownKeys(attrs).length === 0) return NO_ATTRS as OpAttrs[K]
  for (const k of Reflect.ownKeys(attrs)) {
    const name = typeof k === 'symbol' ? 'attrs' : k
    if (typeof k === 'symbol' || !fields.includes(k))
      throw new ArgumentError(op, name, `unknown attribute (${fields.length === 0 ? `${op} has no attributes` : `valid attributes: ${fields.join(', ')}`})`)
  }
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    const r = ownValue(attrs, field)
    if (!r.ok) throw new ArgumentError(op, field, r.why === 'missing' ? `missing (expected ${describeKind(schema[field]!)})` : r.why)
    out[field] = checkOne(op, field, schema[field]!, r.value)
  }
  // Safe: `out` holds exactly the schema's fields, each checked against the kind of its type.
  return Object.freeze(out) as OpAttrs[K]
}

const describeKind = (kind: AttrKind): string =>
  ({ number: 'a number', int: 'an integer', bool: 'true or false', ints: 'a list of integers', name: 'a non-empty string', values: 'a Float64Array' })[kind]
