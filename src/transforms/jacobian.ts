/**
 * Jacobians and Hessians as expressions: reverse mode batched over the output's basis (`jacrev`), forward
 * mode batched over the input's basis (`jacfwd`), `jacobian` choosing the cheaper, and `hessian` as
 * forward over reverse. Each basis is a `vmap` over an identity built from a comparison (never an n x n
 * constant), so the whole Jacobian is one graph, compiled once.
 * @module
 */
import { constant, input } from '../make.js'
import { equal, reshape, transpose } from '../api.js'
import { grad, vjp } from '../grad.js'
import { flattenParams, isSubtree, mapParams, type Params } from '../nn/tree.js'
import { ArgumentError } from '../options.js'
import { ShapeError, sizeOf, type Shape } from '../shape.js'
import { isTensor, type Tensor } from '../tensor.js'
import { jvps } from './forward.js'
import { vmapGraph } from './vmap.js'

/** Differentiate with respect to one tensor, or to every leaf of a parameter tree. */
export type Wrt = Tensor | Params

/** The rows of the n x n identity, each shaped like `shape` (of n elements): `[n, ...shape]`. */
const basis = (shape: Shape): Tensor => {
  const n = sizeOf(shape)
  const at = constant(Float64Array.from({ length: n }, (_, i) => i), [n])
  return reshape(equal(reshape(at, [n, 1]), reshape(at, [1, n])), [n, ...shape])
}

/** `[n, ...out]` (derivatives along the n input directions) to `[...out, ...in]` with `sizeOf(in) = n`. */
const inputAxesLast = (t: Tensor, out: Shape, inShape: Shape): Tensor => {
  const n = sizeOf(inShape)
  return reshape(transpose(reshape(t, [n, sizeOf(out)]), [1, 0]), [...out, ...inShape])
}

const leavesOf = (op: string, wrt: Wrt): readonly (readonly [string, Tensor])[] => {
  if (isTensor(wrt)) return [['', wrt]]
  if (!isSubtree(wrt)) throw new ArgumentError(op, 'wrt', 'expected a tensor or a tree of tensors')
  const leaves = flattenParams(wrt)
  if (leaves.length === 0) throw new ArgumentError(op, 'wrt', 'the tree has no leaves')
  for (const [path, leaf] of leaves) if (!isTensor(leaf)) throw new ArgumentError(op, `wrt.${path}`, 'expected a tensor')
  return leaves
}

/** One result per leaf, in `wrt`'s structure: the tensor itself for a tensor, else a tree. */
const shaped = (wrt: Wrt, results: ReadonlyMap<string, Tensor>): Tensor | Params =>
  isTensor(wrt) ? results.get('')! : mapParams(wrt, (_leaf: Tensor, path) => results.get(path)!)

/** Reverse mode over the output's basis: one vjp graph, batched over `sizeOf(output)` cotangents. */
const reverseJacobians = (output: Tensor, leaves: readonly (readonly [string, Tensor])[]): Map<string, Tensor> => {
  const u = input(`__jacrev_${output.id}`, output.shape)
  const gs = vjp(output, leaves.map(([, l]) => l), u)
  const rows = vmapGraph(gs, [[u, basis(output.shape)]])
  return new Map(leaves.map(([path, leaf], i) => [path, reshape(rows[i]!, [...output.shape, ...leaf.shape])]))
}

/** Forward mode over each leaf's basis: for each leaf one jvp graph of all `outputs`, batched over its elements. */
const forwardJacobians = (outputs: readonly Tensor[], leaf: Tensor): Tensor[] => {
  const t = input(`__jacfwd_${leaf.id}`, leaf.shape)
  const cols = vmapGraph(jvps(outputs, [leaf], [t]), [[t, basis(leaf.shape)]])
  return cols.map((c, i) => inputAxesLast(c, outputs[i]!.shape, leaf.shape))
}

/**
 * The Jacobian of `output` by reverse mode: shape `[...output.shape, ...wrt.shape]` (a tree of such for
 * a tree `wrt`). Cheaper than `jacfwd` when the output has fewer elements than the input.
 * @example
 * import { jacrev, mul, sum, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * const j = jacrev(mul(x, x), x)
 * j.shape // [2, 2]
 * Array.from(evaluate([j], { x: [3, 5] })[0]!) // [6, 0, 0, 10]
 */
