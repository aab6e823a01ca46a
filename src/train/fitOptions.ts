/**
 * The options of `fit` and `fitAsync`: their types and one table of checks per function (typed by
 * the interfaces, so an option cannot lack a check) that every option passes before any graph is
 * built, so a misspelled key or a wrongly typed value is a `Left` naming it, never a silent default or
 * a `TypeError` after an epoch of training.
 * @module
 */
import type { Dataset } from '../data/dataset.js'
import type { Optimizer } from '../nn/transform.js'
import type { ParamValues } from '../nn/tree.js'
import { closestName, describeValue, kindCheck, optionTableProblem, type OptionTable, type ValueCheck } from '../options.js'
import type { Key } from '../random/key.js'
import type { ProgressReport, ProgressStream } from '../report/progress.js'
import { ObjectiveName, type Objective } from './objective.js'
import { isAsyncEngine, type AsyncEngine, type Engine } from '../run.js'
import type { Regularization } from './step.js'
import type { Checkpoint } from './checkpoint.js'
import type { Freeze } from './transfer.js'
import type { BatchTransform } from '../data/augment.js'
import { fitError, type FitError } from './validate.js'

/** One epoch of the history. Dev fields are NaN without a dev set; accuracy is NaN for regression. */
export interface EpochRecord {
  readonly epoch: number
  readonly trainLoss: number
  readonly devLoss: number
  readonly devAccuracy: number
  readonly seconds: number
}

/**
 * A training step as `fit` records it every `steps.every` steps: where it was, the batch's mean loss
 * (unregularized), the learning rate the optimizer used (NaN when it has none), and with
 * `steps.gradientNorms` the L2 norm of the loss gradient over all parameters and per layer, taken at the
 * parameters the step started from (the gradient the step applied, before any L1/L2 penalty).
 */
export interface StepRecord {
  /** Updates done, this one included (1 for the first step). */
  readonly step: number
  readonly epoch: number
  readonly batch: number
  readonly loss: number
  readonly learningRate: number
  readonly gradientNorm?: number
  readonly layerGradientNorms?: Readonly<Record<string, number>>
}

/** Per-step records: how often, what, and a callback. */
export interface StepOptions {
  /** Record every this many steps (default 1: every step). */
  readonly every?: number
  /** Also measure gradient norms (one more gradient pass at each recorded step; default false). */
  readonly gradientNorms?: boolean
  /** Called with each record; returning `'stop'` ends training after this step's epoch bookkeeping. */
  readonly onStep?: (record: StepRecord) => void | 'stop'
}

/** Early stopping on the dev loss: stop after `patience` epochs without improvement by `minDelta`. */
export interface EarlyStopping {
  readonly patience: number
  readonly minDelta?: number
  /** Return the parameters of the best epoch (default true). */
  readonly restoreBest?: boolean
}

/**
 * Where `fit` sends checkpoints: `save` receives one (a copy, the caller's to keep) after every
 * `every`-th epoch (default 1), after the last epoch and when training stops early or by `onEpochEnd`.
 * A `Left` (or a throw) from `save` stops training with a `Left` on `checkpoint`. In Node, `kiln/node`'s
 * `fit` takes `{ path, every }` and writes files atomically.
 */
