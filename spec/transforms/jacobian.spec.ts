/**
 * Jacobians, Hessians, vmap and per-example gradients: against each other (jacfwd = jacrev, forward over
 * reverse = reverse over reverse), against central differences and loops of `vjp`/`grad`, on random
 * graphs; and the compiled graphs against the interpreter, bit for bit.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { grad, hvp, vjp } from '../../src/grad.js'
import { constant, input, param } from '../../src/make.js'
import { softmaxCrossEntropy } from '../../src/nn/losses.js'
import { stepFunction } from '../../src/run.js'
import { sizeOf } from '../../src/shape.js'
import { isTensor, type Tensor } from '../../src/tensor.js'
import { hessian, jacfwd, jacobian, jacrev } from '../../src/transforms/jacobian.js'
import { perExampleGrads } from '../../src/transforms/per-example.js'
import { vmap } from '../../src/transforms/vmap.js'
import { graphArb, randomValues } from '../arbitraries.js'
import { evaluateUsed, numericDirectional, relError } from '../finiteDiff.js'

const tensor = (t: unknown): Tensor => {
  if (!isTensor(t)) throw new Error('expected a tensor leaf')
  return t
}

/** The Jacobian of `y` by a loop of vjp with one-hot seeds: `[...y, ...x]`, row-major. */
const loopJacobian = (y: Tensor, x: Tensor, bindings: Readonly<Record<string, Float64Array>>): Float64Array => {
  const m = sizeOf(y.shape)
  const n = sizeOf(x.shape)
  const out = new Float64Array(m * n)
  for (let j = 0; j < m; j++) {
    const e = new Float64Array(m)
    e[j] = 1
    out.set(evaluateUsed(vjp(y, [x], constant(e, y.shape)), bindings)[0]!, j * n)
  }
  return out
}

describe('jacfwd, jacrev, jacobian', () => {
  it('jacrev equals a loop of vjp bit for bit, jacfwd equals jacrev, both match central differences', () => {
    fc.assert(
      fc.property(graphArb(4).filter((g) => g.params.length > 0), (g) => {
        const x = g.params[0]!
        const jr = jacrev(g.out, x)
        const jf = jacfwd(g.out, x)
        expect(jr.shape).toEqual([...g.out.shape, ...x.shape])
        expect(jf.shape).toEqual(jr.shape)
        const [r, f] = evaluateUsed([jr, jf], g.bindings)
        expect(Array.from(r!)).toEqual(Array.from(loopJacobian(g.out, x, g.bindings)))
        expect(relError([f!], [r!], 1e-2)).toBeLessThan(1e-12)
        // column k of the Jacobian is the derivative along basis direction k
        const n = sizeOf(x.shape)
        const m = sizeOf(g.out.shape)
        for (let k = 0; k < n; k++) {
          const e = new Float64Array(n)
          e[k] = 1
          const num = numericDirectional([g.out], [x], g.bindings, [e])[0]!
          const col = Float64Array.from({ length: m }, (_, j) => r![j * n + k]!)
          expect(relError([col], [num], 1e-2)).toBeLessThan(1e-6)
        }
      }),
      { seed: 424242, numRuns: 40 },
    )
  })

  it('jacobian chooses by size and gives the same values; trees keep their structure', () => {
    const w = param('w', [3, 2])
    const b = param('b', [2])
    const x = input('x', [4, 3])
    const y = K.tanh(K.add(K.matmul(x, w), b))
    const bind = { w: randomValues(1, 6), b: randomValues(2, 2), x: randomValues(3, 12) }
    const tree = jacobian(y, { layer: { w, b } })
    const tw = tensor((tree.layer as Record<string, unknown>).w)
    expect(tw.shape).toEqual([4, 2, 3, 2])
    const [a, c] = evaluateUsed([tw, jacrev(y, w)], bind)
    expect(Array.from(a!)).toEqual(Array.from(c!))
    expect(jacobian(K.sum(y), x).shape).toEqual([4, 3])
    expect(() => jacobian(y, {})).toThrow(/jacobian: wrt: the tree has no leaves/)
  })
})

