/**
 * Neural networks as pure functions over Kiln expressions: parameter trees, initializers, layers,
 * losses, optimizers and schedules, so a whole training step is one expression graph.
 *
 * Activation layers live in the `layers` namespace (`layers.relu()`), since `relu`, `sigmoid`, ... are
 * the tensor ops of the core API; initializers whose names clash with core functions carry an `Init`
 * suffix (`uniformInit`) and are also in the `initializers` namespace under their short names.
 * @module
 */
import * as init from './init.js'
import * as C from './conv.js'
import * as L from './layers.js'
import { sequential } from './sequential.js'

export * from './tree.js'
export * from './init.js'
export * from './activations.js'
export * from './layer.js'
export { dense, dropout, batchNorm, activation, type DenseOptions, type BatchNormOptions } from './layers.js'
export { sequential } from './sequential.js'
export { summary, summaryRows, type SummaryRow } from './summary.js'
export {
  conv2d, maxPool2d, avgPool2d, globalAvgPool2d, reshapeLayer, type Conv2dOptions, type Pool2dOptions, type Size2, type KeepsSize,
  type Conv2dShape, type Pool2dShape, type GlobalPool2dShape, type ReshapeShape,
} from './conv.js'
export type { ShapeFn, InputOf, ApplyShape, AnyShape, SameShape, DenseShape, FlattenShape, SequentialShape } from './shapes.js'
export * from './losses.js'
export * from './schedules.js'
export * from './transform.js'
export * from './optim.js'

/**
 * Every layer constructor, activation layers under their activation names.
 * @example
 * import { layers, sequential, key } from 'kiln'
 * const net = sequential(layers.dense(8), layers.relu(), layers.dropout(0.1), layers.dense(2), layers.logSoftmax())
 * net.init(key(0), [4, 3]).outputShape // [4, 2]
 */
export const layers = {
  dense: L.dense,
  activation: L.activation,
  sigmoid: L.sigmoidLayer,
  tanh: L.tanhLayer,
  relu: L.reluLayer,
  leakyRelu: L.leakyReluLayer,
  elu: L.eluLayer,
  softplus: L.softplusLayer,
  gelu: L.geluLayer,
  softmax: L.softmaxLayer,
  logSoftmax: L.logSoftmaxLayer,
  linear: L.linearLayer,
  dropout: L.dropout,
  batchNorm: L.batchNorm,
  flatten: L.flattenLayer,
  reshape: C.reshapeLayer,
  conv2d: C.conv2d,
  maxPool2d: C.maxPool2d,
  avgPool2d: C.avgPool2d,
  globalAvgPool2d: C.globalAvgPool2d,
  sequential,
} as const

/**
 * The initializers under short names (`initializers.uniform(-1, 1)`).
 * @example
 * import { initializers, key } from 'kiln'
 * initializers.constant(2)(key(0), [2]) // Float64Array.of(2, 2)
 */
export const initializers = {
  zeros: init.zeros,
  ones: init.ones,
  constant: init.constantInit,
  uniform: init.uniformInit,
  normal: init.normalInit,
  truncatedNormal: init.truncatedNormalInit,
  glorotUniform: init.glorotUniform,
  glorotNormal: init.glorotNormal,
  heUniform: init.heUniform,
  heNormal: init.heNormal,
  lecunUniform: init.lecunUniform,
  lecunNormal: init.lecunNormal,
} as const

