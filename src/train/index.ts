/**
 * Training, evaluation mode and learning curves.
 * @module
 */
export { fit, fitAsync, type FitOptions, type FitAsyncOptions, type FitResult, type FitSummary, type EpochRecord, type EarlyStopping, type CheckpointOptions } from './fit.js'
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
