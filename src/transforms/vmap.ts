/**
 * Batching (`vmap`): a graph written for one example, rewritten to run over a new leading axis with the
 * op records' `batch` rules, so N examples cost one graph (and one compiled kernel sequence), not N.
 * Nodes that read no batched value are kept as they are and broadcast only where they meet batched ones.
 * @module
 */
import * as api from '../api.js'
import { broadcastTo } from '../api.js'
import { topoSort } from '../graph.js'
import { make } from '../make.js'
import { opDef } from '../optable.js'
import { ArgumentError } from '../options.js'
import { fmt, ShapeError, shapeEq } from '../shape.js'
import type { NodeOf, OpName, Tensor } from '../tensor.js'
import { input } from '../make.js'

const batchRule = <K extends OpName>(t: NodeOf<K>, args: readonly Tensor[], batched: readonly boolean[], size: number): Tensor =>
  opDef(t.op).batch(args, batched, t, { ops: api, size, remake: (xs) => make(t.op, xs, t.attrs) })

/** The batch size the pairs agree on; refuses pairs whose batched value is not `[size, ...node.shape]`. */
const batchSize = (op: string, mapped: readonly (readonly [Tensor, Tensor])[]): number => {
  const sizes = new Set<number>()
  for (const [node, value] of mapped) {
    if (value.shape.length !== node.shape.length + 1 || !shapeEq(value.shape.slice(1), node.shape))
      throw new ShapeError(op, [node.shape, value.shape], 'a mapped value must be the unmapped shape with one leading batch axis')
    sizes.add(value.shape[0]!)
  }
  if (sizes.size > 1) throw new ArgumentError(op, 'inputs', `mapped values disagree on the batch size (${[...sizes].join(', ')})`)
  const [size] = sizes
  if (size === undefined) throw new ArgumentError(op, 'inputs', 'nothing is mapped: give at least one batched value')
  return size
}

/**
 * Rewrites the graph of `outputs` so that each `[node, value]` pair reads `value`, the node's shape with
 * a leading batch axis, and every output gains that axis: `result[i][b]` is `outputs[i]` with each node
 * replaced by `value[b]`. Outputs that read no mapped node are broadcast along the axis.
 * @example
 * import { vmapGraph, mul, sum, input, evaluate } from 'kiln'
 * const x = input('x', [3])
 * const [y] = vmapGraph([sum(mul(x, x))], [[x, input('xs', [2, 3])]])
 * y!.shape // [2]
 * Array.from(evaluate([y!], { xs: [1, 2, 3, 0, 0, 4] })[0]!) // [14, 16]
 */
export const vmapGraph = (outputs: readonly Tensor[], mapped: readonly (readonly [Tensor, Tensor])[]): Tensor[] => {
  const size = batchSize('vmap', mapped)
  const batched = new Map<number, Tensor>(mapped.map(([n, v]) => [n.id, v]))
  for (const t of topoSort(outputs)) {
    if (batched.has(t.id) || !t.args.some((a) => batched.has(a.id))) continue
    const flags = t.args.map((a) => batched.has(a.id))
    const out = batchRule(t, t.args.map((a) => batched.get(a.id) ?? a), flags, size)
    if (!shapeEq(out.shape, [size, ...t.shape])) throw new Error(`internal: the batching rule of ${t.op} gave ${fmt(out.shape)} for ${fmt([size, ...t.shape])}`)
    batched.set(t.id, out)
  }
  return outputs.map((o) => batched.get(o.id) ?? broadcastTo(o, [size, ...o.shape]))
}

/**
 * `vmap(f)`: `f` written for one example, applied to every slice of its arguments along a new leading
 * axis, as one graph. `inAxes[i]` is `0` (the default) to map argument `i` along its first axis, or
 * `null` to pass it whole to every example.
 * @example
 * import { vmap, matmul, input, evaluate, reshape } from 'kiln'
 * const w = input('w', [2, 2])
 * const apply = vmap((x, m) => reshape(matmul(reshape(x, [1, 2]), m), [2]), [0, null])
 * const ys = apply(input('xs', [3, 2]), w)
 * ys.shape // [3, 2]
 * Array.from(evaluate([ys], { xs: [1, 0, 0, 1, 1, 1], w: [1, 2, 3, 4] })[0]!) // [1, 2, 3, 4, 4, 6]
 */
export const vmap =
  (f: (...xs: Tensor[]) => Tensor, inAxes: readonly (0 | null)[] = []) =>
  (...xs: Tensor[]): Tensor => {
    if (inAxes.length > xs.length) throw new ArgumentError('vmap', 'inAxes', `${inAxes.length} axes for ${xs.length} arguments`)
    const mapped: [Tensor, Tensor][] = []
    const args = xs.map((x, i) => {
      if (inAxes[i] === null) return x
      if (inAxes[i] !== undefined && inAxes[i] !== 0) throw new ArgumentError('vmap', `inAxes[${i}]`, `expected 0 or null, got ${String(inAxes[i])}`)
      if (x.shape.length === 0) throw new ShapeError('vmap', [x.shape], `argument ${i} is a scalar: it has no axis to map (pass null in inAxes)`)
      const one = input(`__vmap_${x.id}_${i}`, x.shape.slice(1))
      mapped.push([one, x])
      return one
    })
    return vmapGraph([f(...args)], mapped)[0]!
  }
