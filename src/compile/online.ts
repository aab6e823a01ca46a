/**
 * Online max+sum: recognizes `sum(exp(x - m), A)` with `m = max(x, A)` (read through stopGradient,
 * reshape and broadcastTo) so the schedule computes `m` and the sum in ONE kernel over `x` that sweeps each
 * row twice, its max and then the sum of `exp(x - m)` in the reference's order (back to back while the row
 * is in cache in the register form; the scatter form sweeps the whole operand twice).
 * (The streaming algorithm, a running sum rescaled by `exp(m_old - m_new)` on each new max, reads a row
 * once but rounds differently from the reference, so compiled and interpreted softmax would not agree
 * bit for bit.) The softmax / log-softmax consumers then make the last pass over the row. `m` may also be
 * logSumExp's guarded shift `where(equal(abs(max), Infinity), 0, max)` (a row whose max is infinite is
 * shifted by 0, so an all -Infinity row sums to 0 instead of NaN); the pair then says `guarded`.
 * @module
 */
import { reducedShape, shapeEq, sizeOf, stridesOf } from '../shape.js'
import { constValue, isOp, type Tensor } from '../tensor.js'
import { aff, type Aff } from './ir.js'
import { viewStep } from './lower.js'

/** A max reduction and the sum of `exp(x - max)` over the same axes that runs in its kernel. */
export interface OnlinePair {
  readonly max: Tensor
  readonly sum: Tensor
  /** The shift is `where(equal(abs(max), Infinity), 0, max)`: the sum of a row with an infinite max is `sum(exp(x))`. */
  readonly guarded: boolean
}

/** The max under logSumExp's guard `where(equal(abs(m), Infinity), 0, m)` of the same shape, if `t` is that guard. */
const guardedMax = (t: Tensor): Tensor | undefined => {
  if (!isOp(t, 'where')) return undefined
  const [c, zero, m] = t.args as [Tensor, Tensor, Tensor]
  if (!isOp(m, 'max') || !shapeEq(t.shape, m.shape) || !Object.is(constValue(zero), 0) || !isOp(c, 'equal')) return undefined
  const [a, inf] = c.args as [Tensor, Tensor]
  return isOp(a, 'abs') && a.args[0] === m && constValue(inf) === Infinity ? m : undefined
}

/** Views `under` looks through before giving up (softmax has two; a long chain is not the pattern). */
const MAX_VIEWS = 16

/**
 * The node under stopGradient / reshape / broadcastTo views (the index check below validates them), or
 * undefined past `MAX_VIEWS` of them, which also bounds the lowering in `alignsWithRows`.
 */
const under = (t: Tensor): Tensor | undefined => {
  let u = t
  for (let n = 0; isOp(u, 'stopGradient') || isOp(u, 'reshape') || isOp(u, 'broadcastTo'); n++) {
    if (n === MAX_VIEWS) return undefined
    u = u.args[0]!
  }
  return u
}

const sameAxes = (a: readonly number[], b: readonly number[]): boolean => {
  const x = [...a].sort((p, q) => p - q)
  const y = [...b].sort((p, q) => p - q)
  return x.length === y.length && x.every((v, i) => v === y[i])
}

/**
 * The flat offset into `m`'s buffer that reading `b` at `idx` comes to, following the views between them
 * as lowering does (`viewStep`); undefined when the path holds anything but views, or a view whose map is
 * not affine. Never throws: this is a pattern test, not lowering.
 */
const flatReadOf = (b: Tensor, m: Tensor, idx: readonly Aff[], rank: number): Aff | undefined => {
  let t = b
  let at = idx
  for (let hops = 0; hops <= MAX_VIEWS; hops++) {
    if (t === m) return aff.dot(at, stridesOf(m.shape), rank)
    if (sizeOf(t.shape) === 0) return undefined
    const step = viewStep(t, at, rank, t.args[0] === m)
    if (step === undefined) return undefined
    if (step._tag === 'flat') return step.off
    ;[t, at] = [step.operand, step.idx]
  }
  return undefined
}

/**
 * True when `b`, read at every element of `x`'s iteration space, is the max of that element's row:
 * its read of `m` is at the reduced index (size-1 axes ignored).
 */
const alignsWithRows = (b: Tensor, m: Tensor, x: Tensor, axes: readonly number[]): boolean => {
  const rank = x.shape.length
  const vars = Array.from({ length: rank }, (_, d) => aff.axis(rank, d))
  const lead = rank - b.shape.length
  const idx = b.shape.map((n, q) => (n === 1 ? aff.zero(rank) : vars[q + lead]!))
  const norm = (a: Aff): string => aff.key({ c: a.c, k: a.k.map((v, d) => (x.shape[d] === 1 ? 0 : v)) })
  const kept = stridesOf(reducedShape(x.shape, axes, true)).map((s, d) => (axes.includes(d) ? 0 : s))
  const flat = flatReadOf(b, m, idx, rank)
  return flat !== undefined && norm(flat) === norm(aff.dot(vars, kept, rank))
}

/**
 * The pair a sum node forms with a max over the same operand and axes, if it has the online pattern.
 * @example
 * import { onlinePair } from './online.js'
 * import { input, softmax, sum, exp, topoSort } from 'kiln'
 * const x = input('x', [4, 10])
 * const s = topoSort([softmax(x)]).find((t) => t.op === 'sum')!
 * onlinePair(s)?.max.op // 'max'
 * onlinePair(sum(exp(x), 1)) // undefined
 */
export const onlinePair = (s: Tensor): OnlinePair | undefined => {
  if (!isOp(s, 'sum')) return undefined
  const e = s.args[0]!
  if (!isOp(e, 'exp')) return undefined
  const d = e.args[0]!
  if (!isOp(d, 'sub')) return undefined
  const [x, b] = d.args as [Tensor, Tensor]
  const shift = under(b)
  if (shift === undefined) return undefined
  const guarded = guardedMax(shift)
  const m = guarded ?? shift
  if (!isOp(m, 'max') || m.args[0] !== x || !shapeEq(d.shape, x.shape) || !sameAxes(m.attrs.axes, s.attrs.axes)) return undefined
  // The guard has the max's shape, so the row check reads it as the buffer in place of the max.
  return alignsWithRows(b, shift, x, m.attrs.axes) ? { max: m, sum: s, guarded: guarded !== undefined } : undefined
}

/**
 * Every online pair in a graph (topological order), keyed by the max node's id; a max pairs with at
 * most one sum (a second sum over the same max stays an ordinary reduction reading the max).
 * @example
 * import { onlinePairs } from './online.js'
 * import { input, logSoftmax, topoSort } from 'kiln'
 * onlinePairs(topoSort([logSoftmax(input('x', [2, 5]))])).size // 1
 */
export const onlinePairs = (order: readonly Tensor[]): Map<number, OnlinePair> => {
  const pairs = new Map<number, OnlinePair>()
  for (const t of order) {
    const p = onlinePair(t)
    if (p !== undefined && !pairs.has(p.max.id)) pairs.set(p.max.id, p)
  }
  return pairs
}
