/**
 * Several targets per row through fit, evaluateModel, predict and model files: multi-label classification
 * (binary cross-entropy on [batch, k] logits) and multi-output regression (mean squared error on [batch, k]).
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { makeDataset, take, type Dataset } from '../../src/data/dataset.js'
import { decodeModel, encodeModel } from '../../src/io/model-file.js'
import { multilabelMetrics } from '../../src/metrics/multilabel.js'
import { layers } from '../../src/nn/index.js'
import { adam, sgd } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { flattenParams, leafList, type ParamValues } from '../../src/nn/tree.js'
import { foldIn, key } from '../../src/random/key.js'
import { normal, uniform } from '../../src/random/sample.js'
import { runStep, type StepGraph } from '../../src/run.js'
import { fit, type FitOptions } from '../../src/train/fit.js'
import { objectives, type Objective, type ObjectiveName } from '../../src/train/objective.js'
import { evaluateModel, predict } from '../../src/train/predict.js'
import { fitStep } from '../../src/train/step.js'
import { numericGradOf, relError } from '../finiteDiff.js'
import { expectFitError, maxRelErr, right, sameBits, timeless } from './helpers.js'

/** Two labels read off the features: label 0 is `x0 > 0`, label 1 is `x1 > 0` (a third feature is noise). */
const twoLabels = (seed: number, n: number): Dataset => {
  const x = normal(key(seed), n * 3)
  const y = Float64Array.from({ length: 2 * n }, (_, j) => (x[Math.floor(j / 2) * 3 + (j % 2)]! > 0 ? 1 : 0))
  return makeDataset(x, y, [3], ['x0 positive', 'x1 positive'], [2])
}

/** y = A x + b with four features and three targets, plus a little noise. */
const A = [[1, -2, 0.5, 0], [0, 1, 1, -1], [3, 0, 0, 0.25]]
const B = [0.5, -1, 2]
const linear = (seed: number, n: number, noise = 0): Dataset => {
  const x = uniform(key(seed), n * 4, -1, 1)
  const e = normal(foldIn(key(seed), 1), n * 3)
  const y = Float64Array.from({ length: 3 * n }, (_, j) => {
    const [r, c] = [Math.floor(j / 3), j % 3]
    return A[c]!.reduce((s, a, f) => s + a * x[r * 4 + f]!, B[c]!) + noise * e[j]!
  })
  return makeDataset(x, y, [4], [], [3])
}

const mlp = (out: number) => sequential(layers.dense(8), layers.tanh(), layers.dense(out))

describe('multi-label classification (binaryCrossEntropyWithLogits on [batch, 2])', () => {
  const [train, test] = [twoLabels(1, 400), twoLabels(2, 200)]
  const opts: FitOptions = { epochs: 40, batchSize: 32, optimizer: adam(0.05), key: key(3), loss: 'binaryCrossEntropyWithLogits', dev: test }
  const r = right(fit(mlp(2), train, opts))
  const ev = evaluateModel(r, test)

  it('reaches high per-label accuracy on held-out rows', () => {
    // reached: test per-label accuracy 1 (400 of 400 decisions), loss 0.0086; the training loss fell from 0.517 to 0.0146
    expect(ev.accuracy).toBeGreaterThan(0.98)
    const m = multilabelMetrics(test.y, ev.labels, 2)
    for (const l of m.perLabel) expect(l.f1).toBeGreaterThan(0.95)
    expect(m.hammingLoss).toBeCloseTo(1 - ev.accuracy, 14)
    expect(ev.loss).toBeLessThan(0.05)
    expect(r.history.at(-1)!.trainLoss).toBeLessThan(r.history[0]!.trainLoss / 4)
  })

  it('predictions are [n, 2] per-label probabilities; labels are the decisions at 0.5; accuracy is element-wise', () => {
    expect(ev.predictions.length).toBe(400)
    expect(ev.predictions.every((p) => p > 0 && p < 1)).toBe(true)
    expect([...ev.labels]).toEqual([...ev.predictions].map((p) => (p > 0.5 ? 1 : 0)))
    expect(ev.accuracy).toBe(ev.labels.filter((l, i) => l === test.y[i]).length / 400)
    expect(r.history.at(-1)!.devAccuracy).toBe(ev.accuracy)
    expect(predict(r, test)).toEqual(ev.predictions)
    // predict reads no labels: a set without targets gives the same predictions
    expect(predict(r, makeDataset(test.x, new Float64Array(200), [3], []))).toEqual(ev.predictions)
  })

  it('the loss is the mean over rows and labels of the binary cross-entropy of the probabilities', () => {
    let sum = 0
    ev.predictions.forEach((p, i) => (sum -= test.y[i] === 1 ? Math.log(p) : Math.log(1 - p)))
    expect(Math.abs(ev.loss - sum / 400)).toBeLessThan(1e-12)
  })

  it('a one-label set ([1]) is binary classification: the same training as one label per row, two columns', () => {
    const one = makeDataset(train.x, train.y.filter((_, j) => j % 2 === 0), [3], ['x0 positive'], [1])
    const flat = makeDataset(train.x, one.y, [3], ['no', 'yes'])
    const { dev: _dev, ...o } = { ...opts, epochs: 3 }
    const [a, b] = [right(fit(mlp(1), one, o)), right(fit(mlp(1), flat, o))]
    expect(sameBits(a.params, b.params)).toBe(true)
    const [ea, eb] = [evaluateModel(a, one), evaluateModel(b, flat)]
    expect(ea.predictions.length).toBe(800)
    expect([ea.loss, [...ea.labels], ea.accuracy]).toEqual([eb.loss, [...eb.labels], eb.accuracy])
  })
})

