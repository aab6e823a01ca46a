/**
 * Expression nodes: immutable, hash-consed, shape-carrying. Every op builds nodes through `make`,
 * so structurally equal expressions are one node and common subexpressions are shared for free.
 * @module
 */
import { opTable } from './optable.js'
import { checkShape, sizeOf, ShapeError, type Shape } from './shape.js'

/** Op-specific attributes, one entry per op. Adding an op starts here. */
export interface OpAttrs {
  readonly input: { readonly name: string }
  readonly param: { readonly name: string }
  readonly constant: { readonly values: Float64Array }
  readonly uniform: Empty
  readonly neg: Empty
  readonly exp: Empty
  readonly log: Empty
  readonly sqrt: Empty
  readonly abs: Empty
  readonly sign: Empty
  readonly tanh: Empty
  readonly sigmoid: Empty
  readonly relu: Empty
  readonly leakyRelu: { readonly alpha: number }
  readonly softplus: Empty
  readonly add: Empty
  readonly sub: Empty
  readonly mul: Empty
  readonly div: Empty
  readonly pow: Empty
  readonly maximum: Empty
  readonly minimum: Empty
  readonly greater: Empty
  readonly greaterEqual: Empty
  readonly less: Empty
  readonly lessEqual: Empty
  readonly equal: Empty
  readonly notEqual: Empty
  readonly where: Empty
  readonly stopGradient: Empty
  readonly sum: Reduction
  readonly max: Reduction
  readonly matmul: Empty
  readonly transpose: { readonly perm: readonly number[] }
  readonly reshape: Empty
  readonly broadcastTo: Empty
  readonly slice: { readonly begin: readonly number[] }
  readonly concat: { readonly axis: number }
  readonly pad: { readonly before: readonly number[]; readonly after: readonly number[]; readonly value: number }
  readonly oneHot: { readonly depth: number }
}
type Empty = Readonly<Record<never, never>>
interface Reduction {
  readonly axes: readonly number[]
  readonly keepDims: boolean
}

/** Every op's name. */
export type OpName = keyof OpAttrs

/**
 * An expression node of static shape `S`. Readonly and hash-consed: build it with the op functions.
 * `id` is unique per live node; `shape` is the node's runtime shape.
 */
export interface Tensor<S extends Shape = Shape> {
  readonly _tag: 'Tensor'
  readonly id: number
  readonly op: OpName
  readonly args: readonly Tensor[]
  readonly attrs: OpAttrs[OpName]
  readonly shape: Readonly<S>
}

/** A node whose op is known to be `K`, with that op's attributes. */
export type NodeOf<K extends OpName> = Tensor & { readonly op: K; readonly attrs: OpAttrs[K] }

/** A tensor or a plain number (lifted to a scalar constant). */
export type TensorLike = Tensor | number

/**
 * True when `t` is the op `K`, narrowing its attributes.
 * @example
 * import { isOp, sum, input } from 'kiln'
 * const s = sum(input('x', [2, 3]), 1)
 * isOp(s, 'sum') && s.attrs.axes // [1]
 */
export const isOp = <K extends OpName>(t: Tensor, op: K): t is NodeOf<K> => t.op === op

const live = new Map<string, WeakRef<Tensor>>()
const registry = new FinalizationRegistry<string>((key) => {
  const ref = live.get(key)
  if (ref !== undefined && ref.deref() === undefined) live.delete(key)
})
let nextId = 1

const numKey = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))

const attrsKey = (attrs: object): string =>
  JSON.stringify(attrs, (_k, v: unknown) => {
    if (v instanceof Float64Array) return Array.from(v, numKey).join(' ')
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return numKey(v)
    return v
  })

/**
 * The one constructor of nodes: validates the shape with the op's rule and returns the existing node
 * when a structurally equal one is alive (hash-consing).
 * @example
 * import { input } from 'kiln'
 * import { make } from './tensor.js'
 * const x = input('x', [3])
 * make('neg', [x], {}) === make('neg', [x], {}) // true
 * make('neg', [x], {}).shape // [3]
 */
export const make = <K extends OpName>(op: K, args: readonly Tensor[], attrs: OpAttrs[K], shapeHint?: Shape): Tensor => {
  const def = opTable[op]
  if (def.arity !== -1 && def.arity !== args.length) throw new Error(`${op}: expected ${def.arity} operands, got ${args.length}`)
  const shape = Object.freeze([...def.shape(args.map((a) => a.shape), attrs as never, shapeHint)])
  const key = `${op}|${attrsKey(attrs)}|${shape.join(',')}|${args.map((a) => a.id).join(',')}`
  const hit = live.get(key)?.deref()
  if (hit !== undefined) return hit
  const node: Tensor = Object.freeze({ _tag: 'Tensor', id: nextId++, op, args: Object.freeze([...args]), attrs: Object.freeze(attrs), shape })
  live.set(key, new WeakRef(node))
  registry.register(node, key)
  return node
}

