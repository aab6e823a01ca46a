/**
 * The training loop shared by `fit` and `fitAsync`: `prepareFit` checks everything and builds the step
 * graphs; `trainLoop` is a generator that trains one batch per `next()` and yields where it is, so the
 * synchronous driver runs it to completion in one go and the asynchronous one awaits between batches.
 * Both drivers therefore run the same arithmetic in the same order and return bit-identical results.
 * On an asynchronous engine (ONNX Runtime) each step's loss is a promise the loop yields as `Pending`
 * for the asynchronous driver to settle; the buffers and the step machine are in machine.ts.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { featureCount, type Dataset } from '../data/dataset.js'
import { evaluate } from '../evaluate.js'
import { scalar } from '../make.js'
import { lrAt } from '../nn/schedules.js'
import type { OptionTable } from '../options.js'
import type { Key } from '../random/key.js'
import { gradientNorms, type GradientNorms } from './gradnorms.js'
import { logitsProblem } from './logits.js'
import type { Layer } from '../nn/layer.js'
import { flattenParams, zipParams, type ParamValues } from '../nn/tree.js'
import { foldIn } from '../random/key.js'
import { permutation } from '../random/sample.js'
import { progressBar, progressCallback, type ProgressBar } from '../report/progress.js'
import type { FitResult, FitSummary } from './fit.js'
import { checkFitOptions, checkModelAndData, FIT_OPTIONS, type EpochRecord, type FitOptions, type StepRecord } from './fitOptions.js'
import { objectiveOf, type Objective } from './objective.js'
import { evaluateModel, type Trained } from './predict.js'
import { isAsyncEngine, type Engine } from '../run.js'
import { machineFor, syncRunners, type Machine, type Runners, type Values } from './machine.js'
import { copyValues, fitStep, trainableOf, type TrainStep } from './step.js'
import { keyWords, resumeProblem, type TrainingState } from './checkpoint.js'
import { frozenBy } from './transfer.js'
import { checkBinary, checkData, checkFreeze, checkOutput, checkSchedule, checkTraining, fitError, type FitError } from './validate.js'

/** Everything `trainLoop` needs, checked and built by {@link prepareFit}. */
export interface FitSetup {
  readonly model: Layer
  readonly train: Dataset
  readonly options: FitOptions
  readonly objective: Objective
  readonly classes: number | undefined
  readonly params: ParamValues
  readonly state: ParamValues
  /** The training steps of full batches and of the remainder batch (when `n % batchSize > 0`); one state layout. */
  readonly graphs: { readonly full: TrainStep; readonly rest: TrainStep | undefined }
  /** The first state: parameters, layer state and optimizer state by position (the steps' `state`). */
  readonly initialState: readonly Float64Array[]
}

/**
 * Where `trainLoop` is when it yields: `batch` batches of epoch `epoch` are done. The yield after an
 * epoch's last batch comes after that epoch's dev evaluation, history record and `onEpochEnd` call.
 */
export interface YieldPoint {
  readonly epoch: number
  readonly epochs: number
  readonly batch: number
  readonly batches: number
}

/**
 * What `trainLoop` yields while a step runs on an asynchronous engine: the driver resumes the loop with
 * the promise's value (`fitAsync` does; `fit` never meets one, it refuses such engines first).
 */
export interface Pending {
  readonly _tag: 'Pending'
  readonly promise: Promise<number>
}

/** The value of a step's loss, waited for through the driver when it is a promise. */
function* settle(v: number | Promise<number>): Generator<Pending, number, unknown> {
  if (typeof v === 'number') return v
  const got = yield { _tag: 'Pending', promise: v }
  if (typeof got !== 'number') throw new Error('internal: trainLoop resumed without the pending step\'s loss')
  return got
}

/** The engine of the `Trained` values a run hands out: Kiln's own (compiled) when the steps ran on an asynchronous one. */
const ownEngine = (s: FitSetup): Engine => {
  const e = s.options.engine ?? 'compiled'
  return isAsyncEngine(e) ? 'compiled' : e
}

