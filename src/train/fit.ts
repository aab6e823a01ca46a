/**
 * `fit`: mini-batch training with any optimizer, a dev set evaluated each epoch, early stopping,
 * callbacks and progress. The whole step (forward, loss, gradients, update) is one compiled executable
 * writing into buffers allocated once; parameters and state swap between two buffer sets.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { featureCount, type Dataset } from '../data/dataset.js'
import type { Layer } from '../nn/layer.js'
import type { Optimizer } from '../nn/transform.js'
import { trainableOf } from '../nn/train.js'
import { bindValues, flattenParams, zipParams, type ParamValues } from '../nn/tree.js'
import { foldIn, type Key } from '../random/key.js'
import { permutation } from '../random/sample.js'
import { progressBar, type ProgressStream } from '../report/progress.js'
import { objectiveOf, type Objective, type ObjectiveName } from './objective.js'
import { evaluateModel, type Trained } from './predict.js'
import { runnerFor, type Engine, type Runner } from './runner.js'
import { buildStep, copyValues, leafNames, valuesLike, type Regularization, type StepGraph } from './step.js'
import { frozenBy, type Freeze } from './transfer.js'
import { checkBinary, checkData, checkFreeze, checkOutput, checkSchedule, checkTraining, fitError, type FitError } from './validate.js'

/** One epoch of the history. Dev fields are NaN without a dev set; accuracy is NaN for regression. */
export interface EpochRecord {
  readonly epoch: number
  readonly trainLoss: number
  readonly devLoss: number
  readonly devAccuracy: number
  readonly seconds: number
}

/** Early stopping on the dev loss: stop after `patience` epochs without improvement by `minDelta`. */
export interface EarlyStopping {
  readonly patience: number
  readonly minDelta?: number
  /** Return the parameters of the best epoch (default true). */
  readonly restoreBest?: boolean
}

/** Options of `fit`. */
export interface FitOptions {
  readonly epochs: number
  /** Rows per step: `n` is batch gradient descent, 1 is stochastic. */
  readonly batchSize: number
  readonly optimizer: Optimizer
  /** Objective by name or a custom `Objective` (default softmax cross-entropy). */
  readonly loss?: ObjectiveName | Objective
  /** Initialization, shuffling and dropout all derive from this key. */
  readonly key: Key
  readonly dev?: Dataset
  readonly regularization?: Regularization
  readonly earlyStopping?: EarlyStopping
  /** Shuffle the training rows every epoch (default true). */
  readonly shuffle?: boolean
  /** Called after every epoch; returning `'stop'` ends training. */
  readonly onEpochEnd?: (record: EpochRecord, history: readonly EpochRecord[]) => void | 'stop'
  /** Progress output: `true` (stdout), `false`, or a stream (default: false). */
  readonly progress?: boolean | ProgressStream
  /** Initial values (transfer learning, warm starts) instead of the model's initializers. */
  readonly initial?: { readonly params: ParamValues; readonly state?: ParamValues }
  /**
   * Parameters not trained (transfer learning): dotted paths or prefixes of whole subtrees
   * (`['dense0', 'dense2']`), or a test on each path returning true for frozen ones. Frozen values come
   * back bit-identical; no gradient is computed for them; the optimizer state, weight decay and the
   * L1/L2 penalty cover the trainable parameters only. Layer state keeps updating in frozen layers
   * (batch-norm running statistics follow the new data, as in PyTorch's train mode). A path naming no
   * parameter, or freezing every parameter, is a `Left`.
   */
  readonly freeze?: Freeze
  /** Default `'compiled'`; `'interpreter'` runs the reference interpreter (slow; for checking). */
  readonly engine?: Engine
}

/** The result of `fit`: the trained model and its history. */
export interface FitResult extends Trained {
  readonly history: readonly EpochRecord[]
  /** The epoch whose parameters were returned (the best one when restoring). */
  readonly bestEpoch: number
  readonly stoppedEarly: boolean
}

