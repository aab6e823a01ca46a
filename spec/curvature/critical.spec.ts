// criticalPoint and hessianMatrix: quadratic forms with known Hessians (minimum, maximum, saddle,
// singular), the Rosenbrock minimum, gradients and Hessians against finite differences, dense against
// Lanczos, and bad input naming the function and the field.
import { describe, expect, it } from 'vitest'
import {
  add, ArgumentError, constant, criticalPoint, grad, hessianMatrix, input, key, matmul, mean, mul, normal, param, reshape, sigmoid, sub, sum, symmetricEigen, tanh,
  type Params, type ParamValues, type Tensor,
} from '../../src/index.js'
import { caught } from '../caught.js'
import { numericDirectional, numericGradOf } from '../finiteDiff.js'
import { householder } from '../linalg/spectra.js'

/** Q diag(d) Q^T with a Householder Q (u fixed by n), row-major. */
const withSpectrum = (d: readonly number[]): Float64Array => householder(d.map((_, i) => Math.cos(1.3 * i + 0.4)), d)

/** f(w) = 1/2 w^T A w over w of shape [n, 1]: Hessian A, critical at 0. */
const quadratic = (a: Float64Array, n: number) => {
  const w = param('w', [n, 1])
  return { loss: mul(0.5, sum(mul(w, matmul(constant(a, [n, n]), w)))), params: { w }, at: (v: Float64Array): ParamValues => ({ w: v }) }
}

const sortedUp = (d: readonly number[]) => [...d].sort((x, y) => x - y)

describe('criticalPoint on quadratic forms with known Hessians', () => {
  const cases: readonly { name: string; d: number[]; verdict: string }[] = [
    { name: 'positive definite: minimum', d: [3, 1, 0.5, 2, 7], verdict: 'minimum' },
    { name: 'negative definite: maximum', d: [-3, -1, -0.5, -2, -7], verdict: 'maximum' },
    { name: 'indefinite: saddle', d: [3, -1, 0.5, 2, -7], verdict: 'saddle' },
    { name: 'positive semidefinite (singular): inconclusive', d: [3, 0, 0.5, 2, 7], verdict: 'inconclusive' },
    { name: 'negative semidefinite (singular): inconclusive', d: [-3, 0, -0.5, -2, -7], verdict: 'inconclusive' },
  ]
  for (const method of ['dense', 'lanczos'] as const)
    it.each(cases.map((c) => [c.name, c] as const))(`${method}: %s`, (_name, c) => {
      const n = c.d.length
      const q = quadratic(withSpectrum(c.d), n)
      const r = criticalPoint(q.loss, q.params, q.at(new Float64Array(n)), { method, k: 2 })
      expect(r.critical).toBe(true)
      expect(r.gradientNorm).toBe(0)
      expect(r.verdict).toBe(c.verdict)
      expect(r.method).toBe(method)
      const up = sortedUp(c.d)
      r.eigenvalues.lowest.forEach((v, i) => expect(v).toBeCloseTo(up[i]!, 12))
      r.eigenvalues.highest.forEach((v, i) => expect(v).toBeCloseTo(up[n - 1 - i]!, 12))
      expect(r.size).toBe(n)
      if (c.verdict === 'inconclusive') expect(r.reason).toMatch(/within tolerance .* of 0/)
      expect(r.summary.split('\n')[0]).toMatch(new RegExp(`^${c.verdict} \\(5 parameters, ${method} Hessian\\)`))
    })

  it('lowestDirection is the unit eigenvector of the lowest eigenvalue, shaped like the tree', () => {
    const d = [3, -1, 0.5, 2, -7]
    const a = withSpectrum(d)
    const q = quadratic(a, 5)
    const r = criticalPoint(q.loss, q.params, q.at(new Float64Array(5)))
    const v = r.lowestDirection['w'] as Float64Array
    expect(v.length).toBe(5)
    expect(Math.hypot(...v)).toBeCloseTo(1, 14)
    const av = Array.from({ length: 5 }, (_, i) => v.reduce((s, x, j) => s + a[i * 5 + j]! * x, 0))
    av.forEach((x, i) => expect(x).toBeCloseTo(-7 * v[i]!, 12))
  })

  it("'auto' is dense up to 200 parameters and Lanczos above; both find diag(d)'s ends", () => {
    for (const n of [150, 260]) {
      const d = Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 3 + (i === 17 ? -10 : 0))
      const w = param('w', [n])
      const r = criticalPoint(mul(0.5, sum(mul(constant(d), mul(w, w)))), { w }, { w: new Float64Array(n) })
      expect(r.method).toBe(n <= 200 ? 'dense' : 'lanczos')
      const up = sortedUp(d)
      expect(r.eigenvalues.lowest).toEqual(up.slice(0, 3).map((x) => expect.closeTo(x, 10)))
      expect(r.eigenvalues.highest).toEqual(up.slice(-3).reverse().map((x) => expect.closeTo(x, 10)))
      expect(r.verdict).toBe('saddle')
      // dense: one product per column; Lanczos: far fewer than n here (well separated ends)
      if (n === 150) expect(r.hessianVectorProducts).toBe(150)
    }
  })

  it('a Lanczos budget that runs out makes the verdict inconclusive, saying why', () => {
    const n = 40
    const q = quadratic(withSpectrum(Array.from({ length: n }, (_, i) => 1 + i / n)), n)
    const r = criticalPoint(q.loss, q.params, q.at(new Float64Array(n)), { method: 'lanczos', maxIterations: 3 })
    expect(r.verdict).toBe('inconclusive')
    expect(r.reason).toMatch(/^Lanczos did not converge in 3 Hessian-vector products/)
  })
})

