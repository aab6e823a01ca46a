/**
 * The training step and the evaluation pass as graphs: forward, loss, gradients and optimizer update in
 * one expression graph, compiled once per batch size. Parameters, optimizer state and layer state are
 * leaves fed each step; their new values are outputs.
 * @module
 */
import { add } from '../api.js'
import type { Key } from '../random/key.js'
import type { Layer } from '../nn/layer.js'
import { l1Penalty, l2Penalty } from '../nn/losses.js'
import type { Optimizer } from '../nn/transform.js'
import { trainStep } from '../nn/train.js'
import { leafList, mapParams, unflatten, flattenParams, type ParamValues, type Params } from '../nn/tree.js'
import { leafName } from '../graph.js'
import { type Tensor } from '../tensor.js'
import { input } from '../make.js'
import type { Objective } from './objective.js'

/** Regularization added to the training objective only (metrics report the unregularized loss). */
export interface Regularization {
  readonly l2?: number
  readonly l1?: number
}

/** The symbolic training step for one batch size, with the order of its outputs. */
export interface StepGraph {
  readonly batch: number
  /** Outputs: `[dataLoss, ...newParams, ...newLayerState, ...newOptState]`, each group in `flattenParams` order. */
  readonly outputs: readonly Tensor[]
  readonly paramNames: readonly string[]
  readonly stateNames: readonly string[]
  readonly optNames: readonly string[]
}

/**
 * Leaf names of the data, step counter and key fed to every step (as `trainStep` names them).
 * @example
 * import { leafNames } from './step.js'
 * leafNames.x // 'x'
 */
export const leafNames = { x: 'x', y: 'y', step: 'step', key: 'key' } as const

const names = (t: Params): string[] =>
  leafList(t).map((l) => {
    const name = leafName(l)
    if (name === undefined) throw new Error(`internal: a model leaf is a ${l.op} node`)
    return name
  })

/**
 * The model's symbolic parameters and layer state for a batch of `batch` rows.
 * @example
 * import { sequential, dense, leafList } from 'kiln'
 * import { modelLeaves } from './step.js'
 * const leaves = modelLeaves(sequential(dense(3)), [4], 8)
 * leafList(leaves.params).map((t) => t.shape) // [[4, 3], [3]]
 */
export const modelLeaves = (model: Layer, featureShape: readonly number[], batch: number) =>
  model.leaves([batch, ...featureShape])

/** The regularization term of the training objective (none when both lambdas are 0). */
const penaltyOf = (reg: Regularization): ((p: Params) => Tensor) | undefined => {
  const terms = [
    ...((reg.l2 ?? 0) > 0 ? [(p: Params) => l2Penalty(p, reg.l2!)] : []),
    ...((reg.l1 ?? 0) > 0 ? [(p: Params) => l1Penalty(p, reg.l1!)] : []),
  ]
  return terms.length === 0 ? undefined : (p) => terms.map((t) => t(p)).reduce((a, b) => add(a, b))
}

/**
 * The training step graph of `nn`'s `trainStep` for `x: [batch, ...features]` and labels `y: [batch]`, with the
 * objective's loss and the regularization penalty (reported loss excludes the penalty). With `trainable`,
 * only the parameters it accepts are differentiated, updated and penalized (L1/L2 apply to trainable
 * parameters only); the others are frozen leaves copied through, and the optimizer state covers the
 * trainable ones only.
 * @example
 * import { buildStep, sequential, dense, sgd, adam, objectives } from 'kiln'
 * const s = buildStep(sequential(dense(3)), [4], 8, objectives.softmaxCrossEntropy, sgd(0.1), {})
 * s.outputs.length // 1 + 2
 * const head = buildStep(sequential(dense(5), dense(3)), [4], 8, objectives.softmaxCrossEntropy, adam(0.1), {}, (p) => p.startsWith('dense1.'))
 * head.optNames // ['adam.m.dense1.w', 'adam.m.dense1.b', 'adam.v.dense1.w', 'adam.v.dense1.b']
 */
