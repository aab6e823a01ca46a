// LeNet-5 (LeCun et al. 1998) on Fashion-MNIST: the 28x28 images padded to 32x32 as LeCun did for MNIST,
// c1 conv 6@5x5, 2x2 average pooling, c3 conv 16@5x5, pooling, f5 dense 120, f6 dense 84, 10 logits;
// tanh as in the original (`activation: 'relu'` trains faster). Needs `apt-get install -y
// dataset-fashion-mnist`; without it the example says so and exits 0.
//
// Measured (full settings, `npx tsx examples/lenet-fashion.ts`, 2 cores): see the README's examples table.
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import { adam, countParams, evaluateModel, fit, key, lenet5, subsample, summary, type ProgressStream } from '../src/index.js'
import { loadFashionMnist } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface LeNetOptions {
  readonly dir: string
  readonly trainRows?: number
  readonly testRows?: number
  readonly activation: 'tanh' | 'relu'
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly progress: boolean | ProgressStream
  readonly log: (line: string) => void
}

const defaults: LeNetOptions = {
  dir: '/usr/share/datasets/fashion-mnist', activation: 'tanh', epochs: 3, batchSize: 64, learningRate: 1e-3,
  progress: process.stdout, log: (line) => console.log(line),
}

/** What the example did. */
export type LeNetResult =
  | { readonly _tag: 'Missing'; readonly message: string }
  | { readonly _tag: 'Trained'; readonly parameters: number; readonly testAccuracy: number; readonly losses: readonly number[]; readonly seconds: number }

/** Runs the example; a missing data set is reported, not thrown. */
export const main = (options: Partial<LeNetOptions> = {}): LeNetResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const loaded = loadFashionMnist(o.dir)
  if (E.isLeft(loaded)) {
    const message = `Fashion-MNIST could not be read: ${loaded.left.message}. Install it with \`apt-get install -y dataset-fashion-mnist\`. Skipping the example.`
    o.log(message)
    return { _tag: 'Missing', message }
  }
  const train = subsample(key(1), loaded.right.train, o.trainRows)
  const test = subsample(key(2), loaded.right.test, o.testRows)
  const model = lenet5({ inputShape: train.featureShape, classes: train.classes.length, activation: o.activation })
  const parameters = countParams(model.init(key(0), [1, ...train.featureShape]).params)
  o.log(`fashion-mnist: ${train.n} train, ${test.n} test images; LeNet-5 (${o.activation}), ${parameters} parameters`)
  o.log(summary(model, [1, ...train.featureShape]))
  const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer: adam(o.learningRate), key: key(5), progress: o.progress })
  if (E.isLeft(r)) throw new Error(r.left.message)
  const losses = r.right.history.map((h) => h.trainLoss)
  const testAccuracy = evaluateModel(r.right, test).accuracy
  const seconds = (Date.now() - t0) / 1000
  o.log(`train loss ${losses.map((l) => l.toFixed(4)).join(', ')}; test accuracy ${testAccuracy.toFixed(4)} (${seconds.toFixed(1)} s)`)
  return { _tag: 'Trained', parameters, testAccuracy, losses, seconds }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
