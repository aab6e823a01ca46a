/** Early stopping on the dev loss, restoring the best epoch, and stopping from `onEpochEnd`. */
import { describe, expect, it } from 'vitest'
import type { Dataset } from '../../src/data/dataset.js'
import { layers } from '../../src/nn/index.js'
import { adam, sgd } from '../../src/nn/optim.js'
import { sequential } from '../../src/nn/sequential.js'
import { key } from '../../src/random/key.js'
import { uniform } from '../../src/random/sample.js'
import { fit, type EpochRecord, type FitOptions } from '../../src/train/fit.js'
import { evaluateModel } from '../../src/train/predict.js'
import { blobs, plainMlp, right, sameBits } from './helpers.js'

/** Overlapping blobs with 30% of the labels flipped: a big model memorizes the noise and the dev loss rises. */
const noisy = (n: number, seed: number): Dataset => {
  const d = blobs(n, 2, 2, seed, 2)
  const u = uniform(key(seed + 100), n, 0, 1)
  return { ...d, y: d.y.map((v, i) => (u[i]! < 0.3 ? 1 - v : v)) }
}
const train = noisy(16, 1)
const dev = noisy(100, 2)
const big = () => sequential(layers.dense(32), layers.tanh(), layers.dense(32), layers.tanh(), layers.dense(2))
const base: FitOptions = { epochs: 100, batchSize: 16, optimizer: adam(0.05), key: key(0), dev }

const argminFirst = (xs: readonly number[]): number => xs.reduce((best, x, i) => (x < xs[best]! ? i : best), 0)

describe('fit: early stopping', () => {
  it('stops before `epochs` once the dev loss rises and returns the best epoch\'s parameters', () => {
    const patience = 4
    const r = right(fit(big(), train, { ...base, earlyStopping: { patience } }))
    const devLosses = r.history.map((h) => h.devLoss)
    expect(r.stoppedEarly).toBe(true)
    expect(r.history.length).toBeLessThan(base.epochs)
    expect(r.bestEpoch).toBe(argminFirst(devLosses) + 1)
    expect(r.history.length).toBe(r.bestEpoch + patience)
    // The dev loss did rise after the best epoch.
    expect(devLosses.at(-1)!).toBeGreaterThan(devLosses[r.bestEpoch - 1]!)
    // The returned parameters are the best epoch's: their dev loss is that epoch's history entry.
    expect(evaluateModel(r, dev).loss).toBe(r.history[r.bestEpoch - 1]!.devLoss)
  })

  it('without restoring, the last epoch\'s parameters come back', () => {
    const r = right(fit(big(), train, { ...base, earlyStopping: { patience: 4, restoreBest: false } }))
    expect(r.stoppedEarly).toBe(true)
    expect(r.bestEpoch).toBe(r.history.length)
    expect(evaluateModel(r, dev).loss).toBe(r.history.at(-1)!.devLoss)
    const restored = right(fit(big(), train, { ...base, earlyStopping: { patience: 4 } }))
    expect(sameBits(restored.params, r.params)).toBe(false)
  })

  it('minDelta: improvements smaller than it do not count', () => {
    const r = right(fit(big(), train, { ...base, earlyStopping: { patience: 3, minDelta: 100 } }))
    expect(r.bestEpoch).toBe(1)
    expect(r.history.length).toBe(4)
    expect(evaluateModel(r, dev).loss).toBe(r.history[0]!.devLoss)
  })

  it('without a dev set, it watches the training loss', () => {
    const { dev: _dev, ...noDev } = base
    // A falling training loss never stops; the best epoch is the last.
    const easy = right(fit(plainMlp(4, 2), blobs(16, 2, 2, 5), { ...noDev, epochs: 8, optimizer: adam(0.01), earlyStopping: { patience: 2 } }))
    easy.history.slice(1).forEach((h, i) => expect(h.trainLoss).toBeLessThan(easy.history[i]!.trainLoss))
    expect(easy.stoppedEarly).toBe(false)
    expect(easy.bestEpoch).toBe(8)
    // A bumpy one (mini-batches, high rate): the best epoch is the lowest training loss.
    const bumpy = right(fit(big(), train, { ...noDev, batchSize: 4, optimizer: adam(0.2), epochs: 40, earlyStopping: { patience: 2 } }))
    const losses = bumpy.history.map((h) => h.trainLoss)
    expect(bumpy.bestEpoch).toBe(argminFirst(losses) + 1)
    expect(bumpy.stoppedEarly).toBe(true)
    expect(bumpy.history.length).toBe(bumpy.bestEpoch + 2)
  })

  it('the same run without early stopping runs every epoch', () => {
    const r = right(fit(big(), train, { ...base, epochs: 12 }))
    expect(r.history.length).toBe(12)
    expect(r.stoppedEarly).toBe(false)
    expect(r.bestEpoch).toBe(12)
  })
})

describe('fit: onEpochEnd', () => {
  it("returning 'stop' ends training; every call sees the history up to its record", () => {
    const seen: { record: EpochRecord; history: EpochRecord[] }[] = []
    const r = right(
      fit(plainMlp(4, 2), train, {
        epochs: 10,
        batchSize: 4,
        optimizer: sgd(0.1),
        key: key(1),
        dev,
        onEpochEnd: (record, history) => {
          seen.push({ record, history: [...history] })
          return record.epoch === 3 ? 'stop' : undefined
        },
      }),
    )
    expect(r.history.length).toBe(3)
    expect(seen.map((s) => s.record.epoch)).toEqual([1, 2, 3])
    seen.forEach((s, i) => {
      expect(s.history.length).toBe(i + 1)
      expect(s.history.at(-1)).toBe(s.record)
      expect(s.history).toEqual(r.history.slice(0, i + 1))
    })
    expect(Number.isFinite(seen[0]!.record.devLoss)).toBe(true)
  })
})
