/**
 * `functional(inputs, outputs)`: a model graph (see `./functional.js`) as a `Layer`, its shapes, its
 * application to several inputs and outputs, and its config (the graph as data) for model files.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { concat, reshape, slice } from '../api.js'
import { fmt, ShapeError, sizeOf, type Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import type { ConfigValue } from './config.js'
import { checkRowShape, connect, exampleShape, isMergeOp, merge, modelGraph, modelInput, rowShapes, type ModelGraph, type Symbolic } from './functional.js'
import { configOf, configured, defineLayer, splitKeyTensor, type ApplyContext, type Layer, type LayerSpec, type Var } from './layer.js'
import { applyMerge, mergeShape } from './merge.js'
import { checkNoExtra, group, isEmpty } from './subtrees.js'
import { flattenParams, type Params, type Tree } from './tree.js'

/** The shapes of one step for a batch: what it reads, the spec of its layer (a layer call), what it gives. */
export interface StepShapes {
  readonly inputShapes: readonly Shape[]
  readonly spec?: LayerSpec
  readonly outputShape: Shape
}


const varShapes = (t: Tree<Var>): string => flattenParams(t).map(([p, v]) => `${p} ${fmt(v.shape)}`).join(', ')

/**
 * The shapes flowing through every step of `g` for a batch of `batch` rows (layers' `spec` on their inputs).
 * A layer applied twice must declare the same variables both times.
 * @example
 * import { modelInput, connect, dense, modelGraph } from 'kiln'
 * import { stepShapes } from './functional-model.js'
 * const x = modelInput([3])
 * stepShapes(modelGraph([x], [connect(x, dense(2))]), 5).map((s) => s.outputShape) // [[5, 2]]
 */
export const stepShapes = (g: ModelGraph, batch: number): StepShapes[] => {
  const done: StepShapes[] = []
  const first = new Map<string, LayerSpec>()
  for (const st of g.steps) {
    const inputShapes = st.reads.map((r) => (r < 0 ? [batch, ...exampleShape(g, r)] : done[r]!.outputShape))
    const src = st.value.source
    if (src._tag === 'LayerCall') {
      const spec = src.layer.spec(inputShapes[0]!)
      const before = first.get(st.name)
      if (before === undefined) first.set(st.name, spec)
      else if (varShapes(before.params) !== varShapes(spec.params))
        throw new ShapeError('functional', inputShapes, `the shared layer '${st.name}' needs parameters ${varShapes(spec.params)} here but ${varShapes(before.params)} where it was first applied`)
      done.push({ inputShapes, spec, outputShape: spec.outputShape })
    } else if (src._tag === 'Merge') {
      done.push({ inputShapes, outputShape: [batch, ...mergeShape(src.op, inputShapes.map((s) => s.slice(1)), src.axis)] })
    }
  }
  return done
}

/** The tensors of the model inputs read from one row tensor `[batch, ...row]` (see `rowShapes`). */
const splitInputs = (g: ModelGraph, x: Tensor): Tensor[] => {
  const batch = checkRowShape('functional', x.shape, rowShapes(g).input)
  if (g.inputs.length === 1) return [x]
  let at = 0
  return g.inputs.map((s) => {
    const n = sizeOf(s.shape)
    at += n
    return reshape(slice(x, [0, at - n], [batch, n]), [batch, ...s.shape])
  })
}

/** Several outputs as one row tensor: each flattened, concatenated on the last axis. */
const joinOutputs = (ys: readonly Tensor[]): Tensor =>
  ys.length === 1 ? ys[0]! : concat(ys.map((y) => reshape(y, [y.shape[0]!, sizeOf(y.shape.slice(1))])), 1)

