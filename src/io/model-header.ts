/**
 * The JSON header of a model file (kept in the safetensors `__metadata__` under `kiln`): the
 * architecture, the input shape, the objective, the class names, which preprocessing the file holds,
 * free metadata and, for a checkpoint, the run's counters. Values are not here: they are tensors.
 * Numbers that JSON cannot hold (a NaN dev loss without a dev set) are written as strings.
 * @module
 */
import * as t from 'io-ts'
import { ConfigValueCodec, LayerConfigCodec } from '../nn/config.js'

/**
 * The format version this Kiln writes and reads.
 * @example
 * import { MODEL_FILE_VERSION } from './model-header.js'
 * MODEL_FILE_VERSION // 1
 */
export const MODEL_FILE_VERSION = 1

/**
 * The tensor groups of a model file: tensor names are `<group>.<dotted path>` (`params.dense0.w`).
 * @example
 * import { TENSOR_GROUPS } from './model-header.js'
 * TENSOR_GROUPS.opt // 'training.opt'
 */
export const TENSOR_GROUPS = {
  params: 'params',
  state: 'state',
  preprocess: 'preprocess',
  opt: 'training.opt',
  lastParams: 'training.values.params',
  lastState: 'training.values.state',
  bestParams: 'training.best.params',
  bestState: 'training.best.state',
} as const

/**
 * The `preprocess.` tensors of each preprocessing kind, in the order of the fields they fill.
 * @example
 * import { PREPROCESS_TENSORS } from './model-header.js'
 * PREPROCESS_TENSORS.standardize // ['mean', 'std']
 */
export const PREPROCESS_TENSORS = { standardize: ['mean', 'std'], minMax: ['min', 'range'] } as const

/**
 * A number, or the string that stands for a non-finite one.
 * @example
 * import { Num } from './model-header.js'
 * [Num.is('NaN'), Num.is('nan')] // [true, false]
 */
export const Num = t.union([t.number, t.literal('NaN'), t.literal('Infinity'), t.literal('-Infinity')])

/**
 * A number as JSON can hold it.
 * @example
 * import { toNum } from './model-header.js'
 * [toNum(1.5), toNum(NaN), toNum(-Infinity)] // [1.5, 'NaN', '-Infinity']
 */
export const toNum = (v: number): number | 'NaN' | 'Infinity' | '-Infinity' => (Number.isFinite(v) ? v : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN')
/**
 * The number a `Num` stands for.
 * @example
 * import { fromNum } from './model-header.js'
 * [fromNum('Infinity'), fromNum(2)] // [Infinity, 2]
 */
export const fromNum = (v: t.TypeOf<typeof Num>): number => (typeof v === 'number' ? v : Number(v))

const Count = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')
const Positive = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1, 'a positive integer')
const Word = t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'a uint32 key word')

/**
 * One epoch of the history.
 * @example
 * import { EpochRecordJson } from './model-header.js'
 * EpochRecordJson.is({ epoch: 1, trainLoss: 0.5, devLoss: 'NaN', devAccuracy: 'NaN', seconds: 0.1 }) // true
 */
export const EpochRecordJson = t.type({ epoch: Positive, trainLoss: Num, devLoss: Num, devAccuracy: Num, seconds: Num })

/**
 * The counters of a run (its values are tensors under `training.`).
 * @example
 * import { TrainingJson } from './model-header.js'
 * TrainingJson.is({ epoch: 1 }) // false
 */
export const TrainingJson = t.type({
  epoch: Count,
  step: Count,
  key: t.tuple([Word, Word]),
  batchSize: Positive,
  shuffle: t.boolean,
  rows: Positive,
  optimizer: t.string,
  best: t.type({ loss: Num, epoch: Count, values: t.boolean }),
  history: t.array(EpochRecordJson),
  patienceOut: t.boolean,
  /** True when the values to continue from are the model's own `params.`/`state.` tensors. */
  valuesAreModel: t.boolean,
})

/**
 * The header, version 1. `finite: true` promises that every value is finite (checked on load).
 * @example
 * import { ModelHeader } from './model-header.js'
 * ModelHeader.is({ format: 'kiln-model', version: 1, architecture: { type: 'dense', args: [2] }, featureShape: [3], objective: 'meanSquaredError', classes: [], preprocess: null, finite: true, kilnVersion: '0.4.0', savedAt: '', notes: {} }) // true
 */
export const ModelHeader = t.intersection([
  t.type({
    format: t.literal('kiln-model'),
    version: t.literal(MODEL_FILE_VERSION),
    architecture: LayerConfigCodec,
    featureShape: t.array(Positive),
    objective: t.string,
    classes: t.array(t.string),
    preprocess: t.union([t.null, t.literal('standardize'), t.literal('minMax')]),
    finite: t.boolean,
    kilnVersion: t.string,
    savedAt: t.string,
    notes: t.record(t.string, ConfigValueCodec),
  }),
  t.partial({ history: t.array(EpochRecordJson), training: TrainingJson }),
])

/** The header as written and read. */
export type ModelHeader = t.TypeOf<typeof ModelHeader>
