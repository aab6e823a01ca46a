/**
 * Evaluation mode: loss and predictions of a trained model on a data set (no dropout; batch norm uses its
 * running averages), run in chunks of 512 rows through one evaluation graph per model, feature shape, chunk
 * size, objective, engine and target shape, built and compiled once and kept while the model lives
 * (`predict` runs a graph without labels, one per model, feature shape, chunk size, objective and engine).
 * @module
 */
import { featureCount, targetCount, type Dataset } from '../data/dataset.js'
import { minMaxScale, standardize, type MinMax, type Standardizer } from '../data/preprocess.js'
import type { Layer } from '../nn/layer.js'
import type { ParamValues } from '../nn/tree.js'
import { argmaxRows } from '../metrics/classification.js'
import type { Objective } from './objective.js'
import { stepRunner, type Engine, type StepRunner } from '../run.js'
import { sizeOf } from '../shape.js'
import { evalStep, predictStep, type EvalStep } from './step.js'
import { checkData, checkOutput } from './validate.js'
import { perModel } from './model-cache.js'

/** A model with its trained values: what `fit` returns and `predict` consumes. */
export interface Trained {
  readonly model: Layer
  readonly featureShape: readonly number[]
  readonly objective: Objective
  readonly classes: readonly string[]
  readonly params: ParamValues
  readonly state: ParamValues
  readonly engine: Engine
  /**
   * The preprocessing fitted on the training set (a `Standardizer` or `MinMax`): when present, `predict`
   * and `evaluateModel` apply it to the rows they are given, so they take raw rows. A model file keeps it.
   */
  readonly preprocess?: Preprocess
}

/** A fitted feature transformation a model applies to raw rows. */
export type Preprocess = Standardizer | MinMax

/** The rows as the model sees them: through the model's preprocessing when it has one. */
const prepared = (trained: Trained, ds: Dataset): Dataset =>
  trained.preprocess === undefined ? ds : trained.preprocess._tag === 'Standardizer' ? standardize(trained.preprocess)(ds) : minMaxScale(trained.preprocess)(ds)

/** Loss and predictions over a data set. */
export interface Evaluation {
  /** Mean (unregularized) loss over the rows (over every target of every row for `[k]` targets). */
  readonly loss: number
  /**
   * Row-major `[n, classes]` class probabilities (classification), `[n]` predictions (regression),
   * `[n, k]` per-label probabilities (multi-label) or `[n, k]` predictions (multi-output regression).
   */
  readonly predictions: Float64Array
  /**
   * Predicted class per row (classification); for a multi-label set the `[n * k]` 0/1 decisions
   * (probability above 0.5, row-major like `y`); else empty.
   */
  readonly labels: Float64Array
  /**
   * Fraction of rows whose predicted class is the label (classification); for a multi-label set the
   * fraction of the `n * k` decisions equal to their target (element-wise, Keras's `binary_accuracy`
   * at threshold 0.5; not the exact-match subset accuracy of `multilabelMetrics`); else NaN.
   */
  readonly accuracy: number
}

const CHUNK = 512

/** One graph per model, feature shape, chunk size, objective and target shape (or none, to predict). */
const evaluators = perModel<EvalStep>()
/** The runner of each graph on each of Kiln's engines, dropped with the graph. */
const runners = new WeakMap<EvalStep, Map<Engine, StepRunner>>()

/** The evaluation graph of `batch` rows with labels of `targetShape`, or the prediction graph when it is undefined. */
const evaluatorFor = (trained: Trained, batch: number, targetShape: readonly number[] | undefined): EvalStep => {
  const { model, featureShape, objective } = trained
  const key = `${featureShape.join(',')}|${batch}|${objective.name}|${targetShape === undefined ? 'predict' : `y[${targetShape.join(',')}]`}`
  return evaluators(model, key, () =>
    targetShape === undefined ? predictStep(model, featureShape, batch, objective) : evalStep(model, featureShape, batch, objective, targetShape),
  )
}

