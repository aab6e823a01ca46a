/**
 * `kiln/node`: what needs Node's file system. Reading CSV and IDX files, the bundled data sets and
 * Fashion-MNIST from disk, saving and loading trained values, writing SVG files. Everything else,
 * including decoders of the same formats over bytes, is in the platform-neutral root entry `kiln`.
 * @module
 */
export { type ReadOptions, readBytes, readText } from './files.js'
export {
  readCsv, loadIris, loadBreastCancer, loadDigits, loadIrisOrThrow, loadBreastCancerOrThrow, loadDigitsOrThrow,
  loadIdxDataset, loadFashionMnist,
} from './data.js'
export { saveValues, loadValues } from './values.js'
export { writeSvg } from './svg.js'
