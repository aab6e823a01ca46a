/**
 * A whole training step as one expression graph: forward pass, loss, gradients, optimizer update.
 * Its outputs are the loss, the new parameters, the new model state and the new optimizer state, in
 * `flattenParams` order; its leaves are the data, the step counter, the dropout key and the old values.
 * Evaluate it (or compile it) once per step and feed the outputs back.
 *
 * Freezing (transfer learning): with a `trainable` filter, the gradient is taken with respect to the
 * trainable parameter leaves only, so the backward pass stops where nothing trainable lies behind it
 * (a frozen first layer costs no backward pass at all). A frozen parameter is still a leaf of the graph
 * (the forward pass reads it) and its "new value" output is that leaf itself: fed back unchanged, bit for
 * bit. The optimizer (its state, weight decay, gradient clipping) and the penalty see the trainable
 * parameters only. Layer state (batch-norm running statistics) is updated in every layer, frozen or not:
 * PyTorch's behaviour for a frozen layer in train mode (Keras instead runs a frozen batch norm in
 * inference mode).
 * @module
 */
import { leavesOf, topoSort, type Bindings } from '../graph.js'
import { grad } from '../grad.js'
import type { Key } from '../random/key.js'
import type { Shape } from '../shape.js'
import { add } from '../api.js'
import { ArgumentError, checkOptionKinds, type OptionKinds } from '../options.js'
import { type Tensor } from '../tensor.js'
import { input } from '../make.js'
import type { Layer } from './layer.js'
import type { Optimizer } from './transform.js'
import { applyUpdates } from './transform.js'
import { bindValues, leafList, mapParams, readTree, unflatten, flattenParams, type ParamValues, type Params, type Tree } from './tree.js'

/** What a training step is built from. */
export interface TrainStepConfig {
  readonly model: Layer
  /** Shape of one batch of inputs, `[batch, ...features]` (fed as the input `x`). */
  readonly inputShape: Shape
  /** Shape of one batch of targets (fed as the input `y`). */
  readonly targetShape: Shape
  /** The data loss of predictions and targets (a scalar). */
  readonly loss: (pred: Tensor, target: Tensor) => Tensor
  readonly optimizer: Optimizer
  /**
   * A term added to the objective only (e.g. `p => l2Penalty(p, 1e-4)`); the reported loss excludes it.
   * It receives the trainable parameters only (a frozen weight is not penalized).
   */
  readonly penalty?: (params: Params) => Tensor
  /**
   * Which parameters train, by dotted path (default: all). The others are frozen: no gradient, no
   * optimizer state, returned unchanged.
   */
  readonly trainable?: (path: string) => boolean
}

/** The kind of each field of `TrainStepConfig`, checked (unknown keys too) before anything is built. */
const TRAIN_STEP_KINDS: OptionKinds<TrainStepConfig> = {
  model: 'object', inputShape: 'array', targetShape: 'array', loss: 'function', optimizer: 'object', penalty: 'function', trainable: 'function',
}

/** The values one step reads. */
export interface TrainValues {
  readonly params: ParamValues
  readonly state: ParamValues
  readonly optState: ParamValues
}

/** Feeds for one step: data, the 0-based step number and (for dropout) a key. */
export interface StepFeed {
  readonly x: Float64Array | readonly number[]
  readonly y: Float64Array | readonly number[]
  readonly step: number
  readonly key?: Key
}

/** A built training step. */
export interface TrainStep {
  /** `[loss, ...new params, ...new model state, ...new optimizer state]`. */
  readonly outputs: readonly Tensor[]
  /** The leaves: data `x`, `y`, the `step` scalar, the `key` words and the old values. */
  readonly leaves: { readonly x: Tensor; readonly y: Tensor; readonly step: Tensor; readonly key: Tensor; readonly params: Params; readonly state: Params; readonly optState: Params }
  /** The objective the gradient is taken of (loss + penalty). */
  readonly objective: Tensor
  /** The gradient of the objective for each trainable parameter (frozen ones have none), by path. */
  readonly grads: Params
  /** Initial values: model parameters and state from `key`, optimizer state from those. */
  readonly init: (key: Key) => TrainValues
  /** Bindings for one step. */
  readonly bind: (values: TrainValues, feed: StepFeed) => Bindings
  /** The loss and the next values from the evaluated outputs. */
  readonly read: (outputs: readonly Float64Array[]) => TrainValues & { readonly loss: number }
}

