/**
 * Lowering: a node read at an affine multi-index becomes a per-element expression, by the kind of its
 * op record alone (this module names no op). Views compose their index maps into the index, so they
 * cost no copy; materialized nodes become loads; elementwise and random ops become op calls; select
 * ops lower themselves to generic forms; everything else must have been materialized.
 * @module
 */
import { opDef } from '../optable.js'
import { sizeOf, stridesOf } from '../shape.js'
import { constValue, type NodeOf, type OpName, type Tensor } from '../tensor.js'
import { aff, type Aff, type Expr, type OpCallOf } from './ir.js'
import { broadcastIdx } from '../ops/views.js'

/** What lowering needs to know about the schedule. */
export interface LowerCtx {
  /** Rank of the kernel's iteration space (length of every `Aff.k`). */
  readonly rank: number
  /** The value id of a materialized node, if it has one. */
  readonly valueOf: (t: Tensor) => number | undefined
  /** A matmul node fused as this kernel's epilogue input (read as the accumulator). */
  readonly acc?: Tensor
  /** Receives the op names inlined into the kernel (for the plan). */
  readonly fused: string[]
}

/**
 * A lowering session for one kernel: memoizes (node, index) pairs so shared subtrees stay shared.
 * @example
 * import { lowering } from './lower.js'
 * import { aff } from './ir.js'
 * import { input, transpose } from 'kiln'
 * const x = input('x', [2, 3])
 * const e = lowering({ rank: 2, fused: [], valueOf: (t) => (t === x ? 0 : undefined) }).read(transpose(x), [aff.axis(2, 0), aff.axis(2, 1)])
 * e._tag === 'load' && aff.show(e.off) // 'i0+3*i1'
 */
export const lowering = (ctx: LowerCtx) => {
  const memo = new Map<string, Expr>()
  const note = (op: string) => {
    if (!ctx.fused.includes(op)) ctx.fused.push(op)
  }

  /** The node read at `idx`: accumulator, load, literal or inlined computation. */
  const read = (t: Tensor, idx: readonly Aff[]): Expr => {
    if (ctx.acc === t) return { _tag: 'acc' }
    const key = `${t.id}|${idx.map(aff.key).join(';')}`
    const hit = memo.get(key)
    if (hit !== undefined) return hit
    const v = ctx.valueOf(t)
    const c = v === undefined ? constValue(t) : undefined
    const e: Expr =
      v !== undefined ? { _tag: 'load', value: v, off: aff.dot(idx, stridesOf(t.shape), ctx.rank) }
      : c !== undefined ? { _tag: 'lit', v: c }
      : compute(t, idx)
    memo.set(key, e)
    return e
  }

  /** The node's own computation at `idx` (its operands are read, possibly inlined). */
  const compute = <K extends OpName>(t: NodeOf<K>, idx: readonly Aff[]): Expr => {
    const def = opDef(t.op)
    switch (def.kind) {
      case 'elementwise':
        note(t.op)
        return opCall(t, t.args.map((a) => read(a, broadcastIdx(idx, a.shape, ctx.rank))))
      case 'random': {
        note(t.op)
        // element i from the key operand's two words and the flat index i
        const k = t.args[0]!
        const flat: Expr = { _tag: 'index', a: aff.dot(idx, stridesOf(t.shape), ctx.rank) }
        return opCall(t, [read(k, [aff.konst(ctx.rank, 0)]), read(k, [aff.konst(ctx.rank, 1)]), flat])
      }
      case 'view': {
        if (sizeOf(t.shape) === 0) return { _tag: 'lit', v: 0 }
        const src = ctx.valueOf(t.args[0]!)
        const step = viewStep(t, idx, ctx.rank, src !== undefined)
        if (step === undefined) throw new Error(`internal: ${t.op} #${t.id} needs its operand materialized`)
        return step._tag === 'flat' ? { _tag: 'load', value: src!, off: step.off } : read(step.operand, step.idx)
      }
      case 'select':
        note(t.op)
        return def.lower(t, idx, read, ctx.rank)
      case 'leaf': {
        const c = constValue(t)
        if (c === undefined) throw new Error(`internal: ${t.op} #${t.id} was not materialized`)
        return { _tag: 'lit', v: c }
      }
      case 'reduce':
      case 'matmul':
        throw new Error(`internal: ${t.op} #${t.id} (${def.kind}) must be materialized before it is read`)
    }
  }
  return { read, compute }
}

/** The op call of node `t` on operand expressions (its attributes travel with it, typed by the op). */
const opCall = <K extends OpName>(t: NodeOf<K>, args: readonly Expr[]): Expr => {
  // Safe: `OpCallOf<K>` is `{ op: K; attrs: OpAttrs[K] }`; TypeScript does not reduce it for a generic K.
  const call = { op: t.op, attrs: t.attrs } as OpCallOf<K>
  return { _tag: 'op', call, args }
}

/** Where reading a view at an index leads: a flat offset into its buffered operand, or its operand at an index. */
export type ViewStep =
  | { readonly _tag: 'flat'; readonly off: Aff }
  | { readonly _tag: 'operand'; readonly operand: Tensor; readonly idx: readonly Aff[] }

/**
 * One step of reading view `t` at `idx` (`buffered`: its operand has a buffer): a row-major view over a
 * buffer reads its own flat index there, any other view maps the index through its record; undefined for
 * a node that is not a view, or a view whose map is not affine. Lowering and the online pattern test share it.
 * @example
 * import { viewStep } from './lower.js'
 * import { aff } from './ir.js'
 * import { input, reshape, transpose } from 'kiln'
 * const idx = [aff.axis(2, 0), aff.axis(2, 1)]
 * viewStep(reshape(input('x', [6]), [2, 3]), idx, 2, true) // { _tag: 'flat', off: { c: 0, k: [3, 1] } }
 * const s = viewStep(transpose(input('y', [3, 2])), idx, 2, false)
 * s?._tag === 'operand' && s.idx.map(aff.show) // ['i1', 'i0']
 */
export const viewStep = <K extends OpName>(t: NodeOf<K>, idx: readonly Aff[], rank: number, buffered: boolean): ViewStep | undefined => {
  const def = opDef(t.op)
  if (def.kind !== 'view') return undefined
  // Over a buffer a row-major view is free: the same flat index.
  if (def.rowMajor && buffered) return { _tag: 'flat', off: aff.dot(idx, stridesOf(t.shape), rank) }
  const at = def.index(idx, t, rank)
  return at === undefined ? undefined : { _tag: 'operand', operand: t.args[0]!, idx: at }
}

/**
 * True when reading `t` at any index is an affine read of its operand (always, but for a reshape that
 * merges axes): otherwise its operand must be stored first.
 * @example
 * import { viewIsAffine } from './lower.js'
 * import { input, reshape, transpose } from 'kiln'
 * viewIsAffine(reshape(input('x', [6]), [2, 3])) // true
 * viewIsAffine(reshape(transpose(input('x', [2, 3])), [6])) // false
 */
export const viewIsAffine = <K extends OpName>(t: NodeOf<K>): boolean => {
  const def = opDef(t.op)
  if (def.kind !== 'view') return false
  const rank = t.shape.length
  return sizeOf(t.shape) === 0 || def.index(Array.from({ length: rank }, (_, d) => aff.axis(rank, d)), t, rank) !== undefined
}
