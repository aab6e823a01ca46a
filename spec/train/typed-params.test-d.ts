import { describe, expectTypeOf, test } from 'vitest'
import { adam, dense, fit, flower, key, layers, named, sequential, conv2d, batchNorm, type ParamValues } from '../../src/index.js'

const data = flower(key(1), 20)
const options = { epochs: 1, batchSize: 10, optimizer: adam(0.01), key: key(0) }

describe('trained values are typed from a literal model', () => {
  test('sequential keys by kind and position, or by name; layers without parameters get no key', () => {
    const r = fit(sequential(dense(8), layers.relu(), layers.dropout(0.1), batchNorm(), named(dense(2, { bias: false }), 'head')), data, options)
    if (r._tag === 'Left') return
    expectTypeOf(r.right.params.dense0.w).toEqualTypeOf<Float64Array>()
    expectTypeOf(r.right.params.dense0.b).toEqualTypeOf<Float64Array>()
    expectTypeOf(r.right.params.batchNorm3.gamma).toEqualTypeOf<Float64Array>()
    expectTypeOf(r.right.params.head).toEqualTypeOf<{ readonly w: Float64Array }>()
    // @ts-expect-error relu has no parameters, so no entry
    void r.right.params.relu1
    // @ts-expect-error the head was built without a bias
    void r.right.params.head.b
  })

  test('convolutions are typed; a model that is not a literal list gives the plain tree', () => {
    const c = fit(sequential(layers.reshape([2, 1, 1]), conv2d(3, 1), layers.flatten(), dense(2)), data, options)
    if (c._tag === 'Right') expectTypeOf(c.right.params.conv2d1.w).toEqualTypeOf<Float64Array>()
    const list = [dense(4), dense(2)]
    const r = fit(sequential(...list), data, options)
    if (r._tag === 'Right') expectTypeOf(r.right.params).toEqualTypeOf<ParamValues>()
  })
})
