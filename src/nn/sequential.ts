/**
 * Composition of layers: `sequential(...layers)` is itself a layer whose parameter and state trees hold
 * one subtree per layer that has any, keyed `${layer.name}${index}` (`dense0`, `batchNorm1`, `dense3`).
 * @module
 */
import { fmt, type Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { configOf, configured, defineLayer, splitKeyTensor, type Layer, type LayerSpec, type Var } from './layer.js'
import type { AnyShape, SequentialShape, ShapeFn } from './shapes.js'
import { isSubtree, TreeError, type Params, type Tree } from './tree.js'

/** The name a `sequential` gives its layer `i` in parameter paths (`dense0`, `batchNorm1`). */
const childName = (l: Layer, i: number): string => `${l.name}${i}`

const isEmpty = (t: object): boolean => Object.keys(t).length === 0

const group = (tree: Params, name: string, who: string): Params => {
  const g = tree[name]
  if (g === undefined) return {}
  if (!isSubtree(g)) throw new TreeError(name, `${who}: '${name}' must be a subtree of tensors, got a tensor of shape ${fmt(g.shape)}`)
  return g
}

const checkNoExtra = (tree: Params, names: readonly string[], who: string): void => {
  const extra = Object.keys(tree).filter((k) => !names.includes(k))
  if (extra.length > 0)
    throw new TreeError(extra[0]!, `${who}: unexpected entry '${extra[0]}'; the layers are ${names.map((n) => `'${n}'`).join(', ')}`)
}

/** The static shape functions of the layers: a tuple for a literal argument list (`Layer[]` spread gives an array, untyped). */
type ShapeFns<Ls extends readonly Layer[]> = { readonly [K in keyof Ls]: NonNullable<Ls[K]['__shape']> extends infer F extends ShapeFn ? F : AnyShape }

/**
 * Layers applied one after another; shapes flow through `spec`, parameters are prefixed per layer
 * (`dense0.w`), each training-mode layer gets its own key split from `ctx.key` (see `splitKeyTensor`).
 * @example
 * import { sequential, dense, layers, key, countParams } from 'kiln'
 * const mlp = sequential(dense(16), layers.relu(), dense(3))
 * const v = mlp.init(key(0), [8, 4])
 * Object.keys(v.params) // ['dense0', 'dense2']
 * v.outputShape // [8, 3]
 * countParams(v.params) // 4 * 16 + 16 + 16 * 3 + 3
 */
export const sequential = <Ls extends readonly Layer[]>(...layers: Ls): Layer<SequentialShape<ShapeFns<Ls>>> => {
  const names = layers.map(childName)
  const layer = defineLayer<SequentialShape<ShapeFns<Ls>>>(
    'sequential',
    (inputShape) => {
      let shape: Shape = inputShape
      const params: Record<string, Tree<Var>> = {}
      const state: Record<string, Tree<Var>> = {}
      layers.forEach((l, i) => {
        const s = l.spec(shape)
        if (!isEmpty(s.params)) params[names[i]!] = s.params
        if (!isEmpty(s.state)) state[names[i]!] = s.state
        shape = s.outputShape
      })
      return { params, state, outputShape: shape }
    },
    (params, x, ctx) => {
      checkNoExtra(params, names, 'sequential params')
      checkNoExtra(ctx.state, names, 'sequential state')
      const keys = ctx.training && ctx.key !== undefined ? splitKeyTensor(ctx.key, layers.length) : undefined
      const state: Record<string, Params> = {}
      let y: Tensor = x
      layers.forEach((l, i) => {
        const name = names[i]!
        const out = l.apply(group(params, name, 'sequential params'), y, {
          training: ctx.training,
          state: group(ctx.state, name, 'sequential state'),
          ...(keys === undefined ? {} : { key: keys[i]! }),
        })
        if (!isEmpty(out.state)) state[name] = out.state
        y = out.y
      })
      return { y, state }
    },
  )
  return { ...configured(layer, 'sequential', [], layers.map(configOf)), children: layers }
}

/** A layer of a model with where it sits: its position, its path prefix (`''` for a lone layer), its input shape and spec. */
export interface LayerSite {
  readonly index: number
  readonly layer: Layer
  readonly path: string
  readonly inputShape: Shape
  readonly spec: LayerSpec
}

/**
 * The layers of a `sequential` in order (or the layer itself), each with its parameter path prefix and
 * the shapes flowing through it: the one walk behind `summary` and the PyTorch mapping.
 * @example
 * import { layerSites, sequential, dense, layers } from 'kiln'
 * layerSites(sequential(dense(4), layers.relu(), dense(2)), [8, 3]).map((s) => [s.path, s.inputShape]) // [['dense0', [8, 3]], ['relu1', [8, 4]], ['dense2', [8, 4]]]
 * layerSites(dense(2), [1, 3]).map((s) => s.path) // ['']
 */
export const layerSites = (model: Layer, inputShape: Shape): LayerSite[] => {
  let shape = inputShape
  return (model.children ?? [model]).map((layer, index) => {
    const spec = layer.spec(shape)
    const site = { index, layer, path: model.children === undefined ? '' : childName(layer, index), inputShape: shape, spec }
    shape = spec.outputShape
    return site
  })
}
