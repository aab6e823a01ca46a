/**
 * Architectures as data: every built-in layer records the constructor that made it and the arguments
 * it was given (`layer.config`), as JSON-safe values, so a model file can hold the architecture and
 * `layerFromConfig` (in `./rebuild.js`) can build the same model again. Initializers are functions; the
 * built-in ones are registered here with their names and arguments so options holding them can be
 * written too. A custom layer (`defineLayer`) has no config: it is saved by its name and rebuilt from a
 * registry the caller passes, with the arguments it recorded through `configured` (none by default).
 * @module
 */
import * as t from 'io-ts'
import type { Initializer } from './init.js'

/** A JSON-safe value: finite numbers, strings, booleans, null, arrays and plain objects of them. */
export type ConfigValue = null | boolean | number | string | readonly ConfigValue[] | { readonly [k: string]: ConfigValue }

/** A layer as data: its constructor (`type`), the arguments given, and the layers of a container. */
export interface LayerConfig {
  readonly type: string
  readonly args: readonly ConfigValue[]
  /** The layers a container (`sequential`, `functional`) holds, in order. */
  readonly layers?: readonly LayerConfig[]
  /** The name the user gave the layer (`named`), its key in parameter trees. */
  readonly label?: string
}

const finite = new t.Type<number, number, unknown>(
  'finite number',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => (typeof u === 'number' && Number.isFinite(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

/**
 * The codec of `ConfigValue` (numbers must be finite: JSON has no NaN).
 * @example
 * import { ConfigValueCodec } from 'kiln'
 * ConfigValueCodec.is({ units: 3, init: { initializer: 'heNormal', args: [] } }) // true
 * ConfigValueCodec.is([1, NaN]) // false
 */
export const ConfigValueCodec: t.Type<ConfigValue> = t.recursion('ConfigValue', () =>
  t.union([t.null, t.boolean, finite, t.string, t.readonlyArray(ConfigValueCodec), t.record(t.string, ConfigValueCodec)]),
)

/**
 * The codec of `LayerConfig`.
 * @example
 * import { LayerConfigCodec } from 'kiln'
 * LayerConfigCodec.is({ type: 'sequential', args: [], layers: [{ type: 'dense', args: [3, {}] }] }) // true
 * LayerConfigCodec.is({ type: 'dense' }) // false
 */
export const LayerConfigCodec: t.Type<LayerConfig> = t.recursion('LayerConfig', () =>
  t.intersection([
    t.type({ type: t.string, args: t.readonlyArray(ConfigValueCodec) }),
    t.partial({ layers: t.readonlyArray(LayerConfigCodec), label: t.string }),
  ]),
)

/** How a named initializer is written: `{ initializer: 'constant', args: [0.1] }`. */
export interface InitializerConfig {
  readonly initializer: string
  readonly args: readonly number[]
}

const initializerConfigs = new WeakMap<Initializer, InitializerConfig>()

/**
 * Registers `f` as the initializer `name` built from `args`, so configs can name it (used by every
 * built-in initializer; `initializerConfig` reads it back).
 * @example
 * import { namedInitializer, initializerConfig, key } from 'kiln'
 * const half = namedInitializer('half', [], (_k, shape) => new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(0.5))
 * initializerConfig(half) // { initializer: 'half', args: [] }
 * half(key(0), [2]) // Float64Array.of(0.5, 0.5)
 */
export const namedInitializer = (name: string, args: readonly number[], f: Initializer): Initializer => {
  initializerConfigs.set(f, { initializer: name, args })
  return f
}

/**
 * The name and arguments of a registered initializer, or `custom` with the function's own name.
 * @example
 * import { initializerConfig, heNormal, initializers } from 'kiln'
 * initializerConfig(heNormal) // { initializer: 'heNormal', args: [] }
 * initializerConfig(initializers.uniform(-1, 1)) // { initializer: 'uniform', args: [-1, 1] }
 * initializerConfig(function mine() { return new Float64Array(0) }) // { initializer: 'custom', args: [], name: 'mine' }
 */
export const initializerConfig = (f: Initializer): InitializerConfig & { readonly name?: string } =>
  initializerConfigs.get(f) ?? { initializer: 'custom', args: [], name: f.name }

/**
 * Whether `v` is a written initializer (an object with a string `initializer`).
 * @example
 * import { isInitializerConfig } from 'kiln'
 * isInitializerConfig({ initializer: 'zeros', args: [] }) // true
 * isInitializerConfig({ units: 3 }) // false
 */
export const isInitializerConfig = (v: ConfigValue): v is { readonly initializer: string; readonly args?: ConfigValue; readonly name?: ConfigValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { readonly [k: string]: ConfigValue })['initializer'] === 'string'

/**
 * A constructor argument as config data: initializers by name, arrays and plain objects element by
 * element, `undefined` object fields dropped. A value that is none of these (a non-finite number, a
 * class instance) throws, naming `who`.
 * @example
 * import { toConfigValue, heNormal } from 'kiln'
 * toConfigValue({ init: heNormal, bias: false, stride: [2, 1] }, 'dense') // { init: { initializer: 'heNormal', args: [] }, bias: false, stride: [2, 1] }
 */
export const toConfigValue = (v: unknown, who: string): ConfigValue => {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`${who}: cannot record ${v} in a layer config (finite numbers only)`)
    return v
  }
  if (typeof v === 'function') return { ...initializerConfig(v as Initializer) }
  if (Array.isArray(v)) return v.map((x) => toConfigValue(x, who))
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, ConfigValue> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toConfigValue(x, who)
    return out
  }
  throw new TypeError(`${who}: cannot record ${typeof v === 'object' ? 'an object that is not plain data' : typeof v} in a layer config`)
}