interface Step {
  readonly runner: Runner
  readonly batch: number
  readonly leafOrder: readonly string[]
  readonly paramCount: number
  readonly stateCount: number
}

/**
 * Trains `model` on `train`. Every problem with the data or options is a `Left` before training starts.
 * @example
 * import { fit, sequential, dense, layers, adam, key, flower } from 'kiln'
 * const data = flower(key(1), 100)
 * const r = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0) })
 * r._tag === 'Right' && r.right.history.length // 2
 */
export const fit = (model: Layer, train: Dataset, options: FitOptions): E.Either<FitError, FitResult> => {
  const setup = prepare(model, train, options)
  return E.isLeft(setup) ? setup : E.right(run(setup.right))
}

interface Setup {
  readonly model: Layer
  readonly train: Dataset
  readonly options: FitOptions
  readonly objective: Objective
  readonly classes: number | undefined
  readonly params: ParamValues
  readonly state: ParamValues
  /** The step graphs of full batches and of the remainder batch (when `n % batchSize > 0`). */
  readonly graphs: { readonly full: StepGraph; readonly rest: StepGraph | undefined }
  /** The first buffer set: parameters, layer state and optimizer state by graph leaf name. */
  readonly initialValues: ReadonlyMap<string, Float64Array>
}

const prepare = (model: Layer, train: Dataset, options: FitOptions): E.Either<FitError, Setup> => {
  let objective: Objective
  try {
    objective = objectiveOf(options.loss ?? 'softmaxCrossEntropy')
  } catch (e) {
    return E.left(fitError('loss', (e as Error).message.replace(/^fit: /, '')))
  }
  const classes = objective.classification ? Math.max(train.classes.length, 2) : undefined
  if (objective.classification && train.classes.length === 0) return E.left(fitError('train', `${objective.name} needs a classification data set (one with classes)`))
  const problem =
    checkBinary(objective, train.classes) ??
    checkSchedule(train.n, options.batchSize, options.epochs) ??
    checkTraining(options.regularization, options.earlyStopping) ??
    checkData(train, 'train', objective, classes) ??
    (options.dev === undefined ? undefined : checkData(options.dev, 'dev', objective, classes))
  if (problem !== undefined) return E.left(problem)
  if (options.dev !== undefined && featureCount(options.dev) !== featureCount(train))
    return E.left(fitError('dev', `the dev set has ${featureCount(options.dev)} features per row, the training set ${featureCount(train)}`))
  const frozen = options.freeze === undefined ? undefined : frozenBy(options.freeze)
  const trainable = frozen === undefined ? undefined : (path: string) => !frozen(path)
  let init: { readonly params: ParamValues; readonly state: ParamValues }
  let full: StepGraph
  try {
    const spec = model.spec([options.batchSize, ...train.featureShape])
    const bad = checkOutput(spec.outputShape, options.batchSize, objective, classes) ?? checkFreeze(options.freeze, flattenParams(spec.params).map(([p]) => p))
    if (bad !== undefined) return E.left(bad)
    init = model.init(foldIn(options.key, 0), [options.batchSize, ...train.featureShape])
    full = buildStep(model, train.featureShape, options.batchSize, objective, options.optimizer, options.regularization ?? {}, trainable)
  } catch (e) {
    return E.left(fitError('model', (e as Error).message))
  }
  const remainder = train.n % options.batchSize
  let rest: StepGraph | undefined
  try {
    rest = remainder === 0 ? undefined : buildStep(model, train.featureShape, remainder, objective, options.optimizer, options.regularization ?? {}, trainable)
  } catch (e) {
    // Layers such as batchNorm cannot train on a one-row batch: say where that batch comes from.
    return E.left(fitError('batchSize', `the last batch of each epoch has ${remainder} row(s) (${train.n} rows, batchSize ${options.batchSize}) and the model cannot train on it: ${(e as Error).message}`))
  }
  let params: ParamValues
  let state: ParamValues
  try {
    params = like('params', init.params, options.initial?.params)
    state = like('state', init.state, options.initial?.state)
  } catch (e) {
    return E.left(fitError('initial', (e as Error).message.replace(/^fit: /, '')))
  }
  try {
    // Every starting buffer by its leaf name, as the step graph names it: no reliance on key order, and
    // optimizer slots copied so no two leaves share a buffer (outputs are written into the other buffer set).
    const leaves = model.leaves([options.batchSize, ...train.featureShape])
    const keep = trainable ?? (() => true)
    const bound = {
      ...bindValues(leaves.params, params, 'fit params'),
      ...bindValues(leaves.state, state, 'fit state'),
      ...bindValues(options.optimizer.stateLeaves(trainableOf(leaves.params, keep)), copyValues(options.optimizer.init(trainableOf(params, keep))), 'fit: optimizer.init'),
    }
    return E.right({ model, train, options, objective, classes, params, state, graphs: { full, rest }, initialValues: new Map(Object.entries(bound)) })
  } catch (e) {
    return E.left(fitError('optimizer', `${options.optimizer.name}: ${(e as Error).message.replace(/^fit: /, '')}`))
  }
}

