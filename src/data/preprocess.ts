/**
 * Feature preprocessing, fitted on the training split only and then applied to every split:
 * standardization (zero mean, unit variance per feature), min-max scaling, and one-hot labels.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { featureCount, type Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'

/** Per-feature mean and standard deviation (population, ddof 0; 1 for constant features). */
export type Standardizer = { readonly _tag: 'Standardizer'; readonly mean: Float64Array; readonly std: Float64Array }

/** Per-feature minimum and range (`max - min`; 1 for constant features). */
export type MinMax = { readonly _tag: 'MinMax'; readonly min: Float64Array; readonly range: Float64Array }

/**
 * Fits per-feature mean and std on a data set (the training split). Constant (or numerically
 * constant) features get std 1 so they standardize to 0 instead of NaN. Throws a `RangeError` on an empty data set.
 * @example
 * import { fitStandardizer, makeDataset } from 'kiln'
 * const s = fitStandardizer(makeDataset(Float64Array.of(1, 5, 3, 5), new Float64Array(2), [2], []))
 * s.mean // [2, 5]
 * // the second feature is constant, so its std is 1
 * s.std // [1, 1]
 */
export const fitStandardizer = (ds: Dataset): Standardizer => {
  if (ds.n === 0) throw new RangeError('fitStandardizer: cannot fit on an empty data set')
  const f = featureCount(ds)
  const mean = new Float64Array(f)
  const std = new Float64Array(f)
  for (let i = 0; i < ds.n; i++) for (let j = 0; j < f; j++) mean[j] += ds.x[i * f + j]!
  for (let j = 0; j < f; j++) mean[j] /= ds.n
  for (let i = 0; i < ds.n; i++)
    for (let j = 0; j < f; j++) {
      const d = ds.x[i * f + j]! - mean[j]!
      std[j] += d * d
    }
  for (let j = 0; j < f; j++) {
    const first = ds.x[j]!
    let constant = true
    for (let i = 1; i < ds.n && constant; i++) constant = ds.x[i * f + j] === first
    const s = Math.sqrt(std[j]! / ds.n)
    if (constant) mean[j] = first // exact, so the feature standardizes to exactly 0
    std[j] = !constant && s > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? s : 1
  }
  return { _tag: 'Standardizer', mean, std }
}

const checkWidth = (fn: string, ds: Dataset, width: number): number => {
  const f = featureCount(ds)
  if (f !== width) throw new RangeError(`${fn}: fitted on ${width} features, data set has ${f}`)
  return f
}

/**
 * Applies a fitted standardizer: `(x - mean) / std` per feature, labels unchanged. Data-last, so it
 * maps over splits: `[train, test].map(standardize(fitStandardizer(train)))`. Throws a `RangeError`
 * when the feature counts differ.
 * @example
 * import { fitStandardizer, makeDataset, standardize } from 'kiln'
 * const train = makeDataset(Float64Array.of(0, 2), new Float64Array(2), [1], [])
 * standardize(fitStandardizer(train))(train).x // [-1, 1]
 */
export const standardize =
  (stats: Standardizer) =>
  (ds: Dataset): Dataset => {
    const f = checkWidth('standardize', ds, stats.mean.length)
    const x = new Float64Array(ds.x.length)
    for (let i = 0; i < ds.n; i++)
      for (let j = 0; j < f; j++) x[i * f + j] = (ds.x[i * f + j]! - stats.mean[j]!) / stats.std[j]!
    return { ...ds, x }
  }

/**
 * Standardizes every data set of a split (`train`, `dev`, `test`, ...) with statistics fitted on its
 * `train` part only; index arrays and other fields pass through. Composes with the splitters:
 * `pipe(trainTestSplit(k, ds), E.map(standardizeSplit))`.
 * @example
 * import { standardizeSplit, makeDataset } from 'kiln'
 * const train = makeDataset(Float64Array.of(0, 2), new Float64Array(2), [1], [])
 * const test = makeDataset(Float64Array.of(4), new Float64Array(1), [1], [])
 * const s = standardizeSplit({ train, test })
 * s.test.x // [3]
 * s.standardizer.mean // [1]
 */
