/**
 * `fit`: mini-batch training with any optimizer, a dev set evaluated each epoch, early stopping,
 * callbacks and progress; `fitAsync` is the same training, yielding to the event loop between batches and
 * stoppable with an `AbortSignal`. The whole step (forward, loss, gradients, update) is one compiled executable
 * writing into buffers allocated once; parameters and state rotate through three buffer sets.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Dataset } from '../data/dataset.js'
import type { Layer } from '../nn/layer.js'
import { FIT_ASYNC_OPTIONS, type EpochRecord, type FitAsyncOptions, type FitOptions, type StepRecord } from './fitOptions.js'
import { prepareFit, trainLoop, type FitSetup, type YieldPoint } from './loop.js'
import { isAsyncEngine, type AsyncStepRunner } from '../run.js'
import type { Trained } from './predict.js'
import type { Checkpoint } from './checkpoint.js'
import type { ParamValues } from '../nn/tree.js'
import type { ParamsOfLayer } from '../nn/sequential.js'
import { fitError, type FitError } from './validate.js'

export type { EpochRecord, EarlyStopping, FitOptions, FitAsyncOptions, CheckpointOptions, StepRecord, StepOptions } from './fitOptions.js'

/** A trained model and its history (also what a run stopped by a non-finite loss has trained). */
export interface FitSummary extends Trained {
  readonly history: readonly EpochRecord[]
  /** The epoch whose parameters were returned (the best one when restoring). */
  readonly bestEpoch: number
  readonly stoppedEarly: boolean
  /** The per-step records, with the `steps` option (of this run only: a resumed run starts a new list). */
  readonly steps?: readonly StepRecord[]
}

/**
 * The result of `fit`: the trained model, its history, and the state of the run (`training`: the
 * optimizer state, the step and epoch counts, the last values), so it is a `Checkpoint`: save it with
 * `saveCheckpoint`, or pass it as `resume` to train on.
 */
export interface FitResult extends FitSummary, Checkpoint {
  /** The exponential moving average of the parameters, when `emaParams` is in the optimizer chain. */
  readonly ema?: ParamValues
}

/**
 * A `FitResult` whose parameter values carry the model's static type: for `sequential(dense(8),
 * layers.relu(), named(dense(2), 'head'))`, `result.params.dense0.w` and `result.params.head.b` type-check
 * (untyped layers give the plain tree).
 */
export type FitResultOf<L> = Omit<FitResult, 'params'> & { readonly params: ParamsOfLayer<L> }

/** The values `fit` returns are those the model's own `spec` declared, so their static type is the model's. */
const typedResult = <L extends Layer>(r: E.Either<FitError, FitResult>): E.Either<FitError, FitResultOf<L>> => r as E.Either<FitError, FitResultOf<L>>

/**
 * Trains `model` on `train`. Every problem with the data or options is a `Left` before training starts,
 * naming the option: an unknown key (`epoch` suggests `epochs`; so do misspelled nested keys such as
 * `earlyStopping.patince`), a missing `epochs`, `batchSize`, `optimizer` or `key`, or a wrongly typed
 * value (`progress: 'yes'`, `onEpochEnd: 5`, `engine: 'interpeter'`).
 *
 * Divergence: after every step the batch's training loss is checked. The first NaN or infinite loss
 * stops training with a `Left` on `loss` whose `diverged` field names the epoch, the batch, the step and
 * the loss, and carries `partial`: the history of the finished epochs and the parameters and state of the
 * last step whose loss was finite (nothing trained before the blow-up is lost). `stopOnNonFinite: false`
 * turns the check off and trains on whatever the loss.
 * @example
 * import { fit, sequential, dense, layers, adam, sgd, key, flower } from 'kiln'
 * const data = flower(key(1), 100)
 * const r = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0) })
 * r._tag === 'Right' && r.right.history.length // 2
 * r._tag === 'Right' && r.right.params.dense2.b.length // 2
 * const typo = fit(sequential(dense(2)), data, { epochs: 2, batchSize: 50, optimizer: adam(0.01), key: key(0), shufle: false } as never)
 * typo._tag === 'Left' && typo.left.field // 'shufle'
 * const blowUp = fit(sequential(dense(4), layers.relu(), dense(2)), data, { epochs: 2, batchSize: 50, optimizer: sgd(1e300), key: key(0) })
 * blowUp._tag === 'Left' && [blowUp.left.field, blowUp.left.diverged?.epoch, blowUp.left.diverged?.batch] // ['loss', 1, 2]
 */
