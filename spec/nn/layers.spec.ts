import { describe, expect, it } from 'vitest'
import { logSoftmax, softmax, sub, sum } from '../../src/index.js'
import { grad } from '../../src/grad.js'
import { evaluate } from '../../src/evaluate.js'
import { key } from '../../src/random/key.js'
import { ShapeError } from '../../src/shape.js'
import { type Tensor } from '../../src/tensor.js'
import { input, param } from '../../src/make.js'
import { activationNames, elu, gelu } from '../../src/nn/activations.js'
import { layers } from '../../src/nn/index.js'
import { batchNorm, dense, dropout } from '../../src/nn/layers.js'
import { sequential } from '../../src/nn/sequential.js'
import { bindValues, flattenParams, TreeError } from '../../src/nn/tree.js'
import { arg, expectGrad, expectGrad2, values } from './helpers.js'

const x34 = arg(1, [3, 4], -2, 2, 0.05)

describe('activation layers', () => {
  const smooth = ['sigmoid', 'tanh', 'softplus', 'gelu', 'softmax', 'logSoftmax', 'linear'] as const
  it.each(smooth)('%s: first- and second-order gradients', (name) => {
    const layer = layers[name]()
    const f = (x: Tensor): Tensor => layer.apply({}, x).y
    expectGrad(f, [x34])
    expectGrad2(f, [x34])
  })

  it.each([
    ['relu', layers.relu()],
    ['leakyRelu', layers.leakyRelu(0.1)],
    ['elu', layers.elu(0.7)],
  ] as const)('%s: first-order gradients away from the kink, second order too', (_n, layer) => {
    const f = (x: Tensor): Tensor => layer.apply({}, x).y
    expectGrad(f, [x34])
    expectGrad2(f, [x34])
  })

  it('gelu is the tanh approximation', () => {
    const xs = [-3, -1, -0.2, 0, 0.5, 2, 6]
    const want = xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))))
    const got = Array.from(evaluate([gelu(input('x', [7]))], { x: xs })[0]!)
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 14))
  })

  it("gelu(x, 'none') is the exact x * Phi(x), with its derivative (mpmath values, 50 digits)", () => {
    // x, x Phi(x), Phi(x) + x phi(x)
    const table = [
      [-6, -5.9195258702261888442e-9, -3.5468709453902014781e-8],
      [-3, -0.00404969409489028358, -0.011945647204183927],
      [-1, -0.15865525393145705141, -0.083315470587686298383],
      [-0.5, -0.15426876936299344818, 0.13250487534383715747],
      [0, 0, 0.5],
      [0.5, 0.34573123063700655182, 0.86749512465616284253],
      [1, 0.84134474606854294859, 1.0833154705876862984],
      [2.5, 2.4844758366855596621, 1.0376110859081452082],
      [8, 7.9999999999999950232, 1.0000000000000397961],
    ] as const
    const x = param('gx', [table.length])
    const y = layers.gelu('none').apply({}, x).y
    const [v, d] = evaluate([y, ...grad(sum(y), [x])], { gx: table.map((r) => r[0]) })
    // 1 + erf(x / sqrt 2) cancels for x << 0: relative error there grows like 1e-16 / Phi(x); the
    // derivative Phi(x) + x phi(x) cancels near x = -1 (a few ulps more)
    table.forEach(([xi, want, dwant], i) => {
      const tol = xi < -2 ? 4e-16 / Math.abs(want / xi) : 4e-16
      expect(Math.abs(v![i]! - want) / Math.abs(want || 1), `gelu(${xi})`).toBeLessThanOrEqual(tol)
      expect(Math.abs(d![i]! - dwant) / Math.abs(dwant), `gelu'(${xi})`).toBeLessThanOrEqual(Math.max(tol, 2e-15))
    })
    expectGrad2((t) => layers.gelu('none').apply({}, t).y, [x34])
    expect(() => layers.gelu('exact' as never)).toThrow("gelu: approximate: expected 'tanh' or 'none', got the string \"exact\"")
  })

  it('elu matches its formula and stays finite with a finite gradient for large inputs', () => {
    const x = input('x', [4])
    const got = Array.from(evaluate([elu(x, 2)], { x: [-1, 0.5, 1000, -1000] })[0]!)
    expect(got).toEqual([2 * (Math.exp(-1) - 1), 0.5, 1000, -2])
    expectGrad((t) => elu(t, 2), [{ value: [800, -800, 1.5, -1.5], shape: [4] }])
  })

  it('softmax and logSoftmax layers act on the last axis', () => {
    const x = input('x', [2, 3])
    const [a, b, c, d] = evaluate([layers.softmax().apply({}, x).y, softmax(x), layers.logSoftmax().apply({}, x).y, logSoftmax(x)], {
      x: [1, 2, 3, 0, 0, 0],
    })
    expect(a).toEqual(b)
    expect(c).toEqual(d)
  })

  it('each activation name works as a dense activation', () => {
    for (const name of activationNames) {
      const layer = dense(2, { activation: name })
      const v = layer.init(key(0), [3, 4])
      const p = layer.leaves([3, 4]).params
      const [y] = evaluate([layer.apply(p, input('x', [3, 4])).y], { ...bindValues(p, v.params), x: values(2, [3, 4]) })
      expect(y!.every(Number.isFinite), name).toBe(true)
    }
  })
})

