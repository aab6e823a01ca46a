/**
 * `kiln/node`: what needs Node's file system. Reading CSV and IDX files, the bundled data sets and
 * Fashion-MNIST from disk, saving and loading trained values, writing SVG files, and ONNX Runtime as an
 * engine (the optional package onnxruntime-node). Everything else,
 * including decoders of the same formats over bytes, is in the platform-neutral root entry `kiln`.
 * @module
 */
export { type ReadOptions, type FileSizeOptions, DEFAULT_MAX_FILE_BYTES, readBytes, readText } from './files.js'
export {
  readCsv, type ReadCsvOptions, loadIris, loadBreastCancer, loadDigits, loadIrisOrThrow, loadBreastCancerOrThrow, loadDigitsOrThrow,
  loadIdxDataset, type LoadIdxOptions, loadFashionMnist,
} from './data.js'
export { saveValues, loadValues, type LoadValuesOptions } from './values.js'
export { writeSvg } from './svg.js'
export { saveSafetensors, loadSafetensors, type LoadSafetensorsOptions, SAFETENSORS_MAX_FILE_BYTES } from './safetensors.js'
export { readH5Dataset, type ReadH5Options } from './hdf5.js'
export { loadKerasWeights, type KerasWeights } from './keras.js'
export { saveModel, loadModel, saveCheckpoint, loadCheckpoint, type LoadModelFileOptions } from './model.js'
export { fit, fitAsync, type CheckpointFile, type FileFitOptions, type FileFitAsyncOptions } from './fit.js'
export { onnxruntime, evaluateModelAsync, predictAsync, type OnnxRuntimeOptions } from './onnxruntime.js'
