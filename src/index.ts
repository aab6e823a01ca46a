/**
 * Kiln: a functional, immutable dataflow compiler for neural networks.
 * @module
 */
export * from './shape.js'
export { input, param, constant, scalar, uniformTensor, lift, isOp, liveNodeCount, type Tensor, type TensorLike, type OpName, type OpAttrs, type NodeOf } from './tensor.js'
export * from './api.js'
export { BindingError, topoSort, type Bindings } from './graph.js'
export { evaluate, evaluateE } from './evaluate.js'
export { grad, vjp, hvp, jvp } from './grad.js'
export { show } from './show.js'
export { gradcheck, gradgradcheck, project, type GradcheckInput, type GradcheckOptions, type GradcheckReport, type GradcheckWorst } from './gradcheck.js'
export { opTable, opDef } from './optable.js'
export type { OpDef, OpKind, Domain } from './ops/def.js'
export type * from './typelevel.js'
export * from './random/key.js'
export * from './random/sample.js'
export { threefry2x32, uniformAt, normalAt } from './random/threefry.js'
export {
  compile, clearCompileCache, type CompileOptions, compileError, type CompileError, type Executable, compileStats, graphKey,
  type CompileStats, schedule, CHEAP_OPS, type ScheduleOptions, planMemory, type MemoryPlan, explainPlan,
  type Aff, type Expr, type KernelPlan, type Schedule as KernelSchedule, type Value, type ValueKind, type Operand,
} from './compile/index.js'
export { simplify, simplifyWith, rules as simplifyRules, type Rule as RewriteRule, type SimplifyOptions } from './compile/simplify.js'
export * from './nn/index.js'
export * from './metrics/index.js'
export * from './report/index.js'
export * from './plot/index.js'
export * from './train/index.js'
export {
  type DataError, dataError, inSource, type Dataset, makeDataset, featureCount, isClassification, take, rowsOf, labelCounts,
  classIndices, readBytes, readText, type CsvOptions, NumericField, CsvOptionsCodec, decodeCsvOptions, parseCsv, readCsv,
  loadIris, loadBreastCancer, loadDigits, loadIrisOrThrow, loadBreastCancerOrThrow, loadDigitsOrThrow, type IdxType,
  type IdxArray, type IdxDatasetOptions, parseIdx, encodeIdx, idxDataset, loadIdxDataset, loadFashionMnist,
  FASHION_MNIST_CLASSES, type Standardizer, type MinMax, fitStandardizer, standardize, standardizeSplit, fitMinMax, minMaxScale,
  oneHot as oneHotLabels, type TrainTest, type TrainDevTest, type Fold, type Bootstrap, type Batch, shuffle, trainTestSplit,
  trainDevTestSplit, kFold, bootstrap, batches, flower, moons, spirals, xor,
} from './data/index.js'
export * from './io/params-file.js'