describe('multi-output regression (meanSquaredError on [batch, 3])', () => {
  const [train, test] = [linear(4, 256), linear(5, 100)]
  const r = right(fit(sequential(layers.dense(3)), train, { epochs: 60, batchSize: 32, optimizer: adam(0.05), key: key(6), loss: 'meanSquaredError' }))
  const ev = evaluateModel(r, test)

  it('learns y = A x + b: low loss, weights A^T and bias b', () => {
    // reached: test loss 3.6e-21 (the data has no noise)
    expect(ev.loss).toBeLessThan(1e-12)
    const w = (r.params.dense0 as ParamValues).w as Float64Array
    const b = (r.params.dense0 as ParamValues).b as Float64Array
    for (let f = 0; f < 4; f++) for (let c = 0; c < 3; c++) expect(w[f * 3 + c]).toBeCloseTo(A[c]![f]!, 2)
    for (let c = 0; c < 3; c++) expect(b[c]).toBeCloseTo(B[c]!, 2)
    expect(ev.accuracy).toBeNaN()
    expect(ev.labels.length).toBe(0)
  })

  it('predictions are [n, 3]; the loss is the mean over all n * 3 squared errors (MSELoss reduction mean)', () => {
    expect(ev.predictions.length).toBe(300)
    const mse = ev.predictions.reduce((s, p, i) => s + (p - test.y[i]!) ** 2, 0) / 300
    expect(Math.abs(ev.loss - mse)).toBeLessThan(1e-15 + 1e-12 * mse)
    expect(predict(r, test)).toEqual(ev.predictions)
  })

  it('noisy targets: the test loss approaches the noise variance', () => {
    const noisy = right(fit(sequential(layers.dense(3)), linear(7, 512, 0.1), { epochs: 30, batchSize: 64, optimizer: adam(0.05), key: key(8), loss: 'meanSquaredError' }))
    // reached: 0.01075 against the noise variance 0.01
    expect(evaluateModel(noisy, linear(9, 400, 0.1)).loss).toBeLessThan(0.0125)
  })
})

