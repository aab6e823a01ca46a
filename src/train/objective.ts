/**
 * Training objectives by name: how a model's output meets the labels, and what a prediction is.
 * @module
 */
import * as t from 'io-ts'
import { concat, reshape, sigmoid, sub } from '../api.js'
import { softmax } from '../softmax.js'
import { binaryCrossEntropyWithLogits, meanSquaredError, softmaxCrossEntropy } from '../nn/losses.js'
import { fmt, ShapeError, shapeEq } from '../shape.js'
import type { Tensor } from '../tensor.js'

/**
 * The objectives `fit` knows by name (an io-ts codec).
 * @example
 * import { ObjectiveName } from 'kiln'
 * ObjectiveName.is('meanSquaredError') // true
 * ObjectiveName.is('hinge') // false
 */
export const ObjectiveName = t.keyof({ softmaxCrossEntropy: null, binaryCrossEntropyWithLogits: null, meanSquaredError: null })
/** An objective's name. */
export type ObjectiveName = t.TypeOf<typeof ObjectiveName>

/**
 * An objective: the batch loss of model outputs against labels, and the model's class probabilities.
 * `fit` hands `loss` the targets as `[batch]` (one per row) or `[batch, k]` (a data set with
 * `targetShape` `[k]`: multi-label 0/1 rows or multi-output regression).
 */
export interface Objective {
  readonly name: string
  /** Whether labels are class indices (classification) or targets (regression). */
  readonly classification: boolean
  /** Mean loss over the batch: `out` is the model output, `y` the `[batch]` or `[batch, k]` labels/targets. */
  readonly loss: (out: Tensor, y: Tensor) => Tensor
  /** Class probabilities `[batch, classes]` (classification), or the predictions themselves (regression). */
  readonly predict: (out: Tensor) => Tensor
}

const lastAxisOne = (who: string, out: Tensor, targets?: Tensor): Tensor => {
  const s = out.shape
  if (s.length === 2 && s[1] === 1) return reshape(out, [s[0]!])
  if (s.length === 1) return out
  throw new ShapeError(who, targets === undefined ? [s] : [s, targets.shape], `the model output must be [batch] or [batch, 1]${targets === undefined ? '' : ` for targets ${fmt(targets.shape)}`}, got ${fmt(s)}`)
}

/**
 * The model output and the targets as two tensors of one shape: `[batch]` for one target per row (the
 * output `[batch]` or `[batch, 1]`), `[batch, k]` for `k` targets per row (the output `[batch, k]`).
 */
const paired = (who: string, out: Tensor, y: Tensor): readonly [Tensor, Tensor] => {
  const [o, t] = [out.shape, y.shape]
  if (t.length === 1) return [lastAxisOne(who, out, y), y]
  if (t.length === 2 && shapeEq(o, t)) return [out, y]
  throw new ShapeError(who, [o, t], `the model output ${fmt(o)} does not match the targets ${fmt(t)}: ${t.length === 2 ? `expected an output of shape ${fmt(t)}` : 'targets must be [batch] or [batch, k]'}`)
}

/** One logit per row: the two columns `[1 - p, p]`, so binary and multi-class predictions share argmax and log loss. */
const twoColumns = (out: Tensor): Tensor => {
  const p = sigmoid(lastAxisOne('binaryCrossEntropyWithLogits', out))
  const col: Tensor = reshape(p, [p.shape[0]!, 1])
  return concat([sub(1, col) as Tensor, col], 1)
}

/**
 * The built-in objectives: softmax cross-entropy over logits with integer labels; binary cross-entropy
 * from one logit per row (labels 0/1); mean squared error (1/2 convention off) for regression.
 *
 * Several targets per row (`[batch, k]` targets against `[batch, k]` outputs):
 * - `binaryCrossEntropyWithLogits` is multi-label: `k` independent binary problems, the loss the mean
 *   over batch and labels (PyTorch's `BCEWithLogitsLoss()` with `reduction='mean'`, and Keras's
 *   `binary_crossentropy`, which averages the labels of a row and then the rows; `sigmoidCrossEntropy`
 *   of `kiln` sums the labels instead, `k` times this). `predict` gives the `[batch, k]` sigmoid of
 *   each logit; one logit per row keeps the two columns `[1 - p, p]`.
 * - `meanSquaredError` is multi-output regression: the mean over all `batch * k` squared errors
 *   (PyTorch's `MSELoss()` with `reduction='mean'`; Keras's `mean_squared_error` averages a row's
 *   outputs and then the rows, the same number for rows of equal width). `predict` gives `[batch, k]`.
 * - `softmaxCrossEntropy` takes one class index per row only; `fit` refuses multi-label data with it.
 * @example
 * import { objectives, constant, evaluate } from 'kiln'
 * objectives.softmaxCrossEntropy.classification // true
 * const out = constant([1, 2, 3, 4], [2, 2])
 * evaluate([objectives.meanSquaredError.loss(out, constant([1, 2, 3, 0], [2, 2]))], {})[0]![0] // 4
 * evaluate([objectives.binaryCrossEntropyWithLogits.predict(constant([0, 0], [1, 2]))], {})[0] // Float64Array.of(0.5, 0.5)
 */
export const objectives: { readonly [N in ObjectiveName]: Objective } = {
  softmaxCrossEntropy: {
    name: 'softmaxCrossEntropy',
    classification: true,
    loss: (out, y) => softmaxCrossEntropy(out, y),
    predict: (out) => softmax(out),
  },
  binaryCrossEntropyWithLogits: {
    name: 'binaryCrossEntropyWithLogits',
    classification: true,
    loss: (out, y) => binaryCrossEntropyWithLogits(...paired('binaryCrossEntropyWithLogits', out, y)),
    predict: (out) => (out.shape.length === 2 && out.shape[1]! > 1 ? sigmoid(out) : twoColumns(out)),
  },
  meanSquaredError: {
    name: 'meanSquaredError',
    classification: false,
    loss: (out, y) => meanSquaredError(...paired('meanSquaredError', out, y)),
    predict: (out) => (out.shape.length === 2 && out.shape[1]! > 1 ? out : lastAxisOne('meanSquaredError', out)),
  },
}

/**
 * The objective for a name (decoded with io-ts) or a custom objective passed through.
 * @example
 * import { objectiveOf } from 'kiln'
 * objectiveOf('meanSquaredError').classification // false
 */
export const objectiveOf = (o: ObjectiveName | Objective): Objective => {
  if (typeof o !== 'string') return o
  if (!ObjectiveName.is(o))
    throw new RangeError(`fit: unknown loss '${String(o)}'; expected one of ${Object.keys(ObjectiveName.keys).join(', ')} or an Objective`)
  return objectives[o]
}
