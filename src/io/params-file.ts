/**
 * The trained-values file format: JSON of named float64 arrays (parameters and layer state), validated
 * with io-ts on load. This module converts values to and from text, so it runs anywhere; `kiln/node`
 * saves and loads files (`saveValues`, `loadValues`). Numbers are written with JavaScript's shortest round-trip form, so values
 * come back bit-identical; NaN, infinities and -0 are written as strings.
 *
 * A values file holds at most `MAX_VALUES_TEXT_BYTES` of JSON (see there why); larger models need a
 * binary format. Paths from a file build null-prototype trees and may not use `__proto__`,
 * `prototype` or `constructor` as a segment.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { decodeText, isGzip } from '../data/gzip.js'
import { flattenParams, unflatten, type ParamValues } from '../nn/tree.js'
import { ArgumentError, describeValue, optionKeys, optionsProblem } from '../options.js'
import { encodedLength, MAX_VALUES_TEXT_BYTES, textLimitProblem, tooLong } from './values-size.js'

export { MAX_VALUES_TEXT_BYTES } from './values-size.js'

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
// Values are written in slices so that no single string passes V8's limit before the size check runs.
const SLICE = 1 << 16

/** Options of `encodeValues` and `decodeValues`. */
export interface ValuesTextOptions {
  /** The most bytes of JSON text to write or read (after gunzip); default and maximum `MAX_VALUES_TEXT_BYTES`. */
  readonly maxTextBytes?: number
}
const TEXT_KEYS = optionKeys<ValuesTextOptions>()(['maxTextBytes'])

/** Appends `"path":{"values":[...]}` entries to `out`, stopping (false) as soon as the text passes `max` bytes. */
const encodeRecord = (tree: ParamValues, out: string[], size: { bytes: number }, max: number): boolean => {
  let first = true
  for (const [path, v] of flattenParams(tree)) {
    const head = `${first ? '' : ','}${JSON.stringify(path)}:{"values":[`
    out.push(head)
    size.bytes += encodedLength(head) + 2
    for (let at = 0; at < v.length; at += SLICE) {
      const part = JSON.stringify(Array.from(v.subarray(at, Math.min(v.length, at + SLICE)), enc))
      out.push(at === 0 ? part.slice(1, -1) : `,${part.slice(1, -1)}`)
      size.bytes += part.length - (at === 0 ? 2 : 1)
      if (size.bytes > max) return false
    }
    out.push(']}')
    first = false
  }
  return size.bytes <= max
}

/**
 * Serializes trained values to the file format's JSON text. Values that need more than
 * `maxTextBytes` of text (default `MAX_VALUES_TEXT_BYTES`, about 14 million parameters of full
 * precision) throw an `ArgumentError` naming the parameter count and the limit, found before the
 * whole text is built.
 * @example
 * import { encodeValues } from 'kiln'
 * encodeValues({ params: { w: Float64Array.of(1, NaN) }, state: {} }) // '{"format":"kiln-values","version":1,"params":{"w":{"values":[1,"NaN"]}},"state":{}}'
 * try { encodeValues({ params: { w: new Float64Array(100) }, state: {} }, { maxTextBytes: 100 }) } catch (e) { (e as Error).message } // 'encodeValues: values: 100 parameters need more than 100 bytes of JSON (maxTextBytes); save a model this large in a binary format (a model file: saveModel or encodeModel)'
 */
export const encodeValues = (v: SavedValues, options: ValuesTextOptions = {}): string => {
  const bad = optionsProblem('encodeValues', options, TEXT_KEYS) ?? textLimitProblem('encodeValues', options.maxTextBytes)
  if (bad !== undefined) throw bad
  const max = options.maxTextBytes ?? MAX_VALUES_TEXT_BYTES
  const count = [v.params, v.state].reduce((n, tree) => n + flattenParams(tree).reduce((m, [, x]) => m + x.length, 0), 0)
  const out = ['{"format":"kiln-values","version":1,"params":{']
  const size = { bytes: out[0]!.length + '},"state":{}}'.length }
  // Each number takes at least 2 bytes (a digit and a comma), so some counts fail without formatting anything.
  const fits = (): boolean => {
    if (2 * count - 1 > max || !encodeRecord(v.params, out, size, max)) return false
    out.push('},"state":{')
    return encodeRecord(v.state, out, size, max)
  }
  if (!fits()) throw new ArgumentError('encodeValues', 'values', tooLong(`${count} parameters need`, max))
  out.push('}}')
  return out.join('')
}

/** Counts `{`, `[` and `:` (also inside strings: an over-count only refuses sooner). */
const structures = (text: string, max: number): number => {
  let n = 0
  for (let i = 0; i < text.length && n <= max; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x7b || c === 0x5b || c === 0x3a) n++
  }
  return n
}

