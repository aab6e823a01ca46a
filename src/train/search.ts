/**
 * Random hyperparameter search, with successive halving as an option. Each trial samples the space
 * with its own key and trains through the caller's `run` (which builds the model and calls `fit`); the
 * trials come back ranked by a score read from each run's history. A trial whose run returns a `Left`,
 * throws, or scores NaN is kept as failed with its message, and the search goes on.
 *
 * Successive halving (Jamieson and Talwalkar, 2016) spends the epochs on the promising trials: every
 * trial trains `minEpochs`, the best `1 / factor` of them continue to `factor` times as many epochs,
 * and so on. A continued trial resumes its own previous `FitResult`, so its model is bit-identical to
 * one trained for the total epochs straight through.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { ArgumentError, closestName, describeValue, kindCheck, optionTableProblem, type OptionTable, type ValueCheck } from '../options.js'
import { foldIn, type Key } from '../random/key.js'
import type { FitResult } from './fit.js'
import type { EpochRecord } from './fitOptions.js'
import { checkSpace, sampleSpace, type Hyperparameters, type SearchSpace } from './search-space.js'

/** Whether a larger score is better (`'maximize'`, accuracy) or a smaller one (`'minimize'`, loss). */
export type Direction = 'maximize' | 'minimize'

/** A score read from the history record of the epoch whose parameters `fit` returned (`bestEpoch`). */
export type ScoreName = 'devAccuracy' | 'devLoss' | 'trainLoss'

/**
 * The `fit` options the search decides for one trial, shaped to be spread into `fit`'s options:
 * `fit(model, train, { ...trial, batchSize: 32, optimizer: adam(hp.lr) })`. `key` is the trial's own
 * (the same at every rung), `epochs` the total to reach, and `resume` (present from the second rung of
 * successive halving on) the trial's previous result to continue.
 */
export interface TrialOptions {
  readonly key: Key
  readonly epochs: number
  readonly resume?: FitResult
}

/** Trains one trial: builds the model from the hyperparameters and calls `fit` with the trial's options. */
export type TrialRun<S extends SearchSpace> = (hyperparameters: Hyperparameters<S>, trial: TrialOptions) => E.Either<{ readonly message: string }, FitResult>

/** Successive halving: the first rung's epochs and how many times fewer trials (and more epochs) each next rung has. */
export interface Halving {
  /** Epochs every trial trains in the first rung: an integer in [1, epochs]. */
  readonly minEpochs: number
  /** An integer >= 2 (default 3): each rung keeps the best `1 / factor` and trains them `factor` times longer. */
  readonly factor?: number
}

/** Options of {@link randomSearch}. */
export interface SearchOptions<S extends SearchSpace> {
  /** The hyperparameters and their distributions, such as `{ lr: space.logUniform(1e-4, 1), width: space.choice([16, 32, 64]) }`. */
  readonly space: S
  /** How many hyperparameter samples to try: an integer >= 1. */
  readonly trials: number
  /** Trial `i` samples with `foldIn(foldIn(key, i), 0)` and trains with `foldIn(foldIn(key, i), 1)`. */
  readonly key: Key
  /** Epochs of each trial (with `halving`, of the trials that reach the last rung): an integer >= 1. */
  readonly epochs: number
  readonly run: TrialRun<S>
  /**
   * What ranks trials (default `'devAccuracy'`): a field of the history record of the returned epoch
   * (`bestEpoch`: the last one, or the best one when early stopping restores it), or a function of
   * the result. A NaN score (no dev set, a regression objective's accuracy) fails the trial.
   */
  readonly score?: ScoreName | ((result: FitResult) => number)
  /** Default `'maximize'` for `devAccuracy`, `'minimize'` for the losses; required with a score function. */
  readonly direction?: Direction
  readonly halving?: Halving
  /** Called after every run of a trial (each rung), with the trial as it stands. What it throws propagates. */
  readonly onTrial?: (trial: Trial<S>) => void
}

/** What every trial records. */
interface TrialBase<S extends SearchSpace> {
  /** The trial's number: its key is `foldIn(key, index)`. */
  readonly index: number
  readonly hyperparameters: Hyperparameters<S>
  /** The score after its last run (NaN for a failed trial). */
  readonly score: number
  /** The score after each rung it ran (one entry without halving). */
  readonly scores: readonly number[]
  /** The last rung it ran (0 without halving). */
  readonly rung: number
  /** Epochs trained (a failed trial: those before the failure, when known). */
  readonly epochs: number
  /** Wall-clock seconds of its runs together (model building and compilation included). */
  readonly seconds: number
}

