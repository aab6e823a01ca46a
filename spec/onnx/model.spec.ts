/**
 * Exported models load in ONNX Runtime and give Kiln's predictions (relative 1e-12): an MLP with its
 * standardization folded in, a CNN (convolutions, pooling), batch norm and dropout in evaluation mode,
 * GELU through the exported erf; the batch axis symbolic (run at a batch size never exported) or fixed.
 */
import * as E from 'fp-ts/lib/Either.js'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  adam, dense, exportModel, fit, fitStandardizer, heNormal, key, layers, predict, sequential, smallResNet, standardize, take, type Dataset, type Layer, type Trained,
} from '../../src/index.js'
import { loadDigitsOrThrow } from '../../src/node/index.js'
import { close } from '../compile/arbitraries.js'
import { runBytes, session } from './ort.js'

let raw: Dataset
beforeAll(() => {
  const digits = loadDigitsOrThrow()
  raw = take(digits, Array.from({ length: 240 }, (_, i) => i))
})

const train = (model: Layer, ds: Dataset): Trained => {
  const r = fit(model, ds, { epochs: 2, batchSize: 40, optimizer: adam(3e-3), key: key(3) })
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

const bytesOf = (e: E.Either<{ message: string }, Uint8Array>): Uint8Array => {
  if (E.isLeft(e)) throw new Error(e.left.message)
  return e.right
}

/** The first `n` rows' features and Kiln's predictions for them. */
const rows = (trained: Trained, ds: Dataset, n: number) => {
  const part = take(ds, Array.from({ length: n }, (_, i) => i))
  return { x: part.x, want: predict(trained, part) }
}

describe('exportModel: ONNX Runtime gives Kiln predictions', () => {
  it('an MLP with its standardization folded in, batch symbolic (run at 7 rows, exported at 2, 3, 5)', async () => {
    const s = fitStandardizer(raw)
    const trained = { ...train(sequential(layers.flatten(), dense(32, { activation: 'tanh' }), dense(10)), standardize(s)(raw)), preprocess: s }
    const bytes = bytesOf(exportModel(trained, { preprocess: true }))
    const { x, want } = rows(trained, raw, 7)
    const [got] = await runBytes(bytes, { x }, { x: [7, 8, 8] })
    expect(close(got!, want)).toBe(true)
    const sess = await session(bytes)
    expect([sess.inputNames, sess.outputNames]).toEqual([['x'], ['probabilities']])
    await sess.release()
  })

  it('a CNN (same and valid convolutions, max pooling, flatten), logits, fixed and dynamic batch', async () => {
    const model = sequential(
      layers.reshape([8, 8, 1]),
      layers.conv2d(4, 3, { padding: 'same', init: heNormal, activation: 'relu' }),
      layers.maxPool2d(2),
      layers.conv2d(6, 3, { init: heNormal, activation: 'relu' }),
      layers.flatten(),
      layers.dense(10),
    )
    const trained = train(model, raw)
    const { x, want } = rows(trained, raw, 5)
    const [probs] = await runBytes(bytesOf(exportModel(trained)), { x }, { x: [5, 8, 8] })
    expect(close(probs!, want)).toBe(true)
    const [fixed] = await runBytes(bytesOf(exportModel(trained, { batch: 5 })), { x }, { x: [5, 8, 8] })
    expect(close(fixed!, want)).toBe(true)
    const [logits] = await runBytes(bytesOf(exportModel(trained, { output: 'logits' })), { x }, { x: [5, 8, 8] })
    // softmax of the exported logits is the probabilities
    const soft = logits!.map((_, i) => {
      const row = logits!.subarray(i - (i % 10), i - (i % 10) + 10)
      const m = Math.max(...row)
      return Math.exp(logits![i]! - m) / row.reduce((a, v) => a + Math.exp(v - m), 0)
    })
    expect(close(soft, want, 1e-12)).toBe(true)
  })

  it('batch norm (running statistics as initializers), dropout (evaluation mode) and GELU', async () => {
    const model = sequential(layers.flatten(), dense(16), layers.batchNorm(), layers.gelu('none'), layers.dropout(0.3), dense(10))
    const trained = train(model, raw)
    const { x, want } = rows(trained, raw, 4)
    const [got] = await runBytes(bytesOf(exportModel(trained)), { x }, { x: [4, 8, 8] })
    expect(close(got!, want)).toBe(true)
  })

  it('a functional model: a small ResNet (stride-2 projected shortcut, batch norm, global average pooling), batch symbolic', async () => {
    const trained = train(smallResNet({ inputShape: [8, 8], classes: 10, filters: [4, 8] }), raw)
    const { x, want } = rows(trained, raw, 6)
    const [got] = await runBytes(bytesOf(exportModel(trained)), { x }, { x: [6, 8, 8] })
    expect(close(got!, want)).toBe(true)
  })

  it('refuses bad options and folding preprocessing a model does not have, naming the field', () => {
    const trained = train(sequential(layers.flatten(), dense(10)), raw)
    const field = (e: E.Either<{ field: string }, unknown>) => (E.isLeft(e) ? e.left.field : 'none')
    expect(field(exportModel(trained, { preprocess: true }))).toBe('preprocess')
    expect(field(exportModel(trained, { batch: 1.5 }))).toBe('batch')
    expect(field(exportModel(trained, { ouput: 'logits' } as never))).toBe('ouput')
    expect(field(exportModel(trained, { opset: 12 }))).toBe('opset')
  })
})
