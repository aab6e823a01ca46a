/**
 * Model and checkpoint files on disk (the format lives in the root entry: `encodeModel`,
 * `decodeModel`): written atomically and streaming (no second copy of the values), read into one
 * buffer whose tensors the loaded model uses as they are.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { closeSync, openSync, readSync } from 'node:fs'
import {
  checkpointFileParts, checkpointFromSafetensors, MODEL_READ_OPTIONS, modelFileError, partsToWrite, modelFileParts, modelFromSafetensors, oldFormatProblem,
  type LoadModelOptions, type ModelFileError, type ModelFileOptions, type ModelFileParts, type ModelToSave, type SavedModel,
} from '../io/model-file.js'
import type { Safetensors, SafetensorsError } from '../io/safetensors.js'
import { kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import type { Checkpoint } from '../train/checkpoint.js'
import { loadSafetensors, saveSafetensors, type LoadSafetensorsOptions } from './safetensors.js'

/** Options of `loadModel` and `loadCheckpoint`: the model's (custom layers, objectives, engine) and the file's (size limit). */
export type LoadModelFileOptions = LoadModelOptions & LoadSafetensorsOptions

const save = (who: string, path: string, options: unknown, parts: () => ModelFileParts): E.Either<ModelFileError, string> => {
  const p = partsToWrite(who, path, options, parts)
  if (E.isLeft(p)) return p
  const r = saveSafetensors(path, p.right.tensors, p.right.metadata)
  return E.isLeft(r) ? E.left(modelFileError(path, r.left.field, r.left.message.replace(/^saveSafetensors: /, `${who}: `))) : r
}

/**
 * Writes a trained model (a `FitResult`, a loaded model, or any `Trained` record with its
 * preprocessing) to one file: architecture, values, layer state, objective, class names,
 * preprocessing, history and notes. Atomic (temporary file, then rename) and streaming.
 * @example
 * import { saveModel, loadModel } from 'kiln/node'
 * import { fit, predict, sequential, dense, layers, adam, key, flower } from 'kiln'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-model-'))
 * const data = flower(key(1), 40)
 * const r = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { epochs: 2, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * saveModel(join(dir, 'flower.safetensors'), r.right, { notes: { data: 'flower' } })._tag // 'Right'
 * const back = loadModel(join(dir, 'flower.safetensors'))
 * back._tag === 'Right' && [back.right.notes.data, back.right.history?.length] // ['flower', 2]
 * back._tag === 'Right' && predict(back.right, data).every((p, i) => p === predict(r.right, data)[i]) // true
 * rmSync(dir, { recursive: true })
 */
export const saveModel = (path: string, m: ModelToSave, options: ModelFileOptions = {}): E.Either<ModelFileError, string> =>
  save('saveModel', path, options, () => modelFileParts(m, options))

/**
 * Writes a checkpoint (what `fit`'s `checkpoint.save` receives, or a `FitResult`) to one file, atomically:
 * a model file plus the run's state, so `loadModel` reads it too.
 * @example
 * import { saveCheckpoint, loadCheckpoint } from 'kiln/node'
 * import { fit, sequential, dense, adam, key, flower } from 'kiln'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-ckpt-'))
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * saveCheckpoint(join(dir, 'run.ckpt'), r.right)._tag // 'Right'
 * const c = loadCheckpoint(join(dir, 'run.ckpt'))
 * c._tag === 'Right' && [c.right.training.epoch, c.right.training.step] // [1, 2]
 * rmSync(dir, { recursive: true })
 */
export const saveCheckpoint = (path: string, c: Checkpoint, options: ModelFileOptions = {}): E.Either<ModelFileError, string> =>
  save('saveCheckpoint', path, options, () => checkpointFileParts(c, options))

/** The first bytes of a file (empty when it cannot be read), to recognize an older format. */
const head = (path: string): Uint8Array => {
  const out = new Uint8Array(64)
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    return out.subarray(0, readSync(fd, out, 0, out.length, 0))
  } catch {
    return new Uint8Array(0)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

const LOAD_OPTIONS: OptionTable = { checks: { ...MODEL_READ_OPTIONS.checks, maxFileBytes: kindCheck('number') } }

const load = <T>(who: string, path: string, options: LoadModelFileOptions, read: (st: Safetensors) => E.Either<ModelFileError, T>): E.Either<ModelFileError, T> => {
  const bad = optionTableProblem(who, options, LOAD_OPTIONS)
  if (bad !== undefined) return E.left(modelFileError(path, bad.field, bad.message))
  const { maxFileBytes, maxHeaderBytes, names } = options
  const file: LoadSafetensorsOptions = {
    ...(maxFileBytes === undefined ? {} : { maxFileBytes }), ...(maxHeaderBytes === undefined ? {} : { maxHeaderBytes }), ...(names === undefined ? {} : { names }),
  }
  const st = loadSafetensors(path, file)
  if (E.isLeft(st)) return E.left(fromSafetensors(who, path, st.left))
  return read(st.right)
}

const fromSafetensors = (who: string, path: string, e: SafetensorsError): ModelFileError =>
  // Reading the header failed: an older Kiln format gets a message saying how to convert it.
  (e.field.startsWith('header') ? oldFormatProblem(who, head(path), path) : undefined) ?? modelFileError(path, e.field, e.message.replace(/^loadSafetensors: /, `${who}: `))

const modelOptions = (options: LoadModelFileOptions): LoadModelOptions => ({
  ...(options.layers === undefined ? {} : { layers: options.layers }),
  ...(options.objectives === undefined ? {} : { objectives: options.objectives }),
  ...(options.engine === undefined ? {} : { engine: options.engine }),
})

/**
 * Reads a model file: the model is rebuilt from the file (custom layers from `options.layers`) and
 * comes back ready for `predict` and `evaluateModel`. A file too large (`maxFileBytes`), not a model
 * file (an old `saveValues` file gets a message on how to convert it), of an unknown version, with an
 * unknown layer or a tensor that disagrees with the architecture is a `Left` naming the field.
 * @example
 * import { loadModel } from 'kiln/node'
 * loadModel('/no/such/model.safetensors')._tag // 'Left'
 */
export const loadModel = (path: string, options: LoadModelFileOptions = {}): E.Either<ModelFileError, SavedModel> =>
  load('loadModel', path, options, (st) => modelFromSafetensors(st, path, modelOptions(options)))

/**
 * Reads a checkpoint file (see `saveCheckpoint`), for `fit`'s `resume`.
 * @example
 * import { loadCheckpoint } from 'kiln/node'
 * loadCheckpoint('/no/such/run.ckpt')._tag // 'Left'
 */
export const loadCheckpoint = (path: string, options: LoadModelFileOptions = {}): E.Either<ModelFileError, Checkpoint & SavedModel> =>
  load('loadCheckpoint', path, options, (st) => checkpointFromSafetensors(st, path, modelOptions(options)))
