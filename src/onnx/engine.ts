/**
 * ONNX Runtime as an engine, for any of its JavaScript packages: `onnxEngine(ort)` takes the module
 * (`onnxruntime-node`, which kiln/node's `onnxruntime()` loads; or `onnxruntime-web` in a page) and gives
 * an `AsyncEngine`. A step graph is exported once with `toOnnx` (every leaf a graph input) and run by one
 * session per graph; inputs and state are handed over as tensors over Kiln's own buffers (no copy) and
 * outputs written into Kiln's buffers. Platform-neutral: the module is passed in, never imported here.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Dataset } from '../data/dataset.js'
import type { Leaf } from '../graph.js'
import { describeValue, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import { stepSlots, type AsyncEngine, type AsyncStepRunner, type StepGraph } from '../run.js'
import { evaluationRuns, predictionRuns, type ChunkRun, type Evaluation, type Trained } from '../train/predict.js'
import type { EvalStep } from '../train/step.js'
import { toOnnx } from './export.js'
import { DataType, encodeOnnxModel } from './proto.js'

/** The tensors the engine hands over (an ONNX Runtime `Tensor`, as far as the engine sees it). */
export type OrtTensorLike = object

/**
 * A session: run by name, released at the end. (Method signatures: ONNX Runtime's own types are wider,
 * overloaded and take its `Tensor` class, which the engine only ever passes back to it.)
 */
export interface OrtSessionLike {
  run(feeds: Record<string, OrtTensorLike>, fetches?: Record<string, OrtTensorLike>): Promise<unknown>
  release(): Promise<void>
}

/** The session options the engine passes (`FLOAT64_SESSION_OPTIONS`, threads, quiet logging). */
export interface OrtSessionOptions {
  readonly graphOptimizationLevel: 'all'
  readonly extra: { readonly optimization: { readonly disable_specified_optimizers: string } }
  readonly intraOpNumThreads: number
  readonly interOpNumThreads: number
  readonly executionMode: 'sequential'
  readonly logSeverityLevel: 3
}

/** What the engine uses of an ONNX Runtime JavaScript module (onnxruntime-node and onnxruntime-web both have it). */
export interface OrtLike {
  readonly InferenceSession: { create(model: Uint8Array, options: OrtSessionOptions): Promise<OrtSessionLike> }
  readonly Tensor: new (type: 'float64', data: Float64Array, dims: readonly number[]) => OrtTensorLike
}