/**
 * Checks the data and options of `fit` and builds its step graphs; every problem is a `Left`.
 * @example
 * import { sequential, dense, layers, adam, key, flower } from 'kiln'
 * import { prepareFit } from './loop.js'
 * const model = sequential(dense(4), layers.tanh(), dense(2))
 * prepareFit(model, flower(key(1), 100), { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0) })._tag // 'Right'
 * const bad = prepareFit(model, flower(key(1), 100), { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0), progress: 'yes' as never })
 * bad._tag === 'Left' && bad.left.field // 'progress'
 */
export const prepareFit = (model: Layer, train: Dataset, options: FitOptions, table: OptionTable = FIT_OPTIONS): E.Either<FitError, FitSetup> => {
  // Every option's key and type first: nothing below reads a value these checks have not vetted.
  const invalid = checkModelAndData(model, train) ?? checkFitOptions(options, table)
  if (invalid !== undefined) return E.left(invalid)
  let objective: Objective
  try {
    objective = objectiveOf(options.loss ?? 'softmaxCrossEntropy')
  } catch (e) {
    return E.left(fitError('loss', (e as Error).message.replace(/^fit: /, '')))
  }
  const logits = options.checkLogits === false ? undefined : logitsProblem(model, objective)
  if (logits !== undefined) return E.left(fitError('loss', `loss: ${logits}`))
  const classes = objective.classification ? Math.max(train.classes.length, 2) : undefined
  if (objective.classification && train.classes.length === 0) return E.left(fitError('train', `${objective.name} needs a classification data set (one with classes)`))
  const problem =
    checkBinary(objective, train.classes, train.targetShape) ??
    checkSchedule(train.n, options.batchSize, options.epochs) ??
    checkTraining(options.regularization, options.earlyStopping) ??
    checkData(train, 'train', objective, classes) ??
    (options.dev === undefined ? undefined : checkData(options.dev, 'dev', objective, classes, train.targetShape ?? []))
  if (problem !== undefined) return E.left(problem)
  const stale = options.resume === undefined ? undefined : resumeProblem(options.resume, model, train, options)
  if (stale !== undefined) return E.left(stale)
  if (options.dev !== undefined && featureCount(options.dev) !== featureCount(train))
    return E.left(fitError('dev', `the dev set has ${featureCount(options.dev)} features per row, the training set ${featureCount(train)}`))
  const graphs = stepGraphs(model, train, options, objective, classes)
  return E.isLeft(graphs) ? graphs : startingValues(model, train, options, objective, classes, graphs.right)
}

interface Graphs {
  readonly full: TrainStep
  readonly rest: TrainStep | undefined
  readonly trainable: ((path: string) => boolean) | undefined
  readonly init: { readonly params: ParamValues; readonly state: ParamValues }
}

/** The model's initial values and the step graphs of full and remainder batches, or why they cannot be built. */
const stepGraphs = (model: Layer, train: Dataset, options: FitOptions, objective: Objective, classes: number | undefined): E.Either<FitError, Graphs> => {
  const frozen = options.freeze === undefined ? undefined : frozenBy(options.freeze)
  const trainable = frozen === undefined ? undefined : (path: string) => !frozen(path)
  let init: Graphs['init']
  let full: TrainStep
  const stepOf = (batch: number) =>
    fitStep({
      model, featureShape: train.featureShape, batch, objective, optimizer: options.optimizer,
      ...(train.targetShape === undefined ? {} : { targetShape: train.targetShape }),
      ...(options.regularization === undefined ? {} : { regularization: options.regularization }),
      ...(trainable === undefined ? {} : { trainable }),
    })
  try {
    const spec = model.spec([options.batchSize, ...train.featureShape])
    const bad = checkOutput(spec.outputShape, options.batchSize, objective, classes, train.targetShape) ?? checkFreeze(options.freeze, flattenParams(spec.params).map(([p]) => p))
    if (bad !== undefined) return E.left(bad)
    init = model.init(foldIn(options.key, 0), [options.batchSize, ...train.featureShape])
    full = stepOf(options.batchSize)
  } catch (e) {
    return E.left(fitError('model', (e as Error).message))
  }
  const remainder = train.n % options.batchSize
  try {
    const rest = remainder === 0 ? undefined : stepOf(remainder)
    return E.right({ full, rest, trainable, init })
  } catch (e) {
    // Layers such as batchNorm cannot train on a one-row batch: say where that batch comes from.
    return E.left(fitError('batchSize', `the last batch of each epoch has ${remainder} row(s) (${train.n} rows, batchSize ${options.batchSize}) and the model cannot train on it: ${(e as Error).message}`))
  }
}

