/**
 * ONNX Runtime as an engine (the optional package `onnxruntime-node`, CPU, float64): a step graph is
 * exported once with `toOnnx` (every leaf a graph input) and run by one ONNX Runtime session per graph;
 * inputs and state are handed over as tensors over Kiln's own buffers (no copy), outputs written into
 * Kiln's buffers. `fitAsync`, `evaluateModelAsync` and `predictAsync` take it as `engine`.
 * Results equal Kiln's own engines to about 1e-12 relative per step (ONNX Runtime sums in its own
 * order, so not bit for bit).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Dataset } from '../data/dataset.js'
import { leavesOf, topoSort, type Leaf } from '../graph.js'
import { toOnnx } from '../onnx/export.js'
import { ArgumentError, describeValue, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import { isAsyncEngine, type AsyncEngine, type AsyncStepRunner, type StepGraph } from '../run.js'
import { evaluationRuns, predictionRuns, type ChunkRun, type Evaluation, type Trained } from '../train/predict.js'
import type { EvalStep } from '../train/step.js'

type Ort = typeof import('onnxruntime-node')
type OrtTensor = InstanceType<Ort['Tensor']>

export interface OnnxRuntimeOptions {
  /** Threads of one operation (ONNX Runtime's intra-op pool; default 1). */
  readonly threads?: number
  /** ONNX opset of the exported graphs (default 18). */
  readonly opset?: number
}

const OPTIONS: OptionTable = {
  checks: {
    threads: (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= 256 ? undefined : `expected an integer from 1 to 256, got ${describeValue(v)}`),
    opset: kindCheck('number'),
  },
}

/**
 * The ONNX Runtime session options that keep float64 graphs float64: every graph optimization except
 * `MatMulScaleFusion`, which folds a constant scale next to a MatMul into the fused op's float32 `alpha`
 * attribute (the W1 training step's `w - 0.05 g` then drifts by 7e-11 relative per step; without it, 9e-16).
 * Use them to run exported Kiln models in float64 (Python: `so.add_session_config_entry(
 * 'optimization.disable_specified_optimizers', 'MatMulScaleFusion')`).
 * @example
 * import { FLOAT64_SESSION_OPTIONS } from 'kiln/node'
 * FLOAT64_SESSION_OPTIONS.extra.optimization.disable_specified_optimizers // 'MatMulScaleFusion'
 */
export const FLOAT64_SESSION_OPTIONS = {
  graphOptimizationLevel: 'all',
  extra: { optimization: { disable_specified_optimizers: 'MatMulScaleFusion' } },
} as const

let ortModule: Promise<Ort> | undefined
/** onnxruntime-node, loaded on first use (an optional peer dependency). */
const loadOrt = (): Promise<Ort> =>
  (ortModule ??= import('onnxruntime-node').catch((e: unknown) => {
    ortModule = undefined
    throw new Error(
      `the onnxruntime engine needs the package onnxruntime-node (npm install onnxruntime-node, with onnxruntime-node-install=skip in .npmrc so its install script downloads nothing): ${(e as Error).message}`,
    )
  }))

/** A tensor over `data` of `shape`, made once per buffer (ONNX Runtime reads the buffer's current values at each run). */
const tensorCache = (ort: Ort) => {
  const cache = new WeakMap<Float64Array, OrtTensor>()
  return (data: Float64Array, shape: readonly number[]): OrtTensor => {
    let t = cache.get(data)
    if (t === undefined) cache.set(data, (t = new ort.Tensor('float64', data, shape)))
    return t
  }
}

/**
 * An ONNX Runtime session for model bytes, with `FLOAT64_SESSION_OPTIONS` on `threads` threads; a model ONNX
 * Runtime refuses (an operation without a float64 kernel, say) rejects with its message, which names the node
 * and the operation.
 * @example
 * import { exp, input, toOnnx } from 'kiln'
 * import { sessionFor } from './onnxruntime.js'
 * const bytes = toOnnx(exp(input('x', [2])))
 * bytes._tag === 'Right' && sessionFor(bytes.right, 1) instanceof Promise // true
 */
export const sessionFor = async (bytes: Uint8Array, threads: number) => {
  const ort = await loadOrt()
  try {
    return await ort.InferenceSession.create(bytes, {
      ...FLOAT64_SESSION_OPTIONS, intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
    })
  } catch (e) {
    throw new Error(`ONNX Runtime refused the exported graph: ${(e as Error).message}`)
  }
}