/**
 * The most objects, arrays and keys a values-file text may have (an object, an array and two keys
 * per entry): a text of millions of tiny containers takes gigabytes to parse, far past a real model.
 * @example
 * import { MAX_VALUES_STRUCTURES } from 'kiln'
 * MAX_VALUES_STRUCTURES // 2 ** 20
 */
export const MAX_VALUES_STRUCTURES = 2 ** 20

/**
 * The JSON text of a values file if it is within `max` (bytes, after gunzip; a string counts its
 * UTF-16 units, which bound its tokens the same way), with few enough structures; else why not.
 */
const boundedText = (contents: string | Uint8Array, path: string, max: number): E.Either<ValuesFileError, string> => {
  const gzip = typeof contents !== 'string' && isGzip(contents)
  if (!gzip && contents.length > max)
    return E.left(valuesFileError(path, `loadValues: ${path}: ${tooLong(`the text is ${contents.length} ${typeof contents === 'string' ? 'characters' : 'bytes'},`, max)}`))
  const text = decodeText(contents, max)
  if (E.isLeft(text)) {
    // Past the bound, say which bound and what to do instead; other gzip problems keep their message.
    const over = gzip && text.left._tag === 'LimitError'
    return E.left(valuesFileError(path, `loadValues: ${path}: ${over ? tooLong('the gzipped text inflates to', max) : text.left.message}`))
  }
  if (structures(text.right, MAX_VALUES_STRUCTURES) > MAX_VALUES_STRUCTURES)
    return E.left(valuesFileError(path, `loadValues: ${path}: more than ${MAX_VALUES_STRUCTURES} objects, arrays and keys (MAX_VALUES_STRUCTURES); a values file has four per entry`))
  return text
}

/** A short description of the value io-ts refused (never the whole of a large object). */
const shortly = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v) : typeof v === 'number' ? String(v) : describeValue(v)

/** The first io-ts error as `field 'params.w.values.1' has "x", expected ...`. */
const fieldProblem = (errors: t.Errors): string => {
  const ctx = errors[0]?.context ?? []
  // Stop at a union: the keys below it are branch numbers, not fields.
  const end = ctx.findIndex((c) => c.type instanceof t.UnionType)
  const upto = end === -1 ? ctx : ctx.slice(0, end + 1)
  const field = upto.map((c) => c.key).filter((k) => k !== '').join('.')
  const last = upto.at(-1)
  return `field '${field || '(root)'}' has ${shortly(last?.actual)}, expected ${last?.type.name ?? 'a kiln-values file'}`
}

const toTree = (part: string, rec: Readonly<Record<string, { values: readonly (number | string)[] }>>): ParamValues => {
  try {
    return unflatten(Object.entries(rec).map(([p, e]) => [p, Float64Array.from(e.values, dec)] as const))
  } catch (e) {
    throw new Error(`${part}: ${(e as Error).message}`)
  }
}

/**
 * Parses and validates a values file's text or bytes (UTF-8, gunzipped first when gzip), such as a
 * file a browser fetched; a bad field or path is named. Text over `maxTextBytes` (default and
 * maximum `MAX_VALUES_TEXT_BYTES`, after gunzip) is refused before it is parsed.
 * @example
 * import { decodeValues, encodeValues } from 'kiln'
 * import * as E from 'fp-ts/lib/Either.js'
 * E.isLeft(decodeValues('{"format":"kiln-values","version":2}')) // true
 * const bytes = new TextEncoder().encode(encodeValues({ params: { w: Float64Array.of(2) }, state: {} }))
 * decodeValues(bytes) // { _tag: 'Right', right: { params: { w: [2] }, state: {} } }
 * const evil = '{"format":"kiln-values","version":1,"params":{"__proto__.x":{"values":[1]}},"state":{}}'
 * E.isLeft(decodeValues(evil, 'evil.json')) // true
 */
export const decodeValues = (contents: string | Uint8Array, path = '<text>', options: ValuesTextOptions = {}): E.Either<ValuesFileError, SavedValues> => {
  const bad = optionsProblem('decodeValues', options, TEXT_KEYS) ?? textLimitProblem('decodeValues', options.maxTextBytes)
  if (bad !== undefined) return E.left(valuesFileError(path, bad.message))
  const text = boundedText(contents, path, options.maxTextBytes ?? MAX_VALUES_TEXT_BYTES)
  if (E.isLeft(text)) return text
  let raw: unknown
  try {
    raw = JSON.parse(text.right)
  } catch (e) {
    return E.left(valuesFileError(path, `loadValues: ${path} is not JSON: ${(e as Error).message}`))
  }
  const decoded = ValuesFile.decode(raw)
  if (E.isLeft(decoded)) return E.left(valuesFileError(path, `loadValues: ${path}: ${fieldProblem(decoded.left)}`))
  try {
    return E.right({ params: toTree('params', decoded.right.params), state: toTree('state', decoded.right.state) })
  } catch (e) {
    return E.left(valuesFileError(path, `loadValues: ${path}: ${(e as Error).message}`))
  }
}
