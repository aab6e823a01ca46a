/**
 * The layer abstraction (stax/Flax style, pure): a layer declares its parameters and state as shaped
 * variables for an input shape (`spec`), and `apply` maps parameter tensors, an input tensor and the
 * state tensors to an output tensor and the NEW state tensors. Nothing is mutated: running statistics
 * are outputs of the graph, fed back as inputs on the next step.
 *
 * Shapes are checked at run time (`spec` and `apply` throw `ShapeError`). Statically, `Layer<F>` carries a
 * phantom shape function `F` (see `./shapes.js`), so literal input shapes give literal output shapes;
 * plain `Layer` (`F = AnyShape`) gives `readonly number[]` and accepts every typed layer.
 * @module
 */
import { mul, slice } from '../api.js'
import { hasOwn } from '../options.js'
import { foldIn, type Key } from '../random/key.js'
import { fmt, ShapeError, shapeEq, type Shape } from '../shape.js'
import { type Tensor } from '../tensor.js'
import { keyTensor, uniformTensor } from '../make.js'
import type { Fans, Initializer } from './init.js'
import { toConfigValue, type LayerConfig } from './config.js'
import type { AnyShape, ApplyShape, ShapeFn } from './shapes.js'
import type { ModelGraph } from './functional.js'
import { flattenParams, inputLeaves, isSubtree, mapParams, paramLeaves, TreeError, type ParamValues, type Params, type Tree } from './tree.js'

/** A declared variable: its shape and how to initialize it (fans default to `fansOf(shape)`). */
export interface Var {
  readonly _tag: 'Var'
  readonly shape: Shape
  readonly init: Initializer
  readonly fans?: Fans
}

/**
 * Declares a variable.
 * @example
 * import { variable, zeros } from 'kiln'
 * variable([3], zeros).shape // [3]
 */
export const variable = (shape: Shape, init: Initializer, fans?: Fans): Var => ({ _tag: 'Var', shape, init, ...(fans === undefined ? {} : { fans }) })

/** What a layer declares for one input shape (`O`: the static output shape). */
export interface LayerSpec<O extends Shape = Shape> {
  readonly params: Tree<Var>
  readonly state: Tree<Var>
  readonly outputShape: O
}

/** The context of `apply`: the mode, the dropout key (a `Key`, or a `[2]` tensor of uint32 words), the state. */
export interface ApplyContext {
  readonly training: boolean
  readonly key?: Key | Tensor
  readonly state: Params
}

/** The result of `apply`: the output and the new state tensors (the old ones when nothing changed). */
export interface Applied<O extends Shape = Shape> {
  readonly y: Tensor<O>
  readonly state: Params
}

/** Concrete initial values of a layer. */
export interface Variables<O extends Shape = Shape> {
  readonly params: ParamValues
  readonly state: ParamValues
  readonly outputShape: O
}

/** The symbolic leaves of a layer: `param` leaves for parameters, `input` leaves for state. */
export interface Leaves<O extends Shape = Shape> {
  readonly params: Params
  readonly state: Params
  readonly outputShape: O
}

/**
 * A layer: a name, a declaration of its variables, and a pure `apply`. `F` maps input to output shapes
 * statically (a phantom: only types change with it); `Layer<F>` is assignable to plain `Layer`.
 */
/**
 * Where a layer's values sit in a container's trees, statically: its kind (`dense`, numbered by position
 * in `sequential`) or the label given with `named`. A phantom, like the shape function.
 */
export type LayerKey = { readonly kind: string } | { readonly label: string }

export interface Layer<F extends ShapeFn = AnyShape, P extends ParamValues = ParamValues, K extends LayerKey = LayerKey> {
  readonly _tag: 'Layer'
  readonly name: string
  /** The declared parameters, state and output shape for an input shape (throws `ShapeError`). */
  readonly spec: <const S extends Shape>(inputShape: S) => LayerSpec<ApplyShape<F, S>>
  /** Initial values: parameter leaf `i` (in `flattenParams` order) draws from `foldIn(key, i)`. */
  readonly init: <const S extends Shape>(key: Key, inputShape: S) => Variables<ApplyShape<F, S>>
  /** Leaves named by path: parameters `dense0.w`, state `${statePrefix}.bn1.mean` (default prefix `state`). */
  readonly leaves: <const S extends Shape>(inputShape: S, statePrefix?: string) => Leaves<ApplyShape<F, S>>
  /** The output and new state; `ctx` defaults to evaluation mode with no state. */
  readonly apply: <S extends Shape>(params: Params, x: Tensor<S>, ctx?: ApplyContext) => Applied<ApplyShape<F, S>>
  /** The layers a container (`sequential`) applies in order, for `summary`; absent for plain layers. */
  readonly children?: readonly Layer[]
  /** The graph of a `functional` model; absent for other layers. */
  readonly graph?: ModelGraph
  /** The constructor and arguments that made this layer, as data (see `./config.js`); absent for custom layers. */
  readonly config?: LayerConfig
  /**
   * The name a user gave this layer with `named`: its key in a model's parameter and state trees, in
   * place of the automatic one (`dense0`), so paths survive edits to the model around it.
   */
  readonly label?: string
  /** Never set at run time: it only records `F` for `sequential` to read. */
  readonly __shape?: F
  /** Never set at run time: the static type of the layer's parameter values (`{ w, b }` for `dense`). */
  readonly __params?: P
  /** Never set at run time: the layer's static key in a container (see {@link LayerKey}). */
  readonly __key?: K
}

