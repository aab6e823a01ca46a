/**
 * Gradient checking a model: the derivative of a layer's batch loss with respect to every parameter,
 * as `fit` trains it (training mode, the objective's mean batch loss, no penalty), with the layer state
 * (batch-norm running statistics) and the batch held constant and dropout drawn from a fixed key, so the
 * loss is a deterministic function of the parameters alone.
 * @module
 */
import { featureCount, targetCount, type Dataset } from '../data/dataset.js'
import { constant } from '../make.js'
import { flattenParams, packValues, TreeError, unflatten } from '../nn/tree.js'
import { unravel } from '../ops/ref.js'
import { fmt } from '../shape.js'
import { ArgumentError, describeValue, type OptionKinds } from '../options.js'
import { key as keyOf, type Key } from '../random/key.js'
import type { Tensor } from '../tensor.js'
import type { AtValues } from '../train/gradnorms.js'
import { runCheck, type Operand } from './core.js'
import type { GradcheckReport } from './report.js'
import { GRADCHECK_KINDS, gradcheckSettings, type GradcheckOptions } from './settings.js'

/** Options of `gradcheckModel`: those of `gradcheck` (no `shapes`: the model declares them), the mode and the dropout key. */
export interface GradcheckModelOptions extends Omit<GradcheckOptions, 'shapes'> {
  /** Training mode (default true): batch norm uses batch statistics and dropout draws from `key`. */
  readonly training?: boolean
  /** The dropout key (default `key(0)`): one fixed mask for every evaluation. */
  readonly key?: Key
}

const { shapes: _shapes, ...withoutShapes } = GRADCHECK_KINDS
const MODEL_KINDS: OptionKinds<GradcheckModelOptions> = { ...withoutShapes, training: 'boolean', key: 'object' }

/** A `TreeError` (a value tree that does not match the model's) as an `ArgumentError` on `group.path`. */
const asArgumentError = <A>(who: string, group: string, run: () => A): A => {
  try {
    return run()
  } catch (e) {
    throw e instanceof TreeError ? new ArgumentError(who, `${group}.${e.path}`, e.message.replace(/^[^:]*: /, '')) : e
  }
}

const checkBatch = (who: string, m: AtValues, batch: Dataset): void => {
  if (typeof batch !== 'object' || batch === null || !(batch.x instanceof Float64Array) || !(batch.y instanceof Float64Array))
    throw new ArgumentError(who, 'batch', `expected a Dataset (x and y Float64Arrays), got ${describeValue(batch)}`)
  const [f, k] = [featureCount(m), targetCount(batch)]
  if (!Number.isSafeInteger(batch.n) || batch.n < 1 || batch.x.length !== batch.n * f || batch.y.length !== batch.n * k)
    throw new ArgumentError(who, 'batch', `expected at least one row of ${f} features and ${k} target${k === 1 ? '' : 's'}, got ${describeValue(batch.n)} rows, ${batch.x.length} feature and ${batch.y.length} target values`)
  const bad = [batch.x, batch.y].findIndex((a) => a.some((v) => !Number.isFinite(v)))
  if (bad !== -1) throw new ArgumentError(who, `batch.${bad === 0 ? 'x' : 'y'}`, 'expected finite values')
}

/**
 * Checks the gradient of `m`'s batch loss (its objective on the rows of `batch`) with respect to every
 * parameter at `m.params`, element by element by default; the report names elements by path
 * (`dense0.w[1,0]`). Layer state is held at `m.state` and dropout uses `options.key`, so a network with
 * dropout and batch norm is checked as one fixed function. A `Trained` is an `AtValues`. Values that do not
 * match the model's parameters or state, a batch of the wrong size and bad options are `ArgumentError`s
 * before anything runs. Every evaluation runs on the interpreter: pass a small batch.
 * @example
 * import { gradcheckModel, sequential, dense, layers, key, flower, objectives } from 'kiln'
 * const model = sequential(dense(3), layers.tanh(), layers.dropout(0.3), dense(2))
 * const v = model.init(key(0), [1, 2])
 * const r = gradcheckModel({ model, featureShape: [2], objective: objectives.softmaxCrossEntropy, ...v }, flower(key(1), 4), { key: key(5) })
 * r.ok // true
 * r.checked // 17
 * r.worst[0]!.input // 'dense0.w'
 * r.worst[0]!.index // [0, 0]
 */
export const gradcheckModel = (m: AtValues, batch: Dataset, options: GradcheckModelOptions = {}): GradcheckReport => {
  const who = 'gradcheckModel'
  const s = gradcheckSettings(who, options, MODEL_KINDS)
  const dropoutKey = options.key ?? keyOf(0)
  if (dropoutKey._tag !== 'Key') throw new ArgumentError(who, 'key', `expected a Key (from key, split or foldIn), got ${describeValue(dropoutKey)}`)
  if (typeof m !== 'object' || m === null || typeof m.model !== 'object' || m.model === null || m.model._tag !== 'Layer')
    throw new ArgumentError(who, 'model', `expected { model, featureShape, objective, params, state } with a Layer, got ${describeValue(m)}`)
  checkBatch(who, m, batch)
  const rows = [batch.n, ...m.featureShape]
  const leaves = m.model.leaves(rows)
  const paramValues = asArgumentError(who, 'params', () => packValues(leaves.params, m.params, who))
  const operands: Operand[] = flattenParams(leaves.params).map(([path, t], i) => {
    const v = paramValues[i]!
    const bad = v.findIndex((a) => !Number.isFinite(a))
    if (bad !== -1) throw new ArgumentError(who, `params.${path}`, `expected finite values, got ${v[bad]} at ${fmt(unravel(bad, t.shape))}`)
    return { name: path, shape: t.shape, value: v }
  })
  const stateValues = asArgumentError(who, 'state', () => packValues(leaves.state, m.state, who))
  const x = constant(batch.x, rows)
  const y = constant(batch.y, [batch.n, ...(batch.targetShape ?? [])])
  const state = unflatten(flattenParams(leaves.state).map(([path, t], i) => [path, constant(stateValues[i]!, t.shape) as Tensor] as const))
  const paths = operands.map((o) => o.name)
  const build = (ls: readonly Tensor[]): Tensor => {
    const params = unflatten(paths.map((p, i) => [p, ls[i]!] as const))
    const out = m.model.apply(params, x, { training: options.training ?? true, key: dropoutKey, state }).y
    return m.objective.loss(out, y)
  }
  return runCheck(who, operands, build, s)
}
