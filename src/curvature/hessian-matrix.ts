/**
 * The Hessian of a scalar loss with respect to a parameter tree, as an operator on flat vectors
 * (one compiled Hessian-vector-product graph, built once and run per vector) and as a dense matrix
 * (its `n` columns). Flat vectors list the parameters in `flattenParams` order, each row-major.
 * @module
 */
import { grad, hvp } from '../grad.js'
import { leavesOf, topoSort } from '../graph.js'
import { input } from '../make.js'
import { flattenParams, packValues, readTree, TreeError, type Params, type ParamValues } from '../nn/tree.js'
import { unravel } from '../ops/ref.js'
import { ArgumentError, checkOptionKinds, describeValue, hasOwn, type OptionKinds } from '../options.js'
import { stepFunction } from '../run.js'
import { fmt, sizeOf } from '../shape.js'
import { isTensor, type Tensor } from '../tensor.js'

/** Values of the loss's `input` leaves that are data, not parameters, by leaf name. */
export type FixedInputs = { readonly [name: string]: Float64Array | readonly number[] }

/** Options of `hessianMatrix`. */
export interface HessianMatrixOptions {
  /** Values of `input` leaves the loss reads besides the parameters (data), by name. */
  readonly inputs?: FixedInputs
}

/** A dense Hessian with one label per row. */
export interface HessianMatrix {
  /** `n * n`, row-major, symmetrized (the average of the computed matrix and its transpose). */
  readonly matrix: Float64Array
  readonly n: number
  /** One label per row: the parameter's tree path and its index (`dense0.w[1,2]`; a scalar is its path). */
  readonly paths: readonly string[]
  /** `max |H - H^T| / max |H|` before symmetrizing: rounding only (about 1e-16 to 1e-13), larger means a wrong derivative. */
  readonly asymmetry: number
}

/** The Hessian at fixed parameter values as an operator on flat vectors, with the gradient there. */
export interface CurvatureOperator {
  /** Parameter count. */
  readonly n: number
  readonly paths: readonly string[]
  /** `H v` for a flat `v` of length `n`. */
  readonly hvp: (v: Float64Array) => Float64Array
  /** The loss and its flat gradient at the values. */
  readonly lossAndGradient: () => { readonly loss: number; readonly gradient: Float64Array }
  /** A flat vector as a tree shaped like the parameters. */
  readonly toTree: (flat: Float64Array) => ParamValues
  /** Hessian-vector products run so far. */
  readonly hvps: () => number
}

const HESSIAN_OPTIONS: OptionKinds<HessianMatrixOptions> = { inputs: 'object' }

const labels = (path: string, shape: readonly number[]): string[] =>
  Array.from({ length: sizeOf(shape) }, (_, i) => (shape.length === 0 ? path : `${path}[${unravel(i, shape).join(',')}]`))

/** The parameter leaves in tree order, each a `param`/`input` node (a `TreeError` from packValues becomes an ArgumentError on `values`). */
const parameterLeaves = (who: string, params: unknown, values: unknown): { readonly paths: string[]; readonly leaves: Tensor[]; readonly packed: Float64Array[] } => {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new ArgumentError(who, 'params', `expected a tree of parameter tensors, got ${describeValue(params)}`)
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new ArgumentError(who, 'values', `expected a tree of Float64Arrays shaped like params, got ${describeValue(values)}`)
  const entries = flattenParams(params as Params)
  if (entries.length === 0) throw new ArgumentError(who, 'params', 'expected at least one parameter, got an empty tree')
  for (const [path, t] of entries)
    if (!isTensor(t) || (t.op !== 'param' && t.op !== 'input')) throw new ArgumentError(who, 'params', `'${path}' is ${isTensor(t) ? `a ${t.op} node` : describeValue(t)}; expected a param (or input) leaf`)
  try {
    return { paths: entries.map(([p]) => p), leaves: entries.map(([, t]) => t), packed: packValues(params as Params, values as ParamValues, who) }
  } catch (e) {
    if (e instanceof TreeError) throw new ArgumentError(who, 'values', e.message.startsWith(`${who}: `) ? e.message.slice(who.length + 2) : e.message)
    throw e
  }
}

