// A small convolutional network on the bundled 8x8 UCI digits (1797 images, 10 classes). The data set's
// rows are [8, 8] images; `layers.reshape([8, 8, 1])` makes them NHWC with one channel. Two 3x3
// convolutions (the first keeps the 8x8 size with 'same' padding, 2x2 max pooling halves it, the second
// 'valid' one gives 2x2) see local strokes wherever they are, with 4,800 convolution parameters where the
// first dense layer of deep-digits alone has 8,320. Trained with Adam; prints the test accuracy and time.
//
// Measured (full settings, `npx tsx examples/cnn-digits.ts`, 2 cores):
//   6,090 parameters, 20 epochs of batch 32, Adam 3e-3: test accuracy 0.9721 (train 1.0000), test loss
//   0.1610; 5.4-5.7 ms per compiled training step (deep-digits' 23k-parameter MLP: about 3 ms), 5.6 s in
//   main, 7.5 s wall with tsx start-up. Variants: filters [32, 64] 0.9833 (12.6 s); a global-average
//   head instead of flatten 0.9638.
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import { adam, countParams, evaluateModel, fit, heNormal, key, layers, sequential, standardizeSplit, trainTestSplit } from '../src/index.js'
import { loadDigitsOrThrow } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface CnnDigitsOptions {
  /** Filters of the two convolutions. */
  readonly filters: readonly [number, number]
  /** `'flatten'` (the 2x2 maps into the classifier) or `'globalAvg'` (one mean per filter). */
  readonly head: 'flatten' | 'globalAvg'
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly log: (line: string) => void
}

const defaults: CnnDigitsOptions = { filters: [16, 32], head: 'flatten', epochs: 20, batchSize: 32, learningRate: 3e-3, log: (line) => console.log(line) }

/** What the example measured. */
export interface CnnDigitsResult {
  readonly testAccuracy: number
  readonly trainAccuracy: number
  readonly losses: readonly number[]
  readonly parameters: number
  readonly seconds: number
}

/** Runs the example and returns its measurements. */
export const main = (options: Partial<CnnDigitsOptions> = {}): CnnDigitsResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const digits = loadDigitsOrThrow()
  const split = trainTestSplit(key(42), digits, { test: 0.2, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  // Standardized with statistics of the training split only.
  const { train, test } = standardizeSplit(split.right)

  const [f1, f2] = o.filters
  const model = sequential(
    layers.reshape([8, 8, 1]),
    layers.conv2d(f1, 3, { padding: 'same', init: heNormal, activation: 'relu' }),
    layers.maxPool2d(2),
    layers.conv2d(f2, 3, { init: heNormal, activation: 'relu' }),
    o.head === 'flatten' ? layers.flatten() : layers.globalAvgPool2d(),
    layers.dense(10),
  )
  const parameters = countParams(model.init(key(0), [1, ...train.featureShape]).params)
  o.log(`digits: ${train.n} train, ${test.n} test rows; conv 3x3x${f1} same -> relu -> maxPool 2 -> conv 3x3x${f2} -> relu -> ${o.head} -> dense 10 (${parameters} parameters)`)
  const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer: adam(o.learningRate), key: key(7) })
  if (E.isLeft(r)) throw new Error(r.left.message)
  const losses = r.right.history.map((h) => h.trainLoss)
  const trainSeconds = r.right.history.reduce((a, h) => a + h.seconds, 0)
  const steps = o.epochs * Math.ceil(train.n / o.batchSize)
  o.log(`trained ${losses.length} epochs (${steps} steps, ${((1000 * trainSeconds) / steps).toFixed(2)} ms/step): train loss ${losses[0]!.toFixed(4)} -> ${losses[losses.length - 1]!.toFixed(4)}`)

  const trainAccuracy = evaluateModel(r.right, train).accuracy
  const ev = evaluateModel(r.right, test)
  const seconds = (Date.now() - t0) / 1000
  o.log(`train accuracy ${trainAccuracy.toFixed(4)}, test accuracy ${ev.accuracy.toFixed(4)}, test loss ${ev.loss.toFixed(4)}`)
  o.log(`done in ${seconds.toFixed(1)} s`)
  return { testAccuracy: ev.accuracy, trainAccuracy, losses, parameters, seconds }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
