import { describe, expect, it } from 'vitest'
import {
  adam, adamw, batchNorm, chain, cosineDecay, dense, dropout, emaParams, fit, flattenParams, key, layers, makeDataset, rmsprop, sequential, sgd, stepDecay,
  type Checkpoint, type FitOptions, type FitResult, type Layer, type ParamValues,
} from '../../src/index.js'

// 90 rows of 3 features, 3 classes; a remainder batch of 90 % 16 = 10 rows every epoch.
const data = (() => {
  const n = 90
  const x = new Float64Array(n * 3)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) x[i * 3 + j] = Math.sin(i * 1.7 + j * 2.3) + 0.1 * j
    y[i] = (i * 7) % 3
  }
  return makeDataset(x, y, [3], ['a', 'b', 'c'])
})()
const dev = makeDataset(data.x.slice(0, 30 * 3), data.y.slice(0, 30), [3], ['a', 'b', 'c'])

const sameBits = (a: ParamValues, b: ParamValues): boolean => {
  const [fa, fb] = [flattenParams(a), flattenParams(b)]
  return fa.length === fb.length && fa.every(([p, v], i) => p === fb[i]![0] && v.length === fb[i]![1].length && v.every((x, j) => Object.is(x, fb[i]![1][j])))
}
const withoutSeconds = (r: FitResult) => r.history.map(({ seconds: _, ...rest }) => rest)

const run = (model: Layer, options: FitOptions): FitResult => {
  const r = fit(model, data, options)
  if (r._tag === 'Left') throw new Error(r.left.message)
  return r.right
}

/** Trains `total` epochs straight, and `cut` epochs stopped by onEpochEnd then resumed from the saved checkpoint. */
const straightAndResumed = (model: () => Layer, options: Omit<FitOptions, 'epochs'>, total: number, cut: number) => {
  const straight = run(model(), { ...options, epochs: total })
  let saved: Checkpoint | undefined
  const first = run(model(), {
    ...options, epochs: total,
    checkpoint: { save: (c) => void (saved = c) },
    onEpochEnd: (r) => (r.epoch === cut ? 'stop' : undefined),
  })
  expect(first.history.length).toBe(Math.min(cut, straight.history.length))
  if (saved === undefined) throw new Error('no checkpoint was saved')
  const resumed = run(model(), { ...options, epochs: total, resume: saved })
  return { straight, resumed, saved }
}

const mlp = () => sequential(dense(8, { activation: 'tanh' }), dense(3))
const base = { batchSize: 16, key: key(7) }

const cases: readonly (readonly [string, () => Layer, Omit<FitOptions, 'epochs'>])[] = [
  ['SGD, shuffled', mlp, { ...base, optimizer: sgd(0.1) }],
  ['SGD, not shuffled', mlp, { ...base, optimizer: sgd(0.1), shuffle: false }],
  ['momentum', mlp, { ...base, optimizer: sgd(0.05, { momentum: 0.9 }) }],
  ['Nesterov', mlp, { ...base, optimizer: sgd(0.05, { momentum: 0.9, nesterov: true }) }],
  ['RMSprop', mlp, { ...base, optimizer: rmsprop(0.01) }],
  ['Adam', mlp, { ...base, optimizer: adam(0.01) }],
  ['AdamW', mlp, { ...base, optimizer: adamw(0.01, { weightDecay: 0.01 }) }],
  ['dropout', () => sequential(dense(8, { activation: 'relu' }), dropout(0.3), dense(3)), { ...base, optimizer: adam(0.01) }],
  ['batch norm', () => sequential(dense(8), batchNorm(), layers.relu(), dense(3)), { ...base, optimizer: adam(0.01) }],
  ['step decay', mlp, { ...base, optimizer: sgd(stepDecay(0.2, 7, 0.5)) }],
  ['cosine decay', mlp, { ...base, optimizer: adam(cosineDecay(0.02, 30)) }],
  ['emaParams', mlp, { ...base, optimizer: chain(adam(0.01), emaParams(0.9)) }],
  ['L2 and a dev set', mlp, { ...base, optimizer: adam(0.01), regularization: { l2: 0.01 }, dev }],
]