export const standardizeSplit = <T extends { readonly train: Dataset }>(split: T): T & { readonly standardizer: Standardizer } => {
  const standardizer = fitStandardizer(split.train)
  const scaled = Object.fromEntries(
    Object.entries(split).map(([k, v]) => [k, isDataset(v) ? standardize(standardizer)(v) : v]),
  ) as T
  return { ...scaled, standardizer }
}

const isDataset = (v: unknown): v is Dataset =>
  typeof v === 'object' && v !== null && 'x' in v && 'y' in v && 'featureShape' in v && (v as Dataset).x instanceof Float64Array

/**
 * Fits per-feature minimum and range on a data set (the training split); constant features get
 * range 1. Throws a `RangeError` on an empty data set.
 * @example
 * import { fitMinMax, makeDataset } from 'kiln'
 * fitMinMax(makeDataset(Float64Array.of(2, 4, 6), new Float64Array(3), [1], [])).range // [4]
 */
export const fitMinMax = (ds: Dataset): MinMax => {
  if (ds.n === 0) throw new RangeError('fitMinMax: cannot fit on an empty data set')
  const f = featureCount(ds)
  const min = new Float64Array(f).fill(Infinity)
  const max = new Float64Array(f).fill(-Infinity)
  for (let i = 0; i < ds.n; i++)
    for (let j = 0; j < f; j++) {
      const v = ds.x[i * f + j]!
      if (v < min[j]!) min[j] = v
      if (v > max[j]!) max[j] = v
    }
  const range = max.map((m, j) => (m > min[j]! ? m - min[j]! : 1))
  return { _tag: 'MinMax', min, range }
}

/**
 * Applies fitted min-max scaling: `(x - min) / range`, giving [0, 1] on the fitting split (other
 * splits may fall slightly outside). Throws a `RangeError` when the feature counts differ.
 * @example
 * import { fitMinMax, makeDataset, minMaxScale } from 'kiln'
 * const ds = makeDataset(Float64Array.of(2, 4, 6), new Float64Array(3), [1], [])
 * minMaxScale(fitMinMax(ds))(ds).x // [0, 0.5, 1]
 */
export const minMaxScale =
  (stats: MinMax) =>
  (ds: Dataset): Dataset => {
    const f = checkWidth('minMaxScale', ds, stats.min.length)
    const x = new Float64Array(ds.x.length)
    for (let i = 0; i < ds.n; i++)
      for (let j = 0; j < f; j++) x[i * f + j] = (ds.x[i * f + j]! - stats.min[j]!) / stats.range[j]!
    return { ...ds, x }
  }

/**
 * One-hot encodes integer labels: row `i` of the result (`labels.length` rows of `depth`) has a 1 at
 * column `labels[i]`. A label that is not an integer in [0, depth) is a `LabelError` naming its index
 * and value. `kiln` exports it as `oneHotLabels` (its `oneHot` is the tensor op).
 * @example
 * import { oneHotLabels } from 'kiln'
 * oneHotLabels(Float64Array.of(2, 0), 3) // { _tag: 'Right', right: [0, 0, 1, 1, 0, 0] }
 * const bad = oneHotLabels([1, 3], 3)
 * bad._tag === 'Left' && bad.left.message // 'oneHot: label 3 at index 1 is outside [0, 3)'
 */
export const oneHot = (labels: ArrayLike<number>, depth: number): E.Either<DataError, Float64Array> => {
  if (!Number.isInteger(depth) || depth < 1)
    return E.left(dataError.options('depth', `oneHot: depth must be a positive integer, got ${depth}`))
  const out = new Float64Array(labels.length * depth)
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!
    if (!Number.isInteger(l) || l < 0 || l >= depth)
      return E.left(dataError.label(i, l, `oneHot: label ${l} at index ${i} is outside [0, ${depth})${Number.isInteger(l) ? '' : ' (not an integer)'}`))
    out[i * depth + l] = 1
  }
  return E.right(out)
}
