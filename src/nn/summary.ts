/**
 * A model summary in the style of Keras' `model.summary()`: each layer with its output shape and
 * parameter count, for an input shape.
 * @module
 */
import { formatTable } from '../report/table.js'
import { fmt, sizeOf, type Shape } from '../shape.js'
import type { Layer, Var } from './layer.js'
import { layerSites } from './sequential.js'
import { flattenParams, type Tree } from './tree.js'

/** One row of a summary. */
export interface SummaryRow {
  readonly name: string
  readonly outputShape: Shape
  readonly params: number
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
  layerSites(model, inputShape).map((s) => ({ name: s.path === '' ? s.layer.name : s.path, outputShape: s.spec.outputShape, params: count(s.spec.params) }))

/**
 * A printable summary table with the total parameter count.
 * @example
 * import { summary, sequential, dense, layers } from 'kiln'
 * summary(sequential(dense(4), layers.relu(), dense(2)), [8, 3]).split('\n').at(-1) // 'total parameters: 26'
 */
export const summary = (model: Layer, inputShape: Shape): string => {
  const rows = summaryRows(model, inputShape)
  const table = formatTable(['layer', 'output shape', 'parameters'], rows.map((r) => [r.name, fmt(r.outputShape), r.params]), { align: ['left', 'left', 'right'] })
  return `${table}\ntotal parameters: ${rows.reduce((n, r) => n + r.params, 0)}`
}
