/**
 * The shape of an op record: everything about one op lives in one `OpDef`, a union by kind. The
 * interpreter reads `evaluate`, autodiff reads `vjp`, the attribute check reads `attrs`, the specs read
 * `test`, and the compiler reads only the fields of the op's kind (a kernel and a cost class for
 * elementwise ops, an index map for views, a monoid for reductions, a lowering to generic select and
 * index forms for the rest), so no back end or transformation keeps a per-op list of its own.
 *
 * Type-only module: the records import their builders (`Builders`) as a type, and derivative rules
 * receive the public ops as an argument, so the op table never imports the public API at run time.
 * @module
 */
import type * as Api from '../api.js'
import type { Aff, Expr } from '../compile/ir.js'
import type { Shape } from '../shape.js'
import type { NodeOf, Tensor } from '../tensor.js'
import type { ElementwiseAttrs } from './elementwise.js'
import type { LeafAttrs } from './leaves.js'
import type { StructureAttrs } from './structure.js'
import type { SelectAttrs } from './select.js'
import type { CustomAttrs } from './custom.js'

/** Attributes with none: most ops. */
export type Empty = Readonly<Record<never, never>>

/** Op-specific attributes, one entry per op, gathered from the interfaces beside the records. */
export type OpAttrs = LeafAttrs & ElementwiseAttrs & StructureAttrs & SelectAttrs & CustomAttrs

/** Every op's name. */
export type OpName = keyof OpAttrs

/**
 * What an attribute holds: any primitive number (`number`, NaN and infinities included), a safe
 * integer (`int`), a boolean (`bool`), a list of safe integers (`ints`), a non-empty string
 * (`name`, leaves only) or a `Float64Array` (`values`, constants only).
 */
export type AttrKind = 'number' | 'int' | 'bool' | 'ints' | 'name' | 'values'

type KindOf<T> = T extends Float64Array
  ? 'values'
  : T extends readonly number[]
    ? 'ints'
    : T extends number
      ? 'number' | 'int'
      : T extends boolean
        ? 'bool'
        : T extends string
          ? 'name'
          : never

/** An op's attribute schema: each attribute with a kind matching its type. */
export type AttrSchema<K extends OpName> = { readonly [A in keyof OpAttrs[K]]-?: KindOf<OpAttrs[K][A]> }

/** The public ops, handed to derivative rules (`vjp`) so that they are themselves differentiable. */
export type Builders = typeof Api

/** What a batching rule builds with: the public ops, the batch size and the node's op remade on new operands. */
export interface BatchContext {
  readonly ops: Builders
  readonly size: number
  /** The same op with the same attributes on `args` (its shape from the shape rule, no hint). */
  readonly remake: (args: readonly Tensor[]) => Tensor
}

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

/** Scalar functions a kernel calls by name; merged into every kernel's scope from the table. */
export type Helpers = Readonly<Record<string, (...xs: number[]) => number>>

/**
 * How costly an elementwise op is to recompute: `cheap` ops are inlined into every consumer (up to a
 * budget), `transcendental` ones are computed once and stored when several consumers read them.
 */
export type Cost = 'cheap' | 'transcendental'

/** An associative reduction: its identity, the reference step and the same step as kernel source. */
export interface Monoid {
  readonly identity: number
  readonly combine: (acc: number, v: number) => number
  /** JS of `combine(acc, v)` from two expressions that are plain names (each read once or more). */
  readonly combineJs: (acc: string, v: string) => string
}

/** Reads operand `t` at an affine index inside a kernel (lowering's `read`). */
export type Read = (t: Tensor, idx: readonly Aff[]) => Expr

