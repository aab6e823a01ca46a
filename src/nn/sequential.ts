/**
 * Composition of layers: `sequential(...layers)` is itself a layer whose parameter and state trees hold
 * one subtree per layer that has any, keyed by the name the user gave the layer (`named`) or else
 * `${layer.name}${index}` (`dense0`, `batchNorm1`, `dense3`).
 * @module
 */
import type { Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { configOf, configured, defineLayer, splitKeyTensor, typedParams, type Layer, type LayerSpec, type NoParams, type Var } from './layer.js'
import type { AnyShape, SequentialShape, ShapeFn } from './shapes.js'
import { checkNoExtra, group, isEmpty } from './subtrees.js'
import type { ParamValues, Params, Tree } from './tree.js'
import { checkRowShape, rowShapes, type ModelGraph } from './functional.js'
import { stepShapes } from './functional-model.js'

/** The name a `sequential` gives its layer `i` in parameter paths: its own (`named`), else `dense0`, `batchNorm1`. */
const childName = (l: Layer, i: number): string => l.label ?? `${l.name}${i}`

/** The children's names, refusing two layers under one name (their values would share a subtree). */
const childNames = (layers: readonly Layer[], who: string): string[] => {
  const names = layers.map(childName)
  names.forEach((n, i) => {
    const j = names.indexOf(n)
    if (j < i) throw new RangeError(`${who}: layers ${j} and ${i} are both named '${n}'; give them different names with named(layer, name)`)
  })
  return names
}

/** The static parameter values of a layer (a tree of Float64Arrays when unknown). */
export type ParamsOfLayer<L> = L extends { readonly __params?: infer P } ? (P extends ParamValues ? P : ParamValues) : ParamValues

/** The key of layer `L` at position `I` of a `sequential`: its label, or kind and position; `string` when unknown. */
type KeyAt<L, I extends string> = L extends { readonly __key?: infer K }
  ? K extends { readonly label: infer X extends string } ? X : K extends { readonly kind: infer N extends string } ? (string extends N ? string : `${N}${I}`) : string
  : string

/**
 * The parameter values of `sequential(...Ls)`: one entry per layer with parameters, under its key
 * (`dense0`, `head`), so `fit(sequential(dense(8), layers.relu(), dense(2)), ...)` gives values whose
 * `params.dense2.w` type-checks. A list that is not a tuple gives the untyped tree.
 */
export type SequentialParams<Ls extends readonly Layer[]> = number extends Ls['length']
  ? ParamValues
  : { readonly [I in keyof Ls as I extends `${number}` ? (ParamsOfLayer<Ls[I]> extends NoParams ? never : KeyAt<Ls[I], I>) : never]: ParamsOfLayer<Ls[I]> }

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
export const sequential = <Ls extends readonly Layer[]>(...layers: Ls): Layer<SequentialShape<ShapeFns<Ls>>, SequentialParams<Ls>, { readonly kind: 'sequential' }> => {
  const names = childNames(layers, 'sequential')
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
  return typedParams<SequentialParams<Ls>, { readonly kind: 'sequential' }>()({ ...configured(layer, 'sequential', [], layers.map(configOf)), children: layers })
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
  if (model.graph !== undefined) return graphSites(model.graph, inputShape)
  let shape = inputShape
  const children = model.children
  const names = children === undefined ? [''] : childNames(children, 'layerSites')
  return (children ?? [model]).map((layer, index) => {
    const spec = layer.spec(shape)
    const site = { index, layer, path: names[index]!, inputShape: shape, spec }
    shape = spec.outputShape
    return site
  })
}

/** The distinct layers of a functional model at their first application. */
const graphSites = (g: ModelGraph, inputShape: Shape): LayerSite[] => {
  const shapes = stepShapes(g, checkRowShape('layerSites', inputShape, rowShapes(g).input))
  const sites: LayerSite[] = []
  g.steps.forEach((st, i) => {
    const { spec, inputShapes } = shapes[i]!
    if (spec !== undefined && st.value.source._tag === 'LayerCall' && !sites.some((s) => s.path === st.name))
      sites.push({ index: sites.length, layer: st.value.source.layer, path: st.name, inputShape: inputShapes[0]!, spec })
  })
  return sites
}
