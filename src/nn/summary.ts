/**
 * A model summary in the style of Keras' `model.summary()`: each layer with its output shape and
 * parameter count, for an input shape.
 * @module
 */
import { formatTable } from '../report/table.js'
import { fmt, sizeOf, type Shape } from '../shape.js'
import type { Layer, Var } from './layer.js'
import { layerSites } from './sequential.js'
import { checkRowShape, rowShapes, type ModelGraph, type Symbolic } from './functional.js'
import { stepShapes } from './functional-model.js'
import { flattenParams, type Tree } from './tree.js'

/** One row of a summary. */
export interface SummaryRow {
  readonly name: string
  readonly outputShape: Shape
  readonly params: number
  /** What the layer reads, in a functional model: input names and layer names. */
  readonly inputs?: readonly string[]
}

const count = (t: Tree<Var>): number => flattenParams(t).reduce((n, [, v]) => n + sizeOf(v.shape), 0)

/**
 * The rows of a summary: the layers of a `sequential` (named as in parameter paths, `dense0`), or the
 * layer itself. Shapes come from the layers' `spec`, so a mismatch throws the layer's `ShapeError`.
 * @example
 * import { summaryRows, sequential, dense, layers } from 'kiln'
 * summaryRows(sequential(dense(4), layers.relu(), dense(2)), [8, 3]).map((r) => r.params) // [16, 0, 10]
 */
export const summaryRows = (model: Layer, inputShape: Shape): SummaryRow[] =>
  model.graph === undefined
    ? layerSites(model, inputShape).map((s) => ({ name: s.path === '' ? s.layer.name : s.path, outputShape: s.spec.outputShape, params: count(s.spec.params) }))
    : graphRows(model.graph, inputShape)

/** A functional model's rows: every step (a shared layer once per application, its parameters counted once). */
const graphRows = (g: ModelGraph, inputShape: Shape): SummaryRow[] => {
  const shapes = stepShapes(g, checkRowShape('summary', inputShape, rowShapes(g).input))
  const counted = new Set<string>()
  const nameOf = (r: number): string => (r < 0 ? inputName(g.inputs[-1 - r]!) : g.steps[r]!.name)
  return g.steps.map((st, i) => {
    const spec = shapes[i]!.spec
    const params = spec === undefined || counted.has(st.name) ? 0 : count(spec.params)
    counted.add(st.name)
    return { name: st.name, outputShape: shapes[i]!.outputShape, params, inputs: st.reads.map(nameOf) }
  })
}

const inputName = (s: Symbolic): string => (s.source._tag === 'Input' ? s.source.name : '?')

/**
 * A printable summary table with the total parameter count.
 * @example
 * import { summary, sequential, dense, layers } from 'kiln'
 * summary(sequential(dense(4), layers.relu(), dense(2)), [8, 3]).split('\n').at(-1) // 'total parameters: 26'
 * import { modelInput, connect, merge, functional } from 'kiln'
 * const x = modelInput([3])
 * summary(functional(x, merge.add([connect(x, dense(3)), x])), [8, 3]).split('\n').at(-2)!.replace(/ +/g, ' ') // 'add0 [8,3] 0 dense0, x'
 */
export const summary = (model: Layer, inputShape: Shape): string => {
  const rows = summaryRows(model, inputShape)
  const table = model.graph === undefined
    ? formatTable(['layer', 'output shape', 'parameters'], rows.map((r) => [r.name, fmt(r.outputShape), r.params]), { align: ['left', 'left', 'right'] })
    : formatTable(['layer', 'output shape', 'parameters', 'inputs'], rows.map((r) => [r.name, fmt(r.outputShape), r.params, (r.inputs ?? []).join(', ')]), { align: ['left', 'left', 'right', 'left'] })
  return `${table}\ntotal parameters: ${rows.reduce((n, r) => n + r.params, 0)}`
}
