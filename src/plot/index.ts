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
export { type EwmaOptions, ewma } from './smooth.js'
export { type CurveChartOptions, type ThresholdMark, prCurveChart, rocChart } from './curves.js'
export { type ContactSheetOptions, type SheetImage, contactSheet } from './contactSheet.js'
