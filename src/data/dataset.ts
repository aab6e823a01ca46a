/**
 * `Dataset`: rows of features on plain typed arrays, plus labels. The model code wraps these into
 * tensors; everything here is row-major `Float64Array`s.
 * @module
 */

/**
 * A data set of `n` rows. `x` holds `n * featureCount(ds)` values, row-major (row `i` is
 * `x[i * f .. (i + 1) * f)`, each row of shape `featureShape`). `y` holds one value per row: an
 * integer class index into `classes` (stored as float64) for classification, or a regression target
 * when `classes` is empty.
 */
export type Dataset = {
  readonly x: Float64Array
  readonly y: Float64Array
  readonly n: number
  readonly featureShape: readonly number[]
  readonly classes: readonly string[]
}

/**
 * The default bound on the number of classes a reader infers from labels (`maxClasses`): 65,536.
 * @example
 * import { DEFAULT_MAX_CLASSES } from 'kiln'
 * DEFAULT_MAX_CLASSES // 65536
 */
export const DEFAULT_MAX_CLASSES = 65_536

/**
 * Number of feature values per row: the product of `featureShape`.
 * @example
 * import { featureCount, makeDataset } from 'kiln'
 * featureCount(makeDataset(new Float64Array(12), new Float64Array(2), [2, 3], [])) // 6
 */
export const featureCount = (ds: Pick<Dataset, 'featureShape'>): number =>
  ds.featureShape.reduce((a, b) => a * b, 1)

/**
 * True when the data set is a classification set (it names its classes).
 * @example
 * import { isClassification, makeDataset } from 'kiln'
 * isClassification(makeDataset(new Float64Array(1), new Float64Array(1), [1], [])) // false
 */
export const isClassification = (ds: Dataset): boolean => ds.classes.length > 0

/**
 * Builds a `Dataset`, checking its invariants (sizes agree; class labels are integers in range).
 * Throws a `RangeError` describing the broken invariant: use it for data the program built itself;
 * decoders return `Either` instead.
 * @example
 * import { makeDataset } from 'kiln'
 * const ds = makeDataset(Float64Array.of(0, 1, 2, 3), Float64Array.of(0, 1), [2], ['no', 'yes'])
 * ds.n // 2
 */
export const makeDataset = (
  x: Float64Array,
  y: Float64Array,
  featureShape: readonly number[],
  classes: readonly string[],
): Dataset => {
  if (!featureShape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`makeDataset: featureShape must be positive integers, got [${featureShape.join(',')}]`)
  const n = y.length
  const f = featureCount({ featureShape })
  if (x.length !== n * f)
    throw new RangeError(`makeDataset: x has ${x.length} values, expected n * features = ${n} * ${f} = ${n * f}`)
  if (classes.length > 0)
    for (let i = 0; i < n; i++) {
      const c = y[i]!
      if (!Number.isInteger(c) || c < 0 || c >= classes.length)
        throw new RangeError(`makeDataset: row ${i} has label ${c}, expected an integer in [0, ${classes.length})`)
    }
  return { x, y, n, featureShape: [...featureShape], classes: [...classes] }
}

/**
 * The rows at `indices` (in that order; repeats allowed), copied into a new data set.
 * Throws a `RangeError` on an index outside [0, n).
 * @example
 * import { makeDataset, take } from 'kiln'
 * const ds = makeDataset(Float64Array.of(10, 11, 20, 21, 30, 31), Float64Array.of(0, 1, 0), [2], ['a', 'b'])
 * take(ds, [2, 0]).x // [30, 31, 10, 11]
 */
export const take = (ds: Dataset, indices: ArrayLike<number>): Dataset => {
  const f = featureCount(ds)
  const m = indices.length
  const x = new Float64Array(m * f)
  const y = new Float64Array(m)
  for (let r = 0; r < m; r++) {
    const i = indices[r]!
    if (!Number.isInteger(i) || i < 0 || i >= ds.n)
      throw new RangeError(`take: index ${i} at position ${r} is outside [0, ${ds.n})`)
    x.set(ds.x.subarray(i * f, (i + 1) * f), r * f)
    y[r] = ds.y[i]!
  }
  return { x, y, n: m, featureShape: ds.featureShape, classes: ds.classes }
}

/**
 * The rows as `Float64Array` views into `ds.x` (no copies: writing to a row writes to the data set).
 * @example
 * import { makeDataset, rowsOf } from 'kiln'
 * const ds = makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(0, 0), [2], [])
 * rowsOf(ds)[1] // [3, 4]
 */
export const rowsOf = (ds: Dataset): readonly Float64Array[] => {
  const f = featureCount(ds)
  return Array.from({ length: ds.n }, (_, i) => ds.x.subarray(i * f, (i + 1) * f))
}

/**
 * How many rows carry each class: entry `c` counts label `c` (length `classes.length`; empty for
 * regression sets). Throws a `RangeError` when a label is not a valid class index.
 * @example
 * import { labelCounts, makeDataset } from 'kiln'
 * labelCounts(makeDataset(new Float64Array(3), Float64Array.of(1, 0, 1), [1], ['a', 'b'])) // [1, 2]
 */
export const labelCounts = (ds: Dataset): readonly number[] => {
  const counts = new Array<number>(ds.classes.length).fill(0)
  if (ds.classes.length === 0) return counts
  for (let i = 0; i < ds.n; i++) {
    const c = ds.y[i]!
    if (counts[c] === undefined || !Number.isInteger(c))
      throw new RangeError(`labelCounts: row ${i} has label ${c}, expected an integer in [0, ${ds.classes.length})`)
    counts[c]++
  }
  return counts
}

/**
 * The row indices of each class: entry `c` lists, in ascending order, the rows labelled `c`.
 * Throws like `labelCounts` on invalid labels.
 * @example
 * import { classIndices, makeDataset } from 'kiln'
 * classIndices(makeDataset(new Float64Array(3), Float64Array.of(1, 0, 1), [1], ['a', 'b'])) // [[1], [0, 2]]
 */
export const classIndices = (ds: Dataset): readonly (readonly number[])[] => {
  const out: number[][] = ds.classes.map(() => [])
  for (let i = 0; i < ds.n; i++) {
    const bucket = out[ds.y[i]!]
    if (bucket === undefined)
      throw new RangeError(`classIndices: row ${i} has label ${ds.y[i]}, expected an integer in [0, ${ds.classes.length})`)
    bucket.push(i)
  }
  return out
}
