/**
 * Merges of several values in a functional model: their shape rule on one example's shape and their
 * computation on batched tensors, one record per op.
 * @module
 */
import { add, concat, div, mul } from '../api.js'
import { fmt, ShapeError, shapeEq, type Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'

/** A merge by name. */
export type MergeOp = 'add' | 'multiply' | 'average' | 'concatenate'

interface MergeDef {
  /** The output shape of one example from the inputs' (throws `ShapeError`). */
  readonly shape: (shapes: readonly Shape[], axis: number) => Shape
  /** The merged tensor; `axis` counts in one example's axes (batch excluded), negative from the end. */
  readonly apply: (xs: readonly Tensor[], axis: number) => Tensor
}

const sameShapes = (op: MergeOp) => (shapes: readonly Shape[]): Shape => {
  const bad = shapes.findIndex((s) => !shapeEq(s, shapes[0]!))
  if (bad >= 0) throw new ShapeError(`merge.${op}`, shapes, `input ${bad} has shape ${fmt(shapes[bad]!)}, input 0 ${fmt(shapes[0]!)}: ${op} needs equal shapes (no broadcasting)`)
  return shapes[0]!
}

const sum = (xs: readonly Tensor[]): Tensor => xs.slice(1).reduce<Tensor>((a, b) => add(a, b), xs[0]!)

/** The axis of one example's shape of rank `rank`, checked (negative counts from the end). */
const exampleAxis = (axis: number, rank: number): number => {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new RangeError(`merge.concatenate: axis must be an integer in [${-rank}, ${rank}), got ${axis}`)
  return axis < 0 ? axis + rank : axis
}

const DEFS: { readonly [K in MergeOp]: MergeDef } = {
  add: { shape: sameShapes('add'), apply: sum },
  multiply: { shape: sameShapes('multiply'), apply: (xs) => xs.slice(1).reduce<Tensor>((a, b) => mul(a, b), xs[0]!) },
  // The sum divided by n, as Keras' Average (a division rounds once; times 1/n would round twice).
  average: { shape: sameShapes('average'), apply: (xs) => div(sum(xs), xs.length) },
  concatenate: {
    shape: (shapes, axis) => {
      const rank = shapes[0]!.length
      const a = exampleAxis(axis, rank)
      const bad = shapes.findIndex((s) => s.length !== rank || s.some((d, i) => i !== a && d !== shapes[0]![i]))
      if (bad >= 0) throw new ShapeError('merge.concatenate', shapes, `input ${bad} has shape ${fmt(shapes[bad]!)}, input 0 ${fmt(shapes[0]!)}: they must agree except on axis ${a}`)
      return shapes[0]!.map((d, i) => (i === a ? shapes.reduce((n, s) => n + s[i]!, 0) : d))
    },
    apply: (xs, axis) => concat(xs, exampleAxis(axis, xs[0]!.shape.length - 1) + 1),
  },
}

/**
 * The merge ops.
 * @example
 * import { MERGE_OPS } from './merge.js'
 * MERGE_OPS // ['add', 'multiply', 'average', 'concatenate']
 */
export const MERGE_OPS = Object.keys(DEFS) as readonly MergeOp[]

/**
 * The shape of one example after merging inputs of these shapes.
 * @example
 * import { mergeShape } from './merge.js'
 * mergeShape('concatenate', [[4, 4, 2], [4, 4, 3]], -1) // [4, 4, 5]
 */
export const mergeShape = (op: MergeOp, shapes: readonly Shape[], axis: number): Shape => DEFS[op].shape(shapes, axis)

/**
 * Merges batched tensors (`axis` counts in one example's axes).
 * @example
 * import { applyMerge } from './merge.js'
 * import { input } from 'kiln'
 * applyMerge('concatenate', [input('a', [2, 3]), input('b', [2, 1])], -1).shape // [2, 4]
 */
export const applyMerge = (op: MergeOp, xs: readonly Tensor[], axis: number): Tensor => DEFS[op].apply(xs, axis)
