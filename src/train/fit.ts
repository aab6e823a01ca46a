/**
 * `fit`: mini-batch training with any optimizer, a dev set evaluated each epoch, early stopping,
 * callbacks and progress; `fitAsync` is the same training, yielding to the event loop between batches and
 * stoppable with an `AbortSignal`. The whole step (forward, loss, gradients, update) is one compiled executable
 * writing into buffers allocated once; parameters and state swap between two buffer sets.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Dataset } from '../data/dataset.js'
import type { Layer } from '../nn/layer.js'
import type { Optimizer } from '../nn/transform.js'
import type { ParamValues } from '../nn/tree.js'
import type { Key } from '../random/key.js'
import type { ProgressReport, ProgressStream } from '../report/progress.js'
import { prepareFit, trainLoop, type YieldPoint } from './loop.js'
import type { Objective, ObjectiveName } from './objective.js'
import type { Trained } from './predict.js'
import type { Engine } from './runner.js'
import type { Regularization } from './step.js'
import type { Freeze } from './transfer.js'
import { fitError, type FitError } from './validate.js'

/** One epoch of the history. Dev fields are NaN without a dev set; accuracy is NaN for regression. */
export interface EpochRecord {
  readonly epoch: number
  readonly trainLoss: number
  readonly devLoss: number
  readonly devAccuracy: number
  readonly seconds: number
}

/** Early stopping on the dev loss: stop after `patience` epochs without improvement by `minDelta`. */
export interface EarlyStopping {
  readonly patience: number
  readonly minDelta?: number
  /** Return the parameters of the best epoch (default true). */
  readonly restoreBest?: boolean
}

/** Options of `fit`. */
export interface FitOptions {
  readonly epochs: number
  /** Rows per step: `n` is batch gradient descent, 1 is stochastic. */
  readonly batchSize: number
  readonly optimizer: Optimizer
  /** Objective by name or a custom `Objective` (default softmax cross-entropy). */
  readonly loss?: ObjectiveName | Objective
  /** Initialization, shuffling and dropout all derive from this key. */
  readonly key: Key
  readonly dev?: Dataset
  readonly regularization?: Regularization
  readonly earlyStopping?: EarlyStopping
  /** Shuffle the training rows every epoch (default true). */
  readonly shuffle?: boolean
  /** Called after every epoch; returning `'stop'` ends training. */
  readonly onEpochEnd?: (record: EpochRecord, history: readonly EpochRecord[]) => void | 'stop'
  /**
   * Progress output (default `false`, none):
   * - `true`: plain lines through `console.log` (one per epoch end, at most one every 30 s in between,
   *   then `fit done in m:ss`); works the same in a browser and in Node.
   * - a stream, anything with `write`: a terminal stream (`isTTY`, such as Node's stdout stream) gets a
   *   bar redrawn in place, any other stream plain lines.
   * - a function: called synchronously on every batch with a {@link ProgressReport} (the update's
   *   fields, `elapsed` milliseconds and the plain text `line`), then once more with `done: true` when
   *   training ends. What it throws propagates out of `fit`.
   *
   * Any other value is a `Left` on `progress`.
   */
  readonly progress?: boolean | ProgressStream | ((report: ProgressReport) => void)
  /** Initial values (transfer learning, warm starts) instead of the model's initializers. */
  readonly initial?: { readonly params: ParamValues; readonly state?: ParamValues }
  /**
   * Parameters not trained (transfer learning): dotted paths or prefixes of whole subtrees
   * (`['dense0', 'dense2']`), or a test on each path returning true for frozen ones. Frozen values come
   * back bit-identical; no gradient is computed for them; the optimizer state, weight decay and the
   * L1/L2 penalty cover the trainable parameters only. Layer state keeps updating in frozen layers
   * (batch-norm running statistics follow the new data, as in PyTorch's train mode). A path naming no
   * parameter, or freezing every parameter, is a `Left`.
   */
  readonly freeze?: Freeze
  /** Default `'compiled'`; `'interpreter'` runs the reference interpreter (slow; for checking). */
  readonly engine?: Engine
}

/** The result of `fit`: the trained model and its history. */
export interface FitResult extends Trained {
  readonly history: readonly EpochRecord[]
  /** The epoch whose parameters were returned (the best one when restoring). */
  readonly bestEpoch: number
  readonly stoppedEarly: boolean
}


