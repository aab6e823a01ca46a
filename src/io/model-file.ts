/**
 * Model files: one safetensors file holding a whole trained model, so loading it needs no code. The
 * values are float64 tensors (`params.dense0.w`, `state.batchNorm1.mean`, `preprocess.mean`, ...), and
 * the `__metadata__` entry `kiln` holds the JSON header (`./model-header.js`): the architecture as data,
 * the feature shape, the objective, the class names, the preprocessing, free notes, the history, and for
 * a checkpoint the run's counters (its optimizer state and other values are tensors under `training.`).
 * This module works on bytes and runs anywhere; `kiln/node` writes files (streaming) and reads them.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { ConfigValue } from '../nn/config.js'
import { configOf } from '../nn/layer.js'
import { flattenParams, type ParamValues } from '../nn/tree.js'
import { ArgumentError, describeValue, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import { fmt, sizeOf, type Shape } from '../shape.js'
import type { Checkpoint } from '../train/checkpoint.js'
import type { EpochRecord } from '../train/fitOptions.js'
import type { Preprocess, Trained } from '../train/predict.js'
import { KILN_VERSION } from '../version.js'
import { checkpointFromSafetensors, modelFileError, modelFromSafetensors, oldFormatProblem, varShapes, type LoadModelOptions, type ModelFileError, type SavedModel } from './model-read.js'
import { MODEL_FILE_VERSION, PREPROCESS_TENSORS, TENSOR_GROUPS, toNum, type ModelHeader } from './model-header.js'
import { decodeSafetensors, encodeSafetensors, SAFETENSORS_READ_OPTIONS, type SafetensorsReadOptions, type TensorEntry } from './safetensors.js'

export { type LoadModelOptions, type SavedModel, type ModelFileError, modelFileError, modelFromSafetensors, checkpointFromSafetensors, oldFormatProblem, varShapes } from './model-read.js'

/** Options of `encodeModel` / `saveModel`. */
export interface ModelFileOptions {
  /** Free notes kept in the file (JSON-safe values), such as a data set's name or a commit. */
  readonly notes?: Readonly<Record<string, ConfigValue>>
  /** When the model was saved (default: now, as an ISO 8601 string). */
  readonly savedAt?: string
}

/**
 * The options of `encodeModel`, `encodeCheckpoint`, `saveModel` and `saveCheckpoint`.
 * @example
 * import { MODEL_WRITE_OPTIONS } from 'kiln'
 * Object.keys(MODEL_WRITE_OPTIONS.checks) // ['notes', 'savedAt']
 */
export const MODEL_WRITE_OPTIONS: OptionTable = { checks: { notes: kindCheck('object'), savedAt: kindCheck('string') } }

/**
 * The options of `decodeModel` and `decodeCheckpoint` (`loadModel` adds `maxFileBytes`).
 * @example
 * import { MODEL_READ_OPTIONS } from 'kiln'
 * Object.keys(MODEL_READ_OPTIONS.checks) // ['layers', 'objectives', 'engine', 'maxHeaderBytes', 'names']
 */
export const MODEL_READ_OPTIONS: OptionTable = {
  checks: {
    layers: kindCheck('object'),
    objectives: kindCheck('object'),
    engine: (v) => (v === 'compiled' || v === 'interpreter' ? undefined : `expected 'compiled' or 'interpreter', got ${describeValue(v)}`),
    ...SAFETENSORS_READ_OPTIONS.checks,
  },
}

/** A model to save: any trained model; a `FitResult`'s history (or a loaded model's) is kept. */
export type ModelToSave = Trained & { readonly history?: readonly EpochRecord[] }

/** The tensors and `__metadata__` of a model or checkpoint file, ready for a safetensors writer. */
export interface ModelFileParts {
  readonly tensors: ReadonlyArray<readonly [string, TensorEntry]>
  readonly metadata: Readonly<Record<string, string>>
}

