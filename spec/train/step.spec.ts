import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { leavesOf, topoSort } from '../../src/graph.js'
import { key } from '../../src/random/key.js'
import { input } from '../../src/make.js'
import { layers, l2Penalty, sequential, softmaxCrossEntropy, adam, sgd, meanSquaredError } from '../../src/nn/index.js'
import { bindValues, flattenParams } from '../../src/nn/tree.js'
import { runStep, stepRunner } from '../../src/run.js'
import { trainStep } from '../../src/train/step.js'
import { values } from '../nn/helpers.js'

// three Gaussian-ish blobs in the plane, 8 points each
const N = 24
const centers = [[2, 0], [-1, 1.7], [-1, -1.7]]
const noise = values(41, [N, 2], -0.6, 0.6)
const X = Float64Array.from({ length: 2 * N }, (_, k) => centers[Math.floor(k / 2) % 3]![k % 2]! + noise[k]!)
const Y = Array.from({ length: N }, (_, i) => i % 3)

describe('a full training step is one graph', () => {
  it('MLP + softmax cross-entropy + Adam: one evaluate per step, loss decreases over 20 steps', () => {
    const model = sequential(layers.dense(16, { activation: 'tanh' }), layers.dense(3))
    const step = trainStep({ model, inputShape: [N, 2], targetShape: [N], loss: softmaxCrossEntropy, optimizer: adam(0.05) })
    // the graph's leaves are exactly the data, the step counter, the parameters and the optimizer state
    const leafNames = [...leavesOf(topoSort(step.outputs)).keys()].sort()
    const paramNames = ['dense0.w', 'dense0.b', 'dense1.w', 'dense1.b']
    expect(leafNames).toEqual(['x', 'y', 'step', ...paramNames, ...paramNames.flatMap((p) => [`adam.m.${p}`, `adam.v.${p}`])].sort())
    expect(step.outputs).toHaveLength(1 + 4 + 8)

    let s = step.pack(step.init(key(0)))
    const losses: number[] = []
    for (let t = 0; t < 20; t++) {
      const [loss, ...next] = runStep(step, step.feed({ x: X, y: Y, step: t }), s)
      losses.push(loss![0]!)
      s = next
    }
    const v = step.unpack(s)
    expect(losses.every(Number.isFinite)).toBe(true)
    expect(losses[19]!).toBeLessThan(0.3 * losses[0]!)
    // mostly monotone: at most a few small upticks
    expect(losses.slice(1).filter((l, i) => l > losses[i]!).length).toBeLessThanOrEqual(3)
    expect(flattenParams(v.optState).map(([k]) => k)).toEqual(paramNames.flatMap((p) => [`adam.m.${p}`])
      .concat(paramNames.map((p) => `adam.v.${p}`)))
  })

  it('with batch norm, dropout and an L2 penalty: state flows back, keys give fresh masks', () => {
    const model = sequential(layers.dense(12), layers.batchNorm(), layers.relu(), layers.dropout(0.2), layers.dense(3))
    const step = trainStep({
      model,
      inputShape: [N, 2],
      targetShape: [N],
      loss: softmaxCrossEntropy,
      optimizer: adam(0.03),
      penalty: (p) => l2Penalty(p, 1e-3, { excludeBiases: true }),
    })
    let s = step.pack(step.init(key(1)))
    expect(() => step.feed({ x: X, y: Y, step: 0 })).toThrow('trainStep: key: the model draws random numbers (dropout) in training; pass a fresh key in each feed')
    // the compiled runner and the interpreter agree step by step
    const compiled = stepRunner(step, 'compiled')
    const losses: number[] = []
    for (let t = 0; t < 20; t++) {
      const inputs = step.feed({ x: X, y: Y, step: t, key: key(100 + t) })
      const [loss, ...next] = runStep(step, inputs, s)
      const outs = step.outputs.map((o) => new Float64Array(o.shape.reduce((a, b) => a * b, 1)))
      compiled.run(inputs, s, outs)
      expect(Math.abs(outs[0]![0]! - loss![0]!)).toBeLessThan(1e-12)
      losses.push(loss![0]!)
      s = next
    }
    const v = step.unpack(s)
    expect(losses[19]!).toBeLessThan(0.6 * losses[0]!)
    const mean = Array.from((v.state.batchNorm1 as Record<string, Float64Array>).mean!)
    expect(mean.some((m) => m !== 0)).toBe(true)

    // evaluation-mode predictions with the learned running statistics classify the training set
    const leaves = model.leaves([N, 2])
    const logits = model.apply(leaves.params, input('x', [N, 2]), { training: false, state: leaves.state }).y
    const [z] = evaluate([logits], { ...bindValues(leaves.params, v.params), ...bindValues(leaves.state, v.state), x: X })
    const correct = Y.filter((c, i) => [0, 1, 2].reduce((b, k) => (z![i * 3 + k]! > z![i * 3 + b]! ? k : b), 0) === c).length
    expect(correct / N).toBeGreaterThan(0.8)
  })

  it('the reported loss excludes the penalty; the objective includes it', () => {
    const model = sequential(layers.dense(1))
    const base = { model, inputShape: [4, 1] as const, targetShape: [4, 1] as const, loss: meanSquaredError, optimizer: sgd(0.1) }
    const plain = trainStep(base)
    const pen = trainStep({ ...base, penalty: (p) => l2Penalty(p, 10) })
    const v = plain.pack(plain.init(key(2)))
    const feed = { x: [1, 2, 3, 4], y: [0, 0, 0, 0], step: 0 }
    const [a] = runStep(plain, plain.feed(feed), v)
    const [b, obj] = runStep({ ...pen, outputs: [pen.outputs[0]!, pen.objective] }, pen.feed(feed), v)
    expect(b).toEqual(a)
    expect(obj![0]).toBeGreaterThan(a![0]!)
  })

  it('values that do not match the model are a clear error', () => {
    const step = trainStep({ model: sequential(layers.dense(2)), inputShape: [3, 4], targetShape: [3], loss: softmaxCrossEntropy, optimizer: adam(0.1) })
    const v = step.init(key(0))
    const { dense0: _d, ...noDense } = v.params
    expect(() => step.pack({ ...v, params: noDense })).toThrow(/trainStep params: missing entry 'dense0'/)
    const wrong = { ...v, optState: { adam: { m: { dense0: { w: new Float64Array(8), b: new Float64Array(3) } }, v: (v.optState.adam as Record<string, never>).v } } }
    expect(() => step.pack(wrong)).toThrow(/trainStep optimizer state: the value at 'adam\.m\.dense0\.b' has 3 elements, its shape \[2\] needs 2/)
    expect(() => step.unpack([new Float64Array(8)])).toThrow('trainStep: state: expected 6 arrays, got 1')
  })

  it('a misspelled, missing or wrongly typed config field names itself before anything is built', () => {
    const base = { model: sequential(layers.dense(1)), inputShape: [4, 2], targetShape: [4, 1], loss: meanSquaredError, optimizer: adam(0.1) }
    expect(() => trainStep({ ...base, trainabel: () => true } as never)).toThrow("trainStep: trainabel: unknown option; did you mean 'trainable'?")
    const { optimizer: _o, ...noOptimizer } = base
    expect(() => trainStep(noOptimizer as never)).toThrow('trainStep: optimizer: missing; it is required')
    expect(() => trainStep({ ...base, loss: 'mse' } as never)).toThrow('trainStep: loss: expected a function, got the string "mse"')
  })
})
