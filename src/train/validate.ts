/**
 * Checks run before any training starts: every problem with the data or the options is reported
 * with the field, row or value involved, and nothing is trained.
 * @module
 */
import { featureCount, targetCount, type Dataset } from '../data/dataset.js'
import { fmt, sizeOf } from '../shape.js'
import type { FitSummary } from './fit.js'
import type { Objective } from './objective.js'
import { frozenBy, unknownPrefixes, type Freeze } from './transfer.js'

/** Why `fit` refused to start, was aborted, or stopped on a non-finite loss (`diverged`). */
export interface FitError {
  readonly _tag: 'FitError'
  readonly field: string
  readonly message: string
  /** Set (with field `loss`) when training stopped on a non-finite loss: where, and what was trained until then. */
  readonly diverged?: Divergence
}

/** Where training diverged, and what it had trained until then (see `FitOptions.stopOnNonFinite`). */
export interface Divergence {
  readonly _tag: 'Diverged'
  /** The epoch (from 1) and the batch in it (from 1) whose training loss was not finite. */
  readonly epoch: number
  readonly batch: number
  /** The number of updates applied before that batch (the step a learning-rate schedule saw). */
  readonly step: number
  /** The loss: NaN, Infinity or -Infinity. */
  readonly loss: number
  /**
   * The result so far: the parameters and state of the last step whose loss was finite (the values that
   * step started from, so `step - 1` updates of training, or the starting values when the first loss was
   * not finite), the history of the finished epochs, and `stoppedEarly: true`.
   */
  readonly partial: FitSummary
}

/**
 * Builds a `FitError`.
 * @example
 * import { fitError } from './validate.js'
 * fitError('epochs', 'epochs 0 must be a positive integer') // { _tag: 'FitError', field: 'epochs', message: 'fit: epochs 0 must be a positive integer' }
 */
export const fitError = (field: string, message: string): FitError => ({ _tag: 'FitError', field, message: `fit: ${message}` })

const shapeText = (shape: readonly number[] | undefined): string => fmt(shape ?? [])

/**
 * The first problem with a data set (NaN features, targets that do not fill `n` rows, labels outside the
 * class range, multi-label targets other than 0/1), or undefined. With `targetShape` (the training set's,
 * when checking the dev set) the set's target shape must be that one.
 * @example
 * import { makeDataset, objectives } from 'kiln'
 * import { checkData } from './validate.js'
 * const ds = makeDataset(Float64Array.of(1, NaN), Float64Array.of(0, 1), [1], ['a', 'b'])
 * checkData(ds, 'training', objectives.softmaxCrossEntropy, 2)?.message // 'fit: the training set has a non-finite feature (NaN) at row 1, column 0'
 * const multi = { ...makeDataset(Float64Array.of(1, 2), Float64Array.of(0, 1, 1, 1), [1], ['a', 'b'], [2]), y: Float64Array.of(0, 1, 2, 1) }
 * checkData(multi, 'train', objectives.binaryCrossEntropyWithLogits, 2)?.message // "fit: the train set has target 2 at row 1, column 0 (label 'a'); multi-label targets must be 0 or 1"
 */
export const checkData = (ds: Dataset, part: string, objective: Objective, classes: number | undefined, targetShape?: readonly number[]): FitError | undefined => {
  const f = featureCount(ds)
  if (ds.n === 0) return fitError(part, `the ${part} set is empty`)
  if (ds.x.length !== ds.n * f) return fitError(part, `the ${part} set has ${ds.x.length} feature values, expected ${ds.n} x ${f}`)
  for (let i = 0; i < ds.x.length; i++)
    if (!Number.isFinite(ds.x[i]!))
      return fitError(part, `the ${part} set has a non-finite feature (${ds.x[i]}) at row ${Math.floor(i / f)}, column ${i % f}`)
  return checkTargetShape(ds, part, targetShape) ?? checkTargets(ds, part, objective, classes)
}

