/**
 * Training objectives by name: how a model's output meets the labels, and what a prediction is.
 * @module
 */
import * as t from 'io-ts'
import { concat, reshape, sigmoid, softmax, sub } from '../api.js'
import { binaryCrossEntropyWithLogits, meanSquaredError, softmaxCrossEntropy } from '../nn/losses.js'
import { fmt, ShapeError } from '../shape.js'
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

/** An objective: the batch loss of model outputs against labels, and the model's class probabilities. */
export interface Objective {
  readonly name: string
  /** Whether labels are class indices (classification) or targets (regression). */
  readonly classification: boolean
  /** Mean loss over the batch: `out` is the model output, `y` the `[batch]` labels/targets. */
  readonly loss: (out: Tensor, y: Tensor) => Tensor
  /** Class probabilities `[batch, classes]` (classification), or the predictions themselves (regression). */
  readonly predict: (out: Tensor) => Tensor
}

const lastAxisOne = (who: string, out: Tensor): Tensor => {
  const s = out.shape
  if (s.length === 2 && s[1] === 1) return reshape(out, [s[0]!])
  if (s.length === 1) return out
  throw new ShapeError(who, [s], `the model output must be [batch] or [batch, 1], got ${fmt(s)}`)
}

/**
 * The built-in objectives: softmax cross-entropy over logits with integer labels; binary cross-entropy
 * from one logit per row (labels 0/1); mean squared error (1/2 convention off) for regression.
 * @example
 * import { objectives } from 'kiln'
 * objectives.softmaxCrossEntropy.classification // true
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
    loss: (out, y) => binaryCrossEntropyWithLogits(lastAxisOne('binaryCrossEntropyWithLogits', out), y),
    predict: (out) => {
      const p = sigmoid(lastAxisOne('binaryCrossEntropyWithLogits', out))
      const col: Tensor = reshape(p, [p.shape[0]!, 1])
      // Two columns [1 - p, p] so binary and multi-class predictions share argmax and log loss.
      return concat([sub(1, col) as Tensor, col], 1)
    },
  },
  meanSquaredError: {
    name: 'meanSquaredError',
    classification: false,
    loss: (out, y) => meanSquaredError(lastAxisOne('meanSquaredError', out), y),
    predict: (out) => lastAxisOne('meanSquaredError', out),
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