/** The data leaves the loss reads (everything but the parameters), bound from `inputs`, in a fixed order. */
const dataLeaves = (who: string, loss: Tensor, leaves: readonly Tensor[], inputs: FixedInputs | undefined): { readonly tensors: Tensor[]; readonly values: Float64Array[] } => {
  const read = leavesOf(topoSort([loss]), who)
  const own = new Set(leaves)
  const tensors: Tensor[] = []
  const names: string[] = []
  const values: Float64Array[] = []
  for (const [name, leaf] of read) {
    if (own.has(leaf)) continue
    const given = inputs !== undefined && hasOwn(inputs, name) ? inputs[name] : undefined
    if (given === undefined)
      throw new ArgumentError(who, 'loss', `reads the ${leaf.op} '${name}' ${fmt(leaf.shape)}, which is neither in params nor in options.inputs (make data a constant, or pass its values in inputs)`)
    if (!(given instanceof Float64Array) && !Array.isArray(given)) throw new ArgumentError(who, 'inputs', `'${name}' is ${describeValue(given)}; expected a Float64Array or an array of numbers`)
    const v = Float64Array.from(given)
    if (v.length !== sizeOf(leaf.shape)) throw new ArgumentError(who, 'inputs', `'${name}' has ${v.length} values, its shape ${fmt(leaf.shape)} needs ${sizeOf(leaf.shape)}`)
    tensors.push(leaf)
    names.push(name)
    values.push(v)
  }
  for (const name of Object.keys(inputs ?? {}))
    if (!read.has(name) || own.has(read.get(name)!)) throw new ArgumentError(who, 'inputs', `'${name}' is not a data leaf of the loss (its data leaves: ${names.map((x) => `'${x}'`).join(', ') || 'none'})`)
  return { tensors, values }
}

/**
 * Checks the loss, the tree and its values, and builds the Hessian-vector product and the gradient as
 * compiled step graphs (once); each product is then one run. Bad input throws an `ArgumentError`
 * naming `who` and the field (`loss`, `params`, `values`, `inputs`).
 * @example
 * import { param, sum, mul } from 'kiln'
 * import { curvatureOperator } from './hessian-matrix.js'
 * const w = param('w', [2])
 * const op = curvatureOperator('demo', sum(mul(mul(w, w), w)), { w }, { w: Float64Array.of(1, 2) }, undefined)
 * op.hvp(Float64Array.of(1, 1)) // Float64Array.of(6, 12)
 * op.lossAndGradient() // { loss: 9, gradient: Float64Array.of(3, 12) }
 * op.toTree(Float64Array.of(7, 8)) // { w: Float64Array.of(7, 8) }
 */
