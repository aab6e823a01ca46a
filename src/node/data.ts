/**
 * Data from disk: CSV and IDX files, the bundled data sets and Fashion-MNIST. The decoding itself
 * lives in the root entry (`parseCsv`, `parseIdx`, `parseBundled`), which accepts bytes from anywhere.
 * @module
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { BUNDLED_FILES, parseBundled, type BundledName } from '../data/bundled.js'
import { parseCsv, type CsvOptions } from '../data/csv.js'
import type { Dataset } from '../data/dataset.js'
import { dataError, inSource, type DataError } from '../data/error.js'
import { unwrap } from '../either.js'
import { FASHION_MNIST_CLASSES, idxDataset, parseIdx, type IdxArray, type IdxDatasetOptions, type IdxReadOptions } from '../data/idx.js'
import { optionKeys, optionsProblem } from '../options.js'
import { readRaw, type FileSizeOptions } from './files.js'

/** Options of `readCsv`: `CsvOptions` plus the most bytes the file may hold as stored. */
export type ReadCsvOptions = CsvOptions & FileSizeOptions

/**
 * Reads and parses a CSV file (optionally gzipped) with `parseCsv`; every error message starts with
 * the path. The file may hold at most `maxFileBytes` (default 256 MiB), checked before it is read;
 * the other limits are `parseCsv`'s (`maxInflatedBytes`, `maxCells`, `maxClasses`).
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { readCsv } from 'kiln/node'
 * const path = join(tmpdir(), 'kiln-readcsv-example.csv')
 * writeFileSync(path, 'size,weight,kind\n1.5,2,cat\n0.5,1,mouse\n')
 * const r = readCsv(path, { header: true, classes: 'infer' })
 * r._tag === 'Right' && r.right.classes // ['cat', 'mouse']
 * readCsv('/no/such/file.csv')._tag // 'Left'
 * readCsv(path, { maxFileBytes: 10 })._tag // 'Left'
 */
export const readCsv = (path: string, options: ReadCsvOptions = {}): E.Either<DataError, Dataset> => {
  const { maxFileBytes, ...csv } = options
  return pipe(
    readRaw(path, maxFileBytes === undefined ? {} : { maxFileBytes }, { who: 'readCsv' }),
    E.chain((bytes) => pipe(parseCsv(bytes, csv), E.mapLeft(inSource(path)))),
  )
}

const bundled = (name: BundledName): E.Either<DataError, Dataset> => {
  const file = new URL(`../../data/${BUNDLED_FILES[name]}`, import.meta.url)
  return pipe(readRaw(file), E.chain((bytes) => parseBundled(name, bytes)))
}

/**
 * Fisher's iris: 150 rows, 4 features (sepal/petal length/width, cm), 3 classes of 50
 * (setosa, versicolor, virginica).
 * @example
 * import { loadIris } from 'kiln/node'
 * const iris = loadIris()
 * iris._tag === 'Right' && [iris.right.n, iris.right.featureShape] // [150, [4]]
 */
export const loadIris = (): E.Either<DataError, Dataset> => bundled('iris')

/**
 * Breast cancer Wisconsin (diagnostic): 569 rows, 30 real features, classes malignant (212) and
 * benign (357).
 * @example
 * import { loadBreastCancer } from 'kiln/node'
 * const bc = loadBreastCancer()
 * bc._tag === 'Right' && [bc.right.n, bc.right.classes] // [569, ['malignant', 'benign']]
 */
export const loadBreastCancer = (): E.Either<DataError, Dataset> => bundled('breastCancer')

/**
 * Optical handwritten digits: 1797 images of 8x8 pixels with counts 0..16 (featureShape [8, 8]),
 * classes '0'..'9'.
 * @example
 * import { loadDigits } from 'kiln/node'
 * const digits = loadDigits()
 * digits._tag === 'Right' && [digits.right.n, digits.right.featureShape] // [1797, [8, 8]]
 */
export const loadDigits = (): E.Either<DataError, Dataset> => bundled('digits')

/**
 * `loadIris`, throwing an `Error` with the `DataError` message when the bundled file is unreadable
 * (a broken installation). Handy in examples and scripts.
 * @example
 * import { loadIrisOrThrow } from 'kiln/node'
 * loadIrisOrThrow().n // 150
 */
export const loadIrisOrThrow = (): Dataset => unwrap(loadIris())

/**
 * `loadBreastCancer`, throwing on a broken installation.
 * @example
 * import { loadBreastCancerOrThrow } from 'kiln/node'
 * loadBreastCancerOrThrow().n // 569
 */
export const loadBreastCancerOrThrow = (): Dataset => unwrap(loadBreastCancer())

/**
 * `loadDigits`, throwing on a broken installation.
 * @example
 * import { loadDigitsOrThrow } from 'kiln/node'
 * loadDigitsOrThrow().featureShape // [8, 8]
 */
export const loadDigitsOrThrow = (): Dataset => unwrap(loadDigits())

// Raw bytes: parseIdx inflates gzip once (gzip inside gzip is refused), header first.
const readIdx = (path: string, size: FileSizeOptions, options: IdxReadOptions): E.Either<DataError, IdxArray> =>
  pipe(readRaw(path, size, { who: 'loadIdxDataset' }), E.chain((b) => pipe(parseIdx(b, options), E.mapLeft(inSource(path)))))