export const buildStep = (
  model: Layer,
  featureShape: readonly number[],
  batch: number,
  objective: Objective,
  optimizer: Optimizer,
  reg: Regularization,
  trainable?: (path: string) => boolean,
): StepGraph => {
  const penalty = penaltyOf(reg)
  const step = trainStep({
    model,
    inputShape: [batch, ...featureShape],
    targetShape: [batch],
    loss: objective.loss,
    optimizer,
    ...(penalty === undefined ? {} : { penalty }),
    ...(trainable === undefined ? {} : { trainable }),
  })
  return {
    batch,
    outputs: step.outputs,
    paramNames: names(step.leaves.params),
    stateNames: names(step.leaves.state),
    optNames: names(step.leaves.optState),
  }
}

/** The symbolic evaluation pass: mean loss and predictions (evaluation mode: no dropout, running statistics). */
export interface EvalGraph {
  readonly batch: number
  readonly outputs: readonly [loss: Tensor, predictions: Tensor]
  /** The model's parameter and state leaves the outputs read (to bind trained values to). */
  readonly leaves: { readonly params: Params; readonly state: Params }
}

/**
 * Builds the evaluation graph for `batch` rows.
 * @example
 * import { buildEval, sequential, dense, objectives } from 'kiln'
 * buildEval(sequential(dense(3)), [4], 8, objectives.softmaxCrossEntropy).outputs[1].shape // [8, 3]
 */
export const buildEval = (model: Layer, featureShape: readonly number[], batch: number, objective: Objective): EvalGraph => {
  const leaves = modelLeaves(model, featureShape, batch)
  const x = input(leafNames.x, [batch, ...featureShape])
  const y = input(leafNames.y, [batch])
  const out = model.apply(leaves.params, x, { training: false, state: leaves.state }).y
  return { batch, outputs: [objective.loss(out, y), objective.predict(out)], leaves }
}

/**
 * The values of a tree in `flattenParams` order, with their leaf names.
 * @example
 * import { namedValues } from './step.js'
 * namedValues({ b: Float64Array.of(2), w: Float64Array.of(1) }, ['p0', 'p1']) // new Map([['p0', Float64Array.of(2)], ['p1', Float64Array.of(1)]])
 */
export const namedValues = (values: ParamValues, leafNamesInOrder: readonly string[]): Map<string, Float64Array> => {
  const flat = flattenParams(values).map(([, v]) => v)
  return new Map(leafNamesInOrder.map((n, i) => [n, flat[i]!]))
}

/**
 * Rebuilds a value tree from a template tree and values in `flattenParams` order.
 * @example
 * import { valuesLike } from './step.js'
 * valuesLike({ w: Float64Array.of(0, 0) }, [Float64Array.of(1, 2)]) // { w: Float64Array.of(1, 2) }
 */
export const valuesLike = (template: ParamValues, flat: readonly Float64Array[]): ParamValues =>
  unflatten(flattenParams(template).map(([p], i) => [p, flat[i]!] as const))

/**
 * Copies every leaf of a value tree (snapshots for early stopping).
 * @example
 * import { copyValues } from './step.js'
 * const v = { w: Float64Array.of(1, 2) }
 * const c = copyValues(v)
 * v.w[0] = 9
 * c // { w: Float64Array.of(1, 2) }
 */
export const copyValues = (v: ParamValues): ParamValues => mapParams(v, (a) => a.slice())

/**
 * The two uint32 words of a key, as float64 values for the `[2]` key input.
 * @example
 * import { key } from 'kiln'
 * import { keyWords } from './step.js'
 * const k = key(7)
 * keyWords(k) // Float64Array.of(k.k0 >>> 0, k.k1 >>> 0)
 */
export const keyWords = (k: Key): Float64Array => Float64Array.of(k.k0 >>> 0, k.k1 >>> 0)
