/**
 * Rule helpers shared by the op records: forward-mode rules of linear ops and the batching rule of
 * the ops that broadcast their operands (elementwise maps and matmul's batch axes).
 * @module
 */
import { shapeEq, type Shape } from '../shape.js'
import type { NodeOf, OpName, Tensor } from '../tensor.js'
import type { BatchContext, Builders } from './def.js'

/**
 * `t` broadcast to `shape` when it is smaller: a tangent built from some of a broadcasting op's
 * operands may lack the axes the others bring.
 * @example
 * import { fitTo } from './rules.js'
 * import * as K from '../api.js'
 * fitTo(K.input('t', [3]), [2, 3], K).shape // [2, 3]
 */
export const fitTo = (t: Tensor, shape: Shape, K: Builders): Tensor => (shapeEq(t.shape, shape) ? t : K.broadcastTo(t, shape))

/**
 * The sum of the defined terms (undefined stands for zero), broadcast to `shape`; undefined when all are.
 * @example
 * import { sumTerms } from './rules.js'
 * import * as K from '../api.js'
 * sumTerms([undefined, undefined], [2], K) // undefined
 * sumTerms([K.input('a', [2]), undefined], [2], K)!.op // 'input'
 */
export const sumTerms = (terms: readonly (Tensor | undefined)[], shape: Shape, K: Builders): Tensor | undefined => {
  const defined = terms.filter((t): t is Tensor => t !== undefined)
  if (defined.length === 0) return undefined
  return fitTo(defined.reduce((a, b) => K.add(a, b)), shape, K)
}

/**
 * The forward rule of an op linear in all its operands: the op itself applied to the tangents, zeros
 * standing for absent ones; zero when every tangent is.
 * @example
 * import { linear } from './rules.js'
 * import * as K from '../api.js'
 * const rule = linear<'add'>((ts, _node, ops) => ops.add(ts[0]!, ts[1]!))
 * const node = K.add(K.input('a', [2]), K.input('b', [2]))
 * rule([undefined, undefined], node as never, K) // undefined
 * rule([K.input('t', [2]), undefined], node as never, K)!.shape // [2]
 */
export const linear =
  <N extends OpName>(build: (ts: readonly Tensor[], node: NodeOf<N>, K: Builders) => Tensor) =>
  (tangents: readonly (Tensor | undefined)[], node: NodeOf<N>, K: Builders): Tensor | undefined =>
    tangents.every((t) => t === undefined) ? undefined : build(node.args.map((a, i) => tangents[i] ?? K.zerosLike(a)), node, K)

/**
 * A batched operand `[size, ...s]` given unit axes after the batch axis up to `rank + 1` axes, so that
 * it broadcasts as the unbatched operand of rank `rank` would.
 * @example
 * import { alignBatched } from './rules.js'
 * import * as K from '../api.js'
 * alignBatched(K.input('x', [5, 3]), 3, K).shape // [5, 1, 1, 3]
 */
export const alignBatched = (x: Tensor, rank: number, K: Builders): Tensor => {
  const [size, ...rest] = x.shape
  const units = rank - rest.length
  return units <= 0 ? x : K.reshape(x, [size!, ...new Array<number>(units).fill(1), ...rest])
}

/**
 * The batching rule of an op that broadcasts its operands (elementwise maps, `where`, matmul's batch
 * axes): batched operands get unit axes up to the output's rank, unbatched ones broadcast against
 * the batch axis as they are, and the op is remade on them.
 * @example
 * import { batchBroadcasting } from './rules.js'
 * import { make } from '../make.js'
 * import type { BatchContext } from './def.js'
 * import * as K from '../api.js'
 * const node = K.add(K.input('a', [2, 3]), K.input('b', [3]))
 * const xs = [K.input('a', [2, 3]), K.input('bs', [5, 3])]
 * const ctx: BatchContext = { ops: K, size: 5, remake: (args) => make('add', args, {}) }
 * batchBroadcasting(xs, [false, true], node as never, ctx).shape // [5, 2, 3]
 */
export const batchBroadcasting = (args: readonly Tensor[], batched: readonly boolean[], node: Tensor, ctx: BatchContext): Tensor =>
  ctx.remake(args.map((a, i) => (batched[i] ? alignBatched(a, node.shape.length, ctx.ops) : a)))

/**
 * The rounding error of the difference `d = a - b` as a graph (Knuth's TwoSum of a and -b): `a - b` is
 * exactly `d + err`. Rules use it where a function of `d` would amplify its rounding (exp, pow).
 * @example
 * import { diffError } from './rules.js'
 * import * as K from '../api.js'
 * import { evaluate } from 'kiln'
 * const [a, b] = [K.constant([0.1]), K.constant([3])]
 * evaluate([diffError(a, b, K.sub(a, b), K)], {})[0]![0] !== 0 // true
 * evaluate([diffError(K.constant([5]), b, K.sub(K.constant([5]), b), K)], {})[0] // Float64Array.of(0)
 */
export const diffError = (a: Tensor, b: Tensor, d: Tensor, K: Builders): Tensor => {
  const back = K.sub(d, a)
  return K.add(K.sub(a, K.sub(d, back)), K.sub(K.neg(b), back))
}
