/**
 * Checked construction, next to the op table: `make` validates an op's operands, attributes and
 * shape with the op's record before `intern` (hash-consing, `./tensor.js`) sees them, and the leaf
 * constructors (`input`, `param`, `constant`, `scalar`, `lift`, `uniformTensor`) build through it.
 * @module
 */
import { checkAttrs, isFloat64Array } from './attrs.js'
import { opDef, opTable } from './optable.js'
import { ArgumentError, describeValue, hasOwn, numberList, ownValue, requireNumber } from './options.js'
import { checkShape, ShapeError, sizeOf, type Shape } from './shape.js'
import { intern, isTensor, tensorList, type OpAttrs, type OpName, type Tensor, type TensorLike } from './tensor.js'

/**
 * The one constructor of nodes: checks the op name, the operands (nodes only), the shape hint
 * (numbers only) and the attributes (`checkAttrs`: an `ArgumentError` naming the op and attribute for
 * anything but primitive values of the kind the op's schema names) before any shape rule or hash sees
 * them; then validates the shape with the op's rule and returns the existing node when a structurally
 * equal one is alive (hash-consing).
 * @example
 * import { input } from 'kiln'
 * import { make } from './make.js'
 * const x = input('x', [3])
 * make('neg', [x], {}) === make('neg', [x], {}) // true
 * make('neg', [x], {}).shape // [3]
 */
export const make = <K extends OpName>(op: K, args: readonly Tensor[], attrs: OpAttrs[K], shapeHint?: Shape): Tensor =>
  build(op, args, attrs, shapeHint, true)

/**
 * Constants of more values than this are not hash-consed: each `constant` call makes its own node, which
 * the garbage collector can take as soon as it is dropped (an interned node is kept until the current job
 * ends). Compile-cache keys still name them by content hash, so equal large constants still share compiled
 * code; common subexpressions over them are not merged.
 * @example
 * import { SHARED_CONSTANT_LIMIT } from './make.js'
 * SHARED_CONSTANT_LIMIT // 65536
 */
export const SHARED_CONSTANT_LIMIT = 65_536

const build = <K extends OpName>(op: K, args: readonly Tensor[], attrs: OpAttrs[K], shapeHint: Shape | undefined, share: boolean): Tensor => {
  if (typeof op !== 'string' || !hasOwn(opTable, op)) throw new ArgumentError('make', 'op', `expected an op name, got ${describeValue(op)}`)
  const operands = tensorList(op, 'operands', args)
  const hint = shapeHint === undefined ? undefined : Object.freeze(numberList(op, 'shape', shapeHint, false))
  const clean = checkAttrs(op, attrs)
  const def = opDef(op)
  if (def.arity !== -1 && def.arity !== operands.length) throw new Error(`${op}: expected ${def.arity} operands, got ${operands.length}`)
  const shape = Object.freeze([...def.shape(operands.map((a) => a.shape), clean, hint)])
  return intern(op, operands, clean, shape, share)
}

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
 * A constant tensor; `shape` defaults to `[values.length]`. Values are copied. Constants of at most
 * `SHARED_CONSTANT_LIMIT` values are hash-consed (equal data gives the same node); larger ones are not. `values` is a
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
  return build('constant', [], { values: data }, s, data.length <= SHARED_CONSTANT_LIMIT) as Tensor<S>
}

/**
 * A scalar constant (shape `[]`).
 * @example
 * import { scalar } from 'kiln'
 * scalar(2).shape // []
 */
export const scalar = (v: number): Tensor<readonly []> => constant([requireNumber('scalar', 'value', v)], [] as const)

/**
 * A tensor operand of a public op, or an `ArgumentError` naming the op and the operand.
 * @example
 * import { tensorArg } from './make.js'
 * import { input } from 'kiln'
 * tensorArg('softmax', 'x', input('x', [2])).shape // [2]
 */
export const tensorArg = (op: string, field: string, x: unknown): Tensor => {
  if (!isTensor(x)) throw new ArgumentError(op, field, `expected a tensor, got ${describeValue(x)}`)
  return x
}

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

/**
 * A key as a `[2]` tensor of uint32 words: a tensor passes through, a `Key`'s two words (read as own
 * data properties) become a constant; anything else is an `ArgumentError` naming `op`.
 * @example
 * import { keyTensor, key } from 'kiln'
 * keyTensor(key(7)).shape // [2]
 * try { keyTensor({ k0: 1 } as never) } catch (e) { (e as Error).message } // 'keyTensor: key: expected a Key or a [2] tensor of key words, got an object without k1'
 */
export const keyTensor = (k: { readonly k0: number; readonly k1: number } | Tensor, op = 'keyTensor'): Tensor => {
  if (isTensor(k)) return k
  if (typeof k !== 'object' || k === null || Array.isArray(k))
    throw new ArgumentError(op, 'key', `expected a Key or a [2] tensor of key words, got ${describeValue(k)}`)
  const word = (w: 'k0' | 'k1'): number => {
    const r = ownValue(k, w)
    if (r.ok) return requireNumber(op, w, r.value) >>> 0
    if (r.why === 'missing') throw new ArgumentError(op, 'key', `expected a Key or a [2] tensor of key words, got an object without ${w}`)
    throw new ArgumentError(op, w, r.why)
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
  const keyT = keyTensor(k, 'uniformTensor')
  if (keyT.shape.length !== 1 || keyT.shape[0] !== 2) throw new ShapeError('uniform', [keyT.shape, shape], 'the key operand must have shape [2] (two uint32 words)')
  return make('uniform', [keyT], {}, checkShape('uniform', shape)) as Tensor<S>
}

/**
 * The node `custom(primal, ...inputs)` of a registered rule: what customVjp, customJvp and the library's
 * own stable definitions (softmax.ts, the binary cross-entropy) build.
 * @example
 * import { customNode } from './make.js'
 * import { registerCustomRule } from './ops/custom.js'
 * import { input, exp } from 'kiln'
 * const id = registerCustomRule({ name: 'id', vjp: (g) => [g], jvp: (ts) => ts[0] })
 * const x = input('x', [2])
 * customNode(exp(x), [x], id).op // 'custom'
 */
export const customNode = (primal: Tensor, inputs: readonly Tensor[], rule: number): Tensor => make('custom', [primal, ...inputs], { rule })