/** The starting parameters, layer state and optimizer state, by position in the step's state. */
const startingValues = (
  model: Layer, train: Dataset, options: FitOptions, objective: Objective, classes: number | undefined, g: Graphs,
): E.Either<FitError, FitSetup> => {
  let params: ParamValues
  let state: ParamValues
  const { resume } = options
  const from = resume === undefined ? 'initial' : 'resume'
  const given = resume === undefined ? options.initial : resume.training.values
  try {
    params = like(`${from}.params`, g.init.params, given?.params)
    state = like(`${from}.state`, g.init.state, given?.state)
  } catch (e) {
    return E.left(fitError(from, (e as Error).message.replace(/^fit: /, '')))
  }
  const keep = g.trainable ?? (() => true)
  let optState: ParamValues
  try {
    // Optimizer slots copied so no two leaves share a buffer (outputs are written into the other buffer sets).
    optState = copyValues(resume === undefined ? options.optimizer.init(trainableOf(params, keep)) : resume.training.optState)
  } catch (e) {
    return E.left(fitError('optimizer', `${options.optimizer.name}: ${(e as Error).message.replace(/^fit: /, '')}`))
  }
  try {
    const initialState = g.full.pack({ params, state, optState })
    return E.right({ model, train, options, objective, classes, params, state, graphs: { full: g.full, rest: g.rest }, initialState })
  } catch (e) {
    const field = resume === undefined ? 'optimizer' : 'resume'
    const what = resume === undefined ? `${options.optimizer.name}: ` : "resume: the checkpoint's optimizer state does not fit this model and optimizer: "
    return E.left(fitError(field, `${what}${(e as Error).message.replace(/^fit: /, '')}`))
  }
}

/** A copy of the caller's initial values in the model's own key order; a missing, extra or wrongly sized entry throws. */
const like = (part: string, template: ParamValues, given: ParamValues | undefined): ParamValues =>
  given === undefined
    ? copyValues(template)
    : zipParams(template, given, (t, v, path) => {
        if (!(v instanceof Float64Array) || v.length !== t.length)
          throw new RangeError(`fit: ${part} '${path}' has ${v instanceof Float64Array ? `${v.length} values` : 'no Float64Array'}, the model needs ${t.length}`)
        return v.slice()
      }, `fit: ${part}`)

/** The reporter of a `progress` option: a progress bar on a stream (the console for `true`), or a callback. */
const reporterFor = (progress: FitOptions['progress'], metricName: string): ProgressBar | undefined => {
  if (progress === undefined || progress === false) return undefined
  if (typeof progress === 'function') return progressCallback(progress, { label: 'fit', metricName })
  return progressBar({ ...(progress === true ? {} : { stream: progress }), label: 'fit', metricName })
}

/** The training state carried from epoch to epoch. */
interface RunState {
  readonly history: EpochRecord[]
  best: { loss: number; epoch: number; values: Values }
  /** Early stopping's patience ran out: the run is over, whatever `epochs` says. */
  patienceOut: boolean
  stepCount: number
  /** The per-step records of this run (the `steps` option). */
  readonly steps: StepRecord[]
  /** `onStep` returned 'stop'. */
  stepStop: boolean
}

/**
 * Trains on the prepared setup, one batch per `next()`, yielding a {@link YieldPoint} after every batch
 * (after an epoch's last batch, once the epoch's bookkeeping and `onEpochEnd` are done); returns the
 * `FitResult`, or a `Left` on `loss` at the first non-finite training loss (unless `stopOnNonFinite` is
 * false). Progress output ends when the loop returns or is closed with `return()` (an abort), not when a
 * callback throws.
 * @example
 * import { sequential, dense, layers, adam, key, flower } from 'kiln'
 * import { prepareFit, trainLoop } from './loop.js'
 * const setup = prepareFit(sequential(dense(4), layers.tanh(), dense(2)), flower(key(1), 100), { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0) })
 * const loop = setup._tag === 'Right' ? trainLoop(setup.right) : undefined
 * loop?.next().value // { epoch: 1, epochs: 2, batch: 1, batches: 2 }
 * loop?.next().value // { epoch: 1, epochs: 2, batch: 2, batches: 2 }
 */
