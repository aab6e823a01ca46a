// Regularization on a deliberately overfitting setup: a big network (64-256-256-10, about 85k
// parameters) trained long on only 200 digits, judged on a dev set of the other digits' rows.
// Without regularization it drives the training error to zero while the dev error stays far higher
// (high variance). An L2 penalty or dropout narrows that gap a little; a huge L2 lambda crushes the weights
// so the network cannot even fit the training set (high bias: train and dev errors both high).
//
// Note on lambda: `fit` adds `l2 / 2 * sum(w^2)` (over every parameter, biases included) to the mean
// batch loss, while the course adds `lambda / (2 m) * sum(W^2)` to the mean cost: course lambda = m * l2.
//
// Measured (full settings, `npx tsx examples/regularization.ts`, 2 cores):
//   (train error / dev error, 150 epochs)
//   no regularization   0.0000 / 0.0860   <- variance: perfect on its 200 rows, 8.6% wrong on new ones
//   L2 (lambda 0.03)    0.0000 / 0.0820
//   dropout (rate 0.5)  0.0000 / 0.0820
//   huge L2 (lambda 0.2) 0.5950 / 0.6080  <- bias: cannot even fit the training rows
//   (The gains of mild regularization are modest on the clean digits; lambda between 0.15 and 0.25 moves
//   from mild to total underfitting.) 54 s wall on a loaded machine (43 s CPU).
import * as E from 'fp-ts/lib/Either.js'
import { pathToFileURL } from 'node:url'
import { adam, dense, evaluateModel, fit, fitStandardizer, key, layers, sequential, standardize, trainTestSplit, type Layer, type Regularization } from '../src/index.js'
import { loadDigitsOrThrow } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface RegularizationOptions {
  /** Training rows (a stratified subset of the digits). */
  readonly trainSize: number
  /** Dev rows (disjoint from the training rows). */
  readonly devSize: number
  readonly hidden: number
  readonly epochs: number
  readonly batchSize: number
  readonly l2: number
  readonly hugeL2: number
  readonly dropout: number
  readonly log: (line: string) => void
}

const defaults: RegularizationOptions = {
  trainSize: 200,
  devSize: 500,
  hidden: 256,
  epochs: 150,
  batchSize: 32,
  l2: 0.03,
  hugeL2: 0.2,
  dropout: 0.5,
  log: (line) => console.log(line),
}

/** Train and dev error (1 - accuracy) of one configuration. */
export interface RegularizationRun {
  readonly name: string
  readonly trainError: number
  readonly devError: number
}

/** Runs the example and returns one row per configuration: none, L2, dropout, huge L2. */
export const main = (options: Partial<RegularizationOptions> = {}): readonly RegularizationRun[] => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const digits = loadDigitsOrThrow()
  const outer = trainTestSplit(key(5), digits, { test: o.devSize / digits.n, stratify: true })
  if (E.isLeft(outer)) throw new Error(outer.left.message)
  const rest = outer.right.train
  const inner = trainTestSplit(key(6), rest, { test: 1 - o.trainSize / rest.n, stratify: true })
  if (E.isLeft(inner)) throw new Error(inner.left.message)
  const scaler = fitStandardizer(inner.right.train)
  const train = standardize(scaler)(inner.right.train)
  const dev = standardize(scaler)(outer.right.test)
  o.log(`digits: ${train.n} training rows, ${dev.n} dev rows; network 64-${o.hidden}-${o.hidden}-10, ${o.epochs} epochs`)

  const net = (rate: number): Layer =>
    sequential(
      layers.flatten(),
      dense(o.hidden), layers.relu(), ...(rate > 0 ? [layers.dropout(rate)] : []),
      dense(o.hidden), layers.relu(), ...(rate > 0 ? [layers.dropout(rate)] : []),
      dense(10),
    )
  const configs: readonly [string, Layer, Regularization][] = [
    ['no regularization', net(0), {}],
    [`L2 (lambda ${o.l2})`, net(0), { l2: o.l2 }],
    [`dropout (rate ${o.dropout})`, net(o.dropout), {}],
    [`huge L2 (lambda ${o.hugeL2})`, net(0), { l2: o.hugeL2 }],
  ]
  o.log(`${'configuration'.padEnd(26)}  train error  dev error`)
  const runs = configs.map(([name, model, regularization]): RegularizationRun => {
    const r = fit(model, train, { epochs: o.epochs, batchSize: o.batchSize, optimizer: adam(1e-3), key: key(8), regularization })
    if (E.isLeft(r)) throw new Error(r.left.message)
    const run = { name, trainError: 1 - evaluateModel(r.right, train).accuracy, devError: 1 - evaluateModel(r.right, dev).accuracy }
    o.log(`${name.padEnd(26)}  ${run.trainError.toFixed(4).padStart(11)}  ${run.devError.toFixed(4).padStart(9)}`)
    return run
  })
  const [none, , , huge] = runs
  o.log(`no regularization: dev - train gap ${(none!.devError - none!.trainError).toFixed(4)} (variance); huge L2: train error ${huge!.trainError.toFixed(4)} (bias)`)
  o.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return runs
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
