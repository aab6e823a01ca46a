/**
 * Evaluation mode: loss and predictions of a trained model on a data set (no dropout; batch norm uses its
 * running averages), run in chunks of 512 rows through one evaluation graph per model, feature shape, chunk
 * size, objective and engine, built and compiled once and kept while the model lives.
 * @module
 */
import { featureCount, type Dataset } from '../data/dataset.js'
import { minMaxScale, standardize, type MinMax, type Standardizer } from '../data/preprocess.js'
import type { Layer } from '../nn/layer.js'
import type { ParamValues } from '../nn/tree.js'
import { argmaxRows } from '../metrics/classification.js'
import type { Objective } from './objective.js'
import { stepRunner, type Engine, type StepRunner } from '../run.js'
import { evalStep, type EvalStep } from './step.js'
import { checkData } from './validate.js'

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
  /** Mean (unregularized) loss over the rows. */
  readonly loss: number
  /** Row-major `[n, k]` class probabilities (classification) or `[n]` predictions (regression). */
  readonly predictions: Float64Array
  /** Predicted class per row (classification), else empty. */
  readonly labels: Float64Array
  /** Fraction of rows whose predicted class is the label (classification), else NaN. */
  readonly accuracy: number
}

const CHUNK = 512

/** One compiled evaluation graph per model, feature shape, chunk size, objective and engine. */
const evaluators = new WeakMap<Layer, Map<string, { readonly graph: EvalStep; readonly runner: StepRunner }>>()

const evaluatorFor = (trained: Trained, batch: number) => {
  const { model, featureShape, objective, engine } = trained
  let byShape = evaluators.get(model)
  if (byShape === undefined) evaluators.set(model, (byShape = new Map()))
  const key = `${featureShape.join(',')}|${batch}|${objective.name}|${engine}`
  let hit = byShape.get(key)
  if (hit === undefined) {
    const graph = evalStep(model, featureShape, batch, objective)
    byShape.set(key, (hit = { graph, runner: stepRunner(graph, engine) }))
  }
  return hit
}

/** The loss and predictions over all rows, through the evaluator of each chunk size. */
const runChunks = (trained: Trained, ds: Dataset, k: number): { loss: number; predictions: Float64Array } => {
  const f = featureCount(trained)
  const chunk = Math.min(CHUNK, ds.n)
  const predictions = new Float64Array(ds.n * k)
  const lossBuf = new Float64Array(1)
  let state: readonly Float64Array[] | undefined
  let lossSum = 0
  for (let start = 0; start < ds.n; start += chunk) {
    const b = Math.min(chunk, ds.n - start)
    const { graph, runner } = evaluatorFor(trained, b)
    state ??= graph.pack(trained)
    const inputs = [ds.x.subarray(start * f, (start + b) * f), ds.y.subarray(start, start + b)]
    runner.run(inputs, state, [lossBuf, predictions.subarray(start * k, (start + b) * k)])
    lossSum += lossBuf[0]! * b
  }
  return { loss: lossSum / ds.n, predictions }
}

/**
 * Throws a `RangeError` naming the row and value when `ds` does not fit the model: a wrong feature count,
 * a non-finite feature, or (when `labels`) a non-finite label or one outside the class range, which
 * would otherwise give NaN predictions or a silently wrong loss.
 */
const checkWidth = (who: string, trained: Trained, ds: Dataset): void => {
  const f = featureCount(trained)
  if (ds.x.length !== ds.n * f) throw new RangeError(`${who}: the data set has ${ds.x.length} feature values, expected ${ds.n} x ${f}`)
}

const checkRows = (who: string, trained: Trained, ds: Dataset, k: number, labels: boolean): void => {
  if (ds.n === 0) return
  const probe = labels ? ds : { ...ds, y: new Float64Array(ds.n) }
  const bad = checkData(probe, 'evaluated', trained.objective, trained.objective.classification ? k : undefined)
  if (bad !== undefined) throw new RangeError(bad.message.replace(/^fit: /, `${who}: `))
}

const classCount = (trained: Trained): number => (trained.objective.classification ? Math.max(trained.classes.length, 2) : 1)

/**
 * Loss, predictions and accuracy of a trained model on `ds` in evaluation mode. Rows that do not fit
 * (see the checks above) throw a `RangeError` naming the row.
 * @example
 * import { evaluateModel, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, test] = [flower(key(1), 40), flower(key(2), 20)]
 * const r = fit(sequential(dense(2)), train, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const { accuracy, labels } = evaluateModel(r.right, test)
 * labels.length // 20
 * accuracy === labels.filter((l, i) => l === test.y[i]).length / 20 // true
 */
export const evaluateModel = (trained: Trained, raw: Dataset): Evaluation => {
  const k = classCount(trained)
  checkWidth('evaluateModel', trained, raw)
  const ds = prepared(trained, raw)
  checkRows('evaluateModel', trained, ds, k, true)
  const { loss, predictions } = runChunks(trained, ds, k)
  const classification = trained.objective.classification
  const labels = classification ? Float64Array.from(argmaxRows(predictions, k)) : new Float64Array(0)
  let right = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === ds.y[i]) right++
  return { loss, predictions, labels, accuracy: classification ? right / ds.n : NaN }
}

/**
 * Predictions of a trained model: class probabilities `[n, k]` (classification) or values `[n]`.
 * Labels are not read, so rows to predict may carry any `y`.
 * @example
 * import { predict, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, test] = [flower(key(1), 40), flower(key(2), 20)]
 * const r = fit(sequential(dense(2)), train, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * predict(r.right, test).length // 20 * 2
 */
export const predict = (trained: Trained, raw: Dataset): Float64Array => {
  const k = classCount(trained)
  checkWidth('predict', trained, raw)
  const ds = prepared(trained, raw)
  checkRows('predict', trained, ds, k, false)
  return runChunks(trained, { ...ds, y: new Float64Array(ds.n) }, k).predictions
}
