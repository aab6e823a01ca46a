/**
 * Per-example gradients (differential privacy, gradient-noise and influence studies): the loss written
 * for a batch of one, differentiated once, and the gradient graph batched over the examples with
 * `vmap`, so a batch of N costs one compiled pass, not N.
 * @module
 */
import { reshape } from '../api.js'
import { grad } from '../grad.js'
import { input } from '../make.js'
import { flattenParams, isSubtree, mapParams, type Params } from '../nn/tree.js'
import { ArgumentError, hasOwn } from '../options.js'
import { fmt, ShapeError, sizeOf } from '../shape.js'
import { isTensor, type Tensor } from '../tensor.js'
import { vmapGraph } from './vmap.js'

/** A batch by name: each entry's first axis runs over the examples (`x: [n, ...features]`, `y: [n]`). */
export type ExampleBatch = Readonly<Record<string, Tensor>>

/** The batch size every entry agrees on; refuses scalars, disagreeing sizes and an empty batch. */
const examplesIn = (batch: ExampleBatch): number => {
  const entries = Object.keys(batch).filter((k) => hasOwn(batch, k))
  if (entries.length === 0) throw new ArgumentError('perExampleGrads', 'batch', 'expected at least one batched tensor')
  const sizes = entries.map((k) => {
    const t = batch[k]
    if (!isTensor(t)) throw new ArgumentError('perExampleGrads', `batch.${k}`, 'expected a tensor')
    if (t.shape.length === 0) throw new ShapeError('perExampleGrads', [t.shape], `batch.${k} is a scalar: it has no example axis`)
    return t.shape[0]!
  })
  if (new Set(sizes).size > 1)
    throw new ArgumentError('perExampleGrads', 'batch', `entries disagree on the number of examples (${entries.map((k, i) => `${k}: ${sizes[i]}`).join(', ')})`)
  return sizes[0]!
}

/**
 * The gradient of `loss` for every example of `batch` on its own: a tree like `params` whose leaves are
 * `[n, ...leaf.shape]` expressions (row `i` is the gradient on example `i` alone). `loss` receives the
 * parameter leaves and one example as a batch of one (`x: [1, ...features]`, `y: [1]`), so a model's
 * usual batch loss serves as is; it must give a scalar.
 * @example
 * import { perExampleGrads, param, input, matmul, sum, mul, sub, reshape, evaluate, isTensor } from 'kiln'
 * const w = param('w', [2, 1])
 * // squared error of a linear model on one example: its gradient is 2 (x w - y) x
 * const g = perExampleGrads((p, ex) => {
 *   const r = sub(reshape(matmul(ex.x!, p.w), [1]), ex.y!)
 *   return sum(mul(r, r))
 * }, { w }, { x: input('x', [3, 2]), y: input('y', [3]) })
 * const gw = g.w!
 * isTensor(gw) && gw.shape // [3, 2, 1]
 * isTensor(gw) && Array.from(evaluate([gw], { w: [1, 1], x: [1, 0, 0, 1, 1, 1], y: [0, 0, 2] })[0]!) // [2, 0, 0, 2, 0, 0]
 */
export const perExampleGrads = <P extends Params>(loss: (params: P, example: ExampleBatch) => Tensor, params: P, batch: ExampleBatch): Params => {
  if (!isSubtree(params)) throw new ArgumentError('perExampleGrads', 'params', 'expected a tree of parameter tensors')
  const leaves = flattenParams(params)
  for (const [path, leaf] of leaves) if (!isTensor(leaf)) throw new ArgumentError('perExampleGrads', `params.${path}`, 'expected a tensor')
  const n = examplesIn(batch)
  const mapped: [Tensor, Tensor][] = []
  const example: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>
  for (const [k, t] of Object.entries(batch)) {
    const one = input(`__example_${t.id}`, [1, ...t.shape.slice(1)])
    example[k] = one
    mapped.push([one, reshape(t, [n, 1, ...t.shape.slice(1)])])
  }
  const l = loss(params, example)
  if (sizeOf(l.shape) !== 1) throw new ShapeError('perExampleGrads', [l.shape], `the loss of one example must be a scalar, got ${fmt(l.shape)}`)
  const gs = vmapGraph(grad(l, leaves.map(([, t]) => t)), mapped)
  const byPath = new Map(leaves.map(([path], i) => [path, gs[i]!]))
  return mapParams(params, (_t: Tensor, path) => byPath.get(path)!)
}
