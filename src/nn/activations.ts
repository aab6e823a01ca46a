/**
 * Activation functions on tensors, and their names (checked with io-ts) for `dense({ activation })`.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { add, erf, exp, greater, leakyRelu, minimum, mul, relu, sigmoid, softplus, sub, tanh, where } from '../api.js'
import { logSoftmax, softmax } from '../softmax.js'
import { ArgumentError, describeValue, requireNumber } from '../options.js'
import type { Tensor } from '../tensor.js'

/**
 * ELU: `x` for `x > 0`, else `alpha * (e^x - 1)`. The exponential sees `min(x, 0)`, so large
 * positive inputs neither overflow nor poison the gradient.
 * @example
 * import { elu, input, evaluate } from 'kiln'
 * Array.from(evaluate([elu(input('x', [2]))], { x: [2, 0] })[0]!) // [2, 0]
 */
export const elu = (x: Tensor, alpha = 1): Tensor => where(greater(x, 0), x, mul(sub(exp(minimum(x, 0)), 1), eluAlpha(alpha)))

/**
 * A checked `elu` scale: a finite primitive number >= 0 (else an `ArgumentError` or a `RangeError`).
 * @example
 * import { eluAlpha } from 'kiln'
 * eluAlpha(0.5) // 0.5
 * try { eluAlpha(-1) } catch (e) { (e as Error).message } // 'elu: alpha must be a finite number >= 0, got -1'
 */
export const eluAlpha = (alpha: unknown): number => {
  const a = requireNumber('elu', 'alpha', alpha)
  if (!Number.isFinite(a) || a < 0) throw new RangeError(`elu: alpha must be a finite number >= 0, got ${a}`)
  return a
}

const GELU_C = Math.sqrt(2 / Math.PI)

/** How `gelu` computes the normal CDF: exactly through `erf` (`'none'`) or the tanh approximation. */
export type GeluApproximation = 'tanh' | 'none'

/**
 * A checked `gelu` approximation mode.
 * @example
 * import { geluApproximation } from 'kiln'
 * geluApproximation('none') // 'none'
 * try { geluApproximation(0) } catch (e) { (e as Error).message } // "gelu: approximate: expected 'tanh' or 'none', got 0"
 */
export const geluApproximation = (v: unknown): GeluApproximation => {
  if (v === 'tanh' || v === 'none') return v
  throw new ArgumentError('gelu', 'approximate', `expected 'tanh' or 'none', got ${describeValue(v)}`)
}

/**
 * GELU `x * Phi(x)`. By default the tanh approximation (Hendrycks & Gimpel; PyTorch
 * `approximate='tanh'`, JAX's default): `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`; with
 * `approximate = 'none'` the exact form `0.5 x (1 + erf(x / sqrt(2)))` (PyTorch's default). Both are
 * smooth, so second derivatives exist. Below about x = -5 the exact form's `1 + erf` cancels: its
 * relative accuracy there is that of `erf` near -1 (absolute 1e-16 on Phi).
 * @example
 * import { gelu, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * Array.from(evaluate([gelu(x)], { x: [0, 1] })[0]!).map((v) => v.toFixed(6)) // ['0.000000', '0.841192']
 * Array.from(evaluate([gelu(x, 'none')], { x: [0, 1] })[0]!).map((v) => v.toFixed(6)) // ['0.000000', '0.841345']
 * try { gelu(x, 'exact' as never) } catch (e) { (e as Error).message } // "gelu: approximate: expected 'tanh' or 'none', got the string \"exact\""
 */
export const gelu = (x: Tensor, approximate: GeluApproximation = 'tanh'): Tensor => {
  if (geluApproximation(approximate) === 'none') return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1))
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), GELU_C)
  return mul(mul(x, 0.5), add(tanh(inner), 1))
}

/** Identity. @example import { linear, input } from 'kiln'; const x = input('x', [2]); linear(x) === x // true */
export const linear = (x: Tensor): Tensor => x

/**
 * Activation names accepted by `dense({ activation })` and `activation(name)` (an io-ts codec).
 * @example
 * import { ActivationName } from 'kiln'
 * ActivationName.is('gelu') // true
 */
export const ActivationName = t.keyof({
  linear: null,
  sigmoid: null,
  tanh: null,
  relu: null,
  leakyRelu: null,
  elu: null,
  softplus: null,
  gelu: null,
  softmax: null,
  logSoftmax: null,
})
/** One of the activation names. */
export type ActivationName = t.TypeOf<typeof ActivationName>

/**
 * The function of each activation name; `leakyRelu` uses alpha 0.01 and `elu` alpha 1 (PyTorch defaults).
 * @example
 * import { activations, input } from 'kiln'
 * activations.softplus(input('x', [2])).op // 'softplus'
 */
export const activations: { readonly [N in ActivationName]: (x: Tensor) => Tensor } = {
  linear,
  sigmoid: (x) => sigmoid(x),
  tanh: (x) => tanh(x),
  relu: (x) => relu(x),
  leakyRelu: (x) => leakyRelu(x, 0.01),
  elu: (x) => elu(x),
  softplus: (x) => softplus(x),
  gelu: (x) => gelu(x),
  softmax: (x) => softmax(x),
  logSoftmax: (x) => logSoftmax(x),
}

/**
 * The valid activation names, in a stable order (for messages).
 * @example
 * import { activationNames } from 'kiln'
 * activationNames.includes('relu') // true
 */
export const activationNames: readonly ActivationName[] = Object.keys(ActivationName.keys) as ActivationName[]

/**
 * Decodes an activation name: `Right(name)`, or `Left(message)` listing the valid names.
 * @example
 * import { decodeActivation } from 'kiln'
 * decodeActivation('relu') // { _tag: 'Right', right: 'relu' }
 * decodeActivation('swish')._tag // 'Left'
 */
export const decodeActivation = (name: unknown): E.Either<string, ActivationName> =>
  E.mapLeft(() => `unknown activation ${JSON.stringify(name)}; valid names are ${activationNames.map((n) => `'${n}'`).join(', ')}`)(ActivationName.decode(name))

/**
 * The function of an activation name; an unknown name throws a `RangeError` listing the valid ones.
 * @example
 * import { activationFn, input } from 'kiln'
 * activationFn('tanh')(input('x', [2])).op // 'tanh'
 */
export const activationFn = (name: string, who = 'activation'): ((x: Tensor) => Tensor) => {
  const r = decodeActivation(name)
  if (E.isLeft(r)) throw new RangeError(`${who}: ${r.left}`)
  return activations[r.right]
}
