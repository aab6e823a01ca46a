/**
 * Kiln: a functional, immutable dataflow compiler for neural networks. This root entry is
 * platform-neutral (Node, Deno, browsers, workers): no file system, no `node:` modules. What needs a
 * file system lives in `kiln/node` (`src/node/index.ts`).
 * @module
 */
export { type Either, type Left, type Right, isLeft, isRight, unwrap } from './either.js'
export * from './shape.js'
export { ArgumentError, describeValue, closestName, optionsProblem, checkOptions, requireNumber, requireInteger, requirePositiveInteger, positiveIntegers, requireBoolean, numberList, ownValue, type OwnValue, hasOwn, optionKeys, checkOptionKinds, kindCheck, optionTableProblem, type ValueCheck, type OptionTable, type OptionKind, type OptionKinds } from './options.js'
export { isOp, isTensor, tensorList, liveNodeCount, type Tensor, type TensorLike, type OpName, type OpAttrs, type NodeOf } from './tensor.js'
export { input, param, constant, scalar, uniformTensor, lift, keyTensor, SHARED_CONSTANT_LIMIT } from './make.js'
export * from './api.js'
export * from './softmax.js'
export { BindingError, topoSort, type Bindings } from './graph.js'
export { evaluate, evaluateE } from './evaluate.js'
export { stepRunner, runStep, stepFunction, isAsyncEngine, type StepGraph, type StepRunner, type Engine, type AsyncEngine, type AsyncStepRunner } from './run.js'
export { grad, vjp, hvp, jvp, jvpTransposed } from './grad.js'
export { show } from './show.js'
export { gradcheck, gradcheckModel, formatGradcheck, project, GRADCHECK_DEFAULTS, TORCH_GRADCHECK, type GradcheckInput, type GradcheckOptions, type GradcheckModelOptions, type GradcheckMode, type GradcheckSettings, type GradcheckReport, type GradcheckEntry, type GradcheckKink, type TensorsOf } from './gradcheck.js'
export { opTable, opDef } from './optable.js'
export type { OpDef, OpKind, Domain } from './ops/def.js'
export type * from './typelevel.js'
export * from './random/key.js'
export * from './random/sample.js'
export { threefry2x32, uniformAt, normalAt } from './random/threefry.js'
export {
  compile, compilePlan, clearCompileCache, type CompileOptions, compileError, type CompileError, type Executable, compileStats, graphKey,
  type CompileStats, schedule, schedulePlan, decideFusion, checkPlan, CHEAP_OPS, FUSION_DEPTH_LIMIT, type FusionPlan, type PlanNode, type ReduceForm, type ScheduleOptions, planMemory, type MemoryPlan, explainPlan,
  type Aff, type Expr, type KernelPlan, type Schedule as KernelSchedule, type Value, type ValueKind, type Operand,
} from './compile/index.js'
export { simplify, rewriteWith, rules as simplifyRules, type Rule as RewriteRule, type SimplifyOptions } from './compile/simplify.js'
export * from './nn/index.js'
export * from './metrics/index.js'
export * from './report/index.js'
export * from './plot/index.js'
export * from './train/index.js'
export {
  type DataError, dataError, inSource, type Dataset, makeDataset, featureCount, isClassification, take, rowsOf, labelCounts,
  classIndices, DEFAULT_MAX_INFLATED_BYTES, isGzip, gunzip, decodeText, type CsvOptions, NumericField, CsvOptionsCodec,
  decodeCsvOptions, parseCsv, type BundledName, BUNDLED_FILES, parseBundled, type IdxType,
  type IdxArray, type IdxDatasetOptions, parseIdx, encodeIdx, idxDataset,
  DEFAULT_MAX_CLASSES, MAX_TEXT_BYTES, decodeBytes, DEFAULT_MAX_CSV_CELLS, type IdxReadOptions,
  FASHION_MNIST_CLASSES, type Standardizer, type MinMax, fitStandardizer, standardize, standardizeSplit, fitMinMax, minMaxScale,
  oneHot as oneHotLabels, type TrainTest, type TrainDevTest, type Fold, type Bootstrap, type Batch, shuffle, trainTestSplit,
  trainDevTestSplit, kFold, bootstrap, batches, subsample, flower, moons, spirals, xor,
  type ImageShape, flipImage, shiftImage, rotateImage, brightnessContrastImage, type AugmentBatch, type BatchTransform, type FlipOptions,
  type ShiftOptions, type CropOptions, type RotationOptions, type BrightnessContrastOptions, type AugmentDatasetOptions, randomFlip,
  randomShift, randomCrop, randomRotation, brightnessContrast, composeAugment, augmentDataset,
  type CsvColumn,
} from './data/index.js'
export * from './io/params-file.js'
export {
  type SafetensorsDtype, type Conversion, SAFETENSORS_DTYPE_BYTES, type SafetensorsError, safetensorsError, SAFETENSORS_MAX_HEADER_BYTES, type TensorEntry,
  type StoredTensor, type Safetensors, type SafetensorsReadOptions, safetensorsLayout, encodeSafetensors, f64Bytes, decodeSafetensors,
} from './io/safetensors.js'
export { type TorchStateDictError, torchStateDictError, TORCH_LAYERS, fromTorchStateDict, toTorchStateDict } from './io/torch.js'
export {
  type ModelFileOptions, type ModelToSave, type ModelFileParts, type DecodeModelOptions, modelFileParts, checkpointFileParts, encodeModel, encodeCheckpoint,
  decodeModel, decodeCheckpoint, type LoadModelOptions, type SavedModel, type ModelFileError, modelFileError, modelFromSafetensors,
  checkpointFromSafetensors, oldFormatProblem, varShapes, partsToWrite, MODEL_READ_OPTIONS, MODEL_WRITE_OPTIONS,
} from './io/model-file.js'
export { KILN_VERSION } from './version.js'
export { targetCount, isMultiLabel, targetRowsOf } from './data/index.js'
export * from './linalg/index.js'
export { jvps } from './transforms/forward.js'
export { vmap, vmapGraph } from './transforms/vmap.js'
export { jacrev, jacfwd, jacobian, hessian, type Wrt, type HessianBlocks } from './transforms/jacobian.js'
export { perExampleGrads, type ExampleBatch } from './transforms/per-example.js'
export { customVjp, customJvp, type CustomOptions, type Forward } from './transforms/custom.js'
export * from './curvature/index.js'
export * from './onnx/index.js'
