// The main job (`npm start`): an MLP on the bundled UCI digits with a stratified train/dev/test split,
// progress while training, test accuracy, the confusion matrix, per-class F1 and a learning-curve SVG.
import * as E from 'fp-ts/lib/Either.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { adam, classificationReport, confusionMatrix, dense, evaluateModel, fit, formatConfusionMatrix, key, layers, learningCurve, learningCurveDiagnosis, summary, learningCurvePlot, precisionRecallF1, sequential, standardizeSplit, trainDevTestSplit, type ProgressStream } from '../src/index.js'
import { loadDigitsOrThrow, writeSvg } from '../src/node/index.js'

/** Settings of the main job; the test suite runs it with small ones. */
export interface MainOptions {
  readonly epochs: number
  readonly hidden: number
  readonly curveSizes: readonly number[]
  readonly svgPath: string
  readonly progress: boolean | ProgressStream
  readonly log: (line: string) => void
}

const defaults: MainOptions = {
  epochs: 40,
  hidden: 64,
  curveSizes: [100, 200, 400, 700, 1000, 1257],
  svgPath: 'out/digits-learning-curve.svg',
  progress: process.stdout, // a terminal gets the redrawn bar; `true` prints plain lines through the console
  log: (line) => console.log(line),
}

/** Runs the job and returns the test accuracy. */
export const main = (options: Partial<MainOptions> = {}): number => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const digits = loadDigitsOrThrow()
  const split = trainDevTestSplit(key(42), digits, { dev: 0.15, test: 0.15, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  // Standardize with statistics of the training split only.
  const { train, dev, test } = standardizeSplit(split.right)
  o.log(`digits: ${train.n} train, ${dev.n} dev, ${test.n} test rows, ${digits.classes.length} classes`)

  const model = () => sequential(layers.flatten(), dense(o.hidden), layers.relu(), layers.dropout(0.1), dense(o.hidden), layers.relu(), dense(10))
  o.log(summary(model(), [32, ...train.featureShape]))
  const fitOptions = { epochs: o.epochs, batchSize: 32, optimizer: adam(3e-3), key: key(7), regularization: { l2: 1e-4 } }
  const trained = fit(model(), train, { ...fitOptions, dev, progress: o.progress, earlyStopping: { patience: 8 } })
  if (E.isLeft(trained)) throw new Error(trained.left.message)
  const r = trained.right
  const last = r.history[r.history.length - 1]!
  o.log(`trained ${r.history.length} epochs (best ${r.bestEpoch}); final train loss ${last.trainLoss.toFixed(4)}, dev accuracy ${last.devAccuracy.toFixed(4)}`)

  const ev = evaluateModel(r, test)
  o.log(`test accuracy ${ev.accuracy.toFixed(4)}, test loss ${ev.loss.toFixed(4)}`)
  o.log('confusion matrix (rows: true digit, columns: predicted):')
  o.log(formatConfusionMatrix(confusionMatrix(test.y, ev.labels, 10), digits.classes))
  o.log(classificationReport(precisionRecallF1(test.y, ev.labels, 10), digits.classes))

  const curve = learningCurve(model, train, dev, o.curveSizes, fitOptions)
  if (E.isLeft(curve)) throw new Error(curve.left.message)
  const c = curve.right
  const baselineError = 0.02
  const diag = learningCurveDiagnosis({ baselineError, trainError: c.trainError[c.trainError.length - 1]!, devError: c.devError[c.devError.length - 1]! })
  o.log(`learning curve: sizes ${c.sizes.join(', ')}; dev error ${c.devError.map((e) => e.toFixed(3)).join(', ')}`)
  o.log(`diagnosis against a ${baselineError} baseline error: ${diag.verdict} (${diag.suggestion})`)
  mkdirSync(dirname(o.svgPath), { recursive: true })
  const written = writeSvg(o.svgPath, learningCurvePlot({ ...c, baselineError }, { title: 'Digits MLP: learning curve' }))
  o.log(E.isRight(written) ? `learning curve written to ${written.right}` : `could not write the SVG: ${written.left.message}`)
  o.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return ev.accuracy
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
