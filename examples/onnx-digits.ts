// ONNX both ways on the bundled 8x8 UCI digits. (1) Train an MLP with Kiln's own kernels, export it with
// `exportModel` (standardization folded in, so the file takes raw pixel rows; batch axis symbolic) and
// run the file in ONNX Runtime, the engine serving stacks use: its predictions are Kiln's. (2) Train the
// same model with `fitAsync(..., { engine: onnxruntime() })`: every step runs in ONNX Runtime's native
// kernels, and the parameters it ends with equal Kiln's run to about 1e-12 (ONNX Runtime sums in its
// own order, so not bit for bit). The .onnx file opens in Netron, Python's onnxruntime, or PyTorch
// through onnx2torch.
//
// Measured (full settings, `npx tsx examples/onnx-digits.ts`, 2 cores, machine busy):
//   see the README's "ONNX" section for the figures of the last full run.
import * as E from 'fp-ts/lib/Either.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as ort from 'onnxruntime-node'
import {
  adam, dense, evaluateModel, exportModel, fit, fitStandardizer, flattenParams, FLOAT64_SESSION_OPTIONS, key, layers, predict, sequential, standardize, trainTestSplit, type FitOptions,
} from '../src/index.js'
import { fitAsync, loadDigitsOrThrow, onnxruntime } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface OnnxDigitsOptions {
  readonly epochs: number
  readonly hidden: number
  readonly threads: number
  readonly onnxPath: string
  readonly log: (line: string) => void
}

const defaults: OnnxDigitsOptions = { epochs: 20, hidden: 128, threads: 2, onnxPath: 'out/digits-mlp.onnx', log: (line) => console.log(line) }

/** What the example measured. */
export interface OnnxDigitsResult {
  readonly fileBytes: number
  /** Largest |ONNX Runtime - Kiln| over the exported model's test probabilities. */
  readonly exportedDifference: number
  /** Rows whose predicted class differs between the exported model and Kiln. */
  readonly labelMismatches: number
  readonly testAccuracy: number
  readonly ortTestAccuracy: number
  /** Largest difference of a parameter between the two trainings, relative to its tensor's largest magnitude. */
  readonly trainingDifference: number
  readonly kilnMsPerStep: number
  readonly ortMsPerStep: number
}

const worstRelative = (a: ReturnType<typeof flattenParams>, b: ReturnType<typeof flattenParams>): number =>
  Math.max(...a.map(([, va], i) => {
    const vb = b[i]![1] as Float64Array
    const scale = vb.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
    return (va as Float64Array).reduce((m, v, j) => Math.max(m, Math.abs(v - vb[j]!) / scale), 0)
  }))

/** Runs the example and returns its measurements. */
export const main = async (options: Partial<OnnxDigitsOptions> = {}): Promise<OnnxDigitsResult> => {
  const o = { ...defaults, ...options }
  const split = trainTestSplit(key(42), loadDigitsOrThrow(), { test: 0.2, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  const { train: rawTrain, test: rawTest } = split.right
  const standardizer = fitStandardizer(rawTrain)
  const train = standardize(standardizer)(rawTrain)
  const model = () => sequential(layers.flatten(), dense(o.hidden), layers.relu(), dense(o.hidden), layers.relu(), dense(10))
  const fitOptions: FitOptions = { epochs: o.epochs, batchSize: 32, optimizer: adam(2e-3), key: key(7), regularization: { l2: 1e-4 } }
  const steps = o.epochs * Math.ceil(train.n / 32)

  // (1) Kiln's kernels, then the exported file in ONNX Runtime.
  const t0 = performance.now()
  const own = fit(model(), train, fitOptions)
  if (E.isLeft(own)) throw new Error(own.left.message)
  const kilnMsPerStep = (performance.now() - t0) / steps
  const trained = { ...own.right, preprocess: standardizer }
  const bytes = exportModel(trained, { preprocess: true })
  if (E.isLeft(bytes)) throw new Error(bytes.left.message)
  mkdirSync(dirname(o.onnxPath), { recursive: true })
  writeFileSync(o.onnxPath, bytes.right)
  // FLOAT64_SESSION_OPTIONS: all graph optimizations but the one that rounds a scale to float32
  const session = await ort.InferenceSession.create(bytes.right, { ...FLOAT64_SESSION_OPTIONS, logSeverityLevel: 3 })
  const run = await session.run({ x: new ort.Tensor('float64', rawTest.x, [rawTest.n, 8, 8]) })
  await session.release()
  const fromFile = run.probabilities!.data as Float64Array
  const want = predict(trained, rawTest)
  const exportedDifference = fromFile.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0)
  const argmax = (p: Float64Array, r: number) => p.subarray(r * 10, r * 10 + 10).reduce((best, v, j, row) => (v > row[best]! ? j : best), 0)
  let labelMismatches = 0
  for (let r = 0; r < rawTest.n; r++) if (argmax(fromFile, r) !== argmax(want, r)) labelMismatches++
  const testAccuracy = evaluateModel(trained, rawTest).accuracy
  o.log(`Kiln: ${o.epochs} epochs, ${kilnMsPerStep.toFixed(2)} ms/step, test accuracy ${testAccuracy.toFixed(4)}`)
  o.log(`exported ${o.onnxPath}: ${bytes.right.length} bytes; ONNX Runtime on raw test rows: largest probability difference ${exportedDifference.toExponential(2)}, ${labelMismatches} label(s) differ`)

  // (2) The same training with every step on ONNX Runtime.
  const t1 = performance.now()
  const onOrt = await fitAsync(model(), train, { ...fitOptions, engine: onnxruntime({ threads: o.threads }) })
  if (E.isLeft(onOrt)) throw new Error(onOrt.left.message)
  const ortMsPerStep = (performance.now() - t1) / steps
  const trainingDifference = worstRelative(flattenParams(onOrt.right.params), flattenParams(own.right.params))
  const ortTestAccuracy = evaluateModel({ ...onOrt.right, preprocess: standardizer }, rawTest).accuracy
  o.log(`ONNX Runtime (${o.threads} threads): ${ortMsPerStep.toFixed(2)} ms/step, test accuracy ${ortTestAccuracy.toFixed(4)}; parameters differ from Kiln's run by ${trainingDifference.toExponential(2)} (relative)`)
  return { fileBytes: bytes.right.length, exportedDifference, labelMismatches, testAccuracy, ortTestAccuracy, trainingDifference, kilnMsPerStep, ortMsPerStep }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
