/** fit: determinism, engines, batch and stochastic gradient descent against hand-rolled loops, history, regularization. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadIrisOrThrow } from '../../src/node/index.js'
import type { Dataset } from '../../src/data/dataset.js'
import { fitStandardizer, standardize } from '../../src/data/preprocess.js'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { softmaxCrossEntropy } from '../../src/nn/losses.js'
import type { Layer } from '../../src/nn/layer.js'
import { adam, sgd } from '../../src/nn/optim.js'
import { bindValues, flattenParams, leafList, mapParams, readTree, zipParams, type ParamValues, type Params } from '../../src/nn/tree.js'
import type { Optimizer } from '../../src/nn/transform.js'
import { initializers, layers } from '../../src/nn/index.js'
import { sequential } from '../../src/nn/sequential.js'
import { makeDataset } from '../../src/data/dataset.js'
import { add, mul } from '../../src/api.js'
import { foldIn, key } from '../../src/random/key.js'
import { type Tensor } from '../../src/tensor.js'
import { input } from '../../src/make.js'
import { fit, type FitOptions } from '../../src/train/fit.js'
import { evaluateModel } from '../../src/train/predict.js'
import { blobs, bnDropoutMlp, expectFitError, maxRelErr, plainMlp, right, sameBits, smallFlower, timeless } from './helpers.js'

const iris = (): Dataset => {
  const raw = loadIrisOrThrow()
  return standardize(fitStandardizer(raw))(raw)
}

/**
 * Plain gradient descent by hand: the model's forward pass, softmax cross-entropy and `grad`, run through
 * the reference interpreter one batch of rows at a time (in the given order), `p <- p - lr * g` in JS.
 * Returns the parameters and the mean data loss of each epoch.
 */
const handRolledSgd = (model: Layer, data: Dataset, params0: ParamValues, lr: number, batch: number, epochs: number) => {
  const f = data.featureShape.reduce((a, b) => a * b, 1)
  let params = params0
  const losses: number[] = []
  for (let e = 0; e < epochs; e++) {
    let sum = 0
    for (let start = 0; start < data.n; start += batch) {
      const b = Math.min(batch, data.n - start)
      const leaves = model.leaves([b, ...data.featureShape])
      const x = input('hx', [b, ...data.featureShape])
      const y = input('hy', [b])
      const loss = softmaxCrossEntropy(model.apply(leaves.params, x, { training: true, state: leaves.state }).y, y)
      const ps = leafList(leaves.params)
      const [l, ...gs] = evaluate([loss, ...grad(loss, ps)], {
        ...bindValues(leaves.params, params),
        hx: data.x.subarray(start * f, (start + b) * f),
        hy: data.y.subarray(start, start + b),
      })
      sum += l![0]! * b
      params = readTree(params, flattenParams(params).map(([, v], i) => v.map((p, j) => p - lr * gs[i]![j]!)))
    }
    losses.push(sum / data.n)
  }
  return { params, losses }
}

describe('fit: determinism', () => {
  const data = smallFlower(40)
  const dev = smallFlower(20, 2)
  const opts = (seed: number): FitOptions => ({ epochs: 3, batchSize: 12, optimizer: adam(0.02), key: key(seed), dev })

  it('the same key gives bit-identical parameters, state and history; another key does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const a = right(fit(bnDropoutMlp(), data, opts(seed)))
        const b = right(fit(bnDropoutMlp(), data, opts(seed)))
        expect(sameBits(a.params, b.params)).toBe(true)
        expect(sameBits(a.state, b.state)).toBe(true)
        expect(timeless(a.history)).toEqual(timeless(b.history))
        const c = right(fit(bnDropoutMlp(), data, opts(seed + 1)))
        expect(sameBits(a.params, c.params)).toBe(false)
        expect(timeless(a.history)).not.toEqual(timeless(c.history))
      }),
      { seed: 201, numRuns: 3 },
    )
  })

  it('the same initial values with another key still train differently (shuffling and dropout use the key)', () => {
    const a = right(fit(bnDropoutMlp(), data, opts(5)))
    const init = bnDropoutMlp().init(foldIn(key(5), 0), [12, 2])
    const b = right(fit(bnDropoutMlp(), data, { ...opts(6), initial: { params: init.params, state: init.state } }))
    expect(sameBits(a.params, b.params)).toBe(false)
    const c = right(fit(bnDropoutMlp(), data, { ...opts(5), initial: { params: init.params, state: init.state } }))
    expect(sameBits(a.params, c.params)).toBe(true)
  })
})

