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

export * from './tree.js'
export * from './init.js'
export * from './activations.js'
export * from './layer.js'
export * from './config.js'
export { layerFromConfig, builtInLayerNames, registryOf, type LayerRegistry } from './rebuild.js'
export { dense, dropout, batchNorm, activation, type DenseOptions, type BatchNormOptions } from './layers.js'
export { sequential, layerSites, type LayerSite, type SequentialParams, type ParamsOfLayer } from './sequential.js'
export { modelInput, connect, merge, modelGraph, rowShapes, type Symbolic, type Source, type GraphStep, type ModelGraph } from './functional.js'
export { functional, applyModel } from './functional-model.js'
export type { MergeOp } from './merge.js'
export { residualBlock, inceptionBlock, type ResidualOptions, type InceptionOptions } from './blocks.js'
export { lenet5, smallResNet, type LeNet5Options, type SmallResNetOptions } from './models.js'
export { summary, summaryRows, type SummaryRow } from './summary.js'
export {
  conv2d, maxPool2d, avgPool2d, globalAvgPool2d, zeroPadding2d, reshapeLayer, type Conv2dOptions, type Pool2dOptions, type Size2, type KeepsSize,
  type Conv2dShape, type Pool2dShape, type GlobalPool2dShape, type ReshapeShape,
} from './conv.js'
export type { ShapeFn, InputOf, ApplyShape, AnyShape, SameShape, DenseShape, FlattenShape, SequentialShape } from './shapes.js'
export * from './losses.js'
export * from './schedules.js'
export * from './transform.js'
export * from './optim.js'
export { layers } from './catalog.js'

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

