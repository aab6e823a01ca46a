/**
 * Reproducible splits from PRNG keys: shuffling, train/test and train/dev/test splits (optionally
 * stratified: every part's count of every class is the floor or ceiling of its exact share), k-fold cross
 * validation, bootstrap resamples and mini-batch ranges. Rows of every part come in a random order, each
 * row's targets (all `targetCount` of them) with its features.
 * A split that leaves a class with no rows in some part is a `SplitError` naming the class and part; for
 * a multi-label set, one that leaves a label carried by no row of some part. Multi-label sets cannot be
 * stratified (a row belongs to several classes): asking is an `OptionsError` on `stratify`.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { ArgumentError, checkOptionKinds, type OptionKinds } from '../options.js'
import { foldIn, split, type Key } from '../random/key.js'
import { choice, permutation } from '../random/sample.js'
import { classCounts, classIndices, isMultiLabel, take, targetCount, type Dataset } from './dataset.js'
import { dataError, type DataError } from './error.js'

/** A train/test split: the two data sets and their rows' indices in the source data set. */
export type TrainTest = {
  readonly train: Dataset
  readonly test: Dataset
  readonly trainIndices: Int32Array
  readonly testIndices: Int32Array
}

/** A train/dev/test split with the rows' indices in the source data set. */
export type TrainDevTest = TrainTest & { readonly dev: Dataset; readonly devIndices: Int32Array }

/** One cross-validation fold: the held-out `dev` rows and the `train` rows (all the others). */
export type Fold = {
  readonly train: Dataset
  readonly dev: Dataset
  readonly trainIndices: Int32Array
  readonly devIndices: Int32Array
}

/** A bootstrap resample (n rows drawn with replacement) and its out-of-bag rows (never drawn). */
export type Bootstrap = {
  readonly sample: Dataset
  readonly outOfBag: Dataset
  readonly sampleIndices: Int32Array
  readonly outOfBagIndices: Int32Array
}

/** A half-open row range `[start, end)`. */
export type Batch = { readonly start: number; readonly end: number }

/**
 * The rows in a random order (`permutation(key, n)`).
 * @example
 * import { key, shuffle } from 'kiln'
 * import { loadIrisOrThrow } from 'kiln/node'
 * const iris = shuffle(key(0), loadIrisOrThrow()) // same rows, random order
 * iris.n // 150
 */
export const shuffle = (key: Key, ds: Dataset): Dataset => take(ds, permutation(key, ds.n))

/**
 * `m` rows drawn at random without replacement (the first `m` of `permutation(key, n)`), or all rows,
 * in their order, when `m` is undefined or at least `n`: a smaller training set for a quick run.
 * @example
 * import { key, subsample, flower } from 'kiln'
 * subsample(key(0), flower(key(1), 50), 10).n // 10
 * subsample(key(0), flower(key(1), 50), 80).n // 50
 */
export const subsample = (key: Key, ds: Dataset, m: number | undefined): Dataset => {
  if (m !== undefined && !(Number.isInteger(m) && m >= 0)) throw new RangeError(`subsample: m must be an integer >= 0, got ${m}`)
  return m === undefined || m >= ds.n ? ds : take(ds, permutation(key, ds.n).subarray(0, m))
}

const inOrder = (key: Key, rows: readonly number[]): Int32Array => {
  const p = permutation(key, rows.length)
  return Int32Array.from(p, (i) => rows[i]!)
}

/** Options of `trainTestSplit`. */
type TrainTestOptions = { readonly test?: number; readonly stratify?: boolean }
/** Options of `trainDevTestSplit`. */
type TrainDevTestOptions = { readonly dev?: number; readonly test?: number; readonly stratify?: boolean }
/** Options of `kFold`. */
type KFoldOptions = { readonly stratify?: boolean }

/** The options, or an unknown option (the closest valid one suggested) or a value of the wrong kind as an `OptionsError`. */
const checkedOptions = <T>(op: string, options: T, kinds: OptionKinds<NonNullable<T>>): E.Either<DataError, T> => {
  try {
    return E.right(checkOptionKinds(op, options, kinds))
  } catch (e) {
    if (e instanceof ArgumentError) return E.left(dataError.options(e.field, e.message))
    throw e
  }
}

const checkFraction = (field: string, v: number): E.Either<DataError, number> =>
  Number.isFinite(v) && v > 0 && v < 1
    ? E.right(v)
    : E.left(dataError.options(field, `options.${field}: expected a fraction in (0, 1), got ${v}`))

