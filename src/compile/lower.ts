/**
 * Lowering: a node read at an affine multi-index becomes a per-element expression. Views compose into
 * the index (transpose permutes, broadcast zeroes, slice shifts, reshape regroups), so they cost no copy;
 * materialized nodes become loads; everything else is inlined.
 * @module
 */
import { opDef } from '../optable.js'
import { sizeOf, stridesOf, type Shape } from '../shape.js'
import { constValue, isOp, type Tensor } from '../tensor.js'
import { aff, type Aff, type Expr } from './ir.js'

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
 * How a reshape maps an index of its result to an index of its operand, when that is affine: each
 * group of axes with equal products may split one operand axis into several, never merge several
 * (merging needs division). `undefined` when not affine.
 * @example
 * import { reshapeMap } from './lower.js'
 * reshapeMap([6], [2, 3]) !== undefined // true
 * reshapeMap([2, 3], [6]) === undefined // true
 */
export const reshapeMap = (from: Shape, to: Shape): ((idx: readonly Aff[], rank: number) => Aff[]) | undefined => {
  if (sizeOf(from) === 0) return undefined
  const ins = [...from.keys()].filter((d) => from[d] !== 1)
  const outs = [...to.keys()].filter((d) => to[d] !== 1)
  const groups: { src: number; dst: number[] }[] = []
  let a = 0
  let b = 0
  while (a < ins.length) {
    const gi = [ins[a++]!]
    const go = [outs[b++]!]
    let pi = from[gi[0]!]!
    let po = to[go[0]!]!
    while (pi !== po) {
      if (pi < po) {
        if (a >= ins.length) return undefined
        gi.push(ins[a]!)
        pi *= from[ins[a++]!]!
      } else {
        if (b >= outs.length) return undefined
        go.push(outs[b]!)
        po *= to[outs[b++]!]!
      }
    }
    if (gi.length !== 1) return undefined
    groups.push({ src: gi[0]!, dst: go })
  }
  return (idx, rank) => {
    const res = from.map(() => aff.zero(rank))
    for (const g of groups) {
      const inner = stridesOf(g.dst.map((d) => to[d]!))
      res[g.src] = aff.dot(g.dst.map((d) => idx[d]!), inner, rank)
    }
    return res
  }
}

/**
 * The operand index of a NumPy-broadcast read: right-aligned, size-1 axes pinned to 0.
 * @example
 * import { broadcastIdx } from './lower.js'
 * import { aff } from './ir.js'
 * broadcastIdx([aff.axis(2, 0), aff.axis(2, 1)], [1, 3], 2).map(aff.show) // ['0', 'i1']
 */
export const broadcastIdx = (idx: readonly Aff[], from: Shape, rank: number): Aff[] => {
  const lead = idx.length - from.length
  return from.map((d, q) => (d === 1 ? aff.zero(rank) : idx[q + lead]!))
}

const TRANSCENDENTAL = new Set(['exp', 'log', 'tanh', 'sigmoid', 'softplus', 'pow', 'sqrt'])
/**
 * True for ops whose per-element cost makes recomputation a bad idea.
 * @example
 * import { isTranscendental } from './lower.js'
 * isTranscendental('exp') // true
 */
export const isTranscendental = (op: string): boolean => TRANSCENDENTAL.has(op)

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
  const zero = aff.zero(ctx.rank)
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
  const compute = (t: Tensor, idx: readonly Aff[]): Expr => {
    const def = opDef(t.op)
    const arg = (i: number) => t.args[i]!
    if (def.kind === 'elementwise') {
      if (t.op === 'stopGradient') return read(arg(0), idx)
      note(t.op)
      return { _tag: 'op', op: t.op, node: t, args: t.args.map((a) => read(a, broadcastIdx(idx, a.shape, ctx.rank))) }
    }
    if (isOp(t, 'constant')) {
      const c = constValue(t)
      if (c === undefined) throw new Error(`internal: constant #${t.id} was not materialized`)
      return { _tag: 'lit', v: c }
    }
    if (isOp(t, 'uniform')) {
      note('uniform')
      const flat = aff.dot(idx, stridesOf(t.shape), ctx.rank)
      // uniform always has its key operand (arity 1, checked by make); it has no attributes to read
      return { _tag: 'uniform', k0: read(arg(0), [aff.konst(ctx.rank, 0)]), k1: read(arg(0), [aff.konst(ctx.rank, 1)]), flat }
    }
    if (isOp(t, 'oneHot')) {
      note('oneHot')
      return { _tag: 'oneHot', label: read(arg(0), idx.slice(0, -1)), j: idx[idx.length - 1]! }
    }
    if (isOp(t, 'broadcastTo')) return read(arg(0), broadcastIdx(idx, arg(0).shape, ctx.rank))
    if (isOp(t, 'transpose')) {
      const src = new Array<Aff>(idx.length)
      t.attrs.perm.forEach((p, k) => (src[p] = idx[k]!))
      return read(arg(0), src)
    }
    if (isOp(t, 'slice')) return read(arg(0), idx.map((a, k) => aff.shift(a, t.attrs.begin[k]!)))
    if (isOp(t, 'reshape')) {
      if (sizeOf(t.shape) === 0) return { _tag: 'lit', v: 0 }
      const src = ctx.valueOf(arg(0))
      // Over a buffer a reshape is free: same row-major flat index.
      if (src !== undefined) return { _tag: 'load', value: src, off: aff.dot(idx, stridesOf(t.shape), ctx.rank) }
      const map = reshapeMap(arg(0).shape, t.shape)
      if (map === undefined) throw new Error(`internal: reshape #${t.id} needs its operand materialized`)
      return read(arg(0), map(idx, ctx.rank))
    }
    if (isOp(t, 'pad')) {
      note('pad')
      const { before, after, value } = t.attrs
      const src = idx.map((a, k) => aff.shift(a, -before[k]!))
      const checks = src.flatMap((a, k) => (before[k] === 0 && after[k] === 0 ? [] : [{ a, n: arg(0).shape[k]! }]))
      return { _tag: 'pad', checks, inner: read(arg(0), src), value }
    }
    if (isOp(t, 'concat')) {
      note('concat')
      const ax = t.attrs.axis
      const cuts: number[] = []
      let off = 0
      const parts = t.args.map((a) => {
        const src = idx.map((x, k) => (k === ax ? aff.shift(x, -off) : x))
        off += a.shape[ax]!
        cuts.push(off)
        return read(a, src)
      })
      return { _tag: 'concat', a: idx[ax] ?? zero, cuts, parts }
    }
    throw new Error(`internal: ${t.op} #${t.id} (${def.kind}) must be materialized before it is read`)
  }
  return { read, compute }
}
