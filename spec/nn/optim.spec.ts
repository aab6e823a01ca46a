import { describe, expect, it } from 'vitest'
import { matmul, mul, reshape, square, sub, sum } from '../../src/api.js'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { leavesOf, topoSort } from '../../src/graph.js'
import { type Tensor } from '../../src/tensor.js'
import { constant, input, param } from '../../src/make.js'
import { meanSquaredError } from '../../src/nn/losses.js'
import { adagrad, adam, adamw, rmsprop, sgd } from '../../src/nn/optim.js'
import { cosineDecay, exponentialDecay, type LearningRate } from '../../src/nn/schedules.js'
import { applyUpdates, chain, clipByGlobalNorm, emaParams, type Optimizer } from '../../src/nn/transform.js'
import { bindValues, flattenParams, leafList, readTree, type ParamValues } from '../../src/nn/tree.js'
import { values } from './helpers.js'

/** Runs `steps` optimizer steps on `loss(w)` by evaluating one update graph repeatedly; returns w after each step. */
const run = (opt: Optimizer, loss: (w: Tensor) => Tensor, w0: readonly number[], steps: number) => {
  const w = param('w', [w0.length])
  const params = { w }
  const st = opt.stateLeaves(params)
  const step = input('step', [])
  const upd = opt.update({ w: grad(loss(w), [w])[0]! }, st, params, step)
  const next = applyUpdates(params, upd.updates)
  const outs = [next.w as Tensor, ...leafList(upd.state)]
  const used = new Set(leavesOf(topoSort(outs)).keys())
  let p: ParamValues = { w: Float64Array.from(w0) }
  let s = opt.init(p)
  const history: number[][] = []
  for (let t = 0; t < steps; t++) {
    const b = { ...bindValues(params, p), ...bindValues(st, s), step: t }
    const r = evaluate(outs, Object.fromEntries(Object.entries(b).filter(([k]) => used.has(k))))
    p = { w: r[0]! }
    s = readTree(upd.state, r.slice(1))
    history.push(Array.from(r[0]!))
  }
  return { history, state: s }
}

// f(w) = 1/2 sum a (w - c)^2, gradient a (w - c)
const A = [1, 3]
const C = [0.5, -1]
const W0 = [2, 1]
const quad = (w: Tensor): Tensor => mul(sum(mul(constant(A), square(sub(w, constant(C))))), 0.5)
const gradQ = (p: readonly number[]): number[] => p.map((v, i) => A[i]! * (v - C[i]!))

type Stepper = (p: number[], t: number) => number[]
const lrOf = (lr: number | ((t: number) => number), t: number): number => (typeof lr === 'number' ? lr : lr(t - 1))

/** Plain-JS references written from the torch.optim documentation (t is PyTorch's 1-based step). */
const refs = {
  sgd: (lr: number, mu = 0, d = 0, nesterov = false, wd = 0): Stepper => {
    let buf: number[] | undefined
    return (p) => {
      const g = gradQ(p).map((gi, i) => gi + wd * p[i]!)
      if (mu === 0) return p.map((v, i) => v - lr * g[i]!)
      buf = buf === undefined ? g : buf.map((b, i) => mu * b + (1 - d) * g[i]!)
      const dir = nesterov ? g.map((gi, i) => gi + mu * buf![i]!) : buf
      return p.map((v, i) => v - lr * dir[i]!)
    }
  },
  rmsprop: (lr: number, alpha = 0.99, eps = 1e-8, wd = 0, mu = 0, centered = false): Stepper => {
    const sq = [0, 0]
    const ga = [0, 0]
    const buf = [0, 0]
    return (p) =>
      gradQ(p).map((g0, i) => {
        const g = g0 + wd * p[i]!
        sq[i] = alpha * sq[i]! + (1 - alpha) * g * g
        let avg = sq[i]!
        if (centered) {
          ga[i] = alpha * ga[i]! + (1 - alpha) * g
          avg = avg - ga[i]! * ga[i]!
        }
        const denom = Math.sqrt(avg) + eps
        if (mu === 0) return p[i]! - (lr * g) / denom
        buf[i] = mu * buf[i]! + g / denom
        return p[i]! - lr * buf[i]!
      })
  },
  adagrad: (lr: number, lrDecay = 0, wd = 0, init = 0, eps = 1e-10): Stepper => {
    const acc = [init, init]
    return (p, t) =>
      gradQ(p).map((g0, i) => {
        const g = g0 + wd * p[i]!
        const clr = lr / (1 + (t - 1) * lrDecay)
        acc[i] = acc[i]! + g * g
        return p[i]! - (clr * g) / (Math.sqrt(acc[i]!) + eps)
      })
  },
  adam: (lr: number | ((t: number) => number), b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, decoupled = false): Stepper => {
    const m = [0, 0]
    const v = [0, 0]
    return (p, t) =>
      gradQ(p).map((g0, i) => {
        const rate = lrOf(lr, t)
        const pi = decoupled ? p[i]! * (1 - rate * wd) : p[i]!
        const g = decoupled ? g0 : g0 + wd * p[i]!
        m[i] = b1 * m[i]! + (1 - b1) * g
        v[i] = b2 * v[i]! + (1 - b2) * g * g
        const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps
        return pi - (rate / (1 - b1 ** t)) * (m[i]! / denom)
      })
  },
}

