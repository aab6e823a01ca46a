// A deeper network on the bundled 8x8 UCI digits (1797 images, 10 classes): 4 hidden ReLU layers with
// He initialization (variance 2 / fan-in keeps the activations' scale from shrinking or exploding
// through the ReLUs), trained with Adam on mini-batches. Prints the test accuracy and the per-class
// precision / recall / F1 report.
//
// Measured (full settings, `npx tsx examples/deep-digits.ts`, 2 cores):
//   network 64-128-64-64-32-10 (23,146 parameters), 30 epochs of batch 32: test accuracy 0.9749
//   (train 1.0000), test loss 0.2615; per-class F1 0.94 (digit 1) to 1.00 (digits 0, 7);
//   19.5 s wall on a loaded machine (6.7 s CPU).
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import { adam, classificationReport, countParams, dense, evaluateModel, fit, heNormal, key, layers, precisionRecallF1, sequential, standardizeSplit, trainTestSplit, type PrecisionRecallF1 } from '../src/index.js'
import { loadDigitsOrThrow } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface DeepDigitsOptions {
  /** Units of each hidden layer. */
  readonly hidden: readonly number[]
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly log: (line: string) => void
}

const defaults: DeepDigitsOptions = { hidden: [128, 64, 64, 32], epochs: 30, batchSize: 32, learningRate: 1e-3, log: (line) => console.log(line) }

/** What the example measured. */
export interface DeepDigitsResult {
  readonly testAccuracy: number
  readonly trainAccuracy: number
  readonly losses: readonly number[]
  readonly report: PrecisionRecallF1
}

/** Runs the example and returns its measurements. */
export const main = (options: Partial<DeepDigitsOptions> = {}): DeepDigitsResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const digits = loadDigitsOrThrow()
  const split = trainTestSplit(key(42), digits, { test: 0.2, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  // Standardized with statistics of the training split only.
  const { train, test } = standardizeSplit(split.right)

  const model = sequential(
    layers.flatten(),
    ...o.hidden.flatMap((units) => [dense(units, { init: heNormal }), layers.relu()]),
    dense(10),
  )
  const params = countParams(model.init(key(0), [1, ...train.featureShape]).params)
  o.log(`digits: ${train.n} train, ${test.n} test rows; network 64-${o.hidden.join('-')}-10 (${params} parameters)`)
  const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer: adam(o.learningRate), key: key(7) })
  if (E.isLeft(r)) throw new Error(r.left.message)
  const losses = r.right.history.map((h) => h.trainLoss)
  o.log(`trained ${losses.length} epochs: train loss ${losses[0]!.toFixed(4)} -> ${losses[losses.length - 1]!.toFixed(4)}`)

  const trainAccuracy = evaluateModel(r.right, train).accuracy
  const ev = evaluateModel(r.right, test)
  const report = precisionRecallF1(test.y, ev.labels, 10)
  o.log(`train accuracy ${trainAccuracy.toFixed(4)}, test accuracy ${ev.accuracy.toFixed(4)}, test loss ${ev.loss.toFixed(4)}`)
  o.log(classificationReport(report, digits.classes))
  o.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return { testAccuracy: ev.accuracy, trainAccuracy, losses, report }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