export function* trainLoop(s: FitSetup, runners?: Runners): Generator<YieldPoint | Pending, E.Either<FitError, FitResult>, unknown> {
  const reporter = reporterFor(s.options.progress, s.objective.classification ? 'dev acc' : 'dev loss')
  let threw = false
  try {
    return yield* epochs(s, reporter, runners ?? syncRunnersOf(s))
  } catch (e) {
    threw = true
    throw e
  } finally {
    // A throwing callback is not called again; a normal end or an abort ends the progress output.
    if (!threw) reporter?.done()
  }
}

function* epochs(s: FitSetup, bar: ProgressBar | undefined, runners: Runners): Generator<YieldPoint | Pending, E.Either<FitError, FitResult>, unknown> {
  const { train, options } = s
  const engine = ownEngine(s)
  const m = machineFor(s, runners)
  const { batches } = m
  const p = startState(s, m)
  const stop = options.stopOnNonFinite !== false
  const devMetric = (r: EpochRecord | undefined) =>
    r === undefined || options.dev === undefined ? {} : { devMetric: s.objective.classification ? r.devAccuracy : r.devLoss }
  const train1 = stepper(s, engine, m, p)
  for (let epoch = p.history.length + 1; epoch <= options.epochs && !p.patienceOut; epoch++) {
    const t0 = Date.now()
    const order = options.shuffle === false ? Int32Array.from({ length: train.n }, (_, i) => i) : permutation(foldIn(foldIn(options.key, 1), epoch), train.n)
    let lossSum = 0
    let b = 0
    for (; b < batches - 1 && !p.stepStop; b++) {
      const loss = yield* settle(train1(order, b, epoch))
      // The loss is computed anyway: checking it costs nothing, and a NaN would poison every later step.
      if (stop && !Number.isFinite(loss)) return E.left(diverged(s, engine, m, p, { epoch, batch: b + 1, batches, loss }))
      lossSum += loss
      const seen = Math.min((b + 1) * options.batchSize, train.n)
      bar?.update({ epoch, epochs: options.epochs, batch: b + 1, batches, loss: lossSum / seen, ...devMetric(p.history.at(-1)) })
      yield { epoch, epochs: options.epochs, batch: b + 1, batches }
    }
    if (!p.stepStop) {
      const loss = yield* settle(train1(order, batches - 1, epoch))
      if (stop && !Number.isFinite(loss)) return E.left(diverged(s, engine, m, p, { epoch, batch: batches, batches, loss }))
      lossSum += loss
      b = batches
    }
    // The epoch-end update waits for this epoch's dev evaluation, so the epoch's line shows its own dev metric.
    const record = epochRecord(s, engine, m.snapshot, epoch, lossSum / Math.min(b * options.batchSize, train.n), t0)
    p.history.push(record)
    bar?.update({ epoch, epochs: options.epochs, batch: b, batches, loss: record.trainLoss, ...devMetric(record) })
    const ends = endOfEpoch(s, m, p, record) || p.stepStop
    const last = ends || epoch === options.epochs
    const saved = saveCheckpoint(s, engine, m, p, last)
    if (E.isLeft(saved)) return saved
    // The last checkpoint is the result: built once.
    if (last && saved.right !== undefined) return E.right(saved.right)
    if (ends) break
    yield { epoch, epochs: options.epochs, batch: batches, batches }
  }
  return E.right(resultOf(s, engine, m, p))
}

/**
 * Trains one batch, recording the step when the `steps` option asks (its loss, learning rate and, with
 * `gradientNorms`, the gradient norms at the values the step starts from, on the batch it trains on).
 */