const refRun = (stepper: Stepper, steps: number): number[][] => {
  let p = [...W0]
  const out: number[][] = []
  for (let t = 1; t <= steps; t++) out.push((p = stepper(p, t)))
  return out
}

const expectClose = (got: number[][], want: number[][], tol = 1e-12): void => {
  expect(got.length).toBe(want.length)
  got.forEach((row, k) => row.forEach((v, i) => expect(Math.abs(v - want[k]![i]!), `step ${k + 1}, element ${i}: ${v} vs ${want[k]![i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[k]![i]!)))))
}

describe('Adam by hand', () => {
  it("the first three updates of Adam on f(w) = w^2 from w = 1 with lr 0.1", () => {
    const { history } = run(adam(0.1), (w) => sum(square(w)), [1], 3)
    // step 1: g = 2, m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004, m^ = 0.2 / 0.1 = 2, v^ = 0.004 / 0.001 = 4
    const w1 = 1 - (0.1 * 2) / (Math.sqrt(4) + 1e-8)
    // step 2: g = 2 w1
    const g2 = 2 * w1
    const m2 = 0.9 * 0.2 + 0.1 * g2
    const v2 = 0.999 * 0.004 + 0.001 * g2 * g2
    const w2 = w1 - (0.1 * (m2 / (1 - 0.81))) / (Math.sqrt(v2 / (1 - 0.998001)) + 1e-8)
    // step 3
    const g3 = 2 * w2
    const m3 = 0.9 * m2 + 0.1 * g3
    const v3 = 0.999 * v2 + 0.001 * g3 * g3
    const w3 = w2 - (0.1 * (m3 / (1 - 0.729))) / (Math.sqrt(v3 / (1 - 0.997002999)) + 1e-8)
    expect(w1).toBeCloseTo(0.9, 8)
    expect(w2).toBeCloseTo(0.80041, 5)
    expectClose(history, [[w1], [w2], [w3]], 1e-13)
  })
})

describe('optimizers against torch.optim references on a quadratic', () => {
  const cases: readonly [string, Optimizer, Stepper][] = [
    ['sgd', sgd(0.1), refs.sgd(0.1)],
    ['sgd momentum', sgd(0.1, { momentum: 0.9 }), refs.sgd(0.1, 0.9)],
    ['sgd momentum dampening', sgd(0.1, { momentum: 0.9, dampening: 0.3 }), refs.sgd(0.1, 0.9, 0.3)],
    ['sgd nesterov weight decay', sgd(0.05, { momentum: 0.8, nesterov: true, weightDecay: 0.1 }), refs.sgd(0.05, 0.8, 0, true, 0.1)],
    ['rmsprop', rmsprop(0.01), refs.rmsprop(0.01)],
    ['rmsprop centered momentum weight decay', rmsprop(0.01, { centered: true, momentum: 0.5, weightDecay: 0.01, alpha: 0.9 }), refs.rmsprop(0.01, 0.9, 1e-8, 0.01, 0.5, true)],
    ['adagrad', adagrad(0.5), refs.adagrad(0.5)],
    ['adagrad decay, accumulator, weight decay', adagrad(0.5, { lrDecay: 0.1, initialAccumulatorValue: 0.2, weightDecay: 0.05 }), refs.adagrad(0.5, 0.1, 0.05, 0.2)],
    ['adam', adam(0.1), refs.adam(0.1)],
    ['adam coupled weight decay, betas', adam(0.05, { beta1: 0.8, beta2: 0.99, weightDecay: 0.1, eps: 1e-6 }), refs.adam(0.05, 0.8, 0.99, 1e-6, 0.1)],
    ['adamw', adamw(0.1), refs.adam(0.1, 0.9, 0.999, 1e-8, 1e-2, true)],
    ['adamw weight decay 0.3', adamw(0.1, { weightDecay: 0.3 }), refs.adam(0.1, 0.9, 0.999, 1e-8, 0.3, true)],
  ]
  it.each(cases)('%s: six steps match', (_name, opt, ref) => {
    expectClose(run(opt, quad, W0, 6).history, refRun(ref, 6))
  })

  it('a schedule drives the learning rate by the 0-based step (adam + cosine)', () => {
    const sched = cosineDecay(0.2, 5, 0.01)
    const host = (t: number): number => 0.01 + 0.19 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 5)) / 5))
    expectClose(run(adam(sched), quad, W0, 8).history, refRun(refs.adam(host), 8), 1e-12)
  })

  it('every optimizer accepts a schedule (sgd + exponential decay)', () => {
    const got = run(sgd(exponentialDecay(0.2, 0.5)), quad, W0, 4).history
    let p = [...W0]
    const want = [0, 1, 2, 3].map((t) => (p = p.map((v, i) => v - 0.2 * 0.5 ** t * gradQ(p)[i]!)))
    expectClose(got, want)
  })

  it('state is named per optimizer, slot and parameter path', () => {
    const names = (o: Optimizer) => flattenParams(o.init({ dense0: { w: new Float64Array(2) } })).map(([k]) => k)
    expect(names(adam(1))).toEqual(['adam.m.dense0.w', 'adam.v.dense0.w'])
    expect(names(sgd(1))).toEqual([])
    expect(names(rmsprop(1, { centered: true, momentum: 0.1 }))).toEqual(['rmsprop.squareAvg.dense0.w', 'rmsprop.gradAvg.dense0.w', 'rmsprop.momentum.dense0.w'])
    const leaves = adam(1).stateLeaves({ dense0: { w: param('dense0.w', [2]) } })
    expect(flattenParams(leaves).map(([, t]) => (t.attrs as { name: string }).name)).toEqual(['adam.m.dense0.w', 'adam.v.dense0.w'])
  })
})

describe("sgd with the course's momentum (momentumForm 'average')", () => {
  /** The course's formulas in plain JS: v = beta v + (1 - beta) g from v = 0, p -= lr v (g with coupled weight decay). */
  const course = (lr: number | ((t: number) => number), beta: number, wd = 0): Stepper => {
    const v = [0, 0]
    return (p, t) => {
      const g = gradQ(p).map((gi, i) => gi + wd * p[i]!)
      return p.map((pi, i) => {
        v[i] = beta * v[i]! + (1 - beta) * g[i]!
        return pi - lrOf(lr, t) * v[i]!
      })
    }
  }

  it.each([
    ['beta 0.9', sgd(0.1, { momentum: 0.9, momentumForm: 'average' }), course(0.1, 0.9)],
    ['beta 0.5, weight decay', sgd(0.2, { momentum: 0.5, momentumForm: 'average', weightDecay: 0.1 }), course(0.2, 0.5, 0.1)],
    ['beta 0.99, exponential schedule', sgd(exponentialDecay(0.3, 0.8), { momentum: 0.99, momentumForm: 'average' }), course((t) => 0.3 * 0.8 ** t, 0.99)],
  ] as const)('%s: ten steps match the course loop', (_name, opt, ref) => {
    expectClose(run(opt, quad, W0, 10).history, refRun(ref, 10), 1e-15)
  })

  it("differs from PyTorch's buffer with the same lr (the comparison above can fail)", () => {
    const got = run(sgd(0.1, { momentum: 0.9, momentumForm: 'average' }), quad, W0, 3).history
    const torch = refRun(refs.sgd(0.1, 0.9), 3)
    expect(Math.abs(got[0]![0]! - torch[0]![0]!)).toBeGreaterThan(0.1)
  })

  it("equals PyTorch's form (dampening 0) with lr scaled by 1 - beta, from the first step on", () => {
    const beta = 0.9
    const avg = run(sgd(0.1, { momentum: beta, momentumForm: 'average' }), quad, W0, 8)
    const torch = run(sgd(0.1 * (1 - beta), { momentum: beta }), quad, W0, 8)
    expectClose(avg.history, torch.history, 1e-13)
    // the state: v = (1 - beta) b
    const v = (avg.state.sgd as { velocity: { w: Float64Array } }).velocity.w
    const b = (torch.state.sgd as { momentum: { w: Float64Array } }).momentum.w
    expectClose([Array.from(v)], [Array.from(b).map((x) => (1 - beta) * x)], 1e-13)
  })

  it("PyTorch's dampening = beta is not the average: b_t = v_t + beta^t g_1", () => {
    const beta = 0.6
    const avg = run(sgd(0.05, { momentum: beta, momentumForm: 'average' }), quad, W0, 1)
    const damp = run(sgd(0.05, { momentum: beta, dampening: beta }), quad, W0, 1)
    const g1 = gradQ(W0)
    const v = (avg.state.sgd as { velocity: { w: Float64Array } }).velocity.w
    const b = (damp.state.sgd as { momentum: { w: Float64Array } }).momentum.w
    expectClose([Array.from(b)], [Array.from(v).map((x, i) => x + beta * g1[i]!)], 1e-15)
  })

  it('state is sgd.velocity.<path>, starting at 0', () => {
    const opt = sgd(0.1, { momentum: 0.9, momentumForm: 'average' })
    expect(flattenParams(opt.init({ dense0: { w: Float64Array.of(3, 4) } }))).toEqual([['sgd.velocity.dense0.w', Float64Array.of(0, 0)]])
    expect(flattenParams(sgd(0.1, { momentum: 0.9, momentumForm: 'torch' }).init({ dense0: { w: new Float64Array(2) } })).map(([k]) => k)).toEqual(['sgd.momentum.dense0.w'])
    expect(opt.name).toBe('sgd')
  })

  it('bad combinations are clear errors', () => {
    expect(() => sgd(0.1, { momentumForm: 'average' })).toThrow("sgd: momentum must be in (0, 1) with momentumForm 'average', got 0")
    expect(() => sgd(0.1, { momentum: 1, momentumForm: 'average' })).toThrow("sgd: momentum must be in (0, 1) with momentumForm 'average', got 1")
    expect(() => sgd(0.1, { momentum: 0.9, dampening: 0.1, momentumForm: 'average' })).toThrow(/sgd: dampening does not apply to momentumForm 'average'/)
    expect(() => sgd(0.1, { momentum: 0.9, nesterov: true, momentumForm: 'average' })).toThrow("sgd: nesterov needs momentumForm 'torch'")
    expect(() => sgd(0.1, { momentum: 0.9, momentumForm: 'ema' as never })).toThrow(`sgd: momentumForm: expected 'torch' or 'average', got the string "ema"`)
    expect(() => sgd(0.1, { momentum: 0.9, momentumForm: 1 as never })).toThrow(/sgd: momentumForm: expected a string, got 1/)
    expect(() => sgd(0.1, { momentum: 0.9, momentForm: 'average' } as never)).toThrow(/sgd: momentForm: unknown option; did you mean 'momentumForm'\?/)
  })
})

describe('transformations', () => {
  it('clipByGlobalNorm rescales to the max norm (PyTorch clip coefficient)', () => {
    const got = run(chain(clipByGlobalNorm(0.5), sgd(1)), quad, W0, 3).history
    let p = [...W0]
    const want = [1, 2, 3].map(() => {
      const g = gradQ(p)
      const n = Math.hypot(...g)
      const coef = Math.min(1, 0.5 / (n + 1e-6))
      return (p = p.map((v, i) => v - coef * g[i]!))
    })
    expectClose(got, want)
  })

  it('emaParams keeps decay * ema + (1 - decay) * new params', () => {
    const { history, state } = run(chain(sgd(0.1), emaParams(0.7)), quad, W0, 4)
    let ema = [...W0]
    for (const p of history) ema = ema.map((e, i) => 0.7 * e + 0.3 * p[i]!)
    expectClose([Array.from((state.ema as { params: { w: Float64Array } }).params.w)], [ema])
  })

  it('chain renames repeated optimizers and merges their state', () => {
    const c = chain(sgd(0.1, { momentum: 0.9 }), sgd(0.1, { momentum: 0.5 }))
    expect(c.stateKeys).toEqual(['sgd', 'sgd1'])
    expect(Object.keys(c.init({ w: new Float64Array(1) }))).toEqual(['sgd', 'sgd1'])
    // both momentum buffers get the same gradient, the second sees the first's update as its gradient
    expect(run(c, quad, W0, 3).history.flat().every(Number.isFinite)).toBe(true)
  })

  it('a state tree that does not match is a clear error', () => {
    const w = param('w', [2])
    const step = input('step', [])
    expect(() => adam(0.1).update({ w }, {}, { w }, step)).toThrow(/adam\.update: the state has no subtree 'adam'/)
    const missing = { adam: { m: { w: input('adam.m.w', [2]) }, v: {} } }
    expect(() => adam(0.1).update({ w }, missing, { w }, step)).toThrow(/state 'adam\.v' vs parameters\): missing entry 'w' \(shape \[2\]\)/)
    const extra = { adam: { m: { w: input('adam.m.w', [2]) }, v: { w: input('adam.v.w', [2]), u: input('adam.v.u', [2]) } } }
    expect(() => adam(0.1).update({ w }, extra, { w }, step)).toThrow(/unexpected entry 'u'/)
    expect(() => adam(0.1).update({ w, u: w }, adam(0.1).stateLeaves({ w }), { w }, step)).toThrow(/unexpected entry 'u'/)
  })

  it('bad hyperparameters are clear errors', () => {
    expect(() => sgd(-1)).toThrow(/sgd: lr/)
    expect(() => sgd(0.1, { nesterov: true })).toThrow(/nesterov needs momentum/)
    expect(() => adam(0.1, { beta1: 1 })).toThrow(/adam: beta1 must be in \[0, 1\)/)
    expect(() => rmsprop(0.1, { alpha: 1.5 })).toThrow(/rmsprop: alpha/)
    expect(() => clipByGlobalNorm(0)).toThrow(/maxNorm/)
  })
})

describe('convergence on least squares', () => {
  const n = 16
  const X = values(31, [n, 3])
  const wTrue = [1, -2, 0.5]
  const y = Array.from({ length: n }, (_, i) => wTrue.reduce((s, w, j) => s + w * X[i * 3 + j]!, 0))
  const loss = (w: Tensor): Tensor => meanSquaredError(matmul(constant(X, [n, 3]), reshape(w, [3, 1])), constant(y, [n, 1]))
  const steps = 400
  const cases: readonly [string, (lr: LearningRate) => Optimizer, LearningRate, number][] = [
    ['sgd', (lr) => sgd(lr), 0.1, 1e-6],
    ['sgd nesterov', (lr) => sgd(lr, { momentum: 0.9, nesterov: true }), 0.05, 1e-6],
    ['rmsprop (cosine schedule)', (lr) => rmsprop(lr), cosineDecay(0.02, steps), 1e-3],
    ['adagrad', (lr) => adagrad(lr), 0.5, 1e-4],
    ['adam (cosine schedule)', (lr) => adam(lr), cosineDecay(0.1, steps), 1e-4],
    ['adamw (tiny decay)', (lr) => adamw(lr, { weightDecay: 1e-6 }), cosineDecay(0.1, steps), 1e-3],
  ]
  it.each(cases)('%s reaches the least-squares solution', (_name, make, lr, tol) => {
    const { history } = run(make(lr), loss, [0, 0, 0], steps)
    const w = history[history.length - 1]!
    w.forEach((v, i) => expect(Math.abs(v - wTrue[i]!), `w[${i}] = ${v}`).toBeLessThan(tol))
  })
})

