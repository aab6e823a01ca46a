/**
 * Data sets and preprocessing on plain typed arrays: the `Dataset` type, decoders of the bundled data
 * sets, IDX and CSV over bytes (`kiln/node` reads them from disk), preprocessing fitted on training
 * data, key-driven splits and synthetic teaching sets.
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
  DEFAULT_MAX_CLASSES,
} from './dataset.js'
export { DEFAULT_MAX_INFLATED_BYTES, MAX_TEXT_BYTES, isGzip, gunzip, decodeBytes, decodeText } from './gzip.js'
export { type CsvOptions, DEFAULT_MAX_CSV_CELLS, NumericField, CsvOptionsCodec, decodeCsvOptions, parseCsv } from './csv.js'
export { type BundledName, BUNDLED_FILES, parseBundled } from './bundled.js'
export {
  type IdxType,
  type IdxArray,
  type IdxDatasetOptions,
  type IdxReadOptions,
  parseIdx,
  encodeIdx,
  idxDataset,
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
  subsample,
} from './split.js'
export { flower, moons, spirals, xor } from './synthetic.js'
export { targetCount, isMultiLabel, targetRowsOf } from './dataset.js'
export {
  type ImageShape,
  flipImage,
  shiftImage,
  rotateImage,
  brightnessContrastImage,
} from './augment-core.js'
export {
  type Batch as AugmentBatch,
  type BatchTransform,
  type FlipOptions,
  type ShiftOptions,
  type CropOptions,
  type RotationOptions,
  type BrightnessContrastOptions,
  type AugmentDatasetOptions,
  randomFlip,
  randomShift,
  randomCrop,
  randomRotation,
  brightnessContrast,
  composeAugment,
  augmentDataset,
} from './augment.js'
export { type CsvColumn } from './csv.js'
