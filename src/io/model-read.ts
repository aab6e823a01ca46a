/**
 * Reading model and checkpoint files (see `./model-file.js`): the header is validated with io-ts, the
 * model rebuilt from its architecture, and every tensor checked against the model before anything is
 * returned. The values stay the safetensors reader's arrays (views of the file's bytes where aligned),
 * so a loaded model holds one copy of its values.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { isGzip } from '../data/gzip.js'
import type { ConfigValue } from '../nn/config.js'
import type { Layer, Var } from '../nn/layer.js'
import { layerFromConfig, type LayerRegistry } from '../nn/rebuild.js'
import { flattenParams, unflatten, type ParamValues, type Tree } from '../nn/tree.js'
import { describeValue, hasOwn, ownValue } from '../options.js'
import type { Engine } from '../run.js'
import { fmt, shapeEq, sizeOf, type Shape } from '../shape.js'
import type { Checkpoint, TrainingState } from '../train/checkpoint.js'
import type { EpochRecord } from '../train/fitOptions.js'
import { objectives, type Objective } from '../train/objective.js'
import type { Preprocess, Trained } from '../train/predict.js'
import { fromNum, MODEL_FILE_VERSION, ModelHeader, PREPROCESS_TENSORS, TENSOR_GROUPS, type EpochRecordJson } from './model-header.js'
import type { Safetensors, StoredTensor } from './safetensors.js'

/** Why a model or checkpoint file could not be read or written: the path, the field and a message naming both. */
export interface ModelFileError {
  readonly _tag: 'ModelFileError'
  readonly path: string
  readonly field: string
  readonly message: string
}

/**
 * Builds a `ModelFileError`.
 * @example
 * import { modelFileError } from 'kiln'
 * modelFileError('m.safetensors', 'version', 'loadModel: m.safetensors: version: ...').field // 'version'
 */
export const modelFileError = (path: string, field: string, message: string): ModelFileError => ({ _tag: 'ModelFileError', path, field, message })

/** Options of `loadModel` / `decodeModel`. */
export interface LoadModelOptions {
  /** Constructors of custom layers (`defineLayer`), by the name they were saved under. */
  readonly layers?: LayerRegistry
  /** Custom objectives by name (the built-in ones are known). */
  readonly objectives?: Readonly<Record<string, Objective>>
  /** The engine the loaded model runs on (default `'compiled'`). */
  readonly engine?: Engine
}

/** A model read from a file: a `Trained` model plus what the file says about it. */
export interface SavedModel extends Trained {
  readonly history?: readonly EpochRecord[]
  readonly notes: Readonly<Record<string, ConfigValue>>
  readonly kilnVersion: string
  readonly savedAt: string
}

/**
 * The `Left` for bytes in an older Kiln format (a `saveValues` JSON file, gzipped or not), saying how to
 * convert it; undefined for anything else.
 * @example
 * import { oldFormatProblem } from 'kiln'
 * oldFormatProblem('loadModel', new TextEncoder().encode('{"format":"kiln-values"}'), 'm.json')?.field // 'format'
 * oldFormatProblem('loadModel', new Uint8Array(8), 'm.safetensors') // undefined
 */
export const oldFormatProblem = (who: string, bytes: Uint8Array, path: string): ModelFileError | undefined => {
  let i = 0
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++
  if (!(bytes[i] === 0x7b || isGzip(bytes))) return undefined
  return modelFileError(path, 'format',
    `${who}: ${path} is a values file written by saveValues (JSON of values only, no architecture), not a model file. ` +
      'Convert it: const v = loadValues(path); then saveModel(newPath, { model, featureShape, objective: objectives.softmaxCrossEntropy, classes, params: v.params, state: v.state, engine: "compiled" }) with the model built in code as when it was trained')
}

const fail = (who: string, path: string, field: string, detail: string): E.Either<ModelFileError, never> =>
  E.left(modelFileError(path, field, `${who}: ${path}: ${field}: ${detail}`))

