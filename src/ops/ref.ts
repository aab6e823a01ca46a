/**
 * Index arithmetic for the reference interpreter: plain loops over multi-indices.
 * @module
 */
import { sizeOf, stridesOf, type Shape } from '../shape.js'

/**
 * Multi-index of flat index `i` in `shape`.
 * @example
 * import { unravel } from './ref.js'
 * unravel(5, [2, 3]) // [1, 2]
 */
export const unravel = (i: number, shape: Shape): number[] => {
  const idx = new Array<number>(shape.length)
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k]!
    idx[k] = i % d
    i = Math.floor(i / d)
  }
  return idx
}

/**
 * Flat index in `shape` of the output multi-index `idx` broadcast down to `shape` (right-aligned).
 * @example
 * import { broadcastIndex } from './ref.js'
 * broadcastIndex([1, 2], [1, 3]) // 2
 */
export const broadcastIndex = (idx: readonly number[], shape: Shape): number => {
  const strides = stridesOf(shape)
  const off = idx.length - shape.length
  let flat = 0
  for (let k = 0; k < shape.length; k++) flat += shape[k] === 1 ? 0 : idx[k + off]! * strides[k]!
  return flat
}

/**
 * Elementwise evaluation with NumPy broadcasting of every operand to `out`.
 * @example
 * import { mapBroadcast } from './ref.js'
 * Array.from(mapBroadcast([Float64Array.of(1, 2), Float64Array.of(10)], [[2], [1]], [2], ([a, b]) => a! + b!)) // [11, 12]
 */
export const mapBroadcast = (
  args: readonly Float64Array[],
  shapes: readonly Shape[],
  out: Shape,
  f: (xs: readonly number[]) => number,
): Float64Array => {
  const n = sizeOf(out)
  const res = new Float64Array(n)
  const xs = new Array<number>(args.length)
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, out)
    for (let a = 0; a < args.length; a++) xs[a] = args[a]![broadcastIndex(idx, shapes[a]!)]!
    res[i] = f(xs)
  }
  return res
}

/**
 * Output buffer built by reading, for each output multi-index, one input flat index (views).
 * @example
 * import { gatherBy } from './ref.js'
 * Array.from(gatherBy(Float64Array.of(5, 6), [3], ([i]) => (i! < 2 ? i! : -1), 9)) // [5, 6, 9]
 */
export const gatherBy = (src: Float64Array, out: Shape, from: (idx: number[]) => number, fill = 0): Float64Array => {
  const n = sizeOf(out)
  const res = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const j = from(unravel(i, out))
    res[i] = j < 0 ? fill : src[j]!
  }
  return res
}

/**
 * Flat index of a multi-index in `shape`.
 * @example
 * import { ravel } from './ref.js'
 * ravel([1, 2], [2, 3]) // 5
 */
export const ravel = (idx: readonly number[], shape: Shape): number => {
  let flat = 0
  for (let k = 0; k < shape.length; k++) flat = flat * shape[k]! + idx[k]!
  return flat
}