export interface OnnxEngineOptions {
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
 * import { FLOAT64_SESSION_OPTIONS } from 'kiln'
 * FLOAT64_SESSION_OPTIONS.extra.optimization.disable_specified_optimizers // 'MatMulScaleFusion'
 */
export const FLOAT64_SESSION_OPTIONS = {
  graphOptimizationLevel: 'all',
  extra: { optimization: { disable_specified_optimizers: 'MatMulScaleFusion' } },
} as const

/**
 * A session for model bytes with `FLOAT64_SESSION_OPTIONS` on `threads` threads; a model ONNX Runtime
 * refuses (an operation without a float64 kernel, say) rejects with its message, which names the node and
 * the operation.
 * @example
 * import { exp, input, toOnnx } from 'kiln'
 * import { sessionFor } from './engine.js'
 * const refusing = { InferenceSession: { create: async () => { throw new Error('no Erf(13) for double') } }, Tensor: class {} }
 * const bytes = toOnnx(exp(input('x', [2])))
 * bytes._tag === 'Right' && sessionFor(refusing, bytes.right, 1).catch((e) => (e as Error).message) instanceof Promise // true
 */
export const sessionFor = async (ort: OrtLike, bytes: Uint8Array, threads: number): Promise<OrtSessionLike> => {
  try {
    return await ort.InferenceSession.create(bytes, {
      ...FLOAT64_SESSION_OPTIONS, intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3,
    })
  } catch (e) {
    throw new Error(`ONNX Runtime refused the exported graph: ${(e as Error).message}`)
  }
}

/** A tensor over `data` of `shape`, made once per buffer (ONNX Runtime reads the buffer's current values at each run). */
const tensorCache = (ort: OrtLike) => {
  const cache = new WeakMap<Float64Array, OrtTensorLike>()
  return (data: Float64Array, shape: readonly number[]): OrtTensorLike => {
    let t = cache.get(data)
    if (t === undefined) cache.set(data, (t = new ort.Tensor('float64', data, shape)))
    return t
  }
}

const probes = new WeakMap<OrtLike, Promise<boolean>>()

/**
 * Whether `ort` writes a run's outputs into the tensors passed as fetches (onnxruntime-node does; the
 * WebAssembly build of onnxruntime-web 1.30 returns them unwritten), found once per module by running
 * `y = -x` on one value.
 */
const writesIntoFetches = (ort: OrtLike): Promise<boolean> => {
  let known = probes.get(ort)
  if (known === undefined) {
    const probe = async (): Promise<boolean> => {
      const bytes = encodeOnnxModel({
        irVersion: 8, opset: 18, producerName: 'kiln', producerVersion: 'probe', metadata: [],
        graph: {
          name: 'probe', initializers: [], nodes: [{ opType: 'Neg', inputs: ['x'], outputs: ['y'], name: 'neg', attributes: [] }],
          inputs: [{ name: 'x', type: DataType.DOUBLE, dims: [1] }], outputs: [{ name: 'y', type: DataType.DOUBLE, dims: [1] }],
        },
      })
      const session = await sessionFor(ort, bytes, 1)
      const out = new Float64Array(1)
      try {
        await session.run({ x: new ort.Tensor('float64', Float64Array.of(2), [1]) }, { y: new ort.Tensor('float64', out, [1]) })
        return out[0] === -2
      } catch {
        return false
      } finally {
        await session.release()
      }
    }
    probes.set(ort, (known = probe()))
  }
  return known
}

/** The `data` of output `name` in a run's results (own properties only). */
const resultData = (results: unknown, name: string): unknown => {
  if (typeof results !== 'object' || results === null) return undefined
  const t = Object.getOwnPropertyDescriptor(results, name)?.value as unknown
  return typeof t === 'object' && t !== null ? Object.getOwnPropertyDescriptor(t, 'data')?.value ?? Reflect.get(t, 'data') : undefined
}

/** A runner for `g`: its input and state leaves the graph reads become graph inputs; outputs are `output0`, ... */
const runnerFor = async (ort: OrtLike, g: StepGraph, options: OnnxEngineOptions): Promise<AsyncStepRunner> => {
  const { inputs, state } = stepSlots(g, 'onnxruntime')
  const inputLeaves = [...inputs, ...state].filter((l): l is Leaf => l !== undefined && l.op === 'input')
  const bytes = toOnnx(g.outputs, { inputs: inputLeaves, params: 'inputs', ...(options.opset === undefined ? {} : { opset: options.opset }) })
  if (E.isLeft(bytes)) throw new Error(bytes.left.message)
  const session = await sessionFor(ort, bytes.right, options.threads ?? 1)
  const into = await writesIntoFetches(ort)
  const tensor = tensorCache(ort)
  const names = g.outputs.map((_, i) => `output${i}`)
  const shapes = g.outputs.map((o) => o.shape)
  // null prototypes: a leaf named __proto__ or constructor is a key like any other
  const feeds = Object.create(null) as Record<string, OrtTensorLike>
  const run = async (ins: readonly Float64Array[], st: readonly Float64Array[], outs: readonly Float64Array[]): Promise<void> => {
    inputs.forEach((l, i) => l !== undefined && (feeds[l.attrs.name] = tensor(ins[i]!, l.shape)))
    state.forEach((l, i) => l !== undefined && (feeds[l.attrs.name] = tensor(st[i]!, l.shape)))
    const fetches = Object.create(null) as Record<string, OrtTensorLike>
    names.forEach((n, i) => (fetches[n] = tensor(outs[i]!, shapes[i]!)))
    const results = await (into ? session.run(feeds, fetches) : session.run(feeds))
    // onnxruntime-node writes into the fetched tensors; where a build returns new ones (onnxruntime-web), they are copied
    names.forEach((n, i) => {
      const data = resultData(results, n)
      if (data !== outs[i]) {
        if (!(data instanceof Float64Array) || data.length !== outs[i]!.length) throw new Error(`onnxruntime: output ${n} came back as ${describeValue(data)}, expected ${outs[i]!.length} float64 values`)
        outs[i]!.set(data)
      }
    })
  }
  return { reads: (i) => inputs[i] !== undefined, run, release: () => session.release() }
}

/**
 * ONNX Runtime as an `AsyncEngine` for `fitAsync`, `evaluateModelAsync` and `predictAsync`, from its
 * JavaScript module (or a function loading it on first use). Each step graph is exported once and run by
 * its own session. Bad options throw an `ArgumentError`.
 * @example
 * import { onnxEngine } from 'kiln'
 * const engine = onnxEngine(async () => { throw new Error('not loaded in this example') }, { threads: 2 })
 * engine.name // 'onnxruntime'
 * try { onnxEngine(async () => { throw new Error('unused') }, { thread: 2 } as never) } catch (e) { (e as Error).message } // "onnxruntime: thread: unknown option; did you mean 'threads'? (valid options: threads, opset)"
 */
export const onnxEngine = (ort: OrtLike | (() => Promise<OrtLike>), options: OnnxEngineOptions = {}): AsyncEngine => {
  const problem = optionTableProblem('onnxruntime', options, OPTIONS)
  if (problem !== undefined) throw problem
  const o = { ...options }
  const load = typeof ort === 'function' ? ort : () => Promise.resolve(ort)
  return { _tag: 'AsyncEngine', name: 'onnxruntime', runner: async (g) => runnerFor(await load(), g, o) }
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
 * `evaluateModel` on an asynchronous engine: the same loss, predictions, labels and accuracy, from the
 * engine's sessions. Bad rows reject with the error `evaluateModel` throws.
 * @example
 * import { evaluateModelOn } from 'kiln'
 * // in an async function: const { accuracy } = await evaluateModelOn(trained, test, onnxEngine(ort))
 * typeof evaluateModelOn // 'function'
 */
export const evaluateModelOn = (trained: Trained, raw: Dataset, engine: AsyncEngine, who = 'evaluateModelAsync'): Promise<Evaluation> =>
  Promise.resolve().then(() => driveAsync(evaluationRuns(trained, raw, who), engine))

/**
 * `predict` on an asynchronous engine.
 * @example
 * import { predictOn } from 'kiln'
 * // in an async function: const p = await predictOn(trained, rows, onnxEngine(ort))
 * typeof predictOn // 'function'
 */
export const predictOn = (trained: Trained, raw: Dataset, engine: AsyncEngine, who = 'predictAsync'): Promise<Float64Array> =>
  Promise.resolve().then(() => driveAsync(predictionRuns(trained, raw, who), engine))
