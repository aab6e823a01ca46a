/**
 * The compiler's plain-data IR: affine index maps, per-element expressions and kernel plans. Everything
 * here is printable and comparable, so the schedule can be tested apart from code generation.
 * @module
 */
import type { Shape } from '../shape.js'
import type { OpAttrs, OpName } from '../ops/def.js'
import type { FusionPlan, ReduceForm } from './fusion.js'

/**
 * An affine index `c + sum_v k[v] * i_v` over the loop variables of a kernel's iteration space
 * (one variable per axis of that space). Views (transpose, broadcast, slice, reshape) are affine maps.
 */
export interface Aff {
  readonly c: number
  readonly k: readonly number[]
}

/** A condition on an affine index: `lo <= a < hi` (`lo` absent: only the upper bound). */
export interface Range {
  readonly a: Aff
  readonly lo?: number
  readonly hi: number
}

/** An op call: the op's name with its attributes typed by the op (the kernel is the op record's). */
export type OpCall = OpCalls[OpName]
/** Op calls by op: `OpCalls[K]` (unlike a literal `{ op: K; attrs: OpAttrs[K] }`) is an `OpCall` for a generic `K`. */
export type OpCalls = { readonly [K in OpName]: { readonly op: K; readonly attrs: OpAttrs[K] } }
/** The call of op `K`. */
export type OpCallOf<K extends OpName> = OpCalls[K]

/**
 * One element of a kernel: a tree (DAG, shared subtrees) of scalar computations. Five generic forms;
 * no op has a form of its own (pad, concat and oneHot lower to `select`, `index` and `op`).
 */
export type Expr =
  | { readonly _tag: 'lit'; readonly v: number }
  /** `buffer[off]`: a read of a materialized value (`value` indexes `Schedule.values`). */
  | { readonly _tag: 'load'; readonly value: number; readonly off: Aff }
  /** The value of an affine index itself (a position, a flat element number). */
  | { readonly _tag: 'index'; readonly a: Aff }
  /** An elementwise or random op applied to its operand elements (its record's `kernel`). */
  | { readonly _tag: 'op'; readonly call: OpCall; readonly args: readonly Expr[] }
  /** `then` where every check holds, else `else`; only the chosen branch is evaluated. */
  | { readonly _tag: 'select'; readonly checks: readonly Range[]; readonly then: Expr; readonly else: Expr }
  /** The accumulator of the matmul whose epilogue this expression is. */
  | { readonly _tag: 'acc' }

/**
 * The operand expressions of an expression.
 * @example
 * import { exprKids } from './ir.js'
 * exprKids({ _tag: 'select', checks: [], then: { _tag: 'lit', v: 1 }, else: { _tag: 'lit', v: 0 } }).length // 2
 * exprKids({ _tag: 'lit', v: 1 }) // []
 */
export const exprKids = (e: Expr): readonly Expr[] =>
  e._tag === 'op' ? e.args : e._tag === 'select' ? [e.then, e.else] : []

/**
 * The affine indices an expression reads itself (not those of its operands).
 * @example
 * import { exprAffs } from './ir.js'
 * exprAffs({ _tag: 'index', a: { c: 1, k: [1] } }) // [{ c: 1, k: [1] }]
 */
export const exprAffs = (e: Expr): readonly Aff[] =>
  e._tag === 'load' ? [e.off] : e._tag === 'index' ? [e.a] : e._tag === 'select' ? e.checks.map((c) => c.a) : []

/** What a value of the schedule is and where it lives. */
export type ValueKind = 'input' | 'output' | 'const' | 'temp'

/** A buffer-backed value: a bound leaf, an output slot, a constant or an intermediate. */
export interface Value {
  readonly id: number
  readonly kind: ValueKind
  readonly size: number
  readonly shape: Shape
  /** Leaf name (inputs only; never written into generated source). */
  readonly name?: string
  /** Output position (outputs only). */
  readonly output?: number
  /** Constant contents (consts only). */
  readonly data?: Float64Array
  /** A short description of the node that produced it. */
  readonly label: string
}

/** A matmul operand: an affine read of a value over the operand's own axes. */
export interface Operand {
  readonly value: number
  readonly shape: Shape
  readonly off: Aff
}

interface KernelBase {
  readonly id: number
  readonly out: number
  /** The ops fused into this kernel, e.g. `['matmul', 'add', 'relu']`. */
  readonly fused: readonly string[]
  /** Why values were materialized or copied here. */
  readonly notes: readonly string[]
}

/** One kernel: an elementwise loop nest, a reduction, or a matmul with an elementwise epilogue. */
export type KernelPlan =
  | (KernelBase & { readonly _tag: 'map'; readonly shape: Shape; readonly body: Expr; readonly outOff: Aff })
  | (KernelBase & {
      readonly _tag: 'reduce'
      /** A reduce-kind op: its record's monoid is the accumulation. */
      readonly op: OpName
      /** The iteration space: the reduced operand's shape. */
      readonly shape: Shape
      readonly reduced: readonly boolean[]
      /** Loop order: reduced axes innermost with a register accumulator, or row-major accumulating in the output. */
      readonly form: ReduceForm
      readonly body: Expr
      readonly outOff: Aff
      /** Also store the reduced operand's elements (a materialized operand computed in the same pass). */
      readonly store?: { readonly value: number; readonly off: Aff }
      /**
       * Online max+sum (op 'max' only): also accumulate `sum(exp(x - max))` over the same axes into value
       * `sum` (same layout as the max), in a second sweep of each row once its max is known (the
       * reference's operations in its order, so bit for bit its sum; a row is still in cache).
       * `guarded`: the shift is logSumExp's `where(equal(abs(max), Infinity), 0, max)`, so a row whose max is
       * infinite sums `exp(x)` (0 for -Infinity, Infinity for +Infinity) where the plain shift gives NaN.
       */
      readonly online?: { readonly sum: number; readonly guarded: boolean }
    })
  | (KernelBase & {
      readonly _tag: 'matmul'
      /** Output shape `[...batch, n, m]`; the epilogue's iteration space. */
      readonly shape: Shape
      readonly k: number
      readonly a: Operand
      readonly b: Operand
      readonly epilogue: Expr
      readonly outOff: Aff
      /** The register tile of the micro-kernel (rows x cols of the output per block). */
      readonly tile: { readonly rows: number; readonly cols: number }
    })