describe('hessian', () => {
  it('forward over reverse equals reverse over reverse (jacrev of the gradient), is symmetric, and gives hvp', () => {
    fc.assert(
      fc.property(graphArb(4).filter((g) => g.params.length > 0), fc.integer(), (g, seed) => {
        const x = g.params[0]!
        const h = hessian(g.loss, x)
        const n = sizeOf(x.shape)
        expect(h.shape).toEqual([...x.shape, ...x.shape])
        const [fr, rr] = evaluateUsed([h, jacrev(grad(g.loss, [x])[0]!, x)], g.bindings)
        expect(relError([fr!], [rr!], 1e-2)).toBeLessThan(1e-11)
        const scale = Math.max(1e-2, ...Array.from(fr!, Math.abs))
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.abs(fr![i * n + j]! - fr![j * n + i]!) / scale).toBeLessThan(1e-12)
        const v = randomValues(seed, n)
        const hv = evaluateUsed(hvp(g.loss, [x], [constant(v, x.shape)]), g.bindings)[0]!
        const mv = Float64Array.from({ length: n }, (_, i) => v.reduce((s, vj, j) => s + fr![i * n + j]! * vj, 0))
        expect(relError([mv], [hv], 1e-2)).toBeLessThan(1e-11)
      }),
      { seed: 777, numRuns: 30 },
    )
  })

  it('gives blocks by path for a tree: h[a][b] is the transpose of h[b][a]', () => {
    const w = param('w', [2, 2])
    const b = param('b', [2])
    const loss = K.sum(K.softplus(K.add(K.matmul(constant([1, -2, 0.5, 3], [2, 2]), w), b)))
    const h = hessian(loss, { w, b })
    expect(Object.keys(h)).toEqual(['w', 'b'])
    expect(h.w!.b!.shape).toEqual([2, 2, 2])
    const bind = { w: randomValues(5, 4), b: randomValues(6, 2) }
    const [wb, bw] = evaluateUsed([h.w!.b!, h.b!.w!], bind)
    const t = evaluateUsed([K.transpose(h.b!.w!, [1, 2, 0])], bind)[0]!
    expect(Array.from(wb!)).toEqual(Array.from(t))
    expect(bw!.length).toBe(8)
    expect(() => hessian(K.mul(w, 2), w)).toThrow(/hessian: .*the loss must be a scalar/)
  })

  it('compiles to the interpreter values bit for bit', () => {
    const w = param('w', [3, 2])
    const x = constant(randomValues(9, 12), [4, 3])
    const loss = K.mean(K.square(K.tanh(K.matmul(x, w))))
    const h = hessian(loss, w)
    const g = { inputs: [], state: [w], outputs: [h] }
    const wv = randomValues(10, 6)
    const [c] = stepFunction(g, 'compiled')([], [wv])
    const [i] = stepFunction(g, 'interpreter')([], [wv])
    expect(Array.from(c!)).toEqual(Array.from(i!))
  })
})

describe('vmap', () => {
  it('maps the flagged arguments and passes the others whole', () => {
    const f = vmap((a, m) => K.sum(K.mul(a, m), 0), [0, null])
    const out = f(input('as', [2, 3]), input('m', [3]))
    expect(out.shape).toEqual([2])
    expect(Array.from(evaluateUsed([out], { as: [1, 2, 3, 4, 5, 6], m: [1, 0, -1] })[0]!)).toEqual([-2, -2])
  })

  it('refuses scalars, disagreeing batch sizes and bad axes', () => {
    const id = (...xs: Tensor[]) => K.add(xs[0]!, xs[1] ?? 0)
    expect(() => vmap(id)(input('s', []))).toThrow(/vmap: .*argument 0 is a scalar/)
    expect(() => vmap(id)(input('a', [2, 3]), input('b', [4, 3]))).toThrow(/vmap: inputs: mapped values disagree on the batch size \(2, 4\)/)
    expect(() => vmap(id, [1 as 0])(input('a', [2, 3]))).toThrow(/vmap: inAxes\[0\]: expected 0 or null/)
  })
})

