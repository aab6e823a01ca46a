/**
 * Parameter initializers: `(key, shape, fans?) -> Float64Array`, drawn outside the graph from an
 * explicit key. Variance-scaling initializers read the fans of the layer (`fansOf`).
 * @module
 */
import { normal as sampleNormal, truncatedNormal as sampleTruncated, uniform as sampleUniform } from '../random/sample.js'
import type { Key } from '../random/key.js'
import { fmt, sizeOf, type Shape } from '../shape.js'
import { namedInitializer } from './config.js'

/** Fan-in and fan-out of a weight: the number of inputs feeding one output and outputs fed by one input. */
export interface Fans {
  readonly fanIn: number
  readonly fanOut: number
}

/** An initializer: values for `shape` from `key`; `fans` default to `fansOf(shape)`. */
export type Initializer = (key: Key, shape: Shape, fans?: Fans) => Float64Array

/**
 * The fans of a weight shape. Dense `[in, out]`: `(in, out)`. Convolution-style kernels, channels last
 * (`[...receptive, in, out]`, as Flax/TF): `(in * r, out * r)` with `r` the receptive field size.
 * Scalars and vectors: `(n, n)` with `n` the element count.
 * @example
 * import { fansOf } from 'kiln'
 * fansOf([784, 128]) // { fanIn: 784, fanOut: 128 }
 * fansOf([3, 3, 16, 32]) // { fanIn: 144, fanOut: 288 }
 */
export const fansOf = (shape: Shape): Fans => {
  if (shape.length < 2) return { fanIn: sizeOf(shape), fanOut: sizeOf(shape) }
  const r = sizeOf(shape.slice(0, -2))
  return { fanIn: shape[shape.length - 2]! * r, fanOut: shape[shape.length - 1]! * r }
}

const fill = (shape: Shape, v: number): Float64Array => new Float64Array(sizeOf(shape)).fill(v)

const checkPositive = (who: string, name: string, v: number): void => {
  if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`${who}: ${name} must be a positive finite number, got ${v}`)
}

const fansFor = (who: string, shape: Shape, fans: Fans | undefined): Fans => {
  const f = fans ?? fansOf(shape)
  if (!(f.fanIn > 0 && f.fanOut > 0)) throw new RangeError(`${who}: fans must be positive, got fanIn ${f.fanIn}, fanOut ${f.fanOut} for shape ${fmt(shape)}`)
  return f
}

/** All zeros. @example import { zeros, key } from 'kiln'; zeros(key(0), [2]) // Float64Array.of(0, 0) */
export const zeros: Initializer = namedInitializer('zeros', [], (_key, shape) => fill(shape, 0))

/** All ones. @example import { ones, key } from 'kiln'; ones(key(0), [2]) // Float64Array.of(1, 1) */
export const ones: Initializer = namedInitializer('ones', [], (_key, shape) => fill(shape, 1))

/**
 * Every element `v`.
 * @example
 * import { constantInit, key } from 'kiln'
 * constantInit(0.1)(key(0), [2]) // Float64Array.of(0.1, 0.1)
 */
export const constantInit = (v: number): Initializer => {
  if (!Number.isFinite(v)) throw new RangeError(`constantInit: value must be finite, got ${v}`)
  return namedInitializer('constant', [v], (_key, shape) => fill(shape, v))
}

/**
 * Uniform on `[lo, hi)`.
 * @example
 * import { uniformInit, key } from 'kiln'
 * uniformInit(-1, 1)(key(0), [100]).every((v) => v >= -1 && v < 1) // true
 */
export const uniformInit = (lo: number, hi: number): Initializer => {
  if (!(lo < hi)) throw new RangeError(`uniformInit: need lo < hi, got ${lo}, ${hi}`)
  return namedInitializer('uniform', [lo, hi], (key, shape) => sampleUniform(key, sizeOf(shape), lo, hi))
}

/**
 * Normal with mean 0 and standard deviation `std`.
 * @example
 * import { normalInit, key } from 'kiln'
 * normalInit(0.01)(key(0), [3]).length // 3
 */
