/**
 * Shapes: row-major dimension lists, NumPy broadcasting and the `ShapeError` every op throws.
 * @module
 */

import { ArgumentError, describeValue, numberList, ownValue } from './options.js'

/** A tensor shape: one non-negative integer per axis, row-major. `[]` is a scalar. */
export type Shape = readonly number[]

/**
 * Thrown when an op's operand shapes break its rule. Names the op, the shapes and the rule.
 * @example
 * import { ShapeError } from 'kiln'
 * const e = new ShapeError('matmul', [[2, 3], [4, 5]], 'inner dimensions must agree (3 vs 4)')
 * e.message // "matmul: shapes [2,3] and [4,5]: inner dimensions must agree (3 vs 4)"
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError'
  constructor(
    readonly op: string,
    readonly shapes: readonly Shape[],
    readonly rule: string,
  ) {
    super(`${op}: ${describeShapes(shapes)}: ${rule}`)
  }
}

const describeShapes = (shapes: readonly Shape[]): string =>
  shapes.length === 1
    ? `shape ${fmt(shapes[0]!)}`
    : `shapes ${shapes.map(fmt).join(' and ')}`

/**
 * Formats a shape as `[2,3]`; anything that is not a list of numbers is described without running
 * its methods (error messages format what users passed).
 * @example
 * import { fmt } from 'kiln'
 * fmt([2, 3]) // '[2,3]'
 * fmt('23' as never) // 'the string "23"'
 */
export const fmt = (s: Shape): string => {
  if (!Array.isArray(s)) return describeValue(s)
  const dims = Array.from({ length: s.length }, (_, i) => {
    const r = ownValue(s, i)
    return !r.ok ? (r.why === 'missing' ? '' : 'an accessor') : typeof r.value === 'number' ? String(r.value) : describeValue(r.value)
  })
  return `[${dims.join(',')}]`
}

/**
 * Number of elements of a shape (1 for a scalar).
 * @example
 * import { sizeOf } from 'kiln'
 * sizeOf([2, 3]) // 6
 */
export const sizeOf = (s: Shape): number => s.reduce((a, b) => a * b, 1)

/**
 * Row-major strides of a shape, in elements.
 * @example
 * import { stridesOf } from 'kiln'
 * stridesOf([2, 3, 4]) // [12, 4, 1]
 */
export const stridesOf = (s: Shape): number[] => {
  const out = new Array<number>(s.length)
  let acc = 1
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc
    acc *= s[i]!
  }
  return out
}

/**
 * True when two shapes are equal axis by axis.
 * @example
 * import { shapeEq } from 'kiln'
 * shapeEq([2, 3], [2, 3]) // true
 * shapeEq([2, 3], [3, 2]) // false
 */
export const shapeEq = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i])

/**
 * The broadcast shape of several shapes, or undefined when they do not broadcast.
 * @example
 * import { tryBroadcast } from 'kiln'
 * tryBroadcast([[4, 1], [3]]) // [4, 3]
 * tryBroadcast([[2], [3]]) // undefined
 */
export const tryBroadcast = (shapes: readonly Shape[]): Shape | undefined => {
  const rank = Math.max(0, ...shapes.map((s) => s.length))
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    let d = 1
    for (const s of shapes) {
      const k = s.length - rank + i
      const e = k < 0 ? 1 : s[k]!
      if (e === d || e === 1) continue
      if (d !== 1) return undefined
      d = e
    }
    out.push(d)
  }
  return out
}

/**
 * NumPy broadcasting of operand shapes; throws a `ShapeError` naming `op` when they do not broadcast.
 * @example
 * import { broadcastShapes } from 'kiln'
 * broadcastShapes('add', [[4, 1], [3]]) // [4, 3]
 */
export const broadcastShapes = (op: string, shapes: readonly Shape[]): Shape => {
  const out = tryBroadcast(shapes)
  if (out === undefined)
    throw new ShapeError(op, shapes, 'shapes are not broadcastable (each axis, aligned from the right, must be equal or 1)')
  return out
}

/**
 * Checks a shape is a list of non-negative integers, returning a copy; throws a `ShapeError` naming
 * `op`, or an `ArgumentError` when it is not a list of numbers at all (nothing it holds is converted).
 * @example
 * import { checkShape } from 'kiln'
 * checkShape('input', [2, 0]) // [2, 0]
 * let error = ''
 * try { checkShape('input', [2, -1]) } catch (e) { error = (e as Error).message }
 * error.includes('every dimension must be a non-negative integer') // true
 */
export const checkShape = (op: string, s: Shape): Shape => {
  const dims = numberList(op, 'shape', s, false)
  if (!dims.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(op, [dims], 'every dimension must be a non-negative integer')
  return dims
}

/**
 * Normalizes axes (negative counts from the end), sorted and unique; throws a `ShapeError` on
 * out-of-range axes and an `ArgumentError` naming `op` and `field` for anything but a number or a
 * list of numbers. `undefined` means all axes.
 * @example
 * import { normAxes } from 'kiln'
 * normAxes('sum', [2, 3, 4], [-1, 0]) // [0, 2]
 * normAxes('sum', [2, 3], undefined) // [0, 1]
 * try { normAxes('softmax', [2, 3], '1' as never, 'axis') } catch (e) { (e as Error).message } // 'softmax: axis: expected an axis or a list of axes, got the string "1"'
 */
export const normAxes = (op: string, shape: Shape, axes: number | readonly number[] | undefined, field = 'axes'): number[] => {
  if (axes === undefined) return shape.map((_, i) => i)
  if (typeof axes !== 'number' && !Array.isArray(axes)) throw new ArgumentError(op, field, `expected an axis or a list of axes, got ${describeValue(axes)}`)
  const list = typeof axes === 'number' ? [axes] : numberList(op, field, axes, false)
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -shape.length || a >= shape.length)
      throw new ShapeError(op, [shape], `axis ${a} is out of range for rank ${shape.length}`)
    return a < 0 ? a + shape.length : a
  })
  const sorted = [...new Set(out)].sort((a, b) => a - b)
  if (sorted.length !== out.length) throw new ShapeError(op, [shape], `axes ${JSON.stringify(list)} repeat an axis`)
  return sorted
}

/**
 * Shape after reducing `axes` (normalized), keeping them as 1 or dropping them.
 * @example
 * import { reducedShape } from 'kiln'
 * reducedShape([2, 3, 4], [1], true) // [2, 1, 4]
 * reducedShape([2, 3, 4], [1], false) // [2, 4]
 */
export const reducedShape = (shape: Shape, axes: readonly number[], keepDims: boolean): Shape =>
  keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))

/**
 * `dims` with its one `-1` replaced by what makes `size` elements (when that is a whole number); any
 * other `dims` come back as they are, for the caller's own check of the element count.
 * @example
 * import { inferDims } from 'kiln'
 * inferDims(6, [-1, 2]) // [3, 2]
 * inferDims(6, [4, -1]) // [4, -1]
 * inferDims(6, [-1, -1]) // [-1, -1]
 */
export const inferDims = (size: number, dims: readonly number[]): number[] => {
  const known = dims.filter((d) => d !== -1)
  const holes = dims.length - known.length
  const inferred = holes === 1 && sizeOf(known) > 0 ? size / sizeOf(known) : -1
  return holes === 1 && Number.isInteger(inferred) ? dims.map((d) => (d === -1 ? inferred : d)) : [...dims]
}