/** A session for `g`: its input and state leaves the graph reads become graph inputs; outputs are `output0`, ... */
const runnerFor = async (g: StepGraph, options: OnnxRuntimeOptions): Promise<AsyncStepRunner> => {
  const ort = await loadOrt()
  const read = leavesOf(topoSort(g.outputs), 'onnxruntime')
  const slot = (t: StepGraph['inputs'][number]): Leaf | undefined => {
    const leaf = read.get(t.op === 'input' || t.op === 'param' ? t.attrs.name : '')
    return leaf === t ? leaf : undefined
  }
  const inputs = g.inputs.map(slot)
  const state = g.state.map(slot)
  const inputLeaves = [...inputs, ...state].filter((l): l is Leaf => l !== undefined && l.op === 'input')
  const bytes = toOnnx(g.outputs, { inputs: inputLeaves, params: 'inputs', ...(options.opset === undefined ? {} : { opset: options.opset }) })
  if (E.isLeft(bytes)) throw new Error(bytes.left.message)
  const session = await sessionFor(bytes.right, options.threads ?? 1)
  const tensor = tensorCache(ort)
  const names = g.outputs.map((_, i) => `output${i}`)
  const shapes = g.outputs.map((o) => o.shape)
  // null prototypes: a leaf named __proto__ or constructor is a key like any other
  const feeds = Object.create(null) as Record<string, OrtTensor>
  const run = async (ins: readonly Float64Array[], st: readonly Float64Array[], outs: readonly Float64Array[]): Promise<void> => {
    inputs.forEach((l, i) => l !== undefined && (feeds[l.attrs.name] = tensor(ins[i]!, l.shape)))
    state.forEach((l, i) => l !== undefined && (feeds[l.attrs.name] = tensor(st[i]!, l.shape)))
    const fetches = Object.create(null) as Record<string, OrtTensor>
    names.forEach((n, i) => (fetches[n] = tensor(outs[i]!, shapes[i]!)))
    await session.run(feeds, fetches)
  }
  return { reads: (i) => inputs[i] !== undefined, run, release: () => session.release() }
}

/**
 * ONNX Runtime (onnxruntime-node, CPU) as an engine for `fitAsync`, `evaluateModelAsync` and
 * `predictAsync`. Each step graph is exported to ONNX once and run by its own session.
 * @example
 * import { onnxruntime } from 'kiln/node'
 * onnxruntime({ threads: 2 }).name // 'onnxruntime'
 * try { onnxruntime({ thread: 2 } as never) } catch (e) { (e as Error).message } // "onnxruntime: thread: unknown option; did you mean 'threads'? (valid options: threads, opset)"
 */
export const onnxruntime = (options: OnnxRuntimeOptions = {}): AsyncEngine => {
  const problem = optionTableProblem('onnxruntime', options, OPTIONS)
  if (problem !== undefined) throw problem
  const o = { ...options }
  return { _tag: 'AsyncEngine', name: 'onnxruntime', runner: (g) => runnerFor(g, o) }
}

/** `'onnxruntime'` as a shorthand for `onnxruntime()`; an engine value as it is. */
const engineOf = (who: string, engine: unknown): AsyncEngine => {
  if (engine === 'onnxruntime') return onnxruntime()
  if (isAsyncEngine(engine)) return engine
  throw new ArgumentError(who, 'engine', `expected 'onnxruntime' or an AsyncEngine, got ${describeValue(engine)}`)
}

/** Drives evaluation chunks on `engine`: one runner per distinct graph, all released at the end. */
const driveAsync = async <A>(runs: Generator<ChunkRun, A, void>, engine: AsyncEngine): Promise<A> => {
  const made = new Map<EvalStep, AsyncStepRunner>()
  try {
    for (;;) {
      const r = runs.next()
      if (r.done === true) return r.value
      const { graph, inputs, state, outs } = r.value
      let runner = made.get(graph)
      if (runner === undefined) made.set(graph, (runner = await engine.runner(graph)))
      await runner.run(inputs, state, outs)
    }
  } finally {
    await Promise.all([...made.values()].map((r) => r.release()))
  }
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
  Promise.resolve().then(() => driveAsync(evaluationRuns(trained, raw, 'evaluateModelAsync'), engineOf('evaluateModelAsync', options.engine ?? 'onnxruntime')))

/**
 * `predict` on an asynchronous engine (default ONNX Runtime).
 * @example
 * import { predictAsync } from 'kiln/node'
 * typeof predictAsync // 'function'
 */
export const predictAsync = (trained: Trained, raw: Dataset, options: { readonly engine?: 'onnxruntime' | AsyncEngine } = {}): Promise<Float64Array> =>
  Promise.resolve().then(() => driveAsync(predictionRuns(trained, raw, 'predictAsync'), engineOf('predictAsync', options.engine ?? 'onnxruntime')))