export const fit = <L extends Layer>(model: L, train: Dataset, options: FitOptions): E.Either<FitError, FitResultOf<L>> => {
  const setup = prepareFit(model, train, options)
  if (E.isLeft(setup)) return setup
  const { engine } = options
  if (isAsyncEngine(engine)) return E.left(fitError('engine', `engine: ${engine.name} runs its steps asynchronously: train with fitAsync`))
  const loop = trainLoop(setup.right)
  for (;;) {
    const r = loop.next()
    if (r.done === true) return typedResult<L>(r.value)
  }
}

/**
 * `fit` that keeps a browser page (or a server) responsive: it yields to the event loop between batches
 * every `yieldEveryMs` and stops when `signal` is aborted. The result is bit-identical to `fit`'s with
 * the same options (both run one shared training loop, with the same option checks and the same stop on
 * a non-finite loss). The promise never rejects for a `Left`: bad data or options, a divergence and an
 * abort resolve to one; only an exception thrown by a callback (`onEpochEnd`,
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
export const fitAsync = async <L extends Layer>(model: L, train: Dataset, options: FitAsyncOptions): Promise<E.Either<FitError, FitResultOf<L>>> => {
  // One check of every option, this driver's two included; the shared loop ignores those two.
  const setup = prepareFit(model, train, options, FIT_ASYNC_OPTIONS)
  if (E.isLeft(setup)) return setup
  const { signal, yieldEveryMs = 16 } = options
  // A function, not a narrowed property: the signal changes while this function awaits.
  const aborted = (): boolean => signal?.aborted === true
  if (aborted()) return E.left(fitError('signal', 'aborted by options.signal before training started'))
  const runners = await asyncRunners(setup.right)
  if (E.isLeft(runners)) return runners
  try {
    const loop = trainLoop(setup.right, runners.right)
    let lastYield = Date.now()
    let settled: number | undefined
    for (;;) {
      const r = loop.next(settled)
      settled = undefined
      if (r.done === true) return typedResult<L>(r.value)
      if ('_tag' in r.value) {
        const done = await settle(r.value.promise)
        if (E.isLeft(done)) {
          loop.return(undefined as never)
          return E.left(fitError('engine', `engine: a training step failed: ${done.left}`))
        }
        settled = done.right
        continue
      }
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
  } finally {
    if (runners.right !== undefined) await Promise.all([runners.right.full, runners.right.rest].map((x) => x?.release()))
  }
}

/** The step runners of an asynchronous engine (undefined for Kiln's own engines); a failure to make them is a `Left` on `engine`. */
const asyncRunners = async (s: FitSetup): Promise<E.Either<FitError, { readonly full: AsyncStepRunner; readonly rest: AsyncStepRunner | undefined } | undefined>> => {
  const { engine } = s.options
  if (!isAsyncEngine(engine)) return E.right(undefined)
  try {
    const full = await engine.runner(s.graphs.full)
    const rest = s.graphs.rest === undefined ? undefined : await engine.runner(s.graphs.rest)
    return E.right({ full, rest })
  } catch (e) {
    return E.left(fitError('engine', `engine: ${engine.name} could not take the training step: ${(e as Error).message}`))
  }
}

const settle = async (p: Promise<number>): Promise<E.Either<string, number>> => {
  try {
    return E.right(await p)
  } catch (e) {
    return E.left((e as Error).message)
  }
}

const abortedAt = (at: YieldPoint): FitError =>
  fitError('signal', `aborted by options.signal at epoch ${at.epoch}, batch ${at.batch} of ${at.batches}`)

/** Resolves in a later macrotask, after pending timers and events (a microtask would not let them run). */
const nextMacrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))