describe('dense', () => {
  it('computes act(x w + b) and names w [in, units], b [units]', () => {
    const layer = dense(2, { activation: 'relu' })
    const v = layer.init(key(0), [1, 3])
    expect(Object.keys(v.params)).toEqual(['w', 'b'])
    expect(v.params.w).toHaveLength(6)
    expect(Array.from(v.params.b as Float64Array)).toEqual([0, 0])
    const p = layer.leaves([1, 3]).params
    const w = [1, -1, 2, 0, 0, 1]
    const [y] = evaluate([layer.apply(p, input('x', [1, 3])).y], { w, b: [0.5, 0.25], x: [1, 2, 3] })
    // x w = [1*1 + 2*2 + 3*0, 1*-1 + 2*0 + 3*1] = [5, 2]
    expect(Array.from(y!)).toEqual([5.5, 2.25])
  })

  it('gradients with respect to input, weights and bias (first and second order)', () => {
    const layer = dense(3, { activation: 'tanh' })
    const f = (x: Tensor, w: Tensor, b: Tensor): Tensor => layer.apply({ w, b }, x).y
    const inputs = [arg(3, [2, 4]), arg(4, [4, 3], -1, 1), arg(5, [3], -1, 1)]
    expectGrad(f, inputs)
    expectGrad2(f, inputs)
  })

  it('without a bias has only w', () => {
    const layer = dense(3, { bias: false })
    expect(Object.keys(layer.init(key(0), [2, 5]).params)).toEqual(['w'])
    expectGrad((x, w) => layer.apply({ w }, x).y, [arg(6, [2, 5]), arg(7, [5, 3])])
  })

  it('an unknown activation name is a clear error listing the valid names', () => {
    expect(() => dense(3, { activation: 'swish' as never })).toThrow(/dense: unknown activation "swish"; valid names are 'linear', 'sigmoid', .*'gelu'/)
    expect(() => layers.activation('nope' as never)).toThrow(/unknown activation "nope"/)
    expect(() => dense(0)).toThrow(/units must be a positive integer/)
  })

  it('a parameter tree that does not match names the entry and the shape expected', () => {
    const layer = dense(3)
    const x = input('x', [2, 4])
    expect(() => layer.apply({ w: input('w', [4, 3]) }, x)).toThrow(/dense: missing tensor 'b' of shape \[3\]/)
    expect(() => layer.apply({ w: input('w', [5, 3]), b: input('b', [3]) }, x)).toThrow(ShapeError)
    expect(() => layer.apply({ w: input('w', [5, 3]), b: input('b', [3]) }, x)).toThrow(/'w' has shape \[5,3\], expected \[4,3\]/)
  })
})

