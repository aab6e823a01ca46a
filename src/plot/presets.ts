/**
 * Ready-made charts: learning curves (error vs training-set size) and loss histories.
 * @module
 */
import { checkOptionKinds, type OptionKinds } from '../options.js'
import { type Series, lineChart } from './lineChart.js'

/** A learning curve: train and dev error measured after training on `sizes[i]` examples. */
export interface LearningCurve {
  readonly sizes: ArrayLike<number>
  readonly trainError: ArrayLike<number>
  readonly devError: ArrayLike<number>
  /** Optional baseline (e.g. human-level) error, drawn as a flat line. */
  readonly baselineError?: number
}

/** Size and labelling options shared by the presets. */
export interface PresetOptions {
  readonly title?: string
  readonly width?: number
  readonly height?: number
  readonly logY?: boolean
}

const PRESET_OPTIONS: OptionKinds<PresetOptions> = { title: 'string', width: 'number', height: 'number', logY: 'boolean' }

const pick = (o: PresetOptions): Pick<PresetOptions, 'width' | 'height' | 'logY'> => ({
  ...(o.width === undefined ? {} : { width: o.width }),
  ...(o.height === undefined ? {} : { height: o.height }),
  ...(o.logY === undefined ? {} : { logY: o.logY }),
})

/**
 * Train and dev error against training-set size, plus the baseline error as a flat line when
 * given: the picture behind a bias/variance diagnosis (a large train-baseline gap is bias, a
 * large dev-train gap is variance). Throws when the three arrays differ in length.
 * @example
 * import { learningCurvePlot } from 'kiln'
 * const svg = learningCurvePlot({ sizes: [100, 200, 400], trainError: [0.01, 0.03, 0.05], devError: [0.3, 0.2, 0.12], baselineError: 0.02 })
 * svg.includes('>dev error</text>') // true
 * svg.includes('>baseline error</text>') // true
 */
export const learningCurvePlot = (curve: LearningCurve, options: PresetOptions = {}): string => {
  checkOptionKinds('learningCurvePlot', options, PRESET_OPTIONS)
  const { sizes, trainError, devError, baselineError } = curve
  for (const [arg, v] of [['trainError', trainError], ['devError', devError]] as const)
    if (v.length !== sizes.length)
      throw new Error(`learningCurvePlot: curve.${arg} has ${v.length} values but sizes has ${sizes.length}; expected one per size`)
  const series: Series[] = [
    { name: 'train error', x: sizes, y: trainError },
    { name: 'dev error', x: sizes, y: devError },
  ]
  if (baselineError !== undefined) {
    const finite = Array.from(sizes).filter(Number.isFinite)
    const x = finite.length === 0 ? [] : [finite.reduce((a, b) => (b < a ? b : a)), finite.reduce((a, b) => (b > a ? b : a))]
    series.push({ name: 'baseline error', x, y: x.map(() => baselineError) })
  }
  return lineChart({
    title: options.title ?? 'Learning curve',
    xLabel: 'training set size',
    yLabel: 'error',
    series,
    ...pick(options),
  })
}

/** Options of {@link lossHistoryPlot}. */
export interface LossHistoryOptions extends PresetOptions {
  /** Default `'epoch'`. */
  readonly xLabel?: string
  /** Default `'loss'`. */
  readonly yLabel?: string
}

const LOSS_HISTORY_OPTIONS: OptionKinds<LossHistoryOptions> = { ...PRESET_OPTIONS, xLabel: 'string', yLabel: 'string' }

/**
 * Loss curves of several runs (e.g. one per optimizer) on one chart: `histories[name][i]` is
 * plotted at x = i + 1. NaN / Infinity losses (divergence) are skipped. Use `logY` when the
 * losses span decades.
 * @example
 * import { lossHistoryPlot } from 'kiln'
 * const svg = lossHistoryPlot({ sgd: [1, 0.6, 0.4], adam: [1, 0.3, 0.1] }, { logY: true })
 * svg.includes('>adam</text>') // true
 */
export const lossHistoryPlot = (histories: Readonly<Record<string, ArrayLike<number>>>, options: LossHistoryOptions = {}): string => {
  checkOptionKinds('lossHistoryPlot', options, LOSS_HISTORY_OPTIONS)
  return lineChart({
    title: options.title ?? 'Training loss',
    xLabel: options.xLabel ?? 'epoch',
    yLabel: options.yLabel ?? 'loss',
    series: Object.entries(histories).map(([name, y]) => ({ name, x: Array.from({ length: y.length }, (_, i) => i + 1), y })),
    ...pick(options),
  })
}
