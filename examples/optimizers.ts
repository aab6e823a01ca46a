// The course's "optimization methods" comparison: the same 3-layer network (5 and 2 ReLU units, He
// initialization, one output logit) on the same noisy two-moons data, from the same initial weights
// (same key), trained with mini-batches of 64 by plain SGD, SGD with momentum 0.9, RMSprop and Adam at
// the same small learning rate 0.0007. Plain SGD and momentum creep along; the adaptive methods, which
// rescale every parameter's step by its running gradient magnitude, converge much faster.
// The per-epoch training losses go to an SVG; final losses and accuracies are printed.
//
// Measured (full settings, `npx tsx examples/optimizers.ts`, 2 cores):
//   5000 epochs (4 steps each) per optimizer; final training loss / train / test accuracy:
//   SGD 0.3602 / 0.8667 / 0.8500, momentum 0.2270 / 0.9167 / 0.9167, RMSprop 0.0684 / 0.9792 / 0.9333,
//   Adam 0.0547 / 0.9792 / 0.9333. 17 s wall on a loaded machine (7 s CPU); curves in
//   out/optimizers-loss.svg. (torch-style momentum has no (1 - beta) damping, so with beta 0.9 its
//   effective step is 10x SGD's: that is why it beats plain SGD here, unlike the course's version.)
import * as E from 'fp-ts/lib/Either.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { adam, dense, evaluateModel, fit, heNormal, key, layers, lossHistoryPlot, moons, rmsprop, sequential, sgd, shuffle, trainTestSplit, type Optimizer } from '../src/index.js'
import { writeSvg } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface OptimizersOptions {
  readonly n: number
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly svgPath: string
  readonly log: (line: string) => void
}

const defaults: OptimizersOptions = {
  n: 300,
  epochs: 5000,
  batchSize: 64,
  learningRate: 7e-4,
  svgPath: 'out/optimizers-loss.svg',
  log: (line) => console.log(line),
}

/** One optimizer's run. */
export interface OptimizerRun {
  readonly name: string
  readonly losses: readonly number[]
  readonly trainAccuracy: number
  readonly testAccuracy: number
}

/** What the example measured. */
export interface OptimizersResult {
  readonly runs: readonly OptimizerRun[]
  /** The SVG written, or undefined when writing failed. */
  readonly svgPath: string | undefined
}

/** Runs the example and returns its measurements. */
export const main = (options: Partial<OptimizersOptions> = {}): OptimizersResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const split = trainTestSplit(key(3), shuffle(key(2), moons(key(1), o.n, 0.2)), { test: 0.2, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  const { train, test } = split.right
  o.log(`moons: ${train.n} train, ${test.n} test points; network 2-5-2-1, batch ${o.batchSize}, learning rate ${o.learningRate}`)

  const lr = o.learningRate
  const optimizers: readonly [string, Optimizer][] = [
    ['SGD', sgd(lr)],
    ['momentum', sgd(lr, { momentum: 0.9 })],
    ['RMSprop', rmsprop(lr)],
    ['Adam', adam(lr)],
  ]
  const model = sequential(dense(5, { init: heNormal }), layers.relu(), dense(2, { init: heNormal }), layers.relu(), dense(1, { init: heNormal }))
  o.log('optimizer   final loss  train acc  test acc  seconds')
  const runs = optimizers.map(([name, optimizer]): OptimizerRun => {
    const t = Date.now()
    // The same key gives every optimizer the same initial weights and the same mini-batch order.
    const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer, key: key(10), loss: 'binaryCrossEntropyWithLogits' })
    if (E.isLeft(r)) throw new Error(r.left.message)
    const losses = r.right.history.map((h) => h.trainLoss)
    const run = { name, losses, trainAccuracy: evaluateModel(r.right, train).accuracy, testAccuracy: evaluateModel(r.right, test).accuracy }
    const cols = [name.padEnd(9), losses[losses.length - 1]!.toFixed(4).padStart(10), run.trainAccuracy.toFixed(4).padStart(9), run.testAccuracy.toFixed(4).padStart(8)]
    o.log(`${cols.join('  ')}  ${((Date.now() - t) / 1000).toFixed(1).padStart(7)}`)
    return run
  })

  mkdirSync(dirname(o.svgPath), { recursive: true })
  const svg = lossHistoryPlot(Object.fromEntries(runs.map((r) => [r.name, r.losses])), { title: 'Two moons: training loss by optimizer', logY: true })
  const written = writeSvg(o.svgPath, svg)
  o.log(E.isRight(written) ? `loss curves written to ${written.right}` : `could not write the SVG: ${written.left.message}`)
  o.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return { runs, svgPath: E.isRight(written) ? written.right : undefined }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
