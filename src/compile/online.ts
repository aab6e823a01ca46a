/**
 * Online max+sum: recognizes `sum(exp(x - m), A)` with `m = max(x, A)` (read through stopGradient,
 * reshape and broadcastTo) so the schedule computes `m` and the sum in ONE pass over `x` with the
 * streaming rescaling algorithm (running max `m`, running sum `s`; on a new max, `s *= exp(m_old - m_new)`).
 * The softmax / log-softmax consumers then make the second and last pass over the row.
 * @module
 */
import { shapeEq, stridesOf, reducedShape } from '../shape.js'
import { isOp, type Tensor } from '../tensor.js'
import { aff, type Aff } from './ir.js'
import { lowering } from './lower.js'

/** A max reduction and the sum of `exp(x - max)` over the same axes that runs in its pass. */
export interface OnlinePair {
  readonly max: Tensor
  readonly sum: Tensor
}

/** The node under stopGradient / reshape / broadcastTo views (the index check below validates them). */
const under = (t: Tensor): Tensor =>
  isOp(t, 'stopGradient') || isOp(t, 'reshape') || isOp(t, 'broadcastTo') ? under(t.args[0]!) : t

const sameAxes = (a: readonly number[], b: readonly number[]): boolean => {
  const x = [...a].sort((p, q) => p - q)
  const y = [...b].sort((p, q) => p - q)
  return x.length === y.length && x.every((v, i) => v === y[i])
}

/**
 * True when `b`, read at every element of `x`'s iteration space, is the max of that element's row:
 * lowered with `m` as a buffer, it must be a load of `m` at the reduced index (size-1 axes ignored).
 */
const alignsWithRows = (b: Tensor, m: Tensor, x: Tensor, axes: readonly number[]): boolean => {
  const rank = x.shape.length
  const vars = Array.from({ length: rank }, (_, d) => aff.axis(rank, d))
  const lead = rank - b.shape.length
  const idx = b.shape.map((n, q) => (n === 1 ? aff.zero(rank) : vars[q + lead]!))
  const norm = (a: Aff): string => aff.key({ c: a.c, k: a.k.map((v, d) => (x.shape[d] === 1 ? 0 : v)) })
  const kept = stridesOf(reducedShape(x.shape, axes, true)).map((s, d) => (axes.includes(d) ? 0 : s))
  try {
    const e = lowering({ rank, fused: [], valueOf: (t) => (t === m ? 0 : undefined) }).read(b, idx)
    return e._tag === 'load' && e.value === 0 && norm(e.off) === norm(aff.dot(vars, kept, rank))
  } catch {
    return false
  }
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
  const m = under(b)
  if (!isOp(m, 'max') || m.args[0] !== x || !shapeEq(d.shape, x.shape) || !sameAxes(m.attrs.axes, s.attrs.axes)) return undefined
  return alignsWithRows(b, m, x, m.attrs.axes) ? { max: m, sum: s } : undefined
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
