/**
 * Data sets and preprocessing on plain typed arrays: the `Dataset` type, bundled and IDX loaders, a
 * CSV reader, preprocessing fitted on training data, key-driven splits and synthetic teaching sets.
 * @module
 */

export { type DataError, dataError, inSource } from './error.js'
export {
  type Dataset,
  makeDataset,
  featureCount,
  isClassification,
  take,
  rowsOf,
  labelCounts,
  classIndices,
} from './dataset.js'
export { readBytes, readText } from './files.js'
export { type CsvOptions, NumericField, CsvOptionsCodec, decodeCsvOptions, parseCsv, readCsv } from './csv.js'
export {
  loadIris,
  loadBreastCancer,
  loadDigits,
  loadIrisOrThrow,
  loadBreastCancerOrThrow,
  loadDigitsOrThrow,
} from './bundled.js'
export {
  type IdxType,
  type IdxArray,
  type IdxDatasetOptions,
  parseIdx,
  encodeIdx,
  idxDataset,
  loadIdxDataset,
  loadFashionMnist,
  FASHION_MNIST_CLASSES,
} from './idx.js'
export {
  type Standardizer,
  type MinMax,
  fitStandardizer,
  standardize,
  standardizeSplit,
  fitMinMax,
  minMaxScale,
  oneHot,
} from './preprocess.js'
export {
  type TrainTest,
  type TrainDevTest,
  type Fold,
  type Bootstrap,
  type Batch,
  shuffle,
  trainTestSplit,
  trainDevTestSplit,
  kFold,
  bootstrap,
  batches,
} from './split.js'
export { flower, moons, spirals, xor } from './synthetic.js'
