/**
 * Learning curves: train and dev error against training-set size, as the course draws them to tell
 * bias from variance.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { classIndices, take, type Dataset } from '../data/dataset.js'
import type { Layer } from '../nn/layer.js'
import { describeValue } from '../options.js'
import { foldIn } from '../random/key.js'
import { permutation } from '../random/sample.js'
import { fit, type FitOptions } from './fit.js'
import { checkFitOptions, FIT_OPTIONS } from './fitOptions.js'
import { evaluateModel } from './predict.js'
import { fitError, type FitError } from './validate.js'

/** Train and dev error at each training-set size (error = 1 - accuracy, or the loss for regression). */
export interface LearningCurveResult {
  readonly sizes: readonly number[]
  readonly trainError: readonly number[]
  readonly devError: readonly number[]
}

/** The first `m` rows of a stratified, shuffled order: every class keeps its share at every size. */
const stratifiedOrder = (ds: Dataset, seedKey: FitOptions['key']): number[] => {
  const groups = ds.classes.length > 0 ? classIndices(ds).map((g, c) => Array.from(permutation(foldIn(seedKey, c), g.length), (j) => g[j]!)) : [Array.from(permutation(seedKey, ds.n))]
  const out: number[] = []
  const pos = groups.map(() => 0)
  // Interleave classes in proportion to their sizes, so any prefix is near-stratified.
  while (out.length < ds.n) {
    let pick = -1
    let lag = -Infinity
    groups.forEach((g, c) => {
      if (pos[c]! >= g.length) return
      const l = (out.length + 1) * (g.length / ds.n) - pos[c]!
      if (l > lag) [pick, lag] = [c, l]
    })
    out.push(groups[pick]![pos[pick]!]!)
    pos[pick] = pos[pick]! + 1
  }
  return out
}

/**
 * Fits a fresh model at each size and measures its error on the rows it saw and on `dev`.
 * @example
 * import { learningCurve, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, dev] = [flower(key(1), 80), flower(key(2), 40)]
 * const curve = learningCurve(() => sequential(dense(2)), train, dev, [20, 40], { epochs: 2, batchSize: 10, optimizer: adam(0.01), key: key(0) })
 * curve._tag === 'Right' && [curve.right.sizes, curve.right.devError.length] // [[20, 40], 2]
 */
export const learningCurve = (
  makeModel: () => Layer,
  train: Dataset,
  dev: Dataset,
  sizes: readonly number[],
  options: FitOptions,
): E.Either<FitError, LearningCurveResult> => {
  // The options and every size are checked before the first fit, so a mistake costs no training.
  const badOption = checkFitOptions(options, FIT_OPTIONS)
  if (badOption !== undefined) return E.left(badOption)
  if (typeof makeModel !== 'function') return E.left(fitError('makeModel', `makeModel: expected a function returning a fresh model, got ${describeValue(makeModel)}`))
  if (!Array.isArray(sizes)) return E.left(fitError('sizes', `sizes: expected an array of training-set sizes, got ${describeValue(sizes)}`))
  const bad = sizes.find((m) => !Number.isInteger(m) || m < 1 || m > train.n)
  if (bad !== undefined) return E.left(fitError('sizes', `learning-curve size ${bad} must be an integer in [1, ${train.n}]`))
  const order = stratifiedOrder(train, foldIn(options.key, 99))
  const result: { sizes: number[]; trainError: number[]; devError: number[] } = { sizes: [], trainError: [], devError: [] }
  for (const m of sizes) {
    const subset = take(train, order.slice(0, m))
    const r = fit(makeModel(), subset, { ...options, batchSize: Math.min(options.batchSize, m), dev })
    if (E.isLeft(r)) return r
    const err = (ds: Dataset) => {
      const ev = evaluateModel(r.right, ds)
      return r.right.objective.classification ? 1 - ev.accuracy : ev.loss
    }
    result.sizes.push(m)
    result.trainError.push(err(subset))
    result.devError.push(err(dev))
  }
  return E.right(result)
}
