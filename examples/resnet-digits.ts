// Functional models on images: a small ResNet (residual blocks with batch norm, the second stage
// halving the image through a projected shortcut) or a network around one Inception block, on the
// bundled 8x8 digits or, when installed, on Fashion-MNIST (`apt-get install -y dataset-fashion-mnist`).
// The models are built with `modelInput`, `connect`, `merge`, `residualBlock` and `inceptionBlock`;
// `summary` prints the graph with what each layer reads.
//
// Measured (full settings, 2 cores): see the README's examples table.
//   `npx tsx examples/resnet-digits.ts`                 ResNet [16, 32], digits
//   `npx tsx examples/resnet-digits.ts inception`       Inception block, digits
//   `npx tsx examples/resnet-digits.ts resnet fashion`  ResNet on Fashion-MNIST
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import {
  adam, connect, countParams, evaluateModel, fit, functional, heNormal, inceptionBlock, key, layers, modelInput, subsample, smallResNet,
  standardizeSplit, summary, trainTestSplit, type Dataset, type Layer,
} from '../src/index.js'
import { loadDigitsOrThrow, loadFashionMnist } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface ResNetOptions {
  readonly architecture: 'resnet' | 'inception'
  readonly dataset: 'digits' | 'fashion'
  /** Directory of the Fashion-MNIST IDX files. */
  readonly fashionDir: string
  /** Channels per ResNet stage. */
  readonly filters: readonly number[]
  /** Use this many training rows (a random subset; default all). */
  readonly trainRows?: number
  /** Use this many test rows of Fashion-MNIST (default all). */
  readonly testRows?: number
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly log: (line: string) => void
}

const defaults: ResNetOptions = {
  architecture: 'resnet', dataset: 'digits', fashionDir: '/usr/share/datasets/fashion-mnist', filters: [16, 32],
  epochs: 15, batchSize: 32, learningRate: 3e-3, log: (line) => console.log(line),
}

/** What the example did. */
export type ResNetResult =
  | { readonly _tag: 'Missing'; readonly message: string }
  | { readonly _tag: 'Trained'; readonly parameters: number; readonly testAccuracy: number; readonly trainAccuracy: number; readonly losses: readonly number[]; readonly seconds: number }

/** A stem convolution, one Inception block, global average pooling and the classifier. */
const inceptionNet = (shape: readonly number[], classes: number): Layer => {
  const x = modelInput(shape)
  const stem = connect(x, layers.reshape([shape[0]!, shape[1]!, 1]), layers.conv2d(16, 3, { padding: 'same', activation: 'relu', init: heNormal }))
  const block = inceptionBlock(stem, { f1x1: 8, f3x3: [8, 16], f5x5: [4, 8], poolProjection: 8, name: 'inception' })
  return functional(x, connect(block, layers.globalAvgPool2d(), layers.dense(classes)))
}

/** The training and test sets of the chosen data set, standardized with training statistics. */
const data = (o: ResNetOptions): E.Either<string, { train: Dataset; test: Dataset }> => {
  if (o.dataset === 'fashion') {
    const loaded = loadFashionMnist(o.fashionDir)
    if (E.isLeft(loaded)) return E.left(`Fashion-MNIST could not be read: ${loaded.left.message}. Install it with \`apt-get install -y dataset-fashion-mnist\`.`)
    // Pixels come scaled to [0, 1].
    return E.right({ train: subsample(key(1), loaded.right.train, o.trainRows), test: subsample(key(2), loaded.right.test, o.testRows) })
  }
  const split = trainTestSplit(key(42), loadDigitsOrThrow(), { test: 0.2, stratify: true })
  if (E.isLeft(split)) return E.left(split.left.message)
  const { train, test } = standardizeSplit(split.right)
  return E.right({ train: subsample(key(1), train, o.trainRows), test })
}

/** Runs the example; a missing data set is reported, not thrown. */
export const main = (options: Partial<ResNetOptions> = {}): ResNetResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const d = data(o)
  if (E.isLeft(d)) {
    o.log(`${d.left} Skipping the example.`)
    return { _tag: 'Missing', message: d.left }
  }
  const { train, test } = d.right
  const classes = train.classes.length
  const model = o.architecture === 'resnet' ? smallResNet({ inputShape: train.featureShape, classes, filters: o.filters }) : inceptionNet(train.featureShape, classes)
  const parameters = countParams(model.init(key(0), [1, ...train.featureShape]).params)
  o.log(`${o.dataset}: ${train.n} train, ${test.n} test images of ${train.featureShape.join('x')}; ${o.architecture}, ${parameters} parameters`)
  o.log(summary(model, [1, ...train.featureShape]))
  const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer: adam(o.learningRate), key: key(7) })
  if (E.isLeft(r)) throw new Error(r.left.message)
  const losses = r.right.history.map((h) => h.trainLoss)
  const trainAccuracy = evaluateModel(r.right, train).accuracy
  const testAccuracy = evaluateModel(r.right, test).accuracy
  const seconds = (Date.now() - t0) / 1000
  o.log(`train loss ${losses[0]!.toFixed(4)} -> ${losses[losses.length - 1]!.toFixed(4)}; train accuracy ${trainAccuracy.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)} (${seconds.toFixed(1)} s)`)
  return { _tag: 'Trained', parameters, testAccuracy, trainAccuracy, losses, seconds }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [architecture, dataset] = process.argv.slice(2)
  main({ ...(architecture === 'inception' ? { architecture } : {}), ...(dataset === 'fashion' ? { dataset } : {}) })
}
