/**
 * `fit` and `fitAsync` with files: the same training as the root entry's, plus checkpoints written to a
 * path (`checkpoint: { path, every }`, atomically) and `resume` from a checkpoint file's path.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Dataset } from '../data/dataset.js'
import type { Layer } from '../nn/layer.js'
import { registryOf } from '../nn/rebuild.js'
import { describeValue } from '../options.js'
import type { Checkpoint } from '../train/checkpoint.js'
import { fit as fitAny, fitAsync as fitAsyncAny, type CheckpointOptions, type FitAsyncOptions, type FitOptions, type FitResultOf } from '../train/fit.js'
import { fitError, type FitError } from '../train/validate.js'
import { loadCheckpoint, saveCheckpoint } from './model.js'
import { withOnnxRuntime } from './onnxruntime.js'

/** Checkpoints written to a file: the checkpoint after every `every`-th epoch (default 1) replaces the file at `path`. */
export interface CheckpointFile {
  readonly path: string
  readonly every?: number
}

/** The options of the root `fit`, with `checkpoint` also a file and `resume` also a checkpoint file's path. */
export type FileFitOptions<O extends FitOptions = FitOptions> = Omit<O, 'checkpoint' | 'resume'> & {
  readonly checkpoint?: CheckpointOptions | CheckpointFile
  readonly resume?: Checkpoint | string
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const isFile = (c: CheckpointOptions | CheckpointFile): c is CheckpointFile => 'path' in c

/** What a file option stands for: a checkpoint path a `save` writing that file, a resume path the checkpoint read from it. */
interface Resolved {
  readonly checkpoint?: CheckpointOptions
  readonly resume?: Checkpoint
}

const resolve = (model: Layer, checkpoint: FileFitOptions['checkpoint'], resume: FileFitOptions['resume']): E.Either<FitError, Resolved> => {
  let save: CheckpointOptions | undefined
  if (checkpoint !== undefined && !isObject(checkpoint))
    return E.left(fitError('checkpoint', `checkpoint: expected { path, every } (a file) or { save, every } (a function), got ${describeValue(checkpoint)}`))
  if (checkpoint !== undefined && isFile(checkpoint)) {
    const { path, every, ...rest } = checkpoint
    const extra = Object.keys(rest)[0]
    if (typeof path !== 'string' || path === '') return E.left(fitError('checkpoint', `checkpoint.path: expected a file path, got ${describeValue(path)}`))
    if (extra !== undefined) return E.left(fitError('checkpoint', `checkpoint.${extra}: unknown option; a checkpoint file takes path and every`))
    save = { ...(every === undefined ? {} : { every }), save: (c) => saveCheckpoint(path, c) }
  } else save = checkpoint
  let from: Checkpoint | undefined
  if (typeof resume === 'string') {
    const c = loadCheckpoint(resume, { layers: registryOf(model) })
    if (E.isLeft(c)) return E.left(fitError('resume', `resume: ${c.left.message}`))
    from = c.right
  } else from = resume
  return E.right({ ...(save === undefined ? {} : { checkpoint: save }), ...(from === undefined ? {} : { resume: from }) })
}

const notOptions = (options: unknown): FitError | undefined =>
  isObject(options) ? undefined : fitError('options', `options: expected an object of options, got ${describeValue(options)}`)

/**
 * The root entry's `fit`, with checkpoint files: `checkpoint: { path, every }` writes the run's state
 * to `path` atomically (a crash mid-write leaves the previous checkpoint), and `resume: path` continues
 * from it, bit-identical to an uninterrupted run (see `FitOptions.resume`).
 * @example
 * import { fit, loadCheckpoint } from 'kiln/node'
 * import { sequential, dense, adam, key, flower } from 'kiln'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-fit-'))
 * const path = join(dir, 'run.ckpt')
 * const options = { batchSize: 20, optimizer: adam(0.01), key: key(0) }
 * const data = flower(key(1), 40)
 * const straight = fit(sequential(dense(2)), data, { ...options, epochs: 4 })
 * fit(sequential(dense(2)), data, { ...options, epochs: 2, checkpoint: { path } })._tag // 'Right'
 * const resumed = fit(sequential(dense(2)), data, { ...options, epochs: 4, resume: path })
 * straight._tag === 'Right' && resumed._tag === 'Right' && resumed.right.params.dense0.w.every((v, i) => v === straight.right.params.dense0.w[i]) // true
 * rmSync(dir, { recursive: true })
 */
export const fit = <L extends Layer>(model: L, train: Dataset, options: FileFitOptions): E.Either<FitError, FitResultOf<L>> => {
  const bad = notOptions(options)
  if (bad !== undefined) return E.left(bad)
  const { checkpoint, resume, ...rest } = options
  const r = resolve(model, checkpoint, resume)
  return E.isLeft(r) ? r : fitAny(model, train, { ...rest, ...r.right })
}

/** `fitAsync`'s options here: the root's with checkpoint files, and `engine: 'onnxruntime'` for `onnxruntime()`. */
export type FileFitAsyncOptions = Omit<FileFitOptions<FitAsyncOptions>, 'engine'> & { readonly engine?: FitAsyncOptions['engine'] | 'onnxruntime' }

/**
 * The root entry's `fitAsync`, with checkpoint files (see `fit` here) and `engine: 'onnxruntime'`: the
 * training steps run on ONNX Runtime (`onnxruntime()`; pass `onnxruntime({ threads })` to set threads).
 * @example
 * import { fitAsync } from 'kiln/node'
 * import { sequential, dense, adam, key, flower } from 'kiln'
 * fitAsync(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) }) instanceof Promise // true
 * // in an async function: await fitAsync(model, data, { ..., engine: 'onnxruntime' })
 */
export const fitAsync = async <L extends Layer>(model: L, train: Dataset, options: FileFitAsyncOptions): Promise<E.Either<FitError, FitResultOf<L>>> => {
  const bad = notOptions(options)
  if (bad !== undefined) return E.left(bad)
  const { checkpoint, resume, engine, ...rest } = options
  const r = resolve(model, checkpoint, resume)
  const chosen = engine === undefined ? {} : { engine: withOnnxRuntime(engine) }
  return E.isLeft(r) ? r : fitAsyncAny(model, train, { ...rest, ...chosen, ...r.right })
}