/** A copy of the caller's initial values in the model's own key order; a missing, extra or wrongly sized entry throws. */
const like = (part: 'params' | 'state', template: ParamValues, given: ParamValues | undefined): ParamValues =>
  given === undefined
    ? copyValues(template)
    : zipParams(template, given, (t, v, path) => {
        if (!(v instanceof Float64Array) || v.length !== t.length)
          throw new RangeError(`fit: initial.${part} '${path}' has ${v instanceof Float64Array ? `${v.length} values` : 'no Float64Array'}, the model needs ${t.length}`)
        return v.slice()
      }, `fit: initial.${part}`)

const run = (s: Setup): FitResult => {
  const { model, train, options, objective } = s
  const engine = options.engine ?? 'compiled'
  const f = featureCount(train)
  const B = options.batchSize
  const makeStep = (g: StepGraph): Step =>
    ({ runner: runnerFor(g.outputs, engine), batch: g.batch, leafOrder: [...g.paramNames, ...g.stateNames, ...g.optNames], paramCount: g.paramNames.length, stateCount: g.stateNames.length })
  const full = makeStep(s.graphs.full)
  const rest = s.graphs.rest && makeStep(s.graphs.rest)
  const { leafOrder, paramCount, stateCount } = full
  // Two buffer sets for parameters, layer state and optimizer state: a step reads one and writes the other.
  let cur: Float64Array[] = leafOrder.map((n) => {
    const v = s.initialValues.get(n)
    if (v === undefined) throw new Error(`fit: the step graph reads '${n}', which has no initial value (internal invariant broken)`)
    return v
  })
  let next: Float64Array[] = cur.map((v) => new Float64Array(v.length))
  const xs = [new Float64Array(B * f), rest && new Float64Array(rest.batch * f)]
  const ys = [new Float64Array(B), rest && new Float64Array(rest.batch)]
  const stepBuf = new Float64Array(1)
  const keyBuf = new Float64Array(2)
  const lossBuf = new Float64Array(1)
  const bindings: Record<string, Float64Array> = {}
  if (full.runner.leaves.has(leafNames.step)) bindings[leafNames.step] = stepBuf
  // Only a model that draws random numbers (dropout) reads the key: derive one per step just then.
  const usesKey = full.runner.leaves.has(leafNames.key)
  if (usesKey) bindings[leafNames.key] = keyBuf
  const bindState = () => leafOrder.forEach((n, i) => (bindings[n] = cur[i]!))
  const snapshot = () => ({ params: valuesLike(s.params, cur.slice(0, paramCount)), state: valuesLike(s.state, cur.slice(paramCount, paramCount + stateCount)) })
  const batches = Math.ceil(train.n / B)
  const bar = options.progress === undefined || options.progress === false ? undefined : progressBar({ stream: options.progress === true ? process.stdout : options.progress, label: 'fit', metricName: objective.classification ? 'dev acc' : 'dev loss' })
  const history: EpochRecord[] = []
  const devMetric = (r: EpochRecord | undefined) =>
    r === undefined || options.dev === undefined ? {} : { devMetric: objective.classification ? r.devAccuracy : r.devLoss }
  const trainedAt = (v: { params: ParamValues; state: ParamValues }): Trained => ({
    model, featureShape: train.featureShape, objective, classes: train.classes, params: v.params, state: v.state, engine,
  })
  let best = { loss: Infinity, epoch: 0, values: copySnapshot(snapshot()) }
  let stoppedEarly = false
  let stepCount = 0
  const dropoutKey = foldIn(options.key, 2)
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const t0 = Date.now()
    const order = options.shuffle === false ? Int32Array.from({ length: train.n }, (_, i) => i) : permutation(foldIn(foldIn(options.key, 1), epoch), train.n)
    let lossSum = 0
    for (let b = 0; b < batches; b++) {
      const start = b * B
      const size = Math.min(B, train.n - start)
      const which = size === B ? 0 : 1
      const step = which === 0 ? full : rest!
      const x = xs[which]!
      const y = ys[which]!
      for (let r = 0; r < size; r++) {
        const i = order[start + r]!
        x.set(train.x.subarray(i * f, (i + 1) * f), r * f)
        y[r] = train.y[i]!
      }
      bindings[leafNames.x] = x
      bindings[leafNames.y] = y
      stepBuf[0] = stepCount
      if (usesKey) {
        const k = foldIn(dropoutKey, stepCount)
        keyBuf[0] = k.k0
        keyBuf[1] = k.k1
      }
      bindState()
      step.runner.runInto(bindings, [lossBuf, ...next])
      ;[cur, next] = [next, cur]
      stepCount++
      lossSum += lossBuf[0]! * size
      // The epoch-end update waits for this epoch's dev evaluation, so the epoch's line shows its own dev metric.
      if (b < batches - 1) bar?.update({ epoch, epochs: options.epochs, batch: b + 1, batches, loss: lossSum / (start + size), ...devMetric(history.at(-1)) })
    }
    const devEval = options.dev === undefined ? undefined : evaluateModel(trainedAt(snapshot()), options.dev)
    const record: EpochRecord = {
      epoch,
      trainLoss: lossSum / train.n,
      devLoss: devEval?.loss ?? NaN,
      devAccuracy: devEval?.accuracy ?? NaN,
      seconds: (Date.now() - t0) / 1000,
    }
    history.push(record)
    bar?.update({ epoch, epochs: options.epochs, batch: batches, batches, loss: record.trainLoss, ...devMetric(record) })
    const monitored = options.dev === undefined ? record.trainLoss : record.devLoss
    if (monitored < best.loss - (options.earlyStopping?.minDelta ?? 0)) best = { loss: monitored, epoch, values: options.earlyStopping ? copySnapshot(snapshot()) : best.values }
    const verdict = options.onEpochEnd?.(record, history.slice())
    if (verdict === 'stop') break
    if (options.earlyStopping !== undefined && epoch - best.epoch >= options.earlyStopping.patience) {
      // Running out of patience on the last epoch cuts nothing short.
      stoppedEarly = epoch < options.epochs
      break
    }
  }
  bar?.done()
  const restore = options.earlyStopping !== undefined && (options.earlyStopping.restoreBest ?? true) && best.epoch > 0
  const final = restore ? best.values : snapshot()
  return { ...trainedAt(final), history, bestEpoch: restore ? best.epoch : history.length, stoppedEarly }
}

const copySnapshot = (v: { params: ParamValues; state: ParamValues }) => ({ params: copyValues(v.params), state: copyValues(v.state) })