describe('fit: compiled engine against the interpreter', () => {
  it('agree to 1e-10 after a few epochs of an MLP with batch norm and dropout, with a remainder batch', () => {
    const data = smallFlower(40)
    // 40 rows in batches of 12: three full batches and a remainder of 4, so both step graphs run.
    const opts: FitOptions = { epochs: 3, batchSize: 12, optimizer: adam(0.05), key: key(3), dev: smallFlower(10, 4) }
    const c = right(fit(bnDropoutMlp(), data, opts))
    const i = right(fit(bnDropoutMlp(), data, { ...opts, engine: 'interpreter' }))
    expect(c.engine).toBe('compiled')
    expect(i.engine).toBe('interpreter')
    expect(maxRelErr(c.params, i.params)).toBeLessThan(1e-10)
    expect(maxRelErr(c.state, i.state)).toBeLessThan(1e-10)
    c.history.forEach((h, e) => {
      expect(Math.abs(h.trainLoss - i.history[e]!.trainLoss)).toBeLessThan(1e-10)
      expect(Math.abs(h.devLoss - i.history[e]!.devLoss)).toBeLessThan(1e-10)
    })
    // The state moved: batch norm's running statistics were fed back through both engines.
    expect(sameBits(c.state, bnDropoutMlp().init(foldIn(key(3), 0), [12, 2]).state)).toBe(false)
  })
})

describe('fit: gradient descent against hand-rolled loops', () => {
  const data = blobs(12, 3, 2, 11)
  const model = plainMlp(5, 3)
  const init = model.init(foldIn(key(4), 0), [12, 2]).params

  it('batch gradient descent (batchSize = n) equals evaluate on the full-batch step', () => {
    const lr = 0.3
    const hand = handRolledSgd(model, data, init, lr, 12, 4)
    for (const shuffle of [false, true]) {
      for (const engine of ['interpreter', 'compiled'] as const) {
        const r = right(fit(model, data, { epochs: 4, batchSize: 12, optimizer: sgd(lr), key: key(4), shuffle, engine }))
        // Shuffling a full batch only reorders a sum: equal up to rounding.
        expect(maxRelErr(r.params, hand.params)).toBeLessThan(1e-12)
        r.history.forEach((h, e) => expect(Math.abs(h.trainLoss - hand.losses[e]!)).toBeLessThan(1e-12))
      }
    }
  })

  it('stochastic gradient descent (batchSize 1) equals a per-row loop over the rows in order', () => {
    const lr = 0.05
    const hand = handRolledSgd(model, data, init, lr, 1, 2)
    const r = right(fit(model, data, { epochs: 2, batchSize: 1, optimizer: sgd(lr), key: key(4), shuffle: false }))
    expect(maxRelErr(r.params, hand.params)).toBeLessThan(1e-12)
    r.history.forEach((h, e) => expect(Math.abs(h.trainLoss - hand.losses[e]!)).toBeLessThan(1e-12))
    expect(sameBits(r.params, init)).toBe(false)
  })

  it('mini-batches with a remainder equal the hand-rolled loop', () => {
    const hand = handRolledSgd(model, data, init, 0.1, 5, 3)
    const r = right(fit(model, data, { epochs: 3, batchSize: 5, optimizer: sgd(0.1), key: key(4), shuffle: false }))
    expect(maxRelErr(r.params, hand.params)).toBeLessThan(1e-12)
  })
})