/** Runs the graph on input tensors: every output and the new state of every stateful layer. */
const runGraph = (g: ModelGraph, params: Params, xs: readonly Tensor[], ctx: ApplyContext): { outputs: Tensor[]; state: Params } => {
  const names = g.layers.map((l) => l.name)
  checkNoExtra(params, names, 'functional params')
  checkNoExtra(ctx.state, names, 'functional state')
  const calls = g.steps.filter((s) => s.value.source._tag === 'LayerCall').length
  const keys = ctx.training && ctx.key !== undefined ? splitKeyTensor(ctx.key, calls) : undefined
  const state: Record<string, Params> = {}
  const values: Tensor[] = []
  const read = (r: number): Tensor => (r < 0 ? xs[-1 - r]! : values[r]!)
  let call = 0
  for (const st of g.steps) {
    const src = st.value.source
    if (src._tag === 'Merge') values.push(applyMerge(src.op, st.reads.map(read), src.axis))
    else if (src._tag === 'LayerCall') {
      const key = keys?.[call++]
      const out = src.layer.apply(group(params, st.name, 'functional params'), read(st.reads[0]!), {
        training: ctx.training, state: group(ctx.state, st.name, 'functional state'), ...(key === undefined ? {} : { key }),
      })
      if (!isEmpty(out.state)) state[st.name] = out.state
      values.push(out.y)
    }
  }
  return { outputs: g.outputs.map(read), state }
}

/** The graph as config data: inputs, steps (layers by index into the config's `layers`), outputs. */
const graphConfig = (g: ModelGraph): ConfigValue => {
  const index = new Map(g.layers.map((l, i) => [l.layer, i]))
  return {
    inputs: g.inputs.map((s) => ({ name: s.source._tag === 'Input' ? s.source.name : 'x', shape: [...s.shape] })),
    steps: g.steps.map((st) => {
      const src = st.value.source
      return src._tag === 'Merge' ? { merge: src.op, axis: src.axis, reads: [...st.reads] } : { layer: src._tag === 'LayerCall' ? index.get(src.layer)! : -1, reads: [...st.reads] }
    }),
    outputs: [...g.outputs],
  }
}

/** Layers that keep state (batch norm) may not be shared: which call's statistics to keep has no good answer. */
const checkSharedState = (g: ModelGraph): void => {
  const uses = new Map<string, number>()
  for (const st of g.steps) if (st.value.source._tag === 'LayerCall') uses.set(st.name, (uses.get(st.name) ?? 0) + 1)
  for (const { name, layer } of g.layers) {
    const first = g.steps.find((s) => s.name === name)!
    if ((uses.get(name) ?? 0) > 1 && !isEmpty(layer.spec([1, ...exampleShape(g, first.reads[0]!)]).state))
      throw new RangeError(`functional: the layer '${name}' keeps state (such as batch-norm statistics) and is applied ${uses.get(name)} times; use one layer per application`)
  }
}

const listOf = (v: Symbolic | readonly Symbolic[]): readonly Symbolic[] => ('_tag' in v ? [v] : v)

/**
 * A model from a graph of layers: `inputs` (from `modelInput`) to `outputs` (from `connect` and
 * `merge`). The result is a `Layer`: parameters and state sit under each layer's name, dropout keys are
 * split per layer call, and it trains, evaluates, saves and transfers as `sequential` does. A model
 * with several inputs reads them from one row (each flattened, concatenated in order), one with
 * several outputs gives them flattened and concatenated (see `rowShapes`); `applyModel` takes and gives
 * them apart.
 * @example
 * import { modelInput, connect, merge, functional, dense, layers, key } from 'kiln'
 * const x = modelInput([4])
 * const h = connect(x, dense(4), layers.relu(), dense(4))
 * const model = functional(x, connect(merge.add([h, x]), layers.relu(), dense(2)))
 * Object.keys(model.init(key(0), [8, 4]).params) // ['dense0', 'dense1', 'dense2']
 * model.init(key(0), [8, 4]).outputShape // [8, 2]
 */
export const functional = (inputs: Symbolic | readonly Symbolic[], outputs: Symbolic | readonly Symbolic[]): Layer => {
  const g = modelGraph(listOf(inputs), listOf(outputs))
  checkSharedState(g)
  const layer = defineLayer(
    'functional',
    (shape) => {
      const batch = checkRowShape('functional', shape, rowShapes(g).input)
      const shapes = stepShapes(g, batch)
      const params: Record<string, Tree<Var>> = {}
      const state: Record<string, Tree<Var>> = {}
      g.steps.forEach((st, i) => {
        const spec = shapes[i]!.spec
        if (spec === undefined || params[st.name] !== undefined || state[st.name] !== undefined) return
        if (!isEmpty(spec.params)) params[st.name] = spec.params
        if (!isEmpty(spec.state)) state[st.name] = spec.state
      })
      return { params, state, outputShape: [batch, ...rowShapes(g).output] }
    },
    (params, x, ctx) => {
      const run = runGraph(g, params, splitInputs(g, x), ctx)
      return { y: joinOutputs(run.outputs), state: run.state }
    },
  )
  return { ...configured(layer, 'functional', [graphConfig(g)], g.layers.map((l) => configOf(l.layer))), graph: g }
}