describe('dropout', () => {
  const x = input('x', [50, 40])
  const xs = values(8, [50, 40], 0.5, 1.5)

  it('is the identity in evaluation mode', () => {
    expect(dropout(0.3).apply({}, x).y).toBe(x)
    expect(dropout(0.3).apply({}, x, { training: false, key: key(0), state: {} }).y).toBe(x)
  })

  it('keeps about 1 - rate of the elements and scales them by 1 / (1 - rate)', () => {
    const [y] = evaluate([dropout(0.3).apply({}, x, { training: true, key: key(5), state: {} }).y], { x: xs })
    let kept = 0
    y!.forEach((v, i) => {
      if (v !== 0) {
        kept++
        expect(v).toBeCloseTo(xs[i]! / 0.7, 14)
      }
    })
    expect(kept / 2000).toBeGreaterThan(0.65)
    expect(kept / 2000).toBeLessThan(0.75)
  })

  it('a fixed key gives a fixed mask; a Key and its words fed as an input agree', () => {
    const withKey = dropout(0.5).apply({}, x, { training: true, key: key(9), state: {} }).y
    const k = input('k', [2])
    const withInput = dropout(0.5).apply({}, x, { training: true, key: k, state: {} }).y
    const [a, b] = evaluate([withKey, withInput], { x: xs, k: [key(9).k0, key(9).k1] })
    expect(a).toEqual(b)
    const [c] = evaluate([dropout(0.5).apply({}, x, { training: true, key: key(10), state: {} }).y], { x: xs })
    expect(c).not.toEqual(a)
  })

  it('gradcheck with a fixed key', () => {
    const layer = dropout(0.4)
    const f = (t: Tensor): Tensor => layer.apply({}, t, { training: true, key: key(3), state: {} }).y
    expectGrad(f, [arg(11, [4, 5])])
    expectGrad2(f, [arg(11, [4, 5])])
  })

  it('rate 0 is the identity even in training', () => {
    expect(dropout(0).apply({}, x, { training: true, key: key(1), state: {} }).y).toBe(x)
  })

  it('a rate outside [0, 1) is a clear error; training without a key too', () => {
    for (const r of [-0.1, 1, 1.5, Number.NaN]) expect(() => dropout(r)).toThrow(/dropout: rate must be in \[0, 1\)/)
    expect(() => dropout(0.5).apply({}, x, { training: true, state: {} })).toThrow(/needs a key/)
  })

  it('sequential gives each dropout layer its own mask', () => {
    const net = sequential(dropout(0.5), layers.linear(), dropout(0.5))
    const one = dropout(0.5)
    const ctx = { training: true, key: key(4), state: {} }
    const ones = input('x', [1, 400])
    const twice = net.apply({}, ones, ctx).y
    const once = one.apply({}, ones, ctx).y
    const [a, b] = evaluate([twice, once], { x: new Float64Array(400).fill(1) })
    const kept = a!.filter((v) => v !== 0).length / 400
    // two independent masks keep about 1/4; a shared mask would keep about 1/2
    expect(kept).toBeGreaterThan(0.18)
    expect(kept).toBeLessThan(0.32)
    expect(b!.filter((v) => v !== 0).length / 400).toBeGreaterThan(0.4)
  })
})

