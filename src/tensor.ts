/**
 * Expression nodes: immutable, hash-consed, shape-carrying. Every op builds nodes through `make`,
 * so structurally equal expressions are one node and common subexpressions are shared for free.
 * @module
 */
import { checkAttrs, isFloat64Array, NO_ATTRS } from './attrs.js'
import { attrsKey, sameArrays } from './hash.js'
import { opTable } from './optable.js'
import { ArgumentError, describeValue, hasOwn, numberList, ownValue, requireNumber } from './options.js'
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
/** Every node `make` built: the one test of "is a tensor" that no look-alike object or proxy passes. */
const nodes = new WeakSet<object>()

/**
 * The live node under `key` whose constant data equals `attrs`'s, or the free slot for a new one. Keys
 * name data by hash (`attrsKey`), so a hit is confirmed by content; a colliding node keeps its slot and
 * the newcomer probes `key#1`, `key#2`, ... (a collision is never a merge, at worst a missed share).
 */
const liveSlot = (key: string, attrs: object): { readonly key: string; readonly hit?: Tensor } => {
  for (let i = 0; ; i++) {
    const k = i === 0 ? key : `${key}#${i}`
    const hit = live.get(k)?.deref()
    if (hit === undefined) return { key: k }
    if (sameArrays(hit.attrs, attrs)) return { key: k, hit }
  }
}

/**
 * True for a node built by `make` (never for a look-alike object, whose getters would run).
 * @example
 * import { isTensor, input } from 'kiln'
 * isTensor(input('x', [2])) // true
 * isTensor({ _tag: 'Tensor', shape: [2] }) // false
 */
export const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && nodes.has(v)

/**
 * A frozen copy of a list of nodes, read by index (no getter or iterator runs); anything else is an
 * `ArgumentError` naming `op` and `field` (with the entry). `make` checks its operands with it.
 * @example
 * import { tensorList, input } from 'kiln'
 * tensorList('concat', 'xs', [input('a', [1])]).length // 1
 * try { tensorList('concat', 'xs', [1]) } catch (e) { (e as Error).message } // 'concat: xs: entry 0: expected a tensor, got 1'
 */
export const tensorList = (op: string, field: string, xs: unknown): readonly Tensor[] => {
  if (!Array.isArray(xs)) throw new ArgumentError(op, field, `expected a list of tensors, got ${describeValue(xs)}`)
  const out: Tensor[] = []
  for (let i = 0; i < xs.length; i++) {
    const r = ownValue(xs, i)
    if (!r.ok || !isTensor(r.value)) throw new ArgumentError(op, field, `entry ${i}: expected a tensor, got ${r.ok ? describeValue(r.value) : r.why === 'missing' ? 'a hole' : 'an accessor'}`)
    out.push(r.value)
  }
  return Object.freeze(out)
}

/**
 * The one constructor of nodes: checks the op name, the operands (nodes only), the shape hint
 * (numbers only) and the attributes (`checkAttrs`: an `ArgumentError` naming the op and attribute for
 * anything but primitive values of the kind the op's schema names) before any shape rule or hash sees
 * them; then validates the shape with the op's rule and returns the existing node when a structurally
 * equal one is alive (hash-consing).
 * @example
 * import { input } from 'kiln'
 * import { make } from './tensor.js'
 * const x = input('x', [3])
 * make('neg', [x], {}) === make('neg', [x], {}) // true
 * make('neg', [x], {}).shape // [3]
 */