describe('fit: history', () => {
  it('one record per epoch; the training loss falls on iris; dev fields only with a dev set', () => {
    const data = iris()
    const opts: FitOptions = { epochs: 12, batchSize: 150, optimizer: adam(0.02), key: key(8) }
    const r = right(fit(plainMlp(8, 3), data, opts))
    expect(r.history.map((h) => h.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    r.history.slice(1).forEach((h, i) => expect(h.trainLoss).toBeLessThan(r.history[i]!.trainLoss))
    r.history.forEach((h) => {
      expect(h.devLoss).toBeNaN()
      expect(h.devAccuracy).toBeNaN()
      expect(h.seconds).toBeGreaterThanOrEqual(0)
    })
    expect(r.bestEpoch).toBe(12)
    expect(r.stoppedEarly).toBe(false)
    const withDev = right(fit(plainMlp(8, 3), data, { ...opts, epochs: 3, dev: data }))
    withDev.history.forEach((h) => {
      expect(h.devAccuracy).toBeGreaterThanOrEqual(0)
      expect(h.devAccuracy).toBeLessThanOrEqual(1)
      expect(Number.isFinite(h.devLoss)).toBe(true)
    })
    // The last dev record is the evaluation of the returned model.
    const last = withDev.history[2]!
    const ev = evaluateModel(withDev, data)
    expect(ev.loss).toBe(last.devLoss)
    expect(ev.accuracy).toBe(last.devAccuracy)
  })

  it('mini-batch training on iris reaches a low loss and high dev accuracy', () => {
    const data = iris()
    const r = right(fit(plainMlp(8, 3), data, { epochs: 30, batchSize: 32, optimizer: adam(0.02), key: key(9), dev: data }))
    expect(r.history[29]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss / 3)
    expect(r.history[29]!.devAccuracy).toBeGreaterThan(0.9)
  })
})

describe('fit: regularization', () => {
  const data = iris()
  const sumSq = (v: ParamValues, path: string): number => flattenParams(v).find(([p]) => p === path)![1].reduce((a, x) => a + x * x, 0)

  it('the reported loss is the unregularized data loss', () => {
    const opts: FitOptions = { epochs: 1, batchSize: 150, optimizer: sgd(0), key: key(1) }
    const plain = right(fit(plainMlp(8, 3), data, opts))
    for (const regularization of [{ l2: 1 }, { l1: 0.5 }, { l2: 3, l1: 2 }]) {
      const reg = right(fit(plainMlp(8, 3), data, { ...opts, regularization }))
      expect(reg.history[0]!.trainLoss).toBe(plain.history[0]!.trainLoss)
    }
    // With lr 0 the parameters stay put, so the loss is the data loss of the returned model.
    expect(plain.history[0]!.trainLoss).toBeCloseTo(evaluateModel(plain, data).loss, 12)
  })

  it('l2 shrinks the weights compared with no penalty', () => {
    const opts: FitOptions = { epochs: 10, batchSize: 50, optimizer: sgd(0.1), key: key(2) }
    const plain = right(fit(plainMlp(8, 3), data, opts))
    const reg = right(fit(plainMlp(8, 3), data, { ...opts, regularization: { l2: 0.5 } }))
    for (const path of ['dense0.w', 'dense2.w']) expect(sumSq(reg.params, path)).toBeLessThan(0.8 * sumSq(plain.params, path))
  })
})

describe('fit: optimizer state', () => {
  // A hand-written optimizer whose slot starts at the parameters: `v <- 0.9 v + g`, `p <- p - 0.1 v`.
  const slotOptimizer = (init: (params: ParamValues) => ParamValues): Optimizer => ({
    _tag: 'Optimizer',
    name: 'mine',
    stateKeys: ['mine'],
    init,
    stateLeaves: (params) => ({ mine: { v: mapParams(params, (p, path) => input(`mine.v.${path}`, p.shape)) } }),
    update: (grads, state) => {
      const v = zipParams(((state.mine as Params).v as Params), grads, (s, g) => add(mul(s, 0.9), g) as Tensor)
      return { updates: mapParams(v, (x) => mul(x, -0.1) as Tensor), state: { mine: { v } } }
    },
  })
  const reg = makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(2, 3, 5, 4), [1], [])
  const opts = (optimizer: Optimizer, engine: 'compiled' | 'interpreter'): FitOptions =>
    ({ epochs: 3, batchSize: 2, optimizer, key: key(1), loss: 'meanSquaredError', engine, shuffle: false })

  it('slots that alias the parameters or list them in another key order bind by name', () => {
    const clean = slotOptimizer((p) => ({ mine: { v: mapParams(p, (x) => x.slice()) } }))
    // Same leaf sizes (w [1,1], b [1]), so a binding by position would silently swap them.
    const messy = slotOptimizer((p) => ({ mine: { v: { dense0: { b: (p.dense0 as ParamValues).b!, w: (p.dense0 as ParamValues).w! } } } }))
    for (const engine of ['compiled', 'interpreter'] as const) {
      const a = right(fit(sequential(layers.dense(1, { biasInit: initializers.constant(0.5) })), reg, opts(clean, engine)))
      const b = right(fit(sequential(layers.dense(1, { biasInit: initializers.constant(0.5) })), reg, opts(messy, engine)))
      expect(sameBits(a.params, b.params)).toBe(true)
      expect(timeless(a.history)).toEqual(timeless(b.history))
    }
  })

  it('an optimizer whose initial state does not match its leaves is a Left', () => {
    const broken = slotOptimizer(() => ({ mine: { v: { dense0: { w: Float64Array.of(0) } } } }))
    expectFitError(fit(sequential(layers.dense(1)), reg, opts(broken, 'compiled')), 'optimizer', 'mine', "'mine.v.dense0.b'")
  })
})
