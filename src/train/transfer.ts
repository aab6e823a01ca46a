/**
 * Transfer learning: reusing trained values in a new model and freezing them.
 *
 * Names line up by position: `sequential` keys each layer's values `${layer.name}${index}`, so a new
 * `sequential` that repeats the first layers of a trained one (same kinds, same sizes, same order) has the
 * same paths for them (`dense0.w`, `batchNorm1.mean`, `dense3.b`), and only the head differs. Take the
 * reused layers' values with `pickValues`, put them over the new model's initial values with
 * `mergeValues` (or both at once for parameters and state with `transferValues`), and pass the result
 * as `fit`'s `initial` with the same prefixes as `freeze`.
 *
 * A path prefix names a whole subtree: `dense0` is `dense0.w` and `dense0.b`; `dense0.w` is that leaf.
 * @module
 */
import { flattenParams, TreeError, unflatten, type ParamValues } from '../nn/tree.js'

/** Frozen parameters: dotted paths or prefixes (`['dense0', 'dense2.w']`), or a test on each dotted path. */
export type Freeze = readonly string[] | ((path: string) => boolean)

/**
 * True when `prefix` names `path` or a subtree holding it (`dense0` covers `dense0.w`, not `dense01.w`).
 * @example
 * import { coversPath } from './transfer.js'
 * coversPath('dense0', 'dense0.w') // true
 * coversPath('dense0', 'dense01.w') // false
 */
export const coversPath = (prefix: string, path: string): boolean => path === prefix || path.startsWith(`${prefix}.`)

/**
 * The test `path => frozen` for a `freeze` option (a list means: covered by one of its prefixes).
 * @example
 * import { frozenBy } from './transfer.js'
 * const frozen = frozenBy(['dense0'])
 * frozen('dense0.w') // true
 * frozen('dense2.w') // false
 */
export const frozenBy = (freeze: Freeze): ((path: string) => boolean) =>
  typeof freeze === 'function' ? freeze : (path) => freeze.some((prefix) => coversPath(prefix, path))

/**
 * The prefixes of `prefixes` that cover none of `paths` (typos, or layers the model does not have).
 * @example
 * import { unknownPrefixes } from './transfer.js'
 * unknownPrefixes(['dense0', 'dense9', 'dense0.x'], ['dense0.w', 'dense0.b']) // ['dense9', 'dense0.x']
 */
export const unknownPrefixes = (prefixes: readonly string[], paths: readonly string[]): string[] =>
  prefixes.filter((prefix) => !paths.some((path) => coversPath(prefix, path)))

const listPaths = (paths: readonly string[]): string => paths.map((p) => `'${p}'`).join(', ') || 'none'

/**
 * The leaves of `values` under any of `prefixes`, as a tree with the same paths. A prefix covering no
 * leaf throws a `TreeError` naming it and listing the paths there are.
 * @example
 * import { pickValues } from './transfer.js'
 * const trained = { dense0: { w: Float64Array.of(1), b: Float64Array.of(2) }, dense2: { w: Float64Array.of(3) } }
 * pickValues(trained, ['dense0']) // { dense0: { w: Float64Array.of(1), b: Float64Array.of(2) } }
 */
export const pickValues = (values: ParamValues, prefixes: readonly string[], who = 'pickValues'): ParamValues => {
  const entries = flattenParams(values)
  const paths = entries.map(([p]) => p)
  const unknown = unknownPrefixes(prefixes, paths)
  if (unknown.length > 0) throw new TreeError(unknown[0]!, `${who}: ${listPaths(unknown)} name${unknown.length === 1 ? 's' : ''} no values; the paths are ${listPaths(paths)}`)
  return unflatten(entries.filter(([p]) => prefixes.some((prefix) => coversPath(prefix, p))))
}

/**
 * `base` with the leaves of `override` put in place (copies of both, so neither input is shared). Every
 * path of `override` must exist in `base` with the same number of values, else a `TreeError` names it.
 * @example
 * import { mergeValues } from './transfer.js'
 * const fresh = { dense0: { w: Float64Array.of(0, 0) }, dense2: { w: Float64Array.of(0) } }
 * mergeValues(fresh, { dense0: { w: Float64Array.of(5, 6) } }) // { dense0: { w: Float64Array.of(5, 6) }, dense2: { w: Float64Array.of(0) } }
 */
export const mergeValues = (base: ParamValues, override: ParamValues, who = 'mergeValues'): ParamValues => {
  const own = flattenParams(base)
  const sizes = new Map(own.map(([p, v]) => [p, v.length]))
  const given = new Map(flattenParams(override))
  for (const [path, v] of given) {
    const n = sizes.get(path)
    if (n === undefined) throw new TreeError(path, `${who}: '${path}' is not a path of the new model; its paths are ${listPaths([...sizes.keys()])}`)
    if (v.length !== n) throw new TreeError(path, `${who}: '${path}' has ${v.length} values, the new model needs ${n} (a layer of another size?)`)
  }
  return unflatten(own.map(([p, v]) => [p, (given.get(p) ?? v).slice()] as const))
}

/** Parameters and layer state: what `fit` returns, `saveValues` writes and `fit`'s `initial` takes. */
export interface ModelValues {
  readonly params: ParamValues
  readonly state: ParamValues
}

/**
 * Values for a new model: its own initial values `into`, with the parameters and layer state of the
 * layers under `prefixes` taken from the trained `from`. Every prefix must name parameters in both
 * models; state is taken where those layers have some (batch-norm running statistics).
 * @example
 * import { sequential, dense, layers, key } from 'kiln'
 * import { transferValues } from './transfer.js'
 * const old = sequential(dense(8), layers.relu(), dense(5)).init(key(0), [1, 4])
 * const fresh = sequential(dense(8), layers.relu(), dense(3)).init(key(1), [1, 4])
 * const start = transferValues(old, fresh, ['dense0'])
 * start.params.dense0 // old.params.dense0
 * start.params.dense2 // fresh.params.dense2
 */
export const transferValues = (from: ModelValues, into: ModelValues, prefixes: readonly string[]): ModelValues => {
  const params = mergeValues(into.params, pickValues(from.params, prefixes, 'transferValues (trained params)'), 'transferValues (params)')
  const state = flattenParams(from.state).filter(([p]) => prefixes.some((prefix) => coversPath(prefix, p)))
  return { params, state: mergeValues(into.state, unflatten(state), 'transferValues (state)') }
}