export const make = <K extends OpName>(op: K, args: readonly Tensor[], attrs: OpAttrs[K], shapeHint?: Shape): Tensor => {
  if (typeof op !== 'string' || !hasOwn(opTable, op)) throw new ArgumentError('make', 'op', `expected an op name, got ${describeValue(op)}`)
  const operands = tensorList(op, 'operands', args)
  const hint = shapeHint === undefined ? undefined : Object.freeze(numberList(op, 'shape', shapeHint, false))
  const clean = checkAttrs(op, attrs)
  const def = opTable[op]
  if (def.arity !== -1 && def.arity !== operands.length) throw new Error(`${op}: expected ${def.arity} operands, got ${operands.length}`)
  const shape = Object.freeze([...def.shape(operands.map((a) => a.shape), clean as never, hint)])
  const key = `${op}|${clean === NO_ATTRS ? '{}' : attrsKey(clean)}|${shape.join(',')}|${operands.map((a) => a.id).join(',')}`
  const slot = liveSlot(key, clean)
  if (slot.hit !== undefined) return slot.hit
  const node: Tensor = Object.freeze({ _tag: 'Tensor', id: nextId++, op, args: operands, attrs: clean, shape })
  live.set(slot.key, new WeakRef(node))
  registry.register(node, slot.key)
  nodes.add(node)
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

const leafName = (op: string, name: unknown): string => {
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(op, 'name', `expected a non-empty string, got ${describeValue(name)}`)
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
 * A constant tensor; `shape` defaults to `[values.length]`. Values are copied. `values` is a
 * `Float64Array` or a list of primitive numbers (a string or an object is refused, never converted).
 * @example
 * import { constant } from 'kiln'
 * constant([1, 2, 3, 4], [2, 2]).shape // [2, 2]
 * try { constant([1, '2' as never]) } catch (e) { (e as Error).message } // 'constant: values: entry 1: expected a number, got the string "2"'
 */
export const constant = <const S extends Shape = readonly [number]>(
  values: Float64Array | readonly number[],
  shape?: S,
): Tensor<S> => {
  // make copies the array it is given, so a Float64Array is passed as it is
  const data = isFloat64Array(values) ? values : Float64Array.from(numberList('constant', 'values', values, false))
  const s = shape ?? [data.length]
  checkShape('constant', s)
  if (sizeOf(s) !== data.length)
    throw new ShapeError('constant', [s], `${data.length} values given, the shape holds ${sizeOf(s)}`)
  return make('constant', [], { values: data }, s) as Tensor<S>
}

/**
 * A scalar constant (shape `[]`).
 * @example
 * import { scalar } from 'kiln'
 * scalar(2).shape // []
 */
export const scalar = (v: number): Tensor<readonly []> => constant([requireNumber('scalar', 'value', v)], [] as const)

/**
 * Lifts a number to a scalar constant; tensors pass through. Anything else is an `ArgumentError`
 * naming `op` and `field` (the public op and operand that received it).
 * @example
 * import { lift, input } from 'kiln'
 * lift(2).shape // []
 * const x = input('x', [2])
 * lift(x) === x // true
 * try { lift('2' as never, 'pow', 'b') } catch (e) { (e as Error).message } // 'pow: b: expected a tensor or a number, got the string "2"'
 */
export const lift = (x: TensorLike, op = 'lift', field = 'x'): Tensor => {
  if (typeof x === 'number') return scalar(x)
  if (isTensor(x)) return x
  throw new ArgumentError(op, field, `expected a tensor or a number, got ${describeValue(x)}`)
}

/** The key operand of `uniformTensor`: a tensor, or the two words of a `Key` read as own data properties. */
const keyOperand = (k: unknown): Tensor => {
  if (isTensor(k)) return k
  if (typeof k !== 'object' || k === null || Array.isArray(k))
    throw new ArgumentError('uniformTensor', 'key', `expected a Key or a [2] tensor of key words, got ${describeValue(k)}`)
  const word = (w: 'k0' | 'k1'): number => {
    const r = ownValue(k, w)
    if (r.ok) return requireNumber('uniformTensor', w, r.value) >>> 0
    if (r.why === 'missing') throw new ArgumentError('uniformTensor', 'key', `expected a Key or a [2] tensor of key words, got an object without ${w}`)
    throw new ArgumentError('uniformTensor', w, r.why)
  }
  return constant([word('k0'), word('k1')])
}

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
  const keyT = keyOperand(k)
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