const historyJson = (h: readonly EpochRecord[]) =>
  h.map((r) => ({ epoch: r.epoch, trainLoss: toNum(r.trainLoss), devLoss: toNum(r.devLoss), devAccuracy: toNum(r.devAccuracy), seconds: toNum(r.seconds) }))

/** The `group.path` tensors of the model's values: exactly the variables the model declares, with its shapes. */
const modelTensors = (who: string, group: string, tree: ParamValues, shapes: ReadonlyMap<string, Shape>): [string, TensorEntry][] => {
  const values = new Map(flattenParams(tree))
  const extra = [...values.keys()].find((p) => !shapes.has(p))
  if (extra !== undefined) throw new ArgumentError(who, `${group}.${extra}`, `the model has no such ${group === 'params' ? 'parameter' : 'state'}; it has ${[...shapes.keys()].join(', ') || 'none'}`)
  return [...shapes].map(([path, shape]) => {
    const v = values.get(path)
    if (v === undefined) throw new ArgumentError(who, `${group}.${path}`, `missing: the model has it with shape ${fmt(shape)}`)
    if (!(v instanceof Float64Array)) throw new ArgumentError(who, `${group}.${path}`, `expected a Float64Array, got ${describeValue(v)}`)
    if (sizeOf(shape) !== v.length) throw new ArgumentError(who, `${group}.${path}`, `has ${v.length} values, the model's shape ${fmt(shape)} needs ${sizeOf(shape)}`)
    return [`${group}.${path}`, { shape, values: v }]
  })
}

/** The `group.path` tensors of values the model does not shape (optimizer state, a run's values), flat. */
const flatTensors = (who: string, group: string, tree: ParamValues): [string, TensorEntry][] =>
  flattenParams(tree).map(([path, v]) => {
    if (!(v instanceof Float64Array)) throw new ArgumentError(who, `${group}.${path}`, `expected a Float64Array, got ${describeValue(v)}`)
    return [`${group}.${path}`, { shape: [v.length], values: v }]
  })

const preprocessKind = (p: Preprocess): keyof typeof PREPROCESS_TENSORS => (p._tag === 'Standardizer' ? 'standardize' : 'minMax')

const preprocessTensors = (p: Preprocess | undefined): [string, TensorEntry][] => {
  if (p === undefined) return []
  const values = p._tag === 'Standardizer' ? [p.mean, p.std] : [p.min, p.range]
  return PREPROCESS_TENSORS[preprocessKind(p)].map((k, i) => [`${TENSOR_GROUPS.preprocess}.${k}`, { shape: [values[i]!.length], values: values[i]! }])
}

/** The model's own tensors (params, state, preprocessing) and its header. */
const modelParts = (who: string, m: ModelToSave, options: ModelFileOptions): { tensors: [string, TensorEntry][]; header: ModelHeader } => {
  const spec = m.model.spec([1, ...m.featureShape])
  const tensors = [
    ...modelTensors(who, TENSOR_GROUPS.params, m.params, varShapes(spec.params)),
    ...modelTensors(who, TENSOR_GROUPS.state, m.state, varShapes(spec.state)),
    ...preprocessTensors(m.preprocess),
  ]
  const header: ModelHeader = {
    format: 'kiln-model',
    version: MODEL_FILE_VERSION,
    architecture: configOf(m.model),
    featureShape: [...m.featureShape],
    objective: m.objective.name,
    classes: [...m.classes],
    preprocess: m.preprocess === undefined ? null : preprocessKind(m.preprocess),
    finite: true,
    kilnVersion: KILN_VERSION,
    savedAt: options.savedAt ?? new Date().toISOString(),
    notes: { ...(options.notes ?? {}) },
    ...(m.history === undefined ? {} : { history: historyJson(m.history) }),
  }
  return { tensors, header }
}

const finish = (tensors: [string, TensorEntry][], header: ModelHeader): ModelFileParts => {
  const finite = tensors.every(([, e]) => e.values.every(Number.isFinite))
  return { tensors, metadata: { format: 'kiln-model', kiln: JSON.stringify({ ...header, finite }) } }
}