describe('the step graphs with [batch, k] targets', () => {
  const x = normal(key(11), 5 * 4)
  const cases: readonly [string, Objective, Float64Array][] = [
    ['multi-output regression', objectives.meanSquaredError, normal(key(12), 15)],
    ['multi-label', objectives.binaryCrossEntropyWithLogits, Float64Array.from(normal(key(13), 15), (v) => (v > 0 ? 1 : 0))],
  ]
  for (const [name, objective, y] of cases)
    it(`${name}: the y leaf is [batch, 3]; the gradient equals central differences; compiled equals the interpreter`, () => {
      const step = fitStep({ model: mlp(3), featureShape: [4], targetShape: [3], batch: 5, objective, optimizer: sgd(0.1) })
      expect(step.leaves.y.shape).toEqual([5, 3])
      const params = flattenParams(step.init(key(14)).params)
      const paramLeaves = leafList(step.leaves.params)
      const graph: StepGraph = { inputs: [step.leaves.x, step.leaves.y], state: paramLeaves, outputs: [step.outputs[0]!, ...leafList(step.grads)] }
      const values = params.map(([, v]) => v)
      const [compiled, interpreted] = (['compiled', 'interpreter'] as const).map((engine) => runStep(graph, [x, y], values, engine))
      expect(relError(compiled!, interpreted!)).toBeLessThan(1e-13)
      const bindings = { x, y, ...Object.fromEntries(params) }
      const numeric = numericGradOf(step.outputs[0]!, paramLeaves, bindings)
      expect(relError(compiled!.slice(1), numeric, 1e-3)).toBeLessThan(1e-7)
    })
})

describe('fit with [batch, k] targets: engines and row order', () => {
  const reg = linear(21, 90, 0.1)
  const multi = twoLabels(22, 90)
  const runs: readonly [string, Dataset, ObjectiveName, number][] = [
    ['multi-output regression', reg, 'meanSquaredError', 3],
    ['multi-label', multi, 'binaryCrossEntropyWithLogits', 2],
  ]
  for (const [name, data, loss, k] of runs) {
    it(`${name}: compiled and interpreter agree bit for bit, with a remainder batch and a dev set`, () => {
      // 90 rows in batches of 20: four full batches and a remainder of 10, so both step graphs run
      const opts: FitOptions = { epochs: 3, batchSize: 20, optimizer: adam(0.05), key: key(23), loss, dev: take(data, [0, 1, 2, 3, 4, 5]) }
      const c = right(fit(mlp(k), data, opts))
      const i = right(fit(mlp(k), data, { ...opts, engine: 'interpreter' }))
      expect(sameBits(c.params, i.params)).toBe(true)
      expect(timeless(c.history)).toEqual(timeless(i.history))
      expect(c.history.at(-1)!.trainLoss).toBeLessThan(c.history[0]!.trainLoss)
    })

    it(`${name}: each row's targets travel with its features (one full batch: shuffling only reorders a mean)`, () => {
      const opts: FitOptions = { epochs: 4, batchSize: 90, optimizer: sgd(0.2), key: key(24), loss }
      const shuffled = right(fit(mlp(k), data, opts))
      const inOrder = right(fit(mlp(k), data, { ...opts, shuffle: false }))
      expect(maxRelErr(shuffled.params, inOrder.params)).toBeLessThan(1e-12)
      // the same rows in another order, trained in order: the same again
      const reversed = take(data, Array.from({ length: 90 }, (_, r) => 89 - r))
      expect(maxRelErr(right(fit(mlp(k), reversed, { ...opts, shuffle: false })).params, inOrder.params)).toBeLessThan(1e-12)
      expect(shuffled.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true)
    })
  }
})

