/**
 * Functional models (Keras' functional API, pure): layers applied to symbolic inputs build a graph of
 * layers, with several inputs or outputs, layers used more than once (one set of parameters), residual
 * sums and concatenated branches; `functional(inputs, outputs)` turns the graph into a `Layer` with the
 * same contract as `sequential` (init, apply, summary, fit, model files, transfer).
 *
 * Symbolic values carry the shape of one example (no batch axis) and are checked as the graph is built,
 * so a shape mismatch is an error at the line that makes it. Parameters sit under each layer's name:
 * the user's (`named`), else `${layer.name}${k}` counting layers of that kind in graph order (`dense0`,
 * `conv2d1`), so inserting a dropout does not rename a dense layer.
 * @module
 */
import { positiveIntegers } from '../options.js'
import { fmt, ShapeError, sizeOf, type Shape } from '../shape.js'
import type { Layer } from './layer.js'
import { MERGE_OPS, mergeShape, type MergeOp } from './merge.js'

/** Where a symbolic value comes from: a model input, a layer applied to a value, or a merge of values. */
export type Source =
  | { readonly _tag: 'Input'; readonly name: string }
  | { readonly _tag: 'LayerCall'; readonly layer: Layer; readonly input: Symbolic }
  | { readonly _tag: 'Merge'; readonly op: MergeOp; readonly inputs: readonly Symbolic[]; readonly axis: number }

/** A value inside a functional model under construction: its origin and the shape of one example. */
export interface Symbolic {
  readonly _tag: 'Symbolic'
  /** The shape of one example (the batch axis is left out). */
  readonly shape: Shape
  readonly source: Source
}

/**
 * A model input: one example's shape (no batch axis) and a name for messages.
 * @example
 * import { modelInput } from 'kiln'
 * modelInput([8, 8, 1], 'image').shape // [8, 8, 1]
 */
export const modelInput = (shape: Shape, name = 'x'): Symbolic => {
  if (typeof name !== 'string' || name === '') throw new RangeError(`modelInput: name must be a non-empty string, got ${JSON.stringify(name)}`)
  return { _tag: 'Symbolic', shape: positiveIntegers('modelInput', 'shape', shape), source: { _tag: 'Input', name } }
}

const isSymbolic = (v: unknown): v is Symbolic => typeof v === 'object' && v !== null && (v as { _tag?: unknown })._tag === 'Symbolic'

const isLayer = (v: unknown): v is Layer => typeof v === 'object' && v !== null && (v as { _tag?: unknown })._tag === 'Layer'

/** The output shape of one example through `layer` (its `spec` on a batch of one); throws the layer's error with where it sits. */
const callShape = (layer: Layer, input: Shape, at: number): Shape => {
  try {
    return layer.spec([1, ...input]).outputShape.slice(1)
  } catch (e) {
    const err = e as Error
    err.message = `connect: layer ${at} (${layer.label ?? layer.name}) cannot take an input of shape ${fmt(input)} (one example): ${err.message}`
    throw err
  }
}

/**
 * Applies layers one after another to a symbolic value, checking shapes as it goes, and returns the
 * symbolic output. Applying one layer object twice (here or in another `connect`) shares its parameters.
 * @example
 * import { modelInput, connect, dense, layers } from 'kiln'
 * const x = modelInput([4])
 * connect(x, dense(16), layers.relu(), dense(3)).shape // [3]
 */
export const connect = (from: Symbolic, ...layerList: readonly Layer[]): Symbolic => {
  if (!isSymbolic(from)) throw new TypeError('connect: the first argument must be a symbolic value (modelInput, connect or merge)')
  return layerList.reduce<Symbolic>((x, layer, i) => {
    if (!isLayer(layer)) throw new TypeError(`connect: argument ${i + 1} must be a Layer, got ${typeof layer}`)
    return { _tag: 'Symbolic', shape: callShape(layer, x.shape, i), source: { _tag: 'LayerCall', layer, input: x } }
  }, from)
}

const mergeOf = (op: MergeOp) => (inputs: readonly Symbolic[], axis = -1): Symbolic => {
  if (!Array.isArray(inputs) || inputs.length < 2 || !inputs.every(isSymbolic))
    throw new TypeError(`merge.${op}: expected an array of at least two symbolic values`)
  const shape = mergeShape(op, inputs.map((s) => s.shape), axis)
  return { _tag: 'Symbolic', shape, source: { _tag: 'Merge', op, inputs: [...inputs], axis } }
}

