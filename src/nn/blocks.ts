/**
 * Building blocks of functional models: the residual block of ResNet (`a[l+2] = g(z[l+2] + a[l])`) and
 * the Inception block (parallel 1x1, 3x3, 5x5 and pooling branches, concatenated on channels). Each takes
 * a symbolic value and returns one, so blocks chain with `connect` and `merge`.
 * @module
 */
import { checkOptionKinds, requirePositiveInteger, type OptionKinds } from '../options.js'
import { fmt, ShapeError } from '../shape.js'
import { activation, batchNorm, dense } from './layers.js'
import type { ActivationName } from './activations.js'
import { conv2d, maxPool2d } from './conv.js'
import { connect, merge, type Symbolic } from './functional.js'
import { heNormal } from './init.js'
import { checkLabel, named, type Layer } from './layer.js'

/** Options of `residualBlock`. */
export interface ResidualOptions {
  /** Output channels (units for a dense block); default: the input's, so the shortcut is the identity. */
  readonly filters?: number
  /** Convolution window (default 3; images only). */
  readonly kernelSize?: number
  /** Stride of the first convolution (default 1; images only): 2 halves the image, and the shortcut is projected. */
  readonly stride?: number
  /** Batch norm after each convolution or dense layer, before the activation (default true). */
  readonly batchNorm?: boolean
  /** A 1x1 convolution (or dense layer) on the shortcut: default only when the shapes differ. */
  readonly projection?: boolean
  /** The activation `g` (default `'relu'`). */
  readonly activation?: ActivationName
  /** Names the block's layers `${name}_conv1`, `${name}_bn1`, ... (default: automatic names). */
  readonly name?: string
}

const RESIDUAL_OPTIONS: OptionKinds<ResidualOptions> = {
  filters: 'number', kernelSize: 'number', stride: 'number', batchNorm: 'boolean', projection: 'boolean', activation: 'string', name: 'string',
}

/** Names a layer `${prefix}_${part}` when the block has a name. */
const namer = (prefix: string | undefined) => (layer: Layer, part: string): Layer => (prefix === undefined ? layer : named(layer, `${prefix}_${part}`))

/**
 * A residual block on images `[H, W, C]` (two convolutions) or vectors `[n]` (two dense layers):
 * `g(bn(W2 g(bn(W1 x))) + shortcut(x))`, where the shortcut is `x`, or a 1x1 convolution (dense layer)
 * with batch norm when the shape changes (other `filters`, or `stride` 2) or `projection` is true. The
 * convolutions have no bias when batch norm follows (it would cancel), and start from `heNormal`.
 * @example
 * import { modelInput, residualBlock, functional, key } from 'kiln'
 * const x = modelInput([8, 8, 4])
 * residualBlock(x).shape // [8, 8, 4]
 * residualBlock(x, { filters: 8, stride: 2 }).shape // [4, 4, 8]
 * const net = functional(x, residualBlock(x, { filters: 8, name: 'res1' }))
 * Object.keys(net.init(key(0), [1, 8, 8, 4]).params) // ['res1_conv1', 'res1_bn1', 'res1_conv2', 'res1_bn2', 'res1_proj', 'res1_proj_bn']
 */
export const residualBlock = (x: Symbolic, options: ResidualOptions = {}): Symbolic => {
  const o = checkOptionKinds('residualBlock', options, RESIDUAL_OPTIONS)
  const image = x.shape.length === 3
  if (!image && x.shape.length !== 1) throw new ShapeError('residualBlock', [x.shape], `expected an image [height, width, channels] or a vector [n], got ${fmt(x.shape)}`)
  const channels = x.shape[x.shape.length - 1]!
  const filters = requirePositiveInteger('residualBlock', 'filters', o.filters ?? channels)
  const stride = requirePositiveInteger('residualBlock', 'stride', o.stride ?? 1)
  const kernelSize = requirePositiveInteger('residualBlock', 'kernelSize', o.kernelSize ?? 3)
  if (!image && stride !== 1) throw new RangeError('residualBlock: stride applies to images only')
  const name = namer(o.name === undefined ? undefined : checkLabel(o.name, 'residualBlock'))
  const bn = o.batchNorm ?? true
  const g = o.activation ?? 'relu'
  const linear = (units: number, size: number, s: number, part: string): Layer =>
    name(image ? conv2d(units, size, { stride: s, padding: 'same', bias: !bn, init: heNormal }) : dense(units, { bias: !bn, init: heNormal }), part)
  const norm = (part: string): Layer[] => (bn ? [name(batchNorm(), part)] : [])
  const main = connect(x, linear(filters, kernelSize, stride, 'conv1'), ...norm('bn1'), activation(g), linear(filters, kernelSize, 1, 'conv2'), ...norm('bn2'))
  const project = o.projection ?? (filters !== channels || stride !== 1)
  const shortcut = project ? connect(x, linear(filters, 1, stride, 'proj'), ...norm('proj_bn')) : x
  return connect(merge.add([main, shortcut]), activation(g))
}

