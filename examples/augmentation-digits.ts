// Data augmentation on vs off: a small CNN trained on only 300 of the 8x8 digits, once on the images as
// they are and once with every training batch shifted by up to one pixel (`augment: randomShift(...)`,
// keyed per step, so both runs are reproducible; `maxDegrees` adds small rotations through
// `composeAugment`). No flips: a mirrored 2 is not a 2. The test set is the same 359 held-out images.
//
// Measured (full settings, `npx tsx examples/augmentation-digits.ts`, 2 cores, a few seconds): test accuracy
// 0.9499 without augmentation (train 1.0000), 0.9721 with shifts (train 0.9967); shifts plus rotations of
// up to 8 degrees 0.9666. (With a global-average head instead of flatten, shifts plus 12-degree rotations
// lowered it from 0.9415 to 0.7994: that head is already nearly shift-invariant.)
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import {
  adam, composeAugment, evaluateModel, fit, heNormal, key, layers, permutation, randomRotation, randomShift, sequential, take, trainTestSplit,
  type BatchTransform,
} from '../src/index.js'
import { loadDigitsOrThrow } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface AugmentationOptions {
  readonly trainRows: number
  readonly epochs: number
  readonly maxShift: number
  readonly maxDegrees: number
  readonly log: (line: string) => void
}

const defaults: AugmentationOptions = { trainRows: 300, epochs: 60, maxShift: 1, maxDegrees: 0, log: (line) => console.log(line) }

/** Test accuracy and loss without and with augmentation. */
export interface AugmentationResult {
  readonly plain: { readonly testAccuracy: number; readonly trainAccuracy: number }
  readonly augmented: { readonly testAccuracy: number; readonly trainAccuracy: number }
}

/** Runs the example and returns both runs' accuracies. */
export const main = (options: Partial<AugmentationOptions> = {}): AugmentationResult => {
  const o = { ...defaults, ...options }
  const split = trainTestSplit(key(42), loadDigitsOrThrow(), { test: 0.2, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  // Pixel counts 0..16 scaled to [0, 1]: augmentation fills uncovered pixels with 0, the background.
  const scale = <D extends { readonly x: Float64Array }>(ds: D): D => ({ ...ds, x: ds.x.map((v) => v / 16) })
  const train = scale(take(split.right.train, permutation(key(3), split.right.train.n).subarray(0, o.trainRows)))
  const test = scale(split.right.test)
  const model = sequential(
    layers.reshape([8, 8, 1]),
    layers.conv2d(16, 3, { padding: 'same', activation: 'relu', init: heNormal }),
    layers.maxPool2d(2),
    layers.conv2d(32, 3, { padding: 'same', activation: 'relu', init: heNormal }),
    layers.flatten(),
    layers.dense(10),
  )
  const augment: BatchTransform = o.maxDegrees > 0 ? composeAugment(randomShift({ maxShift: o.maxShift }), randomRotation({ maxDegrees: o.maxDegrees })) : randomShift({ maxShift: o.maxShift })
  const run = (withAugment: boolean) => {
    const r = fit(model, train, { epochs: o.epochs, batchSize: 32, optimizer: adam(3e-3), key: key(9), ...(withAugment ? { augment } : {}) })
    if (E.isLeft(r)) throw new Error(r.left.message)
    return { testAccuracy: evaluateModel(r.right, test).accuracy, trainAccuracy: evaluateModel(r.right, train).accuracy }
  }
  const plain = run(false)
  const augmented = run(true)
  o.log(`${train.n} training images, ${test.n} test images, ${o.epochs} epochs`)
  o.log(`without augmentation: train accuracy ${plain.trainAccuracy.toFixed(4)}, test accuracy ${plain.testAccuracy.toFixed(4)}`)
  o.log(`with shifts of up to ${o.maxShift} pixel${o.maxDegrees > 0 ? ` and rotations of up to ${o.maxDegrees} degrees` : ''}: train accuracy ${augmented.trainAccuracy.toFixed(4)}, test accuracy ${augmented.testAccuracy.toFixed(4)}`)
  return { plain, augmented }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