/** The parameter values of a layer without parameters: the empty tree (containers give such layers no key). */
export type NoParams = { readonly [k: string]: never }

/**
 * Marks a layer as having no parameters, statically (its `spec` declares none).
 * @example
 * import { withoutParams, layers } from 'kiln'
 * withoutParams(layers.flatten()).name // 'flatten'
 */
export const withoutParams = <F extends ShapeFn, K extends LayerKey>(layer: Layer<F, ParamValues, K> | Layer<F, NoParams, K>): Layer<F, NoParams, K> => layer as Layer<F, NoParams, K>

/**
 * A layer with its static parameter type and key (the caller's claim, checked by nothing at run time:
 * `spec` builds the values). Used by the built-in layers, so trained values of literal models are typed.
 * @example
 * import { typedParams, dense } from 'kiln'
 * typedParams<{ readonly w: Float64Array }, { readonly kind: 'dense' }>()(dense(2, { bias: false })).name // 'dense'
 */
export const typedParams = <P extends ParamValues, K extends LayerKey>() => <F extends ShapeFn>(layer: Layer<F>): Layer<F, P, K> => layer as Layer<F, P, K>

const initTree = (key: Key, vars: Tree<Var>, offset: number): ParamValues => {
  const index = new Map(flattenParams(vars).map(([path], i) => [path, i + offset]))
  return mapParams(vars, (v, path) => v.init(foldIn(key, index.get(path)!), v.shape, v.fans))
}

/** The runtime values only know `Shape`; the static shapes are asserted here, in one place. */
const typedLayer = <F extends ShapeFn>(layer: Layer): Layer<F> => layer as Layer<F>

/**
 * Builds a layer from its name, `spec` and `apply` (deriving `init` and `leaves` from `spec`). The static
 * shape function `F` is the caller's claim (unchecked: `spec` and `apply` are untyped); it defaults to `AnyShape`.
 * @example
 * import { defineLayer, mul, input } from 'kiln'
 * const double = defineLayer('double', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: mul(x, 2), state: ctx.state }))
 * double.apply({}, input('x', [2])).y.op // 'mul'
 */
export const defineLayer = <F extends ShapeFn = AnyShape>(
  name: string,
  spec: (inputShape: Shape) => LayerSpec,
  apply: (params: Params, x: Tensor, ctx: ApplyContext) => Applied,
): Layer<F> => typedLayer<F>({
  _tag: 'Layer',
  name,
  spec,
  init: (key, inputShape) => {
    const s = spec(inputShape)
    return { params: initTree(key, s.params, 0), state: initTree(key, s.state, flattenParams(s.params).length), outputShape: s.outputShape }
  },
  leaves: (inputShape, statePrefix = 'state') => {
    const s = spec(inputShape)
    const shapes = (vars: Tree<Var>) => mapParams(vars, (v) => v.shape)
    return { params: paramLeaves(shapes(s.params)), state: inputLeaves(shapes(s.state), statePrefix), outputShape: s.outputShape }
  },
  apply: (params, x, ctx = { training: false, state: {} }) => apply(params, x, ctx),
})

/**
 * Reads the tensor `name` of a layer's parameter or state tree, checking its shape: a missing entry or
 * a wrong shape throws, naming the layer, the entry and the shape expected.
 * @example
 * import { leafOf, param } from 'kiln'
 * leafOf({ w: param('w', [2, 3]) }, 'w', 'dense', [2, 3]).shape // [2, 3]
 */
export const leafOf = (tree: Params, name: string, who: string, shape?: Shape): Tensor => {
  const v = hasOwn(tree, name) ? tree[name] : undefined
  if (v === undefined || isSubtree(v))
    throw new TreeError(name, `${who}: missing tensor '${name}'${shape === undefined ? '' : ` of shape ${fmt(shape)}`}; got entries ${Object.keys(tree).map((k) => `'${k}'`).join(', ') || 'none'}`)
  if (shape !== undefined && !shapeEq(v.shape, shape)) throw new ShapeError(who, [v.shape, shape], `'${name}' has shape ${fmt(v.shape)}, expected ${fmt(shape)}`)
  return v
}


