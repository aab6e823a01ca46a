/**
 * Classification metrics and bias/variance diagnosis on plain typed arrays.
 * @module
 */
export { type ConfusionMatrix, accuracy, argmaxRows, confusionMatrix, errorRate } from './classification.js'
export { type BinaryMetrics, type ClassMetrics, type PrecisionRecallF1, binaryMetrics, precisionRecallF1 } from './prf.js'
export { logLoss } from './logLoss.js'
export {
  type Diagnosis,
  type DiagnosisInput,
  type DiagnosisOptions,
  type Verdict,
  learningCurveDiagnosis,
} from './diagnosis.js'
export type { Labels } from './validate.js'
export { type BinaryMetricsOptions } from './prf.js'
export {
  type CurveOptions, type ScoreOptions, type PrecisionRecallCurve, type RocCurve, type ThresholdOptions, type ThresholdChoice,
  precisionRecallCurve, rocCurve, auc, rocAuc, averagePrecision, chooseThreshold,
} from './curves.js'
export {
  type ErrorAnalysisInput, type ErrorAnalysis, type ConfusionGroup, type Misclassified, type FormatErrorAnalysisOptions,
  errorAnalysis, formatErrorAnalysis,
} from './errors.js'
export { type LabelMetrics, type MultilabelMetrics, multilabelMetrics } from './multilabel.js'
