/**
 * Dependency-free SVG charts: line charts, learning curves, loss histories (as SVG text; `kiln/node`
 * writes files).
 * @module
 */
export { type LineChartOptions, type Series, lineChart } from './lineChart.js'
export {
  type LearningCurve,
  type LossHistoryOptions,
  type PresetOptions,
  learningCurvePlot,
  lossHistoryPlot,
} from './presets.js'
export { escapeXml, seriesColor } from './svg.js'
export { type Ticks, formatTick, logTicks, niceStep, niceTicks } from './ticks.js'
