/**
 * What a gradient check is handed, validated before anything runs: a list of `{ value, shape, name }`
 * inputs or a tree of values (with optional shapes), each value finite and of the size its shape
 * needs. Problems are `ArgumentError`s naming the function and the field (`inputs[1].value`,
 * `dense0.w`, `shapes.dense0.w`).
 * @module
 */
import { flattenParams, isSubtree, TreeError, zipParams, type ParamValues, type Tree } from '../nn/tree.js'
import { ArgumentError, describeValue, numberList, ownValue } from '../options.js'
import { unravel } from '../ops/ref.js'
import { fmt, sizeOf, type Shape } from '../shape.js'
import type { Operand } from './core.js'

/** One operand of the checked function: its value and shape (and an optional name for the report). */
export interface GradcheckInput {
  readonly value: Float64Array | readonly number[]
  readonly shape: Shape
  readonly name?: string
}

const checkShape = (who: string, field: string, shape: unknown): number[] => {
  const dims = numberList(who, field, shape, true)
  dims.forEach((d, i) => {
    if (d < 0) throw new ArgumentError(who, field, `entry ${i}: expected a size >= 0, got ${d}`)
  })
  return dims
}

/** A copy of `value`, of the size `shape` needs, every entry finite. */
const checkedValues = (who: string, field: string, value: Float64Array, shape: Shape): Float64Array => {
  if (value.length !== sizeOf(shape)) throw new ArgumentError(who, field, `has ${value.length} values, shape ${fmt(shape)} needs ${sizeOf(shape)}`)
  const bad = value.findIndex((v) => !Number.isFinite(v))
  if (bad !== -1) throw new ArgumentError(who, field, `expected finite values, got ${value[bad]} at ${fmt(unravel(bad, shape))}`)
  return value.slice()
}

/**
 * Operands from a list of inputs: each an object with a `value` (numbers or a `Float64Array`) of the
 * size of its `shape`, finite, and a unique name (default `x0`, `x1`, ...).
 * @example
 * import { operandsOfInputs } from './inputs.js'
 * operandsOfInputs('gradcheck', [{ value: [1, 2], shape: [2] }])[0]!.name // 'x0'
 * try { operandsOfInputs('gradcheck', [{ value: [1, NaN], shape: [2] }]) } catch (e) { (e as Error).message } // 'gradcheck: inputs[0].value: expected finite values, got NaN at [1]'
 */
export const operandsOfInputs = (who: string, inputs: readonly unknown[]): Operand[] => {
  const names = new Set<string>()
  return inputs.map((x, i) => {
    const field = `inputs[${i}]`
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ArgumentError(who, field, `expected { value, shape, name? }, got ${describeValue(x)}`)
    const [value, shape, name] = (['value', 'shape', 'name'] as const).map((k) => ownValue(x, k))
    const dims = checkShape(who, `${field}.shape`, shape!.ok ? shape!.value : undefined)
    const raw = value!.ok ? value!.value : undefined
    const v = raw instanceof Float64Array ? raw : Float64Array.from(numberList(who, `${field}.value`, raw, false))
    const label = name!.ok && name!.value !== undefined ? name!.value : `x${i}`
    if (typeof label !== 'string' || label.length === 0) throw new ArgumentError(who, `${field}.name`, `expected a non-empty string, got ${describeValue(label)}`)
    if (names.has(label)) throw new ArgumentError(who, `${field}.name`, `the name '${label}' is used by an earlier input; names must differ`)
    names.add(label)
    return { name: label, shape: dims, value: checkedValues(who, `${field}.value`, v, dims) }
  })
}

/** The tree's leaves by path, each a `Float64Array` (a `TreeError` from a bad key becomes an `ArgumentError`). */
const leavesOf = (who: string, values: ParamValues): [string, Float64Array][] => {
  try {
    return flattenParams<unknown>(values).map(([path, v]) => {
      if (!(v instanceof Float64Array)) throw new ArgumentError(who, path, `expected a Float64Array, got ${describeValue(v)}`)
      return [path, v]
    })
  } catch (e) {
    throw e instanceof TreeError ? new ArgumentError(who, e.path, e.message) : e
  }
}

/**
 * Operands from a tree of values, named by dotted path; each leaf is flat (`[length]`) unless `shapes`
 * (a tree of the same structure) gives its shape.
 * @example
 * import { operandsOfTree } from './inputs.js'
 * operandsOfTree('gradcheck', { d: { w: Float64Array.of(1, 2, 3, 4) } }, { d: { w: [2, 2] } }).map((o) => [o.name, o.shape]) // [['d.w', [2, 2]]]
 * try { operandsOfTree('gradcheck', { w: Float64Array.of(1) }, { v: [1] }) } catch (e) { (e as Error).message } // "gradcheck: shapes.v: unexpected entry 'v'; expected only 'w' here"
 */
export const operandsOfTree = (who: string, values: unknown, shapes?: Tree<readonly number[]>): Operand[] => {
  if (!isSubtree(values)) throw new ArgumentError(who, 'values', `expected a tree of Float64Array values or a list of inputs, got ${describeValue(values)}`)
  const leaves = leavesOf(who, values as ParamValues)
  const shapeOf = new Map<string, readonly number[]>()
  if (shapes !== undefined) {
    try {
      zipParams(values as ParamValues, shapes, (_, s, path) => shapeOf.set(path, checkShape(who, `shapes.${path}`, s)), who)
    } catch (e) {
      if (!(e instanceof TreeError)) throw e
      throw new ArgumentError(who, `shapes.${e.path}`, e.message.replace(`${who}: `, ''))
    }
  }
  return leaves.map(([path, v]) => {
    const shape = shapeOf.get(path) ?? [v.length]
    return { name: path, shape, value: checkedValues(who, path, v, shape) }
  })
}
