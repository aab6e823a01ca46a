/**
 * Leaf records (input, param, constant) and the one random op, `uniform`.
 * @module
 */
import { uniformAt } from '../random/threefry.js'
import { checkShape, sizeOf, type Shape } from '../shape.js'
import { ArgumentError } from '../options.js'
import type { AttrSchema, Empty, LeafDef, OpAttrs, RandomDef } from './def.js'

/** Leaves have no operands, so no batching rule is ever called for them. */
const noOperands = (): never => {
  throw new Error('internal: a batching rule was called for a leaf')
}

/** Leaves and random ops. */
export interface LeafAttrs {
  readonly input: { readonly name: string }
  readonly param: { readonly name: string }
  readonly constant: { readonly values: Float64Array }
  readonly uniform: Empty
}

/** A leaf's shape is its hint: non-negative integers (`make` has already refused non-numbers). */
const leafShape = (op: string) => (_args: readonly Shape[], _attrs: unknown, hint: Shape | undefined): Shape =>
  hint === undefined ? [] : checkShape(op, hint)

const named = <K extends 'input' | 'param'>(op: K, attrs: AttrSchema<K>, sample: OpAttrs[K]): LeafDef<K> => ({
  kind: 'leaf',
  arity: 0,
  attrs,
  sample,
  shape: leafShape(op),
  evaluate: (_args, node) => {
    throw new Error(`evaluate: ${node.op} '${node.attrs.name}' is read from the bindings`)
  },
  vjp: () => [],
  jvp: () => undefined,
  batch: noOperands,
})

/**
 * `input(name, shape)`: fed at evaluation time (data, labels).
 * @example
 * import { inputOp } from './leaves.js'
 * inputOp.shape([], { name: 'x' }, [2, 3]) // [2, 3]
 */
export const inputOp: LeafDef<'input'> = named('input', { name: 'name' }, { name: 'x' })
/**
 * `param(name, shape)`: fed at evaluation time; what `grad` usually differentiates with respect to.
 * @example
 * import { paramOp } from './leaves.js'
 * paramOp.attrs // { name: 'name' }
 */
export const paramOp: LeafDef<'param'> = named('param', { name: 'name' }, { name: 'w' })

/**
 * `constant(values, shape)`: its own data.
 * @example
 * import { constantOp } from './leaves.js'
 * constantOp.attrs // { values: 'values' }
 */
export const constantOp: LeafDef<'constant'> = {
  kind: 'leaf',
  arity: 0,
  attrs: { values: 'values' },
  sample: { values: Float64Array.of(1) },
  shape: leafShape('constant'),
  evaluate: (_args, node) => node.attrs.values.slice(),
  vjp: () => [],
  jvp: () => undefined,
  batch: noOperands,
}

/**
 * `uniform(key, shape)`: element i is `uniformAt(k0, k1, i)` for the key operand's two words.
 * @example
 * import { uniformOp } from './leaves.js'
 * uniformOp.kernel(['k0', 'k1', 'i'], {}) // 'uniformAt(k0 >>> 0, k1 >>> 0, i)'
 */
export const uniformOp: RandomDef<'uniform'> = {
  kind: 'random',
  arity: 1,
  attrs: {},
  sample: {},
  shape: leafShape('uniform'),
  evaluate: ([k], node) => {
    const out = new Float64Array(sizeOf(node.shape))
    const [k0, k1] = [k![0]! >>> 0, k![1]! >>> 0]
    for (let i = 0; i < out.length; i++) out[i] = uniformAt(k0, k1, i)
    return out
  },
  vjp: () => [undefined],
  jvp: () => undefined,
  // one key per example would need a key per row of the draw: not an affine rewrite of this op
  batch: () => {
    throw new ArgumentError('vmap', 'key', 'a random draw whose key depends on the mapped inputs is not supported; draw with a key that is not mapped')
  },
  kernel: ([k0, k1, i]) => `uniformAt(${k0} >>> 0, ${k1} >>> 0, ${i})`,
  helpers: { uniformAt },
}
