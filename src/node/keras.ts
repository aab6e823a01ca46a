/**
 * Keras 2 HDF5 weights (`model.save_weights('w.h5')`, or `model.save('m.h5')` with the same under the group
 * `model_weights`) loaded into a Kiln model, layer by layer in order. The file is read through `withH5File`
 * (`./hdf5.js`), so h5wasm is an optional dependency here too.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { dataError, type DataError } from '../data/error.js'
import type { Layer, Var } from '../nn/layer.js'
import { flattenParams, mapParams, type ParamValues, type Tree } from '../nn/tree.js'
import { describeValue, numberList, optionsProblem } from '../options.js'
import { fmt, shapeEq, type Shape } from '../shape.js'
import type { FileSizeOptions } from './files.js'
import { datasetAt, listNames, withH5File, type H5File, type H5Numbers, type H5Value } from './hdf5.js'

/** What `loadKerasWeights` gives: the model's parameter and state values, and the Keras weights stored as float32. */
export interface KerasWeights {
  /** Parameter values shaped like the model's (`dense0.w`, `dense0.b`, `batchNorm1.gamma`, ...). */
  readonly params: ParamValues
  /** State values (`batchNorm1.mean`, `batchNorm1.var`: Keras' moving mean and variance). */
  readonly state: ParamValues
  /** The Keras weights (`dense/kernel:0`) stored as float32, widened to float64 exactly. */
  readonly converted: readonly string[]
}

/** One Kiln layer with parameters: its path in the trees, the kind Keras weights map onto, the expected shapes. */
interface Slot {
  readonly path: string
  readonly kind: 'kernel' | 'batchNorm'
  readonly shapes: ReadonlyMap<string, Shape>
}

/** One Keras weight: its name in the file (`dense/kernel:0`), its role (`kernel`) and its dataset's path. */
interface KerasWeight {
  readonly name: string
  readonly role: string
  readonly path: string
}

/** One Keras layer with weights: its name and its weights, in the file's order. */
interface KerasLayer {
  readonly name: string
  readonly weights: readonly KerasWeight[]
}

/**
 * The Keras layer kinds Kiln reads: each Keras role's Kiln name (the roles a kind may have), the roles
 * that tell the kind apart, and how messages name both sides.
 */
const KINDS = {
  kernel: { keys: new Map([['kernel', 'w'], ['bias', 'b']]), identifying: ['kernel'], keras: 'a Dense or Conv2D layer', kiln: 'dense or conv2d: w, b' },
  batchNorm: {
    keys: new Map([['gamma', 'gamma'], ['beta', 'beta'], ['moving_mean', 'mean'], ['moving_variance', 'var']]),
    identifying: ['moving_mean', 'moving_variance'],
    keras: 'a BatchNormalization layer',
    kiln: 'batchNorm: gamma, beta; state mean, var',
  },
} as const
type Kind = keyof typeof KINDS

