/**
 * Custom derivatives: the uses the issue names (a stable log1pexp, a straight-through estimator,
 * gradient clipping in the graph), each mode seeing the custom rule (reverse, forward through the
 * transposed rule, Jacobians, Hessians, compiled), gradcheck validating a correct rule and catching a
 * wrong one, and shape errors refused when the function is applied.
 */
import { describe, expect, it } from 'vitest'
import * as K from '../../src/api.js'
import { gradcheck } from '../../src/gradcheck.js'
import { grad } from '../../src/grad.js'
import { constant, input, param } from '../../src/make.js'
import { stepFunction } from '../../src/run.js'
import { show } from '../../src/show.js'
import type { Tensor } from '../../src/tensor.js'
import { customJvp, customVjp } from '../../src/transforms/custom.js'
import { jvp } from '../../src/transforms/forward.js'
import { hessian, jacfwd, jacrev } from '../../src/transforms/jacobian.js'
import { evaluateUsed } from '../finiteDiff.js'

/** log(1 + e^x) in the stable form max(x, 0) + log(1 + e^-|x|), whose automatic derivative at 0 is 0 (the kinks of relu and abs). */
const stableForm = (x: Tensor) => K.add(K.relu(x), K.log(K.add(1, K.exp(K.neg(K.abs(x))))))
const log1pexp = customJvp(stableForm, ([x], [t]) => K.mul(t!, K.sigmoid(x!)), { name: 'log1pexp' })

describe('customJvp: a stable log1pexp', () => {
  const x = param('x', [4])
  const at = { x: [0, 800, -800, 1.5] }

  it('keeps the stable value and gives the true derivative where automatic differentiation of it fails', () => {
    const [value, auto, custom] = evaluateUsed([log1pexp(x), ...grad(K.sum(stableForm(x)), [x]), ...grad(K.sum(log1pexp(x)), [x])], at)
    expect(Array.from(value!)).toEqual([Math.LN2, 800, 0, 1.5 + Math.log1p(Math.exp(-1.5))])
    expect(auto![0]).toBe(0)
    expect(Array.from(custom!)).toEqual([0.5, 1, 0, 1 / (1 + Math.exp(-1.5))])
  })

  it('passes gradcheck, including at 0 where the automatic derivative of the stable form does not', () => {
    const input0 = [{ value: [0, 0.7, -2, 3], shape: [4] }]
    expect(gradcheck((t) => K.sum(log1pexp(t)), input0).ok).toBe(true)
    expect(gradcheck((t) => K.sum(stableForm(t)), input0).ok).toBe(false)
  })

  it('gives forward and reverse mode, second derivatives and compiled values from the same rule', () => {
    const v = constant([1, 1, 1, 1])
    const [fwd] = evaluateUsed([jvp(log1pexp(x), [x], [v])], at)
    expect(Array.from(fwd!)).toEqual([0.5, 1, 0, 1 / (1 + Math.exp(-1.5))])
    // d2/dx2 log1pexp = sigmoid'(x): the Hessian is diagonal
    const h = evaluateUsed([hessian(K.sum(log1pexp(x)), x)], { x: [0, 1, -1, 2] })[0]!
    // sigmoid'(z) = e^-|z| / (1 + e^-|z|)^2, which sigmoid differentiates into (the dsigmoid primitive)
    const ds = (z: number) => Math.exp(-Math.abs(z)) / (1 + Math.exp(-Math.abs(z))) ** 2
    Array.from([0, 5, 10, 15], (i) => h[i]!).forEach((hv, j) => expect(hv).toBeCloseTo(ds([0, 1, -1, 2][j]!), 15))
    expect(h.reduce((n, e) => n + (e === 0 ? 1 : 0), 0)).toBe(12)
    const g = { inputs: [], state: [x], outputs: grad(K.sum(log1pexp(x)), [x]) }
    const xv = Float64Array.from(at.x)
    expect(Array.from(stepFunction(g, 'compiled')([], [xv])[0]!)).toEqual(Array.from(stepFunction(g, 'interpreter')([], [xv])[0]!))
  })
})

