import * as E from 'fp-ts/lib/Either.js'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { adam, batchNorm, dense, flattenParams, flower, key, layers, predict, sequential, sgd, type FitResult } from '../../src/index.js'
import { fit, loadCheckpoint, loadModel, saveCheckpoint, saveModel, saveValues } from '../../src/node/index.js'

const dir = mkdtempSync(join(tmpdir(), 'kiln-model-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const data = flower(key(1), 60)
const options = { batchSize: 20, optimizer: adam(0.01), key: key(0) }
const trained = (epochs = 2): FitResult => {
  const r = fit(sequential(dense(6), batchNorm(), layers.relu(), dense(2)), data, { ...options, epochs })
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

describe('model files on disk', () => {
  it('load without rebuilding, predicting what the trained model predicts; values share one buffer', () => {
    const m = trained()
    const path = join(dir, 'flower.safetensors')
    expect(saveModel(path, m)).toEqual(E.right(path))
    const back = loadModel(path)
    if (E.isLeft(back)) throw new Error(back.left.message)
    expect(Array.from(predict(back.right, data))).toEqual(Array.from(predict(m, data)))
    const buffers = new Set([...flattenParams(back.right.params), ...flattenParams(back.right.state)].map(([, v]) => v.buffer))
    expect(buffers.size).toBe(1)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('write atomically: a failed save leaves the old file and no temporary file', () => {
    const path = join(dir, 'keep.safetensors')
    expect(E.isRight(saveModel(path, trained(1)))).toBe(true)
    const before = loadModel(path)
    const bad = saveModel(path, { ...trained(1), params: { dense0: { w: new Float64Array(1) } } })
    expect(E.isLeft(bad) && bad.left.field).toBe('params.dense0.w')
    const after = loadModel(path)
    expect(E.isRight(before) && E.isRight(after) && Array.from(predict(after.right, data))).toEqual(E.isRight(before) ? Array.from(predict(before.right, data)) : [])
    expect(E.isLeft(saveModel(join(dir, 'no', 'such', 'dir', 'm.safetensors'), trained(1)))).toBe(true)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  it('refuse an old saveValues file with a message saying how to convert it, and files over maxFileBytes', () => {
    const old = join(dir, 'old.json')
    expect(E.isRight(saveValues(old, trained(1)))).toBe(true)
    const r = loadModel(old)
    expect(E.isLeft(r) && [r.left.field, r.left.message]).toEqual(['format', expect.stringMatching(/is a values file written by saveValues .* Convert it: const v = loadValues\(path\)/)])
    const path = join(dir, 'small.safetensors')
    saveModel(path, trained(1))
    const big = loadModel(path, { maxFileBytes: 100 })
    expect(E.isLeft(big) && big.left.message).toMatch(/more than maxFileBytes = 100/)
    writeFileSync(join(dir, 'junk.safetensors'), 'garbage!garbage!')
    expect(E.isLeft(loadModel(join(dir, 'junk.safetensors')))).toBe(true)
    const noFile = loadModel(join(dir, 'missing.safetensors'))
    expect(E.isLeft(noFile) && noFile.left.message).toMatch(/missing\.safetensors/)
  })

  it('a checkpoint file resumes through the path options of kiln/node fit', () => {
    const ckpt = join(dir, 'run.ckpt')
    const straight = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { ...options, optimizer: sgd(0.1, { momentum: 0.9 }), epochs: 5 })
    const first = fit(sequential(dense(4), layers.tanh(), dense(2)), data, {
      ...options, optimizer: sgd(0.1, { momentum: 0.9 }), epochs: 5, checkpoint: { path: ckpt, every: 3 }, onEpochEnd: (r) => (r.epoch === 3 ? 'stop' : undefined),
    })
    expect(E.isRight(first) && first.right.history.length).toBe(3)
    const c = loadCheckpoint(ckpt)
    expect(E.isRight(c) && [c.right.training.epoch, c.right.training.step]).toEqual([3, 9])
    const resumed = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { ...options, optimizer: sgd(0.1, { momentum: 0.9 }), epochs: 5, resume: ckpt })
    if (E.isLeft(straight) || E.isLeft(resumed)) throw new Error('training failed')
    expect(flattenParams(resumed.right.params).every(([p, v], i) => p === flattenParams(straight.right.params)[i]![0] && v.every((x, j) => Object.is(x, flattenParams(straight.right.params)[i]![1][j])))).toBe(true)
  })

  it('name what is wrong with the file options of fit', () => {
    const model = sequential(dense(2))
    const bad = (o: object) => {
      const r = fit(model, data, { ...options, epochs: 1, ...o })
      return E.isLeft(r) ? [r.left.field, r.left.message] : 'trained'
    }
    expect(bad({ checkpoint: { path: '' } })).toEqual(['checkpoint', 'fit: checkpoint.path: expected a file path, got the string ""'])
    expect(bad({ checkpoint: { path: join(dir, 'x.ckpt'), evry: 2 } })).toEqual(['checkpoint', 'fit: checkpoint.evry: unknown option; a checkpoint file takes path and every'])
    expect(bad({ checkpoint: { path: join(dir, 'x.ckpt'), every: 0 } })).toEqual(['checkpoint', expect.stringMatching(/every: expected a positive integer/)])
    expect(bad({ checkpoint: 5 })).toEqual(['checkpoint', expect.stringMatching(/expected \{ path, every \} \(a file\) or \{ save, every \}/)])
    expect(bad({ resume: join(dir, 'missing.ckpt') })).toEqual(['resume', expect.stringMatching(/^fit: resume: loadCheckpoint: .*missing\.ckpt/)])
    const modelOnly = join(dir, 'model-only.safetensors')
    saveModel(modelOnly, trained(1))
    expect(bad({ resume: modelOnly })).toEqual(['resume', expect.stringMatching(/training: this is a model file without the state of a run/)])
  })

  it('saveCheckpoint writes what loadModel reads as a model too', () => {
    const path = join(dir, 'both.ckpt')
    expect(E.isRight(saveCheckpoint(path, trained(1)))).toBe(true)
    expect(E.isRight(loadModel(path))).toBe(true)
    expect(existsSync(path)).toBe(true)
  })
})