describe('shapes and values that do not fit are Lefts naming the field', () => {
  const multi = twoLabels(31, 40)
  const reg = linear(32, 40)
  const base: FitOptions = { epochs: 1, batchSize: 8, optimizer: adam(0.01), key: key(0) }

  it('a model output that does not match the targets is a Left on model naming both shapes', () => {
    expectFitError(fit(mlp(1), multi, { ...base, loss: 'binaryCrossEntropyWithLogits' }), 'model', "output [8,1]", 'targets [8,2]')
    expectFitError(fit(mlp(2), reg, { ...base, loss: 'meanSquaredError' }), 'model', "output [8,2]", 'targets [8,3]', 'meanSquaredError needs an output of shape [8,3]')
    // one target per row against a multi-output model: unchanged message
    const flat = makeDataset(reg.x, reg.y.filter((_, j) => j % 3 === 0), [4], [])
    expectFitError(fit(mlp(3), flat, { ...base, loss: 'meanSquaredError' }), 'model', '3 value(s) per row')
  })

  it('softmax cross-entropy refuses multi-label targets; binary cross-entropy takes any number of labels', () => {
    expectFitError(fit(mlp(2), multi, base), 'loss', 'softmaxCrossEntropy takes one class index per row', 'multi-label', 'binaryCrossEntropyWithLogits')
    const three = makeDataset(multi.x, Float64Array.from({ length: 120 }, (_, j) => (j % 3 === 2 ? 1 : multi.y[Math.floor(j / 3) * 2 + (j % 3)]!)), [3], ['a', 'b', 'c'], [3])
    expect(E.isRight(fit(mlp(3), three, { ...base, loss: 'binaryCrossEntropyWithLogits' }))).toBe(true)
  })

  it('targets that are not 0/1, not finite or not n x k, and a dev set of another target shape, are Lefts', () => {
    const loss = 'binaryCrossEntropyWithLogits'
    const two = { ...multi, y: multi.y.map((v, j) => (j === 7 ? 2 : v)) }
    expectFitError(fit(mlp(2), two, { ...base, loss }), 'train', 'target 2 at row 3, column 1', "label 'x1 positive'", 'must be 0 or 1')
    expectFitError(fit(sequential(layers.dense(3)), { ...reg, y: reg.y.map((v, j) => (j === 5 ? NaN : v)) }, { ...base, loss: 'meanSquaredError' }), 'train', 'non-finite target (NaN) at row 1, column 2')
    expectFitError(fit(mlp(2), { ...multi, y: multi.y.subarray(1) }, { ...base, loss }), 'train', '79 target values, expected 40 x 2')
    expectFitError(fit(mlp(2), { ...multi, classes: ['a'] }, { ...base, loss }), 'train', 'names 1 labels')
    const flatDev = makeDataset(multi.x, multi.y.filter((_, j) => j % 2 === 0), [3], ['no', 'yes'])
    expectFitError(fit(mlp(2), multi, { ...base, loss, dev: flatDev }), 'dev', 'targets of shape [] per row, the training set [2]')
  })

  it('evaluateModel refuses targets the model does not produce, naming the shapes; predict needs none', () => {
    const r = right(fit(mlp(2), multi, { ...base, loss: 'binaryCrossEntropyWithLogits' }))
    const three = makeDataset(multi.x, new Float64Array(120), [3], ['a', 'b', 'c'], [3])
    expect(() => evaluateModel(r, three)).toThrow(/evaluateModel: the model's output \[40,2\] does not match the targets \[40,3\]/)
    const flat = makeDataset(multi.x, multi.y.filter((_, j) => j % 2 === 0), [3], ['no', 'yes'])
    expect(() => evaluateModel(r, flat)).toThrow(/binaryCrossEntropyWithLogits: .*\[40,2\].*targets \[40\]/)
    expect(() => evaluateModel(r, { ...multi, y: multi.y.map((v, j) => (j === 3 ? 0.5 : v)) })).toThrow(/evaluateModel: .*target 0.5 at row 1, column 1/)
    expect(predict(r, flat).length).toBe(80)
  })
})

describe('model files keep multi-target models', () => {
  const roundTrip = (r: ReturnType<typeof right>) => {
    const bytes = encodeModel(r)
    if (E.isLeft(bytes)) throw new Error(bytes.left.message)
    const back = decodeModel(bytes.right, 'm.safetensors')
    if (E.isLeft(back)) throw new Error(back.left.message)
    return back.right
  }

  it('a multi-label and a multi-output model predict and evaluate the same after encode / decode', () => {
    const multi = twoLabels(41, 60)
    const reg = linear(42, 60)
    const a = right(fit(mlp(2), multi, { epochs: 2, batchSize: 20, optimizer: adam(0.05), key: key(43), loss: 'binaryCrossEntropyWithLogits' }))
    const b = right(fit(mlp(3), reg, { epochs: 2, batchSize: 20, optimizer: adam(0.05), key: key(44), loss: 'meanSquaredError' }))
    for (const [m, data] of [[a, multi], [b, reg]] as const) {
      const back = roundTrip(m)
      expect(back.classes).toEqual(m.classes)
      expect(predict(back, data)).toEqual(predict(m, data))
      const [e1, e2] = [evaluateModel(back, data), evaluateModel(m, data)]
      expect([e1.loss, [...e1.predictions], [...e1.labels]]).toEqual([e2.loss, [...e2.predictions], [...e2.labels]])
    }
  })
})