/** The fusion pass result: values and kernels in execution order. */
export interface Schedule {
  readonly values: readonly Value[]
  readonly kernels: readonly KernelPlan[]
  /** Value id of each output, in order. */
  readonly outputs: readonly number[]
  /** The fusion decisions the schedule was built from. */
  readonly plan: FusionPlan
}

/**
 * Affine helpers.
 * @example
 * import { aff } from './ir.js'
 * aff.show(aff.add(aff.scale(aff.axis(2, 0), 4), aff.konst(2, 1))) // '4*i0+1'
 */
export const aff = {
  zero: (rank: number): Aff => ({ c: 0, k: new Array<number>(rank).fill(0) }),
  konst: (rank: number, c: number): Aff => ({ c, k: new Array<number>(rank).fill(0) }),
  axis: (rank: number, v: number): Aff => ({ c: 0, k: Array.from({ length: rank }, (_, i) => (i === v ? 1 : 0)) }),
  add: (a: Aff, b: Aff): Aff => ({ c: a.c + b.c, k: a.k.map((x, i) => x + b.k[i]!) }),
  shift: (a: Aff, c: number): Aff => ({ c: a.c + c, k: a.k }),
  scale: (a: Aff, s: number): Aff => ({ c: a.c * s, k: a.k.map((x) => x * s) }),
  /** `sum_d idx[d] * strides[d]`. */
  dot: (idx: readonly Aff[], strides: readonly number[], rank: number): Aff =>
    idx.reduce((acc, a, d) => (strides[d] === 0 ? acc : aff.add(acc, aff.scale(a, strides[d]!))), aff.zero(rank)),
  key: (a: Aff): string => `${a.c}:${a.k.join(',')}`,
  isConst: (a: Aff): boolean => a.k.every((x) => x === 0),
  show: (a: Aff): string => {
    const terms = a.k.flatMap((x, v) => (x === 0 ? [] : [x === 1 ? `i${v}` : `${x}*i${v}`]))
    if (a.c !== 0 || terms.length === 0) terms.push(String(a.c))
    return terms.join('+')
  },
}

/**
 * Every affine index an expression reads (loads, conditions, flat indices).
 * @example
 * import { affsOf } from './ir.js'
 * affsOf({ _tag: 'load', value: 0, off: { c: 1, k: [2] } }) // [{ c: 1, k: [2] }]
 */
export const affsOf = (e: Expr, out: Aff[] = [], seen = new Set<Expr>()): Aff[] => {
  if (seen.has(e)) return out
  seen.add(e)
  out.push(...exprAffs(e))
  for (const k of exprKids(e)) affsOf(k, out, seen)
  return out
}

/**
 * The value ids an expression loads, with the offsets it reads them at.
 * @example
 * import { loadsOf } from './ir.js'
 * [...loadsOf({ _tag: 'load', value: 4, off: { c: 0, k: [1] } }).keys()] // [4]
 */
export const loadsOf = (e: Expr, out: Map<number, Aff[]> = new Map(), seen = new Set<Expr>()): Map<number, Aff[]> => {
  if (seen.has(e)) return out
  seen.add(e)
  if (e._tag === 'load') out.set(e.value, [...(out.get(e.value) ?? []), e.off])
  for (const k of exprKids(e)) loadsOf(k, out, seen)
  return out
}

/**
 * The values a kernel reads.
 * @example
 * import { kernelReads } from './ir.js'
 * import { schedule } from './schedule.js'
 * import { input, exp } from 'kiln'
 * kernelReads(schedule([exp(input('x', [2]))], { fuse: true }).kernels[0]!) // [0]
 */
export const kernelReads = (k: KernelPlan): number[] => {
  const m = k._tag === 'matmul' ? loadsOf(k.epilogue) : loadsOf(k.body)
  const ids = [...m.keys()]
  if (k._tag === 'matmul') ids.push(k.a.value, k.b.value)
  return [...new Set(ids)]
}

/**
 * The values a kernel writes (its output, a stored operand for reductions fused with their producer, and
 * the sum of an online max+sum).
 * @example
 * import { kernelWrites } from './ir.js'
 * import { schedule } from './schedule.js'
 * import { input, exp } from 'kiln'
 * kernelWrites(schedule([exp(input('x', [2]))], { fuse: true }).kernels[0]!) // [1]
 */
export const kernelWrites = (k: KernelPlan): number[] =>
  k._tag !== 'reduce' ? [k.out] : [k.out, ...(k.store === undefined ? [] : [k.store.value]), ...(k.online === undefined ? [] : [k.online.sum])]
