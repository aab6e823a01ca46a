/**
 * Dependency-free SVG line charts: axes with nice ticks, gridlines, legend, distinct colours.
 * @module
 */
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from '../options.js'
import { coord, el, escapeXml, seriesColor, text, textWidth, truncate } from './svg.js'
import { LIMIT, formatTick, logTicks, niceTicks } from './ticks.js'

/** One line: `y[i]` plotted against `x[i]`, joined in the given order. */
export interface Series {
  readonly name: string
  readonly x: ArrayLike<number>
  readonly y: ArrayLike<number>
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly series: readonly Series[]
  readonly title?: string
  readonly xLabel?: string
  readonly yLabel?: string
  /** Pixels. Default 640. */
  readonly width?: number
  /** Pixels. Default 400. */
  readonly height?: number
  /** Logarithmic y axis; points with y <= 0 are skipped. */
  readonly logY?: boolean
  /** Logarithmic x axis; points with x <= 0 are skipped. */
  readonly logX?: boolean
  /** Draw a dot at every point. Default: for series of at most 30 points. */
  readonly markers?: boolean
}

const LINE_CHART_OPTIONS: OptionKinds<LineChartOptions> = {
  series: 'array', title: 'string', xLabel: 'string', yLabel: 'string', width: 'number', height: 'number', logY: 'boolean', logX: 'boolean', markers: 'boolean',
}

/** An axis after layout: its data range, ticks and tick labels. */
interface Axis {
  readonly log: boolean
  readonly lo: number
  readonly hi: number
  readonly ticks: readonly number[]
  readonly labels: readonly string[]
}

const FONT = 12
const MAX_NAME = 28

const buildAxis = (values: readonly number[], log: boolean, target: number): Axis => {
  // A loop, not Math.min(...values): spreading 100k+ points overflows the call stack.
  const min = values.length === 0 ? (log ? 1 : 0) : values.reduce((a, b) => (b < a ? b : a))
  const max = values.length === 0 ? (log ? 10 : 1) : values.reduce((a, b) => (b > a ? b : a))
  const t = log ? logTicks(min, max, target) : niceTicks(min, max, target)
  const labels = t.ticks.map((v) => formatTick(v, log ? v : t.step))
  return { log, lo: t.ticks[0]!, hi: t.ticks[t.ticks.length - 1]!, ticks: t.ticks, labels }
}

/** Maps data values of `axis` linearly (or by log10) onto pixels [p0, p1]. */
const scale =
  (axis: Axis, p0: number, p1: number) =>
  (v: number): number => {
    const f = axis.log
      ? (Math.log10(v) - Math.log10(axis.lo)) / (Math.log10(axis.hi) - Math.log10(axis.lo))
      : (v - axis.lo) / (axis.hi - axis.lo)
    return p0 + f * (p1 - p0)
  }

/** Finite and within ±1e300; on a log axis also at least 1e-300 (so positive). */
const plottable = (v: number, log: boolean): boolean => (log ? v >= 1 / LIMIT && v <= LIMIT : Math.abs(v) <= LIMIT)

/** Splits a series into runs of plottable points; non-finite (or non-positive on log axes) points break a run. */
const runsOf = (s: Series, logX: boolean, logY: boolean): [number, number][][] => {
  const runs: [number, number][][] = []
  let run: [number, number][] = []
  for (let i = 0; i < s.x.length; i++) {
    const x = s.x[i]!
    const y = s.y[i]!
    const ok = plottable(x, logX) && plottable(y, logY)
    if (ok) run.push([x, y])
    else if (run.length > 0) {
      runs.push(run)
      run = []
    }
  }
  if (run.length > 0) runs.push(run)
  return runs
}

const checkChart = (o: LineChartOptions): void => {
  if (typeof o !== 'object' || o === null) throw new ArgumentError('lineChart', 'options', `expected an object of options with series, got ${describeValue(o)}`)
  checkOptionKinds('lineChart', o, LINE_CHART_OPTIONS)
  if (!Array.isArray(o.series)) throw new Error('lineChart: series is not an array; expected an array of { name, x, y }')
  o.series.forEach((s, i) => {
    if (typeof s.name !== 'string') throw new Error(`lineChart: series[${i}].name is not a string; expected a string`)
    if (s.x.length !== s.y.length)
      throw new Error(`lineChart: series[${i}] ('${s.name}') has ${s.x.length} x values and ${s.y.length} y values; expected equal lengths`)
  })
  for (const k of ['width', 'height'] as const) {
    const v = o[k]
    if (v !== undefined && !(Number.isFinite(v) && v >= 160))
      throw new Error(`lineChart: ${k} = ${String(v)}; expected a finite number of pixels >= 160`)
  }
}