export const normalInit = (std: number): Initializer => {
  checkPositive('normalInit', 'std', std)
  return namedInitializer('normal', [std], (key, shape) => sampleNormal(key, sizeOf(shape), 0, std))
}

/**
 * Normal with mean 0 and `std`, redrawn outside `[-2 std, 2 std]` (the draws' std is about 0.88 std).
 * @example
 * import { truncatedNormalInit, key } from 'kiln'
 * truncatedNormalInit(0.1)(key(0), [100]).every((v) => Math.abs(v) <= 0.2) // true
 */
export const truncatedNormalInit = (std: number): Initializer => {
  checkPositive('truncatedNormalInit', 'std', std)
  return namedInitializer('truncatedNormal', [std], (key, shape) => sampleTruncated(key, sizeOf(shape), 0, std))
}

/** Uniform on `[-limit, limit)` with `limit = sqrt(3 * scale / n)`, variance `scale / n`. */
const scaledUniform = (who: string, scale: number, n: (f: Fans) => number): Initializer =>
  namedInitializer(who, [], (key, shape, fans) => {
    const limit = Math.sqrt((3 * scale) / n(fansFor(who, shape, fans)))
    return sampleUniform(key, sizeOf(shape), -limit, limit)
  })
/** Normal with variance `scale / n` (not truncated, as PyTorch's `xavier_normal_` / `kaiming_normal_`). */
const scaledNormal = (who: string, scale: number, n: (f: Fans) => number): Initializer =>
  namedInitializer(who, [], (key, shape, fans) => sampleNormal(key, sizeOf(shape), 0, Math.sqrt(scale / n(fansFor(who, shape, fans)))))

const avg = (f: Fans): number => (f.fanIn + f.fanOut) / 2
const fanIn = (f: Fans): number => f.fanIn

/**
 * Glorot/Xavier uniform: `U(-a, a)`, `a = sqrt(6 / (fanIn + fanOut))`. The default of `dense`.
 * @example
 * import { glorotUniform, key } from 'kiln'
 * glorotUniform(key(0), [3, 3]).every((v) => Math.abs(v) <= 1) // true
 */
export const glorotUniform: Initializer = scaledUniform('glorotUniform', 1, avg)
/**
 * Glorot/Xavier normal: `N(0, 2 / (fanIn + fanOut))`.
 * @example
 * import { glorotNormal, key } from 'kiln'
 * glorotNormal(key(0), [10, 10]).length // 100
 */
export const glorotNormal: Initializer = scaledNormal('glorotNormal', 1, avg)
/**
 * He/Kaiming uniform (for ReLU): `U(-a, a)`, `a = sqrt(6 / fanIn)`.
 * @example
 * import { heUniform, key } from 'kiln'
 * heUniform(key(0), [6, 2]).every((v) => Math.abs(v) <= 1) // true
 */
export const heUniform: Initializer = scaledUniform('heUniform', 2, fanIn)
/**
 * He/Kaiming normal: `N(0, 2 / fanIn)`.
 * @example
 * import { heNormal, key } from 'kiln'
 * heNormal(key(0), [10, 10]).length // 100
 */
export const heNormal: Initializer = scaledNormal('heNormal', 2, fanIn)
/**
 * LeCun uniform (for SELU-like units): `U(-a, a)`, `a = sqrt(3 / fanIn)`.
 * @example
 * import { lecunUniform, key } from 'kiln'
 * lecunUniform(key(0), [3, 2]).every((v) => Math.abs(v) <= 1) // true
 */
export const lecunUniform: Initializer = scaledUniform('lecunUniform', 1, fanIn)
/**
 * LeCun normal: `N(0, 1 / fanIn)`.
 * @example
 * import { lecunNormal, key } from 'kiln'
 * lecunNormal(key(0), [10, 10]).length // 100
 */
export const lecunNormal: Initializer = scaledNormal('lecunNormal', 1, fanIn)
