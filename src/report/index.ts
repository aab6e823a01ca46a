/**
 * Plain-text reports: aligned tables, scikit-learn style classification reports, confusion
 * matrices and a training progress reporter.
 * @module
 */
export { type Align, type Cell, type TableOptions, formatFixed, formatTable } from './table.js'
export {
  type ConfusionMatrixOptions,
  type ReportOptions,
  classificationReport,
  formatConfusionMatrix,
} from './classificationReport.js'
export {
  type FormatProgressOptions,
  type ProgressBar,
  type ProgressOptions,
  type ProgressReport,
  type ProgressCallbackOptions,
  type ProgressState,
  type ProgressStream,
  type ProgressUpdate,
  formatDuration,
  formatProgress,
  progressBar,
  progressBarCells,
  progressCallback,
  progressFraction,
} from './progress.js'