/** The set's target shape against the expected one and its `y` against `n` rows of it. */
const checkTargetShape = (ds: Dataset, part: string, targetShape: readonly number[] | undefined): FitError | undefined => {
  const t = targetCount(ds)
  if (targetShape !== undefined && shapeText(ds.targetShape) !== shapeText(targetShape))
    return fitError(part, `the ${part} set has targets of shape ${shapeText(ds.targetShape)} per row, the training set ${shapeText(targetShape)}`)
  if ((ds.targetShape ?? []).length > 1 || !(t >= 1 && Number.isInteger(t)))
    return fitError(part, `the ${part} set has targetShape ${shapeText(ds.targetShape)}; expected [] (one target per row) or [k]`)
  if (ds.y.length !== ds.n * t)
    return fitError(part, `the ${part} set has ${ds.y.length} target values, expected ${ds.n} x ${t} (targetShape ${shapeText(ds.targetShape)})`)
  return undefined
}

/** Every target finite; class indices in range (one per row) or 0/1 (multi-label, with `k` class names). */
const checkTargets = (ds: Dataset, part: string, objective: Objective, classes: number | undefined): FitError | undefined => {
  const multi = (ds.targetShape ?? []).length > 0
  const t = targetCount(ds)
  if (multi && objective.classification && ds.classes.length !== t)
    return fitError(part, `the ${part} set is multi-label with ${t} targets per row but names ${ds.classes.length} labels (${ds.classes.join(', ')}); classes must name each of the ${t} labels`)
  for (let i = 0; i < ds.y.length; i++) {
    const y = ds.y[i]!
    const where = multi ? `row ${Math.floor(i / t)}, column ${i % t}` : `row ${i}`
    if (!Number.isFinite(y)) return fitError(part, `the ${part} set has a non-finite ${multi ? 'target' : 'label'} (${y}) at ${where}`)
    if (!objective.classification) continue
    if (multi && y !== 0 && y !== 1)
      return fitError(part, `the ${part} set has target ${y} at ${where} (label '${ds.classes[i % t]}'); multi-label targets must be 0 or 1`)
    if (!multi && classes !== undefined && !(Number.isInteger(y) && y >= 0 && y < classes))
      return fitError(part, `the ${part} set has label ${y} at ${where}, outside the class range [0, ${classes})`)
  }
  return undefined
}

/**
 * Checks the batch size and epochs against the training set.
 * @example
 * import { checkSchedule } from './validate.js'
 * checkSchedule(100, 32, 5) // undefined
 * checkSchedule(100, 200, 5)?.field // 'batchSize'
 */
export const checkSchedule = (n: number, batchSize: number, epochs: number): FitError | undefined => {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n)
    return fitError('batchSize', `batchSize ${batchSize} must be an integer in [1, ${n}] (the training set has ${n} rows)`)
  if (!Number.isInteger(epochs) || epochs < 1) return fitError('epochs', `epochs ${epochs} must be a positive integer`)
  return undefined
}

/**
 * Checks the model's output shape against the objective and the class count, or, with a `targetShape`
 * `[k]` (several targets per row), against the targets: the output must be `[batch, k]`.
 * @example
 * import { objectives } from 'kiln'
 * import { checkOutput } from './validate.js'
 * checkOutput([8, 3], 8, objectives.softmaxCrossEntropy, 3) // undefined
 * checkOutput([8, 2], 8, objectives.softmaxCrossEntropy, 3)?.message // "fit: the model's output [8,2] has 2 value(s) per row; softmaxCrossEntropy with 3 classes needs 3"
 * checkOutput([8, 4], 8, objectives.meanSquaredError, undefined, [3])?.message // "fit: the model's output [8,4] does not match the targets [8,3] (3 per row); meanSquaredError needs an output of shape [8,3]"
 */
export const checkOutput = (
  outputShape: readonly number[], batch: number, objective: Objective, classes: number | undefined, targetShape: readonly number[] = [],
): FitError | undefined => {
  if (targetShape.length > 0) {
    const want = [batch, ...targetShape]
    return fmt(outputShape) === fmt(want)
      ? undefined
      : fitError('model', `the model's output ${fmt(outputShape)} does not match the targets ${fmt(want)} (${sizeOf(targetShape)} per row); ${objective.name} needs an output of shape ${fmt(want)}`)
  }
  const per = sizeOf(outputShape) / batch
  const want = objective.name === 'softmaxCrossEntropy' ? classes : 1
  if (want !== undefined && per !== want)
    return fitError('model', `the model's output ${fmt(outputShape)} has ${per} value(s) per row; ${objective.name} with ${classes ?? 'no'} classes needs ${want}`)
  return undefined
}

