/**
 * The shape of an op record: everything about one op lives in one `OpDef`.
 * @module
 */
import type { Shape } from '../shape.js'
import type { NodeOf, OpAttrs, OpName, Tensor } from '../tensor.js'

/** How the compiler treats an op. */
/** 'random': element i computed from the key operand's two words and i (see `uniformTensor`). */
export type OpKind = 'leaf' | 'elementwise' | 'reduce' | 'view' | 'matmul' | 'gather' | 'random'

/**
 * Where an op's gradient is tested: operand values drawn from `[lo, hi]`, at least `gap` away from 0
 * (kinks, poles) and operands of binary ops at least `separate` apart (ties of max/min).
 */
export interface Domain {
  readonly lo: number
  readonly hi: number
  readonly gap?: number
  readonly separate?: number
}

/** One op: shape rule, reference evaluation, derivative rule, kernel expression and test domain. */
export interface OpDef<K extends OpName> {
  readonly kind: OpKind
  /** Operand count, or -1 for variadic (concat). */
  readonly arity: number
  /** The output shape; throws `ShapeError`. `hint` carries the requested shape of leaves and views. */
  readonly shape: (args: readonly Shape[], attrs: OpAttrs[K], hint: Shape | undefined) => Shape
  /** Naive reference evaluation: obviously correct, never fast. Leaves read bindings elsewhere. */
  readonly evaluate: (args: readonly Float64Array[], node: NodeOf<K>) => Float64Array
  /** Reverse-mode rule: cotangent `g` of the output to one cotangent per operand (undefined = zero). */
  readonly vjp: (g: Tensor, node: NodeOf<K>) => readonly (Tensor | undefined)[]
  /** Elementwise ops: the JS expression of one element, from operand expressions (kernel code). */
  readonly scalar?: (args: readonly string[], node: NodeOf<K>) => string
  /** Operand values for gradient tests; `undefined` for ops without a gradient to test. */
  readonly domain?: Domain
}

/** The op table type: the compiler rejects a missing op or a record of the wrong op. */
export type OpTable = { readonly [K in OpName]: OpDef<K> }