describe('criticalPoint: Rosenbrock and finite differences', () => {
  const x = param('x', [])
  const y = param('y', [])
  // f(x, y) = (1 - x)^2 + 100 (y - x^2)^2
  const rosenbrock = add(mul(sub(1, x), sub(1, x)), mul(100, mul(sub(y, mul(x, x)), sub(y, mul(x, x)))))
  const at = (a: number, b: number): ParamValues => ({ x: Float64Array.of(a), y: Float64Array.of(b) })

  it('the minimum at (1, 1): eigenvalues of [[802, -400], [-400, 200]]', () => {
    const r = criticalPoint(rosenbrock, { x, y }, at(1, 1))
    const root = Math.sqrt(1002404) // (802 - 200)^2 + 4 * 400^2
    expect(r.verdict).toBe('minimum')
    expect(r.gradientNorm).toBe(0)
    expect(r.loss).toBe(0)
    expect(r.eigenvalues.lowest[0]).toBeCloseTo((1002 - root) / 2, 10)
    expect(r.eigenvalues.highest[0]).toBeCloseTo((1002 + root) / 2, 10)
    expect(hessianMatrix(rosenbrock, { x, y }, at(1, 1)).matrix).toEqual(Float64Array.of(802, -400, -400, 200))
  })

  it('away from it: the gradient norm equals central differences, and the point is not critical', () => {
    const r = criticalPoint(rosenbrock, { x, y }, at(-1.2, 1))
    const [gx, gy] = numericGradOf(rosenbrock, [x, y], { x: [-1.2], y: [1] })
    expect(r.gradientNorm).toBeCloseTo(Math.hypot(gx![0]!, gy![0]!), 5)
    // analytic: (-215.6, -88)
    expect(r.gradientNorm).toBeCloseTo(Math.hypot(-215.6, -88), 9)
    expect(r.critical).toBe(false)
    expect(r.verdict).toBe('inconclusive')
    expect(r.reason).toMatch(/^not a critical point: the gradient norm 232\.9 is above gradientTolerance 1\.00e-6$/)
    expect(criticalPoint(rosenbrock, { x, y }, at(1 + 1e-9, 1), { gradientTolerance: 1e-3 }).verdict).toBe('minimum')
  })

  it('a small tanh network: hessianMatrix against central differences of the gradient, labels per entry; dense = Lanczos', () => {
    const xs = constant(normal(key(1), 12), [4, 3])
    const params = { dense0: { w: param('dense0.w', [3, 2]), b: param('dense0.b', [2]) }, out: { w: param('out.w', [2, 1]) } }
    const loss = mean(mul(sigmoid(matmul(tanh(add(matmul(xs, params.dense0.w), params.dense0.b)), params.out.w)), constant([1, 0, 1, 1], [4, 1])))
    const values = { dense0: { w: normal(key(2), 6), b: normal(key(3), 2) }, out: { w: normal(key(4), 2) } }
    const h = hessianMatrix(loss, params, values)
    expect(h.n).toBe(10)
    expect(h.paths).toEqual(['dense0.w[0,0]', 'dense0.w[0,1]', 'dense0.w[1,0]', 'dense0.w[1,1]', 'dense0.w[2,0]', 'dense0.w[2,1]', 'dense0.b[0]', 'dense0.b[1]', 'out.w[0,0]', 'out.w[1,0]'])
    expect(h.asymmetry).toBeLessThan(1e-13)
    const leaves = [params.dense0.w, params.dense0.b, params.out.w]
    const gs = grad(loss, leaves)
    const bindings = { 'dense0.w': values.dense0.w, 'dense0.b': values.dense0.b, 'out.w': values.out.w }
    const sizes = [6, 2, 2]
    for (let j = 0; j < 10; j++) {
      const e = new Float64Array(10)
      e[j] = 1
      const dirs = [e.subarray(0, 6), e.subarray(6, 8), e.subarray(8, 10)]
      const column = numericDirectional(gs, leaves, bindings, dirs).flatMap((c) => Array.from(c))
      expect(column.length).toBe(sizes.reduce((a, b) => a + b))
      column.forEach((v, i) => expect(Math.abs(v - h.matrix[i * 10 + j]!)).toBeLessThan(1e-8))
    }
    const dense = criticalPoint(loss, params, values, { method: 'dense', k: 3 })
    const lz = criticalPoint(loss, params, values, { method: 'lanczos', k: 3 })
    const exact = symmetricEigen(h.matrix, 10).values
    dense.eigenvalues.lowest.forEach((v, i) => expect(v).toBeCloseTo(exact[i]!, 14))
    lz.eigenvalues.lowest.forEach((v, i) => expect(v).toBeCloseTo(dense.eigenvalues.lowest[i]!, 11))
    lz.eigenvalues.highest.forEach((v, i) => expect(v).toBeCloseTo(dense.eigenvalues.highest[i]!, 11))
    expect(lz.gradientNorm).toBe(dense.gradientNorm)
  })

  it('data as input leaves, given in options.inputs', () => {
    const xIn = input('x', [3])
    const w = param('w', [3])
    const loss = sum(mul(mul(xIn, w), w))
    const r = criticalPoint(loss, { w }, { w: new Float64Array(3) }, { inputs: { x: [1, -2, 3] } })
    expect(r.eigenvalues.lowest).toEqual([-4, 2, 6].map((v) => expect.closeTo(v, 14)))
    expect(r.verdict).toBe('saddle')
  })
})

