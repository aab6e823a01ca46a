import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type Tensor } from '../../src/tensor.js'
import { input } from '../../src/make.js'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { compile } from '../../src/compile/index.js'
import { foldIn, key } from '../../src/random/key.js'
import { ShapeError, type Shape } from '../../src/shape.js'
import { avgPool2d, conv2d, globalAvgPool2d, maxPool2d, reshapeLayer, type Conv2dOptions } from '../../src/nn/conv.js'
import { layers } from '../../src/nn/index.js'
import { dense, flattenLayer, reluLayer } from '../../src/nn/layers.js'
import { sequential } from '../../src/nn/sequential.js'
import { softmaxCrossEntropy } from '../../src/nn/losses.js'
import { bindValues, flattenParams } from '../../src/nn/tree.js'
import { glorotUniform, fansOf } from '../../src/nn/init.js'
import { close } from '../compile/arbitraries.js'
import { arg, expectGrad, expectGrad2, values } from './helpers.js'

type Pair = readonly [number, number]
const pairOf = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v)

/** Output size and leading padding of one axis, written out from TensorFlow's documented rules. */
const axis = (n: number, k: number, s: number, padding: 'valid' | 'same'): { out: number; before: number } => {
  if (padding === 'valid') return { out: Math.floor((n - k) / s) + 1, before: 0 }
  const out = Math.ceil(n / s)
  return { out, before: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) }
}

/** The direct seven-loop convolution (cross-correlation), zero outside the input. */
const naiveConv = (x: Float64Array, [B, H, W, C]: Shape, w: Float64Array, [kh, kw, , F]: Shape, b: Float64Array, st: Pair, padding: 'valid' | 'same') => {
  const r = axis(H!, kh!, st[0], padding)
  const c = axis(W!, kw!, st[1], padding)
  const out = new Float64Array(B! * r.out * c.out * F!)
  for (let n = 0; n < B!; n++)
    for (let oh = 0; oh < r.out; oh++)
      for (let ow = 0; ow < c.out; ow++)
        for (let f = 0; f < F!; f++) {
          let acc = b[f]!
          for (let i = 0; i < kh!; i++)
            for (let j = 0; j < kw!; j++) {
              const [h, v] = [oh * st[0] + i - r.before, ow * st[1] + j - c.before]
              if (h < 0 || h >= H! || v < 0 || v >= W!) continue
              for (let ch = 0; ch < C!; ch++) acc += x[((n * H! + h) * W! + v) * C! + ch]! * w[((i * kw! + j) * C! + ch) * F! + f]!
            }
          out[((n * r.out + oh) * c.out + ow) * F! + f] = acc
        }
  return { out, shape: [B!, r.out, c.out, F!] }
}

/** Direct pooling over valid windows. */
const naivePool = (x: Float64Array, [B, H, W, C]: Shape, k: Pair, st: Pair, op: 'max' | 'avg') => {
  const [ho, wo] = [axis(H!, k[0], st[0], 'valid').out, axis(W!, k[1], st[1], 'valid').out]
  const out = new Float64Array(B! * ho * wo * C!)
  for (let n = 0; n < B!; n++)
    for (let oh = 0; oh < ho; oh++)
      for (let ow = 0; ow < wo; ow++)
        for (let ch = 0; ch < C!; ch++) {
          const vs: number[] = []
          for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) vs.push(x[((n * H! + oh * st[0] + i) * W! + ow * st[1] + j) * C! + ch]!)
          out[((n * ho + oh) * wo + ow) * C! + ch] = op === 'max' ? Math.max(...vs) : vs.reduce((a, v) => a + v, 0) / vs.length
        }
  return { out, shape: [B!, ho, wo, C!] }
}

const convCase = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  channels: fc.integer({ min: 1, max: 3 }),
  filters: fc.integer({ min: 1, max: 4 }),
  kernel: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))),
  stride: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))),
  padding: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
  seed: fc.integer({ min: 0, max: 1000 }),
})

