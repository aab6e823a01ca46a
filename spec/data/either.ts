import * as E from 'fp-ts/lib/Either.js'
import type { DataError } from '../../src/data/error.js'
import type { Dataset } from '../../src/data/dataset.js'

/** The data set of a `Right`; a `Left` fails the test with its message. */
export const right = (r: E.Either<DataError, Dataset>): Dataset => {
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.message}`)
  return r.right
}

/** The error of a `Left`; a `Right` fails the test. */
export const left = <A>(r: E.Either<DataError, A>): DataError => {
  if (E.isRight(r)) throw new Error('expected Left')
  return r.left
}
