import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { loadDigits } from '../../src/node/index.js'

const { modelInput, connect, functional, key } = K

/** Evaluation-mode output of `model` on `x` with values `v`. */
const run = (model: K.Layer, v: K.Variables, x: Float64Array, shape: readonly number[]): Float64Array => {
  const leaves = model.leaves(shape)
  const y = model.apply(leaves.params, K.input('x', shape), { training: false, state: leaves.state }).y
  return K.evaluate([y], { ...K.bindValues(leaves.params, v.params), ...K.bindValues(leaves.state, v.state), x })[0]!
}

const ramp = (n: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i) * 0.8)

describe('residualBlock', () => {
  it('with an identity shortcut equals relu(F(x) + x), F being the same block without the sum', () => {
    const x = modelInput([4, 4, 3])
    const conv1 = K.conv2d(3, 3, { padding: 'same' })
    const conv2 = K.conv2d(3, 3, { padding: 'same' })
    const plain = functional(x, connect(x, conv1, K.layers.relu(), conv2))
    const block = functional(x, residualBlock(x, { batchNorm: false, name: 'r' }))
    const v = block.init(key(3), [2, 4, 4, 3])
    const p = v.params as Record<string, K.ParamValues>
    const f = run(plain, { ...v, params: { conv2d0: p.r_conv1!, conv2d1: p.r_conv2! } }, ramp(96), [2, 4, 4, 3])
    const xs = ramp(96)
    const want = f.map((fi, i) => Math.max(fi + xs[i]!, 0))
    expect(Array.from(run(block, v, xs, [2, 4, 4, 3]))).toEqual(Array.from(want))
  })

  it('projects the shortcut when the shape changes, and works on vectors with dense layers', () => {
    const x = modelInput([8, 8, 4])
    const y = residualBlock(x, { filters: 6, stride: 2, name: 'down' })
    expect(y.shape).toEqual([4, 4, 6])
    const m = functional(x, y)
    expect(K.flattenParams(m.init(key(0), [1, 8, 8, 4]).params).map(([p, a]) => [p, a.length])).toContainEqual(['down_proj.w', 1 * 1 * 4 * 6])
    const v = modelInput([5])
    expect(residualBlock(v, { filters: 3 }).shape).toEqual([3])
    expect(() => residualBlock(v, { stride: 2 })).toThrow(/stride applies to images only/)
    expect(() => residualBlock(x, { filtres: 3 } as never)).toThrow(/filtres/)
    expect(() => residualBlock(x, { filters: 0 })).toThrow(/filters/)
  })

  it('has gradients that agree with central differences (batch norm in training mode)', () => {
    const x = modelInput([3, 3, 2])
    const m = functional(x, residualBlock(x, { filters: 2 }))
    const v = m.init(key(5), [2, 3, 3, 2])
    const consts = (t: K.ParamValues) => K.unflatten(K.flattenParams(t).map(([p, a]) => [p, K.constant(a, [a.length])] as const))
    const leaves = m.leaves([2, 3, 3, 2])
    const shaped = (vals: K.ParamValues, like: K.Params) => K.unflatten(K.flattenParams(like).map(([p, t]) => [p, K.reshape((K.flattenParams(consts(vals)).find(([q]) => q === p)![1]), t.shape)] as const))
    const report = K.gradcheck(
      (xt) => K.sum(K.mul(m.apply(shaped(v.params, leaves.params), xt, { training: true, state: shaped(v.state, leaves.state) }).y, K.constant(ramp(36), [2, 3, 3, 2]))),
      [{ value: Array.from(ramp(36)).map((a) => a + 0.1), shape: [2, 3, 3, 2] }],
    )
    expect(v.outputShape).toEqual([2, 3, 3, 2])
    expect(report.failures).toBe(0)
  })
})

describe('inceptionBlock', () => {
  it('concatenates the four branches in order on channels, each keeping the image size', () => {
    const x = modelInput([6, 6, 3])
    const y = inceptionBlock(x, { f1x1: 2, f3x3: [2, 3], f5x5: [1, 4], poolProjection: 5, name: 'inc' })
    expect(y.shape).toEqual([6, 6, 14])
    const m = functional(x, y)
    expect(Object.keys(m.init(key(0), [1, 6, 6, 3]).params)).toEqual(['inc_1x1', 'inc_3x3_reduce', 'inc_3x3', 'inc_5x5_reduce', 'inc_5x5', 'inc_pool_proj'])
    expect(() => inceptionBlock(x, { f1x1: 2, f3x3: [2], f5x5: [1, 4], poolProjection: 5 } as never)).toThrow(/f3x3 must be \[reduce, filters\]/)
    expect(() => inceptionBlock(modelInput([4]), { f1x1: 2, f3x3: [2, 3], f5x5: [1, 4], poolProjection: 5 })).toThrow(/expected an image/)
  })
})

describe('model constructors', () => {
  it('LeNet-5 pads 28x28 to 32x32 and has the textbook 61,706 parameters', () => {
    const net = K.lenet5({ inputShape: [28, 28] })
    const rows = K.summaryRows(net, [1, 28, 28])
    expect(rows.map((r) => r.outputShape)).toEqual([[1, 28, 28, 1], [1, 32, 32, 1], [1, 28, 28, 6], [1, 14, 14, 6], [1, 10, 10, 16], [1, 5, 5, 16], [1, 400], [1, 120], [1, 84], [1, 10]])
    expect(rows.reduce((n, r) => n + r.params, 0)).toBe(61706)
    expect(() => K.lenet5({ inputShape: [40, 40] })).toThrow(/at most 32x32/)
  })

  it('a small ResNet trains on digits, compiled and interpreted alike, and survives a model file', () => {
    const digits = K.unwrap(loadDigits())
    const train = K.take(digits, Array.from({ length: 48 }, (_, i) => i))
    const net = K.smallResNet({ inputShape: [8, 8], classes: 10, filters: [4, 8] })
    const options = { epochs: 2, batchSize: 16, optimizer: K.adam(0.01), key: key(1) }
    const a = K.unwrap(K.fit(net, train, options))
    const b = K.unwrap(K.fit(net, train, { ...options, engine: 'interpreter' as const }))
    expect(a.params).toEqual(b.params)
    expect(a.state).toEqual(b.state)
    expect(a.history[1]!.trainLoss).toBeLessThan(a.history[0]!.trainLoss)
    const back = K.unwrap(K.decodeModel(K.unwrap(K.encodeModel(a))))
    expect(K.predict(back, train)).toEqual(K.predict(a, train))
  })
})

const { residualBlock, inceptionBlock } = K