describe('batchNorm', () => {
  const shape = [6, 3] as const
  const xs = values(12, shape, -3, 5)
  const col = (j: number): number[] => Array.from({ length: 6 }, (_, i) => xs[i * 3 + j]!)
  const stats = (c: number[]) => {
    const mu = c.reduce((a, b) => a + b, 0) / c.length
    const v = c.reduce((a, b) => a + (b - mu) ** 2, 0) / c.length
    return { mu, v }
  }

  it('training: normalizes with batch statistics and returns updated running averages', () => {
    const layer = batchNorm()
    const { params, state } = layer.leaves(shape)
    expect(flattenParams(state).map(([, t]) => (t as Tensor & { attrs: { name: string } }).attrs.name)).toEqual(['state.mean', 'state.var'])
    const out = layer.apply(params, input('x', shape), { training: true, state })
    const gamma = [1, 2, 0.5]
    const beta = [0, 1, -1]
    const run = { mean: [0.5, -0.5, 0], var: [1, 2, 3] }
    const [y, m, v] = evaluate([out.y, out.state.mean as Tensor, out.state.var as Tensor], {
      x: xs, 'gamma': gamma, 'beta': beta, 'state.mean': run.mean, 'state.var': run.var,
    })
    for (let j = 0; j < 3; j++) {
      const s = stats(col(j))
      for (let i = 0; i < 6; i++) expect(y![i * 3 + j]).toBeCloseTo((gamma[j]! * (xs[i * 3 + j]! - s.mu)) / Math.sqrt(s.v + 1e-5) + beta[j]!, 12)
      expect(m![j]).toBeCloseTo(0.9 * run.mean[j]! + 0.1 * s.mu, 14)
      expect(v![j]).toBeCloseTo(0.9 * run.var[j]! + 0.1 * s.v * (6 / 5), 14)
    }
  })

  it('evaluation: uses the running averages and returns the state unchanged', () => {
    const layer = batchNorm({ eps: 1e-3 })
    const { params, state } = layer.leaves(shape)
    const out = layer.apply(params, input('x', shape), { training: false, state })
    expect(out.state).toBe(state)
    const [y] = evaluate([out.y], { x: xs, gamma: [1, 1, 2], beta: [0, 0, 1], 'state.mean': [1, 2, 3], 'state.var': [4, 1, 0.25] })
    const m = [1, 2, 3]
    const v = [4, 1, 0.25]
    const g = [1, 1, 2]
    const b = [0, 0, 1]
    y!.forEach((val, k) => {
      const j = k % 3
      expect(val).toBeCloseTo((g[j]! * (xs[k]! - m[j]!)) / Math.sqrt(v[j]! + 1e-3) + b[j]!, 13)
    })
  })

  it('gradients in both modes (first and second order)', () => {
    const layer = batchNorm()
    for (const training of [true, false]) {
      const f = (x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor): Tensor =>
        layer.apply({ gamma, beta }, x, { training, state: { mean, var: variance } }).y
      const inputs = [arg(13, [4, 3]), arg(14, [3], 0.5, 2), arg(15, [3]), arg(16, [3]), arg(17, [3], 0.5, 2)]
      expectGrad(f, inputs)
      expectGrad2(f, inputs)
    }
  })

  it('momentum follows running = momentum * running + (1 - momentum) * batch', () => {
    const layer = batchNorm({ momentum: 0.25 })
    const { params, state } = layer.leaves([2, 1])
    const out = layer.apply(params, input('x', [2, 1]), { training: true, state })
    const [m] = evaluate([out.state.mean as Tensor], { x: [1, 3], 'state.mean': [10] })
    expect(m![0]).toBeCloseTo(0.25 * 10 + 0.75 * 2, 14)
  })

  it('bad input: one value per channel in training, wrong state', () => {
    const layer = batchNorm()
    const { params, state } = layer.leaves([1, 3])
    expect(() => layer.apply(params, input('x', [1, 3]), { training: true, state })).toThrow(/more than one value per channel/)
    expect(() => layer.apply(params, input('x', [1, 3]), { training: false, state: {} })).toThrow(/batchNorm state: missing tensor 'mean' of shape \[3\]/)
    expect(() => batchNorm({ momentum: 2 })).toThrow(/momentum/)
  })
})

describe('flatten', () => {
  it('reshapes [n, ...] to [n, prod] with an identity gradient', () => {
    const layer = layers.flatten()
    expect(layer.init(key(0), [2, 3, 4]).outputShape).toEqual([2, 12])
    expectGrad((x) => layer.apply({}, x).y, [arg(18, [2, 3, 2])])
  })
})