/**
 * Merges of symbolic values: `add` (the residual sum), `multiply`, `average` (equal shapes, no
 * broadcasting) and `concatenate` (along `axis` of one example, default the last: channels for NHWC images).
 * @example
 * import { modelInput, connect, merge, dense } from 'kiln'
 * const x = modelInput([4])
 * merge.add([connect(x, dense(4)), x]).shape // [4]
 * merge.concatenate([connect(x, dense(2)), connect(x, dense(3))]).shape // [5]
 */
export const merge: { readonly [K in MergeOp]: (inputs: readonly Symbolic[], axis?: number) => Symbolic } = {
  add: mergeOf('add'),
  multiply: mergeOf('multiply'),
  average: mergeOf('average'),
  concatenate: mergeOf('concatenate'),
}

/** One step of a model graph: a layer call or a merge, under its name, with what it reads. */
export interface GraphStep {
  /** The parameter-tree name of its layer (shared by every call of one layer), or a merge's name for summaries (`add0`). */
  readonly name: string
  readonly value: Symbolic
  /** Positions in `inputs` (below 0: input `-1 - i`) or earlier steps (>= 0) of what it reads. */
  readonly reads: readonly number[]
}

/** A functional model's graph, in an order where every step comes after what it reads. */
export interface ModelGraph {
  readonly inputs: readonly Symbolic[]
  readonly outputs: readonly number[]
  readonly steps: readonly GraphStep[]
  /** The distinct layers in order of first use, with their names. */
  readonly layers: readonly { readonly name: string; readonly layer: Layer }[]
}

const readsOf = (s: Symbolic): readonly Symbolic[] =>
  s.source._tag === 'Input' ? [] : s.source._tag === 'LayerCall' ? [s.source.input] : s.source.inputs

