/**
 * ONNX Runtime as a training and evaluation engine: a 10-epoch digits training through `fitAsync` on
 * ONNX Runtime equals the same training on Kiln's compiled kernels to relative 1e-10 (parameters and
 * every epoch's loss; not bit for bit: ONNX Runtime sums in its own order), with and without dropout
 * (the exported Threefry draws Kiln's masks); evaluation and prediction likewise; refusals are `Left`s.
 */
import * as E from 'fp-ts/lib/Either.js'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  adam, dense, evaluateModel, fit, key, layers, predict, sequential, sgd, standardizeSplit, trainTestSplit, type Dataset, type FitOptions, type ParamValues,
} from '../../src/index.js'
import { evaluateModelAsync, fitAsync, loadDigitsOrThrow, onnxruntime, predictAsync } from '../../src/node/index.js'
import { sessionFor } from '../../src/onnx/engine.js'
import * as ort from 'onnxruntime-node'
import { DataType, encodeOnnxModel } from '../../src/onnx/proto.js'
import { treeValues, worstRelative } from './ort.js'

let train: Dataset
let test: Dataset
beforeAll(() => {
  const split = trainTestSplit(key(42), loadDigitsOrThrow(), { test: 0.2, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  ;({ train, test } = standardizeSplit(split.right))
})

/** Relative to each tensor's largest value, 1e-3 at least (a dense bias before batch norm is rounding noise). */
const worst = (got: ParamValues, want: ParamValues): number => worstRelative(treeValues(got, want), treeValues(want), 1e-3)

const mlp = (rate: number) => sequential(layers.flatten(), dense(64), layers.relu(), ...(rate > 0 ? [layers.dropout(rate)] : []), dense(10))

describe('fitAsync on ONNX Runtime equals fit on the compiled kernels', () => {
  for (const rate of [0, 0.2])
    it(`10 epochs of digits, MLP 64 relu${rate > 0 ? ' with dropout 0.2' : ''}, Adam: parameters and losses within 1e-10`, async () => {
      const options: FitOptions = { epochs: 10, batchSize: 32, optimizer: adam(3e-3), key: key(7), regularization: { l2: 1e-4 } }
      const own = fit(mlp(rate), train, options)
      const onOrt = await fitAsync(mlp(rate), train, { ...options, engine: onnxruntime({ threads: 1 }) })
      if (E.isLeft(own) || E.isLeft(onOrt)) throw new Error(E.isLeft(own) ? own.left.message : (onOrt as E.Left<{ message: string }>).left.message)
      expect(worst(onOrt.right.params, own.right.params)).toBeLessThan(1e-10)
      onOrt.right.history.forEach((h, i) => expect(Math.abs(h.trainLoss - own.right.history[i]!.trainLoss)).toBeLessThan(1e-10 * own.right.history[i]!.trainLoss))
      expect(evaluateModel(own.right, test).accuracy).toBeGreaterThan(0.9)
    })

  it('batch norm (layer state carried as inputs), SGD with momentum, 3 epochs with a dev set: within 1e-10', async () => {
    const model = () => sequential(layers.flatten(), dense(32), layers.batchNorm(), layers.tanh(), dense(10))
    const options: FitOptions = { epochs: 3, batchSize: 50, optimizer: sgd(0.05, { momentum: 0.9 }), key: key(2), dev: test }
    const own = fit(model(), train, options)
    const onOrt = await fitAsync(model(), train, { ...options, engine: 'onnxruntime' })
    if (E.isLeft(own) || E.isLeft(onOrt)) throw new Error('training failed')
    expect(worst(onOrt.right.params, own.right.params)).toBeLessThan(1e-10)
    expect(worst(onOrt.right.state, own.right.state)).toBeLessThan(1e-10)
    onOrt.right.history.forEach((h, i) => expect(Math.abs(h.devLoss - own.right.history[i]!.devLoss)).toBeLessThan(1e-10 * own.right.history[i]!.devLoss))
  })

  it('evaluateModelAsync and predictAsync on ONNX Runtime equal evaluateModel and predict', async () => {
    const r = fit(mlp(0), train, { epochs: 2, batchSize: 64, optimizer: sgd(0.05), key: key(1) })
    if (E.isLeft(r)) throw new Error(r.left.message)
    const [want, got] = [evaluateModel(r.right, test), await evaluateModelAsync(r.right, test, { engine: 'onnxruntime' })]
    expect(got.accuracy).toBe(want.accuracy)
    expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-12 * want.loss)
    expect(Array.from(got.labels)).toEqual(Array.from(want.labels))
    // 1,437 rows: chunks of 512, 512 and 413, written into views at offsets of the one result array
    const p = await predictAsync(r.right, train)
    const q = predict(r.right, train)
    expect(p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i]!)), 0)).toBeLessThan(1e-12)
  })
})

describe('the engine refuses clearly', () => {
  it('fit (synchronous) refuses an asynchronous engine; a bad engine option names its field', async () => {
    const r = fit(mlp(0), train, { epochs: 1, batchSize: 32, optimizer: sgd(0.1), key: key(1), engine: onnxruntime() })
    expect(E.isLeft(r) && r.left.message).toMatch(/engine: onnxruntime runs its steps asynchronously: train with fitAsync/)
    const bad = await fitAsync(mlp(0), train, { epochs: 1, batchSize: 32, optimizer: sgd(0.1), key: key(1), engine: 'onnx' as never })
    expect(E.isLeft(bad) && bad.left.field).toBe('engine')
    expect(() => onnxruntime({ threads: 0 })).toThrow(/onnxruntime: threads: expected an integer from 1 to 256, got 0/)
    const shorthand = fit(mlp(0), train, { epochs: 1, batchSize: 32, optimizer: sgd(0.1), key: key(1), engine: 'onnxruntime' as never })
    expect(E.isLeft(shorthand) && shorthand.left.message).toMatch(/engine: 'onnxruntime' is kiln\/node's shorthand for its fitAsync/)
  })
  it('ONNX Runtime refusing a model (no float64 Erf) rejects with a message naming the operation', async () => {
    const bytes = encodeOnnxModel({
      irVersion: 8, opset: 18, producerName: 'test', producerVersion: '0', metadata: [],
      graph: {
        name: 'g', initializers: [], nodes: [{ opType: 'Erf', inputs: ['x'], outputs: ['y'], name: 'erf', attributes: [] }],
        inputs: [{ name: 'x', type: DataType.DOUBLE, dims: [2] }], outputs: [{ name: 'y', type: DataType.DOUBLE, dims: [2] }],
      },
    })
    await expect(sessionFor(ort, bytes, 1)).rejects.toThrow(/ONNX Runtime refused the exported graph: .*Erf/)
  })
  it('a graph the exporter cannot write for the chosen opset is a Left on engine naming the op, before any step', async () => {
    const r = await fitAsync(mlp(0.5), train, { epochs: 1, batchSize: 32, optimizer: sgd(0.1), key: key(1), engine: onnxruntime({ opset: 17 }) })
    expect(E.isLeft(r) && r.left.field).toBe('engine')
    expect(E.isLeft(r) && r.left.message).toMatch(/op uniform: .*opset 18/)
  })
})