describe('customVjp', () => {
  it('a straight-through estimator: the sign forward, the identity backward', () => {
    const ste = customVjp((x: Tensor) => K.sign(x), (x) => [K.sign(x), []], (_r, g) => [g], { name: 'ste' })
    const w = param('w', [3])
    const loss = K.sum(K.mul(ste(w), constant([1, 2, 3])))
    const [value, g] = evaluateUsed([loss, ...grad(loss, [w])], { w: [-0.5, 0.25, 2] })
    expect(value![0]).toBe(-1 + 2 + 3)
    expect(Array.from(g!)).toEqual([1, 2, 3])
    expect(show(ste(w))).toMatch(/ste/)
  })

  it('gradient clipping inside the graph, with residuals read by bwd', () => {
    // clip each element's cotangent to [-|x|, |x|]: bwd reads a residual of the forward pass
    const clipByInput = customVjp((x: Tensor) => x, (x) => [x, [K.abs(x)]], ([m], g) => [K.minimum(K.maximum(g, K.neg(m!)), m!)])
    const w = param('w', [3])
    const [g] = evaluateUsed(grad(K.sum(K.mul(clipByInput(w), 10)), [w]), { w: [0.5, -2, 20] })
    expect(Array.from(g!)).toEqual([0.5, 2, 10])
  })

  it('forward mode is the transpose of bwd: jacfwd equals jacrev for a rule that is not the true derivative', () => {
    // value A x, derivative declared as B: both Jacobians must be B
    const A = constant([1, 2, 3, 4], [2, 2])
    const B = constant([0, 1, -1, 5], [2, 2])
    const f = customVjp((x: Tensor) => K.matmul(A, x), (x) => [K.matmul(A, x), []], (_r, g) => [K.matmul(K.transpose(B), g)])
    const x = param('x', [2, 1])
    const [jf, jr] = evaluateUsed([jacfwd(f(x), x), jacrev(f(x), x)], { x: [1, 1] })
    expect(Array.from(jf!)).toEqual([0, 1, -1, 5])
    expect(Array.from(jr!)).toEqual([0, 1, -1, 5])
  })

  it('gradcheck catches a rule wrong by a relative 1e-3', () => {
    const off = customVjp((x: Tensor) => K.tanh(x), (x) => [K.tanh(x), [x]], ([x], g) => [K.mul(g, K.mul(1.001, K.sub(1, K.square(K.tanh(x!)))))])
    const right = customVjp((x: Tensor) => K.tanh(x), (x) => [K.tanh(x), [x]], ([x], g) => [K.mul(g, K.sub(1, K.square(K.tanh(x!))))])
    const inputs = [{ value: [0.3, -1.2, 2], shape: [3] }]
    expect(gradcheck((t) => K.sum(off(t)), inputs).ok).toBe(false)
    expect(gradcheck((t) => K.sum(right(t)), inputs).ok).toBe(true)
  })
})

describe('custom rules whose shapes disagree with the primal are refused when applied', () => {
  const x = input('x', [2, 3])
  it('customVjp', () => {
    expect(() => customVjp((t: Tensor) => t, (t) => [K.sum(t), []], (_r, g) => [g])(x)).toThrow(/customVjp: fwd: has shape \[\], but .*'s value has shape \[2,3\]/)
    expect(() => customVjp((t: Tensor) => t, (t) => [t, []], (_r, g) => [g, g], { name: 'two' })(x)).toThrow(/customVjp: bwd: two: gave 2 cotangents for 1 inputs/)
    expect(() => customVjp((t: Tensor) => t, (t) => [t, []], (_r, g) => [K.sum(g)], { name: 'sum' })(x)).toThrow(/customVjp: bwd\[0\]: has shape \[\], but sum's input 0 has shape \[2,3\]/)
  })
  it('names: an identifier, or the function\'s own name', () => {
    const id = (_r: readonly Tensor[], g: Tensor) => [g]
    expect(() => customVjp((t: Tensor) => t, (t) => [t, []], id, { name: '1;alert(1)' })).toThrow(/customVjp: name: expected an identifier/)
    expect(() => customJvp((t: Tensor) => t, (_x, [t]) => t!, { nmae: 'x' } as never)).toThrow(/customJvp: nmae: unknown option; did you mean 'name'/)
    function halve(t: Tensor) {
      return K.mul(t, 0.5)
    }
    expect(show(customVjp(halve, (t) => [halve(t), []], id)(x))).toMatch(/halve/)
  })
  it('customJvp', () => {
    expect(() => customJvp((t: Tensor) => t, (_xs, [t]) => K.sum(t!), { name: 'j' })(x)).toThrow(/customJvp: jvp: has shape \[\], but j's value has shape \[2,3\]/)
    const square = customJvp((t: Tensor) => t, (_xs, [t]) => K.mul(t!, t!), { name: 'nonlinear' })
    expect(() => grad(K.sum(square(param('p', [2]))), [param('p', [2])])).toThrow(/customJvp: jvp: must be linear in its seed/)
  })
})