/** Options of `inceptionBlock`: filters per branch. */
export interface InceptionOptions {
  /** Filters of the 1x1 branch. */
  readonly f1x1: number
  /** The 3x3 branch: a 1x1 reduction to `[0]` channels, then a 3x3 convolution to `[1]`. */
  readonly f3x3: readonly [number, number]
  /** The 5x5 branch: a 1x1 reduction to `[0]` channels, then a 5x5 convolution to `[1]`. */
  readonly f5x5: readonly [number, number]
  /** Filters of the 1x1 convolution after the 3x3 max pooling (stride 1, padding 'same'). */
  readonly poolProjection: number
  /** Names the block's layers `${name}_1x1`, `${name}_3x3_reduce`, ... (default: automatic names). */
  readonly name?: string
}

const INCEPTION_OPTIONS: OptionKinds<InceptionOptions> = { f1x1: 'number', f3x3: 'array', f5x5: 'array', poolProjection: 'number', name: 'string' }

const pairOfFilters = (field: string, v: readonly [number, number] | undefined): readonly [number, number] => {
  if (v === undefined || v.length !== 2) throw new RangeError(`inceptionBlock: ${field} must be [reduce, filters], two positive integers`)
  return [requirePositiveInteger('inceptionBlock', `${field}[0]`, v[0]), requirePositiveInteger('inceptionBlock', `${field}[1]`, v[1])]
}

/**
 * The Inception block of GoogLeNet on images `[H, W, C]`: four branches with ReLU after every
 * convolution (1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pooling then 1x1), all keeping `H` and `W`,
 * concatenated on channels to `f1x1 + f3x3[1] + f5x5[1] + poolProjection`.
 * @example
 * import { modelInput, inceptionBlock } from 'kiln'
 * inceptionBlock(modelInput([8, 8, 3]), { f1x1: 4, f3x3: [2, 4], f5x5: [2, 2], poolProjection: 2 }).shape // [8, 8, 12]
 */
export const inceptionBlock = (x: Symbolic, options: InceptionOptions): Symbolic => {
  const o = checkOptionKinds('inceptionBlock', options, INCEPTION_OPTIONS)
  if (x.shape.length !== 3) throw new ShapeError('inceptionBlock', [x.shape], `expected an image [height, width, channels], got ${fmt(x.shape)}`)
  const name = namer(o.name === undefined ? undefined : checkLabel(o.name, 'inceptionBlock'))
  const f3 = pairOfFilters('f3x3', o.f3x3)
  const f5 = pairOfFilters('f5x5', o.f5x5)
  const conv = (filters: number, size: number, part: string): Layer => name(conv2d(filters, size, { padding: 'same', activation: 'relu', init: heNormal }), part)
  return merge.concatenate([
    connect(x, conv(requirePositiveInteger('inceptionBlock', 'f1x1', o.f1x1), 1, '1x1')),
    connect(x, conv(f3[0], 1, '3x3_reduce'), conv(f3[1], 3, '3x3')),
    connect(x, conv(f5[0], 1, '5x5_reduce'), conv(f5[1], 5, '5x5')),
    connect(x, maxPool2d(3, { stride: 1, padding: 'same' }), conv(requirePositiveInteger('inceptionBlock', 'poolProjection', o.poolProjection), 1, 'pool_proj')),
  ])
}
