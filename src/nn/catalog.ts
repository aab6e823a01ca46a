/**
 * The `layers` namespace: every layer constructor under one name each, the names a layer config uses.
 * @module
 */
import * as C from './conv.js'
import * as L from './layers.js'
import { sequential } from './sequential.js'

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
  zeroPadding2d: C.zeroPadding2d,
  sequential,
} as const

