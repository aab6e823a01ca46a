/**
 * Training, evaluation mode and learning curves.
 * @module
 */
export { fit, fitAsync, type FitResultOf, type FitOptions, type FitAsyncOptions, type FitResult, type FitSummary, type EpochRecord, type EarlyStopping, type CheckpointOptions, type StepRecord, type StepOptions } from './fit.js'
export { type Checkpoint, type TrainingState } from './checkpoint.js'
export { evaluateModel, predict, type Trained, type Evaluation, type Preprocess } from './predict.js'
export { learningCurve, type LearningCurveResult } from './curves.js'
export { objectives, objectiveOf, ObjectiveName, type Objective } from './objective.js'
export {
  trainStep, trainableOf, fitStep, evalStep, copyValues,
  type TrainStep, type TrainStepConfig, type TrainValues, type StepFeed, type FitStepConfig, type EvalStep, type Regularization,
} from './step.js'
export { type FitError, type Divergence } from './validate.js'
export { pickValues, mergeValues, transferValues, frozenBy, type Freeze, type ModelValues } from './transfer.js'
export { predictLabels, positiveScores, type PredictLabelsOptions } from './labels.js'
export {
  space, sampleSpace, type SearchSpace, type Dimension, type DimensionValue, type Hyperparameters,
  type UniformDimension, type LogUniformDimension, type IntUniformDimension, type ChoiceDimension,
} from './search-space.js'
export {
  randomSearch, type SearchOptions, type SearchResult, type Trial, type TrialOk, type TrialFailed, type TrialOptions, type TrialRun,
  type Halving, type Rung, type Direction, type ScoreName,
} from './search.js'
export { formatSearch, searchChart, type SearchChartOptions } from './search-report.js'
export { predictOne, modelOutput } from './apply.js'
export { finalActivation, logitsProblem } from './logits.js'
export { gradientNorms, type GradientNorms, type GradientNormOptions, type AtValues } from './gradnorms.js'