/**
 * Number of live hash-consed nodes (for tests and diagnostics).
 * @example
 * import { liveNodeCount, input } from 'kiln'
 * const x = input('x', [7, 7, 7])
 * liveNodeCount() > 0 // true
 */
export const liveNodeCount = (): number => live.size

const leafName = (op: string, name: string): string => {
  if (typeof name !== 'string' || name.length === 0) throw new Error(`${op}: a name must be a non-empty string`)
  return name
}

/**
 * A graph input fed at evaluation time (data, labels).
 * @example
 * import { input } from 'kiln'
 * const x = input('x', [64, 10])
 * x.shape // [64, 10]
 */
export const input = <const S extends Shape>(name: string, shape: S): Tensor<S> =>
  make('input', [], { name: leafName('input', name) }, checkShape('input', shape)) as Tensor<S>

/**
 * A trainable parameter fed at evaluation time; `grad` usually differentiates with respect to these.
 * @example
 * import { param } from 'kiln'
 * const w = param('w', [10, 3])
 * w.op // 'param'
 */
export const param = <const S extends Shape>(name: string, shape: S): Tensor<S> =>
  make('param', [], { name: leafName('param', name) }, checkShape('param', shape)) as Tensor<S>

/**
 * A constant tensor; `shape` defaults to `[values.length]`. Values are copied.
 * @example
 * import { constant } from 'kiln'
 * constant([1, 2, 3, 4], [2, 2]).shape // [2, 2]
 */
export const constant = <const S extends Shape = readonly [number]>(
  values: Float64Array | readonly number[],
  shape?: S,
): Tensor<S> => {
  const s = shape ?? [values.length]
  checkShape('constant', s)
  if (sizeOf(s) !== values.length)
    throw new ShapeError('constant', [s], `${values.length} values given, the shape holds ${sizeOf(s)}`)
  return make('constant', [], { values: Float64Array.from(values) }, s) as Tensor<S>
}

/**
 * A scalar constant (shape `[]`).
 * @example
 * import { scalar } from 'kiln'
 * scalar(2).shape // []
 */
export const scalar = (v: number): Tensor<readonly []> => constant([v], [] as const)

/**
 * Lifts a number to a scalar constant; tensors pass through.
 * @example
 * import { lift, input } from 'kiln'
 * lift(2).shape // []
 * const x = input('x', [2])
 * lift(x) === x // true
 */
export const lift = (x: TensorLike): Tensor => (typeof x === 'number' ? scalar(x) : x)

/**
 * Uniform [0, 1) samples inside a graph: element i is `uniformAt(k0, k1, i)` (Threefry) where `[k0, k1]` are
 * the two values of the key operand (a `Key`, or a `[2]` tensor of uint32 words fed per step as an input, so a
 * compiled training step draws fresh dropout masks without recompiling). The interpreter and compiled kernels
 * agree, so dropout fuses and a dropout network's gradient can be checked with a fixed key.
 * @example
 * import { uniformTensor, key } from 'kiln'
 * uniformTensor(key(0), [2, 3]).shape // [2, 3]
 */
export const uniformTensor = <const S extends Shape>(k: { readonly k0: number; readonly k1: number } | Tensor, shape: S): Tensor<S> => {
  const keyT = '_tag' in k && k._tag === 'Tensor' ? (k as Tensor) : constant([(k as { k0: number }).k0 >>> 0, (k as { k1: number }).k1 >>> 0])
  if (keyT.shape.length !== 1 || keyT.shape[0] !== 2) throw new ShapeError('uniform', [keyT.shape, shape], 'the key operand must have shape [2] (two uint32 words)')
  return make('uniform', [keyT], {}, checkShape('uniform', shape)) as Tensor<S>
}

/**
 * The value of a constant node whose elements are all equal (a scalar or a fill), or undefined.
 * @example
 * import { constant, scalar, input } from 'kiln'
 * import { constValue } from './tensor.js'
 * constValue(scalar(3)) // 3
 * constValue(constant([2, 2, 2])) // 2
 * constValue(constant([1, 2])) // undefined
 * constValue(input('x', [2])) // undefined
 */
export const constValue = (t: Tensor): number | undefined => {
  if (!isOp(t, 'constant')) return undefined
  const v = t.attrs.values
  if (v.length === 0) return undefined
  const first = v[0]!
  for (let i = 1; i < v.length; i++) if (!Object.is(v[i], first)) return undefined
  return first
}
