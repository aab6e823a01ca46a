/**
 * The losses on logits (`softmaxCrossEntropy`, `binaryCrossEntropyWithLogits`) apply softmax or the
 * sigmoid themselves; a model that already ends in one trains through it twice, silently (a loss of 1.48
 * and top probabilities of 0.23 on a problem it could solve). The final activation is read from the
 * model's config, so the check needs no forward pass.
 * @module
 */
import type { ConfigValue, LayerConfig } from '../nn/config.js'
import { configOf, type Layer } from '../nn/layer.js'
import type { Objective } from './objective.js'

/** Layers that pass their input through unchanged in evaluation, skipped when looking for the last activation. */
const PASS_THROUGH = new Set(['dropout', 'flatten', 'reshape'])

const activationArg = (v: ConfigValue | undefined): string | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, ConfigValue>)['activation'] === 'string'
    ? ((v as Record<string, ConfigValue>)['activation'] as string)
    : undefined

/** The activation a layer config ends in: an activation layer's, a dense or conv layer's option, a container's last layer's. */
const endsIn = (c: LayerConfig, model: Layer | undefined): { activation: string; layer: string } | undefined => {
  if (c.type === 'activation' && typeof c.args[0] === 'string') return { activation: c.args[0], layer: c.label ?? 'activation' }
  if (c.type === 'dense' || c.type === 'conv2d') {
    const a = activationArg(c.args[c.type === 'dense' ? 1 : 2])
    return a === undefined ? undefined : { activation: a, layer: c.label ?? c.type }
  }
  if (c.type === 'sequential') {
    const kids = c.layers ?? []
    for (let i = kids.length - 1; i >= 0; i--) if (!PASS_THROUGH.has(kids[i]!.type)) return endsIn(kids[i]!, model?.children?.[i])
    return undefined
  }
  const g = model?.graph
  if (c.type === 'functional' && g !== undefined && g.outputs.length === 1 && g.outputs[0]! >= 0) {
    const src = g.steps[g.outputs[0]!]!.value.source
    return src._tag === 'LayerCall' ? endsIn(configOf(src.layer), src.layer) : undefined
  }
  return undefined
}

/**
 * The activation a model's output goes through last, and the layer applying it, when the config tells.
 * @example
 * import { finalActivation } from './logits.js'
 * import { sequential, dense, layers } from 'kiln'
 * finalActivation(sequential(dense(3), layers.softmax(), layers.dropout(0.1))) // { activation: 'softmax', layer: 'activation' }
 * finalActivation(sequential(dense(3, { activation: 'sigmoid' }))) // { activation: 'sigmoid', layer: 'dense' }
 * finalActivation(sequential(dense(3))) // undefined
 */
export const finalActivation = (model: Layer): { readonly activation: string; readonly layer: string } | undefined => endsIn(configOf(model), model)

/** The objectives that take logits, with the activation they apply. */
const ON_LOGITS: Readonly<Record<string, string>> = { softmaxCrossEntropy: 'softmax', binaryCrossEntropyWithLogits: 'sigmoid' }

/**
 * Why `model` must not be trained with `objective`: its output already goes through softmax or the
 * sigmoid, and the objective applies one itself. Undefined when the pair is sound.
 * @example
 * import { logitsProblem } from './logits.js'
 * import { sequential, dense, layers, objectives } from 'kiln'
 * logitsProblem(sequential(dense(3), layers.softmax()), objectives.softmaxCrossEntropy)?.startsWith('the model ends in softmax') // true
 * logitsProblem(sequential(dense(3), layers.logSoftmax()), objectives.softmaxCrossEntropy) // undefined
 */
export const logitsProblem = (model: Layer, objective: Objective): string | undefined => {
  const applies = ON_LOGITS[objective.name]
  const end = finalActivation(model)
  if (applies === undefined || end === undefined || (end.activation !== 'softmax' && end.activation !== 'sigmoid')) return undefined
  return (
    `the model ends in ${end.activation} (layer '${end.layer}'), but ${objective.name} takes logits and applies ${applies} itself, ` +
    `so ${end.activation} would be applied twice. Remove the final ${end.activation} (predict and evaluateModel still give probabilities), ` +
    'or pass checkLogits: false if the model is meant to end this way'
  )
}