describe('conv2d', () => {
  it('equals the direct convolution loop (valid and same, strides 1-3, kernels 1-5, several channel counts)', () => {
    let checked = 0
    fc.assert(
      fc.property(convCase, (t) => {
        const k = pairOf(t.kernel)
        if (t.padding === 'valid' && (k[0] > t.h || k[1] > t.w)) return true
        const xs: Shape = [t.batch, t.h, t.w, t.channels]
        const ws: Shape = [k[0], k[1], t.channels, t.filters]
        const [x, w, b] = [values(t.seed, xs), values(t.seed + 1, ws), values(t.seed + 2, [t.filters])]
        const layer = conv2d(t.filters, t.kernel, { stride: t.stride, padding: t.padding })
        const y = layer.apply({ w: input('w', ws), b: input('b', [t.filters]) }, input('x', xs)).y
        const want = naiveConv(x, xs, w, ws, b, pairOf(t.stride), t.padding)
        expect(y.shape).toEqual(want.shape)
        expect(layer.spec(xs).outputShape).toEqual(want.shape)
        expect(close(evaluate([y], { x, w, b })[0]!, want.out, 1e-12)).toBe(true)
        checked++
        return true
      }),
      { seed: 20240611, numRuns: 120 },
    )
    expect(checked).toBeGreaterThan(60)
  })

  it('covers the stated cases explicitly: 3x3 same and valid at strides 1 and 2, without bias, with an activation', () => {
    const xs: Shape = [2, 7, 6, 3]
    const x = values(1, xs)
    for (const [padding, stride] of [['same', 1], ['valid', 1], ['same', 2], ['valid', 2]] as const) {
      const w = values(2, [3, 3, 3, 5])
      const zero = new Float64Array(5)
      const y = conv2d(5, 3, { padding, stride, bias: false, activation: 'relu' }).apply({ w: input('w', [3, 3, 3, 5]) }, input('x', xs)).y
      const want = naiveConv(x, xs, w, [3, 3, 3, 5], zero, [stride, stride], padding).out.map((v) => Math.max(v, 0))
      expect(close(evaluate([y], { x, w })[0]!, want)).toBe(true)
    }
  })

  it('declares w [kh, kw, C, filters] and b [filters]; glorotUniform reads the receptive-field fans', () => {
    const v = conv2d(32, 3).init(key(0), [1, 8, 8, 16])
    expect(flattenParams(v.params).map(([p, a]) => [p, a.length])).toEqual([['w', 3 * 3 * 16 * 32], ['b', 32]])
    expect(fansOf([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 })
    const limit = Math.sqrt(6 / (144 + 288))
    const w = v.params.w as Float64Array
    expect(w.every((a) => Math.abs(a) <= limit)).toBe(true)
    // A dense [16, 32] fan would give a limit twice as large: the draws must stay inside the conv limit yet reach near it.
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * limit)
    expect(glorotUniform(foldIn(key(0), 0), [3, 3, 16, 32])).toEqual(w)
  })

  it('has exact first derivatives in x, w and b (valid and strided same)', () => {
    const cases: readonly [Conv2dOptions, Shape, number][] = [[{}, [2, 4, 4, 2], 3], [{ padding: 'same', stride: 2 }, [1, 5, 4, 2], 3]]
    for (const [options, xs, f] of cases) {
      const ws: Shape = [3, 2, xs[3]!, f]
      const layer = conv2d(f, [3, 2], options)
      expectGrad((x, w, b) => layer.apply({ w: w!, b: b! }, x!).y, [arg(1, xs), arg(2, ws), arg(3, [f])])
    }
  })

  it('has exact second derivatives (conv2d is bilinear in x and w)', () => {
    const layer = conv2d(2, 2, { padding: 'same', stride: 2 })
    expectGrad2((x, w, b) => layer.apply({ w: w!, b: b! }, x!).y, [arg(4, [1, 3, 3, 2]), arg(5, [2, 2, 2, 2]), arg(6, [2])])
  })
})

