/**
 * The training step and the evaluation pass as graphs: forward, loss, gradients and optimizer update in
 * one expression graph, compiled once per batch size. Parameters, optimizer state and layer state are
 * leaves fed each step; their new values are outputs.
 * @module
 */
import { add } from '../api.js'
import { grad } from '../grad.js'
import type { Key } from '../random/key.js'
import type { Layer } from '../nn/layer.js'
import { l1Penalty, l2Penalty } from '../nn/losses.js'
import { applyUpdates, type Optimizer } from '../nn/transform.js'
import { leafList, mapParams, unflatten, flattenParams, type ParamValues, type Params } from '../nn/tree.js'
import { input, type Tensor } from '../tensor.js'
import type { Objective } from './objective.js'

/** Regularization added to the training objective only (metrics report the unregularized loss). */
export interface Regularization {
  readonly l2?: number
  readonly l1?: number
}

/** The symbolic training step for one batch size, with the order of its outputs. */
export interface StepGraph {
  readonly batch: number
  /** Outputs: `[dataLoss, ...newParams, ...newOptState, ...newLayerState]`, each group in `flattenParams` order. */
  readonly outputs: readonly Tensor[]
  readonly paramNames: readonly string[]
  readonly optNames: readonly string[]
  readonly stateNames: readonly string[]
}

/** Leaf names of the data, step counter and key fed to every step. */
export const leafNames = { x: 'x', y: 'y', step: 'step', key: 'key' } as const

const names = (t: Params): string[] => leafList(t).map((l) => (l.attrs as { name: string }).name)

/** The model's symbolic parameters and layer state for a batch of `batch` rows. */
export const modelLeaves = (model: Layer, featureShape: readonly number[], batch: number) =>
  model.leaves([batch, ...featureShape])

/**
 * Builds the training step graph: `x: [batch, ...features]`, labels `y: [batch]`, a `[2]` dropout key and
 * the scalar step counter are inputs.
 * @example
 * import { buildStep, sequential, dense, sgd, objectives } from 'kiln'
 * const s = buildStep(sequential(dense(3)), [4], 8, objectives.softmaxCrossEntropy, sgd(0.1), {})
 * s.outputs.length // 1 + 2
 */
export const buildStep = (
  model: Layer,
  featureShape: readonly number[],
  batch: number,
  objective: Objective,
  optimizer: Optimizer,
  reg: Regularization,
): StepGraph => {
  const leaves = modelLeaves(model, featureShape, batch)
  const x = input(leafNames.x, [batch, ...featureShape])
  const y = input(leafNames.y, [batch])
  const step = input(leafNames.step, [])
  const keyT = input(leafNames.key, [2])
  const applied = model.apply(leaves.params, x, { training: true, key: keyT, state: leaves.state })
  const dataLoss = objective.loss(applied.y, y)
  let total: Tensor = dataLoss
  if ((reg.l2 ?? 0) > 0) total = add(total, l2Penalty(leaves.params, reg.l2!))
  if ((reg.l1 ?? 0) > 0) total = add(total, l1Penalty(leaves.params, reg.l1!))
  const gs = grad(total, leafList(leaves.params))
  const grads = unflatten(flattenParams(leaves.params).map(([p], i) => [p, gs[i]!] as const))
  const optLeaves = optimizer.stateLeaves(leaves.params)
  const upd = optimizer.update(grads as Params, optLeaves, leaves.params, step)
  const newParams = applyUpdates(leaves.params, upd.updates)
  return {
    batch,
    outputs: [dataLoss, ...leafList(newParams), ...leafList(upd.state), ...leafList(applied.state)],
    paramNames: names(leaves.params),
    optNames: names(optLeaves),
    stateNames: names(leaves.state),
  }
}

/** The symbolic evaluation pass: mean loss and predictions (evaluation mode: no dropout, running statistics). */
export interface EvalGraph {
  readonly batch: number
  readonly outputs: readonly [loss: Tensor, predictions: Tensor]
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
  return { batch, outputs: [objective.loss(out, y), objective.predict(out)] }
}

/** The values of a tree in `flattenParams` order, with their leaf names. */
export const namedValues = (values: ParamValues, leafNamesInOrder: readonly string[]): Map<string, Float64Array> => {
  const flat = flattenParams(values).map(([, v]) => v)
  return new Map(leafNamesInOrder.map((n, i) => [n, flat[i]!]))
}

/** Rebuilds a value tree from a template tree and values in `flattenParams` order. */
export const valuesLike = (template: ParamValues, flat: readonly Float64Array[]): ParamValues =>
  unflatten(flattenParams(template).map(([p], i) => [p, flat[i]!] as const))

/** Copies every leaf of a value tree (snapshots for early stopping). */
export const copyValues = (v: ParamValues): ParamValues => mapParams(v, (a) => a.slice())

/** The two uint32 words of a key, as float64 values for the `[2]` key input. */
export const keyWords = (k: Key): Float64Array => Float64Array.of(k.k0 >>> 0, k.k1 >>> 0)