/** A trial that trained and scored. */
export interface TrialOk<S extends SearchSpace> extends TrialBase<S> {
  readonly status: 'ok'
  readonly result: FitResult
}

/** A trial whose run returned a `Left`, threw, or scored NaN. */
export interface TrialFailed<S extends SearchSpace> extends TrialBase<S> {
  readonly status: 'failed'
  readonly message: string
}

/** One trial of a search. */
export type Trial<S extends SearchSpace> = TrialOk<S> | TrialFailed<S>

/** One rung of the search: the epochs reached and the trials (by index) that ran in it. */
export interface Rung {
  readonly epochs: number
  readonly trials: readonly number[]
}

/** The outcome of a search. */
export interface SearchResult<S extends SearchSpace> {
  /**
   * Best first: trials that reached a later rung before those stopped earlier, then by score (ties by
   * index); failed trials last, by index.
   */
  readonly trials: readonly Trial<S>[]
  /** The first trial, when any succeeded. */
  readonly best: TrialOk<S> | undefined
  /** The score's name (`'score'` for a function). */
  readonly scoreName: string
  readonly direction: Direction
  readonly space: S
  /** One rung without halving. */
  readonly rungs: readonly Rung[]
}

const SCORE_NAMES: readonly ScoreName[] = ['devAccuracy', 'devLoss', 'trainLoss']
const DIRECTIONS: readonly Direction[] = ['maximize', 'minimize']