const runnerFor = (graph: EvalStep, engine: Engine): StepRunner => {
  let byEngine = runners.get(graph)
  if (byEngine === undefined) runners.set(graph, (byEngine = new Map()))
  let r = byEngine.get(engine)
  if (r === undefined) byEngine.set(engine, (r = stepRunner(graph, engine)))
  return r
}

/** One chunk's run of an evaluation: its graph and the buffers it reads and writes. */
export interface ChunkRun {
  readonly graph: EvalStep
  readonly inputs: readonly Float64Array[]
  readonly state: readonly Float64Array[]
  readonly outs: readonly Float64Array[]
}

/**
 * The loss (with `labelled`) and predictions over all rows, through the graph of each chunk size; the
 * predictions' width per row is the graph's own. Yields each chunk's run for the driver to run (Kiln's
 * engines here, an asynchronous engine in kiln/node) and reads its outputs when resumed.
 */
function* chunkRuns(trained: Trained, ds: Dataset, labelled: boolean): Generator<ChunkRun, { loss: number; predictions: Float64Array; width: number }, void> {
  const f = featureCount(trained)
  const t = targetCount(ds)
  const chunk = Math.min(CHUNK, ds.n)
  const lossBuf = new Float64Array(1)
  let predictions = new Float64Array(0)
  let width = 0
  let state: readonly Float64Array[] | undefined
  let lossSum = 0
  for (let start = 0; start < ds.n; start += chunk) {
    const b = Math.min(chunk, ds.n - start)
    const graph = evaluatorFor(trained, b, labelled ? ds.targetShape ?? [] : undefined)
    if (state === undefined) {
      state = graph.pack(trained)
      width = sizeOf(graph.outputs.at(-1)!.shape) / b
      predictions = new Float64Array(ds.n * width)
    }
    const x = ds.x.subarray(start * f, (start + b) * f)
    const out = predictions.subarray(start * width, (start + b) * width)
    if (!labelled) yield { graph, inputs: [x], state, outs: [out] }
    else {
      yield { graph, inputs: [x, ds.y.subarray(start * t, (start + b) * t)], state, outs: [lossBuf, out] }
      lossSum += lossBuf[0]! * b
    }
  }
  return { loss: labelled ? lossSum / ds.n : NaN, predictions, width }
}

/** Runs every chunk of `runs` on Kiln's `engine` and returns the generator's result. */
const drive = <A>(runs: Generator<ChunkRun, A, void>, engine: Engine): A => {
  for (;;) {
    const r = runs.next()
    if (r.done === true) return r.value
    const { graph, inputs, state, outs } = r.value
    runnerFor(graph, engine).run(inputs, state, outs)
  }
}

/**
 * Throws a `RangeError` naming the row and value when `ds` does not fit the model: a wrong feature count,
 * a non-finite feature, or (when `labels`) a non-finite label, one outside the class range, a multi-label
 * target other than 0/1, or targets of another shape than the model's output, which would otherwise give
 * NaN predictions or a silently wrong loss.
 */
const checkWidth = (who: string, trained: Trained, ds: Dataset): void => {
  const f = featureCount(trained)
  if (ds.x.length !== ds.n * f) throw new RangeError(`${who}: the data set has ${ds.x.length} feature values, expected ${ds.n} x ${f}`)
}

const checkRows = (who: string, trained: Trained, ds: Dataset, labels: boolean): void => {
  if (ds.n === 0) return
  const k = classCount(trained)
  const probe: Dataset = labels ? ds : { x: ds.x, y: new Float64Array(ds.n), n: ds.n, featureShape: ds.featureShape, classes: ds.classes }
  const targetShape = probe.targetShape ?? []
  const bad =
    checkData(probe, 'evaluated', trained.objective, trained.objective.classification ? k : undefined) ??
    (targetShape.length === 0 ? undefined : checkOutput(trained.model.spec([ds.n, ...trained.featureShape]).outputShape, ds.n, trained.objective, k, targetShape))
  if (bad !== undefined) throw new RangeError(bad.message.replace(/^fit: /, `${who}: `))
}

const classCount = (trained: Trained): number => Math.max(trained.classes.length, 2)

