/**
 * The trained-values file format: JSON of named float64 arrays (parameters and layer state), validated
 * with io-ts on load. This module converts values to and from text, so it runs anywhere; `kiln/node`
 * saves and loads files (`saveValues`, `loadValues`). Numbers are written with JavaScript's shortest round-trip form, so values
 * come back bit-identical; NaN, infinities and -0 are written as strings.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { decodeText } from '../data/gzip.js'
import { flattenParams, unflatten, type ParamValues } from '../nn/tree.js'

/** A number, or one of the strings that stand for the non-finite values JSON cannot hold. */
const Num = t.union([t.number, t.literal('NaN'), t.literal('Infinity'), t.literal('-Infinity'), t.literal('-0')])

const Entry = t.type({ values: t.array(Num) })

/**
 * The file format: `{ format: 'kiln-values', version: 1, params: {...}, state: {...} }`, leaves by dotted path.
 * @example
 * import { ValuesFile } from 'kiln'
 * ValuesFile.is({ format: 'kiln-values', version: 1, params: { 'w': { values: [1, 'NaN'] } }, state: {} }) // true
 * ValuesFile.is({ format: 'kiln-values', version: 2, params: {}, state: {} }) // false
 */
export const ValuesFile = t.type({
  format: t.literal('kiln-values'),
  version: t.literal(1),
  params: t.record(t.string, Entry),
  state: t.record(t.string, Entry),
})

/** Trained values of a model: what `fit` returns and `evaluateModel` reads. */
export interface SavedValues {
  readonly params: ParamValues
  readonly state: ParamValues
}

/** Why a values file could not be read or written. */
export interface ValuesFileError {
  readonly _tag: 'ValuesFileError'
  readonly path: string
  readonly message: string
}

/**
 * Builds a `ValuesFileError`.
 * @example
 * import { valuesFileError } from 'kiln'
 * valuesFileError('m.json', 'loadValues: m.json is empty').path // 'm.json'
 */
export const valuesFileError = (path: string, message: string): ValuesFileError => ({ _tag: 'ValuesFileError', path, message })
const enc = (v: number): number | string => (Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v))
const dec = (v: number | string): number => (typeof v === 'number' ? v : Number(v))
const toRecord = (tree: ParamValues) => Object.fromEntries(flattenParams(tree).map(([p, v]) => [p, { values: Array.from(v, enc) }]))
const toTree = (rec: Readonly<Record<string, { values: readonly (number | string)[] }>>): ParamValues =>
  unflatten(Object.entries(rec).map(([p, e]) => [p, Float64Array.from(e.values, dec)] as const))

/**
 * Serializes trained values to the file format's JSON text.
 * @example
 * import { encodeValues } from 'kiln'
 * encodeValues({ params: { w: Float64Array.of(1, NaN) }, state: {} }) // '{"format":"kiln-values","version":1,"params":{"w":{"values":[1,"NaN"]}},"state":{}}'
 */
export const encodeValues = (v: SavedValues): string =>
  JSON.stringify({ format: 'kiln-values', version: 1, params: toRecord(v.params), state: toRecord(v.state) })

/**
 * Parses and validates a values file's text or bytes (UTF-8, gunzipped first when gzip), such as a
 * file a browser fetched; a bad field is named with its path.
 * @example
 * import { decodeValues, encodeValues } from 'kiln'
 * import * as E from 'fp-ts/lib/Either.js'
 * E.isLeft(decodeValues('{"format":"kiln-values","version":2}')) // true
 * const bytes = new TextEncoder().encode(encodeValues({ params: { w: Float64Array.of(2) }, state: {} }))
 * decodeValues(bytes) // { _tag: 'Right', right: { params: { w: [2] }, state: {} } }
 */
export const decodeValues = (contents: string | Uint8Array, path = '<text>'): E.Either<ValuesFileError, SavedValues> => {
  const text = decodeText(contents)
  if (E.isLeft(text)) return E.left(valuesFileError(path, `loadValues: ${path}: ${text.left.message}`))
  let raw: unknown
  try {
    raw = JSON.parse(text.right)
  } catch (e) {
    return E.left(valuesFileError(path, `loadValues: ${path} is not JSON: ${(e as Error).message}`))
  }
  const decoded = ValuesFile.decode(raw)
  if (E.isLeft(decoded)) {
    const ctx = decoded.left[0]?.context ?? []
    // Stop at a union: the keys below it are branch numbers, not fields.
    const end = ctx.findIndex((c) => c.type instanceof t.UnionType)
    const upto = end === -1 ? ctx : ctx.slice(0, end + 1)
    const field = upto.map((c) => c.key).filter((k) => k !== '').join('.')
    const last = upto.at(-1)
    return E.left(valuesFileError(path, `loadValues: ${path}: field '${field || '(root)'}' has ${JSON.stringify(last?.actual)?.slice(0, 60)}, expected ${last?.type.name ?? 'a kiln-values file'}`))
  }
  try {
    return E.right({ params: toTree(decoded.right.params), state: toTree(decoded.right.state) })
  } catch (e) {
    return E.left(valuesFileError(path, `loadValues: ${path}: ${(e as Error).message}`))
  }
}