describe('resume from a checkpoint', () => {
  it.each(cases)('%s: 2 epochs + resume to 5 is bit-identical to 5 epochs straight', (_name, model, options) => {
    const { straight, resumed, saved } = straightAndResumed(model, options, 5, 2)
    expect(saved.training.epoch).toBe(2)
    expect(sameBits(resumed.params, straight.params)).toBe(true)
    expect(sameBits(resumed.state, straight.state)).toBe(true)
    expect(sameBits(resumed.training.optState, straight.training.optState)).toBe(true)
    expect(resumed.training.step).toBe(straight.training.step)
    expect(withoutSeconds(resumed)).toEqual(withoutSeconds(straight))
    expect(resumed.bestEpoch).toBe(straight.bestEpoch)
  })

  it('returns the EMA parameters when emaParams is in the chain, and the optimizer state always', () => {
    const r = run(mlp(), { ...base, epochs: 2, optimizer: chain(adam(0.01), emaParams(0.9)) })
    expect(r.ema === undefined ? [] : flattenParams(r.ema).map(([p]) => p)).toEqual(['dense0.w', 'dense0.b', 'dense1.w', 'dense1.b'])
    expect(sameBits(r.ema!, r.params)).toBe(false)
    const plain = run(mlp(), { ...base, epochs: 1, optimizer: adam(0.01) })
    expect(plain.ema).toBeUndefined()
    expect(Object.keys(plain.training.optState)).toEqual(['adam'])
  })

  describe('early stopping', () => {
    // A high learning rate makes the dev loss turn up early, so patience runs out within 12 epochs.
    const options = { ...base, optimizer: sgd(1.5), dev, earlyStopping: { patience: 2 } }
    const straight = run(mlp(), { ...options, epochs: 12 })

    it('stops early in the uninterrupted run (the premise of the cases below)', () => {
      expect(straight.stoppedEarly).toBe(true)
      expect(straight.bestEpoch).toBeLessThan(straight.history.length)
    })

    it.each([
      ['before the best epoch', () => 1],
      ['after the best epoch', () => straight.bestEpoch + 1],
      ['at the end, once patience ran out', () => straight.history.length],
    ])('interrupted %s, resumes to the same result', (_name, cutAt) => {
      const cut = cutAt()
      const { resumed, saved } = straightAndResumed(mlp, options, 12, cut)
      expect(saved.training.epoch).toBe(cut)
      expect(sameBits(resumed.params, straight.params)).toBe(true)
      expect(resumed.bestEpoch).toBe(straight.bestEpoch)
      expect(resumed.stoppedEarly).toBe(true)
      expect(withoutSeconds(resumed)).toEqual(withoutSeconds(straight))
    })
  })

  it('writes a checkpoint every `every` epochs and after the last', () => {
    const epochs: number[] = []
    run(mlp(), { ...base, epochs: 5, optimizer: sgd(0.1), checkpoint: { every: 2, save: (c) => void epochs.push(c.training.epoch) } })
    expect(epochs).toEqual([2, 4, 5])
  })

  it('stops with a Left on checkpoint when saving fails, naming the epoch', () => {
    const r = fit(mlp(), data, { ...base, epochs: 3, optimizer: sgd(0.1), checkpoint: { save: () => ({ _tag: 'Left', left: { message: 'disk full' } }) } })
    expect(r._tag === 'Left' && [r.left.field, r.left.message]).toEqual(['checkpoint', expect.stringMatching(/epoch 1 failed.*disk full/)])
  })

  it('refuses a resume that could not continue the same run, naming what differs', () => {
    const first = run(mlp(), { ...base, epochs: 2, optimizer: adam(0.01) })
    const again = (o: Partial<FitOptions>, model: Layer = mlp()) => {
      const r = fit(model, data, { ...base, epochs: 4, optimizer: adam(0.01), resume: first, ...o })
      return r._tag === 'Left' ? r.left.message : 'trained'
    }
    expect(again({})).toBe('trained')
    expect(again({ key: key(8) })).toMatch(/resume: the checkpoint was trained with key \[.*\], the options say/)
    expect(again({ batchSize: 15 })).toMatch(/batchSize 16, the options say 15/)
    expect(again({ shuffle: false })).toMatch(/shuffle true, the options say false/)
    expect(again({ optimizer: sgd(0.1) })).toMatch(/the optimizer "adam", the options say "sgd"/)
    expect(again({}, sequential(dense(9, { activation: 'tanh' }), dense(3)))).toMatch(/an architecture/)
    expect(again({ epochs: 2 })).toMatch(/epochs: the checkpoint has finished 2 epoch\(s\) and epochs is 2/)
    expect(again({ initial: { params: first.params } })).toMatch(/give either initial values or resume/)
    expect(again({ resume: { ...first, training: { ...first.training, optState: {} } } })).toMatch(/resume: the checkpoint's optimizer state does not fit/)
  })
})