const stepper = (s: FitSetup, engine: Engine, m: Machine, p: RunState) => {
  const o = s.options.steps
  if (o === undefined) return (order: ArrayLike<number>, b: number) => m.step(order, b, p.stepCount++)
  const every = o.every ?? 1
  return (order: ArrayLike<number>, b: number, epoch: number): number | Promise<number> => {
    const count = p.stepCount++
    const due = (count + 1) % every === 0
    let norms: GradientNorms | undefined
    const measure = (batch: Dataset, key: Key): void => {
      norms = gradientNorms(trainedAt(s, engine, m.snapshot()), batch, { key })
    }
    const ran = m.step(order, b, count, due && o.gradientNorms === true ? measure : undefined)
    if (!due) return ran
    const record = (loss: number) => recordStep(s, p, { count, epoch, b, loss, norms })
    return typeof ran === 'number' ? record(ran) : ran.then(record)
  }
}

/** Records one step of the `steps` option (its loss, learning rate, gradient norms) and returns its loss. */
const recordStep = (s: FitSetup, p: RunState, at: { count: number; epoch: number; b: number; loss: number; norms: GradientNorms | undefined }): number => {
  const o = s.options.steps!
  const { count, epoch, b, loss, norms } = at
  const rate = s.options.optimizer.learningRate
  const size = Math.min(s.options.batchSize, s.train.n - b * s.options.batchSize)
  const record: StepRecord = {
    step: count + 1, epoch, batch: b + 1, loss: loss / size,
    learningRate: rate === undefined ? NaN : typeof rate === 'number' ? rate : evaluate([lrAt(rate, scalar(count))], {})[0]![0]!,
    ...(norms === undefined ? {} : { gradientNorm: norms.total, layerGradientNorms: norms.layers }),
  }
  p.steps.push(record)
  if (o.onStep?.(record) === 'stop') p.stepStop = true
  return loss
}

/** Kiln's own runners for the run's engine (an asynchronous engine's are made by `fitAsync`, before the loop). */
const syncRunnersOf = (s: FitSetup): Runners => {
  const e = s.options.engine ?? 'compiled'
  if (isAsyncEngine(e)) throw new Error(`internal: trainLoop needs the runners of the asynchronous engine ${e.name}`)
  return syncRunners(s, e)
}

/** The run's state at the start: fresh, or the checkpoint's when resuming. */
const startState = (s: FitSetup, m: Machine): RunState => {
  const t = s.options.resume?.training
  if (t === undefined) return { history: [], best: { loss: Infinity, epoch: 0, values: copySnapshot(m.snapshot()) }, patienceOut: false, stepCount: 0, steps: [], stepStop: false }
  // Without saved best values (no early stopping when the checkpoint was written) the best epoch keeps the starting values, as a fresh run does.
  const values = t.best.values === undefined ? copySnapshot(m.snapshot()) : copySnapshot(t.best.values)
  return { history: t.history.slice(), best: { loss: t.best.loss, epoch: t.best.epoch, values }, patienceOut: t.patienceOut, stepCount: t.step, steps: [], stepStop: false }
}

/** The state of the run after its last finished epoch (copies: the live buffers move on). */
const trainingState = (s: FitSetup, m: Machine, p: RunState): TrainingState => {
  const { options } = s
  const now = m.current()
  return {
    epoch: p.history.length,
    step: p.stepCount,
    key: keyWords(options.key),
    batchSize: options.batchSize,
    shuffle: options.shuffle !== false,
    rows: s.train.n,
    optimizer: options.optimizer.name,
    values: { params: copyValues(now.params), state: copyValues(now.state) },
    optState: copyValues(now.optState),
    best: { loss: p.best.loss, epoch: p.best.epoch, ...(options.earlyStopping === undefined ? {} : { values: p.best.values }) },
    history: p.history.slice(),
    patienceOut: p.patienceOut,
  }
}

/** The result: the best epoch's values when early stopping restores them, else the last ones; and the run's state. */
const resultOf = (s: FitSetup, engine: Engine, m: Machine, p: RunState): FitResult => {
  const { options } = s
  const training = trainingState(s, m, p)
  const restore = options.earlyStopping !== undefined && (options.earlyStopping.restoreBest ?? true) && p.best.epoch > 0
  const final = restore ? p.best.values : training.values
  const ema = options.optimizer.averaged?.(training.optState)
  return {
    ...trainedAt(s, engine, final), history: p.history, bestEpoch: restore ? p.best.epoch : p.history.length, stoppedEarly: (p.patienceOut || p.stepStop) && p.history.length < options.epochs, training,
    ...(options.steps === undefined ? {} : { steps: p.steps.slice() }),
    ...(ema === undefined ? {} : { ema }),
  }
}

