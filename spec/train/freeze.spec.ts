/** Freezing parameters (transfer learning): values, gradients, optimizer state, penalties, bad paths, engines, value transfer. */
import * as E from 'fp-ts/lib/Either.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { grad } from '../../src/grad.js'
import { topoSort } from '../../src/graph.js'
import { loadValues, saveValues } from '../../src/node/index.js'
import { layers } from '../../src/nn/index.js'
import { l2Penalty, meanSquaredError } from '../../src/nn/losses.js'
import { adam, adamw, sgd } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { runStep } from '../../src/run.js'
import { chain, clipByGlobalNorm } from '../../src/nn/transform.js'
import { flattenParams, leafList, type ParamValues, type Tree } from '../../src/nn/tree.js'
import { foldIn, key } from '../../src/random/key.js'
import type { Tensor } from '../../src/tensor.js'
import { fit, type FitOptions } from '../../src/train/fit.js'
import { objectives } from '../../src/train/objective.js'
import { fitStep, trainStep } from '../../src/train/step.js'
import { mergeValues, pickValues, transferValues } from '../../src/train/transfer.js'
import { expectFitError, maxRelErr, right, sameBits, smallFlower } from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'kiln-freeze-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** dense0, batchNorm1, tanh2, dense3, tanh4, dense5: a frozen body (dense0, batchNorm1) and a head. */
const bodyAndHead = () =>
  sequential(layers.dense(6), layers.batchNorm(), layers.tanh(), layers.dense(5), layers.tanh(), layers.dense(2))
const data = smallFlower(40)
// 40 rows in batches of 16: the remainder batch of 8 runs a second step graph, which must freeze too.
const base: FitOptions = { epochs: 4, batchSize: 16, optimizer: adam(0.05), key: key(3) }
const paths = <L>(v: Tree<L>): string[] => flattenParams(v).map(([p]) => p)
const under = (v: ParamValues, prefix: string): ParamValues => pickValues(v, [prefix])
const changed = (a: ParamValues, b: ParamValues): boolean => !sameBits(a, b)

/** The values `fit` starts from without `initial`: the initializers with `foldIn(key, 0)`. */
const start = () => bodyAndHead().init(foldIn(base.key, 0), [base.batchSize, ...data.featureShape])

describe('fit freeze: values', () => {
  it('frozen parameters come back bit-identical; trainable ones change; frozen batch norm keeps updating its running statistics', () => {
    const init = start()
    const initial = { params: init.params, state: init.state }
    for (const optimizer of [adam(0.05), sgd(0.1, { momentum: 0.9, weightDecay: 0.1 }), adamw(0.05, { weightDecay: 0.5 }), chain(clipByGlobalNorm(0.5), sgd(0.3))]) {
      const r = right(fit(bodyAndHead(), data, { ...base, optimizer, initial, freeze: ['dense0', 'batchNorm1'], regularization: { l2: 0.5, l1: 0.1 } }))
      expect(sameBits(under(r.params, 'dense0'), under(initial.params, 'dense0'))).toBe(true)
      expect(sameBits(under(r.params, 'batchNorm1'), under(initial.params, 'batchNorm1'))).toBe(true)
      for (const head of ['dense3', 'dense5']) expect(changed(under(r.params, head), under(initial.params, head)), `${optimizer.name}: ${head}`).toBe(true)
      // The documented choice: running statistics of a frozen batch norm follow the new data (PyTorch train mode).
      expect(changed(r.state, initial.state)).toBe(true)
      expect(paths(r.params)).toEqual(paths(initial.params))
    }
  })

  it('a leaf path freezes that leaf only; a test function freezes like the equivalent list', () => {
    const init = start()
    const initial = { params: init.params, state: init.state }
    const byLeaf = right(fit(bodyAndHead(), data, { ...base, initial, freeze: ['dense3.w'] }))
    expect(sameBits(pickValues(byLeaf.params, ['dense3.w']), pickValues(initial.params, ['dense3.w']))).toBe(true)
    expect(changed(pickValues(byLeaf.params, ['dense3.b']), pickValues(initial.params, ['dense3.b']))).toBe(true)
    const byList = right(fit(bodyAndHead(), data, { ...base, initial, freeze: ['dense0', 'dense3'] }))
    const byTest = right(fit(bodyAndHead(), data, { ...base, initial, freeze: (p) => p.startsWith('dense0.') || p.startsWith('dense3.') }))
    expect(sameBits(byList.params, byTest.params)).toBe(true)
    expect(sameBits(byList.state, byTest.state)).toBe(true)
  })

  it('freezing without initial values freezes the initializers\' values (random features)', () => {
    const init = start()
    const r = right(fit(bodyAndHead(), data, { ...base, freeze: ['dense0', 'dense3'] }))
    expect(sameBits(under(r.params, 'dense0'), under(init.params, 'dense0'))).toBe(true)
    expect(sameBits(under(r.params, 'dense3'), under(init.params, 'dense3'))).toBe(true)
  })

  it('compiled equals the interpreter with freezing, and both keep frozen values bit for bit', () => {
    const init = start()
    const options: FitOptions = { ...base, epochs: 2, initial: { params: init.params, state: init.state }, freeze: ['dense0', 'batchNorm1'], regularization: { l2: 0.01 } }
    const compiled = right(fit(bodyAndHead(), data, options))
    const interpreted = right(fit(bodyAndHead(), data, { ...options, engine: 'interpreter' }))
    expect(maxRelErr(compiled.params, interpreted.params)).toBeLessThan(1e-12)
    expect(maxRelErr(compiled.state, interpreted.state)).toBeLessThan(1e-12)
    for (const r of [compiled, interpreted]) expect(sameBits(under(r.params, 'dense0'), under(init.params, 'dense0'))).toBe(true)
  })

  it('frozen values survive a save / load round trip and a second warm-started fit', () => {
    const first = right(fit(bodyAndHead(), data, base))
    const file = join(tmp, 'body.json')
    expect(E.isRight(saveValues(file, first))).toBe(true)
    const loaded = loadValues(file)
    if (E.isLeft(loaded)) throw new Error(loaded.left.message)
    const second = right(fit(bodyAndHead(), data, { ...base, key: key(9), initial: loaded.right, freeze: ['dense0', 'dense3'] }))
    expect(sameBits(pickValues(second.params, ['dense0', 'dense3']), pickValues(first.params, ['dense0', 'dense3']))).toBe(true)
  })
})