export interface CheckpointOptions {
  readonly every?: number
  readonly save: (checkpoint: Checkpoint) => void | { readonly _tag: 'Left'; readonly left: { readonly message: string } } | { readonly _tag: 'Right' }
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
  /**
   * Default `'compiled'`; `'interpreter'` runs the reference interpreter (slow; for checking); an
   * `AsyncEngine` (kiln/node's `onnxruntime()`) runs the training steps there, through `fitAsync` only
   * (dev evaluation and gradient norms stay on Kiln's compiled kernels).
   */
  readonly engine?: Engine | AsyncEngine
  /**
   * Stop at the first step whose training loss is NaN or infinite (default true) and return a `Left`
   * on `loss` whose `diverged` field says where and carries what was trained until then; `false` keeps
   * training whatever the loss (the result may then hold NaN parameters).
   */
  readonly stopOnNonFinite?: boolean
  /** Write a checkpoint at the end of epochs (see {@link CheckpointOptions}). */
  readonly checkpoint?: CheckpointOptions
  /**
   * Continue the run a checkpoint (or a `FitResult`) comes from: `epochs` is the total to reach, and the
   * result is bit-identical to an uninterrupted run of that length with the same options (history
   * `seconds` aside). The model, feature shape, objective, key, batchSize, shuffle, row count and
   * optimizer must be the checkpoint's (else a `Left` on `resume` naming the difference); `initial` must be absent.
   */
  readonly resume?: Checkpoint
  /**
   * A transform of every training batch (data augmentation, or any per-batch change: noise, mixup),
   * called before each step with the batch's rows and a key derived from `key` and the step number, so a
   * run is reproducible and a resumed run draws the same. Training only: dev evaluation, `predict` and
   * `evaluateModel` see the data as it is. See `randomFlip`, `randomShift`, `composeAugment`.
   */
  readonly augment?: BatchTransform
  /** Per-step records (`FitResult.steps`), gradient norms and a callback; see {@link StepOptions}. */
  readonly steps?: StepOptions
  /**
   * Refuse a model whose output already goes through softmax or the sigmoid when the loss applies it
   * itself (`softmaxCrossEntropy`, `binaryCrossEntropyWithLogits`): default true. `false` trains anyway.
   */
  readonly checkLogits?: boolean
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

const ENGINES: readonly Engine[] = ['compiled', 'interpreter']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const expected = (what: string, v: unknown): string => `expected ${what}, got ${describeValue(v)}`
const when = (ok: boolean, what: string, v: unknown): string | undefined => (ok ? undefined : expected(what, v))
const number = (what: string): ValueCheck => (v) => when(typeof v === 'number', what, v)
const boolean = kindCheck('boolean')
const tree: ValueCheck = (v) => when(isObject(v), 'a tree of Float64Arrays', v)

/** A value that quacks like a `Dataset` (the data checks that follow read these fields). */
const isDataset = (v: unknown): boolean =>
  isObject(v) && typeof v.n === 'number' && v.x instanceof Float64Array && v.y instanceof Float64Array && Array.isArray(v.featureShape) && Array.isArray(v.classes)

/** Kiln's engines by name, or an asynchronous engine value; `'onnxruntime'` is kiln/node's fitAsync shorthand. */
const checkEngine: ValueCheck = (v) => {
  if (isAsyncEngine(v) || (typeof v === 'string' && (ENGINES as readonly string[]).includes(v))) return undefined
  if (v === 'onnxruntime')
    return "'onnxruntime' is kiln/node's shorthand for its fitAsync (ONNX Runtime runs asynchronously); here pass an engine value (onnxEngine(ort) or kiln/node's onnxruntime()) to fitAsync"
  const near = typeof v === 'string' ? closestName(v, ENGINES) : undefined
  return `${expected("'compiled', 'interpreter' or an AsyncEngine (onnxEngine(ort))", v)}${near === undefined ? '' : `; did you mean '${near}'?`}`
}

const LOSSES = Object.keys(ObjectiveName.keys)
const checkLoss: ValueCheck = (v) => {
  if (typeof v === 'string') {
    if (ObjectiveName.is(v)) return undefined
    const near = closestName(v, LOSSES)
    return `unknown loss '${v}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; expected one of ${LOSSES.join(', ')} or an Objective`
  }
  const ok = isObject(v) && typeof v.name === 'string' && typeof v.loss === 'function' && typeof v.predict === 'function' && typeof v.classification === 'boolean'
  return ok ? undefined : expected('an objective name or an Objective { name, classification, loss, predict }', v)
}

const checkProgress: ValueCheck = (p) => {
  if (typeof p === 'boolean' || typeof p === 'function' || (isObject(p) && typeof p.write === 'function')) return undefined
  const got = isObject(p) ? 'an object without a write method' : describeValue(p)
  return `expected true, false, a stream (an object with a write method) or a function receiving progress reports, got ${got}`
}

/** Every option of `fit`: its check (nested tables for the option objects inside) and the required ones. */
// Typed by the interface: an option of `FitOptions` without a check (or a check of no option) does not compile.
const FIT_CHECKS: { readonly [K in keyof FitOptions]-?: ValueCheck | OptionTable } = {
  epochs: number('a positive integer'),
  batchSize: number('a positive integer'),
  optimizer: (v) => when(isObject(v) && typeof v.name === 'string' && typeof v.init === 'function' && typeof v.stateLeaves === 'function' && typeof v.update === 'function',
    'an optimizer such as adam(0.01) or sgd(0.1)', v),
  loss: checkLoss,
  key: (v) => when(isObject(v) && v._tag === 'Key' && typeof v.k0 === 'number' && typeof v.k1 === 'number', 'a Key (from key(seed), split or foldIn)', v),
  dev: (v) => when(isDataset(v), 'a Dataset', v),
  regularization: { checks: { l1: number('a number >= 0'), l2: number('a number >= 0') } satisfies { readonly [K in keyof Regularization]-?: ValueCheck } },
  earlyStopping: {
    checks: { patience: number('a positive integer'), minDelta: number('a number >= 0'), restoreBest: boolean } satisfies { readonly [K in keyof EarlyStopping]-?: ValueCheck },
    required: { patience: 'a positive integer (epochs without improvement)' },
  },
  shuffle: boolean,
  onEpochEnd: (v) => when(typeof v === 'function', 'a function (record, history) => void | "stop"', v),
  progress: checkProgress,
  initial: { checks: { params: tree, state: tree }, required: { params: 'a tree of Float64Arrays' } },
  freeze: (v) => when(Array.isArray(v) || typeof v === 'function', 'an array of parameter paths or a function (path) => boolean', v),
  engine: checkEngine,
  stopOnNonFinite: boolean,
  checkpoint: {
    checks: {
      every: (v) => when(typeof v === 'number' && Number.isInteger(v) && v >= 1, 'a positive integer (epochs between checkpoints)', v),
      save: (v) => when(typeof v === 'function', 'a function receiving each checkpoint', v),
    } satisfies { readonly [K in keyof CheckpointOptions]-?: ValueCheck },
    required: { save: 'a function receiving each checkpoint (or, with kiln/node\'s fit, a path)' },
  },
  resume: (v) => when(isObject(v) && isObject(v.training) && isObject(v.model) && typeof v.training.epoch === 'number', 'a Checkpoint (from loadCheckpoint, a checkpoint save, or a FitResult)', v),
  augment: (v) => when(typeof v === 'function', 'a function (batch, key) => batch, such as randomFlip() or composeAugment(...)', v),
  steps: {
    checks: {
      every: (v) => when(typeof v === 'number' && Number.isInteger(v) && v >= 1, 'a positive integer (steps between records)', v),
      gradientNorms: boolean,
      onStep: (v) => when(typeof v === 'function', 'a function (record) => void | "stop"', v),
    } satisfies { readonly [K in keyof StepOptions]-?: ValueCheck },
  },
  checkLogits: boolean,
}

const REQUIRED: { readonly [K in keyof FitOptions]?: string } = {
  epochs: 'a positive integer',
  batchSize: 'a positive integer (rows per step)',
  optimizer: 'an optimizer such as adam(0.01) or sgd(0.1)',
  key: 'a Key such as key(0) (initialization, shuffling and dropout derive from it)',
}

/**
 * The options of `fit`: a check per option and the required ones.
 * @example
 * import { FIT_OPTIONS } from './fitOptions.js'
 * Object.keys(FIT_OPTIONS.required ?? {}) // ['epochs', 'batchSize', 'optimizer', 'key']
 */
export const FIT_OPTIONS: OptionTable = { checks: FIT_CHECKS, required: REQUIRED }

const ASYNC_CHECKS: { readonly [K in Exclude<keyof FitAsyncOptions, keyof FitOptions>]-?: ValueCheck } = {
  signal: (v) => when(isObject(v) && typeof v.aborted === 'boolean', "an AbortSignal (an object with a boolean 'aborted')", v),
  yieldEveryMs: (v) => when(typeof v === 'number' && Number.isFinite(v) && v >= 0, 'a finite number of milliseconds >= 0', v),
}

/**
 * The options of `fitAsync`: those of `fit`, `signal` and `yieldEveryMs`.
 * @example
 * import { FIT_ASYNC_OPTIONS } from './fitOptions.js'
 * Object.keys(FIT_ASYNC_OPTIONS.checks).slice(-2) // ['signal', 'yieldEveryMs']
 */
export const FIT_ASYNC_OPTIONS: OptionTable = { checks: { ...FIT_CHECKS, ...ASYNC_CHECKS }, required: REQUIRED }

/**
 * The first problem with `fit`'s (or `fitAsync`'s) options as a `FitError` on the top-level option: not
 * an object, an unknown key (the closest valid one suggested), a missing required option or a wrongly
 * typed value, nested keys named by their dotted path. Ranges that depend on the data (batchSize
 * against the row count) are checked later.
 * @example
 * import { adam, key } from 'kiln'
 * import { checkFitOptions, FIT_OPTIONS } from './fitOptions.js'
 * checkFitOptions({ epochs: 1, batchSize: 4, optimizer: adam(0.01), key: key(0) }, FIT_OPTIONS) // undefined
 * checkFitOptions({ epoch: 1, batchSize: 4, optimizer: adam(0.01), key: key(0) }, FIT_OPTIONS)?.message.startsWith("fit: epoch: unknown option; did you mean 'epochs'?") // true
 * checkFitOptions({ epochs: 1, batchSize: 4, key: key(0) }, FIT_OPTIONS)?.message // 'fit: optimizer: missing; expected an optimizer such as adam(0.01) or sgd(0.1)'
 * checkFitOptions({ epochs: 1, batchSize: 4, optimizer: adam(0.01), key: key(0), earlyStopping: { patince: 2 } }, FIT_OPTIONS)?.field // 'earlyStopping'
 */
export const checkFitOptions = (options: unknown, table: OptionTable): FitError | undefined => {
  if (!isObject(options)) return fitError('options', `options: ${expected('an object of options', options)}`)
  const p = optionTableProblem('fit', options, table)
  if (p === undefined) return undefined
  // A nested field (`earlyStopping.patince`) belongs to its top-level option; an unknown key (which may hold a dot) is its own.
  const top = Object.keys(table.checks).find((k) => p.field.startsWith(`${k}.`)) ?? p.field
  return fitError(top, `${p.field}: ${p.detail}`)
}

/**
 * The model and training set `fit` is given, as a `FitError` when either is not what it must be.
 * @example
 * import { flower, key, dense } from 'kiln'
 * import { checkModelAndData } from './fitOptions.js'
 * checkModelAndData(dense(2), flower(key(1), 10)) // undefined
 * checkModelAndData(dense(2), [1, 2])?.message // 'fit: train: expected a Dataset, got an array'
 */
export const checkModelAndData = (model: unknown, train: unknown): FitError | undefined => {
  if (!(isObject(model) && typeof model.spec === 'function' && typeof model.init === 'function' && typeof model.apply === 'function'))
    return fitError('model', `model: expected a Layer (such as sequential(dense(4), layers.relu(), dense(2))), got ${describeValue(model)}`)
  if (!isDataset(train)) return fitError('train', `train: expected a Dataset, got ${describeValue(train)}`)
  return undefined
}
