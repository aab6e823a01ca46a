/**
 * The small real data sets bundled in the package's `data/` folder (UCI, CC BY 4.0, as shipped by
 * scikit-learn; see `data/README.md` for attribution): iris, breast cancer (Wisconsin diagnostic)
 * and the 8x8 optical digits. This module decodes their bytes, so it runs anywhere: `kiln/node`
 * reads the files from disk (`loadDigits()`), a browser fetches them (`kiln/data/digits.csv.gz`).
 * @module
 */

import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { parseCsv } from './csv.js'
import { featureCount, type Dataset } from './dataset.js'
import { dataError, inSource, type DataError } from './error.js'
import { decodeText } from './gzip.js'

/** The bundled data sets by name. */
export type BundledName = 'iris' | 'breastCancer' | 'digits'

/**
 * Each bundled data set's file in the package's `data/` folder (`kiln/data/<file>` to a bundler).
 * @example
 * import { BUNDLED_FILES } from 'kiln'
 * BUNDLED_FILES.digits // 'digits.csv.gz'
 */
export const BUNDLED_FILES: Readonly<Record<BundledName, string>> = Object.freeze({
  iris: 'iris.csv',
  breastCancer: 'breast_cancer.csv',
  digits: 'digits.csv.gz',
})

const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const

/** Header `n_rows,n_features,class names...` then `feature,...,feature,label` lines. */
const withHeader = (text: string): E.Either<DataError, Dataset> => {
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
}

/**
 * Decodes a bundled data set from its file's bytes (or text): iris (150 rows, 4 features, 3
 * classes), breast cancer (569 rows, 30 features, malignant/benign) or digits (1797 images of 8x8
 * pixel counts 0..16, featureShape [8, 8], classes '0'..'9'). In a browser, fetch the file named by
 * `BUNDLED_FILES` and pass its bytes.
 * @example
 * import { parseBundled } from 'kiln'
 * const text = '2,2,a,b\n1,2,a\n3,4,b\n'
 * const r = parseBundled('iris', text)
 * r._tag === 'Right' && [r.right.n, r.right.classes] // [2, ['a', 'b']]
 * parseBundled('iris', '2,2,a,b\n1,2,a\n')._tag // 'Left'
 */
export const parseBundled = (name: BundledName, contents: Uint8Array | string): E.Either<DataError, Dataset> => {
  if (!Object.hasOwn(BUNDLED_FILES, name)) return E.left(dataError.options('name', `parseBundled: name = ${JSON.stringify(String(name))}; expected one of ${Object.keys(BUNDLED_FILES).join(', ')}`))
  const file = BUNDLED_FILES[name]
  return pipe(
    decodeText(contents),
    E.chain((text) => (name === 'digits' ? parseCsv(text, { classes: DIGIT_CLASSES, featureShape: [8, 8] }) : withHeader(text))),
    E.mapLeft(inSource(file)),
  )
}
