import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'

const { modelInput, connect, merge, functional, dense, layers, key, named, sequential } = K

const evalOut = (model: K.Layer, params: K.ParamValues, x: Float64Array, shape: readonly number[]): Float64Array => {
  const leaves = model.leaves(shape)
  const xIn = K.input('x', shape)
  const y = model.apply(leaves.params, xIn).y
  return K.evaluate([y], { ...K.bindValues(leaves.params, params), x: x })[0]!
}

describe('functional models', () => {
  it('a residual block computes relu(W2 relu(W1 x + b1) + b2 + x), the same as the expression written by hand', () => {
    const x = modelInput([3])
    const h = connect(x, dense(3), layers.relu(), dense(3))
    const model = functional(x, connect(merge.add([h, x]), layers.relu()))
    const v = model.init(key(4), [2, 3])
    const xs = Float64Array.of(0.5, -1, 2, 1.5, 0.25, -0.75)
    const got = evalOut(model, v.params, xs, [2, 3])
    const p = v.params as Record<string, Record<string, Float64Array>>
    const lin = (w: Float64Array, b: Float64Array, a: number[]) => [0, 1, 2].map((j) => a.reduce((s, ai, i) => s + ai * w[i * 3 + j]!, 0) + b[j]!)
    const relu = (a: number[]) => a.map((z) => Math.max(z, 0))
    for (let r = 0; r < 2; r++) {
      const a = Array.from(xs.subarray(r * 3, r * 3 + 3))
      const z = lin(p.dense1!.w!, p.dense1!.b!, relu(lin(p.dense0!.w!, p.dense0!.b!, a)))
      const want = relu(z.map((zi, j) => zi + a[j]!))
      for (let j = 0; j < 3; j++) expect(got[r * 3 + j]).toBeCloseTo(want[j]!, 14)
    }
  })

  it('names layers per kind, so inserting a dropout renames no dense layer; named layers keep their names', () => {
    const build = (withDropout: boolean) => {
      const x = modelInput([4])
      const h = connect(x, dense(8), layers.relu())
      const h2 = withDropout ? connect(h, layers.dropout(0.2)) : h
      return functional(x, connect(h2, named(dense(2), 'head')))
    }
    const a = build(false).init(key(0), [1, 4]).params
    const b = build(true).init(key(0), [1, 4]).params
    expect(Object.keys(a)).toEqual(['dense0', 'head'])
    expect(Object.keys(b)).toEqual(['dense0', 'head'])
  })

  it('sequential uses given names, and refuses two layers under one name', () => {
    expect(Object.keys(sequential(named(dense(2), 'a'), layers.relu(), dense(2)).init(key(0), [1, 2]).params)).toEqual(['a', 'dense2'])
    expect(() => sequential(named(dense(2), 'dense2'), layers.relu(), dense(2))).toThrow(/layers 0 and 2 are both named 'dense2'/)
    expect(() => named(dense(2), 'a.b')).toThrow(/named: a layer name must/)
    const x = modelInput([2])
    expect(() => functional(x, connect(x, named(dense(2), 'z'), named(dense(2), 'z')))).toThrow(/two different layers are named 'z'/)
  })

  it('a shared layer has one set of parameters and its gradient sums both uses', () => {
    const shared = dense(2, { bias: false })
    const x = modelInput([2])
    const model = functional(x, merge.add([connect(x, shared), connect(x, shared, shared)]))
    const v = model.init(key(1), [1, 2])
    expect(Object.keys(v.params)).toEqual(['dense0'])
    const w0 = (v.params.dense0 as K.ParamValues).w as Float64Array
    const f = (w: K.Tensor) => K.sum(model.apply({ dense0: { w } }, K.constant([0.3, -0.7], [1, 2])).y)
    const report = K.gradcheck(f, [{ value: Array.from(w0), shape: [2, 2] }])
    expect(report.ok).toBe(true)
  })

  it('several inputs and outputs: applyModel takes them apart, the Layer view reads one row and concatenates outputs', () => {
    const [a, b] = [modelInput([2], 'a'), modelInput([2, 2], 'b')]
    const ha = connect(a, dense(3))
    const hb = connect(b, layers.flatten(), dense(3))
    const joined = merge.concatenate([ha, hb])
    const model = functional([a, b], [connect(joined, dense(1)), connect(merge.multiply([ha, hb]), dense(2))])
    expect(K.rowShapes(model.graph!)).toEqual({ input: [6], output: [3] })
    const v = model.init(key(2), [2, 6])
    expect(v.outputShape).toEqual([2, 3])
    const row = Float64Array.of(1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6)
    const joinedOut = evalOut(model, v.params, row, [2, 6])
    const leaves = model.leaves([2, 6])
    const outs = K.applyModel(model, leaves.params, [K.constant([1, 2, -1, -2], [2, 2]), K.constant([3, 4, 5, 6, -3, -4, -5, -6], [2, 2, 2])]).outputs
    const [o1, o2] = K.evaluate(outs, K.bindValues(leaves.params, v.params))
    expect(Array.from(joinedOut)).toEqual([o1![0], o2![0], o2![1], o1![1], o2![2], o2![3]])
  })

  it('refuses shape mismatches where they are made, stray or unused inputs, and shared stateful layers', () => {
    const x = modelInput([4])
    expect(() => merge.add([connect(x, dense(3)), x])).toThrow(/add needs equal shapes/)
    expect(() => connect(x, layers.conv2d(2, 3))).toThrow(/connect: layer 0 \(conv2d\) cannot take an input of shape \[4\]/)
    const z = modelInput([4], 'z')
    expect(() => functional(x, connect(z, dense(1)))).toThrow(/depend on the input 'z'/)
    expect(() => functional([x, z], connect(x, dense(1)))).toThrow(/the input 'z' is not used/)
    const bn = layers.batchNorm()
    expect(() => functional(x, merge.add([connect(x, bn), connect(connect(x, bn), bn)]))).toThrow(/keeps state/)
  })

  it('trains with fit, saves to a model file and loads back with the same predictions', () => {
    const x = modelInput([2])
    const h = connect(x, dense(8), layers.tanh())
    const model = functional(x, connect(merge.concatenate([h, x]), layers.dropout(0.1), named(dense(2), 'out')))
    const train = K.flower(key(1), 60)
    const r = K.fit(model, train, { epochs: 3, batchSize: 20, optimizer: K.adam(0.02), key: key(3) })
    if (r._tag === 'Left') throw new Error(r.left.message)
    const bytes = K.unwrap(K.encodeModel(r.right))
    const back = K.unwrap(K.decodeModel(bytes))
    expect(back.model.config).toEqual(model.config)
    expect(K.predict(back, train)).toEqual(K.predict(r.right, train))
    const again = K.fit(model, train, { epochs: 3, batchSize: 20, optimizer: K.adam(0.02), key: key(3), engine: 'interpreter' })
    if (again._tag === 'Left') throw new Error(again.left.message)
    expect(again.right.params).toEqual(r.right.params)
  })

  it('transfers named layers into an edited model and freezes them by name', () => {
    const build = (extra: boolean) => {
      const x = modelInput([2])
      const h = connect(x, named(dense(6), 'encoder'), layers.tanh())
      const h2 = extra ? connect(h, layers.dropout(0.2), dense(6), layers.tanh()) : h
      return functional(x, connect(h2, named(dense(2), 'head')))
    }
    const train = K.flower(key(1), 40)
    const first = K.unwrap(K.fit(build(false), train, { epochs: 2, batchSize: 20, optimizer: K.adam(0.02), key: key(3) }))
    const edited = build(true)
    const init = edited.init(key(5), [20, 2])
    const moved = K.transferValues(first, init, ['encoder'])
    const second = K.unwrap(K.fit(edited, train, { epochs: 1, batchSize: 20, optimizer: K.adam(0.02), key: key(3), initial: moved, freeze: ['encoder'] }))
    expect((second.params.encoder as K.ParamValues).w).toEqual((first.params.encoder as K.ParamValues).w)
    expect(Object.keys(second.params)).toEqual(['encoder', 'dense0', 'head'])
  })

  it('summarizes every step with what it reads', () => {
    const x = modelInput([3], 'pixels')
    const h = connect(x, named(dense(3), 'enc'))
    const rows = K.summaryRows(functional(x, connect(merge.add([h, x]), dense(1))), [5, 3])
    expect(rows.map((r) => [r.name, r.params, r.inputs])).toEqual([['enc', 12, ['pixels']], ['add0', 0, ['enc', 'pixels']], ['dense0', 4, ['add0']]])
  })

  it('refuses graph configs that point forward or name missing layers', () => {
    const x = modelInput([2])
    const d = dense(2)
    const m = functional(x, connect(x, d))
    const arg = m.config!.args[0] as { steps: { layer: number; reads: number[] }[] }
    const cycle = { ...m.config!, args: [{ ...arg, steps: [{ layer: 0, reads: [0] }] }] }
    expect(K.layerFromConfig(cycle)._tag).toBe('Left')
    const missing = { ...m.config!, args: [{ ...arg, steps: [{ layer: 3, reads: [-1] }] }] }
    const r = K.layerFromConfig(missing)
    expect(r._tag === 'Left' && r.left).toMatch(/names layer 3 of 1/)
  })
})