/**
 * Derives key `i` of `n` from a key inside the graph: the words of key `i` are elements `2i, 2i+1` of the
 * key's uniform stream scaled by 2^32 (the uniform op truncates key words to uint32). So a compiled step
 * fed a fresh `[2]` key tensor per step gives every dropout layer its own stream, and a `Key` gives the
 * same masks as feeding its words.
 * @example
 * import { splitKeyTensor, key } from 'kiln'
 * splitKeyTensor(key(0), 3).map((k) => k.shape) // [[2], [2], [2]]
 */
export const splitKeyTensor = (k: Key | Tensor, n: number): Tensor[] => {
  const words = mul(uniformTensor(keyTensor(k), [2 * n]), 4294967296)
  return Array.from({ length: n }, (_, i) => slice(words, [2 * i], [2]))
}

/**
 * Records how `layer` was made: the constructor `type` and its arguments (trailing `undefined` ones
 * dropped), so a model file can rebuild it (`layerFromConfig`). Every built-in layer does this; a custom
 * layer constructor may too, under the name it is registered with in `loadModel`'s `layers` option.
 * @example
 * import { configured, defineLayer, mul } from 'kiln'
 * const scale = (k: number) => configured(defineLayer('scale', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: mul(x, k), state: ctx.state })), 'scale', [k])
 * scale(3).config // { type: 'scale', args: [3] }
 */
export const configured = <F extends ShapeFn, P extends ParamValues = ParamValues, K extends LayerKey = LayerKey>(layer: Layer<F, P, K>, type: string, args: readonly unknown[], layers?: readonly LayerConfig[]): Layer<F, P, K> => {
  let n = args.length
  while (n > 0 && args[n - 1] === undefined) n--
  const config: LayerConfig = { type, args: args.slice(0, n).map((a) => toConfigValue(a, type)), ...(layers === undefined ? {} : { layers }) }
  return { ...layer, config }
}

/**
 * The config of any layer: its own, or (a custom layer without one) its name with no arguments.
 * @example
 * import { configOf, dense, defineLayer } from 'kiln'
 * configOf(dense(3)) // { type: 'dense', args: [3, {}] }
 * configOf(defineLayer('mine', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: x, state: ctx.state }))) // { type: 'mine', args: [] }
 */
export const configOf = (layer: Layer): LayerConfig => {
  const base = layer.config ?? { type: layer.name, args: [] }
  return layer.label === undefined ? base : { ...base, label: layer.label }
}

/** A label is one path segment: no dots (paths join segments with them), nothing an object prototype owns. */
const LABEL = /^[A-Za-z_][A-Za-z0-9_-]*$/

/**
 * Checks a layer label (`named`, and labels read from model files): a letter or `_` first, then letters,
 * digits, `_` or `-`; at most 64 characters. Throws a `RangeError` naming `who` otherwise.
 * @example
 * import { checkLabel } from 'kiln'
 * checkLabel('encoder_1', 'named') // 'encoder_1'
 * try { checkLabel('a.b', 'named') } catch (e) { (e as Error).message.startsWith("named: a layer name must") } // true
 */
export const checkLabel = (label: unknown, who: string): string => {
  if (typeof label !== 'string' || !LABEL.test(label) || label.length > 64 || label === '__proto__' || label === 'constructor')
    throw new RangeError(`${who}: a layer name must start with a letter or '_' and hold only letters, digits, '_' and '-' (at most 64 characters, no dots), got ${typeof label === 'string' ? JSON.stringify(label) : typeof label}`)
  return label
}

/**
 * Gives `layer` a name: its key in the parameter and state trees of the model holding it (a
 * `sequential` or `functional` model), instead of the automatic one, so `transferValues`, `freeze` and
 * saved files keep finding it when layers are inserted around it. Two layers of one model with the same
 * name are an error when the model is built.
 * @example
 * import { named, sequential, dense, layers, key } from 'kiln'
 * const net = sequential(named(dense(8), 'encoder'), layers.relu(), layers.dropout(0.1), named(dense(2), 'head'))
 * Object.keys(net.init(key(0), [4, 3]).params) // ['encoder', 'head']
 */
export const named = <F extends ShapeFn, P extends ParamValues, const L extends string>(layer: Layer<F, P>, name: L): Layer<F, P, { readonly label: L }> =>
  ({ ...layer, label: checkLabel(name, 'named') }) as Layer<F, P, { readonly label: L }>
