/**
 * Issue 9: every public function that takes an options object refuses what it does not know. One table
 * lists them (a new options-taking function is added here, in one place); two properties feed them
 * random extra keys (among them `__proto__`, `constructor`, `toString`, set as own keys) and values of
 * the wrong kind, and assert a clear refusal that names the key or field (a thrown error or a `Left`),
 * and that nothing ran: no training step, no callback, no file written.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import * as N from '../../src/node/index.js'

type Kind = 'boolean' | 'number' | 'string' | 'function' | 'array' | 'object'

interface Entry {
  readonly name: string
  /** A valid options object the calls below accept. */
  readonly valid: Readonly<Record<string, unknown>>
  /** The options and the kinds their values may have; absent for functions other helpers own (keys only). */
  readonly kinds?: Readonly<Record<string, readonly Kind[]>>
  readonly run: (options: unknown) => unknown
  /** How many times a callback, training step or write happened (must stay 0 on a refusal). */
  readonly ran?: () => number
}

let count = 0
const counted = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
  count++
  return f(...a)
}
const ran = () => count

const data = K.flower(K.key(1), 24)
const spyModel = (): K.Layer => {
  const inner = K.sequential(K.dense(3), K.layers.tanh(), K.dense(2))
  return K.defineLayer('spy', inner.spec, counted((p, x, ctx) => inner.apply(p, x, ctx)))
}
const fitValid = { epochs: 1, batchSize: 8, optimizer: K.adam(0.01), key: K.key(0) }
const fitKinds: Record<string, readonly Kind[]> = {
  epochs: ['number'], batchSize: ['number'], optimizer: ['object'], loss: ['string', 'object'], key: ['object'], dev: ['object'],
  regularization: ['object'], earlyStopping: ['object'], shuffle: ['boolean'], onEpochEnd: ['function'], progress: ['boolean', 'function', 'object'],
  initial: ['object'], freeze: ['array', 'function'], engine: ['string'], stopOnNonFinite: ['boolean'], checkpoint: ['object'], resume: ['object'],
  augment: ['function'], steps: ['object'], checkLogits: ['boolean'],
}
const x = K.input('x', [2])
const probs = K.constant([0.3, 0.6], [2])
const metrics = K.precisionRecallF1([0, 1, 1], [0, 1, 0], 2)
const cm = K.confusionMatrix([0, 1, 1], [0, 1, 0], 2)
const progressState = { epoch: 1, epochs: 1, batch: 1, batches: 1, loss: 0.5, elapsed: 0 }
const series = [{ name: 'a', x: [1, 2], y: [1, 0.5] }]
const saved = { params: { w: Float64Array.of(1) }, state: {} }
const dir = mkdtempSync(join(tmpdir(), 'kiln-options-fuzz-'))
const csvPath = join(dir, 'a.csv')
writeFileSync(csvPath, '1,0\n2,1\n')
const savedPath = join(dir, 'never-written.json')
const model: K.Trained = { model: K.dense(1), featureShape: [1], objective: K.objectives.meanSquaredError, classes: [], params: { w: Float64Array.of(1), b: Float64Array.of(0) }, state: {}, engine: 'compiled' }
const modelBytes = K.unwrap(K.encodeModel(model))
let saves = 0
const modelPath = (n: number) => join(dir, `fuzz-model-${n}.safetensors`)

const NUMBERS = (...names: string[]) => Object.fromEntries(names.map((n) => [n, ['number'] as const]))
const gradcheckKinds: Record<string, readonly Kind[]> = {
  ...NUMBERS('eps', 'atol', 'rtol', 'order', 'seed', 'top', 'projections'), mode: ['string'], directions: ['string'], scaleStep: ['boolean'], richardson: ['boolean'], kinks: ['boolean'],
}
const spyModelAt = () => {
  const m = spyModel()
  return { model: m, featureShape: [2], ...m.init(K.key(0), [1, 2]) }
}

