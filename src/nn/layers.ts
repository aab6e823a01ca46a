/**
 * The layers: dense, activations, dropout, batch normalization and flatten. Each is a `Layer` value
 * (see `./layer.js`) typed with its static shape function (`./shapes.js`); compose them with `sequential`.
 * @module
 */
import { add, div, greaterEqual, leakyRelu, leakyReluAlpha, matmul, mean, mul, reshape, sqrt, square, stopGradient, sub } from '../api.js'
import { checkOptionKinds, requireNumber, type OptionKinds } from '../options.js'
import { ShapeError, sizeOf, type Shape } from '../shape.js'
import { type Tensor } from '../tensor.js'
import { keyTensor, uniformTensor } from '../make.js'
import { activationFn, elu as eluFn, eluAlpha, gelu as geluFn, geluApproximation, type ActivationName, type GeluApproximation } from './activations.js'
import { glorotUniform, ones, zeros, type Initializer } from './init.js'
import { configured, defineLayer, leafOf, typedParams, variable, withoutParams, type Layer, type NoParams } from './layer.js'
import type { DenseShape, FlattenShape, SameShape } from './shapes.js'

const lastDim = (who: string, s: Shape): number => {
  if (s.length < 1) throw new ShapeError(who, [s], 'the input needs at least one axis (features last)')
  return s[s.length - 1]!
}

/** Options of `dense`. */
export interface DenseOptions {
  /** Kernel initializer (default `glorotUniform`). */
  readonly init?: Initializer
  /** Bias initializer (default `zeros`). */
  readonly biasInit?: Initializer
  /** Add a bias (default true). */
  readonly bias?: boolean
  /** An activation applied after the affine map, by name (default `'linear'`). */
  readonly activation?: ActivationName
}

/** The options of `dense` with the kinds of their values (an unknown key or a wrong kind throws an `ArgumentError`). */
const DENSE_OPTIONS: OptionKinds<DenseOptions> = { init: 'function', biasInit: 'function', bias: 'boolean', activation: 'string' }

/**
 * Fully connected layer `act(x @ w + b)` on `[..., in]` inputs, `w: [in, units]`, `b: [units]`.
 * An unknown activation name throws a `RangeError` listing the valid names; an unknown option (`bais`
 * suggests `bias`) or a value of the wrong kind an `ArgumentError` naming it.
 * @example
 * import { dense, key } from 'kiln'
 * const layer = dense(3, { activation: 'relu' })
 * layer.init(key(0), [8, 4]).outputShape // [8, 3]
 */
export const dense = <const U extends number, const O extends DenseOptions = {}>(units: U, opts?: O): Layer<DenseShape<U>, DenseParams<O>, { readonly kind: 'dense' }> => {
  const options: DenseOptions = opts ?? {}
  checkOptionKinds('dense', options, DENSE_OPTIONS)
  if (!Number.isInteger(requireNumber('dense', 'units', units)) || units < 1) throw new RangeError(`dense: units must be a positive integer, got ${units}`)
  const act = activationFn(options.activation ?? 'linear', 'dense')
  const useBias = options.bias ?? true
  const layer = defineLayer<DenseShape<U>>(
    'dense',
    (s) => {
      const n = lastDim('dense', s)
      const w = variable([n, units], options.init ?? glorotUniform)
      return {
        params: useBias ? { w, b: variable([units], options.biasInit ?? zeros) } : { w },
        state: {},
        outputShape: [...s.slice(0, -1), units],
      }
    },
    (p, x, ctx) => {
      const n = lastDim('dense', x.shape)
      const z: Tensor = matmul(x, leafOf(p, 'w', 'dense', [n, units]))
      return { y: act(useBias ? add(z, leafOf(p, 'b', 'dense', [units])) : z), state: ctx.state }
    },
  )
  return typedParams<DenseParams<O>, { readonly kind: 'dense' }>()(configured(layer, 'dense', [units, options]))
}

/** The values of a dense layer: `w`, and `b` unless the options say `bias: false`. */
export type DenseParams<O> = O extends { readonly bias: false } ? { readonly w: Float64Array } : { readonly w: Float64Array; readonly b: Float64Array }

const elementwise = (name: string, f: (x: Tensor) => Tensor): Layer<SameShape, NoParams> =>
  withoutParams(defineLayer<SameShape>(name, (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: f(x), state: ctx.state })))

/**
 * A parameterless layer applying the named activation.
 * @example
 * import { activation, input } from 'kiln'
 * activation('tanh').apply({}, input('x', [2])).y.op // 'tanh'
 */
