/**
 * The machine of a training run: its step runners (Kiln's own engines, or an asynchronous one such as
 * ONNX Runtime) and every buffer of the run, allocated once. A step fills the batch's inputs, runs the
 * step graph from the current state set into the next one (three sets in turn, so the values of the two
 * steps before are still there when a loss turns out not finite) and returns the batch's loss.
 * @module
 */
import type { Batch, BatchTransform } from '../data/augment.js'
import { featureCount, targetCount, type Dataset } from '../data/dataset.js'
import type { ParamValues } from '../nn/tree.js'
import { describeValue } from '../options.js'
import { foldIn, type Key } from '../random/key.js'
import { stepRunner, type AsyncStepRunner, type Engine, type StepRunner } from '../run.js'
import { sizeOf } from '../shape.js'
import type { FitSetup } from './loop.js'
import type { TrainValues } from './step.js'

/** Parameters and layer state. */
export type Values = { readonly params: ParamValues; readonly state: ParamValues }

/** The compiled steps of one run with their three buffer sets. */
export interface Machine {
  readonly batches: number
  /**
   * Trains on batch `b` of the row order `order` as step number `stepCount`; returns the batch's loss
   * times its rows (a promise of it on an asynchronous engine). `before` sees the batch as the step will
   * (after `augment`), at the values it starts from.
   */
  readonly step: (order: ArrayLike<number>, b: number, stepCount: number, before?: (batch: Dataset, key: Key) => void) => number | Promise<number>
  /** The current parameters and state (views of the live buffers: copy before the next step to keep them). */
  readonly snapshot: () => Values
  /** The current parameters, state and optimizer state (views, as `snapshot`). */
  readonly current: () => TrainValues
  /**
   * The values the previous step started from, after `stepsDone` steps (the starting values while
   * fewer than two ran): after a step whose loss is not finite, the last values whose loss was finite.
   */
  readonly beforePrevious: (stepsDone: number) => Values
}

/** Input positions of a training step: `[x, y, step, key]`. */
const [X, Y, KEY] = [0, 1, 3] as const

/** The runners of a run's two step graphs (full batches and the remainder batch). */
export interface Runners {
  readonly full: StepRunner | AsyncStepRunner
  readonly rest: StepRunner | AsyncStepRunner | undefined
}

/**
 * The runners of Kiln's own engines, compiled (or interpreted) here.
 * @example
 * import { adam, dense, flower, key, sequential } from 'kiln'
 * import { prepareFit } from './loop.js'
 * import { syncRunners } from './machine.js'
 * const s = prepareFit(sequential(dense(2)), flower(key(1), 10), { epochs: 1, batchSize: 4, optimizer: adam(0.01), key: key(0) })
 * const r = s._tag === 'Right' ? syncRunners(s.right, 'compiled') : undefined
 * r?.rest === undefined // false
 */
export const syncRunners = (s: FitSetup, engine: Engine): Runners => ({
  full: stepRunner(s.graphs.full, engine),
  rest: s.graphs.rest && stepRunner(s.graphs.rest, engine),
})

const isAsyncRunner = (r: StepRunner | AsyncStepRunner): r is AsyncStepRunner => 'release' in r

/**
 * Allocates every buffer of the run once around its step runners.
 * @example
 * import { adam, dense, flower, key, sequential } from 'kiln'
 * import { prepareFit } from './loop.js'
 * import { machineFor, syncRunners } from './machine.js'
 * const s = prepareFit(sequential(dense(2)), flower(key(1), 10), { epochs: 1, batchSize: 4, optimizer: adam(0.01), key: key(0) })
 * const m = s._tag === 'Right' ? machineFor(s.right, syncRunners(s.right, 'compiled')) : undefined
 * m?.batches // 3
 * typeof m?.step(Int32Array.from({ length: 10 }, (_, i) => i), 0, 0) // 'number'
 */