describe('pooling', () => {
  const xs: Shape = [2, 7, 6, 3]
  const x = values(7, xs)
  const cases: readonly [number | Pair, number | Pair | undefined][] = [[2, undefined], [3, undefined], [[2, 3], undefined], [3, 1], [3, 2], [2, 3], [[3, 2], [1, 2]]]

  it('maxPool2d and avgPool2d equal direct loops (non-overlapping, overlapping and gapped windows)', () => {
    for (const [size, stride] of cases) {
      const opts = stride === undefined ? {} : { stride }
      for (const [layer, op] of [[maxPool2d(size, opts), 'max'], [avgPool2d(size, opts), 'avg']] as const) {
        const y = layer.apply({}, input('x', xs)).y
        const want = naivePool(x, xs, pairOf(size), pairOf(stride ?? size), op)
        expect(y.shape).toEqual(want.shape)
        expect(layer.spec(xs).outputShape).toEqual(want.shape)
        expect(close(evaluate([y], { x })[0]!, want.out)).toBe(true)
      }
    }
  })

  it('globalAvgPool2d is the spatial mean', () => {
    const y = evaluate([globalAvgPool2d().apply({}, input('x', xs)).y], { x })[0]!
    const want = naivePool(x, xs, [7, 6], [7, 6], 'avg').out
    expect(close(y, want)).toBe(true)
  })

  it('has exact gradients (random inputs have no ties)', () => {
    const small: Shape = [1, 5, 4, 2]
    for (const [size, stride] of [[2, undefined], [3, 1], [2, 3]] as const) {
      const opts = stride === undefined ? {} : { stride }
      expectGrad((t) => maxPool2d(size, opts).apply({}, t!).y, [arg(8, small)])
      expectGrad((t) => avgPool2d(size, opts).apply({}, t!).y, [arg(9, small)])
    }
    expectGrad((t) => globalAvgPool2d().apply({}, t!).y, [arg(10, small)])
  })
})

describe('a compiled CNN', () => {
  const nets = {
    'conv same -> relu -> maxPool -> flatten -> dense': sequential(
      conv2d(4, 3, { padding: 'same' }), reluLayer(), maxPool2d(2), flattenLayer(), dense(3),
    ),
    'reshape -> strided conv -> relu -> overlapping avgPool -> conv -> globalAvgPool -> dense': sequential(
      reshapeLayer([6, 6, 1]), conv2d(3, 2, { stride: 2, padding: 'same', activation: 'relu' }), avgPool2d(2, { stride: 1 }), conv2d(5, 2), globalAvgPool2d(), dense(3),
    ),
  }
  for (const [name, net] of Object.entries(nets)) {
    it(`equals the interpreter, loss and gradients: ${name}`, () => {
      const xs: Shape = name.startsWith('reshape') ? [4, 6, 6] : [4, 6, 6, 2]
      const leaves = net.leaves(xs)
      const v = net.init(key(3), xs)
      const logits = net.apply(leaves.params, input('x', xs)).y
      expect(logits.shape).toEqual([4, 3])
      const loss = softmaxCrossEntropy(logits, input('y', [4]))
      const ps = flattenParams(leaves.params).map(([, t]) => t)
      const outputs: Tensor[] = [loss, ...grad(loss, ps)]
      const bindings = { ...bindValues(leaves.params, v.params), x: values(11, xs), y: Float64Array.of(0, 1, 2, 1) }
      const exe = compile(outputs)
      if (E.isLeft(exe)) throw new Error(exe.left.message)
      const got = exe.right.run(bindings)
      const want = evaluate(outputs, bindings)
      want.forEach((w, i) => expect(close(got[i]!, w, 1e-10), `output ${i}`).toBe(true))
      expect(want.slice(1).some((g) => g.some((a) => a !== 0))).toBe(true)
    })
  }
})

