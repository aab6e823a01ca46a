/**
 * gradcheck: passes on correct derivatives across magnitudes 1e-3..1e3 at the tight defaults, fails on
 * wrong ones naming the worst elements, in every mode and at order 1 and 2; catches a derivative off by
 * a relative 1e-4 that PyTorch's double-precision settings pass (and says why: the numeric error of
 * Richardson with scaled steps is about 100 times smaller than that of plain central differences at 1e-6).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { formatGradcheck, GRADCHECK_DEFAULTS, gradcheck, project, TORCH_GRADCHECK, type GradcheckInput, type GradcheckReport } from '../../src/gradcheck.js'
import { sizeOf } from '../../src/shape.js'
import type { Tensor } from '../../src/tensor.js'
import { randomValues, shapeArb } from '../arbitraries.js'

const modes = ['full', 'fast', 'forward'] as const
const failed = (r: GradcheckReport) => `${r.summary}\n${formatGradcheck(r)}`

// tanh with a derivative wrong by a relative 1e-4 where `mask` is 1: the value is exactly tanh(x)
// (t - stopGradient(t) is 0), the symbolic derivative tanh'(x) (1 + 1e-4 m).
const mask = [0, 0, 1, 0, 0, 1, 0, 0]
const planted = (x: Tensor): Tensor => {
  const t = K.tanh(x)
  return K.add(t, K.mul(K.constant(mask.map((m) => 1e-4 * m), [8]), K.sub(t, K.stopGradient(t))))
}
const xs: GradcheckInput = { value: [0.3, -1.2, 0.7, 2, -0.4, 1.1, 0.05, -1.7], shape: [8], name: 'x' }

describe('sensitivity: a derivative off by a relative 1e-4', () => {
  it("fails at Kiln's defaults, naming the planted elements as the worst", () => {
    const r = gradcheck(planted, [xs])
    expect(r.ok).toBe(false)
    expect(r.failures).toBe(2)
    expect(r.worst.slice(0, 2).map((e) => [e.input, e.index, e.output])).toEqual([['x', [2], 'out[2]'], ['x', [5], 'out[5]']])
    for (const e of r.worst.slice(0, 2)) expect(e.relError).toBeCloseTo(1e-4, 8)
    // every other element agrees to about 1e-12
    expect(r.worst[2]!.relError).toBeLessThan(1e-11)
    expect(r.summary).toMatch(/^gradcheck FAILED \(64 checked, 2 failed; full, order 1, eps 0.001 scaled, Richardson, atol 1e-8, rtol 0.00001\); worst: x\[2\] -> out\[2\]/)
  })

  it.each(['fast', 'forward'] as const)('fails in %s mode too', (mode) => {
    expect(gradcheck(planted, [xs], { mode }).ok).toBe(false)
    expect(gradcheck(planted, [xs], { mode: 'forward', directions: 'random' }).ok).toBe(false)
  })

  it("passes under PyTorch's double-precision settings (eps 1e-6, atol 1e-5, rtol 1e-3, plain central differences)", () => {
    const r = gradcheck(planted, [xs], { ...TORCH_GRADCHECK })
    expect(r.ok, failed(r)).toBe(true)
    expect(r.settings).toMatchObject({ eps: 1e-6, atol: 1e-5, rtol: 1e-3, richardson: false, scaleStep: false, kinks: false })
    // the planted error is there to see, but inside rtol 1e-3
    expect(r.worst[0]!.index).toEqual([2])
    expect(r.worst[0]!.relError).toBeCloseTo(1e-4, 6)
  })

  it('why the defaults differ: Richardson with a scaled step is about 100 times more accurate than central differences at 1e-6', () => {
    const correct = (x: Tensor) => K.tanh(x)
    const kiln = gradcheck(correct, [xs]).worst[0]!.relError
    const torch = gradcheck(correct, [xs], { ...TORCH_GRADCHECK }).worst[0]!.relError
    expect(kiln).toBeLessThan(1e-11)
    expect(torch).toBeGreaterThan(1e-11)
    expect(torch / kiln).toBeGreaterThan(100)
  })

  it('second order: a Hessian off by a relative 1e-4 fails at order 2 (the first derivative is right)', () => {
    // x^3/3 + 1e-4 m (b - stopGradient(b)) with b = x^3/3 - stopGradient(x^2) x: b' = x^2 - x^2 is 0 in value (the
    // value and the gradient are right) but its derivative is 2x, so the symbolic Hessian is 2x (1 + 1e-4 m)
    const second = (x: Tensor): Tensor => {
      const cube = K.div(K.mul(K.mul(x, x), x), 3)
      const b = K.sub(cube, K.mul(K.stopGradient(K.mul(x, x)), x))
      return K.sum(K.add(cube, K.mul(K.constant(mask.map((m) => 1e-4 * m), [8]), K.sub(b, K.stopGradient(b)))))
    }
    expect(gradcheck(second, [xs]).ok).toBe(true)
    const r = gradcheck(second, [xs], { order: 2 })
    expect(r.ok).toBe(false)
    expect(r.worst.slice(0, 2).map((e) => e.output).sort()).toEqual(['grad x[2]', 'grad x[5]'])
  })
})

// Inputs of magnitudes 1e-3..1e3 (positive where the function needs it, moderate for exp).
const spread = (m: number) => [m, -m, 0.7 * m, -0.3 * m]
const positive = (m: number) => [m, 2 * m, 0.5 * m, 3 * m]
const MAGS = [1e-3, 1e-2, 0.1, 1, 10, 100, 1e3]
const SMOOTH: readonly (readonly [string, (x: Tensor) => Tensor, (m: number) => number[], readonly number[]])[] = [
  ['exp', K.exp, spread, [1e-3, 1e-2, 0.1, 1, 10, 100]],
  ['log', K.log, positive, MAGS],
  ['tanh', K.tanh, spread, MAGS],
  ['sigmoid', K.sigmoid, spread, MAGS],
  ['softplus', K.softplus, spread, MAGS],
  ['softmax', (x) => K.softmax(x), spread, MAGS],
  ['logSumExp', (x) => K.logSumExp(x, 0), spread, MAGS],
  ['reciprocal', (x) => K.div(1, x), positive, MAGS],
]

describe('no false alarms at the defaults', () => {
  it.each(SMOOTH.map((s) => [s[0], s] as const))('%s over magnitudes 1e-3..1e3, in every mode, without kinks', (_name, [, f, points, mags]) => {
    for (const m of mags)
      for (const mode of modes) {
        const r = gradcheck(f, [{ value: points(m), shape: [4], name: 'x' }], { mode })
        expect(r.ok, `${m} ${mode}: ${failed(r)}`).toBe(true)
        expect(r.kinks).toEqual([])
      }
  })

  it('matmul networks and softmax cross-entropy, inputs scaled 1e-3..1e3, at orders 1 and 2', () => {
    for (const m of MAGS) {
      const x = K.constant([0.5, -1, 2, 1.5, 0.3, -0.7].map((v) => v * m), [2, 3])
      const labels = K.constant([0, 2], [2])
      const values = { w1: Float64Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) / Math.max(m, 1)), b1: Float64Array.of(0.1, -0.2, 0, 0.3), w2: Float64Array.from({ length: 12 }, (_, i) => Math.cos(i) / 2) }
      const shapes = { w1: [3, 4], b1: [4], w2: [4, 3] }
      const net = (p: K.TensorsOf<typeof values>) => K.softmaxCrossEntropy(K.matmul(K.tanh(K.add(K.matmul(x, p.w1), p.b1)), p.w2), labels)
      for (const order of [1, 2] as const) {
        const r = gradcheck(net, values, { shapes, order })
        expect(r.ok, `${m} order ${order}: ${failed(r)}`).toBe(true)
        expect(r.kinks).toEqual([])
      }
      const logits = gradcheck((p) => K.softmaxCrossEntropy(p.z, labels), { z: Float64Array.from([0.5, -1, 2, 1.5, 0.3, -0.7].map((v) => v * m)) }, { shapes: { z: [2, 3] } })
      expect(logits.ok, failed(logits)).toBe(true)
    }
  })

  it('random small MLPs pass at the defaults, and a relative 1e-4 planted in one layer is always caught there (property)', () => {
    const mlp = fc.record({ batch: fc.integer({ min: 1, max: 3 }), inputs: fc.integer({ min: 1, max: 3 }), hidden: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 0, max: 1e6 }), act: fc.constantFrom(K.tanh, K.sigmoid, K.softplus) })
    fc.assert(
      fc.property(mlp, ({ batch, inputs, hidden, seed, act }) => {
        const x = K.constant(randomValues(seed, batch * inputs, -2, 2), [batch, inputs])
        const values = { w1: randomValues(seed + 1, inputs * hidden, -1.5, 1.5), w2: randomValues(seed + 2, hidden * 2, -1.5, 1.5) }
        const shapes = { w1: [inputs, hidden], w2: [hidden, 2] }
        // w2 + 1e-4 (w2 - stopGradient(w2)): the value of w2, a gradient 1 + 1e-4 times the true one
        const loss = (wrong: boolean) => (p: K.TensorsOf<typeof values>) => {
          const w2 = wrong ? K.add(p.w2, K.mul(1e-4, K.sub(p.w2, K.stopGradient(p.w2)))) : p.w2
          return K.sum(K.mul(K.matmul(act(K.matmul(x, p.w1)), w2), K.constant([1, -0.5], [2])))
        }
        const right = gradcheck(loss(false), values, { shapes })
        const wrong = gradcheck(loss(true), values, { shapes })
        const big = wrong.worst.filter((e) => Math.abs(e.numeric) > 1e-3)
        return right.ok && right.kinks.length === 0 && (big.length === 0 || (!wrong.ok && wrong.worst[0]!.input === 'w2'))
      }),
      { seed: 13, numRuns: 40 },
    )
  })

  it('random smooth functions of random shapes pass in every mode (property)', () => {
    fc.assert(
      fc.property(shapeArb({ maxRank: 2 }), fc.integer(), fc.constantFrom(...modes), (s, seed, mode) => {
        const value = randomValues(seed, sizeOf(s), -2, 2)
        return gradcheck((a) => K.sum(K.mul(K.softplus(a), K.tanh(a))), [{ value, shape: s }], { mode }).ok
      }),
      { seed: 8, numRuns: 30 },
    )
  })

  it('handles functions that ignore an input or have a constant gradient', () => {
    const one = { value: [1, 2], shape: [2] }
    expect(gradcheck((a) => K.mul(a!, 2), [one]).ok).toBe(true)
    for (const mode of modes) expect(gradcheck((a, _b) => K.sum(a!), [one, { value: [3], shape: [1] }], { mode }).ok).toBe(true)
  })
})

describe('modes and what they count', () => {
  const f = (a: Tensor) => K.sigmoid(K.transpose(a))
  const x = { value: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], shape: [2, 3] }

  it('full and forward-basis check every Jacobian element; fast and forward-random count projections and directions', () => {
    expect(gradcheck(f, [x]).checked).toBe(36)
    expect(gradcheck(f, [x], { mode: 'forward' }).checked).toBe(36)
    expect(gradcheck(f, [x], { mode: 'fast', projections: 7 }).checked).toBe(7)
    expect(gradcheck(f, [x], { mode: 'forward', directions: 'random', projections: 3 }).checked).toBe(18)
    expect(gradcheck(f, [x], { mode: 'fast' }).worst[0]).toMatchObject({ input: 'projection', output: 'v.out', outputIndex: -1 })
    expect(gradcheck(f, [x], { mode: 'forward', directions: 'random' }).worst[0]!.input).toBe('direction')
  })

  it('order 2 checks the Hessian: n x n elements in full mode, labelled by the gradient entry', () => {
    const r = gradcheck((a) => K.sum(K.tanh(K.mul(a, a))), [{ value: [0.3, -1.2, 0.7], shape: [3], name: 'v' }], { order: 2 })
    expect(r.checked).toBe(9)
    expect(r.worst.map((e) => e.output)).toContain('grad v[1]')
    for (const mode of modes) expect(gradcheck((a, b) => K.softmax(K.sigmoid(K.matmul(a!, b!))), [
      { value: [0.1, -0.4, 0.9, 0.3, -0.2, 0.5], shape: [2, 3] },
      { value: [0.2, 0.7, -0.5, 0.1, 0.3, -0.6], shape: [3, 2] },
    ], { order: 2, mode }).ok).toBe(true)
  })

  it('order 2 fails where the symbolic second derivative is wrong, naming the element', () => {
    // grad of x * stopGradient(x) is stopGradient(x): right values, but its own derivative is 0, not 1.
    const r = gradcheck((x) => K.sum(K.mul(x, K.stopGradient(x))), [{ value: [0.5, 2], shape: [2], name: 'x' }], { order: 2 })
    expect(r.ok).toBe(false)
    expect(r.worst[0]).toMatchObject({ input: 'x', analytic: 0 })
    expect(Math.abs(r.worst[0]!.numeric - 1)).toBeLessThan(1e-9)
  })
})

describe('wrong gradients', () => {
  // x * stopGradient(x): the symbolic derivative is x, the true one 2x
  const wrong = (a: Tensor) => K.mul(a, K.stopGradient(a))
  const x = { value: [0.5, -2, 1], shape: [3], name: 'x' }

  it('full mode fails and names the worst elements, worst first', () => {
    const r = gradcheck(wrong, [x])
    expect(r.ok).toBe(false)
    expect(r.failures).toBe(3)
    expect(r.worst[0]).toMatchObject({ input: 'x', index: [1], output: 'out[1]', outputIndex: 1, analytic: -2 })
    expect(r.worst[0]!.numeric).toBeCloseTo(-4, 9)
    expect(r.worst.slice(0, 3).map((e) => e.index[0])).toEqual([1, 2, 0])
    expect(r.summary).toMatch(/^gradcheck FAILED \(9 checked, 3 failed; full/)
    expect(r.summary).toContain('worst: x[1] -> out[1]: analytic -2, numeric -4')
  })

  it.each(['fast', 'forward'] as const)('%s mode fails too', (mode) => {
    const r = gradcheck((a) => project(wrong(a), K.constant([1, 2, 3])), [x], { mode })
    expect(r.ok).toBe(false)
    expect(r.summary).toContain(`; ${mode}`)
  })

  it('an infinite or NaN derivative is a failure', () => {
    expect(gradcheck((a) => K.sqrt(a), [{ value: [0, 1], shape: [2] }]).ok).toBe(false)
  })

  it('keeps `top` entries (default 5)', () => {
    expect(gradcheck(wrong, [x]).worst).toHaveLength(5)
    expect(gradcheck(wrong, [x], { top: 2 }).worst).toHaveLength(2)
    expect(gradcheck(wrong, [x], { top: 0 }).worst).toEqual([])
  })
})

describe('tolerances and steps', () => {
  // f(x) = x + d*x - stopGradient(d*x): numerically x, symbolically (1 + d) x; error d against numeric 1
  const off = (d: number) => (a: Tensor) => K.sub(K.add(a, K.mul(a, d)), K.stopGradient(K.mul(a, d)))
  // same with numeric derivative 0: error d against atol alone
  const offZero = (d: number) => (a: Tensor) => K.sub(K.mul(a, d), K.stopGradient(K.mul(a, d)))
  const x = { value: [0.7], shape: [1] }

  it('defaults: rtol 1e-5 (plus atol 1e-8) around a derivative of 1, atol 1e-8 around 0', () => {
    expect(GRADCHECK_DEFAULTS).toMatchObject({ eps: 1e-3, atol: 1e-8, rtol: 1e-5, richardson: true, scaleStep: true, kinks: true })
    expect(gradcheck(off(0.99e-5), [x]).ok).toBe(true)
    expect(gradcheck(off(1.01e-5), [x]).ok).toBe(false)
    expect(gradcheck(offZero(0.9e-8), [x]).ok).toBe(true)
    expect(gradcheck(offZero(1.1e-8), [x]).ok).toBe(false)
  })

  it("PyTorch's: rtol 1e-3 and atol 1e-5", () => {
    expect(gradcheck(off(0.99e-3), [x], { ...TORCH_GRADCHECK }).ok).toBe(true)
    expect(gradcheck(off(1.03e-3), [x], { ...TORCH_GRADCHECK }).ok).toBe(false)
    expect(gradcheck(offZero(0.9e-5), [x], { ...TORCH_GRADCHECK }).ok).toBe(true)
    expect(gradcheck(offZero(1.1e-5), [x], { ...TORCH_GRADCHECK }).ok).toBe(false)
  })

  it('Richardson cancels the h^2 term: x^3 at 0 differences to exactly 0, plain central differences to eps^2', () => {
    const cube = (a: Tensor) => K.mul(K.mul(a, a), a)
    const at0 = [{ value: [0], shape: [1] }]
    expect(gradcheck(cube, at0).worst[0]!.numeric).toBe(0)
    expect(gradcheck(cube, at0, { ...TORCH_GRADCHECK }).worst[0]!.numeric).toBeCloseTo(1e-12, 20)
    const plain = { richardson: false, scaleStep: false, eps: 1e-3 }
    expect(gradcheck(cube, at0, { ...plain, kinks: false }).worst[0]!.numeric).toBeCloseTo(1e-6, 15)
    // 1e-6 fails atol 1e-8; the closer look passes it at a smaller step, and says so
    const closer = gradcheck(cube, at0, plain)
    expect([closer.ok, closer.refined]).toEqual([true, 1])
    expect(closer.worst[0]!.step).toBeLessThan(1e-5)
    expect(closer.summary).toContain('1 passed at a smaller step')
  })

  it('the step scales with the element as a power of two, or is eps itself', () => {
    const steps = (o: K.GradcheckOptions) => gradcheck((a) => K.mul(a, a), [{ value: [0.3, 1000, -40], shape: [3] }], { top: 9, ...o }).worst.filter((e) => e.output === `out[${e.index[0]}]`).map((e) => [e.index[0]!, e.step] as const)
    expect(new Map(steps({}))).toEqual(new Map([[0, 2 ** -10], [1, 1], [2, 2 ** -5]]))
    expect(new Map(steps({ scaleStep: false, eps: 1e-4 }))).toEqual(new Map([[0, 1e-4], [1, 1e-4], [2, 1e-4]]))
  })
})

describe('the report', () => {
  it('prints a table of the worst elements under the summary', () => {
    const r = gradcheck((a) => K.mul(a, K.stopGradient(a)), [{ value: [0.5, -2], shape: [2], name: 'x' }], { top: 2 })
    const lines = formatGradcheck(r).split('\n')
    expect(lines[0]).toBe(r.summary)
    expect(lines.slice(2, 4)).toEqual(['input  index  output  analytic  numeric  abs error  rel error      step', '-----  -----  ------  --------  -------  ---------  ---------  --------'])
    expect(lines[4]).toMatch(/^x {6}\[1\] {4}out\[1\] {8}-2 {7}-4 {4}2\.00e\+0 {4}5\.00e-1/)
    expect(lines).toHaveLength(6)
  })

  it('a scalar output is `out`; nothing to check is ok', () => {
    expect(gradcheck((a) => K.sum(a), [{ value: [1], shape: [1] }]).worst[0]!.output).toBe('out')
    const empty = gradcheck((a) => K.sum(a), [{ value: [], shape: [0] }])
    expect([empty.ok, empty.checked, empty.summary]).toEqual([true, 0, 'gradcheck: nothing to check (no input elements)'])
  })
})
