/**
 * Convolution and pooling layers on NHWC images (`[batch, height, width, channels]`), built only from
 * primitive ops (`pad`, `slice`, `reshape`, `concat`, `matmul`, `max`, `mean`), so their gradients,
 * second derivatives and compiled kernels come from the core with no new op.
 *
 * `conv2d` is im2col: the `kh * kw` shifted windows of the padded input are concatenated on the channel
 * axis into patches `[B, Ho, Wo, kh*kw*C]`, and one matmul with the kernel `[kh*kw*C, filters]` does the rest.
 * @module
 */
import { add, concat, div, matmul, max, mean, pad, reshape, slice, sum } from '../api.js'
import { constant } from '../make.js'
import { checkOptionKinds, describeValue, numberList, requireNumber, type OptionKinds } from '../options.js'
import { fmt, inferDims, ShapeError, sizeOf, type Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { activationFn, type ActivationName } from './activations.js'
import { glorotUniform, zeros, type Initializer } from './init.js'
import { configured, defineLayer, leafOf, typedParams, variable, withoutParams, type Layer, type NoParams } from './layer.js'
import type { DenseParams } from './layers.js'
import type { InputOf, ShapeFn } from './shapes.js'

/** A size per spatial axis: one number for both, or `[height, width]`. */
export type Size2 = number | readonly [number, number]

/**
 * `[B, H, W, C] -> [B, Ho, Wo, F]`; `Keep` (padding `'same'`, stride 1) keeps `H` and `W`, otherwise they are `number`.
 * @example
 * import { conv2d, input, type ApplyShape, type Conv2dShape, type Tensor } from 'kiln'
 * const y: Tensor<ApplyShape<Conv2dShape<4, true>, readonly [2, 8, 8, 1]>> = conv2d(4, 3, { padding: 'same' }).apply({ w: input('w', [3, 3, 1, 4]), b: input('b', [4]) }, input('x', [2, 8, 8, 1])).y
 * y.shape // [2, 8, 8, 4]
 */
export interface Conv2dShape<F extends number, Keep extends boolean = false> extends ShapeFn {
  readonly Out: InputOf<this> extends readonly [infer B extends number, infer H extends number, infer W extends number, number]
    ? Keep extends true ? readonly [B, H, W, F] : readonly [B, number, number, F]
    : Shape
}

/**
 * `[B, H, W, C] -> [B, Ho, Wo, C]` (pooling; the spatial sizes are `number`).
 * @example
 * import { maxPool2d, input, type ApplyShape, type Pool2dShape, type Tensor } from 'kiln'
 * const y: Tensor<ApplyShape<Pool2dShape, readonly [2, 8, 8, 3]>> = maxPool2d(2).apply({}, input('x', [2, 8, 8, 3])).y
 * y.shape // [2, 4, 4, 3]
 */
export interface Pool2dShape extends ShapeFn {
  readonly Out: InputOf<this> extends readonly [infer B extends number, number, number, infer C extends number] ? readonly [B, number, number, C] : Shape
}

/**
 * `[B, H, W, C] -> [B, C]` (global pooling).
 * @example
 * import { globalAvgPool2d, input, type ApplyShape, type GlobalPool2dShape, type Tensor } from 'kiln'
 * const y: Tensor<ApplyShape<GlobalPool2dShape, readonly [2, 4, 4, 3]>> = globalAvgPool2d().apply({}, input('x', [2, 4, 4, 3])).y
 * y.shape // [2, 3]
 */
export interface GlobalPool2dShape extends ShapeFn {
  readonly Out: InputOf<this> extends readonly [infer B extends number, number, number, infer C extends number] ? readonly [B, C] : Shape
}

/** `-1` (the inferred dim) becomes `number`. */
type Dims<T extends Shape> = { readonly [K in keyof T]: T[K] extends -1 ? number : T[K] }

/**
 * `[B, ...rest] -> [B, ...T]` (the reshape layer; a `-1` in `T` becomes `number`).
 * @example
 * import { layers, input, type ApplyShape, type ReshapeShape, type Tensor } from 'kiln'
 * const y: Tensor<ApplyShape<ReshapeShape<readonly [8, 8, 1]>, readonly [5, 8, 8]>> = layers.reshape([8, 8, 1]).apply({}, input('x', [5, 8, 8])).y
 * y.shape // [5, 8, 8, 1]
 */
export interface ReshapeShape<T extends Shape> extends ShapeFn {
  readonly Out: InputOf<this> extends readonly [infer B extends number, ...Shape] ? readonly [B, ...Dims<T>] : Shape
}

type Pair = readonly [number, number]

const pairOf = (who: string, name: string, v: Size2, least = 1): Pair => {
  // read without converting: a string or an object with valueOf is refused, never coerced
  const p = typeof v === 'number' ? [v, v] : numberList(who, name, v, false)
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= least))
    throw new RangeError(`${who}: ${name} must be ${least === 1 ? 'a positive integer' : `an integer >= ${least}`} or a pair [height, width] of them, got ${JSON.stringify(typeof v === 'number' ? v : p)}`)
  return [p[0]!, p[1]!]
}