describe('errors', () => {
  const msg = (f: () => unknown): string => {
    try {
      f()
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`
    }
    throw new Error('expected a throw')
  }

  it('rejects non-positive or fractional sizes and unknown paddings with a RangeError naming the layer', () => {
    expect(msg(() => conv2d(0, 3))).toMatch(/^RangeError: conv2d: filters must be a positive integer, got 0/)
    expect(msg(() => conv2d(4, 0))).toMatch(/^RangeError: conv2d: kernelSize .* got 0/)
    expect(msg(() => conv2d(4, [3, 1.5]))).toMatch(/^RangeError: conv2d: kernelSize .* got \[3,1\.5\]/)
    expect(msg(() => conv2d(4, 3, { stride: -1 }))).toMatch(/^RangeError: conv2d: stride/)
    expect(msg(() => conv2d(4, 3, { padding: 'full' as 'same' }))).toMatch(/^RangeError: conv2d: padding must be 'valid' or 'same', got "full"/)
    expect(msg(() => conv2d(4, 3, { activation: 'nope' as 'relu' }))).toMatch(/^RangeError: conv2d/)
    expect(msg(() => maxPool2d(0))).toMatch(/^RangeError: maxPool2d: size/)
    expect(msg(() => avgPool2d(2, { stride: 0 }))).toMatch(/^RangeError: avgPool2d: stride/)
    expect(msg(() => reshapeLayer([-1, -1]))).toMatch(/^RangeError: reshape: .*at most one -1/)
  })

  it('rejects inputs that are not rank 4, naming the layer and the shape', () => {
    for (const layer of [conv2d(2, 3), maxPool2d(2), avgPool2d(2), globalAvgPool2d()]) {
      expect(() => layer.spec([8, 8])).toThrow(ShapeError)
      expect(msg(() => layer.spec([8, 8]))).toContain(`${layer.name}: `)
      expect(msg(() => layer.apply({ w: input('w', [3, 3, 1, 2]), b: input('b', [2]) }, input('x', [2, 8, 8])))).toMatch(/\[2, ?8, ?8\].*rank 4\), got rank 3/)
    }
  })

  it('rejects a window larger than the (valid-padded) input, naming both shapes; same padding accepts it', () => {
    expect(msg(() => conv2d(2, 5).spec([1, 4, 8, 1]))).toMatch(/^ShapeError: conv2d: .*\[1, ?4, ?8, ?1\].*\[5, ?5\].*larger than the 4x8 input/)
    expect(msg(() => maxPool2d(3).spec([1, 2, 2, 1]))).toMatch(/^ShapeError: maxPool2d: .*larger than the 2x2 input/)
    expect(conv2d(2, 5, { padding: 'same' }).spec([1, 4, 8, 1]).outputShape).toEqual([1, 4, 8, 2])
  })

  it('rejects parameters of the wrong shape and a reshape that changes the size', () => {
    expect(msg(() => conv2d(2, 3).apply({ w: input('w', [3, 3, 2, 2]), b: input('b', [2]) }, input('x', [1, 5, 5, 1])))).toMatch(/conv2d.*'w' has shape \[3, ?3, ?2, ?2\], expected \[3, ?3, ?1, ?2\]/)
    expect(msg(() => reshapeLayer([8, 8, 2]).spec([5, 8, 8]))).toMatch(/^ShapeError: reshape: .*64 values of each example to \[8, ?8, ?2\]/)
  })
})

describe('static shapes', () => {
  it('sequential types through the conv layers', () => {
    const net = sequential(layers.reshape([8, 8, 1]), layers.conv2d(16, 3, { padding: 'same' }), layers.relu(), layers.maxPool2d(2), layers.conv2d(32, 3), layers.globalAvgPool2d(), layers.dense(10))
    const out = net.init(key(0), [32, 8, 8]).outputShape
    expectTypeOf(out).toEqualTypeOf<readonly [32, 10]>()
    expect(out).toEqual([32, 10])
    const same = layers.conv2d(4, 3, { padding: 'same' }).spec([2, 8, 8, 1]).outputShape
    expectTypeOf(same).toEqualTypeOf<readonly [2, 8, 8, 4]>()
    const strided = layers.conv2d(4, 3, { padding: 'same', stride: 2 }).spec([2, 8, 8, 1]).outputShape
    expectTypeOf(strided).toEqualTypeOf<readonly [2, number, number, 4]>()
    expect(strided).toEqual([2, 4, 4, 4])
  })
})