/**
 * Controlled rounding of the class-by-part table `ideal[c][p] = rows[c] * sizes[p] / n`: every
 * entry becomes its floor or ceiling while each row still sums to `rows[c]` and each column to
 * `sizes[p]` (always possible; found as a b-matching of the fractional cells by augmenting paths).
 */
const allocate = (rows: readonly number[], sizes: readonly number[], n: number): number[][] => {
  const out = rows.map((r) => sizes.map((s) => Math.floor((r * s) / n)))
  const frac = rows.map((r) => sizes.map((s) => (r * s) % n !== 0))
  const rowNeed = rows.map((r, c) => r - out[c]!.reduce((a, b) => a + b, 0))
  const colCap = sizes.map((s, p) => s - out.reduce((a, row) => a + row[p]!, 0))
  const up = rows.map(() => sizes.map(() => false))
  for (let c = 0; c < rows.length; c++)
    for (let unit = 0; unit < rowNeed[c]!; unit++) {
      // BFS over alternating paths: class -(not yet up)-> part -(up)-> class
      const prevOfPart = new Array<number>(sizes.length).fill(-1)
      const prevOfClass = new Array<number>(rows.length).fill(-1)
      const queue = [c]
      prevOfClass[c] = -2
      let found = -1
      for (let q = 0; q < queue.length && found < 0; q++) {
        const x = queue[q]!
        for (let p = 0; p < sizes.length && found < 0; p++) {
          if (!frac[x]![p] || up[x]![p] || prevOfPart[p] !== -1) continue
          prevOfPart[p] = x
          if (colCap[p]! > 0) found = p
          else
            for (let y = 0; y < rows.length; y++)
              if (up[y]![p] && prevOfClass[y] === -1) {
                prevOfClass[y] = p
                queue.push(y)
              }
        }
      }
      if (found < 0) throw new Error('allocate: no controlled rounding found (internal invariant broken)')
      colCap[found]!--
      for (let p = found; ; ) {
        const x = prevOfPart[p]!
        up[x]![p] = true
        if (x === c) break
        p = prevOfClass[x]!
        up[x]![p] = false
      }
    }
  return out.map((row, c) => row.map((v, p) => v + (up[c]![p] ? 1 : 0)))
}

type PartSpec = { readonly name: string; readonly fraction: number }

/**
 * Partitions the rows into `train` plus the named parts; returns index lists in the order
 * `[train, ...parts]`, each in random order.
 */
const partition = (
  key: Key,
  ds: Dataset,
  parts: readonly PartSpec[],
  stratify: boolean,
): E.Either<DataError, readonly Int32Array[]> => {
  const sizes = parts.map((p) => Math.round(ds.n * p.fraction))
  const trainSize = ds.n - sizes.reduce((a, b) => a + b, 0)
  const names = ['train', ...parts.map((p) => p.name)]
  const all = [trainSize, ...sizes]
  const tooSmall = all.findIndex((s) => s < 1)
  if (tooSmall >= 0)
    return E.left(dataError.split(
      `${ds.n} rows split as ${names.map((nm, i) => `${nm} ${all[i]}`).join(', ')}: the ${names[tooSmall]} part is empty; use more rows or other fractions`))
  const refused = stratify ? stratifyProblem(ds) : undefined
  if (refused !== undefined) return E.left(refused)
  const [kRows, kOrder] = split(key) as [Key, Key]
  const buckets: number[][] = all.map(() => [])
  if (!stratify) {
    const perm = permutation(kRows, ds.n)
    let at = 0
    sizes.forEach((s, p) => {
      for (let i = 0; i < s; i++) buckets[p + 1]!.push(perm[at++]!)
    })
    for (; at < ds.n; at++) buckets[0]!.push(perm[at]!)
  } else {
    const groups = classIndices(ds)
    const table = allocate(groups.map((g) => g.length), all, ds.n) // columns: train, ...parts
    groups.forEach((rows, c) => {
      const perm = permutation(foldIn(kRows, c), rows.length)
      let at = 0
      table[c]!.forEach((count, p) => {
        for (let i = 0; i < count; i++) buckets[p]!.push(rows[perm[at++]!]!)
      })
    })
  }
  const out = buckets.map((b, p) => inOrder(foldIn(kOrder, p), b))
  return pipe(
    checkClasses(ds, out.map((idx, p) => ({ name: `${names[p]} part`, idx }))),
    E.map(() => out),
  )
}

/**
 * Why `ds` cannot be stratified, or undefined: stratifying deals each class's rows out separately, so
 * it needs exactly one class per row (a multi-label row belongs to several classes at once).
 */
