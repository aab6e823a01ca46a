import * as E from 'fp-ts/lib/Either.js'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  adam, avgPool2d, batchNorm, configured, conv2d, decodeCheckpoint, decodeModel, decodeSafetensors, defineLayer, dense, dropout, encodeCheckpoint, encodeModel,
  encodeSafetensors, evaluateModel, fit, fitMinMax, fitStandardizer, flattenParams, globalAvgPool2d, heNormal, initializers, key, layerFromConfig, layers,
  KILN_VERSION, makeDataset, maxPool2d, mul, objectives, predict, sequential, standardize, type Layer, type ModelFileError, type ModelToSave, type ParamValues, type SavedModel,
} from '../../src/index.js'

const rows = (n: number, f: number, seed = 1) => {
  const x = new Float64Array(n * f)
  for (let i = 0; i < x.length; i++) x[i] = 10 * Math.sin(i * 0.37 + seed) + 3
  return makeDataset(x, Float64Array.from({ length: n }, (_, i) => i % 3), [f], ['setosa', 'versicolor', 'virginica'])
}
const sameBits = (a: ParamValues, b: ParamValues) => {
  const [fa, fb] = [flattenParams(a), flattenParams(b)]
  return fa.length === fb.length && fa.every(([p, v], i) => p === fb[i]![0] && v.every((x, j) => Object.is(x, fb[i]![1][j])))
}
const trained = (model: Layer, data = rows(60, 4)) => {
  const r = fit(model, data, { epochs: 2, batchSize: 20, optimizer: adam(0.01), key: key(3) })
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const roundTrip = (m: ModelToSave, options = {}): SavedModel => {
  const bytes = encodeModel(m)
  if (E.isLeft(bytes)) throw new Error(bytes.left.message)
  const back = decodeModel(bytes.right, 'm.safetensors', options)
  if (E.isLeft(back)) throw new Error(back.left.message)
  return back.right
}
const leftOf = (r: E.Either<ModelFileError, unknown>) => (E.isLeft(r) ? r.left : undefined)

describe('model files', () => {
  it('round-trip every built-in layer: architecture, values, state, objective and classes', () => {
    const model = sequential(
      layers.reshape([4, 4, 1]), conv2d(3, 3, { padding: 'same', init: heNormal, activation: 'relu' }), batchNorm({ momentum: 0.8 }), maxPool2d(2),
      conv2d(2, [2, 1], { stride: 1, biasInit: initializers.constant(0.1), bias: true }), avgPool2d(1), globalAvgPool2d(), dense(5, { init: initializers.uniform(-0.5, 0.5) }),
      layers.leakyRelu(0.2), layers.elu(0.7), layers.gelu('none'), dropout(0.25), layers.softplus(), dense(3), layers.linear(),
    )
    const m = trained(model, rows(60, 16))
    const back = roundTrip(m)
    expect(back.model.config).toEqual(model.config)
    expect(sameBits(back.params, m.params)).toBe(true)
    expect(sameBits(back.state, m.state)).toBe(true)
    expect(back.objective).toBe(objectives.softmaxCrossEntropy)
    expect(back.classes).toEqual(['setosa', 'versicolor', 'virginica'])
    expect(back.history?.map((h) => h.trainLoss)).toEqual(m.history.map((h) => h.trainLoss))
    expect(Array.from(predict(back, rows(10, 16, 9)))).toEqual(Array.from(predict(m, rows(10, 16, 9))))
  })

  it('keep the fitted preprocessing and apply it to raw rows', () => {
    const raw = rows(60, 4)
    for (const pre of [fitStandardizer(raw), fitMinMax(raw)]) {
      const m = trained(sequential(dense(4, { activation: 'tanh' }), dense(3)), pre._tag === 'Standardizer' ? standardize(pre)(raw) : raw)
      const back = roundTrip({ ...m, preprocess: pre })
      expect(back.preprocess).toEqual(pre)
      if (pre._tag === 'Standardizer') expect(evaluateModel(back, raw).loss).toBe(evaluateModel(m, standardize(pre)(raw)).loss)
    }
  })

  it('rebuild custom layers from the registry given, and list the known ones otherwise', () => {
    const scale = (k: number) => configured(defineLayer('scale', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: mul(x, k), state: ctx.state })), 'scale', [k])
    const m = trained(sequential(dense(3), scale(2)))
    const bytes = encodeModel(m)
    if (E.isLeft(bytes)) throw new Error(bytes.left.message)
    const missing = leftOf(decodeModel(bytes.right, 'c.safetensors'))
    expect(missing?.field).toBe('architecture')
    expect(missing?.message).toMatch(/architecture\.layers\.1: unknown layer 'scale'; known layers: dense, .*sequential\. A custom layer/)
    const back = decodeModel(bytes.right, 'c.safetensors', { layers: { scale: (k) => scale(k as number) } })
    expect(E.isRight(back) && Array.from(predict(back.right, rows(5, 4)))).toEqual(Array.from(predict(m, rows(5, 4))))
  })

  it('carry a checkpoint: counters, optimizer state, history', () => {
    const m = trained(sequential(dense(3), batchNorm(), dense(3)))
    const bytes = encodeCheckpoint(m)
    if (E.isLeft(bytes)) throw new Error(bytes.left.message)
    const c = decodeCheckpoint(bytes.right)
    if (E.isLeft(c)) throw new Error(c.left.message)
    expect({ ...c.right.training, values: undefined, optState: undefined, history: undefined }).toEqual({ ...m.training, values: undefined, optState: undefined, history: undefined })
    expect(sameBits(c.right.training.optState, m.training.optState)).toBe(true)
    expect(c.right.training.history.map((h) => h.devLoss)).toEqual([NaN, NaN])
    // A model file is not a checkpoint, but a checkpoint is a model file.
    expect(E.isRight(decodeModel(bytes.right))).toBe(true)
    const plain = encodeModel(m)
    expect(E.isRight(plain) && leftOf(decodeCheckpoint(plain.right))?.field).toBe('training')
  })

  describe('refuse bad files, naming the field', () => {
    const m = trained(sequential(dense(3), dense(3)))
    const edited = (edit: (header: Record<string, unknown>, tensors: [string, { shape: readonly number[]; values: Float64Array }][]) => void) => {
      const bytes = encodeModel(m)
      if (E.isLeft(bytes)) throw new Error(bytes.left.message)
      const st = decodeSafetensors(bytes.right)
      if (E.isLeft(st)) throw new Error(st.left.message)
      const header = JSON.parse(st.right.metadata['kiln']!) as Record<string, unknown>
      const tensors = [...st.right.tensors].map(([n, t]) => [n, { shape: t.shape, values: t.values.slice() }] as [string, { shape: readonly number[]; values: Float64Array }])
      edit(header, tensors)
      return decodeModel(encodeSafetensors(tensors, { format: 'kiln-model', kiln: JSON.stringify(header) }), 'bad.safetensors')
    }
    it.each([
      ['a newer version', (h: Record<string, unknown>) => void (h['version'] = 2), 'version', /unknown model file version 2; this Kiln reads version 1/],
      ['an unknown layer', (h: Record<string, unknown>) => void (h['architecture'] = { type: 'sequential', args: [], layers: [{ type: 'dens', args: [3] }] }), 'architecture', /unknown layer 'dens' \(did you mean 'dense'\?\)/],
      ['bad layer arguments', (h: Record<string, unknown>) => void (h['architecture'] = { type: 'sequential', args: [], layers: [{ type: 'dense', args: [-3] }] }), 'architecture', /architecture\.layers\.0 \(dense\): dense: units must be a positive integer, got -3/],
      ['a misspelled option in the architecture', (h: Record<string, unknown>) => void (h['architecture'] = { type: 'dense', args: [3, { bais: false }] }), 'architecture', /bais/],
      ['a wrong field type', (h: Record<string, unknown>) => void (h['classes'] = 'abc'), 'header.classes', /has the string "abc", expected Array<string>/],
      ['an unknown objective', (h: Record<string, unknown>) => void (h['objective'] = 'hinge'), 'objective', /unknown objective 'hinge'; known: softmaxCrossEntropy/],
      ['a feature shape the model refuses', (h: Record<string, unknown>) => void (h['featureShape'] = [5]), 'params.dense0.w', /shape \[4,3\], the architecture says \[5,3\]/],
    ])('%s', (_name, edit, field, message) => {
      const e = leftOf(edited((h) => edit(h)))
      expect(e?.field).toBe(field)
      expect(e?.message).toMatch(message)
    })

    it('tensors that disagree with the architecture', () => {
      expect(leftOf(edited((_h, t) => void t.splice(1, 1)))?.message).toMatch(/params\.dense0\.b: missing; the architecture has it with shape \[3\]/)
      expect(leftOf(edited((_h, t) => void (t[0]![1] = { shape: [3, 4], values: new Float64Array(12) })))?.message).toMatch(/params\.dense0\.w: has shape \[3,4\], the architecture says \[4,3\]/)
      expect(leftOf(edited((_h, t) => void t.push(['params.dense9.w', { shape: [1], values: new Float64Array(1) }])))?.field).toBe('params.dense9.w')
      expect(leftOf(edited((_h, t) => void t.push(['junk', { shape: [1], values: new Float64Array(1) }])))?.message).toMatch(/junk: not part of a model file/)
    })

    it('a NaN where the header says every value is finite', () => {
      const e = leftOf(edited((_h, t) => void (t[1]![1].values[2] = NaN)))
      expect([e?.field, e?.message]).toEqual(['params.dense0.b', expect.stringMatching(/value 2 is NaN, but the header says every value is finite/)])
      // Written with a NaN, the header says so and the file loads.
      expect(E.isRight(edited((h, t) => { t[1]![1].values[2] = NaN; h['finite'] = false }))).toBe(true)
    })

    it('prototype keys in paths and headers pollute nothing', () => {
      const e = leftOf(edited((_h, t) => void t.push(['params.__proto__.polluted', { shape: [1], values: new Float64Array(1) }])))
      expect(e).toBeDefined()
      edited((h) => void (h['notes'] = JSON.parse('{"__proto__": {"polluted": 1}}')))
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    })

    it('not a model file, or an old values file', () => {
      expect(leftOf(decodeModel(encodeSafetensors([['weight', { shape: [1], values: Float64Array.of(1) }]])))?.message).toMatch(/not a Kiln model file .*its tensors include weight/)
      expect(leftOf(decodeModel(new TextEncoder().encode('  {"format":"kiln-values"}'), 'old.json'))?.message).toMatch(/old\.json is a values file written by saveValues.*Convert it/)
      expect(leftOf(decodeModel(new Uint8Array(20), 'zeros.bin'))?.field).toBeDefined()
      expect(leftOf(decodeModel(new Uint8Array(0), 'empty.bin'))?.field).toBeDefined()
    })
  })

  it('refuse to save values that do not fit the model, naming the tensor', () => {
    const m = trained(sequential(dense(3)))
    const short = encodeModel({ ...m, params: { dense0: { w: new Float64Array(2), b: new Float64Array(3) } } })
    expect(leftOf(short)?.message).toMatch(/params\.dense0\.w.*has 2 values, the model's shape \[4,3\] needs 12/)
    expect(leftOf(encodeModel({ ...m, params: { dense0: { b: new Float64Array(3) } } }))?.field).toBe('params.dense0.w')
  })

  it('layer configs rebuild the same layers (every built-in constructor)', () => {
    const all: readonly Layer[] = [
      dense(2, { bias: false, activation: 'sigmoid' }), layers.activation('tanh'), layers.sigmoid(), layers.relu(), layers.softmax(), layers.logSoftmax(),
      layers.flatten(), batchNorm({ eps: 1e-3 }), dropout(0.5), layers.gelu(), layers.elu(), layers.leakyRelu(),
    ]
    for (const l of all) {
      const back = layerFromConfig(l.config!)
      expect(E.isRight(back) && back.right.config).toEqual(l.config)
    }
  })

  it('write the Kiln version, which is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(KILN_VERSION).toBe(pkg.version)
    expect(roundTrip(trained(sequential(dense(3)))).kilnVersion).toBe(pkg.version)
  })
})