const checkPadding = (who: string, padding: unknown): 'valid' | 'same' => {
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${who}: padding must be 'valid' or 'same', got ${typeof padding === 'string' ? JSON.stringify(padding) : describeValue(padding)}`)
  return padding
}

const rank4 = (who: string, s: Shape): readonly [number, number, number, number] => {
  if (s.length !== 4) throw new ShapeError(who, [s], `expected an NHWC image batch [batch, height, width, channels] (rank 4), got rank ${s.length}`)
  return [s[0]!, s[1]!, s[2]!, s[3]!]
}

/** Output size and padding before, per spatial axis (TensorFlow's rules: 'same' puts the odd pixel after). */
interface Geometry {
  readonly out: Pair
  readonly before: Pair
}

const geometry = (who: string, s: Shape, k: Pair, st: Pair, padding: 'valid' | 'same'): Geometry => {
  const [, h, w] = rank4(who, s)
  if (padding === 'same') {
    const out: Pair = [Math.ceil(h / st[0]), Math.ceil(w / st[1])]
    const total = [0, 1].map((a) => Math.max((out[a]! - 1) * st[a]! + k[a]! - [h, w][a]!, 0))
    return { out, before: [Math.floor(total[0]! / 2), Math.floor(total[1]! / 2)] }
  }
  if (h < k[0] || w < k[1]) throw new ShapeError(who, [s, k], `the ${fmt(k)} window is larger than the ${h}x${w} input (padding 'valid'); use ${who === 'conv2d' ? "padding 'same' or " : ''}a smaller window`)
  return { out: [Math.floor((h - k[0]) / st[0]) + 1, Math.floor((w - k[1]) / st[1]) + 1], before: [0, 0] }
}

/**
 * The input padded by `before` and padded (or cropped) after to `[B, s*(Ho+q), s*(Wo+q), C]` with
 * `q = floor((k-1)/s)`, then reshaped to `[B, Ho+q, s, Wo+q, s, C]` ("space to depth"). A strided slice
 * is not a primitive; in this layout it is a plain slice: input row `i + s*o` is `[o + floor(i/s), i % s]`,
 * so window `(i, j)` (rows `i + s*o`, o < Ho) is the slice at `[0, floor(i/s), i%s, floor(j/s), j%s, 0]`
 * of size `[B, Ho, 1, Wo, 1, C]`. The target covers the last window row `s*(Ho-1) + k-1`; rows after it are never read.
 */
const spaceToDepth = (x: Tensor, k: Pair, st: Pair, g: Geometry, fill = 0): Tensor => {
  const [b, h, w, c] = x.shape as readonly [number, number, number, number]
  const q: Pair = [Math.floor((k[0] - 1) / st[0]), Math.floor((k[1] - 1) / st[1])]
  const target: Pair = [st[0] * (g.out[0] + q[0]), st[1] * (g.out[1] + q[1])]
  const after = [target[0] - h - g.before[0], target[1] - w - g.before[1]]
  const cropped = after.some((a) => a < 0) ? slice(x, [0, 0, 0, 0], [b, h + Math.min(after[0]!, 0), w + Math.min(after[1]!, 0), c]) : x
  const padded = pad(cropped, [0, g.before[0], g.before[1], 0], [0, Math.max(after[0]!, 0), Math.max(after[1]!, 0), 0], fill)
  return reshape(padded, [b, target[0] / st[0], st[0], target[1] / st[1], st[1], c])
}

/** The `kh * kw` windows `[B, Ho, Wo, C]`, row-major over `(i, j)`: window `(i, j)` holds `padded[b, i + sh*oh, j + sw*ow, c]`. */
const windows = (x: Tensor, k: Pair, st: Pair, g: Geometry, fill = 0): Tensor[] => {
  const [b, , , c] = x.shape as readonly [number, number, number, number]
  const [ho, wo] = g.out
  const s2d = spaceToDepth(x, k, st, g, fill)
  return Array.from({ length: k[0] * k[1] }, (_, n) => {
    const [i, j] = [Math.floor(n / k[1]), n % k[1]]
    const begin = [0, Math.floor(i / st[0]), i % st[0], Math.floor(j / st[1]), j % st[1], 0]
    return reshape(slice(s2d, begin, [b, ho, 1, wo, 1, c]), [b, ho, wo, c])
  })
}

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Step between windows, one for both axes or `[height, width]` (default 1). */
  readonly stride?: Size2
  /** `'valid'` (no padding, default) or `'same'` (output `ceil(input / stride)`, zero padding split as TensorFlow does). */
  readonly padding?: 'valid' | 'same'
  /** Kernel initializer (default `glorotUniform`, as `dense` and Keras; pass `heNormal` before ReLUs). Fans: `kh*kw*C` in, `kh*kw*filters` out. */
  readonly init?: Initializer
  /** Bias initializer (default `zeros`). */
  readonly biasInit?: Initializer
  /** Add a bias per filter (default true). */
  readonly bias?: boolean
  /** An activation applied after the convolution, by name (default `'linear'`). */
  readonly activation?: ActivationName
}

/** The options of `conv2d` with the kinds of their values (`{ strides: 2 }` throws, suggesting `stride`). */
const CONV2D_OPTIONS: OptionKinds<Conv2dOptions> = {
  stride: ['number', 'array'], padding: 'string', init: 'function', biasInit: 'function', bias: 'boolean', activation: 'string',
}

/** Whether options give `'same'` padding with stride 1 (so the spatial size is kept statically). */
export type KeepsSize<O> = O extends { readonly padding: 'same' }
  ? O extends { readonly stride: infer S } ? (S extends 1 | readonly [1, 1] | undefined ? true : false) : true
  : false

/**
 * 2-D convolution (cross-correlation, as every framework) of `[B, H, W, C]` images with a kernel
 * `w: [kh, kw, C, filters]` and bias `b: [filters]`, giving `[B, Ho, Wo, filters]`. Computed by im2col
 * (see the module doc). Sizes that are not positive integers, or an unknown padding, throw a `RangeError`;
 * an unknown option (`strides` suggests `stride`) or a value of the wrong kind an `ArgumentError`;
 * an input that is not rank 4, or smaller than the kernel with padding `'valid'`, a `ShapeError`.
 * @example
 * import { conv2d, key } from 'kiln'
 * conv2d(16, 3, { padding: 'same' }).init(key(0), [2, 8, 8, 1]).outputShape // [2, 8, 8, 16]
 * conv2d(8, [3, 2], { stride: 2 }).init(key(0), [2, 9, 9, 3]).outputShape // [2, 4, 4, 8]
 * conv2d(8, 3).init(key(0), [2, 5, 5, 3]).params.w.length // 3 * 3 * 3 * 8
 */
export const conv2d = <const F extends number, const O extends Conv2dOptions = {}>(filters: F, kernelSize: Size2, options?: O): Layer<Conv2dShape<F, KeepsSize<O>>, DenseParams<O>, { readonly kind: 'conv2d' }> => {
  const o: Conv2dOptions = checkOptionKinds<Conv2dOptions | undefined>('conv2d', options, CONV2D_OPTIONS) ?? {}
  if (!Number.isInteger(requireNumber('conv2d', 'filters', filters)) || filters < 1) throw new RangeError(`conv2d: filters must be a positive integer, got ${filters}`)
  const k = pairOf('conv2d', 'kernelSize', kernelSize)
  const st = pairOf('conv2d', 'stride', o.stride ?? 1)
  const padding = checkPadding('conv2d', o.padding ?? 'valid')
  const act = activationFn(o.activation ?? 'linear', 'conv2d')
  const useBias = o.bias ?? true
  const kernelShape = (c: number): Shape => [k[0], k[1], c, filters]
  const layer = defineLayer<Conv2dShape<F, KeepsSize<O>>>(
    'conv2d',
    (s) => {
      const [b, , , c] = rank4('conv2d', s)
      const { out } = geometry('conv2d', s, k, st, padding)
      const w = variable(kernelShape(c), o.init ?? glorotUniform)
      return { params: useBias ? { w, b: variable([filters], o.biasInit ?? zeros) } : { w }, state: {}, outputShape: [b, out[0], out[1], filters] }
    },
    (p, x, ctx) => {
      const [b, , , c] = rank4('conv2d', x.shape)
      const g = geometry('conv2d', x.shape, k, st, padding)
      const patch = k[0] * k[1] * c
      const rows = b * g.out[0] * g.out[1]
      const cols: Tensor = reshape(concat(windows(x, k, st, g), 3), [rows, patch])
      const kernel: Tensor = reshape(leafOf(p, 'w', 'conv2d', kernelShape(c)), [patch, filters])
      const z: Tensor = matmul(cols, kernel)
      const zb: Tensor = useBias ? add(z, leafOf(p, 'b', 'conv2d', [filters])) : z
      return { y: act(reshape(zb, [b, g.out[0], g.out[1], filters])), state: ctx.state }
    },
  )
  return typedParams<DenseParams<O>, { readonly kind: 'conv2d' }>()(configured(layer, 'conv2d', [filters, kernelSize, options]))
}

/** Options of the pooling layers. */
export interface Pool2dOptions {
  /** Step between windows (default: the window size, non-overlapping). */
  readonly stride?: Size2
  /**
   * `'valid'` (default: windows inside the image) or `'same'` (output `ceil(input / stride)`, padding split
   * as TensorFlow does); padded positions never count: max pooling pads with -Infinity, average pooling
   * divides by the number of real pixels in each window (TensorFlow's and Keras' rule).
   */
  readonly padding?: 'valid' | 'same'
}

const POOL2D_OPTIONS: OptionKinds<Pool2dOptions> = { stride: ['number', 'array'], padding: 'string' }

/** How many input pixels (not padding) each output position's window covers, `[1, Ho, Wo, 1]`. */
const windowCounts = (h: number, w: number, k: Pair, st: Pair, g: Geometry): Tensor => {
  const [ho, wo] = g.out
  const counts = new Float64Array(ho * wo)
  const inside = (o: number, a: 0 | 1, n: number): number => {
    const lo = o * st[a] - g.before[a]
    return Math.min(lo + k[a], n) - Math.max(lo, 0)
  }
  for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) counts[i * wo + j] = inside(i, 0, h) * inside(j, 1, w)
  return constant(counts, [1, ho, wo, 1])
}

const pool = (who: 'maxPool2d' | 'avgPool2d', size: Size2, options: Pool2dOptions): Layer<Pool2dShape, NoParams> => {
  checkOptionKinds(who, options, POOL2D_OPTIONS)
  const k = pairOf(who, 'size', size)
  const st = pairOf(who, 'stride', options.stride ?? k)
  const padding = checkPadding(who, options.padding ?? 'valid')
  const isMax = who === 'maxPool2d'
  const layer = defineLayer<Pool2dShape>(
    who,
    (s) => {
      const [b, , , c] = rank4(who, s)
      const { out } = geometry(who, s, k, st, padding)
      return { params: {}, state: {}, outputShape: [b, out[0], out[1], c] }
    },
    (_p, x, ctx) => {
      const [b, h, w, c] = rank4(who, x.shape)
      const g = geometry(who, x.shape, k, st, padding)
      const padded = g.before[0] > 0 || g.before[1] > 0 || padding === 'same'
      // Without padding a window's mean is its mean; with it, the sum over the real pixels divided by their count.
      const reduce = (t: Tensor, axes: readonly number[]): Tensor =>
        isMax ? max(t, axes) : padded ? div(sum(t, axes), windowCounts(h, w, k, st, g)) : mean(t, axes)
      const fill = isMax ? -Infinity : 0
      // Non-overlapping windows are exactly the space-to-depth blocks [B, Ho, p, Wo, p, C]: one reduction.
      if (k[0] === st[0] && k[1] === st[1]) return { y: reduce(spaceToDepth(x, k, st, g, fill), [2, 4]), state: ctx.state }
      const stacked = concat(windows(x, k, st, g, fill).map((t) => reshape(t, [b, g.out[0], g.out[1], 1, c])), 3)
      return { y: reduce(stacked, [3]), state: ctx.state }
    },
  )
  return withoutParams(configured(layer, who, [size, options]))
}

/**
 * Max pooling over `size` windows (padding `'valid'`: rows and columns that do not fill a window are
 * dropped, as Keras and PyTorch do). `stride` defaults to `size`; other strides (overlapping or gapped
 * windows) take the maximum over the shifted windows. The gradient is shared among ties (see `max`).
 * @example
 * import { maxPool2d, evaluate, constant, key } from 'kiln'
 * const x = constant([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 1, 3, 4], [1, 4, 4, 1])
 * Array.from(evaluate([maxPool2d(2).apply({}, x).y], {})[0]!) // [5, 9, 7, 4]
 * maxPool2d(3, { stride: 1 }).init(key(0), [1, 5, 5, 2]).outputShape // [1, 3, 3, 2]
 * Array.from(evaluate([maxPool2d(3, { stride: 1, padding: 'same' }).apply({}, x).y], {})[0]!.slice(0, 4)) // [5, 9, 9, 9]
 */
export const maxPool2d = (size: Size2, options: Pool2dOptions = {}): Layer<Pool2dShape, NoParams> => pool('maxPool2d', size, options)

/**
 * Average pooling over `size` windows; same geometry as `maxPool2d` (padding `'valid'`, `stride` defaults to `size`).
 * @example
 * import { avgPool2d, evaluate, constant } from 'kiln'
 * const x = constant([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 1, 3, 4], [1, 4, 4, 1])
 * Array.from(evaluate([avgPool2d(2).apply({}, x).y], {})[0]!) // [3.25, 4.75, 3.5, 2.5]
 * Array.from(evaluate([avgPool2d(3, { stride: 1, padding: 'same' }).apply({}, x).y], {})[0]!.slice(0, 2)) // [13 / 4, 4]
 */
export const avgPool2d = (size: Size2, options: Pool2dOptions = {}): Layer<Pool2dShape, NoParams> => pool('avgPool2d', size, options)

/**
 * The mean over the spatial axes: `[B, H, W, C] -> [B, C]`.
 * @example
 * import { globalAvgPool2d, input } from 'kiln'
 * globalAvgPool2d().apply({}, input('x', [2, 4, 4, 3])).y.shape // [2, 3]
 */
export const globalAvgPool2d = (): Layer<GlobalPool2dShape, NoParams> =>
  withoutParams(configured(defineLayer<GlobalPool2dShape>(
    'globalAvgPool2d',
    (s) => {
      const [b, , , c] = rank4('globalAvgPool2d', s)
      return { params: {}, state: {}, outputShape: [b, c] }
    },
    (_p, x, ctx) => {
      rank4('globalAvgPool2d', x.shape)
      return { y: mean(x, [1, 2]), state: ctx.state }
    },
  ), 'globalAvgPool2d', []))

/**
 * Pads each image with `padding` rows of zeros above and below and `padding` columns left and right (one
 * number for both axes, or `[rows, columns]`): `[B, H, W, C] -> [B, H + 2r, W + 2c, C]`, as Keras'
 * `ZeroPadding2D` (LeNet-5 reads 28x28 digits padded to 32x32).
 * @example
 * import { zeroPadding2d, input } from 'kiln'
 * zeroPadding2d(2).apply({}, input('x', [5, 28, 28, 1])).y.shape // [5, 32, 32, 1]
 */
export const zeroPadding2d = (padding: Size2): Layer<Pool2dShape, NoParams> => {
  const [r, c] = pairOf('zeroPadding2d', 'padding', padding, 0)
  const out = (s: Shape): Shape => {
    const [b, h, w, ch] = rank4('zeroPadding2d', s)
    return [b, h + 2 * r, w + 2 * c, ch]
  }
  const layer = defineLayer<Pool2dShape>(
    'zeroPadding2d',
    (s) => ({ params: {}, state: {}, outputShape: out(s) }),
    (_p, x, ctx) => {
      out(x.shape)
      return { y: pad(x, [0, r, c, 0], [0, r, c, 0]), state: ctx.state }
    },
  )
  return withoutParams(configured(layer, 'zeroPadding2d', [padding]))
}

const resolve = (who: string, s: Shape, target: Shape): Shape => {
  if (s.length < 1) throw new ShapeError(who, [s], 'needs a batch axis')
  const n = sizeOf(s.slice(1))
  const dims = inferDims(n, target)
  if (sizeOf(dims) !== n || dims.some((d) => d < 0))
    throw new ShapeError(who, [s, target], `cannot reshape the ${n} values of each example to ${fmt(target)}`)
  return [s[0]!, ...dims]
}

/**
 * Reshapes each example, keeping the batch axis: `[B, ...rest] -> [B, ...shape]` (one dim may be `-1`,
 * inferred). For instance `[B, 8, 8]` grayscale images to `[B, 8, 8, 1]` for `conv2d`. Dims that are
 * not integers >= -1, or more than one `-1`, throw a `RangeError`; a size mismatch a `ShapeError`.
 * @example
 * import { layers, input } from 'kiln'
 * layers.reshape([8, 8, 1]).apply({}, input('x', [5, 8, 8])).y.shape // [5, 8, 8, 1]
 * layers.reshape([-1, 2]).apply({}, input('x', [5, 6])).y.shape // [5, 3, 2]
 */
export const reshapeLayer = <const T extends Shape>(shape: T): Layer<ReshapeShape<T>, NoParams> => {
  const dims = numberList('reshape', 'shape', shape, false)
  if (!dims.every((d) => Number.isInteger(d) && d >= -1) || dims.filter((d) => d === -1).length > 1)
    throw new RangeError(`reshape: dims must be integers >= 0 with at most one -1 (inferred), got ${fmt(dims)}`)
  const layer = defineLayer<ReshapeShape<T>>(
    'reshape',
    (s) => ({ params: {}, state: {}, outputShape: resolve('reshape', s, shape) }),
    (_p, x, ctx) => ({ y: reshape(x, resolve('reshape', x.shape, shape)), state: ctx.state }),
  )
  return withoutParams(configured(layer, 'reshape', [dims]))
}