/**
 * The decisions of a classification model: argmax per row, or for a multi-label set (probabilities
 * `[n, k]`) each probability above 0.5 (Keras's `binary_accuracy` threshold; exactly 0.5 is 0, as the
 * argmax of the two columns `[0.5, 0.5]` of a single-logit model).
 */
const decisions = (trained: Trained, ds: Dataset, predictions: Float64Array, width: number): Float64Array => {
  if (!trained.objective.classification) return new Float64Array(0)
  if ((ds.targetShape ?? []).length > 0 && width === targetCount(ds)) return predictions.map((p) => (p > 0.5 ? 1 : 0))
  return Float64Array.from(argmaxRows(predictions, Math.max(width, 1)))
}

/**
 * Loss, predictions and accuracy of a trained model on `ds` in evaluation mode. Rows that do not fit
 * (see the checks above) throw a `RangeError` naming the row. For a multi-label set (`targetShape`
 * `[k]`) `predictions` are `[n, k]` probabilities, `labels` the `[n * k]` decisions at 0.5 and
 * `accuracy` the element-wise (per-label) accuracy; a one-label set (`[1]`) is binary classification
 * and keeps the two columns `[1 - p, p]`. For multi-output regression `predictions` are `[n, k]`.
 * @example
 * import { evaluateModel, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, test] = [flower(key(1), 40), flower(key(2), 20)]
 * const r = fit(sequential(dense(2)), train, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const { accuracy, labels } = evaluateModel(r.right, test)
 * labels.length // 20
 * accuracy === labels.filter((l, i) => l === test.y[i]).length / 20 // true
 */
export const evaluateModel = (trained: Trained, raw: Dataset): Evaluation => drive(evaluationRuns(trained, raw), trained.engine)

/**
 * `evaluateModel` as the runs of its chunks: a driver runs each yielded chunk (kiln/node's
 * `evaluateModelAsync` on ONNX Runtime) and gets the evaluation back. Bad rows throw before the first.
 * @example
 * import { fit, sequential, dense, adam, key, flower } from 'kiln'
 * import { evaluationRuns } from './predict.js'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * const runs = r._tag === 'Right' ? evaluationRuns(r.right, flower(key(2), 20)) : undefined
 * runs?.next().done // false
 */
export function* evaluationRuns(trained: Trained, raw: Dataset, who = 'evaluateModel'): Generator<ChunkRun, Evaluation, void> {
  checkWidth(who, trained, raw)
  const ds = prepared(trained, raw)
  checkRows(who, trained, ds, true)
  const { loss, predictions, width } = yield* chunkRuns(trained, ds, true)
  const labels = decisions(trained, ds, predictions, width)
  let right = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === ds.y[i]) right++
  return { loss, predictions, labels, accuracy: trained.objective.classification ? right / labels.length : NaN }
}

/**
 * Predictions of a trained model: class probabilities `[n, classes]` (classification), values `[n]`
 * (regression), or, for a model with `k` outputs per row, `[n, k]` per-label probabilities
 * (`binaryCrossEntropyWithLogits`, multi-label) or values (`meanSquaredError`, multi-output regression).
 * Labels are not read (the prediction graph has none), so rows to predict may carry any `y`.
 * @example
 * import { predict, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, test] = [flower(key(1), 40), flower(key(2), 20)]
 * const r = fit(sequential(dense(2)), train, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * predict(r.right, test).length // 20 * 2
 */
export const predict = (trained: Trained, raw: Dataset): Float64Array => drive(predictionRuns(trained, raw), trained.engine)

/**
 * `predict` as the runs of its chunks (see `evaluationRuns`).
 * @example
 * import { fit, sequential, dense, adam, key, flower } from 'kiln'
 * import { predictionRuns } from './predict.js'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * const runs = r._tag === 'Right' ? predictionRuns(r.right, flower(key(2), 20)) : undefined
 * runs?.next().done // false
 */
export function* predictionRuns(trained: Trained, raw: Dataset, who = 'predict'): Generator<ChunkRun, Float64Array, void> {
  checkWidth(who, trained, raw)
  const ds = prepared(trained, raw)
  checkRows(who, trained, ds, false)
  return (yield* chunkRuns(trained, ds, false)).predictions
}