/**
 * A model applied to one tensor per input, giving one tensor per output (a `sequential` or other plain
 * layer: one input, one output). `ctx` defaults to evaluation mode with no state.
 * @example
 * import { modelInput, connect, functional, applyModel, dense, input } from 'kiln'
 * const [a, b] = [modelInput([2], 'a'), modelInput([3], 'b')]
 * const model = functional([a, b], [connect(a, dense(1)), connect(b, dense(4))])
 * const { params } = model.leaves([5, 5])
 * applyModel(model, params, [input('a', [5, 2]), input('b', [5, 3])]).outputs.map((y) => y.shape) // [[5, 1], [5, 4]]
 */
export const applyModel = (model: Layer, params: Params, xs: readonly Tensor[], ctx: ApplyContext = { training: false, state: {} }): { readonly outputs: Tensor[]; readonly state: Params } => {
  const g = model.graph
  if (g === undefined) {
    if (xs.length !== 1) throw new RangeError(`applyModel: this model takes one input, got ${xs.length}`)
    const out = model.apply(params, xs[0]!, ctx)
    return { outputs: [out.y], state: out.state }
  }
  if (xs.length !== g.inputs.length) throw new RangeError(`applyModel: this model takes ${g.inputs.length} inputs, got ${xs.length}`)
  xs.forEach((x, i) => checkRowShape(`applyModel input ${i}`, x.shape, g.inputs[i]!.shape))
  return runGraph(g, params, xs, ctx)
}

const Ref = t.Int
const GraphConfigCodec = t.type({
  inputs: t.readonlyArray(t.type({ name: t.string, shape: t.readonlyArray(t.Int) })),
  steps: t.readonlyArray(t.union([t.type({ layer: t.Int, reads: t.readonlyArray(Ref) }), t.type({ merge: t.string, axis: t.Int, reads: t.readonlyArray(Ref) })])),
  outputs: t.readonlyArray(Ref),
})

/**
 * Rebuilds a functional model from its config argument and its rebuilt layers. Every reference must point
 * to an input or an earlier step (so a file cannot describe a cycle), every layer index must exist.
 * @example
 * import { modelInput, connect, functional, dense, key } from 'kiln'
 * import { functionalFromConfig } from './functional-model.js'
 * const x = modelInput([3])
 * const d = dense(2)
 * const m = functional(x, connect(x, d))
 * const back = functionalFromConfig(m.config!.args[0]!, [d])
 * back._tag === 'Right' && back.right.init(key(0), [1, 3]).outputShape // [1, 2]
 */
export const functionalFromConfig = (arg: ConfigValue | undefined, layers: readonly Layer[]): E.Either<string, Layer> => {
  const decoded = GraphConfigCodec.decode(arg)
  if (E.isLeft(decoded)) return E.left('functional: the graph must be { inputs: [{ name, shape }], steps: [{ layer, reads } | { merge, axis, reads }], outputs }')
  const c = decoded.right
  try {
    const inputs = c.inputs.map((i) => modelInput(i.shape, i.name))
    const values: Symbolic[] = []
    const read = (r: number, at: number): Symbolic => {
      if (!(r < 0 ? -1 - r < inputs.length : r < at)) throw new RangeError(`functional: step ${at} reads ${r}, which is neither an input nor an earlier step`)
      return r < 0 ? inputs[-1 - r]! : values[r]!
    }
    c.steps.forEach((st, at) => {
      if ('merge' in st) {
        if (!isMergeOp(st.merge)) throw new RangeError(`functional: step ${at}: unknown merge '${st.merge}'`)
        values.push(merge[st.merge](st.reads.map((r) => read(r, at)), st.axis))
      } else {
        const layer = layers[st.layer]
        if (layer === undefined || st.reads.length !== 1) throw new RangeError(`functional: step ${at} names layer ${st.layer} of ${layers.length} with ${st.reads.length} inputs`)
        values.push(connect(read(st.reads[0]!, at), layer))
      }
    })
    return E.right(functional(inputs, c.outputs.map((r) => read(r, values.length))))
  } catch (e) {
    return E.left((e as Error).message)
  }
}