/**
 * Options of `loadIdxDataset`: how to read each file (`maxFileBytes` as stored, `IdxReadOptions`)
 * and how to pair them (`IdxDatasetOptions`).
 */
export type LoadIdxOptions = IdxDatasetOptions & IdxReadOptions & FileSizeOptions

const LOAD_IDX_KEYS = optionKeys<LoadIdxOptions>()(['scale', 'classes', 'maxClasses', 'maxInflatedBytes', 'maxFileBytes'])

/**
 * Reads an IDX images file and an IDX labels file (each gzipped or not) into a `Dataset`. A gzipped
 * file never inflates past the size its header declares (nor past `maxInflatedBytes`); a file may
 * hold at most `maxFileBytes` as stored (default 256 MiB); labels are bounded by `classes` or
 * `maxClasses`.
 * @example
 * import { writeFileSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { encodeIdx } from 'kiln'
 * import { loadIdxDataset } from 'kiln/node'
 * const images = join(tmpdir(), 'kiln-example-images.idx')
 * const labels = join(tmpdir(), 'kiln-example-labels.idx')
 * writeFileSync(images, encodeIdx([2, 1, 2], [0, 255, 255, 255]))
 * writeFileSync(labels, encodeIdx([2], [3, 1]))
 * const r = loadIdxDataset(images, labels, { scale: true })
 * r._tag === 'Right' && [r.right.featureShape, r.right.x, r.right.classes.length] // [[1, 2], [0, 1, 1, 1], 4]
 * loadIdxDataset(images, labels, { maxClasses: 2 })._tag // 'Left'
 */
export const loadIdxDataset = (imagesPath: string, labelsPath: string, options: LoadIdxOptions = {}): E.Either<DataError, Dataset> => {
  const problem = optionsProblem('loadIdxDataset', options, LOAD_IDX_KEYS)
  if (problem !== undefined) return E.left(dataError.options(problem.field, problem.message))
  const { maxInflatedBytes, maxFileBytes, ...pairing } = options
  const read: IdxReadOptions = maxInflatedBytes === undefined ? {} : { maxInflatedBytes }
  const size: FileSizeOptions = maxFileBytes === undefined ? {} : { maxFileBytes }
  return pipe(
    E.Do,
    E.bind('images', () => readIdx(imagesPath, size, read)),
    E.bind('labels', () => readIdx(labelsPath, size, read)),
    E.chain(({ images, labels }) => {
      // the freshly parsed array is ours: scale it in place instead of holding two copies
      const own = pairing.scale === true && images.type === 'ubyte'
      if (own) for (let i = 0; i < images.data.length; i++) images.data[i] = images.data[i]! / 255
      const opts: IdxDatasetOptions = own ? { ...pairing, scale: false } : pairing
      return pipe(idxDataset(images, labels, opts), E.mapLeft(inSource(`${imagesPath} + ${labelsPath}`)))
    }),
  )
}

const findIdx = (dir: string, base: string): E.Either<DataError, string> => {
  for (const name of [`${base}.gz`, base]) {
    const p = join(dir, name)
    if (existsSync(p)) return E.right(p)
  }
  const p = join(dir, `${base}.gz`)
  return E.left(dataError.file(p,
    `${p}: not found; Fashion-MNIST installs with \`apt-get install dataset-fashion-mnist\` (to /usr/share/datasets/fashion-mnist)`))
}

/**
 * Fashion-MNIST (60,000 train + 10,000 test images of 28x28, 10 classes) from the Debian package
 * `dataset-fashion-mnist`. Pixels are scaled to [0, 1] unless `scale: false`. A missing file is a
 * `Left` naming it and the install command.
 * @example
 * import { loadFashionMnist } from 'kiln/node'
 * const r = loadFashionMnist('/no/such/folder')
 * r._tag === 'Left' && r.left.message.includes('apt-get install dataset-fashion-mnist') // true
 */
export const loadFashionMnist = (
  dir = '/usr/share/datasets/fashion-mnist',
  options: { readonly scale?: boolean } = {},
): E.Either<DataError, { readonly train: Dataset; readonly test: Dataset }> => {
  const problem = optionsProblem('loadFashionMnist', options, ['scale'])
  if (problem !== undefined) return E.left(dataError.options(problem.field, problem.message))
  const opts: IdxDatasetOptions = { scale: options.scale ?? true, classes: FASHION_MNIST_CLASSES }
  return pipe(
    E.Do,
    E.bind('trainImages', () => findIdx(dir, 'train-images-idx3-ubyte')),
    E.bind('trainLabels', () => findIdx(dir, 'train-labels-idx1-ubyte')),
    E.bind('testImages', () => findIdx(dir, 't10k-images-idx3-ubyte')),
    E.bind('testLabels', () => findIdx(dir, 't10k-labels-idx1-ubyte')),
    E.bind('train', (p) => loadIdxDataset(p.trainImages, p.trainLabels, opts)),
    E.bind('test', (p) => loadIdxDataset(p.testImages, p.testLabels, opts)),
    E.map(({ train, test }) => ({ train, test })),
  )
}
