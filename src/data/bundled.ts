/**
 * The small real data sets bundled in the package's `data/` folder (UCI, CC BY 4.0, as shipped by
 * scikit-learn; see `data/README.md` for attribution): iris, breast cancer (Wisconsin diagnostic)
 * and the 8x8 optical digits.
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { parseCsv } from './csv.js'
import { featureCount, type Dataset } from './dataset.js'
import { dataError, inSource, type DataError } from './error.js'
import { readText } from './files.js'

const dataFile = (name: string): URL => new URL(`../../data/${name}`, import.meta.url)

/** Header `n_rows,n_features,class names...` then `feature,...,feature,label` lines. */
const loadWithHeader = (name: string): E.Either<DataError, Dataset> =>
  pipe(
    readText(dataFile(name)),
    E.chain((text) => {
      const first = text.slice(0, text.indexOf('\n')).trim().split(',')
      const rows = Number(first[0])
      const features = Number(first[1])
      const classes = first.slice(2).map((c) => c.trim())
      if (!Number.isInteger(rows) || !Number.isInteger(features) || classes.length === 0)
        return E.left(dataError.format(`line 1: expected a header "n_rows,n_features,class names...", got "${first.join(',')}"`))
      return pipe(
        parseCsv(text, { header: true, classes }),
        E.chain((ds) =>
          ds.n !== rows || featureCount(ds) !== features
            ? E.left(dataError.format(`header says ${rows} rows of ${features} features, found ${ds.n} rows of ${featureCount(ds)}`))
            : E.right(ds),
        ),
      )
    }),
    E.mapLeft((e) => (e._tag === 'FileError' ? e : inSource(name)(e))),
  )

const orThrow = <A>(r: E.Either<DataError, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

/**
 * Fisher's iris: 150 rows, 4 features (sepal/petal length/width, cm), 3 classes of 50
 * (setosa, versicolor, virginica).
 * @example
 * import { loadIris } from 'kiln'
 * const iris = loadIris()
 * iris._tag === 'Right' && [iris.right.n, iris.right.featureShape] // [150, [4]]
 */
export const loadIris = (): E.Either<DataError, Dataset> => loadWithHeader('iris.csv')

/**
 * Breast cancer Wisconsin (diagnostic): 569 rows, 30 real features, classes malignant (212) and
 * benign (357).
 * @example
 * import { loadBreastCancer } from 'kiln'
 * const bc = loadBreastCancer()
 * bc._tag === 'Right' && [bc.right.n, bc.right.classes] // [569, ['malignant', 'benign']]
 */
export const loadBreastCancer = (): E.Either<DataError, Dataset> => loadWithHeader('breast_cancer.csv')

const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const

/**
 * Optical handwritten digits: 1797 images of 8x8 pixels with counts 0..16 (featureShape [8, 8]),
 * classes '0'..'9'.
 * @example
 * import { loadDigits } from 'kiln'
 * const digits = loadDigits()
 * digits._tag === 'Right' && [digits.right.n, digits.right.featureShape] // [1797, [8, 8]]
 */
export const loadDigits = (): E.Either<DataError, Dataset> =>
  pipe(
    readText(dataFile('digits.csv.gz')),
    E.chain((text) => pipe(parseCsv(text, { classes: DIGIT_CLASSES, featureShape: [8, 8] }), E.mapLeft(inSource('digits.csv.gz')))),
  )

/**
 * `loadIris`, throwing an `Error` with the `DataError` message when the bundled file is unreadable
 * (a broken installation). Handy in examples and scripts.
 * @example
 * import { loadIrisOrThrow } from 'kiln'
 * loadIrisOrThrow().n // 150
 */
export const loadIrisOrThrow = (): Dataset => orThrow(loadIris())

/**
 * `loadBreastCancer`, throwing on a broken installation.
 * @example
 * import { loadBreastCancerOrThrow } from 'kiln'
 * loadBreastCancerOrThrow().n // 569
 */
export const loadBreastCancerOrThrow = (): Dataset => orThrow(loadBreastCancer())

/**
 * `loadDigits`, throwing on a broken installation.
 * @example
 * import { loadDigitsOrThrow } from 'kiln'
 * loadDigitsOrThrow().featureShape // [8, 8]
 */
export const loadDigitsOrThrow = (): Dataset => orThrow(loadDigits())
