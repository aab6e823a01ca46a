/**
 * One protocol for running a model: a `StepGraph` takes its `inputs` (data, step counter, key) and its
 * `state` (parameters, layer state, optimizer state) by position and gives its `outputs` (the loss, then
 * the next state in the order of `state`, or the predictions). Names exist only at the edge: `pack` turns
 * value trees into state by position, `unpack` turns state back into trees, `feed` turns a named feed into
 * inputs. A training step is one expression graph: forward pass, loss, gradients and optimizer update;
 * `fit` runs it, and `evaluateModel` runs the evaluation graph, through one positional runner
 * (`src/run.ts`).
 *
 * Freezing (transfer learning): with a `trainable` filter, the gradient is taken with respect to the
 * trainable parameter leaves only, so the backward pass stops where nothing trainable lies behind it
 * (a frozen first layer costs no backward pass at all). A frozen parameter is still a leaf of the graph
 * (the forward pass reads it) and its next value is that leaf itself: fed back unchanged, bit for bit.
 * The optimizer (its state, weight decay, gradient clipping) and the penalty see the trainable parameters
 * only. Layer state (batch-norm running statistics) is updated in every layer, frozen or not: PyTorch's
 * behaviour for a frozen layer in train mode (Keras instead runs a frozen batch norm in inference mode).
 * @module
 */
