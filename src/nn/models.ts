/**
 * Classic architectures as model constructors: LeNet-5 (LeCun et al. 1998, as taught in the course) and
 * a small ResNet (He et al. 2016) of residual blocks with batch norm. Both are ordinary layers with
 * named sublayers, so they train with `fit`, save to model files and transfer by name.
 * @module
 */
import { checkOptionKinds, describeValue, positiveIntegers, requirePositiveInteger, type OptionKinds } from '../options.js'
import { fmt, ShapeError, type Shape } from '../shape.js'
import type { ActivationName } from './activations.js'
import { residualBlock } from './blocks.js'
import { avgPool2d, conv2d, globalAvgPool2d, maxPool2d, reshapeLayer, zeroPadding2d } from './conv.js'
import { connect, modelInput } from './functional.js'
import { functional } from './functional-model.js'
import { heNormal } from './init.js'
import { named, type Layer } from './layer.js'
import { activation, batchNorm, dense, flattenLayer } from './layers.js'
import { sequential } from './sequential.js'

/** The layers that make an input of shape `[H, W]` or `[H, W, C]` an NHWC image (a channel axis added when missing). */
const asImage = (who: string, shape: Shape): { layers: Layer[]; shape: Shape } => {
  if (shape.length === 3) return { layers: [], shape }
  if (shape.length === 2) return { layers: [reshapeLayer([shape[0]!, shape[1]!, 1])], shape: [shape[0]!, shape[1]!, 1] }
  throw new ShapeError(who, [shape], `inputShape must be an image [height, width] or [height, width, channels], got ${fmt(shape)}`)
}

/** Options of `lenet5`. */
export interface LeNet5Options {
  /** One example's shape: `[H, W]` or `[H, W, C]` with H, W <= 32; smaller images are zero-padded to 32x32 (default `[32, 32, 1]`). */
  readonly inputShape?: Shape
  /** Output units (logits; default 10). */
  readonly classes?: number
  /** The activation of the hidden layers (default `'tanh'`, the original's; `'relu'` trains faster). */
  readonly activation?: ActivationName
  /** Subsampling: `'avg'` (default, the original's) or `'max'`. */
  readonly pooling?: 'avg' | 'max'
}

const LENET_OPTIONS: OptionKinds<LeNet5Options> = { inputShape: 'array', classes: 'number', activation: 'string', pooling: 'string' }

/**
 * LeNet-5: `c1` conv 6@5x5, pool 2, `c3` conv 16@5x5, pool 2, `f5` dense 120, `f6` dense 84, `out` dense
 * `classes` (logits), on 32x32 images; 28x28 digits are padded by 2 pixels first, as LeCun did for MNIST.
 * @example
 * import { lenet5, countParams, key } from 'kiln'
 * const net = lenet5({ inputShape: [28, 28], classes: 10 })
 * Object.keys(net.init(key(0), [1, 28, 28]).params) // ['c1', 'c3', 'f5', 'f6', 'out']
 * countParams(net.init(key(0), [1, 28, 28]).params) // 61706
 */
export const lenet5 = (options: LeNet5Options = {}): Layer => {
  const o = checkOptionKinds('lenet5', options, LENET_OPTIONS)
  const image = asImage('lenet5', positiveIntegers('lenet5', 'inputShape', o.inputShape ?? [32, 32, 1]))
  const [h, w] = image.shape as readonly [number, number, number]
  if (h > 32 || w > 32) throw new ShapeError('lenet5', [image.shape], `expects images of at most 32x32, got ${h}x${w}`)
  if ((32 - h) % 2 !== 0 || (32 - w) % 2 !== 0) throw new ShapeError('lenet5', [image.shape], `pads images evenly to 32x32, so height and width must be even, got ${h}x${w}`)
  const pooling = o.pooling ?? 'avg'
  if (pooling !== 'avg' && pooling !== 'max') throw new RangeError(`lenet5: pooling must be 'avg' or 'max', got ${describeValue(pooling)}`)
  const act = o.activation ?? 'tanh'
  const pool = (): Layer => (pooling === 'avg' ? avgPool2d(2) : maxPool2d(2))
  const classes = requirePositiveInteger('lenet5', 'classes', o.classes ?? 10)
  const pad = h === 32 && w === 32 ? [] : [zeroPadding2d([(32 - h) / 2, (32 - w) / 2])]
  return sequential(
    ...image.layers, ...pad,
    named(conv2d(6, 5, { activation: act }), 'c1'), pool(),
    named(conv2d(16, 5, { activation: act }), 'c3'), pool(),
    flattenLayer(),
    named(dense(120, { activation: act }), 'f5'),
    named(dense(84, { activation: act }), 'f6'),
    named(dense(classes), 'out'),
  )
}

/** Options of `smallResNet`. */
export interface SmallResNetOptions {
  /** One example's shape: `[H, W]` or `[H, W, C]`. */
  readonly inputShape: Shape
  /** Output units (logits). */
  readonly classes: number
  /** Channels of each stage; every stage after the first halves the image (default `[16, 32, 64]`). */
  readonly filters?: readonly number[]
  /** Residual blocks per stage (default 1). */
  readonly blocks?: number
}

const RESNET_OPTIONS: OptionKinds<SmallResNetOptions> = { inputShape: 'array', classes: 'number', filters: 'array', blocks: 'number' }

/**
 * A small ResNet for small images: a 3x3 convolution (`stem`) with batch norm and ReLU, then per stage
 * `blocks` residual blocks (`stage1_block1`, ...; the first block of stages after the first has stride 2
 * and a projected shortcut), global average pooling and a dense layer (`head`, logits).
 * @example
 * import { smallResNet, key } from 'kiln'
 * const net = smallResNet({ inputShape: [8, 8], classes: 10, filters: [8, 16] })
 * net.init(key(0), [2, 8, 8]).outputShape // [2, 10]
 * Object.keys(net.init(key(0), [2, 8, 8]).params).slice(0, 3) // ['stem', 'stem_bn', 'stage1_block1_conv1']
 */
export const smallResNet = (options: SmallResNetOptions): Layer => {
  const o = checkOptionKinds('smallResNet', options, RESNET_OPTIONS)
  const shape = positiveIntegers('smallResNet', 'inputShape', o.inputShape)
  const image = asImage('smallResNet', shape)
  const filters = positiveIntegers('smallResNet', 'filters', o.filters ?? [16, 32, 64])
  const blocks = requirePositiveInteger('smallResNet', 'blocks', o.blocks ?? 1)
  const classes = requirePositiveInteger('smallResNet', 'classes', o.classes)
  const x = modelInput(shape)
  let h = connect(x, ...image.layers, named(conv2d(filters[0]!, 3, { padding: 'same', bias: false, init: heNormal }), 'stem'), named(batchNorm(), 'stem_bn'), activation('relu'))
  filters.forEach((f, s) => {
    for (let b = 0; b < blocks; b++)
      h = residualBlock(h, { filters: f, stride: s > 0 && b === 0 ? 2 : 1, name: `stage${s + 1}_block${b + 1}` })
  })
  return functional(x, connect(h, globalAvgPool2d(), named(dense(classes), 'head')))
}
