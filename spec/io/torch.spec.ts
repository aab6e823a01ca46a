// PyTorch state dicts (issue 11): the fixtures of spec/fixtures/torch/make.py (torch 1.13, float64,
// eval mode) loaded into the equivalent Kiln models give torch's logits; toTorchStateDict inverts
// fromTorchStateDict; every mismatch is a Left naming the key.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  conv2d, decodeSafetensors, defineLayer, dense, encodeSafetensors, evaluate, flattenParams, fromTorchStateDict, input, key, layers, maxPool2d,
  sequential, toTorchStateDict, variable, zeros, type Layer, type ParamValues, type Safetensors, type TensorEntry,
} from '../../src/index.js'

const FIXTURES = new URL('../fixtures/torch/', import.meta.url)
const fixture = (name: string): Safetensors => {
  const r = decodeSafetensors(new Uint8Array(readFileSync(new URL(name, FIXTURES))), name)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
interface Arr {
  readonly shape: number[]
  readonly values: number[]
}
const predictions = JSON.parse(readFileSync(new URL('predictions.json', FIXTURES), 'utf8')) as {
  mlp: { featureShape: number[]; input: Arr; logits: Arr }
  cnn: { featureShape: number[]; inputNCHW: Arr; logits: Arr }
}

type Values = { readonly params: ParamValues; readonly state: ParamValues }

/** Evaluation-mode forward pass on the reference interpreter. */
const forward = (model: Layer, featureShape: readonly number[], values: Values, x: Float64Array): Float64Array => {
  const shape = [x.length / featureShape.reduce((a, b) => a * b, 1), ...featureShape]
  const leaves = model.leaves(shape)
  const y = model.apply(leaves.params, input('x', shape), { training: false, state: leaves.state }).y
  const bindings = Object.fromEntries([['x', x], ...flattenParams(values.params), ...flattenParams(values.state).map(([k, v]) => [`state.${k}`, v] as const)])
  return evaluate([y], bindings)[0]!
}

/** NCHW to NHWC, as a torch image batch must be before a Kiln model sees it. */
const nhwc = (x: Arr): Float64Array => {
  const [n, c, h, w] = x.shape as [number, number, number, number]
  const out = new Float64Array(x.values.length)
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++)
    out[((b * h + i) * w + j) * c + k] = x.values[((b * c + k) * h + i) * w + j]!
  return out
}