/**
 * The tensors and metadata of a model file (what `encodeModel` and `saveModel` write). The values
 * must match the model's parameters and state exactly; a problem throws an `ArgumentError` naming the
 * tensor.
 * @example
 * import { modelFileParts, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * modelFileParts(r.right).tensors.map(([name, e]) => [name, e.shape]) // [['params.dense0.w', [2, 2]], ['params.dense0.b', [2]]]
 */
export const modelFileParts = (m: ModelToSave, options: ModelFileOptions = {}): ModelFileParts => {
  const { tensors, header } = modelParts('saveModel', m, options)
  return finish(tensors, header)
}

/**
 * The tensors and metadata of a checkpoint file: a model file (so `loadModel` reads it) plus the run's
 * counters and values (optimizer state under `training.opt.`, the values to continue from, the best
 * epoch's values).
 * @example
 * import { checkpointFileParts, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * checkpointFileParts(r.right).tensors.filter(([name]) => name.startsWith('training.')).length // 4
 */
export const checkpointFileParts = (c: Checkpoint & { readonly history?: readonly EpochRecord[] }, options: ModelFileOptions = {}): ModelFileParts => {
  const { tensors, header } = modelParts('saveCheckpoint', c, options)
  const tr = c.training
  const valuesAreModel = tr.values.params === c.params && tr.values.state === c.state
  const who = 'saveCheckpoint'
  const extra = [
    ...flatTensors(who, TENSOR_GROUPS.opt, tr.optState),
    ...(valuesAreModel ? [] : [...flatTensors(who, TENSOR_GROUPS.lastParams, tr.values.params), ...flatTensors(who, TENSOR_GROUPS.lastState, tr.values.state)]),
    ...(tr.best.values === undefined ? [] : [...flatTensors(who, TENSOR_GROUPS.bestParams, tr.best.values.params), ...flatTensors(who, TENSOR_GROUPS.bestState, tr.best.values.state)]),
  ]
  const training = {
    epoch: tr.epoch, step: tr.step, key: [tr.key[0], tr.key[1]] as [number, number], batchSize: tr.batchSize, shuffle: tr.shuffle, rows: tr.rows,
    optimizer: tr.optimizer, best: { loss: toNum(tr.best.loss), epoch: tr.best.epoch, values: tr.best.values !== undefined },
    history: historyJson(tr.history), patienceOut: tr.patienceOut, valuesAreModel,
  }
  return finish([...tensors, ...extra], { ...header, training })
}

/**
 * The parts a writer writes (`parts()` builds them), or a `Left` naming the option or the value that
 * is wrong; shared by the byte encoders here and the file writers of `kiln/node`.
 * @example
 * import { partsToWrite, modelFileParts, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * partsToWrite('saveModel', 'm.safetensors', { note: 1 }, () => modelFileParts(r.right))._tag // 'Left'
 * const bad = partsToWrite('saveModel', 'm.safetensors', {}, () => modelFileParts({ ...r.right, params: {} }))
 * bad._tag === 'Left' && bad.left.message // 'saveModel: m.safetensors: params.dense0.w: missing: the model has it with shape [2,2]'
 */
export const partsToWrite = (who: string, path: string, options: unknown, parts: () => ModelFileParts): E.Either<ModelFileError, ModelFileParts> => {
  const bad = optionTableProblem(who, options, MODEL_WRITE_OPTIONS)
  if (bad !== undefined) return E.left(modelFileError(path, bad.field, bad.message))
  try {
    return E.right(parts())
  } catch (e) {
    const field = e instanceof ArgumentError ? e.field : 'model'
    return E.left(modelFileError(path, field, `${who}: ${path}: ${(e as Error).message.replace(/^[a-zA-Z]+: /, '')}`))
  }
}

const encodeWith = (who: string, options: unknown, parts: () => ModelFileParts): E.Either<ModelFileError, Uint8Array> =>
  E.map((p: ModelFileParts) => encodeSafetensors(p.tensors, p.metadata))(partsToWrite(who, '<bytes>', options, parts))