/** The values reachable from the outputs, every one after what it reads (depth first, inputs in order). */
const topoOrder = (outputs: readonly Symbolic[]): Symbolic[] => {
  const order: Symbolic[] = []
  const done = new Set<Symbolic>()
  const visit = (root: Symbolic): void => {
    // An explicit stack: a deep chain of thousands of layers must not overflow the call stack.
    const stack: { s: Symbolic; next: number }[] = [{ s: root, next: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const reads = readsOf(top.s)
      if (done.has(top.s)) stack.pop()
      else if (top.next < reads.length) stack.push({ s: reads[top.next++]!, next: 0 })
      else {
        done.add(top.s)
        order.push(top.s)
        stack.pop()
      }
    }
  }
  outputs.forEach(visit)
  return order
}

/** Names for the distinct layers: labels first (duplicates refused), then `${kind}${k}` skipping taken names. */
const layerNames = (calls: readonly Layer[]): Map<Layer, string> => {
  const distinct = [...new Set(calls)]
  const taken = new Map<string, Layer>()
  for (const l of distinct) {
    if (l.label === undefined) continue
    if (taken.has(l.label)) throw new RangeError(`functional: two different layers are named '${l.label}'; names must be unique in a model (use one layer object to share parameters)`)
    taken.set(l.label, l)
  }
  const counts = new Map<string, number>()
  const names = new Map<Layer, string>()
  for (const l of distinct) {
    if (l.label !== undefined) {
      names.set(l, l.label)
      continue
    }
    let name: string
    do {
      const k = counts.get(l.name) ?? 0
      counts.set(l.name, k + 1)
      name = `${l.name}${k}`
    } while (taken.has(name))
    taken.set(name, l)
    names.set(l, name)
  }
  return names
}

/**
 * The graph from `inputs` to `outputs`: every value in order, layer names, and checks that the outputs
 * depend on the listed inputs only and that every input is used.
 * @example
 * import { modelInput, connect, dense, layers, modelGraph } from 'kiln'
 * const x = modelInput([3])
 * modelGraph([x], [connect(x, dense(4), layers.relu(), dense(2))]).steps.map((s) => s.name) // ['dense0', 'relu0', 'dense1']
 */
export const modelGraph = (inputs: readonly Symbolic[], outputs: readonly Symbolic[]): ModelGraph => {
  if (inputs.length === 0 || outputs.length === 0) throw new RangeError('functional: expected at least one input and one output')
  if (!inputs.every((s) => isSymbolic(s) && s.source._tag === 'Input')) throw new TypeError('functional: every input must come from modelInput')
  if (!outputs.every(isSymbolic)) throw new TypeError('functional: every output must be a symbolic value (modelInput, connect or merge)')
  if (new Set(inputs).size !== inputs.length) throw new RangeError('functional: an input is listed twice')
  const order = topoOrder(outputs)
  const stray = order.find((s) => s.source._tag === 'Input' && !inputs.includes(s))
  if (stray !== undefined && stray.source._tag === 'Input')
    throw new RangeError(`functional: the outputs depend on the input '${stray.source.name}', which is not among the model's inputs`)
  const unused = inputs.find((s) => !order.includes(s))
  if (unused !== undefined && unused.source._tag === 'Input') throw new RangeError(`functional: the input '${unused.source.name}' is not used by any output`)
  const calls = order.flatMap((s) => (s.source._tag === 'LayerCall' ? [s.source.layer] : []))
  const names = layerNames(calls)
  const position = new Map<Symbolic, number>(inputs.map((s, i) => [s, -1 - i]))
  const merges = new Map<MergeOp, number>()
  const steps: GraphStep[] = []
  for (const s of order) {
    if (s.source._tag === 'Input') continue
    const k = s.source._tag === 'Merge' ? (merges.get(s.source.op) ?? 0) : 0
    if (s.source._tag === 'Merge') merges.set(s.source.op, k + 1)
    const name = s.source._tag === 'LayerCall' ? names.get(s.source.layer)! : `${s.source.op}${k}`
    position.set(s, steps.length)
    steps.push({ name, value: s, reads: readsOf(s).map((r) => position.get(r)!) })
  }
  return { inputs: [...inputs], outputs: outputs.map((o) => position.get(o)!), steps, layers: [...names].map(([layer, name]) => ({ name, layer })) }
}

/**
 * The shape of one example of the value at position `r` of a graph (an input when below 0, a step otherwise).
 * @example
 * import { modelInput, connect, dense, modelGraph } from 'kiln'
 * import { exampleShape } from './functional.js'
 * const x = modelInput([3])
 * const g = modelGraph([x], [connect(x, dense(2))])
 * exampleShape(g, -1) // [3]
 * exampleShape(g, 0) // [2]
 */
export const exampleShape = (g: ModelGraph, r: number): Shape => (r < 0 ? g.inputs[-1 - r]! : g.steps[r]!.value).shape

/**
 * The batch-free shapes a functional model reads and writes: one row of a `Dataset` holds its inputs
 * flattened and concatenated in order (one input: its own shape), and its outputs are flattened and
 * concatenated on the last axis (one output: its own shape).
 * @example
 * import { modelInput, connect, dense, rowShapes, modelGraph } from 'kiln'
 * const [a, b] = [modelInput([2]), modelInput([3])]
 * rowShapes(modelGraph([a, b], [connect(a, dense(1)), connect(b, dense(2))])) // { input: [5], output: [3] }
 */
export const rowShapes = (g: ModelGraph): { readonly input: Shape; readonly output: Shape } => {
  const outs = g.outputs.map((o) => exampleShape(g, o))
  return {
    input: g.inputs.length === 1 ? g.inputs[0]!.shape : [g.inputs.reduce((n, s) => n + sizeOf(s.shape), 0)],
    output: outs.length === 1 ? outs[0]! : [outs.reduce((n, s) => n + sizeOf(s), 0)],
  }
}

/**
 * The batch size of `shape` when it is `[batch, ...expected]`; otherwise throws a `ShapeError` naming `who`.
 * @example
 * import { checkRowShape } from './functional.js'
 * checkRowShape('functional', [8, 3], [3]) // 8
 */
export const checkRowShape = (who: string, shape: Shape, expected: Shape): number => {
  if (shape.length !== expected.length + 1 || !expected.every((d, i) => shape[i + 1] === d))
    throw new ShapeError(who, [shape, expected], `expected an input of shape [batch, ${expected.join(', ')}], got ${fmt(shape)}`)
  return shape[0]!
}

/**
 * Whether `v` names a merge op (for graphs read from files).
 * @example
 * import { isMergeOp } from './functional.js'
 * isMergeOp('add') // true
 * isMergeOp('sum') // false
 */
export const isMergeOp = (v: unknown): v is MergeOp => typeof v === 'string' && (MERGE_OPS as readonly string[]).includes(v)