export const activation = (name: ActivationName): Layer<SameShape, NoParams> => configured(elementwise(name, activationFn(name, 'activation')), 'activation', [name])

/** Logistic sigmoid layer. @example import { layers, input } from 'kiln'; layers.sigmoid().apply({}, input('x', [2])).y.op // 'sigmoid' */
export const sigmoidLayer = (): Layer<SameShape, NoParams> => activation('sigmoid')
/** Tanh layer. @example import { layers, input } from 'kiln'; layers.tanh().apply({}, input('x', [2])).y.op // 'tanh' */
export const tanhLayer = (): Layer<SameShape, NoParams> => activation('tanh')
/** ReLU layer. @example import { layers, input } from 'kiln'; layers.relu().apply({}, input('x', [2])).y.op // 'relu' */
export const reluLayer = (): Layer<SameShape, NoParams> => activation('relu')
/** Leaky ReLU layer `max(x, alpha x)`. @example import { layers, input } from 'kiln'; layers.leakyRelu(0.1).apply({}, input('x', [2])).y.op // 'leakyRelu' */
export const leakyReluLayer = (alpha = 0.01): Layer<SameShape, NoParams> => {
  const a = leakyReluAlpha(alpha)
  return configured(elementwise('leakyRelu', (x) => leakyRelu(x, a)), 'leakyRelu', [alpha])
}
/** ELU layer. @example import { layers, input } from 'kiln'; layers.elu(1).apply({}, input('x', [2])).y.op // 'where' */
export const eluLayer = (alpha = 1): Layer<SameShape, NoParams> => {
  const a = eluAlpha(alpha)
  return configured(elementwise('elu', (x) => eluFn(x, a)), 'elu', [alpha])
}
/** Softplus layer. @example import { layers, input } from 'kiln'; layers.softplus().apply({}, input('x', [2])).y.op // 'softplus' */
export const softplusLayer = (): Layer<SameShape, NoParams> => activation('softplus')
/**
 * GELU layer: the tanh approximation by default, the exact erf form with `'none'` (see `gelu`).
 * @example
 * import { layers, input } from 'kiln'
 * layers.gelu().apply({}, input('x', [2])).y.shape // [2]
 * layers.gelu('none').apply({}, input('x', [2])).y.op // 'mul'
 */
export const geluLayer = (approximate: GeluApproximation = 'tanh'): Layer<SameShape, NoParams> => {
  const mode = geluApproximation(approximate)
  return configured(elementwise('gelu', (x) => geluFn(x, mode)), 'gelu', [mode])
}
/** Softmax over the last axis. @example import { layers, input } from 'kiln'; layers.softmax().apply({}, input('x', [2, 3])).y.op // 'custom' */
export const softmaxLayer = (): Layer<SameShape, NoParams> => activation('softmax')
/** Log-softmax over the last axis. @example import { layers, input } from 'kiln'; layers.logSoftmax().apply({}, input('x', [2, 3])).y.shape // [2, 3] */
export const logSoftmaxLayer = (): Layer<SameShape, NoParams> => activation('logSoftmax')
/** Identity layer. @example import { layers, input } from 'kiln'; const x = input('x', [2]); layers.linear().apply({}, x).y === x // true */
export const linearLayer = (): Layer<SameShape, NoParams> => activation('linear')

/**
 * Inverted dropout: in training, each element is kept with probability `1 - rate` and scaled by
 * `1 / (1 - rate)` (mask from `uniformTensor(ctx.key, shape) >= rate`); in evaluation, the identity.
 * `rate` outside [0, 1) throws a `RangeError`; training without `ctx.key` throws.
 * @example
 * import { dropout, input, key } from 'kiln'
 * const x = input('x', [4])
 * dropout(0.5).apply({}, x).y === x // true
 * dropout(0.5).apply({}, x, { training: true, key: key(0), state: {} }).y.op // 'mul'
 */
