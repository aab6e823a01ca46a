import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'

const { fit, sequential, dense, layers, key, flower, sgd, adam, unwrap } = K

const data = flower(key(1), 40)
const model = () => sequential(dense(6), layers.tanh(), dense(2))
const base = { epochs: 3, batchSize: 10, optimizer: adam(0.02), key: key(4) }

describe('fit: augment', () => {
  it('trains on the transformed batches: negating every batch equals training on the negated data', () => {
    const negate: K.BatchTransform = (b) => ({ ...b, x: b.x.map((v) => -v) })
    const a = unwrap(fit(model(), data, { ...base, augment: negate }))
    const b = unwrap(fit(model(), { ...data, x: data.x.map((v) => -v) }, base))
    expect(a.params).toEqual(b.params)
  })

  it('gives each step its own key (reproducible, resumable) and leaves dev evaluation alone', () => {
    const seen: string[] = []
    const spy: K.BatchTransform = (b, k) => {
      seen.push(`${k.k0},${k.k1}`)
      return { ...b, x: b.x.map((v) => v + 0.01 * K.uniform(k, 1)[0]!) }
    }
    const full = unwrap(fit(model(), data, { ...base, augment: spy, dev: data }))
    expect(new Set(seen).size).toBe(12)
    const half = unwrap(fit(model(), data, { ...base, epochs: 1, augment: spy }))
    const resumed = unwrap(fit(model(), data, { ...base, augment: spy, resume: half }))
    expect(resumed.params).toEqual(full.params)
    const plain = unwrap(fit(model(), data, { ...base, dev: data }))
    expect(full.history[0]!.devLoss).not.toBe(plain.history[0]!.devLoss)
    expect(K.evaluateModel(full, data).loss).toBe(full.history[2]!.devLoss)
  })

  it('refuses a transform that changes the batch size, naming augment', () => {
    const bad: K.BatchTransform = (b) => ({ ...b, x: b.x.subarray(1) })
    expect(() => fit(model(), data, { ...base, augment: bad })).toThrow(/fit: augment must return a batch of the same size/)
    const r = fit(model(), data, { ...base, augment: 3 as never })
    expect(r._tag === 'Left' && r.left.field).toBe('augment')
  })
})

describe('fit: steps', () => {
  it('records every N steps with the loss, the learning rate of the schedule, and stops on request', () => {
    const opt = sgd(K.perEpoch(K.inverseTimeDecay(0.5, 1), 4))
    const records: K.StepRecord[] = []
    const r = unwrap(fit(model(), data, { ...base, optimizer: opt, steps: { every: 3, onStep: (s) => void records.push(s) } }))
    expect(r.steps!.map((s) => s.step)).toEqual([3, 6, 9, 12])
    expect(records).toEqual(r.steps)
    expect(r.steps!.map((s) => s.learningRate)).toEqual([0.5, 0.25, 0.5 / 3, 0.5 / 3])
    expect(r.steps!.map((s) => [s.epoch, s.batch])).toEqual([[1, 3], [2, 2], [3, 1], [3, 4]])
    const stopped = unwrap(fit(model(), data, { ...base, steps: { onStep: (s) => (s.step === 6 ? 'stop' : undefined) } }))
    expect(stopped.history).toHaveLength(2)
    expect(stopped.training.step).toBe(6)
    expect(stopped.stoppedEarly).toBe(true)
  })

  it('measures the gradient the step applies: for plain SGD, |p1 - p0| / lr', () => {
    const m = model()
    const lr = 0.1
    const r = unwrap(fit(m, data, { epochs: 1, batchSize: 40, optimizer: sgd(lr), key: key(2), steps: { gradientNorms: true } }))
    const p0 = m.init(K.foldIn(key(2), 0), [40, 2]).params
    const delta = (path: string) => {
      const [a, b] = [K.flattenParams(p0), K.flattenParams(r.params)].map((t) => t.filter(([p]) => p.startsWith(path)).flatMap(([, v]) => Array.from(v)))
      return Math.sqrt(a!.reduce((s, v, i) => s + (v - b![i]!) ** 2, 0)) / lr
    }
    const rec = r.steps![0]!
    expect(Object.keys(rec.layerGradientNorms!)).toEqual(['dense0', 'dense2'])
    expect(rec.layerGradientNorms!.dense0!).toBeCloseTo(delta('dense0'), 12)
    expect(rec.layerGradientNorms!.dense2!).toBeCloseTo(delta('dense2'), 12)
    expect(rec.gradientNorm!).toBeCloseTo(Math.hypot(delta('dense0'), delta('dense2')), 12)
    expect(rec.learningRate).toBe(lr)
  })
})

describe('fit: checkLogits', () => {
  it('refuses a final softmax or sigmoid before a loss on logits, naming the layer; allows logSoftmax and the opt-out', () => {
    const r = fit(sequential(dense(2), layers.softmax()), data, base)
    expect(r._tag === 'Left' && r.left.field).toBe('loss')
    expect(r._tag === 'Left' && r.left.message).toMatch(/the model ends in softmax \(layer 'activation'\), but softmaxCrossEntropy takes logits/)
    const named = fit(sequential(dense(1), K.named(layers.sigmoid(), 'prob')), data, { ...base, loss: 'binaryCrossEntropyWithLogits' })
    expect(named._tag === 'Left' && named.left.message).toMatch(/ends in sigmoid \(layer 'prob'\)/)
    const dense1 = fit(sequential(dense(2, { activation: 'softmax' }), layers.dropout(0.1)), data, base)
    expect(dense1._tag).toBe('Left')
    expect(fit(sequential(dense(2), layers.logSoftmax()), data, base)._tag).toBe('Right')
    expect(fit(sequential(dense(2), layers.softmax()), data, { ...base, checkLogits: false })._tag).toBe('Right')
    const x = K.modelInput([2])
    expect(fit(K.functional(x, K.connect(x, dense(2), layers.softmax())), data, base)._tag).toBe('Left')
  })
})