describe('sequential', () => {
  const net = sequential(dense(5, { activation: 'gelu' }), batchNorm(), layers.dropout(0.2), dense(2))

  it('prefixes parameter and state names per layer', () => {
    const l = net.leaves([4, 3])
    expect(flattenParams(l.params).map(([k]) => k)).toEqual(['dense0.w', 'dense0.b', 'batchNorm1.gamma', 'batchNorm1.beta', 'dense3.w', 'dense3.b'])
    expect(flattenParams(l.state).map(([k]) => k)).toEqual(['batchNorm1.mean', 'batchNorm1.var'])
    expect(l.outputShape).toEqual([4, 2])
    const names = flattenParams(l.params).map(([, t]) => (t.attrs as { name: string }).name)
    expect(names).toEqual(['dense0.w', 'dense0.b', 'batchNorm1.gamma', 'batchNorm1.beta', 'dense3.w', 'dense3.b'])
  })

  it('init draws different values for different leaves and keys', () => {
    const a = net.init(key(0), [4, 3])
    const b = net.init(key(1), [4, 3])
    expect(a.params.dense0).not.toEqual(b.params.dense0)
    expect(Array.from((a.state.batchNorm1 as Record<string, Float64Array>).var!)).toEqual([1, 1, 1, 1, 1])
  })

  it('gradients of the whole stack (training, fixed key)', () => {
    const l = net.leaves([4, 3])
    const ps = flattenParams(l.params)
    const f = (x: Tensor, ...flat: Tensor[]): Tensor => {
      const p = { dense0: { w: flat[0]!, b: flat[1]! }, batchNorm1: { gamma: flat[2]!, beta: flat[3]! }, dense3: { w: flat[4]!, b: flat[5]! } }
      const st = { batchNorm1: { mean: input('rm', [5]), var: input('rv', [5]) } }
      return net.apply(p, x, { training: true, key: key(2), state: st }).y
    }
    // the running statistics are not on the path to y in training mode
    expectGrad(f, [arg(19, [4, 3]), ...ps.map(([, t], i) => arg(20 + i, t.shape, -1, 1))])
  })

  it('a value tree that does not match the model is a clear error', () => {
    const l = net.leaves([4, 3])
    const v = net.init(key(0), [4, 3])
    const { dense3: _dropped, ...rest } = v.params
    expect(() => bindValues(l.params, rest)).toThrow(/missing entry 'dense3' \(holding 'dense3\.w' \(shape \[5,2\]\), 'dense3\.b' \(shape \[2\]\)\)/)
    expect(() => bindValues(l.params, { ...v.params, dense4: { w: new Float64Array(1) } })).toThrow(/unexpected entry 'dense4'/)
    const bad = { ...v.params, dense0: { w: new Float64Array(14), b: new Float64Array(5) } }
    expect(() => bindValues(l.params, bad)).toThrow(/'dense0\.w' has 14 elements, its shape \[3,5\] needs 15/)
    expect(() => net.apply({ ...l.params, dense7: {} }, input('x', [4, 3]), { training: false, state: l.state })).toThrow(TreeError)
    expect(() => net.apply({ ...l.params, dense7: {} }, input('x', [4, 3]), { training: false, state: l.state })).toThrow(/unexpected entry 'dense7'/)
  })

  it('a layer applied to the wrong input shape names it', () => {
    const l = net.leaves([4, 3])
    expect(() => net.apply(l.params, input('x', [4, 7]), { training: false, state: l.state })).toThrow(/dense: .*'w' has shape \[3,5\], expected \[7,5\]/)
  })

  it('evaluation mode output does not depend on the key', () => {
    const l = net.leaves([4, 3])
    const v = net.init(key(0), [4, 3])
    const x = input('x', [4, 3])
    const y = net.apply(l.params, x, { training: false, state: l.state }).y
    const y2 = net.apply(l.params, x, { training: false, key: key(5), state: l.state }).y
    expect(y).toBe(y2)
    const [out] = evaluate([sub(y, y2)], { ...bindValues(l.params, v.params), ...bindValues(l.state, v.state), x: values(3, [4, 3]) })
    expect(Array.from(out!).every((d) => d === 0)).toBe(true)
  })
})
