/**
 * ONNX Runtime for Node: the root entry's `onnxEngine` on the optional package `onnxruntime-node` (CPU,
 * float64), loaded on first use, and the evaluation functions with it as their default engine.
 * Results equal Kiln's own engines to about 1e-12 relative per step (ONNX Runtime sums in its own
 * order, so not bit for bit).
 * @module
 */
import type { Dataset } from '../data/dataset.js'
import { evaluateModelOn, onnxEngine, predictOn, type OnnxEngineOptions, type OrtLike } from '../onnx/engine.js'
import { ArgumentError, describeValue } from '../options.js'
import { isAsyncEngine, type AsyncEngine } from '../run.js'
import type { Evaluation, Trained } from '../train/predict.js'

/** The options of `onnxruntime()`: threads and opset. */
export type OnnxRuntimeOptions = OnnxEngineOptions

let ortModule: Promise<OrtLike> | undefined
/** onnxruntime-node, loaded on first use (an optional peer dependency). */
const loadOrt = (): Promise<OrtLike> =>
  (ortModule ??= import('onnxruntime-node').then(
    (m): OrtLike => m,
    (e: unknown) => {
      ortModule = undefined
      throw new Error(
        `the onnxruntime engine needs the package onnxruntime-node (npm install onnxruntime-node, with onnxruntime-node-install=skip in .npmrc so its install script downloads nothing): ${(e as Error).message}`,
      )
    },
  ))

/**
 * ONNX Runtime (onnxruntime-node, CPU) as an engine for `fitAsync`, `evaluateModelAsync` and
 * `predictAsync`: `onnxEngine` on onnxruntime-node, loaded when the first session is made.
 * @example
 * import { onnxruntime } from 'kiln/node'
 * onnxruntime({ threads: 2 }).name // 'onnxruntime'
 * try { onnxruntime({ thread: 2 } as never) } catch (e) { (e as Error).message } // "onnxruntime: thread: unknown option; did you mean 'threads'? (valid options: threads, opset)"
 */
export const onnxruntime = (options: OnnxRuntimeOptions = {}): AsyncEngine => onnxEngine(loadOrt, options)

/**
 * `'onnxruntime'` as the shorthand for `onnxruntime()`; any other engine as it is (kiln/node's `fitAsync` and
 * the evaluation functions below read their `engine` option through this one function).
 * @example
 * import { withOnnxRuntime } from './onnxruntime.js'
 * withOnnxRuntime('compiled') // 'compiled'
 * typeof withOnnxRuntime('onnxruntime') // 'object'
 */
export const withOnnxRuntime = <T>(engine: T | 'onnxruntime'): T | AsyncEngine => (engine === 'onnxruntime' ? onnxruntime() : (engine as T))

/** The asynchronous engine an evaluation runs on; anything else is an `ArgumentError` on `engine`. */
const engineOf = (who: string, engine: unknown): AsyncEngine => {
  const e = withOnnxRuntime(engine)
  if (isAsyncEngine(e)) return e
  throw new ArgumentError(who, 'engine', `expected 'onnxruntime' or an AsyncEngine, got ${describeValue(engine)}`)
}

/**
 * `evaluateModel` on an asynchronous engine (default ONNX Runtime): the same loss, predictions, labels
 * and accuracy, from the engine's sessions. Bad rows reject with the error `evaluateModel` throws.
 * @example
 * import { adam, dense, fit, flower, key, sequential } from 'kiln'
 * import { evaluateModelAsync } from 'kiln/node'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * // in an async function: const { accuracy } = await evaluateModelAsync(r.right, test, { engine: 'onnxruntime' })
 * r._tag // 'Right'
 */
export const evaluateModelAsync = (trained: Trained, raw: Dataset, options: { readonly engine?: 'onnxruntime' | AsyncEngine } = {}): Promise<Evaluation> =>
  Promise.resolve().then(() => evaluateModelOn(trained, raw, engineOf('evaluateModelAsync', options.engine ?? 'onnxruntime')))

/**
 * `predict` on an asynchronous engine (default ONNX Runtime).
 * @example
 * import { adam, dense, fit, flower, key, sequential } from 'kiln'
 * import { predictAsync } from 'kiln/node'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * r._tag === 'Right' && predictAsync(r.right, flower(key(2), 10)) instanceof Promise // true
 */
export const predictAsync = (trained: Trained, raw: Dataset, options: { readonly engine?: 'onnxruntime' | AsyncEngine } = {}): Promise<Float64Array> =>
  Promise.resolve().then(() => predictOn(trained, raw, engineOf('predictAsync', options.engine ?? 'onnxruntime')))