/** Options of `fitAsync`: those of `fit`, plus cancellation and how often to yield to the event loop. */
export interface FitAsyncOptions extends FitOptions {
  /**
   * Stops training: checked before training starts and after every batch (also after an epoch's
   * `onEpochEnd`). An aborted run resolves to a `Left` on `signal` saying where it stopped.
   */
  readonly signal?: AbortSignal
  /**
   * Yield to the event loop (a `setTimeout(0)` macrotask, so timers, input and rendering run) after a
   * batch once at least this many milliseconds have passed since the last yield. Default 16 (about one
   * animation frame); 0 yields after every batch. A finite number >= 0, else a `Left` on `yieldEveryMs`.
   */
  readonly yieldEveryMs?: number
}

/**
 * Trains `model` on `train`. Every problem with the data or options is a `Left` before training starts.
 * @example
 * import { fit, sequential, dense, layers, adam, key, flower } from 'kiln'
 * const data = flower(key(1), 100)
 * const r = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0) })
 * r._tag === 'Right' && r.right.history.length // 2
 */
export const fit = (model: Layer, train: Dataset, options: FitOptions): E.Either<FitError, FitResult> => {
  const setup = prepareFit(model, train, options)
  if (E.isLeft(setup)) return setup
  const loop = trainLoop(setup.right)
  for (;;) {
    const r = loop.next()
    if (r.done === true) return E.right(r.value)
  }
}

/**
 * `fit` that keeps a browser page (or a server) responsive: it yields to the event loop between batches
 * every `yieldEveryMs` and stops when `signal` is aborted. The result is bit-identical to `fit`'s with
 * the same options (both run one shared training loop). The promise never rejects for a `Left`: bad data
 * or options and an abort resolve to one; only an exception thrown by a callback (`onEpochEnd`,
 * `progress`) rejects it.
 * @example
 * import { fitAsync, sequential, dense, layers, adam, key, flower } from 'kiln'
 * const model = sequential(dense(4), layers.tanh(), dense(2))
 * const stop = new AbortController()
 * stop.abort()
 * // In an async function: const r = await fitAsync(model, data, { ..., signal: stop.signal })
 * const pending = fitAsync(model, flower(key(1), 100), { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0), signal: stop.signal })
 * pending instanceof Promise // true
 */
export const fitAsync = async (model: Layer, train: Dataset, options: FitAsyncOptions): Promise<E.Either<FitError, FitResult>> => {
  // `signal` and `yieldEveryMs` belong to this driver alone: the shared loop sees plain `fit` options.
  const { signal, yieldEveryMs = 16, ...fitOptions } = options
  const bad = checkAsyncOptions(signal, yieldEveryMs)
  if (bad !== undefined) return E.left(bad)
  const setup = prepareFit(model, train, fitOptions)
  if (E.isLeft(setup)) return setup
  // A function, not a narrowed property: the signal changes while this function awaits.
  const aborted = (): boolean => signal?.aborted === true
  if (aborted()) return E.left(fitError('signal', 'aborted by options.signal before training started'))
  const loop = trainLoop(setup.right)
  let lastYield = Date.now()
  for (;;) {
    const r = loop.next()
    if (r.done === true) return E.right(r.value)
    if (Date.now() - lastYield >= yieldEveryMs) {
      await nextMacrotask()
      lastYield = Date.now()
    }
    if (aborted()) {
      // Closing the loop ends its progress output (a final `done` report).
      loop.return(undefined as never)
      return E.left(abortedAt(r.value))
    }
  }
}

const checkAsyncOptions = (signal: unknown, yieldEveryMs: unknown): FitError | undefined => {
  if (typeof yieldEveryMs !== 'number' || !Number.isFinite(yieldEveryMs) || yieldEveryMs < 0)
    return fitError('yieldEveryMs', `yieldEveryMs ${typeof yieldEveryMs === 'string' ? JSON.stringify(yieldEveryMs) : String(yieldEveryMs)} must be a finite number of milliseconds >= 0`)
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as { aborted?: unknown }).aborted !== 'boolean'))
    return fitError('signal', `signal must be an AbortSignal (an object with a boolean 'aborted'); got ${signal === null ? 'null' : typeof signal}`)
  return undefined
}

const abortedAt = (at: YieldPoint): FitError =>
  fitError('signal', `aborted by options.signal at epoch ${at.epoch}, batch ${at.batch} of ${at.batches}`)

/** Resolves in a later macrotask, after pending timers and events (a microtask would not let them run). */
const nextMacrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))
