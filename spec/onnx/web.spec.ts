/**
 * The engine on onnxruntime-web, the package browsers use, run here in Node on its WebAssembly build (the
 * same build a page loads; not in a browser page): `onnxEngine(ortWeb)` trains digits to Kiln's parameters
 * within 1e-10. That build returns its outputs as new tensors rather than writing the fetched ones, which
 * the engine detects once per module and copies.
 */
import { createRequire } from 'node:module'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { adam, dense, fit, fitAsync, key, layers, onnxEngine, sequential, take, type OrtLike } from '../../src/index.js'
import { treeValues, worstRelative } from './ort.js'
import { loadDigitsOrThrow } from '../../src/node/index.js'

// the CommonJS build: onnxruntime-web's ESM entry is written for browsers and bundlers
const ortWeb = createRequire(import.meta.url)('onnxruntime-web') as OrtLike & { env: { wasm: { numThreads: number } } }
ortWeb.env.wasm.numThreads = 1

describe('onnxEngine on onnxruntime-web (WebAssembly, in Node)', () => {
  it('3 epochs of 600 digits, MLP 32 tanh with dropout, Adam: the parameters of Kiln\'s own run within 1e-10', async () => {
    const data = take(loadDigitsOrThrow(), Array.from({ length: 600 }, (_, i) => i))
    const model = () => sequential(layers.flatten(), dense(32), layers.tanh(), layers.dropout(0.1), dense(10))
    const options = { epochs: 3, batchSize: 64, optimizer: adam(3e-3), key: key(5) }
    const own = fit(model(), data, options)
    const web = await fitAsync(model(), data, { ...options, engine: onnxEngine(ortWeb) })
    if (E.isLeft(own) || E.isLeft(web)) throw new Error(E.isLeft(web) ? web.left.message : 'fit failed')
    expect(worstRelative(treeValues(web.right.params, own.right.params), treeValues(own.right.params))).toBeLessThan(1e-10)
  })
})
