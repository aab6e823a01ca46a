/**
 * Losses (scalar tensors, mean over the batch) and weight penalties. Every loss on logits is written
 * so that logits of +-1000 give a finite value and a finite, correct gradient.
 * @module
 */
import { abs, add, clip, log, log1p, mean, mul, neg, softplus, square, sub, sum, takeAlong } from '../api.js'
import { registerCustomRule } from '../ops/custom.js'
import { customNode, scalar } from '../make.js'
import type { Builders } from '../ops/def.js'
import { logSoftmax } from '../softmax.js'
import { checkOptionKinds, requireNumber, type OptionKinds } from '../options.js'
import { fmt, ShapeError, shapeEq } from '../shape.js'
import { type Tensor } from '../tensor.js'
import { flattenParams, type Params } from './tree.js'

const sameShape = (who: string, a: Tensor, b: Tensor): void => {
  if (!shapeEq(a.shape, b.shape)) throw new ShapeError(who, [a.shape, b.shape], 'predictions and targets must have the same shape')
}

/** Options of `meanSquaredError`. */
export interface MseOptions {
  /** Multiply by 1/2 (so the gradient is `pred - target` per element, divided by the count). */
  readonly half?: boolean
}

const MSE_OPTIONS: OptionKinds<MseOptions> = { half: 'boolean' }

/**
 * Mean over all elements of `(pred - target)^2` (times 1/2 with `half`).
 * @example
 * import { meanSquaredError, constant, evaluate } from 'kiln'
 * evaluate([meanSquaredError(constant([1, 2]), constant([0, 0]))], {})[0]![0] // 2.5
 */
export const meanSquaredError = (pred: Tensor, target: Tensor, options: MseOptions = {}): Tensor => {
  checkOptionKinds('meanSquaredError', options, MSE_OPTIONS)
  sameShape('meanSquaredError', pred, target)
  const m: Tensor = mean(square(sub(pred, target)))
  return options.half === true ? mul(m, 0.5) : m
}

/** Options of `binaryCrossEntropy`. */
export interface BceOptions {
  /** Probabilities are clipped into `[eps, 1 - eps]` before the logarithms (default 1e-7, as Keras). */
  readonly eps?: number
}

const BCE_OPTIONS: OptionKinds<BceOptions> = { eps: 'number' }

/**
 * `-mean(y log p + (1 - y) log(1 - p))` over all elements, with `p` clipped into `[eps, 1 - eps]` so that
 * saturated probabilities give at most `-log(eps)` (about 16.1) per element; the gradient is zero where
 * the clip is active. Prefer `binaryCrossEntropyWithLogits` on logits.
 * @example
 * import { binaryCrossEntropy, constant, evaluate } from 'kiln'
 * evaluate([binaryCrossEntropy(constant([0.5]), constant([1]))], {})[0]![0] // Math.LN2
 */
export const binaryCrossEntropy = (probs: Tensor, targets: Tensor, options: BceOptions = {}): Tensor => {
  checkOptionKinds('binaryCrossEntropy', options, BCE_OPTIONS)
  sameShape('binaryCrossEntropy', probs, targets)
  const eps = options.eps ?? 1e-7
  if (!(eps > 0 && eps < 0.5)) throw new RangeError(`binaryCrossEntropy: eps must be in (0, 0.5), got ${eps}`)
  const p = clip(probs, eps, 1 - eps)
  // log1p(-p), not log(1 - p): 1 - p rounds away the digits of a small p
  return mul(mean(add(mul(targets, log(p)), mul(sub(1, targets), log1p(neg(p))))), -1)
}

// d/dz = sigmoid(z) - y, by the form that does not cancel: -sigmoid(-z) for y = 1 (sigmoid(z) - 1 is 0
// from z = 37), sigmoid(z) for y = 0, and tanh(z/2)/2 + (1/2 - y) otherwise (exact for y = 1/2 near z = 0).
// d/dy = softplus(-z) - softplus(z) = -z.
const bceSlope = (K: Builders, z: Tensor, y: Tensor): Tensor => {
  const soft = K.add(K.mul(0.5, K.tanh(K.mul(0.5, z))), K.sub(0.5, y))
  return K.where(K.equal(y, 1), K.neg(K.sigmoid(K.neg(z))), K.where(K.equal(y, 0), K.sigmoid(z), soft))
}
const BCE_LOGITS_RULE = registerCustomRule({
  name: 'bceLogits',
  vjp: (g, [z, y], _out, K) => [K.mul(g, bceSlope(K, z!, y!)), K.mul(g, K.neg(z!))],
  jvp: ([dz, dy], [z, y], _out, K) => {
    const terms = [dz && K.mul(dz, bceSlope(K, z!, y!)), dy && K.mul(dy, K.neg(z!))].filter((t) => t !== undefined)
    return terms.length === 0 ? undefined : terms.reduce((a, b) => K.add(a, b))
  },
})

/**
 * Elementwise stable BCE on logits, `y softplus(-z) + (1 - y) softplus(z)` (= `softplus(z) - z y`, but a
 * sum of non-negative terms, so a confidently right logit keeps its tiny loss), with the derivative rule above.
 */
const bceLogits = (z: Tensor, y: Tensor): Tensor =>
  customNode(add(mul(y, softplus(neg(z))), mul(sub(1, y), softplus(z))), [z, y], BCE_LOGITS_RULE)

