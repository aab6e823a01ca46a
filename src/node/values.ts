/**
 * Saving and loading trained values as files (the format lives in the root entry: `encodeValues`,
 * `decodeValues`).
 * @module
 */
import { readFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { decodeValues, encodeValues, valuesFileError, type SavedValues, type ValuesFileError } from '../io/params-file.js'
import { writeFileAtomic } from './atomic.js'

/**
 * Writes trained values to `path` atomically (a temporary file in the same folder, then a rename), so a
 * crash never leaves half a file.
 * @example
 * import { saveValues, loadValues } from 'kiln/node'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-values-'))
 * const values = { params: { dense: { w: Float64Array.of(0.5, NaN, -0) } }, state: {} }
 * saveValues(join(dir, 'model.json'), values) // { _tag: 'Right', right: join(dir, 'model.json') }
 * loadValues(join(dir, 'model.json')) // { _tag: 'Right', right: values }
 * rmSync(dir, { recursive: true })
 */
export const saveValues = (path: string, v: SavedValues): E.Either<ValuesFileError, string> => {
  try {
    writeFileAtomic(path, encodeValues(v))
    return E.right(path)
  } catch (e) {
    return E.left(valuesFileError(path, `saveValues: could not write ${path}: ${(e as Error).message}`))
  }
}

/**
 * Reads a values file written by `saveValues` (gzipped or not).
 * @example
 * import { loadValues } from 'kiln/node'
 * import * as E from 'fp-ts/lib/Either.js'
 * E.isLeft(loadValues('/no/such/file.json')) // true
 */
export const loadValues = (path: string): E.Either<ValuesFileError, SavedValues> => {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    return E.left(valuesFileError(path, `loadValues: could not read ${path}: ${(e as Error).message}`))
  }
  return decodeValues(bytes, path)
}
