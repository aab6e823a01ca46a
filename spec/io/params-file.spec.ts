import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeValues, encodeValues } from '../../src/io/params-file.js'
import { loadValues, saveValues } from '../../src/node/index.js'
import { dense, evaluateModel, fit, key, layers, sequential, sgd } from '../../src/index.js'
import { loadIrisOrThrow } from '../../src/node/index.js'

const dir = () => mkdtempSync(join(tmpdir(), 'kiln-values-'))
const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]))

describe('values files', () => {
  it('round-trip every float64 bit-identically, NaN, infinities and -0 included', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 20 }), fc.array(fc.double(), { maxLength: 5 }), (w, m) => {
        const v = { params: { d0: { w: Float64Array.from(w) } }, state: { bn: { mean: Float64Array.from(m) } } }
        const back = decodeValues(encodeValues(v))
        return E.isRight(back) && same((back.right.params['d0'] as { w: Float64Array }).w, v.params.d0.w) && same((back.right.state['bn'] as { mean: Float64Array }).mean, v.state.bn.mean)
      }),
      { seed: 11, numRuns: 200 },
    )
  })

  it('name the field that is wrong', () => {
    const bad = decodeValues(JSON.stringify({ format: 'kiln-values', version: 1, params: { w: { values: [1, 'x'] } }, state: {} }), 'm.json')
    expect(E.isLeft(bad) && bad.left.message).toMatch(/m\.json: field 'params\.w\.values\.1' has "x"/)
    const version = decodeValues(JSON.stringify({ format: 'kiln-values', version: 2, params: {}, state: {} }))
    expect(E.isLeft(version) && version.left.message).toMatch(/field 'version'/)
    const notJson = decodeValues('{"format":', 'cut.json')
    expect(E.isLeft(notJson) && notJson.left.message).toMatch(/cut\.json is not JSON/)
  })

  it('write atomically and leave nothing behind on failure', () => {
    const d = dir()
    const missing = join(d, 'no', 'such', 'dir', 'model.json')
    expect(E.isLeft(saveValues(missing, { params: {}, state: {} }))).toBe(true)
    expect(readdirSync(d)).toEqual([])
    const path = join(d, 'model.json')
    writeFileSync(path, 'old')
    expect(saveValues(path, { params: { w: Float64Array.of(1, 2) }, state: {} })).toEqual(E.right(path))
    expect(readdirSync(d)).toEqual(['model.json'])
    expect(E.isLeft(loadValues(join(d, 'absent.json')))).toBe(true)
  })

  it('save a trained model and get the same predictions back (warm start keeps them too)', () => {
    const iris = loadIrisOrThrow()
    const model = sequential(dense(8), layers.tanh(), dense(3))
    const options = { epochs: 5, batchSize: 30, optimizer: sgd(0.1), key: key(3) }
    const r = fit(model, iris, options)
    if (E.isLeft(r)) throw new Error(r.left.message)
    const path = join(dir(), 'iris.json')
    expect(E.isRight(saveValues(path, r.right))).toBe(true)
    const loaded = loadValues(path)
    if (E.isLeft(loaded)) throw new Error(loaded.left.message)
    const before = evaluateModel(r.right, iris)
    const after = evaluateModel({ ...r.right, ...loaded.right }, iris)
    expect(Array.from(after.predictions)).toEqual(Array.from(before.predictions))
    const zeroLr = fit(model, iris, { ...options, epochs: 1, optimizer: sgd(0), initial: loaded.right })
    if (E.isLeft(zeroLr)) throw new Error(zeroLr.left.message)
    expect(Array.from(evaluateModel(zeroLr.right, iris).predictions)).toEqual(Array.from(before.predictions))
    expect(existsSync(path)).toBe(true)
  })
})