/** A Keras layer of a kind Kiln reads, each weight with the key of its Kiln value (`w`, `mean`). */
interface KindedLayer {
  readonly name: string
  readonly kind: Kind
  readonly weights: readonly (KerasWeight & { readonly key: string })[]
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`
const SUPPORTED = 'Kiln maps Dense and Conv2D (kernel, bias) onto dense and conv2d (w, b), and BatchNormalization (gamma, beta, moving_mean, moving_variance) onto batchNorm (gamma, beta; state mean, var)'

const child = (group: string, name: string): string => (group === '' ? name : `${group}/${name}`)
const dotted = (prefix: string, key: string): string => (prefix === '' ? key : `${prefix}.${key}`)
const label = (path: string): string => (path === '' ? 'the model' : `'${path}'`)

/** The leaves of a `Var` tree by the dotted path of the record holding them (a layer's path, `''` for a lone layer), in order. */
const groups = (tree: Tree<Var>): Map<string, Map<string, Var>> => {
  const out = new Map<string, Map<string, Var>>()
  for (const [path, v] of flattenParams(tree)) {
    const cut = path.lastIndexOf('.')
    const layer = cut < 0 ? '' : path.slice(0, cut)
    out.set(layer, (out.get(layer) ?? new Map<string, Var>()).set(path.slice(cut + 1), v))
  }
  return out
}

const sameKeys = (m: ReadonlyMap<string, unknown> | undefined, keys: readonly string[]): boolean =>
  m !== undefined && m.size === keys.length && keys.every((k) => m.has(k))

/** The Kiln layers with parameters, in order, and the values' shape trees. */
const kilnSlots = (model: Layer, featureShape: readonly number[]): E.Either<DataError, { readonly slots: readonly Slot[]; readonly params: Tree<Var>; readonly state: Tree<Var> }> => {
  const specified = E.tryCatch(() => model.spec([1, ...featureShape]), (e) =>
    dataError.options('featureShape', `loadKerasWeights: featureShape: the model does not take inputs of shape ${fmt([1, ...featureShape])}: ${e instanceof Error ? e.message : String(e)}`))
  if (E.isLeft(specified)) return specified
  const spec = specified.right
  const state = groups(spec.state)
  const slots: Slot[] = []
  for (const [path, vars] of groups(spec.params)) {
    const st = state.get(path)
    state.delete(path)
    const shapes = new Map([...vars, ...(st ?? [])].map(([k, v]) => [k, v.shape]))
    if (st === undefined && vars.has('w') && (vars.size === 1 || sameKeys(vars, ['w', 'b']))) slots.push({ path, kind: 'kernel', shapes })
    else if (sameKeys(vars, ['gamma', 'beta']) && sameKeys(st, ['mean', 'var'])) slots.push({ path, kind: 'batchNorm', shapes })
    else return E.left(dataError.options('model', `loadKerasWeights: Kiln layer ${label(path)} has ${[...vars.keys()].join(', ')}${st === undefined ? '' : ` (state ${[...st.keys()].join(', ')})`}, which no Keras weights map onto; ${SUPPORTED}`))
  }
  const rest = [...state.keys()]
  if (rest.length > 0) return E.left(dataError.options('model', `loadKerasWeights: Kiln layer ${label(rest[0]!)} has state but no parameters, which no Keras weights map onto; ${SUPPORTED}`))
  return E.right({ slots, params: spec.params, state: spec.state })
}

/** A name-list attribute, also when Keras split a long one into `name0`, `name1`, ...; h5py stores an empty list as an empty float array. */
const namesAttribute = (file: H5File, path: string, name: string): E.Either<DataError, readonly string[] | undefined> => {
  const attrs = file.attributes(path)
  const parts = attrs.includes(name) ? [name] : Array.from({ length: attrs.filter((a) => new RegExp(`^${name}\\d+$`).test(a)).length }, (_, i) => `${name}${i}`)
  if (parts.length === 0) return E.right(undefined)
  const out: string[] = []
  for (const part of parts) {
    const v: E.Either<DataError, H5Value> = file.read(path, part)
    if (E.isLeft(v)) return v
    if (v.right.kind === 'strings') out.push(...v.right.values)
    else if (v.right.values.length > 0) return E.left(dataError.format(`${path === '' ? '/' : path} attribute ${part}: expected names (strings), got ${v.right.dtype} numbers`))
  }
  return E.right(out)
}

/** The Keras layers with weights, in model order; weights under one name prefix each (a nested model's group holds several layers). */
const kerasLayers = (file: H5File): E.Either<DataError, readonly KerasLayer[]> => {
  const root = file.attributes('').some((a) => /^layer_names\d*$/.test(a)) ? '' : file.kind('model_weights') === 'group' ? 'model_weights' : undefined
  const names = root === undefined ? E.right(undefined) : namesAttribute(file, root, 'layer_names')
  if (E.isLeft(names)) return names
  if (root === undefined || names.right === undefined)
    return E.left(dataError.format(`not a Keras 2 HDF5 weights file: no attribute layer_names at the root or in a group model_weights (the root has ${listNames(file.members(''))}; Keras 3's .weights.h5 layout is not read)`))
  const layers: KerasLayer[] = []
  for (const name of names.right) {
    const group = child(root, name)
    if (file.kind(group) !== 'group') return E.left(dataError.format(`layer_names lists '${name}' but the file has no group ${group}`))
    const weights = namesAttribute(file, group, 'weight_names')
    if (E.isLeft(weights)) return weights
    if (weights.right === undefined) return E.left(dataError.format(`${group}: the Keras layer '${name}' has no attribute weight_names`))
    for (const w of weights.right) {
      const cut = w.lastIndexOf('/')
      const prefix = cut < 0 ? name : w.slice(0, cut)
      const layerName = prefix === name || cut < 0 ? name : `${name}/${prefix}`
      const entry = { name: w, role: w.slice(cut + 1).replace(/:\d+$/, ''), path: child(group, w) }
      const last = layers.at(-1)
      if (last !== undefined && last.name === layerName && !last.weights.some((x) => x.role === entry.role)) layers[layers.length - 1] = { name: layerName, weights: [...last.weights, entry] }
      else layers.push({ name: layerName, weights: [entry] })
    }
  }
  return E.right(layers)
}

/** The kind of a Keras layer (every role one of the kind's, the identifying ones all there), or a `Left` naming its weights. */
const kindOf = (layer: KerasLayer): E.Either<DataError, KindedLayer> => {
  const roles = layer.weights.map((w) => w.role)
  for (const kind of ['kernel', 'batchNorm'] as const) {
    const { keys, identifying } = KINDS[kind]
    const weights = layer.weights.flatMap((w) => {
      const key = keys.get(w.role)
      return key === undefined ? [] : [{ ...w, key }]
    })
    if (weights.length === roles.length && identifying.every((r) => roles.includes(r))) return E.right({ name: layer.name, kind, weights })
  }
  return E.left(dataError.format(`Keras layer '${layer.name}' has weights ${layer.weights.map((w) => w.name).join(', ')}, which no Kiln layer takes; ${SUPPORTED}`))
}

/** Why a Keras layer and the Kiln layer it pairs with (the `i`-th of each) do not hold the same weights, or undefined. */
const mismatch = (layer: KindedLayer, slot: Slot, i: number): DataError | undefined => {
  if (layer.kind !== slot.kind)
    return dataError.format(`Keras layer '${layer.name}' (${KINDS[layer.kind].keras}: ${[...KINDS[layer.kind].keys.keys()].join(', ')}) pairs with Kiln layer ${label(slot.path)} (${KINDS[slot.kind].kiln}): layer ${i + 1} with weights on both sides must be of the same kind`)
  const keys = new Set(layer.weights.map((w) => w.key))
  if (layer.kind === 'kernel' && keys.has('b') !== slot.shapes.has('b'))
    return dataError.format(keys.has('b')
      ? `Keras layer '${layer.name}' has a bias but Kiln layer ${label(slot.path)} has none (built with bias: false)`
      : `Kiln layer ${label(slot.path)} has a bias b but Keras layer '${layer.name}' has none (use_bias=False): build it with { bias: false }`)
  const missing = layer.kind === 'batchNorm' ? ['gamma', 'beta'].filter((k) => !keys.has(k)) : []
  if (missing.length > 0)
    return dataError.format(`Keras layer '${layer.name}' has no ${missing.join(' and ')} (built with ${missing.map((m) => (m === 'gamma' ? 'scale=False' : 'center=False')).join(', ')}); Kiln's batchNorm always has gamma and beta`)
  return undefined
}

/** Reads one Keras weight for `slot`: float32 or float64 numbers of the shape Kiln expects, all finite. */
const weightValue = (file: H5File, layer: KindedLayer, w: KindedLayer['weights'][number], slot: Slot): E.Either<DataError, H5Numbers> => {
  const v = datasetAt(file, w.path)
  if (E.isLeft(v)) return v
  const value = v.right
  if (value.kind !== 'numbers' || (value.dtype !== 'float32' && value.dtype !== 'float64'))
    return E.left(dataError.format(`Keras weight ${w.name} of layer '${layer.name}': expected float32 or float64 values, got ${value.kind === 'numbers' ? value.dtype : 'strings'}`))
  const expected = slot.shapes.get(w.key)
  if (expected === undefined || !shapeEq(value.shape, expected))
    return E.left(dataError.format(`Keras weight ${w.name} of layer '${layer.name}' has shape ${fmt(value.shape)}, but Kiln layer ${label(slot.path)} ${expected === undefined ? `has no ${w.key}` : `expects ${w.key} of shape ${fmt(expected)}`}`))
  const bad = value.values.findIndex((x) => !Number.isFinite(x))
  if (bad >= 0) return E.left(dataError.format(`Keras weight ${w.name} of layer '${layer.name}': element ${bad} is ${value.values[bad]}, not a finite number`))
  return E.right(value)
}

/** Pairs Keras layers with Kiln slots in order and reads every weight, by dotted Kiln path. */
const pairUp = (file: H5File, layers: readonly KerasLayer[], slots: readonly Slot[]): E.Either<DataError, { readonly values: ReadonlyMap<string, Float64Array>; readonly converted: readonly string[] }> => {
  const kinded = E.traverseArray(kindOf)(layers)
  if (E.isLeft(kinded)) return kinded
  if (layers.length !== slots.length)
    return E.left(dataError.format(`the file has ${count(layers.length, 'Keras layer')} with weights (${listNames(layers.map((l) => l.name))}) but the model has ${count(slots.length, 'layer')} with parameters (${listNames(slots.map((s) => s.path || 'the model'))}); they pair up one to one, in order`))
  const values = new Map<string, Float64Array>()
  const converted: string[] = []
  for (const [i, layer] of kinded.right.entries()) {
    const slot = slots[i]!
    const bad = mismatch(layer, slot, i)
    if (bad !== undefined) return E.left(bad)
    for (const w of layer.weights) {
      const v = weightValue(file, layer, w, slot)
      if (E.isLeft(v)) return v
      if (v.right.dtype === 'float32') converted.push(w.name)
      values.set(dotted(slot.path, w.key), v.right.values)
    }
  }
  return E.right({ values, converted })
}

/**
 * Loads the weights of a Keras 2 HDF5 file into a Kiln model (`sequential`, or one layer): the Keras
 * layers that have weights pair up, in order, with the model's layers that have parameters. Dense and
 * Conv2D kernels are `[in, out]` and `[kh, kw, in, out]` as Kiln's `w` (channels last, so a Keras
 * `Flatten` after convolutions flattens in Kiln's order too), biases are `b`; BatchNormalization's gamma,
 * beta, moving mean and moving variance become `gamma`, `beta` and the state `mean`, `var`. Keras'
 * BatchNormalization defaults differ from `batchNorm`'s: epsilon 1e-3 (build `batchNorm({ eps: 1e-3 })`
 * for the same outputs) and momentum 0.99 (same convention as Kiln's 0.9: pass `momentum: 0.99` to keep
 * training as Keras would). Activations and dropout rates are not weights: the Kiln model must repeat
 * them. float32 weights widen to float64 exactly (`converted` lists them). The file layouts read are
 * `save_weights` (root attribute `layer_names`; per layer a group with attribute `weight_names` and
 * the datasets `<layer>/<weight name>`) and `save` (the same under `model_weights`).
 *
 * Resolves to `{ params, state, converted }` (use them as `fit`'s `initial`, or with `model.leaves`
 * and `evaluate`), or to a `Left` naming the file and the Keras layer or weight: a different number of
 * layers with weights, a layer kind with no Kiln counterpart, a shape that differs (found and expected),
 * a missing or extra bias, a file that is not HDF5 or not Keras 2's layout, larger than `maxFileBytes`
 * (default 256 MiB), or a missing h5wasm (`npm install h5wasm`).
 * @example
 * import { sequential, dense, layers } from 'kiln'
 * import { loadKerasWeights } from 'kiln/node'
 * const model = sequential(dense(5, { activation: 'relu' }), layers.dropout(0.5), dense(3))
 * // const w = await loadKerasWeights('weights.h5', model, [4]): w.right.params.dense0.w is the first kernel [4, 5]
 * loadKerasWeights('/no/such/weights.h5', model, [4]) instanceof Promise // true
 */
export const loadKerasWeights = async (
  path: string,
  model: Layer,
  featureShape: readonly number[],
  options: FileSizeOptions = {},
): Promise<E.Either<DataError, KerasWeights>> => {
  if (typeof path !== 'string') return E.left(dataError.options('path', `loadKerasWeights: path: expected a file path, got ${describeValue(path)}`))
  const problem = optionsProblem('loadKerasWeights', options, ['maxFileBytes'])
  if (problem !== undefined) return E.left(dataError.options(problem.field, problem.message))
  if (typeof model !== 'object' || model === null || model._tag !== 'Layer')
    return E.left(dataError.options('model', `loadKerasWeights: model: expected a Kiln layer (sequential(...)), got ${describeValue(model)}`))
  let shape: number[]
  try {
    shape = numberList('loadKerasWeights', 'featureShape', featureShape, true)
  } catch (e) {
    return E.left(dataError.options('featureShape', e instanceof Error ? e.message : String(e)))
  }
  const kiln = kilnSlots(model, shape)
  if (E.isLeft(kiln)) return kiln
  const { slots, params, state } = kiln.right
  return withH5File('loadKerasWeights', path, options, (file) => {
    const layers = kerasLayers(file)
    if (E.isLeft(layers)) return layers
    const paired = pairUp(file, layers.right, slots)
    if (E.isLeft(paired)) return paired
    const { values, converted } = paired.right
    // pairUp read a value for every key of every slot (mismatch refuses a bias, gamma or beta on one side only).
    const fill = (tree: Tree<Var>): ParamValues => mapParams(tree, (_v, p) => values.get(p)!)
    return E.right({ params: fill(params), state: fill(state), converted })
  })
}
