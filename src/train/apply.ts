/**
 * A trained model applied in one call: to one example's values (`predictOne`), or to a tensor of the
 * expression API (`modelOutput`), which gives an expression with the trained values as constants, to be
 * evaluated, compiled or differentiated (the gradient of a class probability with respect to the input
 * is a saliency map).
 * @module
 */
import { div, reshape, sub } from '../api.js'
import { checkOptionKinds } from '../options.js'
import { makeDataset } from '../data/dataset.js'
import { constant } from '../make.js'
import { fmt, ShapeError } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { flattenParams, mapParams, type Params, type ParamValues, type Tree } from '../nn/tree.js'
import type { Var } from '../nn/layer.js'
import { predict, type Trained } from './predict.js'

/**
 * The prediction for one example (its feature values, in row-major order): class probabilities `[k]`, or
 * the regression output. The values go through the model's preprocessing, as `predict`'s rows do.
 * @example
 * import { predictOne, fit, sequential, dense, adam, key, flower } from 'kiln'
 * const r = fit(sequential(dense(2)), flower(key(1), 40), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const p = predictOne(r.right, [0.5, -1])
 * p.length // 2
 * Math.abs(p[0]! + p[1]! - 1) < 1e-15 // true
 */
export const predictOne = (trained: Trained, example: ArrayLike<number>): Float64Array => {
  const f = trained.featureShape.reduce((a, b) => a * b, 1)
  if (example.length !== f) throw new RangeError(`predictOne: the example has ${example.length} values, the model reads ${f} (feature shape ${fmt(trained.featureShape)})`)
  return predict(trained, makeDataset(Float64Array.from(example), new Float64Array(1), trained.featureShape, []))
}

/** Trained values as constants shaped like the model's variables (their shapes come from the model's spec). */
const constants = (vars: Tree<Var>, values: ParamValues): Params => {
  const byPath = new Map(flattenParams(values))
  return mapParams(vars, (v, path) => {
    const a = byPath.get(path)
    if (a === undefined) throw new RangeError(`modelOutput: the trained values have no '${path}'`)
    return constant(a, v.shape)
  })
}

/** The model's preprocessing as tensor ops on `[batch, features]` rows. */
const preprocessed = (trained: Trained, x: Tensor): Tensor => {
  const p = trained.preprocess
  if (p === undefined) return x
  const [shift, scale] = p._tag === 'Standardizer' ? [p.mean, p.std] : [p.min, p.range]
  const rows: Tensor = reshape(x, [x.shape[0]!, shift.length])
  return reshape(div(sub(rows, constant(shift, [shift.length])), constant(scale, [scale.length])), x.shape)
}

/**
 * The trained model's output for `x` (`[batch, ...featureShape]`) as an expression, in evaluation mode:
 * class probabilities (or the regression output) by default, the raw outputs (logits) with
 * `{ logits: true }`. Preprocessing is part of the expression. Nothing is run until it is evaluated.
 * @example
 * import { modelOutput, fit, predict, sequential, dense, adam, key, flower, input, evaluate, grad, sum, slice } from 'kiln'
 * const data = flower(key(1), 40)
 * const r = fit(sequential(dense(2)), data, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * if (r._tag === 'Left') throw new Error(r.left.message)
 * const x = input('x', [40, 2])
 * const p = modelOutput(r.right, x)
 * evaluate([p], { x: data.x })[0] // predict(r.right, data)
 * grad(sum(slice(p, [0, 1], [40, 1])), [x])[0]!.shape // [40, 2]
 */
export const modelOutput = (trained: Trained, x: Tensor, options: { readonly logits?: boolean } = {}): Tensor => {
  checkOptionKinds('modelOutput', options, { logits: 'boolean' })
  const fs = trained.featureShape
  if (x.shape.length !== fs.length + 1 || fs.some((d, i) => x.shape[i + 1] !== d))
    throw new ShapeError('modelOutput', [x.shape, fs], `x must be [batch, ${fs.join(', ')}], got ${fmt(x.shape)}`)
  const spec = trained.model.spec(x.shape)
  const out = trained.model.apply(constants(spec.params, trained.params), preprocessed(trained, x), {
    training: false,
    state: constants(spec.state, trained.state),
  }).y
  return options.logits === true ? out : trained.objective.predict(out)
}