export const machineFor = (s: FitSetup, { full, rest }: Runners): Machine => {
  const { train, options } = s
  const f = featureCount(train)
  const t = targetCount(train)
  const B = options.batchSize
  // Three state sets used in turn: a step reads the current one and writes the next, so the values of the
  // two steps before are still there, without a copy, when a loss turns out not finite (`beforePrevious`).
  const start = s.initialState
  const sets = [start, start.map((v) => new Float64Array(v.length)), start.map((v) => new Float64Array(v.length))]
  let at = 0
  const lossBuf = new Float64Array(1)
  // Each set's output list and each batch size's inputs, made once: a step allocates nothing.
  const outputs = sets.map((set) => [lossBuf, ...set])
  const stepBuf = new Float64Array(1)
  const keyBuf = new Float64Array(2)
  // x and y buffers sized by each step's own data leaves
  const inputs = [s.graphs.full, s.graphs.rest].map((g) => (g === undefined ? [] : [new Float64Array(sizeOf(g.leaves.x.shape)), new Float64Array(sizeOf(g.leaves.y.shape)), stepBuf, keyBuf]))
  // Only a model that draws random numbers (dropout) reads the key: derive one per step just then.
  const usesKey = full.reads(KEY)
  const dropoutKey = foldIn(options.key, 2)
  const augmentKey = foldIn(options.key, 3)
  const step = (order: ArrayLike<number>, b: number, stepCount: number, before?: (batch: Dataset, key: Key) => void): number | Promise<number> => {
    const start = b * B
    const size = Math.min(B, train.n - start)
    const which = size === B ? 0 : 1
    const [x, y] = [inputs[which]![X]!, inputs[which]![Y]!]
    for (let r = 0; r < size; r++) {
      const i = order[start + r]!
      x.set(train.x.subarray(i * f, (i + 1) * f), r * f)
      if (t === 1) y[r] = train.y[i]!
      else y.set(train.y.subarray(i * t, (i + 1) * t), r * t)
    }
    if (options.augment !== undefined) augmentInto(options.augment, { x, y, rows: size, featureShape: train.featureShape }, foldIn(augmentKey, stepCount))
    stepBuf[0] = stepCount
    // The key is derived only when something reads it: a step of a model without dropout allocates nothing.
    const k = usesKey || before !== undefined ? foldIn(dropoutKey, stepCount) : undefined
    if (usesKey && k !== undefined) {
      keyBuf[0] = k.k0
      keyBuf[1] = k.k1
    }
    if (before !== undefined && k !== undefined)
      before({ x, y, n: size, featureShape: train.featureShape, classes: train.classes, ...(train.targetShape === undefined ? {} : { targetShape: train.targetShape }) }, k)
    const cur = sets[at]!
    at = (at + 1) % 3
    const runner = which === 0 ? full : rest!
    if (isAsyncRunner(runner)) return runner.run(inputs[which]!, cur, outputs[at]!).then(() => lossBuf[0]! * size)
    runner.run(inputs[which]!, cur, outputs[at]!)
    return lossBuf[0]! * size
  }
  const valuesOf = (set: readonly Float64Array[]): Values => {
    const v = s.graphs.full.unpack(set)
    return { params: v.params, state: v.state }
  }
  const snapshot = (): Values => valuesOf(sets[at]!)
  const current = (): TrainValues => s.graphs.full.unpack(sets[at]!)
  // Two sets back is the set after next (mod 3); before the second step, it was never written.
  const beforePrevious = (stepsDone: number): Values => valuesOf(sets[stepsDone >= 2 ? (at + 1) % 3 : 0]!)
  return { batches: Math.ceil(train.n / B), step, snapshot, current, beforePrevious }
}

/** Runs the `augment` transform on a batch and writes its result over the batch's buffers; a result of another size throws, naming the option. */
const augmentInto = (transform: BatchTransform, batch: Batch, key: Key): void => {
  const out = transform(batch, key)
  if (out === null || typeof out !== 'object' || !(out.x instanceof Float64Array) || !(out.y instanceof Float64Array) || out.x.length !== batch.x.length || out.y.length !== batch.y.length)
    throw new RangeError(`fit: augment must return a batch of the same size (x: ${batch.x.length} values, y: ${batch.y.length}), got ${describeValue(out)}${out?.x instanceof Float64Array ? ` with x of ${out.x.length} values` : ''}`)
  if (out.x !== batch.x) batch.x.set(out.x)
  if (out.y !== batch.y) batch.y.set(out.y)
}

