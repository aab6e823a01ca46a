/**
 * `Dataset`: rows of features on plain typed arrays, plus labels. The model code wraps these into
 * tensors; everything here is row-major `Float64Array`s.
 * @module
 */

/**
 * A data set of `n` rows. `x` holds `n * featureCount(ds)` values, row-major (row `i` is
 * `x[i * f .. (i + 1) * f)`, each row of shape `featureShape`). `y` holds `targetCount(ds)` values per
 * row, row-major. With `targetShape` absent or `[]` that is one value per row: an integer class index
 * into `classes` (stored as float64) for classification, or a regression target when `classes` is
 * empty. With `targetShape` `[k]` row `i` has the `k` targets `y[i * k .. (i + 1) * k)`: for
 * classification a multi-label row (target `c` is 1 when the row carries label `classes[c]`, else 0;
 * `classes` names the `k` labels), for regression `k` real targets (multi-output regression).
 */
export type Dataset = {
  readonly x: Float64Array
  readonly y: Float64Array
  readonly n: number
  readonly featureShape: readonly number[]
  readonly classes: readonly string[]
  /** The shape of one row's targets: absent or `[]` (one value per row) or `[k]` (`k` values per row). */
  readonly targetShape?: readonly number[]
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
 * Number of target values per row: the product of `targetShape` (1 when it is absent or `[]`).
 * @example
 * import { makeDataset, targetCount } from 'kiln'
 * targetCount(makeDataset(new Float64Array(2), new Float64Array(6), [1], [], [3])) // 3
 * targetCount(makeDataset(new Float64Array(2), new Float64Array(2), [1], [])) // 1
 */
export const targetCount = (ds: Pick<Dataset, 'targetShape'>): number => (ds.targetShape ?? []).reduce((a, b) => a * b, 1)

/**
 * True when the data set is a classification set (it names its classes).
 * @example
 * import { isClassification, makeDataset } from 'kiln'
 * isClassification(makeDataset(new Float64Array(1), new Float64Array(1), [1], [])) // false
 */
export const isClassification = (ds: Dataset): boolean => ds.classes.length > 0

/**
 * True when the data set is multi-label: a classification set whose rows carry `[k]` 0/1 targets.
 * @example
 * import { isMultiLabel, makeDataset } from 'kiln'
 * isMultiLabel(makeDataset(new Float64Array(2), Float64Array.of(1, 0, 1, 1), [1], ['cat', 'dog'], [2])) // true
 * isMultiLabel(makeDataset(new Float64Array(2), Float64Array.of(1, 0), [1], ['no', 'yes'])) // false
 */
export const isMultiLabel = (ds: Dataset): boolean => isClassification(ds) && (ds.targetShape ?? []).length > 0

/** Why `targetShape` is not `[]` or `[k]` (k a positive integer), or undefined. */
const badTargetShape = (targetShape: readonly number[]): string | undefined =>
  targetShape.length > 1 || !targetShape.every((d) => Number.isInteger(d) && d > 0)
    ? `targetShape must be [] (one target per row) or [k] with k a positive integer, got [${targetShape.join(',')}]`
    : undefined

/** The first target of a classification set that is not a class index (one per row) or 0/1 (multi-label), as a message. */
const badLabel = (y: Float64Array, classes: readonly string[], k: number | undefined): string | undefined => {
  if (k === undefined) {
    for (let i = 0; i < y.length; i++) {
      const c = y[i]!
      if (!Number.isInteger(c) || c < 0 || c >= classes.length) return `row ${i} has label ${c}, expected an integer in [0, ${classes.length})`
    }
    return undefined
  }
  for (let i = 0; i < y.length; i++)
    if (y[i] !== 0 && y[i] !== 1)
      return `row ${Math.floor(i / k)}, column ${i % k} (label '${classes[i % k]}') has target ${y[i]}, expected 0 or 1 (multi-label)`
  return undefined
}

/**
 * Builds a `Dataset`, checking its invariants (sizes agree; class labels are integers in range; with
 * `targetShape` `[k]` and classes, there are `k` class names and every target is 0 or 1).
 * `n` is `y.length / targetCount`. Throws a `RangeError` describing the broken invariant: use it for
 * data the program built itself; decoders return `Either` instead.
 * @example
 * import { makeDataset } from 'kiln'
 * const ds = makeDataset(Float64Array.of(0, 1, 2, 3), Float64Array.of(0, 1), [2], ['no', 'yes'])
 * ds.n // 2
 * // two rows, two labels each (multi-label): row 0 is 'red', row 1 is 'red' and 'round'
 * makeDataset(Float64Array.of(0, 1, 2, 3), Float64Array.of(1, 0, 1, 1), [2], ['red', 'round'], [2]).n // 2
 */
export const makeDataset = (
  x: Float64Array,
  y: Float64Array,
  featureShape: readonly number[],
  classes: readonly string[],
  targetShape?: readonly number[],
): Dataset => {
  if (!featureShape.every((d) => Number.isInteger(d) && d > 0))
    throw new RangeError(`makeDataset: featureShape must be positive integers, got [${featureShape.join(',')}]`)
  const badShape = targetShape === undefined ? undefined : badTargetShape(targetShape)
  if (badShape !== undefined) throw new RangeError(`makeDataset: ${badShape}`)
  const t = targetCount({ ...(targetShape === undefined ? {} : { targetShape }) })
  if (y.length % t !== 0)
    throw new RangeError(`makeDataset: y has ${y.length} values, not a multiple of the ${t} targets per row (targetShape [${targetShape!.join(',')}])`)
  const n = y.length / t
  const f = featureCount({ featureShape })
  if (x.length !== n * f)
    throw new RangeError(`makeDataset: x has ${x.length} values, expected n * features = ${n} * ${f} = ${n * f}`)
  const multi = targetShape !== undefined && targetShape.length > 0
  if (multi && classes.length > 0 && classes.length !== t)
    throw new RangeError(`makeDataset: a multi-label set (targetShape [${t}]) names its ${t} labels in classes, got ${classes.length} (${classes.join(', ')})`)
  if (classes.length > 0) {
    const bad = badLabel(y, classes, multi ? t : undefined)
    if (bad !== undefined) throw new RangeError(`makeDataset: ${bad}`)
  }
  return { x, y, n, featureShape: [...featureShape], classes: [...classes], ...(targetShape === undefined ? {} : { targetShape: [...targetShape] }) }
}

/**
 * The rows at `indices` (in that order; repeats allowed), copied into a new data set: each row's
 * features and its targets (`targetCount` values) move together.
 * Throws a `RangeError` on an index outside [0, n).
 * @example
 * import { makeDataset, take } from 'kiln'
 * const ds = makeDataset(Float64Array.of(10, 11, 20, 21, 30, 31), Float64Array.of(0, 1, 0), [2], ['a', 'b'])
 * take(ds, [2, 0]).x // [30, 31, 10, 11]
 * const multi = makeDataset(Float64Array.of(1, 2, 3), Float64Array.of(10, 11, 20, 21, 30, 31), [1], [], [2])
 * take(multi, [2, 0]).y // Float64Array.of(30, 31, 10, 11)
 */
export const take = (ds: Dataset, indices: ArrayLike<number>): Dataset => {
  const f = featureCount(ds)
  const t = targetCount(ds)
  const m = indices.length
  const x = new Float64Array(m * f)
  const y = new Float64Array(m * t)
  for (let r = 0; r < m; r++) {
    const i = indices[r]!
    if (!Number.isInteger(i) || i < 0 || i >= ds.n)
      throw new RangeError(`take: index ${i} at position ${r} is outside [0, ${ds.n})`)
    x.set(ds.x.subarray(i * f, (i + 1) * f), r * f)
    if (t === 1) y[r] = ds.y[i]!
    else y.set(ds.y.subarray(i * t, (i + 1) * t), r * t)
  }
  return { x, y, n: m, featureShape: ds.featureShape, classes: ds.classes, ...(ds.targetShape === undefined ? {} : { targetShape: ds.targetShape }) }
}

/**
 * The rows as `Float64Array` views into `ds.x` (no copies: writing to a row writes to the data set).
 * A row's targets are `targetRowsOf(ds)[i]`.
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
 * Each row's targets as `Float64Array` views into `ds.y` (`targetCount(ds)` values each; no copies).
 * @example
 * import { makeDataset, targetRowsOf } from 'kiln'
 * const ds = makeDataset(Float64Array.of(1, 2), Float64Array.of(1, 0, 1, 1), [1], ['a', 'b'], [2])
 * targetRowsOf(ds)[1] // Float64Array.of(1, 1)
 */
export const targetRowsOf = (ds: Dataset): readonly Float64Array[] => {
  const t = targetCount(ds)
  return Array.from({ length: ds.n }, (_, i) => ds.y.subarray(i * t, (i + 1) * t))
}

/**
 * How many rows carry each class: entry `c` counts label `c` (length `classes.length`; empty for
 * regression sets). For a multi-label set entry `c` counts the rows whose target `c` is 1 (a row may
 * count for several labels). Throws a `RangeError` when a label is not a valid class index (or 0/1).
 * @example
 * import { labelCounts, makeDataset } from 'kiln'
 * labelCounts(makeDataset(new Float64Array(3), Float64Array.of(1, 0, 1), [1], ['a', 'b'])) // [1, 2]
 * labelCounts(makeDataset(new Float64Array(2), Float64Array.of(1, 0, 1, 1), [1], ['a', 'b'], [2])) // [2, 1]
 */
export const labelCounts = (ds: Dataset): readonly number[] => {
  checkLabels('labelCounts', ds)
  return classCounts(ds)
}

/**
 * The row indices of each class: entry `c` lists, in ascending order, the rows labelled `c` (for a
 * multi-label set, the rows whose target `c` is 1). Throws like `labelCounts` on invalid labels.
 * @example
 * import { classIndices, makeDataset } from 'kiln'
 * classIndices(makeDataset(new Float64Array(3), Float64Array.of(1, 0, 1), [1], ['a', 'b'])) // [[1], [0, 2]]
 */
export const classIndices = (ds: Dataset): readonly (readonly number[])[] => {
  checkLabels('classIndices', ds)
  const out: number[][] = ds.classes.map(() => [])
  const k = ds.classes.length
  const multi = isMultiLabel(ds)
  for (let i = 0; i < ds.n && k > 0; i++)
    if (!multi) out[ds.y[i]!]!.push(i)
    else for (let c = 0; c < k; c++) if (ds.y[i * k + c] === 1) out[c]!.push(i)
  return out
}

/** Throws a `RangeError` naming `who` when a classification set's target is not a class index (or 0/1, multi-label). */
const checkLabels = (who: string, ds: Dataset): void => {
  if (ds.classes.length === 0) return
  const t = targetCount(ds)
  const bad = badLabel(ds.y.subarray(0, ds.n * t), ds.classes, isMultiLabel(ds) ? t : undefined)
  if (bad !== undefined) throw new RangeError(`${who}: ${bad}`)
}

/**
 * Rows per class among `rows` (all rows when undefined), labels taken as valid (see `labelCounts`,
 * which checks them first); for a multi-label set, the rows whose target `c` is 1.
 * @internal
 * @example
 * import { classCounts } from './dataset.js'
 * import { makeDataset } from 'kiln'
 * const ds = makeDataset(new Float64Array(3), Float64Array.of(1, 0, 1), [1], ['a', 'b'])
 * classCounts(ds) // [1, 2]
 * classCounts(ds, [0, 2]) // [0, 2]
 */
export const classCounts = (ds: Dataset, rows?: ArrayLike<number>): number[] => {
  const k = ds.classes.length
  const counts = new Array<number>(k).fill(0)
  const multi = isMultiLabel(ds)
  const m = rows === undefined ? ds.n : rows.length
  for (let r = 0; r < m && k > 0; r++) {
    const i = rows === undefined ? r : rows[r]!
    if (!multi) counts[ds.y[i]!]!++
    else for (let c = 0; c < k; c++) counts[c]! += ds.y[i * k + c]!
  }
  return counts
}