/** The first io-ts error as the dotted field and what was found there. */
const firstError = (errors: t.Errors): { readonly field: string; readonly detail: string } => {
  const ctx = errors[0]?.context ?? []
  const end = ctx.findIndex((c) => c.type instanceof t.UnionType)
  const upto = end === -1 ? ctx : ctx.slice(0, end + 1)
  // An intersection's parts are keyed by position: those keys are not fields.
  const field = upto.filter((c, i) => c.key !== '' && !(upto[i - 1]?.type instanceof t.IntersectionType)).map((c) => c.key).join('.')
  const last = upto.at(-1)
  return { field: `header.${field}`.replace(/\.$/, ''), detail: `has ${describeValue(last?.actual)}, expected ${last?.type.name ?? 'a model header'}` }
}

/** The header, validated: the version first, so a newer file says so rather than failing on a field. */
const headerOf = (who: string, st: Safetensors, path: string): E.Either<ModelFileError, ModelHeader> => {
  if (st.metadata['format'] !== 'kiln-model' || !hasOwn(st.metadata, 'kiln')) {
    const names = [...st.tensors.keys()].slice(0, 5).join(', ')
    return fail(who, path, 'format', `not a Kiln model file (a safetensors file without Kiln's header${names === '' ? '' : `; its tensors include ${names}`}). Read its tensors with loadSafetensors, and PyTorch weights with fromTorchStateDict`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(st.metadata['kiln']!)
  } catch (e) {
    return fail(who, path, 'header', `the kiln header is not JSON: ${(e as Error).message}`)
  }
  const own = typeof raw === 'object' && raw !== null ? ownValue(raw, 'version') : undefined
  const version = own?.ok === true ? own.value : undefined
  if (version !== MODEL_FILE_VERSION)
    return fail(who, path, 'version', `unknown model file version ${describeValue(version)}; this Kiln reads version ${MODEL_FILE_VERSION} (a newer Kiln wrote this file? update Kiln)`)
  const h = ModelHeader.decode(raw)
  if (E.isLeft(h)) {
    const { field, detail } = firstError(h.left)
    return fail(who, path, field, detail)
  }
  return h
}

const objectiveNamed = (who: string, path: string, name: string, options: LoadModelOptions): E.Either<ModelFileError, Objective> => {
  if (hasOwn(objectives, name)) return E.right(objectives[name as keyof typeof objectives])
  if (options.objectives !== undefined && hasOwn(options.objectives, name)) return E.right(options.objectives[name]!)
  const known = [...Object.keys(objectives), ...Object.keys(options.objectives ?? {})]
  return fail(who, path, 'objective', `unknown objective '${name}'; known: ${known.join(', ')}. Pass a custom objective as { objectives: { ${name}: myObjective } }`)
}

/** The file's tensors under `group.` as a tree, each checked against the expected shapes (all of them, no more). */
const groupTree = (who: string, path: string, st: Safetensors, group: string, expected: ReadonlyMap<string, Shape> | undefined): E.Either<ModelFileError, ParamValues> => {
  const entries: [string, Float64Array][] = []
  for (const [name, tensor] of st.tensors) {
    if (!name.startsWith(`${group}.`)) continue
    const p = name.slice(group.length + 1)
    const want = expected?.get(p)
    if (expected !== undefined && want === undefined)
      return fail(who, path, name, `the model has no such ${group === 'params' ? 'parameter' : 'state'}; it has ${[...expected.keys()].join(', ') || 'none'}`)
    if (want !== undefined && !shapeEq(tensor.shape, want)) return fail(who, path, name, `has shape ${fmt(tensor.shape)}, the architecture says ${fmt(want)}`)
    entries.push([p, tensor.values])
  }
  const missing = expected === undefined ? undefined : [...expected.keys()].find((p) => !entries.some(([q]) => q === p))
  if (missing !== undefined) return fail(who, path, `${group}.${missing}`, `missing; the architecture has it with shape ${fmt(expected!.get(missing)!)}`)
  try {
    return E.right(unflatten(entries))
  } catch (e) {
    return fail(who, path, group, (e as Error).message)
  }
}

const KNOWN_GROUPS = Object.values(TENSOR_GROUPS).map((g) => `${g}.`)

/** The first tensor that no group claims, or a non-finite value in a file that promised finite ones. */
const strayOrNonFinite = (who: string, path: string, st: Safetensors, finite: boolean): E.Either<ModelFileError, void> => {
  for (const [name, tensor] of st.tensors) {
    if (!KNOWN_GROUPS.some((g) => name.startsWith(g))) return fail(who, path, name, `not part of a model file (tensors are ${KNOWN_GROUPS.map((g) => `${g}*`).join(', ')})`)
    if (finite) {
      const i = tensor.values.findIndex((v) => !Number.isFinite(v))
      if (i >= 0) return fail(who, path, name, `value ${i} is ${tensor.values[i]}, but the header says every value is finite (the file is damaged)`)
    }
  }
  return E.right(undefined)
}

const preprocessOf = (who: string, path: string, st: Safetensors, kind: ModelHeader['preprocess'], features: number): E.Either<ModelFileError, Preprocess | undefined> => {
  if (kind === null) return E.right(undefined)
  const got: StoredTensor[] = []
  for (const n of PREPROCESS_TENSORS[kind]) {
    const name = `${TENSOR_GROUPS.preprocess}.${n}`
    const v = st.tensors.get(name)
    if (v === undefined) return fail(who, path, name, `missing; the header says the model ${kind === 'standardize' ? 'standardizes' : 'min-max scales'} its input`)
    if (v.values.length !== features) return fail(who, path, name, `has ${v.values.length} values, the model has ${features} features`)
    got.push(v)
  }
  return E.right(kind === 'standardize' ? { _tag: 'Standardizer', mean: got[0]!.values, std: got[1]!.values } : { _tag: 'MinMax', min: got[0]!.values, range: got[1]!.values })
}

const history = (h: readonly t.TypeOf<typeof EpochRecordJson>[]): EpochRecord[] =>
  h.map((r) => ({ epoch: r.epoch, trainLoss: fromNum(r.trainLoss), devLoss: fromNum(r.devLoss), devAccuracy: fromNum(r.devAccuracy), seconds: fromNum(r.seconds) }))

/**
 * The shapes of declared variables by dotted path (what a model file's tensors must have).
 * @example
 * import { varShapes } from 'kiln'
 * import { dense } from 'kiln'
 * varShapes(dense(3).spec([1, 2]).params) // new Map([['w', [2, 3]], ['b', [3]]])
 */
export const varShapes = (vars: Tree<Var>): Map<string, Shape> => new Map(flattenParams(vars).map(([p, v]) => [p, v.shape]))

const modelWith = (who: string, st: Safetensors, path: string, options: LoadModelOptions): E.Either<ModelFileError, { readonly model: SavedModel; readonly header: ModelHeader }> => {
  const header = headerOf(who, st, path)
  if (E.isLeft(header)) return header
  const h = header.right
  const built = layerFromConfig(h.architecture, options.layers ?? {})
  if (E.isLeft(built)) return fail(who, path, 'architecture', built.left)
  const model: Layer = built.right
  const objective = objectiveNamed(who, path, h.objective, options)
  if (E.isLeft(objective)) return objective
  let spec
  try {
    spec = model.spec([1, ...h.featureShape])
  } catch (e) {
    return fail(who, path, 'featureShape', `the architecture does not accept inputs of shape ${fmt(h.featureShape)}: ${(e as Error).message}`)
  }
  const checked = strayOrNonFinite(who, path, st, h.finite)
  if (E.isLeft(checked)) return checked
  const params = groupTree(who, path, st, TENSOR_GROUPS.params, varShapes(spec.params))
  if (E.isLeft(params)) return params
  const state = groupTree(who, path, st, TENSOR_GROUPS.state, varShapes(spec.state))
  if (E.isLeft(state)) return state
  const preprocess = preprocessOf(who, path, st, h.preprocess, sizeOf(h.featureShape))
  if (E.isLeft(preprocess)) return preprocess
  const saved: SavedModel = {
    model, featureShape: h.featureShape, objective: objective.right, classes: h.classes, params: params.right, state: state.right,
    engine: options.engine ?? 'compiled', notes: h.notes, kilnVersion: h.kilnVersion, savedAt: h.savedAt,
    ...(preprocess.right === undefined ? {} : { preprocess: preprocess.right }),
    ...(h.history === undefined ? {} : { history: history(h.history) }),
  }
  return E.right({ model: saved, header: h })
}

/**
 * A model from a safetensors file already read (what `decodeModel` and `loadModel` do after reading).
 * @example
 * import { modelFromSafetensors } from 'kiln'
 * const r = modelFromSafetensors({ tensors: new Map(), metadata: {} }, 'w.safetensors')
 * r._tag === 'Left' && r.left.field // 'format'
 */
export const modelFromSafetensors = (st: Safetensors, path: string, options: LoadModelOptions = {}): E.Either<ModelFileError, SavedModel> => {
  const r = modelWith('loadModel', st, path, options)
  return E.isLeft(r) ? r : E.right(r.right.model)
}

/**
 * A checkpoint from a safetensors file already read: a model plus its run's state.
 * @example
 * import { checkpointFromSafetensors } from 'kiln'
 * checkpointFromSafetensors({ tensors: new Map(), metadata: {} }, 'c.safetensors')._tag // 'Left'
 */
export const checkpointFromSafetensors = (st: Safetensors, path: string, options: LoadModelOptions = {}): E.Either<ModelFileError, Checkpoint & SavedModel> => {
  const who = 'loadCheckpoint'
  const r = modelWith(who, st, path, options)
  if (E.isLeft(r)) return r
  const tr = r.right.header.training
  if (tr === undefined) return fail(who, path, 'training', 'this is a model file without the state of a run (saveModel wrote it); resuming needs a checkpoint (saveCheckpoint, or the checkpoint option of fit)')
  const m = r.right.model
  const opt = groupTree(who, path, st, TENSOR_GROUPS.opt, undefined)
  const values = tr.valuesAreModel
    ? E.right({ params: m.params, state: m.state })
    : pair(groupTree(who, path, st, TENSOR_GROUPS.lastParams, undefined), groupTree(who, path, st, TENSOR_GROUPS.lastState, undefined))
  const best = tr.best.values
    ? pair(groupTree(who, path, st, TENSOR_GROUPS.bestParams, undefined), groupTree(who, path, st, TENSOR_GROUPS.bestState, undefined))
    : E.right(undefined)
  if (E.isLeft(opt)) return opt
  if (E.isLeft(values)) return values
  if (E.isLeft(best)) return best
  const training: TrainingState = {
    epoch: tr.epoch, step: tr.step, key: tr.key, batchSize: tr.batchSize, shuffle: tr.shuffle, rows: tr.rows, optimizer: tr.optimizer,
    values: values.right, optState: opt.right,
    best: { loss: fromNum(tr.best.loss), epoch: tr.best.epoch, ...(best.right === undefined ? {} : { values: best.right }) },
    history: history(tr.history), patienceOut: tr.patienceOut,
  }
  return E.right({ ...m, training })
}

const pair = (
  a: E.Either<ModelFileError, ParamValues>, b: E.Either<ModelFileError, ParamValues>,
): E.Either<ModelFileError, { readonly params: ParamValues; readonly state: ParamValues }> =>
  E.isLeft(a) ? a : E.isLeft(b) ? b : E.right({ params: a.right, state: b.right })