export const curvatureOperator = (who: string, loss: unknown, params: unknown, values: unknown, inputs: FixedInputs | undefined): CurvatureOperator => {
  if (!isTensor(loss)) throw new ArgumentError(who, 'loss', `expected a scalar tensor, got ${describeValue(loss)}`)
  if (sizeOf(loss.shape) !== 1) throw new ArgumentError(who, 'loss', `expected a scalar (one element), got shape ${fmt(loss.shape)}`)
  const { paths, leaves, packed } = parameterLeaves(who, params, values)
  const data = dataLeaves(who, loss, leaves, inputs)
  const sizes = leaves.map((t) => sizeOf(t.shape))
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0))
  const n = sizes.reduce((a, b) => a + b, 0)
  const split = (flat: Float64Array): Float64Array[] => offsets.map((o, i) => flat.slice(o, o + sizes[i]!))
  const join = (parts: readonly Float64Array[]): Float64Array => {
    const out = new Float64Array(n)
    parts.forEach((p, i) => out.set(p, offsets[i]))
    return out
  }
  const directions = leaves.map((t, i) => input(`__criticalPoint_direction_${i}`, t.shape))
  const hvpStep = stepFunction({ inputs: [...directions, ...data.tensors], state: leaves, outputs: hvp(loss, leaves, directions) }, 'compiled')
  const gradStep = stepFunction({ inputs: data.tensors, state: leaves, outputs: [loss, ...grad(loss, leaves)] }, 'compiled')
  let count = 0
  return {
    n,
    paths: leaves.flatMap((t, i) => labels(paths[i]!, t.shape)),
    hvp: (v) => {
      count++
      return join(hvpStep([...split(v), ...data.values], packed))
    },
    lossAndGradient: () => {
      const [l, ...g] = gradStep(data.values, packed)
      return { loss: l![0]!, gradient: join(g) }
    },
    toTree: (flat) => readTree(params as Params, split(flat)),
    hvps: () => count,
  }
}

/**
 * The dense Hessian of an operator: its `n` columns `H e_j`, then symmetrized; `asymmetry` says how
 * far apart the triangles were.
 * @example
 * import { param, sum, mul } from 'kiln'
 * import { curvatureOperator, denseHessian } from './hessian-matrix.js'
 * const w = param('w', [2])
 * const h = denseHessian(curvatureOperator('demo', sum(mul(mul(w, w), w)), { w }, { w: Float64Array.of(1, 2) }, undefined))
 * h.matrix // Float64Array.of(6, 0, 0, 12)
 */
export const denseHessian = (op: CurvatureOperator): HessianMatrix => {
  const n = op.n
  const h = new Float64Array(n * n)
  const e = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    e[j] = 1
    op.hvp(e).forEach((x, i) => (h[i * n + j] = x))
    e[j] = 0
  }
  let [scale, gap] = [0, 0]
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      scale = Math.max(scale, Math.abs(h[i * n + j]!), Math.abs(h[j * n + i]!))
      gap = Math.max(gap, Math.abs(h[i * n + j]! - h[j * n + i]!))
      h[i * n + j] = h[j * n + i] = 0.5 * (h[i * n + j]! + h[j * n + i]!)
    }
  return { matrix: h, n, paths: op.paths, asymmetry: scale === 0 ? 0 : gap / scale }
}

/**
 * The dense Hessian of a scalar `loss` with respect to the parameters of `params` at `values`: `n`
 * Hessian-vector products (`hvp`, compiled once), symmetrized, with a label per row. The loss may
 * read other `input` leaves (data) when `options.inputs` gives their values. A non-scalar loss, a
 * value missing from the tree or of the wrong length, or a leaf the loss reads that is neither a
 * parameter nor in `inputs` throws an `ArgumentError` naming `hessianMatrix` and the field.
 * @example
 * import { hessianMatrix, param, mul, add } from 'kiln'
 * // f(a, b) = a^2 b + b^2: H = [[2b, 2a], [2a, 2]]
 * const a = param('a', [])
 * const b = param('b', [])
 * const h = hessianMatrix(add(mul(mul(a, a), b), mul(b, b)), { a, b }, { a: Float64Array.of(3), b: Float64Array.of(5) })
 * h.matrix // Float64Array.of(10, 6, 6, 2)
 * h.paths // ['a', 'b']
 * hessianMatrix(mul(a, a), { a: { w: a } }, { a: { w: Float64Array.of(1) } }).paths // ['a.w']
 */
export const hessianMatrix = (loss: Tensor, params: Params, values: ParamValues, options?: HessianMatrixOptions): HessianMatrix => {
  checkOptionKinds('hessianMatrix', options, HESSIAN_OPTIONS)
  return denseHessian(curvatureOperator('hessianMatrix', loss, params, values, options?.inputs))
}