export function jacrev(output: Tensor, wrt: Tensor): Tensor
export function jacrev(output: Tensor, wrt: Params): Params
export function jacrev(output: Tensor, wrt: Wrt): Tensor | Params {
  return jacrevOf('jacrev', output, wrt)
}
function jacrevOf(op: string, output: Tensor, wrt: Wrt): Tensor | Params {
  return shaped(wrt, reverseJacobians(output, leavesOf(op, wrt)))
}

/**
 * The Jacobian of `output` by forward mode: shape `[...output.shape, ...wrt.shape]` (a tree of such for
 * a tree `wrt`). Cheaper than `jacrev` when the input has fewer elements than the output.
 * @example
 * import { jacfwd, input, evaluate, exp } from 'kiln'
 * const x = input('x', [2])
 * const j = jacfwd(exp(x), x)
 * Array.from(evaluate([j], { x: [0, 0] })[0]!) // [1, 0, 0, 1]
 */
export function jacfwd(output: Tensor, wrt: Tensor): Tensor
export function jacfwd(output: Tensor, wrt: Params): Params
export function jacfwd(output: Tensor, wrt: Wrt): Tensor | Params {
  return jacfwdOf('jacfwd', output, wrt)
}
function jacfwdOf(op: string, output: Tensor, wrt: Wrt): Tensor | Params {
  const leaves = leavesOf(op, wrt)
  return shaped(wrt, new Map(leaves.map(([path, leaf]) => [path, forwardJacobians([output], leaf)[0]!])))
}

/**
 * The Jacobian `[...output.shape, ...wrt.shape]`, by reverse mode when the output has at most as many
 * elements as the input (every leaf together), else by forward mode; both give the same values.
 * @example
 * import { jacobian, matmul, input, evaluate } from 'kiln'
 * const w = input('w', [2, 3])
 * const x = input('x', [3, 1])
 * jacobian(matmul(w, x), x).shape // [2, 1, 3, 1]
 */
export function jacobian(output: Tensor, wrt: Tensor): Tensor
export function jacobian(output: Tensor, wrt: Params): Params
export function jacobian(output: Tensor, wrt: Wrt): Tensor | Params {
  const leaves = leavesOf('jacobian', wrt)
  const inSize = leaves.reduce((n, [, l]) => n + sizeOf(l.shape), 0)
  return sizeOf(output.shape) <= inSize ? jacrevOf('jacobian', output, wrt) : jacfwdOf('jacobian', output, wrt)
}

/** Hessian blocks of a tree: `h[a][b]` is `d2 loss / (da db)` of shape `[...a.shape, ...b.shape]`, by dotted path. */
export type HessianBlocks = Readonly<Record<string, Readonly<Record<string, Tensor>>>>

/**
 * The Hessian of a scalar `loss`, forward over reverse (`jacfwd` of the gradient): `[...wrt.shape,
 * ...wrt.shape]` for a tensor; for a tree, blocks by dotted path, `h['w']['b']` of shape `[...w, ...b]`.
 * @example
 * import { hessian, mul, sum, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * const h = hessian(sum(mul(mul(x, x), x)), x)
 * Array.from(evaluate([h], { x: [1, 2] })[0]!) // [6, 0, 0, 12]
 */
export function hessian(loss: Tensor, wrt: Tensor): Tensor
export function hessian(loss: Tensor, wrt: Params): HessianBlocks
export function hessian(loss: Tensor, wrt: Wrt): Tensor | HessianBlocks {
  if (sizeOf(loss.shape) !== 1) throw new ShapeError('hessian', [loss.shape], 'the loss must be a scalar (one element)')
  const leaves = leavesOf('hessian', wrt)
  const gs = grad(loss, leaves.map(([, l]) => l))
  // column block b for every row block a at once: one forward pass of all gradients per leaf b
  const cols = leaves.map(([, leaf]) => forwardJacobians(gs, leaf))
  if (isTensor(wrt)) return cols[0]![0]!
  const blocks: Record<string, Record<string, Tensor>> = Object.create(null) as Record<string, Record<string, Tensor>>
  leaves.forEach(([a], i) => {
    const row: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>
    leaves.forEach(([b], j) => (row[b] = cols[j]![i]!))
    blocks[a] = row
  })
  return blocks
}