/**
 * Checks the regularization strengths and the early-stopping settings.
 * @example
 * import { checkTraining } from './validate.js'
 * checkTraining({ l2: 0.01 }, { patience: 3 }) // undefined
 * checkTraining({ l1: -1 }, undefined)?.message // 'fit: regularization.l1 -1 must be a finite number >= 0'
 */
export const checkTraining = (
  reg: { readonly l1?: number; readonly l2?: number } | undefined,
  stop: { readonly patience: number; readonly minDelta?: number } | undefined,
): FitError | undefined => {
  for (const name of ['l1', 'l2'] as const) {
    const v = reg?.[name]
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) return fitError('regularization', `regularization.${name} ${v} must be a finite number >= 0`)
  }
  if (stop !== undefined && !(Number.isInteger(stop.patience) && stop.patience >= 1))
    return fitError('earlyStopping', `earlyStopping.patience ${stop.patience} must be a positive integer (epochs without improvement)`)
  if (stop?.minDelta !== undefined && !(Number.isFinite(stop.minDelta) && stop.minDelta >= 0))
    return fitError('earlyStopping', `earlyStopping.minDelta ${stop.minDelta} must be a finite number >= 0`)
  return undefined
}

/**
 * The objective against the data set's classes and targets: binary cross-entropy takes labels 0/1, so a
 * set naming more than two classes cannot use it, unless it is multi-label (`targetShape` `[k]`: `k`
 * labels, each 0/1); softmax cross-entropy takes one class index per row, so it refuses multi-label sets.
 * @example
 * import { objectives } from 'kiln'
 * import { checkBinary } from './validate.js'
 * checkBinary(objectives.binaryCrossEntropyWithLogits, ['no', 'yes']) // undefined
 * checkBinary(objectives.binaryCrossEntropyWithLogits, ['a', 'b', 'c'])?.field // 'loss'
 * checkBinary(objectives.binaryCrossEntropyWithLogits, ['a', 'b', 'c'], [3]) // undefined
 * checkBinary(objectives.softmaxCrossEntropy, ['a', 'b', 'c'], [3])?.field // 'loss'
 */
export const checkBinary = (objective: Objective, classes: readonly string[], targetShape: readonly number[] = []): FitError | undefined => {
  const multiLabel = targetShape.length > 0 && classes.length > 0
  if (multiLabel && objective.name === 'softmaxCrossEntropy')
    return fitError('loss', `softmaxCrossEntropy takes one class index per row; the training set is multi-label (targetShape ${fmt(targetShape)}: ${classes.join(', ')}, each 0 or 1): use binaryCrossEntropyWithLogits`)
  return !multiLabel && objective.name === 'binaryCrossEntropyWithLogits' && classes.length > 2
    ? fitError('loss', `binaryCrossEntropyWithLogits needs two classes (labels 0/1); the training set has ${classes.length} (${classes.join(', ')}): use softmaxCrossEntropy`)
    : undefined
}

/**
 * Checks `freeze` against the model's parameter paths: every listed path or prefix must name some
 * parameter, and something must be left to train.
 * @example
 * import { checkFreeze } from './validate.js'
 * checkFreeze(['dense0'], ['dense0.w', 'dense0.b', 'dense2.w']) // undefined
 * checkFreeze(['dense1'], ['dense0.w', 'dense2.w'])?.message // "fit: freeze names 'dense1', which is no parameter path or prefix of the model; its parameters are 'dense0.w', 'dense2.w'"
 */
export const checkFreeze = (freeze: Freeze | undefined, paths: readonly string[]): FitError | undefined => {
  if (freeze === undefined) return undefined
  if (typeof freeze !== 'function') {
    const bad = freeze.filter((f) => typeof f !== 'string' || f.length === 0)
    if (bad.length > 0) return fitError('freeze', `freeze entries must be non-empty dotted paths, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`)
    const unknown = unknownPrefixes(freeze, paths)
    if (unknown.length > 0)
      return fitError('freeze', `freeze names ${unknown.map((u) => `'${u}'`).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} no parameter path or prefix of the model; its parameters are ${paths.map((p) => `'${p}'`).join(', ') || 'none'}`)
  }
  const frozen = frozenBy(freeze)
  if (paths.length > 0 && paths.every((p) => frozen(p)))
    return fitError('freeze', `freeze covers every parameter (${paths.map((p) => `'${p}'`).join(', ')}); nothing would be trained`)
  return undefined
}