interface Common<K extends OpName> {
  /** Operand count, or -1 for variadic (concat). */
  readonly arity: number
  /** The attribute schema `make` checks every node against. */
  readonly attrs: AttrSchema<K>
  /** The output shape; throws `ShapeError`. `hint` carries the requested shape of leaves and views. */
  readonly shape: (args: readonly Shape[], attrs: OpAttrs[K], hint: Shape | undefined) => Shape
  /** Naive reference evaluation: obviously correct, never fast. Leaves read bindings elsewhere. */
  readonly evaluate: (args: readonly Float64Array[], node: NodeOf<K>) => Float64Array
  /** Reverse-mode rule: cotangent `g` of the output to one cotangent per operand (undefined = zero). */
  readonly vjp: (g: Tensor, node: NodeOf<K>, ops: Builders) => readonly (Tensor | undefined)[]
  /**
   * Forward-mode rule: the output's tangent from one tangent per operand (each of its operand's shape;
   * undefined = zero), or undefined when it is zero. Linear in the tangents.
   */
  readonly jvp: (tangents: readonly (Tensor | undefined)[], node: NodeOf<K>, ops: Builders) => Tensor | undefined
  /**
   * Batching rule (`vmap`): the op applied across a new leading axis. Operand `i` is `[size, ...shape]`
   * when `batched[i]`, else its own unbatched value; the result is `[size, ...node.shape]`. Called
   * only when some operand is batched.
   */
  readonly batch: (args: readonly Tensor[], batched: readonly boolean[], node: NodeOf<K>, ctx: BatchContext) => Tensor
  /** Operand values for gradient tests; absent for ops without a gradient to test. */
  readonly domain?: Domain
  /** Attributes the specs build the op with (random graphs, hostile-input fuzzing). */
  readonly sample: OpAttrs[K]
  /** How `show` prints the attributes (default: `name=value` pairs). */
  readonly showAttrs?: (node: NodeOf<K>) => string
}

/** A leaf: read from the bindings (input, param) or from its own data (constant). */
export interface LeafDef<K extends OpName> extends Common<K> {
  readonly kind: 'leaf'
}

/** An elementwise map over broadcast operands: one kernel expression per element. */
export interface ElementwiseDef<K extends OpName> extends Common<K> {
  readonly kind: 'elementwise'
  readonly cost: Cost
  /** The JS expression of one element from operand expressions; may call `helpers` by name. */
  readonly kernel: (args: readonly string[], attrs: OpAttrs[K]) => string
  readonly helpers?: Helpers
  /** Infix symbol for `show` (binary arithmetic and comparisons). */
  readonly infix?: string
}

/**
 * A view: output element `idx` is operand element `index(idx)`, an affine map composed into the
 * reader's index at no cost; `undefined` when the map is not affine (the operand is then stored).
 * `rowMajor` views keep the row-major flat order (reshape, stopGradient), so over a buffer they read
 * the output's own flat index.
 */
export interface ViewDef<K extends OpName> extends Common<K> {
  readonly kind: 'view'
  readonly index: (idx: readonly Aff[], node: NodeOf<K>, rank: number) => readonly Aff[] | undefined
  readonly rowMajor: boolean
}

/** Chooses among operand elements and literals by affine conditions on the index (pad, concat, oneHot). */
export interface SelectDef<K extends OpName> extends Common<K> {
  readonly kind: 'select'
  readonly lower: (node: NodeOf<K>, idx: readonly Aff[], read: Read, rank: number) => Expr
}

/** A reduction over axes with a monoid; always its own kernel. */
export interface ReduceDef<K extends OpName> extends Common<K> {
  readonly kind: 'reduce'
  readonly monoid: Monoid
  /** The operand axes it reduces. */
  readonly axes: (node: NodeOf<K>) => readonly number[]
}

/** Batched matrix product: its own kernel (micro-kernel) with an elementwise epilogue. */
export interface MatmulDef<K extends OpName> extends Common<K> {
  readonly kind: 'matmul'
}

/** Element i from the two words of the key operand and i: `kernel([k0, k1, i])`. */
export interface RandomDef<K extends OpName> extends Common<K> {
  readonly kind: 'random'
  readonly kernel: (args: readonly string[], attrs: OpAttrs[K]) => string
  readonly helpers: Helpers
}

/** One op, by kind. */
export type OpDef<K extends OpName> =
  | LeafDef<K>
  | ElementwiseDef<K>
  | ViewDef<K>
  | SelectDef<K>
  | ReduceDef<K>
  | MatmulDef<K>
  | RandomDef<K>

/** How the compiler treats an op. */
export type OpKind = OpDef<OpName>['kind']

/** The op table type: the compiler rejects a missing op or a record of the wrong op. */
export type OpTable = { readonly [K in OpName]: OpDef<K> }