describe('perExampleGrads', () => {
  const w1 = param('w1', [3, 4])
  const b1 = param('b1', [4])
  const w2 = param('w2', [4, 3])
  const params = { hidden: { w: w1, b: b1 }, out: { w: w2 } }
  type P = typeof params
  const loss = (p: P, ex: Readonly<Record<string, Tensor>>) =>
    softmaxCrossEntropy(K.matmul(K.tanh(K.add(K.matmul(ex.x!, p.hidden.w), p.hidden.b)), p.out.w), ex.y!)
  const values = { w1: randomValues(1, 12), b1: randomValues(2, 4), w2: randomValues(3, 12) }
  const n = 5
  const xs = randomValues(4, n * 3, -2, 2)
  const ys = Float64Array.of(0, 2, 1, 1, 0)

  it('equals a loop of grad over the examples, bit for bit, interpreted and compiled', () => {
    const g = perExampleGrads(loss, params, { x: input('x', [n, 3]), y: input('y', [n]) })
    const leaves = [g.hidden, g.out].flatMap((t) => Object.values(t as Record<string, unknown>)).map(tensor)
    expect(leaves.map((t) => t.shape)).toEqual([[n, 3, 4], [n, 4], [n, 4, 3]])
    const bind = { ...values, x: xs, y: ys }
    const got = evaluateUsed(leaves, bind)
    const step = { inputs: [input('x', [n, 3]), input('y', [n])], state: [w1, b1, w2], outputs: leaves }
    const compiled = stepFunction(step, 'compiled')([xs, ys], [values.w1, values.b1, values.w2])
    for (let i = 0; i < n; i++) {
      const x1 = input('x1', [1, 3])
      const y1 = input('y1', [1])
      const want = evaluateUsed(grad(loss(params, { x: x1, y: y1 }), [w1, b1, w2]), { ...values, x1: xs.slice(3 * i, 3 * i + 3), y1: ys.slice(i, i + 1) })
      want.forEach((wv, k) => {
        const size = wv.length
        expect(Array.from(got[k]!.slice(i * size, (i + 1) * size))).toEqual(Array.from(wv))
        expect(Array.from(compiled[k]!.slice(i * size, (i + 1) * size))).toEqual(Array.from(wv))
      })
    }
  })

  it('their mean is the batch gradient', () => {
    const g = perExampleGrads(loss, params, { x: input('x', [n, 3]), y: input('y', [n]) })
    const batch = grad(loss(params, { x: input('x', [n, 3]), y: input('y', [n]) }), [w1])[0]!
    const bind = { ...values, x: xs, y: ys }
    const [mean, full] = evaluateUsed([K.mean(tensor(g.hidden && (g.hidden as Record<string, unknown>).w), 0), batch], bind)
    expect(relError([mean!], [full!], 1e-3)).toBeLessThan(1e-14)
  })

  it('refuses a batch without examples, disagreeing sizes and a non-scalar loss', () => {
    expect(() => perExampleGrads(loss, params, {})).toThrow(/perExampleGrads: batch: expected at least one batched tensor/)
    expect(() => perExampleGrads(loss, params, { x: input('x', [5, 3]), y: input('y', [4]) })).toThrow(/entries disagree on the number of examples \(x: 5, y: 4\)/)
    expect(() => perExampleGrads((p: P) => p.out.w, params, { x: input('x', [5, 3]) })).toThrow(/the loss of one example must be a scalar/)
  })
})

describe('perExampleGrads on an nn model', () => {
  it('takes a sequential model\'s parameter leaves and its batch loss as written, and matches a loop of grad', async () => {
    const { sequential, dense, layers, key, flattenParams, bindValues } = await import('../../src/index.js')
    const model = sequential(dense(5), layers.relu(), dense(3))
    const { params } = model.leaves([1, 4])
    const values = model.init(key(3), [1, 4]).params
    const n = 4
    const x = input('x', [n, 4])
    const y = input('y', [n])
    const g = perExampleGrads((p, ex) => softmaxCrossEntropy(model.apply(p, ex.x!).y, ex.y!), params, { x, y })
    const xs = randomValues(8, n * 4, -2, 2)
    const ys = Float64Array.of(2, 0, 1, 2)
    const leaves = flattenParams(g).map(([, t]) => tensor(t))
    const got = evaluateUsed(leaves, { ...bindValues(params, values), x: xs, y: ys })
    const wrt = flattenParams(params).map(([, t]) => tensor(t))
    for (let i = 0; i < n; i++) {
      const x1 = input('x1', [1, 4])
      const y1 = input('y1', [1])
      const want = evaluateUsed(grad(softmaxCrossEntropy(model.apply(params, x1).y, y1), wrt), { ...bindValues(params, values), x1: xs.slice(4 * i, 4 * i + 4), y1: ys.slice(i, i + 1) })
      want.forEach((wv, k) => expect(Array.from(got[k]!.slice(i * wv.length, (i + 1) * wv.length))).toEqual(Array.from(wv)))
    }
  })
})

describe('transformed again', () => {
  it('jacfwd of jacrev of the gradient... equals hessian; vmap of vmap equals the double loop', () => {
    const x = param('x', [3])
    const loss = K.sum(K.mul(K.exp(K.mul(x, constant([0.5, -1, 2]))), K.tanh(x)))
    const bind = { x: [0.3, -0.2, 0.9] }
    const [h, hh] = evaluateUsed([hessian(loss, x), jacfwd(jacrev(loss, x), x)], bind)
    expect(relError([hh!], [h!], 1e-2)).toBeLessThan(1e-13)
    const f = (a: Tensor, b: Tensor) => K.sum(K.mul(K.sigmoid(a), b))
    const twice = vmap(vmap(f, [0, null]), [0, null])
    const out = twice(input('as', [2, 3, 4]), input('b', [4]))
    expect(out.shape).toEqual([2, 3])
    const as = randomValues(21, 24)
    const b = randomValues(22, 4)
    const got = evaluateUsed([out], { as, b })[0]!
    const a1 = input('a1', [4])
    const want = Array.from({ length: 6 }, (_, i) => evaluateUsed([f(a1, input('b', [4]))], { a1: as.slice(4 * i, 4 * i + 4), b })[0]![0]!)
    expect(Array.from(got)).toEqual(want)
  })
})