/**
 * Builds the training-step graph for a model, loss and optimizer.
 * @example
 * import { trainStep, sequential, dense, adam, meanSquaredError, evaluate, key } from 'kiln'
 * const step = trainStep({ model: sequential(dense(1)), inputShape: [4, 2], targetShape: [4, 1], loss: meanSquaredError, optimizer: adam(0.1) })
 * const v0 = step.init(key(0))
 * const feed = { x: [1, 0, 0, 1, 1, 1, 0, 0], y: [1, 2, 3, 0], step: 0 }
 * const out = step.read(evaluate(step.outputs, step.bind(v0, feed)))
 * out.loss > 0 // true
 * // freezing: only `dense1` is differentiated and updated; `dense0.w` comes back as its own leaf
 * const head = trainStep({ model: sequential(dense(3), dense(1)), inputShape: [4, 2], targetShape: [4, 1], loss: meanSquaredError, optimizer: adam(0.1), trainable: (p) => p.startsWith('dense1.') })
 * Object.keys(head.grads) // ['dense1']
 * head.outputs[1] === head.leaves.params.dense0.w // true
 */
export const trainStep = (config: TrainStepConfig): TrainStep => {
  checkOptionKinds('trainStep', config, TRAIN_STEP_KINDS)
  for (const k of ['model', 'inputShape', 'targetShape', 'loss', 'optimizer'] as const)
    if (config[k] === undefined) throw new ArgumentError('trainStep', k, 'missing; it is required')
  const { model, optimizer } = config
  const x = input('x', config.inputShape)
  const y = input('y', config.targetShape)
  const step = input('step', [])
  const key = input('key', [2])
  const leaves = model.leaves(config.inputShape)
  const params = leaves.params
  const keep = config.trainable ?? (() => true)
  const trained = trainableOf(params, keep)
  const optState = optimizer.stateLeaves(trained)
  const out = model.apply(params, x, { training: true, key, state: leaves.state })
  const loss = config.loss(out.y, y)
  const objective = config.penalty === undefined ? loss : add(loss, config.penalty(trained))
  const gList = grad(objective, leafList(trained))
  const grads = unflatten(flattenParams(trained).map(([path], i) => [path, gList[i]!] as const))
  const upd = optimizer.update(grads, optState, trained, step)
  const updated = new Map(flattenParams(applyUpdates(trained, upd.updates)))
  // A frozen parameter's output is its own leaf: the step copies it through unchanged.
  const nextParams = mapParams(params, (p, path) => updated.get(path) ?? p)
  const next = { params: nextParams, state: out.state, optState: upd.state }
  const outputs = [loss, ...leafList(next.params), ...leafList(next.state), ...leafList(next.optState)]
  // a leaf the graph does not read (the key without dropout, the step with a constant rate) is not bound
  const used = new Set(leavesOf(topoSort(outputs), 'trainStep').keys())
  const counts = [1, leafList(params).length, leafList(next.state).length, leafList(next.optState).length] as const
  return {
    outputs,
    leaves: { x, y, step, key, params, state: leaves.state, optState },
    objective,
    grads,
    init: (k) => {
      const v = model.init(k, config.inputShape)
      return { params: v.params, state: v.state, optState: optimizer.init(trainableOf(v.params, keep)) }
    },
    bind: (v, feed) => {
      if (feed.key === undefined && used.has('key')) throw new Error('trainStep: the model draws random numbers (dropout) in training; pass a fresh key in each feed')
      const all: Bindings = {
        ...bindValues(params, v.params, 'trainStep params'),
        ...bindValues(leaves.state, v.state, 'trainStep state'),
        ...bindValues(optState, v.optState, 'trainStep optimizer state'),
        x: feed.x,
        y: feed.y,
        step: feed.step,
        key: feed.key === undefined ? [0, 0] : [feed.key.k0, feed.key.k1],
      }
      return Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name)))
    },
    read: (o) => {
      const a = counts[0] + counts[1]
      const b = a + counts[2]
      return {
        loss: o[0]![0]!,
        params: readTree(next.params, o.slice(1, a)),
        state: readTree(next.state, o.slice(a, b)),
        optState: readTree(next.optState, o.slice(b)),
      }
    },
  }
}

/**
 * The subtree of the leaves whose dotted path passes `trainable` (what the optimizer sees when some
 * parameters are frozen); an empty record when none does.
 * @example
 * import { trainableOf } from 'kiln'
 * trainableOf({ dense0: { w: 1, b: 2 }, dense2: { w: 3 } }, (path: string) => !path.startsWith('dense0.')) // { dense2: { w: 3 } }
 */
export const trainableOf = <L>(tree: Tree<L>, trainable: (path: string) => boolean): Tree<L> =>
  unflatten(flattenParams(tree).filter(([path]) => trainable(path)))
