/**
 * Kinks: at a point where a function is not differentiable (relu and abs at 0 or within 1e-9 of it,
 * ties of maximum and max), gradcheck lists the element in `kinks` with its left and right derivatives,
 * neither failing it nor passing it silently; smooth functions give none. With `kinks: false` (PyTorch)
 * such a point is an ordinary failure.
 */
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { formatGradcheck, gradcheck, TORCH_GRADCHECK } from '../../src/gradcheck.js'
import type { Tensor } from '../../src/tensor.js'

const at = (value: number[], name = 'x') => [{ value, shape: [value.length], name }]
const kinkAt = (r: K.GradcheckReport) => r.kinks.map((k) => [k.input, k.index[0], k.output])

describe('kinks are listed, not failed and not passed silently', () => {
  it('relu at exactly 0 and at +-1e-9: left and right derivatives 0 and 1', () => {
    const r = gradcheck((x) => K.relu(x), at([0, 1e-9, -1e-9, 0.5, -0.5]))
    expect(r.ok, r.summary).toBe(true)
    expect(r.failures).toBe(0)
    expect(kinkAt(r)).toEqual([['x', 0, 'out[0]'], ['x', 1, 'out[1]'], ['x', 2, 'out[2]']])
    for (const k of r.kinks) {
      // one-sided differences at a step of 1e-6: within 2e-3 of 0 and 1 even 1e-9 from the kink
      expect(k.left).toBeCloseTo(0, 2)
      expect(k.right).toBeCloseTo(1, 2)
    }
    // what the symbolic side says at each: relu'(0) = 0, relu'(1e-9) = 1, relu'(-1e-9) = 0
    expect(r.kinks.map((k) => k.analytic)).toEqual([0, 1, 0])
    expect(r.summary).toMatch(/^gradcheck passed \(25 checked, 0 failed, 3 at kinks \(see kinks\);/)
    expect(r.checked).toBe(25)
  })

  it('abs at 0 (where the central difference agrees with sign(0) = 0) and at 1e-9: left -1, right 1', () => {
    const r = gradcheck((x) => K.abs(x), at([0, 1e-9, -0.3]))
    expect(r.ok).toBe(true)
    expect(kinkAt(r)).toEqual([['x', 0, 'out[0]'], ['x', 1, 'out[1]']])
    for (const k of r.kinks) expect([k.left, k.right].map((v) => Math.round(v * 100) / 100)).toEqual([-1, 1])
  })

  it('maximum with ties: the tied element of each operand is a kink; max over tied entries too', () => {
    const r = gradcheck((a, b) => K.maximum(a!, b!), [...at([1, 2], 'a'), ...at([1, 3], 'b')])
    expect(r.ok).toBe(true)
    expect(kinkAt(r)).toEqual([['a', 0, 'out[0]'], ['b', 0, 'out[0]']])
    const m = gradcheck((a) => K.max(a), at([1, 1, 0.5]))
    expect(m.ok).toBe(true)
    expect(m.kinks.map((k) => [k.index[0], k.analytic, k.left, k.right])).toEqual([[0, 0.5, 0, 1], [1, 0.5, 0, 1]])
  })

  it('smooth functions give no kinks, even with large higher derivatives', () => {
    for (const f of [K.tanh, K.exp, K.sigmoid, (x: Tensor) => K.div(1, x), K.log]) {
      const r = gradcheck(f, at([1e-3, 0.5, 3, 20]))
      expect(r.kinks, r.summary).toEqual([])
      expect(r.ok).toBe(true)
    }
  })

  it('a kink along a random projection or direction is listed too', () => {
    expect(gradcheck((x) => K.relu(x), at([0, 1]), { mode: 'fast' }).kinks.map((k) => k.input)).toEqual(['projection', 'projection', 'projection', 'projection'])
    expect(gradcheck((x) => K.relu(x), at([0, 1]), { mode: 'forward', directions: 'random', projections: 1 }).kinks.map((k) => [k.input, k.output])).toEqual([['direction', 'out[0]']])
  })

  it('a kink near, but not at, the point (inside the step) passes at a smaller step', () => {
    const r = gradcheck((x) => K.relu(x), at([3e-4, -2e-4]))
    expect([r.ok, r.kinks.length, r.refined]).toEqual([true, 0, 2])
  })

  it('a wrong derivative next to a kink is still a failure', () => {
    // relu(x) with the derivative doubled: 2 on the right of 0 where the function's slope is 1
    const wrong = (x: Tensor) => K.add(K.relu(x), K.sub(K.relu(x), K.stopGradient(K.relu(x))))
    const r = gradcheck(wrong, at([0, 0.5]))
    expect(r.failures).toBe(1)
    expect(r.worst[0]!.index).toEqual([1])
    expect(kinkAt(r)).toEqual([['x', 0, 'out[0]']])
  })

  it('a symbolic derivative outside [left, right] at a kink is a failure, not a kink', () => {
    // relu(x) + 3 (x - stopGradient(x)): the value of relu, a symbolic derivative of 3 at 0 where left and right are 0 and 1
    const r = gradcheck((x) => K.add(K.relu(x), K.mul(3, K.sub(x, K.stopGradient(x)))), at([0]))
    expect([r.ok, r.failures, r.kinks.length]).toEqual([false, 1, 0])
    expect(r.worst[0]!.analytic).toBe(3)
  })

  it("with kinks: false (PyTorch's check) relu at 0 is an ordinary failure", () => {
    expect(gradcheck((x) => K.relu(x), at([0]), { kinks: false }).ok).toBe(false)
    expect(gradcheck((x) => K.relu(x), at([0]), { ...TORCH_GRADCHECK }).ok).toBe(false)
  })

  it('the table lists the kinks with their left and right derivatives', () => {
    const text = formatGradcheck(gradcheck((x) => K.abs(x), at([0, 2])))
    expect(text).toContain('kinks (1):')
    expect(text.split('\n').slice(-3)).toEqual(['input  index  output  analytic  left  right  central', '-----  -----  ------  --------  ----  -----  -------', 'x      [0]    out[0]         0    -1      1        0'])
  })
})