const TABLE: readonly Entry[] = [
  { name: 'fit', valid: fitValid, kinds: fitKinds, run: (o) => K.fit(spyModel(), data, o as K.FitOptions), ran },
  { name: 'fitAsync', valid: fitValid, kinds: { ...fitKinds, yieldEveryMs: ['number'], signal: ['object'] }, run: (o) => K.fitAsync(spyModel(), data, o as K.FitAsyncOptions), ran },
  { name: 'learningCurve', valid: fitValid, kinds: fitKinds, run: (o) => K.learningCurve(counted(spyModel), data, data, [8], o as K.FitOptions), ran },
  { name: 'dense', valid: {}, kinds: { init: ['function'], biasInit: ['function'], bias: ['boolean'], activation: ['string'] }, run: (o) => K.dense(2, o as K.DenseOptions) },
  { name: 'conv2d', valid: {}, kinds: { stride: ['number', 'array'], padding: ['string'], init: ['function'], biasInit: ['function'], bias: ['boolean'], activation: ['string'] }, run: (o) => K.conv2d(2, 3, o as K.Conv2dOptions) },
  { name: 'maxPool2d', valid: {}, kinds: { stride: ['number', 'array'], padding: ['string'] }, run: (o) => K.maxPool2d(2, o as K.Pool2dOptions) },
  { name: 'avgPool2d', valid: {}, kinds: { stride: ['number', 'array'], padding: ['string'] }, run: (o) => K.avgPool2d(2, o as K.Pool2dOptions) },
  { name: 'residualBlock', valid: {}, kinds: { ...NUMBERS('filters', 'kernelSize', 'stride'), batchNorm: ['boolean'], projection: ['boolean'], activation: ['string'], name: ['string'] }, run: (o) => K.residualBlock(K.modelInput([4, 4, 2]), o as K.ResidualOptions) },
  {
    name: 'inceptionBlock', valid: { f1x1: 1, f3x3: [1, 1], f5x5: [1, 1], poolProjection: 1 }, kinds: { ...NUMBERS('f1x1', 'poolProjection'), f3x3: ['array'], f5x5: ['array'], name: ['string'] },
    run: (o) => K.inceptionBlock(K.modelInput([4, 4, 2]), o as K.InceptionOptions),
  },
  { name: 'lenet5', valid: {}, kinds: { inputShape: ['array'], classes: ['number'], activation: ['string'], pooling: ['string'] }, run: (o) => K.lenet5(o as K.LeNet5Options) },
  { name: 'smallResNet', valid: { inputShape: [8, 8], classes: 2 }, kinds: { inputShape: ['array'], classes: ['number'], filters: ['array'], blocks: ['number'] }, run: (o) => K.smallResNet(o as K.SmallResNetOptions) },
  { name: 'modelOutput', valid: {}, kinds: { logits: ['boolean'] }, run: (o) => K.modelOutput(model, K.input('x', [3, 1]), o as never) },
  { name: 'gradientNorms', valid: {}, kinds: { training: ['boolean'], key: ['object'] }, run: (o) => K.gradientNorms(model, K.makeDataset(Float64Array.of(1, 2), Float64Array.of(0, 1), [1], []), o as K.GradientNormOptions) },
  { name: 'batchNorm', valid: {}, kinds: NUMBERS('momentum', 'eps'), run: (o) => K.batchNorm(o as K.BatchNormOptions) },
  { name: 'sgd', valid: {}, kinds: { ...NUMBERS('momentum', 'dampening', 'weightDecay'), nesterov: ['boolean'], momentumForm: ['string'] }, run: (o) => K.sgd(0.1, o as K.SgdOptions) },
  { name: 'rmsprop', valid: {}, kinds: { ...NUMBERS('alpha', 'eps', 'weightDecay', 'momentum'), centered: ['boolean'] }, run: (o) => K.rmsprop(0.1, o as K.RmspropOptions) },
  { name: 'adagrad', valid: {}, kinds: NUMBERS('lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'), run: (o) => K.adagrad(0.1, o as K.AdagradOptions) },
  { name: 'adam', valid: {}, kinds: NUMBERS('beta1', 'beta2', 'eps', 'weightDecay'), run: (o) => K.adam(0.1, o as K.AdamOptions) },
  { name: 'adamw', valid: {}, kinds: NUMBERS('beta1', 'beta2', 'eps', 'weightDecay'), run: (o) => K.adamw(0.1, o as K.AdamOptions) },
  { name: 'meanSquaredError', valid: {}, kinds: { half: ['boolean'] }, run: (o) => K.meanSquaredError(x, x, o as K.MseOptions) },
  { name: 'binaryCrossEntropy', valid: {}, kinds: NUMBERS('eps'), run: (o) => K.binaryCrossEntropy(probs, probs, o as K.BceOptions) },
  { name: 'l1Penalty', valid: {}, kinds: { excludeBiases: ['boolean'], exclude: ['function'] }, run: (o) => K.l1Penalty({ w: x }, 0.1, o as K.PenaltyOptions) },
  { name: 'l2Penalty', valid: {}, kinds: { excludeBiases: ['boolean'], exclude: ['function'] }, run: (o) => K.l2Penalty({ w: x }, 0.1, o as K.PenaltyOptions) },
  { name: 'gradcheck', valid: {}, kinds: { ...gradcheckKinds, shapes: ['object'] }, run: (o) => K.gradcheck(counted((t: K.Tensor) => K.sum(t)), [{ value: [1], shape: [1] }], o as K.GradcheckOptions), ran },
  { name: 'gradcheck (a tree)', valid: {}, kinds: { ...gradcheckKinds, shapes: ['object'] }, run: (o) => K.gradcheck(counted((p: K.Params) => K.sum(p.w as K.Tensor)), { w: Float64Array.of(1) }, o as K.GradcheckOptions), ran },
  { name: 'gradcheckModel', valid: {}, kinds: { ...gradcheckKinds, key: ['object'], training: ['boolean'] }, run: (o) => K.gradcheckModel({ ...spyModelAt(), objective: K.objectives.softmaxCrossEntropy }, K.take(data, [0, 1]), o as K.GradcheckModelOptions), ran },
  { name: 'trainTestSplit', valid: {}, kinds: { test: ['number'], stratify: ['boolean'] }, run: (o) => K.trainTestSplit(K.key(0), data, o as never) },
  { name: 'trainDevTestSplit', valid: {}, kinds: { dev: ['number'], test: ['number'], stratify: ['boolean'] }, run: (o) => K.trainDevTestSplit(K.key(0), data, o as never) },
  { name: 'kFold', valid: {}, kinds: { stratify: ['boolean'] }, run: (o) => K.kFold(K.key(0), data, 3, o as never) },
  { name: 'learningCurveDiagnosis', valid: {}, kinds: NUMBERS('threshold'), run: (o) => K.learningCurveDiagnosis({ baselineError: 0, trainError: 0.1, devError: 0.2 }, o as K.DiagnosisOptions) },
  { name: 'classificationReport', valid: {}, kinds: NUMBERS('digits'), run: (o) => K.classificationReport(metrics, undefined, o as K.ReportOptions) },
  { name: 'formatConfusionMatrix', valid: {}, kinds: { normalize: ['string'], digits: ['number'] }, run: (o) => K.formatConfusionMatrix(cm, undefined, o as K.ConfusionMatrixOptions) },
  { name: 'formatTable', valid: {}, kinds: { align: ['string', 'array'], gap: ['string'], rule: ['boolean'] }, run: (o) => K.formatTable(['a'], [['b']], o as K.TableOptions) },
  { name: 'formatProgress', valid: { tty: false }, kinds: { tty: ['boolean'], label: ['string'], total: ['number'], width: ['number'], metricName: ['string'] }, run: (o) => K.formatProgress(progressState, o as K.FormatProgressOptions) },
  {
    name: 'progressBar', valid: { stream: { write: counted(() => undefined) } },
    kinds: { stream: ['object'], total: ['number'], label: ['string'], now: ['function'], intervalSeconds: ['number'], redrawSeconds: ['number'], width: ['number'], metricName: ['string'] },
    run: (o) => K.progressBar(o as K.ProgressOptions).done(), ran,
  },
  { name: 'progressCallback', valid: {}, kinds: { label: ['string'], metricName: ['string'], now: ['function'] }, run: (o) => K.progressCallback(counted(() => undefined), o as K.ProgressCallbackOptions), ran },
  { name: 'lineChart', valid: { series }, kinds: { series: ['array'], title: ['string'], xLabel: ['string'], yLabel: ['string'], width: ['number'], height: ['number'], logY: ['boolean'], logX: ['boolean'], markers: ['boolean'] }, run: (o) => K.lineChart(o as K.LineChartOptions) },
  { name: 'learningCurvePlot', valid: {}, kinds: { title: ['string'], width: ['number'], height: ['number'], logY: ['boolean'] }, run: (o) => K.learningCurvePlot({ sizes: [1], trainError: [0], devError: [0] }, o as K.PresetOptions) },
  { name: 'lossHistoryPlot', valid: {}, kinds: { title: ['string'], width: ['number'], height: ['number'], logY: ['boolean'], xLabel: ['string'], yLabel: ['string'] }, run: (o) => K.lossHistoryPlot({ a: [1] }, o as K.LossHistoryOptions) },
  { name: 'compile', valid: {}, kinds: { fuse: ['boolean'], simplify: ['boolean'], cache: ['boolean'] }, run: (o) => K.compile([K.add(x, 1)], o as K.CompileOptions) },
  { name: 'perEpoch', valid: {}, kinds: NUMBERS('firstEpoch'), run: (o) => K.perEpoch(K.inverseTimeDecay(0.1, 1), 4, o as K.PerEpochOptions) },
  { name: 'ewma', valid: {}, kinds: { biasCorrection: ['boolean'] }, run: (o) => K.ewma([1, 2], 0.9, o as K.EwmaOptions) },
  { name: 'customVjp', valid: {}, kinds: { name: ['string'] }, run: (o) => K.customVjp(counted((t: K.Tensor) => t), (t) => [t, []], (_r, g) => [g], o as K.CustomOptions)(x), ran },
  { name: 'customJvp', valid: {}, kinds: { name: ['string'] }, run: (o) => K.customJvp(counted((t: K.Tensor) => t), (_x, [t]) => t!, o as K.CustomOptions)(x), ran },
  // Functions other helpers own: the key check only.
  { name: 'simplify', valid: {}, run: (o) => K.simplify([K.add(x, 0)], o as K.SimplifyOptions) },
  { name: 'parseCsv', valid: {}, run: (o) => K.parseCsv('1,0\n2,1\n', o as K.CsvOptions) },
  { name: 'parseIdx', valid: {}, run: (o) => K.parseIdx(K.encodeIdx([1], [1]), o as never) },
  { name: 'idxDataset', valid: {}, run: (o) => K.idxDataset({ type: 'ubyte', dims: [1, 1], data: Float64Array.of(1) } as K.IdxArray, { type: 'ubyte', dims: [1], data: Float64Array.of(0) } as K.IdxArray, o as K.IdxDatasetOptions) },
  { name: 'encodeValues', valid: {}, run: (o) => K.encodeValues(saved, o as never) },
  { name: 'decodeValues', valid: {}, run: (o) => K.decodeValues(K.encodeValues(saved), '<text>', o as never) },
  { name: 'decodeSafetensors', valid: {}, run: (o) => K.decodeSafetensors(K.encodeSafetensors([]), '<bytes>', o as never) },
  { name: 'encodeModel', valid: {}, kinds: { notes: ['object'], savedAt: ['string'] }, run: (o) => K.encodeModel(model, o as never) },
  { name: 'decodeModel', valid: {}, run: (o) => K.decodeModel(modelBytes, '<bytes>', o as never) },
  { name: 'loadSafetensors', valid: {}, run: (o) => N.loadSafetensors(join(dir, 'none.safetensors'), o as never) },
  { name: 'loadModel', valid: {}, run: (o) => N.loadModel(join(dir, 'none.safetensors'), o as never) },
  // A fresh path per run: the valid run's file must not count as written by a refused one.
  { name: 'saveModel', valid: {}, kinds: { notes: ['object'], savedAt: ['string'] }, run: (o) => N.saveModel(modelPath(++saves), model, o as never), ran: () => (existsSync(modelPath(saves)) ? 1 : 0) },
  { name: 'readBytes', valid: {}, run: (o) => N.readBytes(csvPath, o as N.ReadOptions) },
  { name: 'readText', valid: {}, run: (o) => N.readText(csvPath, o as N.ReadOptions) },
  { name: 'readCsv', valid: {}, run: (o) => N.readCsv(csvPath, o as K.CsvOptions) },
  { name: 'loadIdxDataset', valid: {}, run: (o) => N.loadIdxDataset(join(dir, 'none-images'), join(dir, 'none-labels'), o as K.IdxDatasetOptions) },
  { name: 'loadFashionMnist', valid: {}, run: (o) => N.loadFashionMnist(join(dir, 'no-fashion'), o as never) },
  { name: 'saveValues', valid: {}, run: (o) => N.saveValues(savedPath, saved, o as never), ran: () => (existsSync(savedPath) ? 1 : 0) },
  // Evaluation tools for skewed data: curves, scores and thresholds with an explicit positive class, error analysis, charts.
  ...((): Entry[] => {
    const [y, sc] = [[0, 1, 1, 0], [0.2, 0.7, 0.4, 0.5]]
    const curveKinds = { positiveClass: ['number'], dropIntermediate: ['boolean'] } as const
    const logistic: K.Trained = { model: K.dense(1), featureShape: [2], objective: K.objectives.binaryCrossEntropyWithLogits, classes: ['a', 'b'], params: { w: Float64Array.of(1, -1), b: Float64Array.of(0) }, state: {}, engine: 'compiled' }
    const chartKinds = { title: ['string'], width: ['number'], height: ['number'], marks: ['array'] } as const
    return [
      { name: 'precisionRecallCurve', valid: { positiveClass: 1 }, kinds: curveKinds, run: (o) => K.precisionRecallCurve(y, sc, o as K.CurveOptions) },
      { name: 'rocCurve', valid: { positiveClass: 1 }, kinds: curveKinds, run: (o) => K.rocCurve(y, sc, o as K.CurveOptions) },
      { name: 'rocAuc', valid: { positiveClass: 1 }, kinds: NUMBERS('positiveClass'), run: (o) => K.rocAuc(y, sc, o as K.ScoreOptions) },
      { name: 'averagePrecision', valid: { positiveClass: 1 }, kinds: NUMBERS('positiveClass'), run: (o) => K.averagePrecision(y, sc, o as K.ScoreOptions) },
      { name: 'chooseThreshold', valid: { positiveClass: 1, maximize: 'f1' }, kinds: { ...NUMBERS('positiveClass', 'targetRecall', 'targetPrecision'), maximize: ['string'] }, run: (o) => K.chooseThreshold(y, sc, o as K.ThresholdOptions) },
      { name: 'binaryMetrics', valid: { positiveClass: 1 }, kinds: NUMBERS('positiveClass'), run: (o) => K.binaryMetrics(y, y, o as K.BinaryMetricsOptions) },
      { name: 'predictLabels', valid: { threshold: 0.5, positiveClass: 1 }, kinds: NUMBERS('threshold', 'positiveClass'), run: (o) => K.predictLabels(logistic, data, o as K.PredictLabelsOptions) },
      {
        name: 'errorAnalysis', valid: { yTrue: [0, 1], probabilities: [0.6, 0.4, 0.3, 0.7], k: 2 },
        kinds: { yTrue: ['array', 'object'], probabilities: ['array', 'object'], k: ['number'], classes: ['array'], limit: ['number'] }, run: (o) => K.errorAnalysis(o as K.ErrorAnalysisInput),
      },
      { name: 'formatErrorAnalysis', valid: {}, kinds: NUMBERS('rowsPerGroup', 'maxGroups', 'digits'), run: (o) => K.formatErrorAnalysis(K.errorAnalysis({ yTrue: [0, 1], probabilities: [0.6, 0.4, 0.7, 0.3], k: 2 }), o as K.FormatErrorAnalysisOptions) },
      { name: 'prCurveChart', valid: {}, kinds: chartKinds, run: (o) => K.prCurveChart(K.precisionRecallCurve(y, sc, { positiveClass: 1 }), o as K.CurveChartOptions) },
      { name: 'rocChart', valid: {}, kinds: chartKinds, run: (o) => K.rocChart(K.rocCurve(y, sc, { positiveClass: 1 }), o as K.CurveChartOptions) },
      {
        name: 'contactSheet', valid: {}, kinds: { ...NUMBERS('columns', 'scale'), title: ['string'], range: ['array'], invert: ['boolean'] },
        run: (o) => K.contactSheet([{ pixels: [0, 1], height: 1, width: 2, caption: 'x' }], o as K.ContactSheetOptions),
      },
    ]
  })(),
  // Augmentation (src/data/augment.ts): each transform is built and run on a 2x2 image batch.
  ...((): Entry[] => {
    const batch = { x: Float64Array.of(1, 2, 3, 4), y: Float64Array.of(0), rows: 1, featureShape: [2, 2] }
    const ds = K.makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(0), [2, 2], [])
    const image = { fill: ['number'], shape: ['array'] } as const
    return [
      { name: 'randomFlip', valid: {}, kinds: { horizontal: ['boolean'], vertical: ['boolean'], probability: ['number'], shape: ['array'] }, run: (o) => K.randomFlip(o as K.FlipOptions)(batch, K.key(0)) },
      { name: 'randomShift', valid: { maxShift: 1 }, kinds: { maxShift: ['number', 'array'], ...image }, run: (o) => K.randomShift(o as K.ShiftOptions)(batch, K.key(0)) },
      { name: 'randomCrop', valid: { padding: 1 }, kinds: { padding: ['number'], ...image }, run: (o) => K.randomCrop(o as K.CropOptions)(batch, K.key(0)) },
      { name: 'randomRotation', valid: { maxDegrees: 10 }, kinds: { maxDegrees: ['number'], ...image }, run: (o) => K.randomRotation(o as K.RotationOptions)(batch, K.key(0)) },
      { name: 'brightnessContrast', valid: {}, kinds: { brightness: ['number'], contrast: ['number'], clip: ['array'], shape: ['array'] }, run: (o) => K.brightnessContrast(o as K.BrightnessContrastOptions)(batch, K.key(0)) },
      { name: 'augmentDataset', valid: {}, kinds: { copies: ['number'] }, run: (o) => K.augmentDataset(ds, K.randomFlip(), K.key(0), o as K.AugmentDatasetOptions) },
    ]
  })(),
  // Hyperparameter search (src/train/search.ts, search-report.ts): the trial run is counted, so a refusal runs no trial.
  ...((): Entry[] => {
    const valid = { space: { lr: K.space.uniform(0, 1) }, trials: 1, epochs: 1, key: K.key(0), run: counted(() => ({ _tag: 'Left', left: { message: 'not trained' } })) }
    const searched = K.randomSearch(valid as never)
    return [
      {
        name: 'randomSearch', valid,
        kinds: { space: ['object'], trials: ['number'], key: ['object'], epochs: ['number'], run: ['function'], score: ['string', 'function'], direction: ['string'], halving: ['object'], onTrial: ['function'] },
        run: (o) => K.randomSearch(o as never), ran,
      },
      { name: 'searchChart', valid: {}, kinds: { title: ['string'], width: ['number'], height: ['number'], groupBy: ['string'] }, run: (o) => K.searchChart(searched, 'lr', o as K.SearchChartOptions) },
    ]
  })(),
  // ONNX (src/onnx/, src/node/onnxruntime.ts): nothing is written or loaded on a refusal.
  {
    name: 'toOnnx', valid: { params: 'inputs' },
    kinds: { inputs: ['array'], params: ['object', 'string'], fixedInputs: ['object'], outputNames: ['array'], opset: ['number'], name: ['string'], docString: ['string'], metadata: ['object'] },
    run: (o) => K.toOnnx(K.add(x, 1), o as K.ToOnnxOptions),
  },
  { name: 'exportModel', valid: {}, kinds: { output: ['string'], preprocess: ['boolean'], batch: ['number', 'string'], opset: ['number'], name: ['string'] }, run: (o) => K.exportModel(model, o as K.ExportModelOptions) },
  { name: 'onnxEngine', valid: {}, kinds: NUMBERS('threads', 'opset'), run: (o) => K.onnxEngine(counted(async (): Promise<K.OrtLike> => Promise.reject(new Error('not loaded'))), o as K.OnnxEngineOptions), ran },
  { name: 'onnxruntime', valid: { threads: 1 }, kinds: NUMBERS('threads', 'opset'), run: (o) => N.onnxruntime(o as N.OnnxRuntimeOptions) },
  // Eigensolvers (src/linalg/): the operator is counted, so a refusal runs no product.
  { name: 'symmetricEigen', valid: {}, kinds: NUMBERS('maxSweeps', 'symmetryTolerance'), run: (o) => K.symmetricEigen([2, 1, 1, 2], 2, o as K.SymmetricEigenOptions) },
  { name: 'lanczos', valid: { k: 1 }, kinds: { ...NUMBERS('k', 'maxIterations', 'tolerance', 'seed'), which: ['string'] }, run: (o) => K.lanczos(counted((v: Float64Array) => v), 3, o as K.LanczosOptions), ran },
  { name: 'powerIteration', valid: {}, kinds: NUMBERS('maxIterations', 'tolerance', 'seed', 'shift'), run: (o) => K.powerIteration(counted((v: Float64Array) => v.map((x, i) => (i + 1) * x)), 3, o as K.PowerIterationOptions), ran },
  // Curvature (src/curvature/): a two-parameter quadratic at its minimum.
  ...((): Entry[] => {
    const w = K.param('w', [2])
    const at = { w: Float64Array.of(0, 0) }
    return [
      { name: 'criticalPoint', valid: {}, kinds: { ...NUMBERS('tolerance', 'gradientTolerance', 'k', 'seed', 'maxIterations'), method: ['string'], inputs: ['object'] }, run: (o) => K.criticalPoint(K.sum(K.mul(w, w)), { w }, at, o as K.CriticalPointOptions) },
      { name: 'hessianMatrix', valid: {}, kinds: { inputs: ['object'] }, run: (o) => K.hessianMatrix(K.sum(K.mul(w, w)), { w }, at, o as K.HessianMatrixOptions) },
    ]
  })(),
]

