/**
 * Gradient norms per parameter and per layer: the monitor for vanishing and exploding gradients. The
 * gradient of the objective's mean batch loss (no L1/L2 penalty) with respect to every parameter, at
 * given values, in training mode by default (batch statistics, dropout from an explicit key), so at a
 * step of `fit` it is exactly the gradient the step applies before regularization. One compiled graph
 * per model, feature shape, batch size, objective, mode and engine, kept while the model lives.
 * @module
 */
import { square, sum } from '../api.js'
import { grad } from '../grad.js'
import { featureCount, type Dataset } from '../data/dataset.js'
import { input } from '../make.js'
import type { Layer } from '../nn/layer.js'
import { perModel } from './model-cache.js'
import { flattenParams, packValues, type ParamValues } from '../nn/tree.js'
import { checkOptionKinds } from '../options.js'
import type { Key } from '../random/key.js'
import { stepRunner, type Engine, type StepRunner } from '../run.js'
import type { Tensor } from '../tensor.js'
import type { Objective } from './objective.js'

/** A model with values to take the gradient at (a `Trained` is one). */
export interface AtValues {
  readonly model: Layer
  readonly featureShape: readonly number[]
  readonly objective: Objective
  readonly params: ParamValues
  readonly state: ParamValues
  readonly engine?: Engine
}

/** Gradient norms: over all parameters, per layer (top-level subtree: `dense0`), per parameter (`dense0.w`). */
export interface GradientNorms {
  readonly total: number
  readonly layers: Readonly<Record<string, number>>
  readonly params: Readonly<Record<string, number>>
}

/** Options of `gradientNorms`. */
export interface GradientNormOptions {
  /** Training mode (default true): batch norm uses batch statistics, dropout draws from `key`. */
  readonly training?: boolean
  /** The dropout key in training mode (default: key(0)'s words, zeros). */
  readonly key?: Key
}

interface NormGraph {
  readonly runner: StepRunner
  readonly paths: readonly string[]
  readonly pack: (v: { readonly params: ParamValues; readonly state: ParamValues }) => Float64Array[]
}

const graphs = perModel<NormGraph>()

/** The graph `[x, y, key] -> squared norm of each parameter's gradient`, built once per configuration. */
const normGraph = (m: AtValues, rows: number, training: boolean, targetShape: readonly number[]): NormGraph => {
  const engine = m.engine ?? 'compiled'
  const id = `${m.featureShape.join(',')}|${rows}|${targetShape.join(',')}|${m.objective.name}|${training}|${engine}`
  return graphs(m.model, id, () => {
    const leaves = m.model.leaves([rows, ...m.featureShape])
    const [x, y, k] = [input('x', [rows, ...m.featureShape]), input('y', [rows, ...targetShape]), input('key', [2])]
    const out = m.model.apply(leaves.params, x, { training, state: leaves.state, key: k }).y
    const entries = flattenParams(leaves.params)
    if (entries.length === 0) throw new RangeError('gradientNorms: the model has no parameters')
    const grads = grad(m.objective.loss(out, y), entries.map(([, t]) => t))
    const state = [...entries.map(([, t]) => t), ...flattenParams(leaves.state).map(([, t]) => t)]
    return {
      runner: stepRunner({ inputs: [x, y, k], state, outputs: grads.map((g): Tensor => sum(square(g))) }, engine),
      paths: entries.map(([p]) => p),
      pack: (v) => [...packValues(leaves.params, v.params, 'gradientNorms params'), ...packValues(leaves.state, v.state, 'gradientNorms state')],
    }
  })
}

/**
 * The norms of the loss gradient at `m`'s values on the rows of `batch` (all of them: pass a batch, not a
 * whole large data set). A layer's norm is the L2 norm over all its parameters; `total` over every parameter.
 * @example
 * import { gradientNorms, sequential, dense, layers, key, flower, objectives } from 'kiln'
 * const model = sequential(dense(4), layers.tanh(), dense(2))
 * const v = model.init(key(0), [1, 2])
 * const n = gradientNorms({ model, featureShape: [2], objective: objectives.softmaxCrossEntropy, ...v }, flower(key(1), 16))
 * Object.keys(n.layers) // ['dense0', 'dense2']
 * Math.abs(n.total ** 2 - (n.layers.dense0! ** 2 + n.layers.dense2! ** 2)) < 1e-12 // true
 */
export const gradientNorms = (m: AtValues, batch: Dataset, options: GradientNormOptions = {}): GradientNorms => {
  checkOptionKinds('gradientNorms', options, { training: 'boolean', key: 'object' })
  const f = featureCount(m)
  if (batch.n === 0 || batch.x.length !== batch.n * f) throw new RangeError(`gradientNorms: the batch must hold at least one row of ${f} features, got ${batch.n} rows and ${batch.x.length} values`)
  const targetShape = batch.targetShape ?? []
  const g = normGraph(m, batch.n, options.training ?? true, targetShape)
  const out = g.paths.map(() => new Float64Array(1))
  const key = options.key === undefined ? new Float64Array(2) : Float64Array.of(options.key.k0 >>> 0, options.key.k1 >>> 0)
  g.runner.run([batch.x, batch.y, key], g.pack(m), out)
  const params: Record<string, number> = {}
  const layerSq: Record<string, number> = {}
  let totalSq = 0
  g.paths.forEach((p, i) => {
    const sq = out[i]![0]!
    params[p] = Math.sqrt(sq)
    const layer = p.includes('.') ? p.slice(0, p.indexOf('.')) : p
    layerSq[layer] = (layerSq[layer] ?? 0) + sq
    totalSq += sq
  })
  const layers = Object.fromEntries(Object.entries(layerSq).map(([k, v]) => [k, Math.sqrt(v)]))
  return { total: Math.sqrt(totalSq), layers, params }
}
