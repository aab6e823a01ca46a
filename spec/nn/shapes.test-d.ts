import { describe, expectTypeOf, test } from 'vitest'
import { layers } from '../../src/nn/index.js'
import { defineLayer, type Applied, type Layer, type NoParams } from '../../src/nn/layer.js'
import { batchNorm, dense, dropout } from '../../src/nn/layers.js'
import { sequential } from '../../src/nn/sequential.js'
import type { AnyShape, ApplyShape, DenseShape, FlattenShape, SameShape, SequentialShape } from '../../src/nn/shapes.js'
import type { Key } from '../../src/random/key.js'
import type { Shape } from '../../src/shape.js'
import type { Tensor } from '../../src/tensor.js'

declare const images: Tensor<readonly [32, 8, 8]>
declare const n: number
declare const rows: Tensor<readonly [typeof n, 4]>
declare const dyn: Tensor
declare const k: Key

describe('shape functions', () => {
  test('ApplyShape of each building block', () => {
    expectTypeOf<ApplyShape<SameShape, readonly [2, 3]>>().toEqualTypeOf<readonly [2, 3]>()
    expectTypeOf<ApplyShape<DenseShape<5>, readonly [2, 3]>>().toEqualTypeOf<readonly [2, 5]>()
    expectTypeOf<ApplyShape<DenseShape<5>, readonly [7, 2, 3]>>().toEqualTypeOf<readonly [7, 2, 5]>()
    expectTypeOf<ApplyShape<FlattenShape, readonly [32, 8, 8]>>().toEqualTypeOf<readonly [32, 64]>()
    expectTypeOf<ApplyShape<FlattenShape, readonly [32]>>().toEqualTypeOf<readonly [32, 1]>()
    expectTypeOf<ApplyShape<AnyShape, readonly [2, 3]>>().toEqualTypeOf<Shape>()
    expectTypeOf<ApplyShape<SequentialShape<[FlattenShape, DenseShape<10>]>, readonly [4, 2, 3]>>().toEqualTypeOf<readonly [4, 10]>()
    expectTypeOf<ApplyShape<SequentialShape<[]>, readonly [4, 2]>>().toEqualTypeOf<readonly [4, 2]>()
  })

  test('non-literal shapes fall back', () => {
    expectTypeOf<ApplyShape<DenseShape<5>, readonly [number, 3]>>().toEqualTypeOf<readonly [number, 5]>()
    expectTypeOf<ApplyShape<DenseShape<5>, Shape>>().toEqualTypeOf<Shape>()
    expectTypeOf<ApplyShape<DenseShape<number>, readonly [2, 3]>>().toEqualTypeOf<readonly [2, number]>()
    expectTypeOf<ApplyShape<FlattenShape, readonly [32, number, 8]>>().toEqualTypeOf<readonly [32, number]>()
    expectTypeOf<ApplyShape<FlattenShape, Shape>>().toEqualTypeOf<Shape>()
    expectTypeOf<ApplyShape<SameShape, Shape>>().toEqualTypeOf<Shape>()
    expectTypeOf<ApplyShape<SequentialShape<DenseShape<3>[]>, readonly [2, 3]>>().toEqualTypeOf<Shape>()
  })
})

describe('layers', () => {
  test('dense infers literal units', () => {
    expectTypeOf(dense(64)).toEqualTypeOf<Layer<DenseShape<64>, { readonly w: Float64Array; readonly b: Float64Array }, { readonly kind: 'dense' }>>()
    expectTypeOf(layers.dense(3, { activation: 'relu' })).toEqualTypeOf<Layer<DenseShape<3>, { readonly w: Float64Array; readonly b: Float64Array }, { readonly kind: 'dense' }>>()
    expectTypeOf(dense(3, { bias: false })).toEqualTypeOf<Layer<DenseShape<3>, { readonly w: Float64Array }, { readonly kind: 'dense' }>>()
    expectTypeOf(dense(64).apply({}, images).y).toEqualTypeOf<Tensor<readonly [32, 8, 64]>>()
  })

  test('dense on [n, 4] with n: number', () => {
    expectTypeOf(dense(3).apply({}, rows).y).toEqualTypeOf<Tensor<readonly [number, 3]>>()
    expectTypeOf(dense(n).apply({}, rows).y).toEqualTypeOf<Tensor<readonly [number, number]>>()
    expectTypeOf(dense(3).apply({}, dyn).y).toEqualTypeOf<Tensor<Shape>>()
  })

  test('activations, dropout and batchNorm preserve the shape', () => {
    const same = [layers.relu(), layers.tanh(), layers.sigmoid(), layers.softmax(), layers.logSoftmax(), layers.leakyRelu(0.1), layers.elu(), layers.gelu(), layers.softplus(), layers.linear(), layers.activation('tanh'), dropout(0.5)] as const
    expectTypeOf(same).items.toEqualTypeOf<Layer<SameShape, NoParams>>()
    expectTypeOf(batchNorm()).toEqualTypeOf<Layer<SameShape, { readonly gamma: Float64Array; readonly beta: Float64Array }, { readonly kind: 'batchNorm' }>>()
    expectTypeOf(layers.relu().apply({}, images).y).toEqualTypeOf<Tensor<readonly [32, 8, 8]>>()
    expectTypeOf(dropout(0.1).apply({}, rows).y).toEqualTypeOf<Tensor<readonly [number, 4]>>()
    expectTypeOf(batchNorm().apply({}, images).y).toEqualTypeOf<Tensor<readonly [32, 8, 8]>>()
  })

  test('flatten', () => {
    expectTypeOf(layers.flatten().apply({}, images).y).toEqualTypeOf<Tensor<readonly [32, 64]>>()
  })
})