/** What a refusal said: the thrown error, or the Left's error (a `Right` or a plain result is no refusal). */
const refusal = async (run: () => unknown): Promise<{ readonly field?: unknown; readonly message: string } | undefined> => {
  try {
    const r = await run()
    if (typeof r === 'object' && r !== null && (r as { _tag?: unknown })._tag === 'Left') return (r as { left: { field?: unknown; message: string } }).left
    return undefined
  } catch (e) {
    return e as { field?: unknown; message: string }
  }
}

const INHERITED = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__']
const extraKey = (e: Entry) => fc.oneof(fc.constantFrom(...INHERITED), fc.string({ minLength: 1, maxLength: 12 })).filter((k) => !Object.hasOwn(e.kinds ?? e.valid, k) && !(e.kinds === undefined && k === 'maxInflatedBytes'))

/** Values of a kind the option does not take (`object` only where no object is valid). */
const wrongValue = (kinds: readonly Kind[]): fc.Arbitrary<unknown> => {
  const all: [Kind | 'null' | 'bigint' | 'symbol', fc.Arbitrary<unknown>][] = [
    ['boolean', fc.boolean()], ['number', fc.double()], ['string', fc.string({ maxLength: 8 })], ['function', fc.constant(() => 'ran')],
    ['array', fc.array(fc.integer(), { maxLength: 3 })], ['object', fc.constant({ valueOf: () => 1 })], ['null', fc.constant(null)],
    ['bigint', fc.bigInt()], ['symbol', fc.constant(Symbol('s'))],
  ]
  return fc.oneof(...all.filter(([k]) => !(kinds as readonly string[]).includes(k)).map(([, a]) => a))
}