import { add } from '../api.js'
import { grad } from '../grad.js'
import { topoSort } from '../graph.js'
import { input } from '../make.js'
import type { Layer } from '../nn/layer.js'
import { l1Penalty, l2Penalty } from '../nn/losses.js'
import { applyUpdates, type Optimizer } from '../nn/transform.js'
import { flattenParams, leafList, mapParams, packValues, readTree, unflatten, type ParamValues, type Params, type Tree } from '../nn/tree.js'
import { ArgumentError, checkOptionKinds, type OptionKinds } from '../options.js'
import type { StepGraph } from '../run.js'
import type { Key } from '../random/key.js'
import type { Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import type { Objective } from './objective.js'

/** What a training step is built from. */
export interface TrainStepConfig {
  readonly model: Layer
  /** Shape of one batch of inputs, `[batch, ...features]` (the input `x`). */
  readonly inputShape: Shape
  /** Shape of one batch of targets (the input `y`). */
  readonly targetShape: Shape
  /** The data loss of predictions and targets (a scalar). */
  readonly loss: (pred: Tensor, target: Tensor) => Tensor
  readonly optimizer: Optimizer
  /**
   * A term added to the objective only (e.g. `p => l2Penalty(p, 1e-4)`); the reported loss excludes it.
   * It receives the trainable parameters only (a frozen weight is not penalized).
   */
  readonly penalty?: (params: Params) => Tensor
  /** Which parameters train, by dotted path (default: all); the others are frozen. */
  readonly trainable?: (path: string) => boolean
}

/** The kind of each field of `TrainStepConfig`, checked (unknown keys too) before anything is built. */
const TRAIN_STEP_KINDS: OptionKinds<TrainStepConfig> = {
  model: 'object', inputShape: 'array', targetShape: 'array', loss: 'function', optimizer: 'object', penalty: 'function', trainable: 'function',
}

/** A training step's state as trees (the API edge). */
export interface TrainValues {
  readonly params: ParamValues
  readonly state: ParamValues
  readonly optState: ParamValues
}

/** A named feed for one step: data, the 0-based step number and (for dropout) a key. */
export interface StepFeed {
  readonly x: Float64Array | readonly number[]
  readonly y: Float64Array | readonly number[]
  readonly step: number
  readonly key?: Key
}

/**
 * A training step: inputs `[x, y, step, key]`, state `[...params, ...layer state, ...optimizer state]`
 * (each group in `flattenParams` order), outputs `[loss, ...next state]`.
 */
export interface TrainStep extends StepGraph {
  /** The state leaves as trees, and the data leaves by name (the API edge). */
  readonly leaves: { readonly x: Tensor; readonly y: Tensor; readonly step: Tensor; readonly key: Tensor; readonly params: Params; readonly state: Params; readonly optState: Params }
  /** The objective the gradient is taken of (loss + penalty). */
  readonly objective: Tensor
  /** The gradient of the objective for each trainable parameter (frozen ones have none), by path. */
  readonly grads: Params
  /** Initial values: model parameters and state from `key`, optimizer state from those. */
  readonly init: (key: Key) => TrainValues
  /** State by position from value trees, each checked against its leaf. */
  readonly pack: (values: TrainValues) => Float64Array[]
  /** Value trees from state by position (the views given, not copies). */
  readonly unpack: (state: readonly Float64Array[]) => TrainValues
  /** Inputs by position from a named feed; a model that draws random numbers needs `feed.key`. */
  readonly feed: (feed: StepFeed) => Float64Array[]
}

/**
 * Builds the training-step graph for a model, loss and optimizer.
 * @example
 * import { trainStep, runStep, sequential, dense, adam, meanSquaredError, key } from 'kiln'
 * const step = trainStep({ model: sequential(dense(1)), inputShape: [4, 2], targetShape: [4, 1], loss: meanSquaredError, optimizer: adam(0.1) })
 * let state = step.pack(step.init(key(0)))
 * const feed = { x: [1, 0, 0, 1, 1, 1, 0, 0], y: [1, 2, 3, 0] }
 * const losses: number[] = []
 * for (let t = 0; t < 30; t++) {
 *   const [loss, ...next] = runStep(step, step.feed({ ...feed, step: t }), state)
 *   losses.push(loss![0]!)
 *   state = next
 * }
 * losses[29]! < losses[0]! / 4 // true
 * Object.keys(step.unpack(state).params) // ['dense0']
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
  const [x, y, step, key] = [input('x', config.inputShape), input('y', config.targetShape), input('step', []), input('key', [2])]
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
  // A frozen parameter's next value is its own leaf: the step copies it through unchanged.
  const nextParams = mapParams(params, (p, path) => updated.get(path) ?? p)
  const groups = [params, leaves.state, optState] as const
  const sizes = groups.map((g) => leafList(g).length)
  const outputs = [loss, ...leafList(nextParams), ...leafList(out.state), ...leafList(upd.state)]
  // whether the graph reads the key, found on the first feed without one (fit never asks)
  let readsKey: boolean | undefined
  return {
    inputs: [x, y, step, key],
    state: groups.flatMap((g) => leafList(g)),
    outputs,
    leaves: { x, y, step, key, params, state: leaves.state, optState },
    objective,
    grads,
    init: (k) => {
      const v = model.init(k, config.inputShape)
      return { params: v.params, state: v.state, optState: optimizer.init(trainableOf(v.params, keep)) }
    },
    pack: (v) => [
      ...packValues(params, v.params, 'trainStep params'),
      ...packValues(leaves.state, v.state, 'trainStep state'),
      ...packValues(optState, v.optState, 'trainStep optimizer state'),
    ],
    unpack: (s) => {
      if (s.length !== sizes[0] + sizes[1] + sizes[2]) throw new ArgumentError('trainStep', 'state', `expected ${sizes[0] + sizes[1] + sizes[2]} arrays, got ${s.length}`)
      const a = sizes[0]
      const b = a + sizes[1]
      return { params: readTree(params, s.slice(0, a)), state: readTree(leaves.state, s.slice(a, b)), optState: readTree(optState, s.slice(b)) }
    },
    feed: (f) => {
      if (f.key === undefined && (readsKey ??= topoSort(outputs).includes(key))) throw new ArgumentError('trainStep', 'key', 'the model draws random numbers (dropout) in training; pass a fresh key in each feed')
      return [Float64Array.from(f.x), Float64Array.from(f.y), Float64Array.of(f.step), f.key === undefined ? new Float64Array(2) : Float64Array.of(f.key.k0 >>> 0, f.key.k1 >>> 0)]
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

/** Regularization added to the training objective only (metrics report the unregularized loss). */
export interface Regularization {
  readonly l2?: number
  readonly l1?: number
}

/** The regularization term of the training objective (none when both lambdas are 0). */
const penaltyOf = (reg: Regularization): ((p: Params) => Tensor) | undefined => {
  const terms = [
    ...((reg.l2 ?? 0) > 0 ? [(p: Params) => l2Penalty(p, reg.l2!)] : []),
    ...((reg.l1 ?? 0) > 0 ? [(p: Params) => l1Penalty(p, reg.l1!)] : []),
  ]
  return terms.length === 0 ? undefined : (p) => terms.map((t) => t(p)).reduce((a, b) => add(a, b))
}

/**
 * What `fit` trains with: the objective's loss on labels `[batch, ...targetShape]`, the optimizer,
 * regularization and freezing.
 */
export interface FitStepConfig {
  readonly model: Layer
  readonly featureShape: readonly number[]
  /** The shape of one row's targets (a data set's `targetShape`): `[]` (the default, labels `[batch]`) or `[k]`. */
  readonly targetShape?: readonly number[]
  readonly batch: number
  readonly objective: Objective
  readonly optimizer: Optimizer
  readonly regularization?: Regularization
  readonly trainable?: (path: string) => boolean
}

/**
 * The training step `fit` runs for `x: [batch, ...features]` and labels `y: [batch, ...targetShape]`
 * (L1/L2 apply to trainable parameters only; the reported loss excludes the penalty).
 * @example
 * import { fitStep, sequential, dense, adam, objectives } from 'kiln'
 * const s = fitStep({ model: sequential(dense(3)), featureShape: [4], batch: 8, objective: objectives.softmaxCrossEntropy, optimizer: adam(0.1) })
 * s.state.length // 6
 * s.outputs.length // 7
 * // three targets per row (multi-output regression): y is [8, 3]
 * fitStep({ model: sequential(dense(3)), featureShape: [4], targetShape: [3], batch: 8, objective: objectives.meanSquaredError, optimizer: adam(0.1) }).leaves.y.shape // [8, 3]
 */
export const fitStep = (c: FitStepConfig): TrainStep => {
  const penalty = penaltyOf(c.regularization ?? {})
  return trainStep({
    model: c.model,
    inputShape: [c.batch, ...c.featureShape],
    targetShape: [c.batch, ...(c.targetShape ?? [])],
    loss: c.objective.loss,
    optimizer: c.optimizer,
    ...(penalty === undefined ? {} : { penalty }),
    ...(c.trainable === undefined ? {} : { trainable: c.trainable }),
  })
}

/**
 * The evaluation pass: inputs `[x, y]`, state `[...params, ...layer state]`, outputs `[loss, predictions]`
 * (a prediction pass, `predictStep`: inputs `[x]`, outputs `[predictions]`).
 */
export interface EvalStep extends StepGraph {
  /** State by position from trained values, each checked against its leaf. */
  readonly pack: (values: { readonly params: ParamValues; readonly state: ParamValues }) => Float64Array[]
}

/** The model's parameter and state leaves, its input and its evaluation-mode output for `batch` rows. */
const evalPass = (model: Layer, featureShape: readonly number[], batch: number) => {
  const leaves = model.leaves([batch, ...featureShape])
  const x = input('x', [batch, ...featureShape])
  const out = model.apply(leaves.params, x, { training: false, state: leaves.state }).y
  const pack: EvalStep['pack'] = (v) => [...packValues(leaves.params, v.params, 'evaluateModel params'), ...packValues(leaves.state, v.state, 'evaluateModel state')]
  return { x, out, state: [...leafList(leaves.params), ...leafList(leaves.state)], pack }
}

/**
 * The evaluation graph for `batch` rows (evaluation mode: no dropout, batch norm's running statistics)
 * with labels `y: [batch, ...targetShape]` (`targetShape` `[]` by default: one label per row).
 * @example
 * import { evalStep, sequential, dense, objectives } from 'kiln'
 * evalStep(sequential(dense(3)), [4], 8, objectives.softmaxCrossEntropy).outputs[1]!.shape // [8, 3]
 * evalStep(sequential(dense(3)), [4], 8, objectives.binaryCrossEntropyWithLogits, [3]).inputs[1]!.shape // [8, 3]
 */
export const evalStep = (model: Layer, featureShape: readonly number[], batch: number, objective: Objective, targetShape: readonly number[] = []): EvalStep => {
  const { x, out, state, pack } = evalPass(model, featureShape, batch)
  const y = input('y', [batch, ...targetShape])
  return { inputs: [x, y], state, outputs: [objective.loss(out, y), objective.predict(out)], pack }
}

/**
 * The prediction graph for `batch` rows: `evalStep` without labels or loss (inputs `[x]`, outputs
 * `[predictions]`), so predicting reads no targets and needs no target shape.
 * @example
 * import { sequential, dense, objectives } from 'kiln'
 * import { predictStep } from './step.js'
 * predictStep(sequential(dense(3)), [4], 8, objectives.binaryCrossEntropyWithLogits).outputs[0]!.shape // [8, 3]
 */
export const predictStep = (model: Layer, featureShape: readonly number[], batch: number, objective: Objective): EvalStep => {
  const { x, out, state, pack } = evalPass(model, featureShape, batch)
  return { inputs: [x], state, outputs: [objective.predict(out)], pack }
}

/**
 * Copies every leaf of a value tree (snapshots for early stopping).
 * @example
 * import { copyValues } from 'kiln'
 * const v = { w: Float64Array.of(1, 2) }
 * const c = copyValues(v)
 * v.w[0] = 9
 * c // { w: Float64Array.of(1, 2) }
 */
export const copyValues = (v: ParamValues): ParamValues => mapParams(v, (a) => a.slice())