const stratifyProblem = (ds: Dataset): DataError | undefined => {
  if (ds.classes.length === 0)
    return dataError.options('stratify', 'options.stratify: stratifying needs class labels, this data set has none (regression)')
  if (isMultiLabel(ds))
    return dataError.options('stratify', `options.stratify: stratifying needs one class per row, this data set is multi-label (targetShape [${targetCount(ds)}], a row may carry several labels); split without stratify`)
  return undefined
}

/**
 * A `SplitError` when a class present in `ds` has no rows in one of the parts (for a multi-label set:
 * a label carried by some row is carried by no row of the part).
 */
const checkClasses = (
  ds: Dataset,
  parts: readonly { readonly name: string; readonly idx: Int32Array }[],
): E.Either<DataError, void> => {
  if (ds.classes.length === 0) return E.right(undefined)
  const total = classCounts(ds)
  const what = isMultiLabel(ds) ? 'label' : 'class'
  for (const { name, idx } of parts) {
    const counts = classCounts(ds, idx)
    const c = counts.findIndex((v, cl) => v === 0 && total[cl]! > 0)
    if (c >= 0)
      return E.left(dataError.split(
        `${what} "${ds.classes[c]}" has no rows in the ${name} (it has ${total[c]} rows in all); use more data, fewer parts or larger fractions`))
  }
  return E.right(undefined)
}

/**
 * Splits rows into train and test (`test` fraction, default 0.2, rounded to whole rows). With
 * `stratify` each class is split in the same proportion.
 * @example
 * import { key, labelCounts, trainTestSplit } from 'kiln'
 * import { loadIrisOrThrow } from 'kiln/node'
 * const r = trainTestSplit(key(0), loadIrisOrThrow(), { test: 0.2, stratify: true })
 * r._tag === 'Right' && [labelCounts(r.right.train), labelCounts(r.right.test)] // [[40, 40, 40], [10, 10, 10]]
 */
export const trainTestSplit = (
  key: Key,
  ds: Dataset,
  options: TrainTestOptions = {},
): E.Either<DataError, TrainTest> =>
  pipe(
    checkedOptions('trainTestSplit', options, { test: 'number', stratify: 'boolean' }),
    E.chain(() => checkFraction('test', options.test ?? 0.2)),
    E.chain((test) => partition(key, ds, [{ name: 'test', fraction: test }], options.stratify ?? false)),
    E.map(([trainIndices, testIndices]) => ({
      train: take(ds, trainIndices!),
      test: take(ds, testIndices!),
      trainIndices: trainIndices!,
      testIndices: testIndices!,
    })),
  )

/**
 * Splits rows into train, dev (validation) and test parts; `dev` and `test` are fractions (default
 * 0.1 and 0.1) with `dev + test < 1`, train gets the rest.
 * @example
 * import { key, trainDevTestSplit } from 'kiln'
 * import { loadDigitsOrThrow } from 'kiln/node'
 * const r = trainDevTestSplit(key(1), loadDigitsOrThrow(), { dev: 0.15, test: 0.15, stratify: true })
 * r._tag === 'Right' && [r.right.train.n, r.right.dev.n, r.right.test.n] // [1257, 270, 270]
 */
export const trainDevTestSplit = (
  key: Key,
  ds: Dataset,
  options: TrainDevTestOptions = {},
): E.Either<DataError, TrainDevTest> =>
  pipe(
    checkedOptions('trainDevTestSplit', options, { dev: 'number', test: 'number', stratify: 'boolean' }),
    E.map(() => ({})),
    E.bind('dev', () => checkFraction('dev', options.dev ?? 0.1)),
    E.bind('test', () => checkFraction('test', options.test ?? 0.1)),
    E.filterOrElse(
      ({ dev, test }) => dev + test < 1,
      ({ dev, test }) => dataError.options('dev', `options.dev + options.test must be < 1 to leave training rows, got ${dev} + ${test}`),
    ),
    E.chain(({ dev, test }) =>
      partition(key, ds, [{ name: 'dev', fraction: dev }, { name: 'test', fraction: test }], options.stratify ?? false)),
    E.map(([trainIndices, devIndices, testIndices]) => ({
      train: take(ds, trainIndices!),
      dev: take(ds, devIndices!),
      test: take(ds, testIndices!),
      trainIndices: trainIndices!,
      devIndices: devIndices!,
      testIndices: testIndices!,
    })),
  )

/**
 * k-fold cross validation: the rows are dealt into `k` dev folds of equal size (within one row); fold
 * `f` trains on every row outside dev fold `f`, so every row is a dev row exactly once. With
 * `stratify`, every class is spread evenly over the folds (within one row per class).
 * @example
 * import { kFold, key, labelCounts } from 'kiln'
 * import { loadIrisOrThrow } from 'kiln/node'
 * const folds = kFold(key(0), loadIrisOrThrow(), 5, { stratify: true })
 * folds._tag === 'Right' && folds.right.map((f) => labelCounts(f.dev)) // [[10, 10, 10], [10, 10, 10], [10, 10, 10], [10, 10, 10], [10, 10, 10]]
 */