describe('fit freeze: bad paths are a Left', () => {
  const valid = /its parameters are 'dense0\.w', 'dense0\.b', 'batchNorm1\.gamma', 'batchNorm1\.beta', 'dense3\.w', 'dense3\.b', 'dense5\.w', 'dense5\.b'/
  it.each([
    [['dense2'], /'dense2'/],
    [['dense'], /'dense'/],
    [['dense0.x', 'dense9'], /'dense0\.x', 'dense9', which are/],
    [['tanh2'], /'tanh2'/],
  ])('freeze %j names its unknown paths and lists the valid ones', (freeze, named) => {
    expectFitError(fit(bodyAndHead(), data, { ...base, freeze }), 'freeze', named, valid)
  })

  it('an empty path is refused', () => {
    expectFitError(fit(bodyAndHead(), data, { ...base, freeze: [''] }), 'freeze', /non-empty/)
  })

  it('freezing every parameter (by list or by test) leaves nothing to train', () => {
    expectFitError(fit(bodyAndHead(), data, { ...base, freeze: ['dense0', 'batchNorm1', 'dense3', 'dense5'] }), 'freeze', /every parameter/, /nothing would be trained/)
    expectFitError(fit(bodyAndHead(), data, { ...base, freeze: () => true }), 'freeze', /every parameter/)
  })
})