/**
 * Renders line series as a standalone SVG document (a string): title, axes with 1-2-5 ticks
 * (or decade ticks when `logY` / `logX`), gridlines, axis labels, a legend on the right and one
 * tab10 colour per series. Axis ranges are the data ranges widened to the outer ticks, so every
 * point lies inside the plot area. Points with NaN or infinite coordinates (also beyond ±1e300,
 * and below 1e-300 on log axes, so non-positive ones) are skipped and break the line; a series without plottable points is listed in
 * the legend as "(no data)"; with no plottable points at all the chart says "no data". All text
 * is XML-escaped. Throws when a series' x and y lengths differ.
 * @example
 * import { lineChart } from 'kiln'
 * const svg = lineChart({
 *   title: 'Loss',
 *   xLabel: 'epoch',
 *   yLabel: 'loss',
 *   series: [{ name: 'sgd', x: [1, 2, 3], y: [0.9, 0.5, 0.3] }],
 * })
 * svg.startsWith('<svg') // true
 * svg.includes('<text class="legend-label" x="') // true
 */
export const lineChart = (options: LineChartOptions): string => {
  checkChart(options)
  const { series, title, xLabel, yLabel, width = 640, height = 400, logX = false, logY = false } = options
  const runs = series.map((s) => runsOf(s, logX, logY))
  const points = runs.flat(2)
  const xs = points.map((p) => p[0])
  const ys = points.map((p) => p[1])

  // Vertical layout is fixed; it decides how many y ticks fit.
  const top = title ? 40 : 16
  const bottom = 8 + FONT + 6 + (xLabel ? FONT + 14 : 0) + 8
  const y0 = top
  const y1 = height - bottom
  const yAxis = buildAxis(ys, logY, Math.max(2, Math.round((y1 - y0) / 55)))

  // Horizontal layout: y labels on the left, legend on the right.
  const yLabelW = Math.max(...yAxis.labels.map((l) => textWidth(l, FONT)))
  const left = 12 + (yLabel ? FONT + 14 : 0) + yLabelW + 10
  // Legend names are cut to keep the legend within about 30% of the width.
  const budget = Math.max(60, width * 0.3 - 30)
  const fit = (name: string, room: number): string => {
    let n = Math.min([...name].length, MAX_NAME)
    while (n > 4 && textWidth(truncate(name, n), FONT) > room) n--
    return truncate(name, n)
  }
  const names = series.map((s, i) => {
    const suffix = runs[i]!.length === 0 ? ' (no data)' : ''
    return fit(s.name, budget - textWidth(suffix, FONT)) + suffix
  })
  const legendW = series.length === 0 ? 0 : 30 + Math.max(...names.map((n) => textWidth(n, FONT)))
  // Without a legend, leave room for half of the widest x label past the right end.
  const lastLabel = Math.max(...buildAxis(xs, logX, 2).labels.map((l) => textWidth(l, FONT)))
  const right = legendW > 0 ? legendW + 32 : Math.max(16, lastLabel / 2 + 8)
  const x0 = left
  const x1 = Math.max(left + 40, width - right)
  let xAxis = buildAxis(xs, logX, 2)
  for (let target = Math.max(2, Math.floor((x1 - x0) / 55)); target > 2; target--) {
    const a = buildAxis(xs, logX, target)
    const spacing = (x1 - x0) / Math.max(1, a.ticks.length - 1)
    if (Math.max(...a.labels.map((l) => textWidth(l, FONT))) + 12 <= spacing) {
      xAxis = a
      break
    }
  }
  const sx = scale(xAxis, x0, x1)
  const sy = scale(yAxis, y1, y0)

  const out: string[] = []
  const aria = title ?? [yLabel, xLabel].filter((s) => s).join(' vs ')
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(aria || 'line chart')}" font-family="Helvetica, Arial, sans-serif" font-size="${FONT}">`,
  )
  if (title) out.push(el('title', {}, text(title)))
  out.push(el('rect', { width, height, fill: '#ffffff' }))
  out.push(el('rect', { class: 'plot-area', x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: 'none', stroke: '#cccccc' }))

  const grid = [
    ...xAxis.ticks.map((t) => el('line', { x1: sx(t), y1: y0, x2: sx(t), y2: y1 })),
    ...yAxis.ticks.map((t) => el('line', { x1: x0, y1: sy(t), x2: x1, y2: sy(t) })),
  ]
  out.push(el('g', { class: 'grid', stroke: '#e6e6e6', 'stroke-width': 1 }, ...grid))
  const tickMarks = [
    el('line', { x1: x0, y1: y1, x2: x1, y2: y1 }),
    el('line', { x1: x0, y1: y0, x2: x0, y2: y1 }),
    ...xAxis.ticks.map((t) => el('line', { x1: sx(t), y1: y1, x2: sx(t), y2: y1 + 5 })),
    ...yAxis.ticks.map((t) => el('line', { x1: x0 - 5, y1: sy(t), x2: x0, y2: sy(t) })),
  ]
  out.push(el('g', { class: 'axes', stroke: '#333333', 'stroke-width': 1 }, ...tickMarks))
  const tickLabels = [
    ...xAxis.ticks.map((t, i) => el('text', { x: sx(t), y: y1 + 8 + FONT, 'text-anchor': 'middle' }, text(xAxis.labels[i]!))),
    ...yAxis.ticks.map((t, i) => el('text', { x: x0 - 8, y: sy(t) + FONT * 0.35, 'text-anchor': 'end' }, text(yAxis.labels[i]!))),
  ]
  out.push(el('g', { class: 'tick-labels', fill: '#333333' }, ...tickLabels))

  if (title) {
    const size = 16
    const room = Math.floor((width - 20) / (size * 0.6))
    out.push(el('text', { class: 'title', x: width / 2, y: 26, 'text-anchor': 'middle', 'font-size': size, 'font-weight': 'bold' }, text(truncate(title, room))))
  }
  if (xLabel)
    out.push(el('text', { class: 'x-label', x: (x0 + x1) / 2, y: height - 12, 'text-anchor': 'middle', 'font-size': 13 }, text(xLabel)))
  if (yLabel) {
    const cx = 12 + FONT
    const cy = (y0 + y1) / 2
    out.push(el('text', { class: 'y-label', x: cx, y: cy, 'text-anchor': 'middle', 'font-size': 13, transform: `rotate(-90 ${cx} ${cy})` }, text(yLabel)))
  }

  const lines = series.map((s, i) => {
    const color = seriesColor(i)
    const dash = i >= 10 ? '6 3' : undefined
    const dots = options.markers ?? s.x.length <= 30
    const parts = runs[i]!.map((run) => {
      const d = run.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${coord(sx(x))} ${coord(sy(y))}`).join(' ')
      const path = run.length > 1 ? el('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-dasharray': dash }) : ''
      const marks = dots || run.length === 1 ? run.map(([x, y]) => el('circle', { cx: sx(x), cy: sy(y), r: 3, fill: color })) : []
      return path + marks.join('')
    })
    return el('g', { class: 'series', 'data-name': s.name }, ...(parts.length > 0 ? parts : ['']))
  })
  out.push(...lines)

  if (points.length === 0)
    out.push(el('text', { class: 'no-data', x: (x0 + x1) / 2, y: (y0 + y1) / 2, 'text-anchor': 'middle', fill: '#888888', 'font-size': 14 }, text('no data')))

  if (series.length > 0) {
    const lx = x1 + 16
    const rowH = Math.min(20, Math.max(14, (y1 - y0 - 10) / series.length))
    const entries = series.map((s, i) => {
      const cy = y0 + 10 + i * rowH
      const color = seriesColor(i)
      return el(
        'g',
        { class: 'legend-entry' },
        el('title', {}, text(s.name)),
        el('line', { x1: lx, y1: cy, x2: lx + 20, y2: cy, stroke: color, 'stroke-width': 2, 'stroke-dasharray': i >= 10 ? '6 3' : undefined }),
        el('circle', { cx: lx + 10, cy, r: 3, fill: color }),
        el('text', { class: 'legend-label', x: lx + 26, y: cy + FONT * 0.35, fill: '#222222' }, text(names[i]!)),
      )
    })
    out.push(el('g', { class: 'legend' }, ...entries))
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