/**
 * Binary cross-entropy on logits, mean over all elements: `softplus(z) - z y` per element (the stable
 * form `max(z, 0) - z y + log(1 + exp(-|z|))`); the gradient is `sigmoid(z) - y`.
 * @example
 * import { binaryCrossEntropyWithLogits, constant, evaluate } from 'kiln'
 * evaluate([binaryCrossEntropyWithLogits(constant([1000, -1000]), constant([0, 1]))], {})[0]![0] // 1000
 */
export const binaryCrossEntropyWithLogits = (logits: Tensor, targets: Tensor): Tensor => {
  sameShape('binaryCrossEntropyWithLogits', logits, targets)
  return mean(bceLogits(logits, targets))
}

/**
 * Multi-label sigmoid cross-entropy: per example, the sum over the last (label) axis of the stable
 * binary cross-entropy on logits; then the mean over the batch (all leading axes).
 * @example
 * import { sigmoidCrossEntropy, constant, evaluate } from 'kiln'
 * evaluate([sigmoidCrossEntropy(constant([0, 0], [1, 2]), constant([1, 0], [1, 2]))], {})[0]![0] // 2 * Math.LN2
 */
export const sigmoidCrossEntropy = (logits: Tensor, labels: Tensor): Tensor => {
  sameShape('sigmoidCrossEntropy', logits, labels)
  if (logits.shape.length < 1) throw new ShapeError('sigmoidCrossEntropy', [logits.shape], 'needs a label axis')
  return mean(sum(bceLogits(logits, labels), -1))
}

/**
 * Softmax cross-entropy of logits `[..., k]`, mean over the batch. `labels` are integer class indices
 * (shape `[...]`, the logits' shape without the last axis) or probability rows (one-hot or soft, shape
 * `[..., k]`), told apart by shape; any other shape throws a `ShapeError`. Uses `logSoftmax`, finite for
 * logits of +-1000.
 * @example
 * import { softmaxCrossEntropy, constant, evaluate } from 'kiln'
 * const z = constant([0, 0], [1, 2])
 * evaluate([softmaxCrossEntropy(z, constant([1]))], {})[0]![0] // Math.LN2
 * evaluate([softmaxCrossEntropy(z, constant([0, 1], [1, 2]))], {})[0]![0] // Math.LN2
 */
export const softmaxCrossEntropy = (logits: Tensor, labels: Tensor): Tensor => {
  if (logits.shape.length < 1) throw new ShapeError('softmaxCrossEntropy', [logits.shape, labels.shape], 'logits need a class axis')
  const lp = logSoftmax(logits)
  if (shapeEq(labels.shape, logits.shape)) return mul(mean(sum(mul(labels, lp), -1)), -1)
  if (shapeEq(labels.shape, logits.shape.slice(0, -1))) return mul(mean(takeAlong(lp, labels)), -1)
  throw new ShapeError(
    'softmaxCrossEntropy',
    [logits.shape, labels.shape],
    `labels must be class indices of shape ${fmt(logits.shape.slice(0, -1))} or probability rows of shape ${fmt(logits.shape)}`,
  )
}

/** Options of the weight penalties. */
export interface PenaltyOptions {
  /** Skip leaves of rank < 2 (biases, normalization scales and shifts); default false. */
  readonly excludeBiases?: boolean
  /** Skip leaves for which this returns true (by dotted path). */
  readonly exclude?: (path: string, leaf: Tensor) => boolean
}

const PENALTY_OPTIONS: OptionKinds<PenaltyOptions> = { excludeBiases: 'boolean', exclude: 'function' }

const penalized = (who: string, params: Params, options: PenaltyOptions): Tensor[] => {
  checkOptionKinds(who, options, PENALTY_OPTIONS)
  return flattenParams(params)
    .filter(([path, t]) => !(options.excludeBiases === true && t.shape.length < 2) && !(options.exclude?.(path, t) ?? false))
    .map(([, t]) => t)
}

const total = (who: string, ts: readonly Tensor[], f: (t: Tensor) => Tensor, scale: number): Tensor => {
  if (!(requireNumber(who, 'lambda', scale) >= 0 && Number.isFinite(scale))) throw new RangeError(`${who}: lambda must be a finite number >= 0, got ${scale}`)
  const parts = ts.map((t): Tensor => sum(f(t)))
  return parts.length === 0 ? scalar(0) : mul(parts.reduce((a, b) => add(a, b)), scale)
}

/**
 * L2 penalty `lambda / 2 * sum w^2` over the parameter leaves (the 1/2 makes its gradient `lambda * w`,
 * matching coupled weight decay). Add it to the training objective only, not to reported losses.
 * @example
 * import { l2Penalty, param, evaluate } from 'kiln'
 * const p = { w: param('w', [2, 1]), b: param('b', [1]) }
 * evaluate([l2Penalty(p, 0.1, { excludeBiases: true })], { w: [1, 2] })[0]![0] // 0.25
 */
export const l2Penalty = (params: Params, lambda: number, options: PenaltyOptions = {}): Tensor =>
  total('l2Penalty', penalized('l2Penalty', params, options), square, requireNumber('l2Penalty', 'lambda', lambda) / 2)

/**
 * L1 penalty `lambda * sum |w|` over the parameter leaves.
 * @example
 * import { l1Penalty, param, evaluate } from 'kiln'
 * evaluate([l1Penalty({ w: param('w', [2]) }, 0.5)], { w: [1, -2] })[0]![0] // 1.5
 */
export const l1Penalty = (params: Params, lambda: number, options: PenaltyOptions = {}): Tensor =>
  total('l1Penalty', penalized('l1Penalty', params, options), abs, lambda)