const integerAtLeast = (min: number, what: string): ValueCheck => (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? undefined : `expected ${what}, got ${describeValue(v)}`

const oneOf = (values: readonly string[], orFunction: boolean): ValueCheck => (v) => {
  if (typeof v === 'string' && values.includes(v)) return undefined
  if (orFunction && typeof v === 'function') return undefined
  const near = typeof v === 'string' ? closestName(v, values) : undefined
  const list = values.map((x) => `'${x}'`).join(', ')
  return `expected one of ${list}${orFunction ? ' or a function of the FitResult' : ''}, got ${describeValue(v)}${near === undefined ? '' : `; did you mean '${near}'?`}`
}

// What each integer option expects, said once for its check and for its "missing" message.
const TRIALS = 'an integer >= 1 (hyperparameter samples to try)'
const EPOCHS = 'an integer >= 1 (epochs per trial)'
const MIN_EPOCHS = 'an integer >= 1 (epochs of the first rung)'

// Typed by the interface: an option without a check (or a check of no option) does not compile.
const SEARCH_CHECKS: { readonly [K in keyof SearchOptions<SearchSpace>]-?: ValueCheck | OptionTable } = {
  space: kindCheck('object'),
  trials: integerAtLeast(1, TRIALS),
  key: (v) => (typeof v === 'object' && v !== null && '_tag' in v && v._tag === 'Key' ? undefined : `expected a Key such as key(0), got ${describeValue(v)}`),
  epochs: integerAtLeast(1, EPOCHS),
  run: kindCheck('function'),
  score: oneOf(SCORE_NAMES, true),
  direction: oneOf(DIRECTIONS, false),
  halving: {
    checks: { minEpochs: integerAtLeast(1, MIN_EPOCHS), factor: integerAtLeast(2, 'an integer >= 2') },
    required: { minEpochs: MIN_EPOCHS },
  },
  onTrial: kindCheck('function'),
}

const SEARCH_OPTIONS: OptionTable = {
  checks: SEARCH_CHECKS,
  required: {
    space: 'an object of dimensions such as { lr: space.logUniform(1e-4, 1) }',
    trials: TRIALS,
    key: 'a Key such as key(0)',
    epochs: EPOCHS,
    run: 'a function (hyperparameters, trial) => fit(model, train, { ...trial, ... })',
  },
}

/** Checks every option (kinds, ranges, the space, and what depends on two options) before any trial runs. */
const checkSearchOptions = <S extends SearchSpace>(o: SearchOptions<S>): void => {
  const problem = optionTableProblem('randomSearch', o, SEARCH_OPTIONS)
  if (problem !== undefined) throw problem
  checkSpace('randomSearch', o.space)
  if (typeof o.score === 'function' && o.direction === undefined)
    throw new ArgumentError('randomSearch', 'direction', "missing; a score function needs a direction, 'maximize' or 'minimize'")
  if (o.halving !== undefined && o.halving.minEpochs > o.epochs)
    throw new ArgumentError('randomSearch', 'halving.minEpochs', `expected at most epochs (${o.epochs}), got ${o.halving.minEpochs}`)
}

const NAN_HINTS: { readonly [K in ScoreName]: string } = {
  devAccuracy: "fit had no dev set or its objective is not a classification; pass dev to fit, or choose score 'devLoss', 'trainLoss' or a function",
  devLoss: 'fit had no dev set; pass dev to fit, or choose score \'trainLoss\' or a function',
  trainLoss: 'the training loss was not a number',
}

/** The score of a result, or why there is none. */
const scoreOf = (score: ScoreName | ((r: FitResult) => number), r: FitResult): number | string => {
  if (typeof score === 'function') {
    let v: unknown
    try {
      v = score(r)
    } catch (e) {
      return `the score function threw ${e instanceof Error ? `${e.name}: ${e.message}` : describeValue(e)}`
    }
    return typeof v === 'number' && !Number.isNaN(v) ? v : `the score function returned ${describeValue(v)}; expected a number`
  }
  const record: EpochRecord | undefined = r.history[r.bestEpoch - 1] ?? r.history[r.history.length - 1]
  if (record === undefined) return `no epoch was trained, so there is no ${score}`
  const v = record[score]
  return Number.isNaN(v) ? `${score} is NaN: ${NAN_HINTS[score]}` : v
}

/** A trial while the search runs. */
interface Running<S extends SearchSpace> {
  readonly index: number
  readonly hyperparameters: Hyperparameters<S>
  readonly key: Key
  result?: FitResult
  failure?: string
  epochs: number
  seconds: number
  rung: number
  readonly scores: number[]
}

/** A value shaped like an fp-ts `Either` (what `run` must return; checked since JavaScript callers may return anything). */
const isEither = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && '_tag' in v && ((v._tag === 'Left' && 'left' in v) || (v._tag === 'Right' && 'right' in v))

const leftMessage = (left: unknown): string =>
  typeof left === 'object' && left !== null && 'message' in left && typeof left.message === 'string' ? left.message : `a Left: ${describeValue(left)}`

/** Epochs a failed run had trained: a divergence's partial history (see `FitError.diverged`), else the previous result's. */
const epochsBefore = (left: unknown, previous: number): number => {
  const d = typeof left === 'object' && left !== null && 'diverged' in left ? left.diverged : undefined
  const p = typeof d === 'object' && d !== null && 'partial' in d ? d.partial : undefined
  const h = typeof p === 'object' && p !== null && 'history' in p ? p.history : undefined
  return Array.isArray(h) ? h.length : previous
}

/** Runs one trial to `epochs` (resuming its previous result), updating it in place; never throws. */
const runTrial = <S extends SearchSpace>(o: SearchOptions<S>, score: ScoreName | ((r: FitResult) => number), t: Running<S>, epochs: number, rung: number): void => {
  const t0 = Date.now()
  t.rung = rung
  try {
    const r = o.run(t.hyperparameters, { key: t.key, epochs, ...(t.result === undefined ? {} : { resume: t.result }) })
    if (!isEither(r)) t.failure = `run returned ${describeValue(r)}; expected an Either (what fit returns)`
    else if (E.isLeft(r)) [t.failure, t.epochs] = [leftMessage(r.left), epochsBefore(r.left, t.epochs)]
    else {
      const s = scoreOf(score, r.right)
      ;[t.result, t.epochs] = [r.right, r.right.history.length]
      if (typeof s === 'string') t.failure = s
      else t.scores.push(s)
    }
  } catch (e) {
    t.failure = `run threw ${e instanceof Error ? `${e.name}: ${e.message}` : describeValue(e)}`
  }
  t.seconds += (Date.now() - t0) / 1000
}

const toTrial = <S extends SearchSpace>(t: Running<S>): Trial<S> => {
  const base = { index: t.index, hyperparameters: t.hyperparameters, scores: t.scores.slice(), rung: t.rung, epochs: t.epochs, seconds: t.seconds }
  return t.failure !== undefined || t.result === undefined
    ? { ...base, status: 'failed', score: NaN, message: t.failure ?? 'no result' }
    : { ...base, status: 'ok', score: t.scores[t.scores.length - 1]!, result: t.result }
}

/** Orders trials best first (see `SearchResult.trials`). */
const rank = <S extends SearchSpace>(trials: readonly Trial<S>[], direction: Direction): Trial<S>[] => {
  const sign = direction === 'maximize' ? -1 : 1
  return trials.slice().sort((a, b) => {
    if (a.status !== b.status) return a.status === 'ok' ? -1 : 1
    if (a.status === 'failed') return a.index - b.index
    return b.rung - a.rung || sign * (a.score - b.score) || a.index - b.index
  })
}

/**
 * Random search over a space of hyperparameters, optionally with successive halving. Trial `i`
 * samples its hyperparameters with `sampleSpace(space, foldIn(foldIn(key, i), 0))` and calls
 * `run(hyperparameters, { key: foldIn(foldIn(key, i), 1), epochs })`; spread that second argument into
 * `fit`'s options. Trials are scored by `score` and returned best first.
 *
 * With `halving: { minEpochs, factor }`, rung 0 trains every trial `minEpochs` epochs; each next rung
 * keeps the best `floor(n / factor)` (at least one) of the `n` trials of the rung before and trains
 * them to `factor` times the epochs, passing the previous result as `resume`, until a rung trains to
 * `epochs` (capped there; a single remaining trial goes straight to `epochs`). Failed trials never
 * continue. The survivors' models equal straight runs of the same total epochs, bit for bit.
 *
 * A trial whose run returns a `Left`, throws, returns something other than an `Either`, or scores NaN
 * is kept as failed with the message. Options are checked before any trial runs: an unknown key, a
 * missing or wrongly typed option, `trials` or `epochs` not an integer >= 1, a space entry that is not
 * a dimension, a score function without `direction`, or `halving.minEpochs` above `epochs` throws an
 * `ArgumentError` naming the field.
 * @example
 * import { randomSearch, space, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, dev] = [flower(key(1), 60), flower(key(2), 40)]
 * const result = randomSearch({
 *   space: { lr: space.logUniform(1e-3, 1e-1), width: space.choice([2, 4]) },
 *   trials: 3, epochs: 2, key: key(0),
 *   run: (hp, trial) => fit(sequential(dense(hp.width, { activation: 'tanh' }), dense(2)), train, { ...trial, batchSize: 30, optimizer: adam(hp.lr), dev }),
 * })
 * result.trials.length // 3
 * result.trials.every((t, i) => i === 0 || t.score <= result.trials[i - 1]!.score) // true
 * result.best?.epochs // 2
 */
export const randomSearch = <S extends SearchSpace>(options: SearchOptions<S>): SearchResult<S> => {
  checkSearchOptions(options)
  const { space, trials, key, epochs, halving } = options
  const score = options.score ?? 'devAccuracy'
  const direction = options.direction ?? (score === 'devAccuracy' ? 'maximize' : 'minimize')
  const all: Running<S>[] = Array.from({ length: trials }, (_, index) => {
    const k = foldIn(key, index)
    return { index, hyperparameters: sampleSpace(space, foldIn(k, 0)), key: foldIn(k, 1), epochs: 0, seconds: 0, rung: 0, scores: [] }
  })
  const factor = halving?.factor ?? 3
  const rungs: Rung[] = []
  let alive = all
  let budget = halving === undefined || trials === 1 ? epochs : halving.minEpochs
  for (let rung = 0; alive.length > 0; rung++) {
    for (const t of alive) {
      runTrial(options, score, t, budget, rung)
      options.onTrial?.(toTrial(t))
    }
    rungs.push({ epochs: budget, trials: alive.map((t) => t.index) })
    if (budget >= epochs) break
    const keep = Math.max(1, Math.floor(alive.length / factor))
    alive = rank(alive.map(toTrial), direction)
      .filter((t) => t.status === 'ok')
      .slice(0, keep)
      .map((t) => all[t.index]!)
    budget = alive.length === 1 ? epochs : Math.min(epochs, budget * factor)
  }
  const ranked = rank(all.map(toTrial), direction)
  const best = ranked[0]?.status === 'ok' ? ranked[0] : undefined
  return { trials: ranked, best, scoreName: typeof score === 'function' ? 'score' : score, direction, space, rungs }
}