describe('criticalPoint: bad input names the function and the field', () => {
  const w = param('w', [2])
  const loss = sum(mul(w, w))
  const refusal = (f: () => unknown): ArgumentError => {
    const e = caught(f)
    expect(e).toBeInstanceOf(ArgumentError)
    expect((e as Error).message).toMatch(/^criticalPoint: /)
    return e as ArgumentError
  }

  it('a missing value, a wrong length, a value that is not a Float64Array', () => {
    expect(refusal(() => criticalPoint(loss, { w }, {})).message).toBe("criticalPoint: values: missing entry 'w' (shape [2])")
    expect(refusal(() => criticalPoint(loss, { w }, { w: Float64Array.of(1) })).message).toBe("criticalPoint: values: the value at 'w' has 1 elements, its shape [2] needs 2")
    expect(refusal(() => criticalPoint(loss, { w }, { w: [1, 2] as never })).field).toBe('values')
    expect(refusal(() => criticalPoint(loss, { w }, { w: Float64Array.of(1, 2), v: Float64Array.of(1) })).message).toContain("unexpected entry 'v'")
  })

  it('a non-scalar loss, a loss that reads other leaves, params that are not leaves', () => {
    expect(refusal(() => criticalPoint(mul(w, w), { w }, { w: Float64Array.of(1, 2) })).message).toBe('criticalPoint: loss: expected a scalar (one element), got shape [2]')
    expect(refusal(() => criticalPoint(5 as never, { w }, { w: Float64Array.of(1, 2) })).field).toBe('loss')
    const other = input('x', [2])
    expect(refusal(() => criticalPoint(sum(mul(w, other)), { w }, { w: Float64Array.of(1, 2) })).message).toMatch(/^criticalPoint: loss: reads the input 'x' \[2\], which is neither in params nor in options.inputs/)
    expect(refusal(() => criticalPoint(sum(mul(w, other)), { w }, { w: Float64Array.of(1, 2) }, { inputs: { x: [1] } })).message).toBe("criticalPoint: inputs: 'x' has 1 values, its shape [2] needs 2")
    expect(refusal(() => criticalPoint(loss, { w }, { w: Float64Array.of(1, 2) }, { inputs: { y: [1] } })).message).toContain("'y' is not a data leaf of the loss")
    expect(refusal(() => criticalPoint(loss, { w: mul(w, 2) } as Params, { w: Float64Array.of(1, 2) })).message).toContain("'w' is a mul node")
    expect(refusal(() => criticalPoint(loss, {}, {})).field).toBe('params')
  })

  it('options', () => {
    const ok: ParamValues = { w: Float64Array.of(1, 2) }
    expect(refusal(() => criticalPoint(loss, { w }, ok, { method: 'exact' as never })).field).toBe('method')
    expect(refusal(() => criticalPoint(loss, { w }, ok, { k: 0 })).field).toBe('k')
    expect(refusal(() => criticalPoint(loss, { w }, ok, { tolerance: -1 })).field).toBe('tolerance')
    expect(refusal(() => criticalPoint(loss, { w }, ok, { gradientTolerance: NaN })).field).toBe('gradientTolerance')
    expect(refusal(() => criticalPoint(loss, { w }, ok, { seed: 1.5 })).field).toBe('seed')
    expect(refusal(() => criticalPoint(loss, { w }, ok, { methd: 'dense' } as never)).message).toContain("did you mean 'method'")
    const e = caught(() => hessianMatrix(reshape(w, [1, 2]) as Tensor, { w }, ok))
    expect(e).toBeInstanceOf(ArgumentError)
    expect((e as Error).message).toBe('hessianMatrix: loss: expected a scalar (one element), got shape [1,2]')
  })
})