export const kFold = (
  key: Key,
  ds: Dataset,
  k: number,
  options: KFoldOptions = {},
): E.Either<DataError, readonly Fold[]> => {
  const bad = checkedOptions('kFold', options, { stratify: 'boolean' })
  if (E.isLeft(bad)) return bad
  if (!Number.isInteger(k) || k < 2 || k > ds.n)
    return E.left(dataError.options('k', `kFold: k must be an integer in [2, n = ${ds.n}], got ${k}`))
  const stratify = options.stratify ?? false
  const refused = stratify ? stratifyProblem(ds) : undefined
  if (refused !== undefined) return E.left(refused)
  const [kRows, kOrder] = split(key) as [Key, Key]
  let order: number[]
  if (stratify) {
    order = []
    classIndices(ds).forEach((rows, c) => {
      permutation(foldIn(kRows, c), rows.length).forEach((i) => order.push(rows[i]!))
    })
  } else order = Array.from(permutation(kRows, ds.n))
  const devRows: number[][] = Array.from({ length: k }, () => [])
  order.forEach((row, p) => devRows[p % k]!.push(row))
  const folds = devRows.map((dev, f) => {
    const isDev = new Uint8Array(ds.n)
    dev.forEach((i) => (isDev[i] = 1))
    const train: number[] = []
    for (let i = 0; i < ds.n; i++) if (isDev[i] === 0) train.push(i)
    const [kt, kd] = split(foldIn(kOrder, f)) as [Key, Key]
    return { trainIndices: inOrder(kt, train), devIndices: inOrder(kd, dev) }
  })
  const check = checkClasses(
    ds,
    folds.flatMap((fold, f) => [
      { name: `dev part of fold ${f + 1}`, idx: fold.devIndices },
      { name: `train part of fold ${f + 1}`, idx: fold.trainIndices },
    ]),
  )
  return pipe(
    check,
    E.map(() =>
      folds.map((fold) => ({ ...fold, train: take(ds, fold.trainIndices), dev: take(ds, fold.devIndices) })),
    ),
  )
}

/**
 * A bootstrap resample: `n` rows drawn uniformly with replacement, and the out-of-bag rows (never
 * drawn, in ascending order; about 36.8% of the rows for large `n`). An empty data set is a `SplitError`.
 * @example
 * import { bootstrap, key } from 'kiln'
 * import { loadIrisOrThrow } from 'kiln/node'
 * const r = bootstrap(key(0), loadIrisOrThrow()) // out-of-bag: about 55 of the 150 rows
 * r._tag === 'Right' && r.right.sample.n // 150
 */
export const bootstrap = (key: Key, ds: Dataset): E.Either<DataError, Bootstrap> => {
  if (ds.n === 0) return E.left(dataError.split('bootstrap: cannot resample an empty data set'))
  const sampleIndices = choice(key, ds.n, ds.n, true)
  const drawn = new Uint8Array(ds.n)
  sampleIndices.forEach((i) => (drawn[i] = 1))
  const oob: number[] = []
  for (let i = 0; i < ds.n; i++) if (drawn[i] === 0) oob.push(i)
  const outOfBagIndices = Int32Array.from(oob)
  return E.right({ sample: take(ds, sampleIndices), outOfBag: take(ds, outOfBagIndices), sampleIndices, outOfBagIndices })
}

/**
 * Consecutive mini-batch ranges `[start, end)` covering `0 .. n-1`; the last batch holds the
 * remainder. `batchSize` must be an integer in [1, n]: 0 or more than `n` is an `OptionsError`.
 * @example
 * import { batches } from 'kiln'
 * batches(5, 2) // { _tag: 'Right', right: [{ start: 0, end: 2 }, { start: 2, end: 4 }, { start: 4, end: 5 }] }
 * batches(5, 0)._tag // 'Left'
 */
export const batches = (n: number, batchSize: number): E.Either<DataError, readonly Batch[]> => {
  if (!Number.isSafeInteger(n) || n < 0)
    return E.left(dataError.options('n', `batches: n must be a non-negative integer, got ${n}`))
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n)
    return E.left(dataError.options('batchSize', `batches: batchSize must be an integer in [1, n = ${n}], got ${batchSize}`))
  const out: Batch[] = []
  for (let start = 0; start < n; start += batchSize) out.push({ start, end: Math.min(n, start + batchSize) })
  return E.right(out)
}