export const dropout = (rate: number): Layer<SameShape, NoParams> => {
  if (!(requireNumber('dropout', 'rate', rate) >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}`)
  const layer = defineLayer<SameShape>(
    'dropout',
    (s) => ({ params: {}, state: {}, outputShape: s }),
    (_p, x, ctx) => {
      if (!ctx.training || rate === 0) return { y: x, state: ctx.state }
      if (ctx.key === undefined) throw new Error('dropout: training mode needs a key in the apply context (ctx.key)')
      const keep = greaterEqual(uniformTensor(keyTensor(ctx.key), x.shape), rate)
      return { y: mul(mul(x, keep), 1 / (1 - rate)), state: ctx.state }
    },
  )
  return withoutParams(configured(layer, 'dropout', [rate]))
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Weight of the old running value: `running = momentum * running + (1 - momentum) * batch` (default 0.9). */
  readonly momentum?: number
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number
}

const BATCH_NORM_OPTIONS: OptionKinds<BatchNormOptions> = { momentum: 'number', eps: 'number' }

/**
 * Batch normalization over every axis but the last (channels last): `gamma * (x - mu) / sqrt(var + eps) + beta`.
 * Training uses the batch mean and biased variance and returns updated running averages as new state
 * (`running = momentum * running + (1 - momentum) * batch`: Keras/Flax's convention, so the default 0.9
 * equals PyTorch's `momentum=0.1`; like PyTorch, the running variance takes the unbiased batch variance).
 * Evaluation uses the running averages and returns the state unchanged. Parameters `gamma` (ones) and
 * `beta` (zeros); state `mean` (zeros) and `var` (ones).
 * @example
 * import { batchNorm, key } from 'kiln'
 * const v = batchNorm().init(key(0), [16, 3])
 * Object.keys(v.params) // ['gamma', 'beta']
 * Object.keys(v.state) // ['mean', 'var']
 */
export const batchNorm = (options: BatchNormOptions = {}): Layer<SameShape, { readonly gamma: Float64Array; readonly beta: Float64Array }, { readonly kind: 'batchNorm' }> => {
  checkOptionKinds('batchNorm', options, BATCH_NORM_OPTIONS)
  const momentum = options.momentum === undefined ? 0.9 : requireNumber('batchNorm', 'momentum', options.momentum)
  const eps = options.eps === undefined ? 1e-5 : requireNumber('batchNorm', 'eps', options.eps)
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`batchNorm: momentum must be in [0, 1], got ${momentum}`)
  if (!(eps > 0)) throw new RangeError(`batchNorm: eps must be > 0, got ${eps}`)
  const layer = defineLayer<SameShape>(
    'batchNorm',
    (s) => {
      const c = lastDim('batchNorm', s)
      return {
        params: { gamma: variable([c], ones), beta: variable([c], zeros) },
        state: { mean: variable([c], zeros), var: variable([c], ones) },
        outputShape: s,
      }
    },
    (p, x, ctx) => {
      const c = lastDim('batchNorm', x.shape)
      const [gamma, beta] = [leafOf(p, 'gamma', 'batchNorm', [c]), leafOf(p, 'beta', 'batchNorm', [c])]
      const [rMean, rVar] = [leafOf(ctx.state, 'mean', 'batchNorm state', [c]), leafOf(ctx.state, 'var', 'batchNorm state', [c])]
      const norm = (mu: Tensor, v: Tensor): Tensor => add(mul(gamma, div(sub(x, mu), sqrt(add(v, eps)))), beta)
      if (!ctx.training) return { y: norm(rMean, rVar), state: ctx.state }
      const axes = x.shape.slice(0, -1).map((_, i) => i)
      const n = sizeOf(x.shape) / c
      if (n < 2) throw new ShapeError('batchNorm', [x.shape], 'training needs more than one value per channel')
      const mu: Tensor = mean(x, axes)
      const v: Tensor = mean(square(sub(x, mu)), axes)
      const run = (old: Tensor, batch: Tensor): Tensor => add(mul(old, momentum), mul(stopGradient(batch), 1 - momentum))
      return { y: norm(mu, v), state: { mean: run(rMean, mu), var: run(rVar, mul(v, n / (n - 1))) } }
    },
  )
  return typedParams<{ readonly gamma: Float64Array; readonly beta: Float64Array }, { readonly kind: 'batchNorm' }>()(configured(layer, 'batchNorm', [options]))
}

/**
 * Flattens every axis after the first: `[n, ...rest] -> [n, prod(rest)]`.
 * @example
 * import { layers, input } from 'kiln'
 * layers.flatten().apply({}, input('x', [2, 3, 4])).y.shape // [2, 12]
 */
export const flattenLayer = (): Layer<FlattenShape, NoParams> => {
  const out = (who: string, s: Shape): Shape => {
    if (s.length < 1) throw new ShapeError(who, [s], 'needs a batch axis')
    return [s[0]!, sizeOf(s.slice(1))]
  }
  const layer = defineLayer<FlattenShape>(
    'flatten',
    (s) => ({ params: {}, state: {}, outputShape: out('flatten', s) }),
    (_p, x, ctx) => ({ y: reshape(x, out('flatten', x.shape)), state: ctx.state }),
  )
  return withoutParams(configured(layer, 'flatten', []))
}