/** Hands a checkpoint to `options.checkpoint.save` when one is due and returns it; a failed save is the run's `Left`. */
const saveCheckpoint = (s: FitSetup, engine: Engine, m: Machine, p: RunState, last: boolean): E.Either<FitError, FitResult | undefined> => {
  const c = s.options.checkpoint
  if (c === undefined || !(last || p.history.length % (c.every ?? 1) === 0)) return E.right(undefined)
  const checkpoint = resultOf(s, engine, m, p)
  let why: string | undefined
  try {
    const r = c.save(checkpoint)
    if (r !== undefined && r._tag === 'Left') why = r.left.message
  } catch (e) {
    why = (e as Error).message
  }
  if (why === undefined) return E.right(checkpoint)
  return E.left(fitError('checkpoint', `checkpoint: saving the checkpoint of epoch ${p.history.length} failed, so training stopped (an earlier checkpoint is left as it was): ${why}`))
}

/**
 * The `Left` of a run stopped by a non-finite loss at `at` (the step just taken): it names the epoch,
 * batch, step and loss and carries the values the previous step started from, the last ones whose loss
 * was finite (the values this step started from already gave a non-finite loss).
 */
const diverged = (s: FitSetup, engine: Engine, m: Machine, p: RunState, at: { epoch: number; batch: number; batches: number; loss: number }): FitError => {
  const step = p.stepCount - 1
  const kept = Math.max(step - 1, 0)
  const partial: FitSummary = { ...trainedAt(s, engine, m.beforePrevious(p.stepCount)), history: p.history.slice(), bestEpoch: p.history.length, stoppedEarly: true }
  const message =
    `the training loss became ${at.loss} at epoch ${at.epoch}, batch ${at.batch} of ${at.batches} (after ${step} update(s)), so training stopped; ` +
    `diverged.partial holds the parameters after ${kept} update(s), the last with a finite loss, and the history so far. ` +
    'Lower the learning rate, check the schedule or the data, or pass stopOnNonFinite: false to train on'
  return { ...fitError('loss', `loss: ${message}`), diverged: { _tag: 'Diverged', epoch: at.epoch, batch: at.batch, step, loss: at.loss, partial } }
}

/** The record of a finished epoch (`trainLoss` the mean over its rows), with the dev set evaluated on the current parameters. */
const epochRecord = (s: FitSetup, engine: Engine, snapshot: () => Values, epoch: number, trainLoss: number, t0: number): EpochRecord => {
  const devEval = s.options.dev === undefined ? undefined : evaluateModel(trainedAt(s, engine, snapshot()), s.options.dev)
  return {
    epoch,
    trainLoss,
    devLoss: devEval?.loss ?? NaN,
    devAccuracy: devEval?.accuracy ?? NaN,
    seconds: (Date.now() - t0) / 1000,
  }
}

/** Tracks the best epoch, calls `onEpochEnd` and applies early stopping; true when training stops here. */
const endOfEpoch = (s: FitSetup, m: Machine, p: RunState, record: EpochRecord): boolean => {
  const { options } = s
  const { epoch } = record
  const monitored = options.dev === undefined ? record.trainLoss : record.devLoss
  if (monitored < p.best.loss - (options.earlyStopping?.minDelta ?? 0))
    p.best = { loss: monitored, epoch, values: options.earlyStopping ? copySnapshot(m.snapshot()) : p.best.values }
  // Running out of patience on the last epoch cuts nothing short (`resultOf` says so), but it still ends the run.
  if (options.earlyStopping !== undefined && epoch - p.best.epoch >= options.earlyStopping.patience) p.patienceOut = true
  // Called even when patience ran out, and before any checkpoint of this epoch, which records both.
  return options.onEpochEnd?.(record, p.history.slice()) === 'stop' || p.patienceOut
}

const trainedAt = (s: FitSetup, engine: Engine, v: Values): Trained => ({
  model: s.model, featureShape: s.train.featureShape, objective: s.objective, classes: s.train.classes, params: v.params, state: v.state, engine,
})

const copySnapshot = (v: Values): Values => ({ params: copyValues(v.params), state: copyValues(v.state) })
