/**
 * Labels and scores from a trained classifier: labels at a chosen threshold for a binary model (so
 * an operating point picked on the dev set with `chooseThreshold` is applied as chosen), and the
 * positive-class column of the predicted probabilities for the curves and scores.
 * @module
 */
import type { Dataset } from '../data/dataset.js'
import { argmaxRows } from '../metrics/classification.js'
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from '../options.js'
import { predict, type Trained } from './predict.js'

/** Options of {@link predictLabels}. */
export interface PredictLabelsOptions {
  /**
   * Binary models only: a row is labelled `positiveClass` when its probability of that class is at
   * least this, else the other class. A number in [0, 1]; needs `positiveClass`.
   */
  readonly threshold?: number
  /** The class the threshold applies to (0 or 1); needs `threshold`. */
  readonly positiveClass?: number
}

const LABEL_KINDS: OptionKinds<PredictLabelsOptions> = { threshold: 'number', positiveClass: 'number' }

/** The number of probability columns of a classifier (as `predict` gives them), or throws for regression. */
const classColumns = (who: string, trained: Trained): number => {
  if (!trained.objective.classification)
    throw new Error(`${who}: the model is a regression model (objective ${trained.objective.name}); expected a classifier`)
  return Math.max(trained.classes.length, 2)
}

const checkClass = (who: string, c: unknown, k: number): number => {
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0 || c >= k)
    throw new ArgumentError(who, 'positiveClass', `expected a class index in [0, ${k}), got ${describeValue(c)}`)
  return c
}

/**
 * Predicted labels of a trained classifier on `ds`. Without options: the most probable class of
 * each row (argmax, ties to the lower class). With `{ threshold, positiveClass }` (binary models
 * only): `positiveClass` when that class's probability is `>= threshold`, else the other class.
 * Throws an `ArgumentError` naming the option for a threshold outside [0, 1], a threshold on a
 * model with more than 2 classes, a positive class out of range, or one of the two options without
 * the other; throws for a regression model.
 * @example
 * import { predictLabels, predict, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, test] = [flower(key(1), 40), flower(key(2), 20)]
 * const r = fit(sequential(dense(2)), train, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const p = predict(r.right, test)
 * const labels = predictLabels(r.right, test, { threshold: 0.2, positiveClass: 1 })
 * labels.every((l, i) => l === (p[2 * i + 1]! >= 0.2 ? 1 : 0)) // true
 * predictLabels(r.right, test, { threshold: 0, positiveClass: 1 }).every((l) => l === 1) // true
 */
export const predictLabels = (trained: Trained, ds: Dataset, options: PredictLabelsOptions = {}): Float64Array => {
  const who = 'predictLabels'
  checkOptionKinds(who, options, LABEL_KINDS)
  const k = classColumns(who, trained)
  const { threshold, positiveClass } = options
  if (threshold === undefined && positiveClass === undefined) return argmaxRows(predict(trained, ds), k)
  if (threshold === undefined)
    throw new ArgumentError(who, 'threshold', 'missing; positiveClass is only used with a threshold (expected a number in [0, 1])')
  if (!(threshold >= 0 && threshold <= 1)) throw new ArgumentError(who, 'threshold', `expected a probability in [0, 1], got ${describeValue(threshold)}`)
  if (k !== 2)
    throw new ArgumentError(who, 'threshold', `a threshold needs a binary model (2 classes), this one has ${k}; leave it out for argmax labels`)
  if (positiveClass === undefined)
    throw new ArgumentError(who, 'positiveClass', 'missing; expected the class (0 or 1) whose probability the threshold applies to')
  const pos = checkClass(who, positiveClass, 2)
  const p = predict(trained, ds)
  return Float64Array.from({ length: ds.n }, (_, i) => (p[2 * i + pos]! >= threshold ? pos : 1 - pos))
}

/**
 * The predicted probability of class `positiveClass` for each row of `ds`: the scores that
 * `rocCurve`, `precisionRecallCurve`, `averagePrecision` and `chooseThreshold` take (one-vs-rest for
 * more than 2 classes). Throws an `ArgumentError` for a class out of range, and for a regression model.
 * @example
 * import { positiveScores, predict, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, test] = [flower(key(1), 40), flower(key(2), 20)]
 * const r = fit(sequential(dense(2)), train, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const s = positiveScores(r.right, test, 0)
 * const p = predict(r.right, test)
 * s.length // 20
 * s[3] === p[6] // true
 */
export const positiveScores = (trained: Trained, ds: Dataset, positiveClass: number): Float64Array => {
  const who = 'positiveScores'
  const k = classColumns(who, trained)
  const c = checkClass(who, positiveClass, k)
  const p = predict(trained, ds)
  return Float64Array.from({ length: ds.n }, (_, i) => p[i * k + c]!)
}