const withOwn = (valid: Readonly<Record<string, unknown>>, key: string, value: unknown): Record<string, unknown> => {
  const o: Record<string, unknown> = { ...valid }
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
  return o
}

describe('every options-taking function refuses unknown keys, naming them', () => {
  it.each(TABLE.map((e) => [e.name, e] as const))('%s', async (_name, e) => {
    await fc.assert(
      fc.asyncProperty(extraKey(e), fc.anything(), async (k, v) => {
        count = 0
        const r = await refusal(() => e.run(withOwn(e.valid, k, v)))
        expect(r, `${e.name} accepted the unknown key ${JSON.stringify(k)}`).toBeDefined()
        if (r!.field !== undefined) expect(r!.field).toBe(k)
        expect(r!.message).toContain(k)
        expect(r!.message).toMatch(/unknown option/)
        expect(e.ran?.() ?? 0).toBe(0)
      }),
      { seed: 909, numRuns: 25 },
    )
  })

  it('the valid options of the table are accepted (so the refusals above are about the extra key)', async () => {
    for (const e of TABLE.filter((t) => t.kinds !== undefined)) {
      const r = await refusal(() => e.run(e.valid))
      expect(r, `${e.name}: ${r?.message}`).toBeUndefined()
    }
  })
})

describe('every option of a wrong kind is refused before anything runs, naming it', () => {
  it.each(TABLE.filter((e) => e.kinds !== undefined).map((e) => [e.name, e] as const))('%s', async (_name, e) => {
    const keys = Object.keys(e.kinds!)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys).chain((k) => fc.tuple(fc.constant(k), wrongValue(e.kinds![k]!))), async ([k, v]) => {
        count = 0
        const r = await refusal(() => e.run(withOwn(e.valid, k, v)))
        expect(r, `${e.name} accepted ${k} = ${K.describeValue(v)}`).toBeDefined()
        if (r!.field !== undefined) expect(r!.field).toBe(k)
        expect(r!.message).toContain(k)
        expect(r!.message).not.toMatch(/Cannot read properties|is not a function|Cannot convert/)
        expect(e.ran?.() ?? 0).toBe(0)
      }),
      { seed: 910, numRuns: 30 },
    )
  })
})
