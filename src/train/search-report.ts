/**
 * A search's trials as a printable table and as an SVG chart of the score against one hyperparameter.
 * @module
 */
import { ArgumentError, checkOptionKinds, closestName, describeValue, type OptionKinds } from '../options.js'
import { lineChart, type Series } from '../plot/lineChart.js'
import { formatFixed, formatTable, type Align, type Cell } from '../report/table.js'
import type { SearchResult, TrialOk } from './search.js'
import type { SearchSpace } from './search-space.js'

/**
 * A hyperparameter value as a table cell: integers as they are, other numbers to 3 significant
 * digits, strings as they are, an object with a `name` (an optimizer, a layer) by its name.
 * @example
 * import { formatValue } from './search-report.js'
 * formatValue(0.000123456) // '0.000123'
 * formatValue(64) // '64'
 * formatValue('relu') // 'relu'
 */
export const formatValue = (v: unknown): string => {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)))
  if (typeof v === 'string' || typeof v === 'boolean') return String(v)
  if (typeof v === 'object' && v !== null && 'name' in v && typeof v.name === 'string') return v.name
  return describeValue(v)
}

/** A message as one short table cell (a cell holds no line break). */
const oneLine = (s: string, max = 72): string => {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`
}

/**
 * The trials of a search as a plain-text table, best first: rank, trial number, each
 * hyperparameter, the score (4 decimals), epochs trained and seconds; with failed trials, a last
 * column holds their messages (and their rank and score are `-`).
 * @example
 * import { randomSearch, space, formatSearch, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, dev] = [flower(key(1), 40), flower(key(2), 20)]
 * const result = randomSearch({
 *   space: { lr: space.logUniform(1e-3, 1e-1) }, trials: 2, epochs: 1, key: key(0),
 *   run: (hp, trial) => fit(sequential(dense(2)), train, { ...trial, batchSize: 20, optimizer: adam(hp.lr), dev }),
 * })
 * formatSearch(result).split('\n')[0].split(/ +/) // ['rank', 'trial', 'lr', 'devAccuracy', 'epochs', 'seconds']
 * formatSearch(result).split('\n').length // 4
 */
export const formatSearch = <S extends SearchSpace>(result: SearchResult<S>): string => {
  const names = Object.keys(result.space)
  const failures = result.trials.some((t) => t.status === 'failed')
  const headers = ['rank', 'trial', ...names, result.scoreName, 'epochs', 'seconds', ...(failures ? ['note'] : [])]
  const align: Align[] = headers.map((_, i) => (failures && i === headers.length - 1 ? 'left' : 'right'))
  let rank = 0
  const rows = result.trials.map((t): Cell[] => {
    const ok = t.status === 'ok'
    const hp: readonly unknown[] = names.map((n) => t.hyperparameters[n])
    return [
      ok ? String(++rank) : '-', t.index, ...hp.map(formatValue), ok ? formatFixed(t.score, 4) : '-', t.epochs, formatFixed(t.seconds, 1),
      ...(failures ? [ok ? '' : `failed: ${oneLine(t.message)}`] : []),
    ]
  })
  return formatTable(headers, rows, { align })
}

/** Options of {@link searchChart}. */
export interface SearchChartOptions {
  readonly title?: string
  /** Pixels. Default 640. */
  readonly width?: number
  /** Pixels. Default 400. */
  readonly height?: number
  /** A `choice` hyperparameter: one colour per value (such as the width, on a learning-rate chart). */
  readonly groupBy?: string
}

const SEARCH_CHART_OPTIONS: OptionKinds<SearchChartOptions> = { title: 'string', width: 'number', height: 'number', groupBy: 'string' }

/** Throws unless `name` is a hyperparameter of the space (suggesting the closest one). */
const checkName = (names: readonly string[], field: string, name: unknown): void => {
  if (typeof name === 'string' && names.includes(name)) return
  const near = typeof name === 'string' ? closestName(name, names) : undefined
  const what = typeof name === 'string' ? `'${name}'` : describeValue(name)
  throw new ArgumentError('searchChart', field, `${what} is not in the space${near === undefined ? '' : `; did you mean '${near}'?`} (the space has: ${names.join(', ')})`)
}

/** Where a value sits on the x axis: numbers at themselves, other choice values at their position (1, 2, ...). */
const xAxisOf = (space: SearchSpace, name: string): { readonly x: (v: unknown) => number; readonly label: string; readonly log: boolean } => {
  const d = space[name]!
  if (d._tag !== 'Choice' || d.values.every((v) => typeof v === 'number'))
    return { x: (v) => (typeof v === 'number' ? v : NaN), label: d._tag === 'LogUniform' ? `${name} (log scale)` : name, log: d._tag === 'LogUniform' }
  const legend = d.values.map((v, i) => `${i + 1} = ${formatValue(v)}`).join(', ')
  return { x: (v) => d.values.indexOf(v) + 1, label: `${name} (${legend})`, log: false }
}

/**
 * Points only, no lines: a NaN between consecutive points breaks `lineChart`'s line, and a run of
 * one point is drawn as a dot.
 */
const scatterSeries = (name: string, points: readonly (readonly [number, number])[]): Series => ({
  name,
  x: points.flatMap(([x], i) => (i === 0 ? [x] : [NaN, x])),
  y: points.flatMap(([, y], i) => (i === 0 ? [y] : [NaN, y])),
})

/** The trials' groups, one series each: by `groupBy`'s values, else by rung with halving, else one. */
const groupsOf = <S extends SearchSpace>(result: SearchResult<S>, ok: readonly TrialOk<S>[], groupBy: string | undefined): { readonly name: string; readonly trials: readonly TrialOk<S>[] }[] => {
  if (groupBy !== undefined) {
    const d = result.space[groupBy]!
    if (d._tag !== 'Choice') throw new ArgumentError('searchChart', 'groupBy', `expected a choice hyperparameter, got '${groupBy}', a ${d._tag} one`)
    return d.values.map((v) => ({ name: `${groupBy} ${formatValue(v)}`, trials: ok.filter((t) => t.hyperparameters[groupBy] === v) }))
  }
  if (result.rungs.length <= 1) return [{ name: 'trials', trials: ok }]
  return result.rungs.map((r, i) => ({ name: `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`, trials: ok.filter((t) => t.rung === i) }))
}

/**
 * An SVG chart of each successful trial's score against one hyperparameter, one dot per trial (a log
 * x axis for a `logUniform` one; non-numeric choices at positions 1, 2, ... named in the axis label).
 * Dots are coloured by `groupBy`'s value when given; else, with successive halving, by the epochs each
 * trial reached (its last rung), as scores after different epochs do not compare. Failed trials have
 * no score: the title counts them. Throws an `ArgumentError` when `hyperparameter` or `groupBy` is not
 * in the space (with the closest name suggested), or `groupBy` is not a choice.
 * @example
 * import { randomSearch, space, searchChart, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const [train, dev] = [flower(key(1), 40), flower(key(2), 20)]
 * const result = randomSearch({
 *   space: { lr: space.logUniform(1e-3, 1e-1) }, trials: 3, epochs: 1, key: key(0),
 *   run: (hp, trial) => fit(sequential(dense(2)), train, { ...trial, batchSize: 20, optimizer: adam(hp.lr), dev }),
 * })
 * const svg = searchChart(result, 'lr')
 * svg.includes('devAccuracy by lr') && (svg.match(/<circle cx/g) ?? []).length // 4
 * try { searchChart(result, 'lrate') } catch (e) { (e as Error).message } // "searchChart: hyperparameter: 'lrate' is not in the space; did you mean 'lr'? (the space has: lr)"
 * try { searchChart(result, 'lr', { groupBy: 'lr' }) } catch (e) { (e as Error).message } // "searchChart: groupBy: expected a choice hyperparameter, got 'lr', a LogUniform one"
 */
export const searchChart = <S extends SearchSpace>(result: SearchResult<S>, hyperparameter: string, options: SearchChartOptions = {}): string => {
  checkOptionKinds('searchChart', options, SEARCH_CHART_OPTIONS)
  const names = Object.keys(result.space)
  checkName(names, 'hyperparameter', hyperparameter)
  if (options.groupBy !== undefined) checkName(names, 'groupBy', options.groupBy)
  const axis = xAxisOf(result.space, hyperparameter)
  const ok = result.trials.filter((t): t is TrialOk<S> => t.status === 'ok')
  const failed = result.trials.length - ok.length
  const point = (t: TrialOk<S>): readonly [number, number] => [axis.x(t.hyperparameters[hyperparameter]), t.score]
  const series = groupsOf(result, ok, options.groupBy).flatMap((g) => (g.trials.length === 0 ? [] : [scatterSeries(g.name, g.trials.map(point))]))
  const title = options.title ?? `${result.scoreName} by ${hyperparameter}${failed > 0 ? ` (${failed} failed, not shown)` : ''}`
  return lineChart({
    series, title, xLabel: axis.label, yLabel: result.scoreName, logX: axis.log, markers: true,
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
  })
}
