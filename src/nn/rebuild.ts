/**
 * Rebuilding a model from its config (`layer.config`, see `./config.js`): each built-in constructor is
 * called again with the recorded arguments, initializers are looked up by name, and custom layers come
 * from a registry the caller passes. The constructors check their arguments as they always do, so a
 * config from a file is held to the same rules as code.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { closestName, hasOwn } from '../options.js'
import { isInitializerConfig, type ConfigValue, type LayerConfig } from './config.js'
import { layers } from './catalog.js'
import * as init from './init.js'
import type { Initializer } from './init.js'
import { named, type Layer } from './layer.js'
import { sequential } from './sequential.js'
import { functionalFromConfig } from './functional-model.js'

/** Custom layer constructors by the name their layers are saved under, called with the saved arguments. */
export type LayerRegistry = Readonly<Record<string, (...args: readonly ConfigValue[]) => Layer>>

/** Builds an initializer from its saved arguments (each checks them and throws when they are wrong). */
const INITIALIZERS: Readonly<Record<string, (args: readonly number[]) => Initializer>> = {
  zeros: () => init.zeros,
  ones: () => init.ones,
  constant: ([v]) => init.constantInit(v!),
  uniform: ([lo, hi]) => init.uniformInit(lo!, hi!),
  normal: ([std]) => init.normalInit(std!),
  truncatedNormal: ([std]) => init.truncatedNormalInit(std!),
  glorotUniform: () => init.glorotUniform,
  glorotNormal: () => init.glorotNormal,
  heUniform: () => init.heUniform,
  heNormal: () => init.heNormal,
  lecunUniform: () => init.lecunUniform,
  lecunNormal: () => init.lecunNormal,
}

/** An initializer that was a custom function: values come from the file, but initializing again cannot. */
const unsaved = (name: string): Initializer => () => {
  throw new Error(`this layer's initializer was a custom function${name === '' ? '' : ` ('${name}')`}, which a model file cannot hold; pass the layer's options again to initialize it`)
}

const initializerFrom = (v: { readonly initializer: string; readonly args?: ConfigValue; readonly name?: ConfigValue }): Initializer => {
  if (v.initializer === 'custom') return unsaved(typeof v.name === 'string' ? v.name : '')
  if (!hasOwn(INITIALIZERS, v.initializer)) {
    const near = closestName(v.initializer, Object.keys(INITIALIZERS))
    throw new RangeError(`unknown initializer '${v.initializer}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`)
  }
  const args = v.args ?? []
  if (!Array.isArray(args) || !args.every((a): a is number => typeof a === 'number')) throw new TypeError(`initializer '${v.initializer}': args must be an array of numbers`)
  return INITIALIZERS[v.initializer]!(args)
}

/** A saved argument with its initializers made functions again (they sit in option objects). */
const revive = (v: ConfigValue): unknown => {
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return v.map(revive)
  if (isInitializerConfig(v)) return initializerFrom(v)
  // fromEntries defines keys (a `__proto__` key stays a key); the constructors then refuse unknown ones.
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]))
}

/**
 * The built-in constructors under their config names: the `layers` namespace. Arguments are passed as
 * revived; each constructor checks kinds and ranges at run time (the same checks a call in code gets),
 * which is why the loose call below is sound.
 */
const BUILT_IN: Readonly<Record<string, (...args: never[]) => Layer>> = layers

/**
 * The names of the built-in layers a config may name (besides `sequential`).
 * @example
 * import { builtInLayerNames } from 'kiln'
 * builtInLayerNames().includes('conv2d') // true
 */
export const builtInLayerNames = (): readonly string[] => Object.keys(BUILT_IN)

const call = (f: (...args: never[]) => Layer, args: readonly unknown[]): Layer => (f as (...a: readonly unknown[]) => Layer)(...args)

const build = (config: LayerConfig, registry: LayerRegistry, path: string): Layer => {
  const layer = buildUnnamed(config, registry, path)
  return config.label === undefined ? layer : wrap(path, config.type, () => named(layer, config.label!))
}

const buildUnnamed = (config: LayerConfig, registry: LayerRegistry, path: string): Layer => {
  const { type } = config
  if (type === 'sequential' || type === 'functional') {
    const children = (config.layers ?? []).map((c, i) => build(c, registry, `${path}.layers.${i}`))
    if (type === 'sequential') return wrap(path, type, () => sequential(...children))
    const model = functionalFromConfig(config.args[0], children)
    if (E.isLeft(model)) throw new RangeError(`${path}: ${model.left}`)
    return model.right
  }
  // A registered custom layer wins over a built-in of the same name: the caller asked for it.
  if (hasOwn(registry, type)) return wrap(path, type, () => registry[type]!(...config.args))
  if (hasOwn(BUILT_IN, type)) return wrap(path, type, () => call(BUILT_IN[type]!, config.args.map(revive)))
  const known = [...builtInLayerNames(), ...Object.keys(registry)]
  const near = closestName(type, known)
  throw new RangeError(
    `${path}: unknown layer '${type}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; known layers: ${known.join(', ')}. ` +
      'A custom layer (defineLayer) is rebuilt from the registry passed as the layers option: { layers: { ' + `${type}: (...args) => myLayer(...args) } }`,
  )
}

const wrap = (path: string, type: string, make: () => Layer): Layer => {
  try {
    return make()
  } catch (e) {
    throw new RangeError(`${path} (${type}): ${(e as Error).message}`)
  }
}

/**
 * Builds the layer a config describes, or says why not (an unknown layer names the known ones; bad
 * arguments give the constructor's own message, prefixed with where the layer sits).
 * @example
 * import { layerFromConfig, sequential, dense, layers, key } from 'kiln'
 * const net = sequential(dense(4, { activation: 'relu' }), layers.dropout(0.1), dense(2))
 * const back = layerFromConfig(net.config!)
 * back._tag === 'Right' && back.right.init(key(0), [1, 3]).outputShape // [1, 2]
 * const bad = layerFromConfig({ type: 'sequential', args: [], layers: [{ type: 'dens', args: [3] }] })
 * bad._tag === 'Left' && bad.left.startsWith("architecture.layers.0: unknown layer 'dens' (did you mean 'dense'?)") // true
 */
export const layerFromConfig = (config: LayerConfig, registry: LayerRegistry = {}, path = 'architecture'): E.Either<string, Layer> => {
  try {
    return E.right(build(config, registry, path))
  } catch (e) {
    return E.left((e as Error).message)
  }
}

/**
 * A registry rebuilding the custom layers (those without a config) of `model` as themselves: enough to
 * read a file written for this very model, such as a checkpoint to resume.
 * @example
 * import { registryOf, sequential, dense, defineLayer } from 'kiln'
 * const mine = defineLayer('mine', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: x, state: ctx.state }))
 * Object.keys(registryOf(sequential(dense(2), mine))) // ['mine']
 */
export const registryOf = (model: Layer): LayerRegistry => {
  const out: Record<string, () => Layer> = {}
  const walk = (l: Layer): void => {
    if (l.config === undefined) out[l.name] = () => l
    l.children?.forEach(walk)
    l.graph?.layers.forEach((g) => walk(g.layer))
  }
  walk(model)
  return out
}