describe('trainStep with a trainable filter: the graph', () => {
  const mlp = () => sequential(layers.dense(4), layers.tanh(), layers.dense(3), layers.tanh(), layers.dense(2))
  const config = { model: mlp(), inputShape: [5, 3], targetShape: [5, 2], loss: meanSquaredError, optimizer: adam(0.1) } as const
  const headOnly = (p: string) => p.startsWith('dense4.')
  const nodesOf = (outputs: readonly Tensor[]) => topoSort(outputs)
  const count = (outputs: readonly Tensor[], op: string) => nodesOf(outputs).filter((t) => t.op === op).length

  it('takes the gradient only with respect to trainable leaves: frozen gradients are not in the step graph', () => {
    const step = trainStep({ ...config, trainable: headOnly })
    expect(paths(step.grads)).toEqual(['dense4.w', 'dense4.b'])
    const all = leafList(step.leaves.params)
    // The gradient of every parameter, built from the same objective (nodes are hash-consed: equal means same).
    const full = new Map(paths(step.leaves.params).map((p, i) => [p, grad(step.objective, all)[i]!]))
    const ids = new Set(nodesOf(step.outputs).map((t) => t.id))
    for (const p of ['dense0.w', 'dense0.b', 'dense2.w', 'dense2.b']) expect(ids.has(full.get(p)!.id), p).toBe(false)
    // The check can fail: the trainable gradients are there.
    for (const p of ['dense4.w', 'dense4.b']) expect(ids.has(full.get(p)!.id), p).toBe(true)
  })

  it('a frozen body costs no backward pass: fewer matmuls than training everything', () => {
    const all = trainStep(config)
    const head = trainStep({ ...config, trainable: headOnly })
    // forward: 3 matmuls; backward: dW for each trainable layer plus the deltas into the layers behind it.
    expect(count(all.outputs, 'matmul')).toBe(3 + 3 + 2)
    expect(count(head.outputs, 'matmul')).toBe(3 + 1)
  })

  it('frozen outputs are the frozen leaves themselves; optimizer state covers trainable parameters only', () => {
    const step = trainStep({ ...config, trainable: headOnly })
    const outs = step.outputs.slice(1, 1 + 6)
    const leaves = leafList(step.leaves.params)
    expect(outs.map((o, i) => o === leaves[i])).toEqual([true, true, true, true, false, false])
    expect(paths(step.leaves.optState)).toEqual(['adam.m.dense4.w', 'adam.m.dense4.b', 'adam.v.dense4.w', 'adam.v.dense4.b'])
    expect(paths(step.init(key(0)).optState)).toEqual(paths(step.leaves.optState))
    const graph = fitStep({ model: mlp(), featureShape: [3], batch: 5, objective: objectives.softmaxCrossEntropy, optimizer: sgd(0.1, { momentum: 0.9 }), trainable: (p) => !p.startsWith('dense0.') })
    expect(paths(graph.leaves.optState)).toEqual(['sgd.momentum.dense2.w', 'sgd.momentum.dense2.b', 'sgd.momentum.dense4.w', 'sgd.momentum.dense4.b'])
    expect(graph.state).toHaveLength(6 + 4)
  })

  it('the penalty sees the trainable parameters only', () => {
    const seen: string[][] = []
    trainStep({ ...config, trainable: headOnly, penalty: (p) => (seen.push(paths(p)), l2Penalty(p, 0.1)) })
    expect(seen).toEqual([['dense4.w', 'dense4.b']])
  })

  it('one SGD step: trainable parameters move exactly as without freezing, frozen ones not at all', () => {
    const free = trainStep({ ...config, optimizer: sgd(0.5) })
    const frozen = trainStep({ ...config, optimizer: sgd(0.5), trainable: headOnly })
    const v = free.init(key(4))
    const feed = { x: Array.from({ length: 15 }, (_, i) => Math.sin(i)), y: Array.from({ length: 10 }, (_, i) => Math.cos(i)), step: 0 }
    const [la, ...na] = runStep(free, free.feed(feed), free.pack(v))
    const [lb, ...nb] = runStep(frozen, frozen.feed(feed), frozen.pack(frozen.init(key(4))))
    const [a, b] = [free.unpack(na), frozen.unpack(nb)]
    expect(la![0]).toBe(lb![0])
    expect(sameBits(under(b.params, 'dense4'), under(a.params, 'dense4'))).toBe(true)
    expect(sameBits(pickValues(b.params, ['dense0', 'dense2']), pickValues(v.params, ['dense0', 'dense2']))).toBe(true)
    expect(changed(pickValues(a.params, ['dense0', 'dense2']), pickValues(v.params, ['dense0', 'dense2']))).toBe(true)
  })
})

describe('moving values between models', () => {
  const bn = () => sequential(layers.dense(6), layers.batchNorm(), layers.relu(), layers.dense(4))
  const newHead = () => sequential(layers.dense(6), layers.batchNorm(), layers.relu(), layers.dense(3))

  it('transferValues takes the listed layers (parameters and state) and keeps the new head', () => {
    const old = bn().init(key(0), [1, 2])
    const trained = { params: old.params, state: { batchNorm1: { mean: Float64Array.of(1, 2, 3, 4, 5, 6), var: new Float64Array(6).fill(2) } } }
    const fresh = newHead().init(key(1), [1, 2])
    const t = transferValues(trained, fresh, ['dense0', 'batchNorm1'])
    expect(sameBits(pickValues(t.params, ['dense0', 'batchNorm1']), pickValues(old.params, ['dense0', 'batchNorm1']))).toBe(true)
    expect(sameBits(under(t.params, 'dense3'), under(fresh.params, 'dense3'))).toBe(true)
    expect(sameBits(t.state, trained.state)).toBe(true)
    // Copies: training on the result cannot write into the trained values.
    expect(t.params.dense0).not.toBe(old.params.dense0)
  })

  it('names a prefix with no values, a path the new model lacks and a size mismatch', () => {
    const old = bn().init(key(0), [1, 2])
    expect(() => pickValues(old.params, ['dense2'])).toThrow(/'dense2' names no values; the paths are 'dense0\.w', 'dense0\.b'/)
    expect(() => mergeValues(newHead().init(key(1), [1, 2]).params, under(old.params, 'dense3'))).toThrow(/'dense3\.w' has 24 values, the new model needs 18/)
    expect(() => mergeValues({ a: Float64Array.of(1) }, { b: Float64Array.of(1) })).toThrow(/'b' is not a path of the new model; its paths are 'a'/)
    expect(() => transferValues(old, newHead().init(key(1), [1, 2]), ['dense3'])).toThrow(/dense3\.w/)
  })
})