/**
 * A trained model as the bytes of a model file (a safetensors file), for a browser to download or
 * store. A problem with the values is a `Left` naming the tensor.
 * @example
 * import { encodeModel, decodeModel, predict, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const data = flower(key(1), 40)
 * const r = fit(sequential(dense(2)), data, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const bytes = encodeModel(r.right)
 * const back = bytes._tag === 'Right' ? decodeModel(bytes.right) : bytes
 * back._tag === 'Right' && predict(back.right, data).every((p, i) => p === predict(r.right, data)[i]) // true
 */
export const encodeModel = (m: ModelToSave, options: ModelFileOptions = {}): E.Either<ModelFileError, Uint8Array> =>
  encodeWith('encodeModel', options, () => modelFileParts(m, options))

/**
 * A checkpoint (or a `FitResult`) as the bytes of a checkpoint file.
 * @example
 * import { encodeCheckpoint, decodeCheckpoint, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const bytes = encodeCheckpoint(r.right)
 * const back = bytes._tag === 'Right' ? decodeCheckpoint(bytes.right) : bytes
 * back._tag === 'Right' && back.right.training.step // 2
 */
export const encodeCheckpoint = (c: Checkpoint, options: ModelFileOptions = {}): E.Either<ModelFileError, Uint8Array> =>
  encodeWith('encodeCheckpoint', options, () => checkpointFileParts(c, options))


/** Options of `decodeModel` and `decodeCheckpoint`: those of `loadModel` and of the safetensors reader. */
export type DecodeModelOptions = LoadModelOptions & SafetensorsReadOptions

/**
 * Reads a model file's bytes: the model is rebuilt from its architecture (custom layers from
 * `options.layers`), every tensor checked against it, and the result goes straight to `predict` and
 * `evaluateModel`. Every problem is a `Left` naming the field: not a model file (an old `saveValues`
 * JSON file gets a message saying how to convert it), an unknown version, an unknown layer, a missing or
 * misshapen tensor, a NaN in a file that says its values are finite.
 * @example
 * import { decodeModel } from 'kiln'
 * const old = new TextEncoder().encode('{"format":"kiln-values","version":1,"params":{},"state":{}}')
 * const r = decodeModel(old, 'model.json')
 * r._tag === 'Left' && r.left.message.startsWith('loadModel: model.json is a values file written by saveValues') // true
 */
export const decodeModel = (bytes: Uint8Array, path = '<bytes>', options: DecodeModelOptions = {}): E.Either<ModelFileError, SavedModel> => {
  const st = safetensorsOf('loadModel', bytes, path, options)
  return E.isLeft(st) ? st : modelFromSafetensors(st.right, path, options)
}

/**
 * Reads a checkpoint file's bytes (see `decodeModel`); a model file without a run's state is a `Left` on `training`.
 * @example
 * import { decodeCheckpoint } from 'kiln'
 * decodeCheckpoint(new Uint8Array(3))._tag // 'Left'
 */
export const decodeCheckpoint = (bytes: Uint8Array, path = '<bytes>', options: DecodeModelOptions = {}): E.Either<ModelFileError, Checkpoint & SavedModel> => {
  const st = safetensorsOf('loadCheckpoint', bytes, path, options)
  return E.isLeft(st) ? st : checkpointFromSafetensors(st.right, path, options)
}

const safetensorsOf = (who: string, bytes: Uint8Array, path: string, options: DecodeModelOptions) => {
  const bad = optionTableProblem(who, options, MODEL_READ_OPTIONS)
  if (bad !== undefined) return E.left(modelFileError(path, bad.field, bad.message))
  const old = oldFormatProblem(who, bytes, path)
  if (old !== undefined) return E.left(old)
  const { maxHeaderBytes, names } = options
  const st = decodeSafetensors(bytes, path, { ...(maxHeaderBytes === undefined ? {} : { maxHeaderBytes }), ...(names === undefined ? {} : { names }) })
  return E.isLeft(st) ? E.left(modelFileError(path, st.left.field, st.left.message.replace(/^[a-zA-Z]+: /, `${who}: `))) : st
}