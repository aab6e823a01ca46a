/**
 * Checkpoints: everything `fit` needs to continue a run as if it had never stopped. The data order of
 * epoch `e` is `permutation(foldIn(foldIn(key, 1), e), n)` and the dropout key of step `s` is
 * `foldIn(foldIn(key, 2), s)`, so the key, the epoch and the step count stand for the shuffling state
 * and the key stream; the rest is values (parameters, layer state, optimizer state, the best epoch's
 * values for early stopping) and the history. A checkpoint is taken at the end of an epoch.
 * @module
 */
import { configOf, type Layer } from '../nn/layer.js'
import type { ParamValues } from '../nn/tree.js'
import type { Key } from '../random/key.js'
import type { EpochRecord, FitOptions } from './fitOptions.js'
import type { Trained } from './predict.js'
import { fitError, type FitError } from './validate.js'
import type { Dataset } from '../data/dataset.js'
import type { ModelValues } from './transfer.js'

/** Where a run stands after a finished epoch (see the module doc for why these fields suffice). */
export interface TrainingState {
  /** Epochs finished. */
  readonly epoch: number
  /** Updates applied (the step a schedule sees next). */
  readonly step: number
  /** The words of the run's key. */
  readonly key: readonly [number, number]
  readonly batchSize: number
  readonly shuffle: boolean
  /** Rows of the training set. */
  readonly rows: number
  /** The optimizer's name (`adam`, `chain(sgd, ema)`): resuming with another is refused. */
  readonly optimizer: string
  /** The values to continue from (the last step's; the model's `params` may be the best epoch's instead). */
  readonly values: ModelValues
  /** The optimizer state tree (`adam.m.dense0.w`, ...), for the trainable parameters. */
  readonly optState: ParamValues
  /** The best monitored loss so far, its epoch (0: none yet) and, with early stopping, its values. */
  readonly best: { readonly loss: number; readonly epoch: number; readonly values?: ModelValues }
  readonly history: readonly EpochRecord[]
  /** True when early stopping's patience ran out: the run is over, and resuming trains nothing more. */
  readonly patienceOut: boolean
}

/** A trained model with the state of its run: `fit` returns one, writes them as it goes and resumes from them. */
export interface Checkpoint extends Trained {
  readonly training: TrainingState
}

/**
 * The words of a key, as a checkpoint records it.
 * @example
 * import { key } from 'kiln'
 * import { keyWords } from './checkpoint.js'
 * keyWords(key(3)) // [key(3).k0, key(3).k1]
 */
export const keyWords = (k: Key): readonly [number, number] => [k.k0, k.k1]

/**
 * Why `resume` cannot continue this run exactly with these options, or undefined. Only what would
 * make the continuation differ from an uninterrupted run is refused; hyperparameters (learning rate,
 * regularization, patience) may change between runs, and then the result is the new run's.
 * @example
 * import { fit, sequential, dense, adam, key, flower } from 'kiln'
 * import { resumeProblem } from './checkpoint.js'
 * const data = flower(key(1), 40)
 * const options = { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) }
 * const r = fit(sequential(dense(2)), data, options)
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * resumeProblem(r.right, r.right.model, data, { ...options, epochs: 3 }) // undefined
 * resumeProblem(r.right, r.right.model, data, { ...options, epochs: 3, batchSize: 10 })?.message // 'fit: resume: the checkpoint was trained with batchSize 20, the options say 10; resume with the same value (the data order and the step count depend on it)'
 */
export const resumeProblem = (c: Checkpoint, model: Layer, train: Dataset, options: FitOptions): FitError | undefined => {
  const t = c.training
  const same = (what: string, saved: unknown, given: unknown, why: string): FitError | undefined =>
    JSON.stringify(saved) === JSON.stringify(given)
      ? undefined
      : fitError('resume', `resume: the checkpoint was trained with ${what} ${JSON.stringify(saved)}, the options say ${JSON.stringify(given)}; resume with the same value (${why})`)
  if (options.initial !== undefined) return fitError('initial', 'initial: give either initial values or resume, not both (a checkpoint holds its own values)')
  return (
    same('an architecture', configOf(c.model), configOf(model), 'the values belong to that model') ??
    same('featureShape', c.featureShape, train.featureShape, 'the values belong to that input shape') ??
    same('the objective', c.objective.name, options.loss === undefined ? 'softmaxCrossEntropy' : typeof options.loss === 'string' ? options.loss : options.loss.name, 'the model was trained for it') ??
    same('key', t.key, keyWords(options.key), 'shuffling and dropout derive from it') ??
    same('batchSize', t.batchSize, options.batchSize, 'the data order and the step count depend on it') ??
    same('shuffle', t.shuffle, options.shuffle !== false, 'the data order depends on it') ??
    same('a training set of rows', t.rows, train.n, 'the data order depends on it') ??
    same('the optimizer', t.optimizer, options.optimizer.name, 'its state belongs to it') ??
    (t.epoch >= options.epochs && !t.patienceOut
      ? fitError('epochs', `epochs: the checkpoint has finished ${t.epoch} epoch(s) and epochs is ${options.epochs}, the total to reach; raise epochs to train more`)
      : undefined)
  )
}