const expectClose = (got: Float64Array, want: readonly number[], rtol = 1e-12) => {
  expect(got.length).toBe(want.length)
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `element ${i}: ${v} vs ${want[i]}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(want[i]!))))
}

const mlp = () => sequential(dense(8), layers.relu(), dense(3))
const cnn = () => sequential(conv2d(2, 3, { padding: 'same' }), layers.relu(), maxPool2d(2), layers.batchNorm(), layers.flatten(), dense(3))

const unwrapE = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

describe('PyTorch fixtures', () => {
  it('the MLP: Linear(4, 8), ReLU, Linear(8, 3) gives torch logits to 1e-12', () => {
    const { featureShape, input: x, logits } = predictions.mlp
    const values = unwrapE(fromTorchStateDict(mlp(), featureShape, fixture('mlp.safetensors').tensors))
    expect(Object.keys(values.params)).toEqual(['dense0', 'dense2'])
    expectClose(forward(mlp(), featureShape, values, Float64Array.from(x.values)), logits.values)
  })

  it('the CNN: conv, ReLU, max pool, BatchNorm2d (running stats), flatten, Linear gives torch logits to 1e-12 (NCHW inputs transposed)', () => {
    const { featureShape, inputNCHW, logits } = predictions.cnn
    const file = fixture('cnn.safetensors')
    expect(file.tensors.get('3.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [], conversion: 'exact' })
    expect(file.metadata).toEqual({ format: 'pt' })
    const values = unwrapE(fromTorchStateDict(cnn(), featureShape, file.tensors))
    expect(Object.keys(values.state)).toEqual(['batchNorm3'])
    expectClose(forward(cnn(), featureShape, values, nhwc(inputNCHW)), logits.values)
  })

  it('without the flatten permutation the CNN would be wrong (the test can fail)', () => {
    const { featureShape, inputNCHW, logits } = predictions.cnn
    const values = unwrapE(fromTorchStateDict(cnn(), featureShape, fixture('cnn.safetensors').tensors))
    const w = (values.params['dense5'] as { w: Float64Array }).w
    const rows = 32
    // Swap rows back to torch's [C, H, W] order: the Kiln model must then disagree with torch.
    const naive = new Float64Array(w.length)
    for (let k = 0; k < rows; k++) for (let o = 0; o < 3; o++) naive[k * 3 + o] = w[(((k % 16) * 2 + Math.floor(k / 16))) * 3 + o]!
    const wrong = forward(cnn(), featureShape, { ...values, params: { ...values.params, dense5: { ...(values.params['dense5'] as object), w: naive } } }, nhwc(inputNCHW))
    expect(Array.from(wrong).some((v, i) => Math.abs(v - logits.values[i]!) > 1e-3)).toBe(true)
  })

  it('toTorchStateDict gives the fixtures back, in torch key order (num_batches_tracked as the float64 scalar 0)', () => {
    for (const [name, model, fs] of [['mlp', mlp(), predictions.mlp.featureShape], ['cnn', cnn(), predictions.cnn.featureShape]] as const) {
      const file = fixture(`${name}.safetensors`)
      const back = toTorchStateDict(model, fs, unwrapE(fromTorchStateDict(model, fs, file.tensors)))
      expect(back.map(([k]) => k)).toEqual([...file.tensors.keys()])
      for (const [k, t] of back) {
        const want = file.tensors.get(k)!
        expect(t.shape).toEqual(want.shape)
        if (k.endsWith('num_batches_tracked')) expect(Array.from(t.values)).toEqual([0])
        else expect(Array.from(t.values)).toEqual(Array.from(want.values))
      }
    }
  })
})

const same = (a: ParamValues, b: ParamValues) => {
  const [x, y] = [flattenParams(a), flattenParams(b)]
  expect(x.map(([k]) => k)).toEqual(y.map(([k]) => k))
  x.forEach(([k, v], i) => expect(Array.from(v), k).toEqual(Array.from(y[i]![1])))
}

describe('fromTorchStateDict and toTorchStateDict', () => {
  const models: [string, () => Layer, number[]][] = [
    ['MLP', mlp, [4]],
    ['a single dense layer (keys without prefix)', () => dense(3), [5]],
    ['dense without bias', () => sequential(dense(3, { bias: false }), layers.tanh()), [2]],
    ['a CNN with 3 channels flattened, then batch norm on the flat features, then dense', () =>
      sequential(conv2d(3, [2, 3], { padding: 'same' }), layers.relu(), layers.flatten(), layers.dropout(0.1), layers.batchNorm(), dense(4)), [5, 4, 2]],
    ['global pooling then dense', () => sequential(conv2d(4, 3), layers.globalAvgPool2d(), dense(2)), [6, 6, 3]],
    ['a flat input reshaped into a one-channel image', () => sequential(layers.reshape([4, 4, 1]), conv2d(2, 3), layers.flatten(), dense(2)), [16]],
  ]
  it.each(models)('are inverses: %s', (_name, make, fs) => {
    const model = make()
    const v = model.init(key(3), [2, ...fs])
    const dict = toTorchStateDict(model, fs, v)
    const back = unwrapE(fromTorchStateDict(model, fs, new Map(dict)))
    same(back.params, v.params)
    same(back.state, v.state)
    // and through a safetensors file
    const file = unwrapE(decodeSafetensors(encodeSafetensors(dict)))
    same(unwrapE(fromTorchStateDict(model, fs, file.tensors)).params, v.params)
  })

  it('lays dense and conv weights out as torch does', () => {
    const conv = sequential(conv2d(2, [1, 2]))
    // Kiln w[i, j, c, f] for kh=1, kw=2, C=1, F=2: [[[[a, b]], [[c, d]]]] -> torch [F, C, kh, kw] = [[[[a, c]]], [[[b, d]]]]
    const dict = toTorchStateDict(conv, [3, 3, 1], { params: { conv2d0: { w: Float64Array.of(1, 2, 3, 4), b: Float64Array.of(0, 0) } }, state: {} })
    expect(dict[0]).toEqual(['0.weight', { shape: [2, 1, 1, 2], values: Float64Array.of(1, 3, 2, 4) }])
  })

  it('imports copies into null-prototype trees, as every tree read from a file', () => {
    const values = mlp().init(key(1), [1, 4])
    const dict = new Map(toTorchStateDict(mlp(), [4], values))
    const { params } = unwrapE(fromTorchStateDict(mlp(), [4], dict))
    expect(Object.getPrototypeOf(params)).toBeNull()
    const b = (params.dense0 as ParamValues).b as Float64Array
    expect(b).not.toBe(dict.get('0.bias')!.values)
    same(params, values.params)
  })

  const dict = () => new Map(toTorchStateDict(mlp(), [4], mlp().init(key(0), [1, 4])))
  const left = (r: E.Either<{ key: string; message: string }, unknown>) => {
    if (E.isRight(r)) throw new Error('expected a Left')
    return r.left
  }
  it('a missing key is a Left naming it, its shape and the keys nobody expects', () => {
    const d = dict()
    const w = d.get('2.weight')!
    d.delete('2.weight')
    d.set('3.weight', w)
    const e = left(fromTorchStateDict(mlp(), [4], d))
    expect(e.key).toBe('2.weight')
    expect(e.message).toBe("fromTorchStateDict: missing '2.weight' of shape [3,8] (dense layer 2 'w'); keys the model does not expect: '3.weight'")
  })

  it('an extra key, a wrong shape and a wrong feature shape are Lefts naming the key and both shapes', () => {
    const d = dict()
    d.set('5.weight', { shape: [1], values: Float64Array.of(1) })
    expect(left(fromTorchStateDict(mlp(), [4], d)).message).toBe("fromTorchStateDict: unexpected key '5.weight'; the model's keys are '0.weight', '0.bias', '2.weight', '2.bias'")
    const e = left(fromTorchStateDict(mlp(), [5], dict()))
    expect(e).toMatchObject({ key: '0.weight', message: "fromTorchStateDict: '0.weight' has shape [8,4], expected [8,5] (dense layer 0 'w')" })
    const t: TensorEntry = { shape: [3], values: new Float64Array(2) }
    expect(left(fromTorchStateDict(mlp(), [4], new Map([...dict(), ['2.bias', t]]))).key).toBe('2.bias')
    expect(left(fromTorchStateDict(mlp(), [3, 3, 3, 3], dict())).message).toMatch(/^fromTorchStateDict: /)
  })

  it('num_batches_tracked is ignored on import whatever its dtype, and only next to a batch norm', () => {
    const model = sequential(dense(2), layers.batchNorm())
    const d = new Map(toTorchStateDict(model, [3], model.init(key(0), [1, 3])))
    d.set('1.num_batches_tracked', { shape: [], values: Float64Array.of(123) })
    expect(E.isRight(fromTorchStateDict(model, [3], d))).toBe(true)
    d.delete('1.num_batches_tracked')
    expect(E.isRight(fromTorchStateDict(model, [3], d))).toBe(true)
    d.set('0.num_batches_tracked', { shape: [], values: Float64Array.of(0) })
    expect(left(fromTorchStateDict(model, [3], d)).key).toBe('0.num_batches_tracked')
  })

  it('a layer with parameters but no mapping is named, with the supported ones', () => {
    const custom = defineLayer('scaleShift', (s) => ({ params: { a: variable([s.at(-1)!], zeros) }, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: x, state: ctx.state }))
    const model = sequential(dense(2), custom)
    const e = left(fromTorchStateDict(model, [3], new Map()))
    expect(e).toEqual({ _tag: 'TorchStateDictError', key: '1.', message: 'fromTorchStateDict: layer 1 (scaleShift) has parameters but no torch mapping; supported: dense, conv2d, batchNorm, and layers without parameters' })
    expect(() => toTorchStateDict(model, [3], model.init(key(0), [1, 3]))).toThrow(/toTorchStateDict: 1\.: layer 1 \(scaleShift\) has parameters but no torch mapping/)
  })

  it('layouts torch cannot express are refused, naming the layer', () => {
    const onImage = sequential(conv2d(2, 3), dense(2))
    expect(left(fromTorchStateDict(onImage, [5, 5, 1], new Map())).message).toMatch(/layer 1 \(dense\) acts on the channels of an NHWC image/)
    const reshaped = sequential(layers.reshape([2, 2, 2]), conv2d(1, 1))
    expect(left(fromTorchStateDict(reshaped, [8], new Map())).message).toMatch(/layer 0 \(reshape\) \[1,8\] -> \[1,2,2,2\]: reshaping features into a multi-channel image/)
  })

  it('toTorchStateDict throws on missing, extra or wrongly sized values', () => {
    const v = mlp().init(key(0), [1, 4])
    expect(() => toTorchStateDict(mlp(), [4], { params: { dense0: v.params['dense0']! }, state: {} })).toThrow("toTorchStateDict: params.dense2.w: expected a Float64Array of 24 values (shape [8,3], dense layer 2 'w'), got none")
    expect(() => toTorchStateDict(mlp(), [4], { params: { ...v.params, extra: Float64Array.of(1) }, state: {} })).toThrow('toTorchStateDict: params.extra: the model has no such parameter')
  })
})

// Kiln to torch: a Kiln-written file loads into torch and gives the same logits (needs Debian's python3-torch).
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0
describe.skipIf(!hasTorch)('a Kiln-written safetensors file in PyTorch (skipped without /usr/bin/python3 and torch)', () => {
  it('load_state_dict of the parsed file gives the Kiln CNN logits', () => {
    const model = cnn()
    const fs = predictions.cnn.featureShape
    const v = model.init(key(9), [2, ...fs])
    const dir = mkdtempSync(join(tmpdir(), 'kiln-torch-'))
    try {
      const path = join(dir, 'cnn.safetensors')
      writeFileSync(path, encodeSafetensors(toTorchStateDict(model, fs, v)))
      const x = predictions.cnn.inputNCHW
      const script = `
import json, struct, sys, torch
from torch import nn
torch.set_default_dtype(torch.float64)
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
header.pop('__metadata__', None)
sd = {k: torch.frombuffer(bytearray(raw[8 + n + e['data_offsets'][0]:8 + n + e['data_offsets'][1]]), dtype=torch.float64).reshape(e['shape']) for k, e in header.items()}
m = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(32, 3))
m.load_state_dict(sd)
m.eval()
x = torch.tensor(json.loads(sys.argv[2])).reshape(${JSON.stringify(x.shape)})
print(json.dumps(m(x).detach().flatten().tolist()))
`
      const r = spawnSync('/usr/bin/python3', ['-c', script, path, JSON.stringify(x.values)], { encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
      expectClose(forward(model, fs, v, nhwc(x)), JSON.parse(r.stdout) as number[])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
