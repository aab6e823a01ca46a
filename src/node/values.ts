/**
 * Saving and loading trained values as files (the format lives in the root entry: `encodeValues`,
 * `decodeValues`).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { decodeValues, encodeValues, MAX_VALUES_TEXT_BYTES, valuesFileError, type SavedValues, type ValuesFileError, type ValuesTextOptions } from '../io/params-file.js'
import { optionKeys, optionsProblem } from '../options.js'
import { writeFileAtomic } from './atomic.js'
import { readRaw } from './files.js'

/** Options of `loadValues`. */
export interface LoadValuesOptions extends ValuesTextOptions {
  /** The most bytes the file may hold as stored (default `MAX_VALUES_TEXT_BYTES`), checked before it is read. */
  readonly maxFileBytes?: number
}
const LOAD_KEYS = optionKeys<LoadValuesOptions>()(['maxFileBytes', 'maxTextBytes'])
const SAVE_KEYS = optionKeys<ValuesTextOptions>()(['maxTextBytes'])

/**
 * Writes trained values to `path` atomically (a temporary file in the same folder, then a rename), so a
 * crash never leaves half a file. Values too large for a values file (`maxTextBytes`, default
 * `MAX_VALUES_TEXT_BYTES`) are a `Left` naming the parameter count and the limit, and nothing is written.
 * @example
 * import { saveValues, loadValues } from 'kiln/node'
 * import { mkdtempSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-values-'))
 * const values = { params: { dense: { w: Float64Array.of(0.5, NaN, -0) } }, state: {} }
 * saveValues(join(dir, 'model.json'), values) // { _tag: 'Right', right: join(dir, 'model.json') }
 * loadValues(join(dir, 'model.json')) // { _tag: 'Right', right: values }
 * saveValues(join(dir, 'big.json'), values, { maxTextBytes: 10 })._tag // 'Left'
 * rmSync(dir, { recursive: true })
 */
export const saveValues = (path: string, v: SavedValues, options: ValuesTextOptions = {}): E.Either<ValuesFileError, string> => {
  const bad = optionsProblem('saveValues', options, SAVE_KEYS)
  if (bad !== undefined) return E.left(valuesFileError(path, bad.message))
  let text: string
  try {
    text = encodeValues(v, options)
  } catch (e) {
    return E.left(valuesFileError(path, `saveValues: ${path}: ${(e as Error).message}`))
  }
  try {
    writeFileAtomic(path, text)
    return E.right(path)
  } catch (e) {
    return E.left(valuesFileError(path, `saveValues: could not write ${path}: ${(e as Error).message}`))
  }
}

/**
 * Reads a values file written by `saveValues` (gzipped or not). A file larger than `maxFileBytes`
 * (default `MAX_VALUES_TEXT_BYTES`) is refused by its size before it is read, and one whose text
 * inflates past `maxTextBytes` before it is parsed: a `Left` naming the path, the size and the limit.
 * @example
 * import { loadValues } from 'kiln/node'
 * import * as E from 'fp-ts/lib/Either.js'
 * E.isLeft(loadValues('/no/such/file.json')) // true
 */
export const loadValues = (path: string, options: LoadValuesOptions = {}): E.Either<ValuesFileError, SavedValues> => {
  const bad = optionsProblem('loadValues', options, LOAD_KEYS)
  if (bad !== undefined) return E.left(valuesFileError(path, bad.message))
  const { maxFileBytes = MAX_VALUES_TEXT_BYTES, ...text } = options
  const hint = 'a values file holds JSON, so a model this large needs a binary format (a model file: saveModel or encodeModel)'
  const bytes = readRaw(path, { maxFileBytes }, { who: 'loadValues', hint })
  if (E.isLeft(bytes)) return E.left(valuesFileError(path, bytes.left._tag === 'OptionsError' ? bytes.left.message : `loadValues: ${bytes.left.message}`))
  return decodeValues(bytes.right, path, text)
}
