/**
 * Evaluation mode: loss and predictions of a trained model on a data set (no dropout; batch norm uses its
 * running averages), run in chunks through one compiled graph per chunk size.
 * @module
 */
import { featureCount, type Dataset } from '../data/dataset.js'
import type { Layer } from '../nn/layer.js'
import { bindValues, type ParamValues } from '../nn/tree.js'
import { argmaxRows } from '../metrics/classification.js'
import type { Objective } from './objective.js'
import { runnerFor, type Engine } from './runner.js'
import { buildEval, leafNames, modelLeaves } from './step.js'

/** A model with its trained values: what `fit` returns and `predict` consumes. */
export interface Trained {
  readonly model: Layer
  readonly featureShape: readonly number[]
  readonly objective: Objective
  readonly classes: readonly string[]
  readonly params: ParamValues
  readonly state: ParamValues
  readonly engine: Engine
}

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

/**
 * Loss, predictions and accuracy of a trained model on `ds` in evaluation mode.
 * @example
 * import { evaluateModel } from 'kiln'
 * // const { accuracy } = evaluateModel(trained, test)
 */
export const evaluateModel = (trained: Trained, ds: Dataset): Evaluation => {
  const { model, featureShape, objective } = trained
  const f = featureCount({ featureShape })
  if (ds.x.length !== ds.n * f) throw new RangeError(`evaluateModel: the data set has ${ds.x.length} feature values, expected ${ds.n} x ${f}`)
  const chunk = Math.min(CHUNK, ds.n)
  const k = objective.classification ? Math.max(trained.classes.length, 2) : 1
  const predictions = new Float64Array(ds.n * k)
  let lossSum = 0
  for (let start = 0; start < ds.n; start += chunk) {
    const b = Math.min(chunk, ds.n - start)
    const g = buildEval(model, featureShape, b, objective)
    const leaves = modelLeaves(model, featureShape, b)
    const bindings = {
      ...bindValues(leaves.params, trained.params, 'evaluateModel params'),
      ...bindValues(leaves.state, trained.state, 'evaluateModel state'),
      [leafNames.x]: ds.x.subarray(start * f, (start + b) * f),
      [leafNames.y]: ds.y.subarray(start, start + b),
    }
    const outs = [new Float64Array(1), predictions.subarray(start * k, (start + b) * k)]
    runnerFor(g.outputs, trained.engine).runInto(bindings, outs)
    lossSum += outs[0]![0]! * b
  }
  const labels = objective.classification ? Float64Array.from(argmaxRows(predictions, k)) : new Float64Array(0)
  let right = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === ds.y[i]) right++
  return { loss: lossSum / ds.n, predictions, labels, accuracy: objective.classification ? right / ds.n : NaN }
}

/**
 * Predictions of a trained model: class probabilities `[n, k]` (classification) or values `[n]`.
 * @example
 * import { predict } from 'kiln'
 * // const probs = predict(trained, test)
 */
export const predict = (trained: Trained, ds: Dataset): Float64Array => evaluateModel(trained, ds).predictions
