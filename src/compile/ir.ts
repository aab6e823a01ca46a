/**
 * The compiler's plain-data IR: affine index maps, per-element expressions and kernel plans. Everything
 * here is printable and comparable, so the schedule can be tested apart from code generation.
 * @module
 */
import type { Shape } from '../shape.js'
import type { OpName, Tensor } from '../tensor.js'

/**
 * An affine index `c + sum_v k[v] * i_v` over the loop variables of a kernel's iteration space
 * (one variable per axis of that space). Views (transpose, broadcast, slice, reshape) are affine maps.
 */
export interface Aff {
  readonly c: number
  readonly k: readonly number[]
}

/** One element of a kernel: a tree (DAG, shared subtrees) of scalar computations. */
export type Expr =
  | { readonly _tag: 'lit'; readonly v: number }
  /** `buffer[off]`: a read of a materialized value (`value` indexes `Schedule.values`). */
  | { readonly _tag: 'load'; readonly value: number; readonly off: Aff }
  /** An elementwise op applied to its operand elements (the op table's `scalar` form). */
  | { readonly _tag: 'op'; readonly op: OpName; readonly node: Tensor; readonly args: readonly Expr[] }
  /** `pad`: `inner` where every check `0 <= a < n` holds, else `value`. */
  | { readonly _tag: 'pad'; readonly checks: readonly { readonly a: Aff; readonly n: number }[]; readonly inner: Expr; readonly value: number }
  /** `concat`: part `p` where `a < cuts[p]` first holds (the last part otherwise). */
  | { readonly _tag: 'concat'; readonly a: Aff; readonly cuts: readonly number[]; readonly parts: readonly Expr[] }
  /** `oneHot`: 1 where the label equals the position `j` on the new axis. */
  | { readonly _tag: 'oneHot'; readonly label: Expr; readonly j: Aff }
  /** `uniform`: Threefry sample at the flat index `flat`, keyed by two expressions. */
  | { readonly _tag: 'uniform'; readonly k0: Expr; readonly k1: Expr; readonly flat: Aff }
  /** The accumulator of the matmul whose epilogue this expression is. */
  | { readonly _tag: 'acc' }

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
      readonly op: 'sum' | 'max'
      /** The iteration space: the reduced operand's shape. */
      readonly shape: Shape
      readonly reduced: readonly boolean[]
      readonly body: Expr
      readonly outOff: Aff
      /** Also store the reduced operand's elements (a materialized operand computed in the same pass). */
      readonly store?: { readonly value: number; readonly off: Aff }
      /**
       * Online max+sum (op 'max' only): also accumulate `sum(exp(x - max))` over the same axes into value
       * `sum` (same layout as the max), rescaling the running sum by `exp(old max - new max)` on each new max.
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
    })

/** The fusion pass result: values and kernels in execution order. */
export interface Schedule {
  readonly values: readonly Value[]
  readonly kernels: readonly KernelPlan[]
  /** Value id of each output, in order. */
  readonly outputs: readonly number[]
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
  switch (e._tag) {
    case 'load': out.push(e.off); break
    case 'op': e.args.forEach((a) => affsOf(a, out, seen)); break
    case 'pad': e.checks.forEach((c) => out.push(c.a)); affsOf(e.inner, out, seen); break
    case 'concat': out.push(e.a); e.parts.forEach((p) => affsOf(p, out, seen)); break
    case 'oneHot': out.push(e.j); affsOf(e.label, out, seen); break
    case 'uniform': out.push(e.flat); affsOf(e.k0, out, seen); affsOf(e.k1, out, seen); break
    default: break
  }
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
  const kids: readonly Expr[] =
    e._tag === 'op' ? e.args : e._tag === 'pad' ? [e.inner] : e._tag === 'concat' ? e.parts : e._tag === 'oneHot' ? [e.label] : e._tag === 'uniform' ? [e.k0, e.k1] : []
  if (e._tag === 'load') out.set(e.value, [...(out.get(e.value) ?? []), e.off])
  kids.forEach((k) => loadsOf(k, out, seen))
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