describe('sequential', () => {
  const mlp = sequential(layers.flatten(), dense(64), layers.relu(), dense(10))

  test('an MLP on [32, 8, 8] gives [32, 10]', () => {
    expectTypeOf(mlp.apply({}, images).y).toEqualTypeOf<Tensor<readonly [32, 10]>>()
    expectTypeOf(mlp.apply({}, images).state).toEqualTypeOf<Applied['state']>()
    expectTypeOf(mlp.init(k, [32, 8, 8]).outputShape).toEqualTypeOf<readonly [32, 10]>()
    expectTypeOf(mlp.spec([5, 2, 3]).outputShape).toEqualTypeOf<readonly [5, 10]>()
    expectTypeOf(mlp.leaves([5, 6]).outputShape).toEqualTypeOf<readonly [5, 10]>()
  })

  test('nesting, dropout and batchNorm', () => {
    const block = layers.sequential(dense(16), batchNorm(), layers.relu(), dropout(0.2))
    const net = sequential(layers.flatten(), block, block, dense(2), layers.logSoftmax())
    expectTypeOf(net.apply({}, images).y).toEqualTypeOf<Tensor<readonly [32, 2]>>()
  })

  test('non-literal inputs fall back', () => {
    expectTypeOf(mlp.apply({}, rows).y).toEqualTypeOf<Tensor<readonly [number, 10]>>()
    expectTypeOf(mlp.apply({}, dyn).y).toEqualTypeOf<Tensor<Shape>>()
    const s: Shape = [2, 3]
    expectTypeOf(mlp.init(k, s).outputShape).toEqualTypeOf<Shape>()
  })

  test('an untyped layer in the list makes the output untyped', () => {
    const custom = defineLayer('double', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: x, state: ctx.state }))
    expectTypeOf(custom).toEqualTypeOf<Layer>()
    expectTypeOf(sequential(dense(3), custom).apply({}, images).y).toEqualTypeOf<Tensor<Shape>>()
    expectTypeOf(sequential(custom, dense(3)).apply({}, rows).y).toEqualTypeOf<Tensor<Shape>>()
  })

  test('a spread list of layers is untyped', () => {
    const list: Layer[] = [dense(3), layers.relu()]
    expectTypeOf(sequential(...list).apply({}, images).y).toEqualTypeOf<Tensor<Shape>>()
  })
})

describe('typed layers are plain layers', () => {
  test('assignable to Layer', () => {
    expectTypeOf(dense(64)).toExtend<Layer>()
    expectTypeOf(layers.flatten()).toExtend<Layer>()
    expectTypeOf(sequential(dense(4), layers.relu())).toExtend<Layer>()
    const take = (l: Layer): string => l.name
    take(dense(64))
    take(batchNorm())
    take(sequential(layers.flatten(), dense(64), layers.relu(), dense(10)))
    const list: readonly Layer[] = [dense(3), dropout(0.1), layers.flatten()]
    expectTypeOf(list).items.toEqualTypeOf<Layer>()
    const make: () => Layer = () => sequential(dense(3), layers.tanh())
    expectTypeOf(make).returns.toEqualTypeOf<Layer>()
  })

  test('a Layer can be built from a typed layer', () => {
    const inner = dense(3)
    const wrapped: Layer = defineLayer('spy', inner.spec, (p, x, ctx) => inner.apply(p, x, ctx))
    expectTypeOf(wrapped.apply({}, images).y).toEqualTypeOf<Tensor>()
    const spread: Layer = { ...inner, name: 'renamed' }
    expectTypeOf(spread.name).toBeString()
  })
})
