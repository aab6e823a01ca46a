// Stratified 5-fold cross-validation on iris (150 rows, 3 classes of 50): each fold holds out a fifth
// of the rows (10 per class), standardizes with the other four fifths' statistics, trains a small MLP
// on them and measures accuracy on the held-out fifth. With only 150 rows a single split's accuracy
// swings by several points with the split; the mean over folds is a steadier estimate, and the
// standard deviation shows how much one split can be trusted.
//
// Measured (full settings, `npx tsx examples/kfold-iris.ts`, 2 cores):
//   per-fold accuracy 0.9333, 0.9333, 0.9667, 1.0000, 0.9667 (30 held-out rows each);
//   mean 0.9600, standard deviation 0.0249; 0.7 s.
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import { adam, dense, evaluateModel, fit, kFold, key, layers, sequential, standardizeSplit } from '../src/index.js'
import { loadIrisOrThrow } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface KFoldOptions {
  readonly k: number
  readonly hidden: number
  readonly epochs: number
  readonly batchSize: number
  readonly log: (line: string) => void
}

const defaults: KFoldOptions = { k: 5, hidden: 8, epochs: 100, batchSize: 16, log: (line) => console.log(line) }

/** What the example measured. */
export interface KFoldResult {
  /** Held-out accuracy of each fold. */
  readonly accuracies: readonly number[]
  /** Held-out rows of each fold. */
  readonly devSizes: readonly number[]
  readonly mean: number
  /** Population standard deviation over folds (numpy's `scores.std()`). */
  readonly std: number
}

/** Runs the example and returns its measurements. */
export const main = (options: Partial<KFoldOptions> = {}): KFoldResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const iris = loadIrisOrThrow()
  const folds = kFold(key(0), iris, o.k, { stratify: true })
  if (E.isLeft(folds)) throw new Error(folds.left.message)
  o.log(`iris: ${iris.n} rows, ${iris.classes.length} classes (${iris.classes.join(', ')}); ${o.k}-fold stratified cross-validation, MLP 4-${o.hidden}-3`)

  const accuracies: number[] = []
  const devSizes: number[] = []
  folds.right.forEach((fold, i) => {
    // Standardize inside the fold: the held-out rows must not influence the scaling.
    const { train, dev } = standardizeSplit(fold)
    const model = sequential(dense(o.hidden), layers.tanh(), dense(3))
    const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer: adam(0.01), key: key(1) })
    if (E.isLeft(r)) throw new Error(r.left.message)
    const acc = evaluateModel(r.right, dev).accuracy
    accuracies.push(acc)
    devSizes.push(dev.n)
    o.log(`fold ${i + 1}: train ${train.n} rows, held out ${dev.n}: accuracy ${acc.toFixed(4)}`)
  })
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length
  const std = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / accuracies.length)
  o.log(`cross-validated accuracy: mean ${mean.toFixed(4)}, standard deviation ${std.toFixed(4)}`)
  o.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return { accuracies, devSizes, mean, std }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
