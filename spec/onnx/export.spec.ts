/**
 * `toOnnx` as a boundary: options and graphs it refuses (an `OnnxError` naming the field, no bytes),
 * params as initializers or inputs, output naming, opsets 17-21, and the protobuf bytes read back by an
 * independent wire-format reader.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { toOnnx, type ToOnnxOptions } from '../../src/index.js'
import { encodeOnnxModel } from '../../src/onnx/proto.js'
import { close } from '../compile/arbitraries.js'
import { runBytes, session } from './ort.js'

const x = K.input('x', [2, 3])
const w = K.param('w', [3, 2])
const y = K.tanh(K.matmul(x, w))
const wv = Float64Array.of(0.1, -0.2, 0.3, 0.4, -0.5, 0.6)
const xv = Float64Array.of(1, 2, 3, -1, 0.5, 2)

const fieldOf = (outputs: K.OnnxOutputs, options: unknown): string => {
  const r = toOnnx(outputs, options as ToOnnxOptions)
  return E.isLeft(r) ? r.left.field : 'none'
}

describe('toOnnx refuses what it cannot write, naming the field', () => {
  it('bad options, params and outputs', () => {
    expect(fieldOf(y, {})).toBe('params')
    expect(fieldOf(y, { params: { w: [1, 2] } })).toBe('params.w')
    expect(fieldOf(y, { params: {} })).toBe('params.w')
    expect(fieldOf(y, { params: 'input' })).toBe('params')
    expect(fieldOf(y, { params: 'inputs', opset: 16 })).toBe('opset')
    expect(fieldOf(y, { params: 'inputs', opsett: 18 })).toBe('opsett')
    expect(fieldOf(y, { params: 'inputs', inputs: [w] })).toBe('inputs[0]')
    expect(fieldOf(y, { params: 'inputs', inputs: [] })).toBe('inputs')
    expect(fieldOf(y, { params: 'inputs', fixedInputs: { nope: [1] } })).toBe('fixedInputs.nope')
    expect(fieldOf([y, y], { params: 'inputs', outputNames: ['a', 'a'] })).toBe('outputNames')
    expect(fieldOf({ x: y }, { params: 'inputs' })).toBe('outputNames')
    expect(fieldOf([y, 3 as never], { params: 'inputs' })).toBe('outputs.output1')
    expect(fieldOf([], { params: 'inputs' })).toBe('outputs')
    let ran = false
    const sneaky = Object.defineProperty({}, 'y', { enumerable: true, get: () => ((ran = true), y) })
    expect([fieldOf(sneaky as never, { params: 'inputs' }), ran]).toEqual(['outputs.y', false])
    expect(fieldOf(y, { params: 'inputs', metadata: { a: 1 } })).toBe('metadata.a')
    // 2 GiB of initializers is past protobuf's limit: refused from the shapes, before any value is read
    const huge = toOnnx(K.sum(K.param('w', [2 ** 28])), { params: { w: [] } })
    expect(E.isLeft(huge) && huge.left.message).toMatch(/^toOnnx: params: the tensors to store take 2147483648 bytes; .* params: 'inputs'$/)
    expect(E.isRight(toOnnx(K.sum(K.param('w', [2 ** 28])), { params: 'inputs' }))).toBe(true)
  })
  it("refuses Kiln's random numbers at opset 17 (no bitwise operators), naming the op", () => {
    const r = toOnnx(K.mul(x, K.uniformTensor(K.key(1), [2, 3])), { opset: 17 })
    expect(E.isLeft(r) && r.left.message).toMatch(/^toOnnx: op uniform: .*opset 18; got opset 17/)
  })
})

describe('toOnnx writes what ONNX Runtime runs', () => {
  it('any leaf and output names (unicode, prototype keys, the builder\'s own t0, t1): ONNX Runtime runs the file with them', async () => {
    const name = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 't0', 't1', 'output0', 'x y', '名前'))
    await fc.assert(
      // (an output named __proto__ is valid ONNX, but ONNX Runtime's JavaScript API cannot fetch it: its run
      // builds the fetch list as a plain object; inputs of that name work with a null-prototype feed object)
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 3, maxLength: 3 }).filter(([, , out]) => out !== '__proto__'), async ([a, p, out]) => {
        const xa = K.input(a!, [2])
        const wp = K.param(p!, [2])
        const r = toOnnx({ [out!]: K.add(K.mul(xa, wp), 1) }, { params: 'inputs' })
        if (E.isLeft(r)) throw new Error(r.left.message)
        const got = await runBytes(r.right, { [a!]: Float64Array.of(1, 2), [p!]: Float64Array.of(3, 4) }, { [a!]: [2], [p!]: [2] })
        expect(Array.from(got[0]!)).toEqual([4, 9])
      }),
      { seed: 11, numRuns: 60 },
    )
  })

  it('params as initializers equal params as inputs; outputs by record name; an output that is a leaf', async () => {
    const init = toOnnx({ y, same: x, twice: K.add(y, y) }, { params: { w: wv } })
    const asInputs = toOnnx({ y, same: x, twice: K.add(y, y) }, { params: 'inputs' })
    if (E.isLeft(init) || E.isLeft(asInputs)) throw new Error('export failed')
    const a = await runBytes(init.right, { x: xv }, { x: [2, 3] })
    const b = await runBytes(asInputs.right, { x: xv, w: wv }, { x: [2, 3], w: [3, 2] })
    expect(a).toEqual(b)
    expect(Array.from(a[1]!)).toEqual(Array.from(xv))
    // ONNX Runtime's matmul and tanh round their own way: within 1e-12, not bit for bit
    expect(close(a[0]!, K.evaluate([y], { x: xv, w: wv })[0]!)).toBe(true)
    const s = await session(init.right)
    expect([s.inputNames, s.outputNames]).toEqual([['x'], ['y', 'same', 'twice']])
    await s.release()
  })
  it('every opset from 17 to 21 loads and gives the same values (ReduceMax changes form at 18)', async () => {
    const g = [K.max(K.matmul(x, w), [1]), K.sum(x, [0], true)]
    const runs = await Promise.all([17, 18, 19, 20, 21].map(async (opset) => {
      const r = toOnnx(g, { params: { w: wv }, opset })
      if (E.isLeft(r)) throw new Error(r.left.message)
      return runBytes(r.right, { x: xv }, { x: [2, 3] })
    }))
    for (const r of runs) expect(r).toEqual(runs[0])
  })
  it("Kiln's random numbers, drawn by the exported Threefry, bit for bit (keys as constants and as inputs)", async () => {
    const k = K.input('k', [2])
    const draws = [K.uniformTensor(k, [3, 5]), K.uniformTensor(K.key(7), [1000]), K.uniformTensor(K.key(2 ** 31 + 5), [4])]
    const kv = Float64Array.of(0xdeadbeef, 0xffffffff)
    const want = K.evaluate(draws, { k: kv })
    const r = toOnnx(draws)
    if (E.isLeft(r)) throw new Error(r.left.message)
    const got = await runBytes(r.right, { k: kv }, { k: [2] })
    got.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want[i]!)))
  })
  it('listed inputs the graph does not read stay graph inputs, in the given order', async () => {
    const unused = K.input('unused', [1])
    const r = toOnnx(y, { params: { w: wv }, inputs: [unused, x] })
    if (E.isLeft(r)) throw new Error(r.left.message)
    const s = await session(r.right)
    expect(s.inputNames).toEqual(['unused', 'x'])
    await s.release()
  })
})

/** A protobuf wire-format reader (independent of the writer): fields of one message as [number, value]. */
const fields = (bytes: Uint8Array): [number, bigint | Uint8Array][] => {
  const out: [number, bigint | Uint8Array][] = []
  let i = 0
  const varint = (): bigint => {
    let v = 0n
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[i++]!
      v |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) return v
    }
  }
  while (i < bytes.length) {
    const tag = Number(varint())
    const [field, wire] = [tag >> 3, tag & 7]
    if (wire === 0) out.push([field, varint()])
    else if (wire === 2) {
      const n = Number(varint())
      out.push([field, bytes.subarray(i, i + n)])
      i += n
    } else if (wire === 5) (out.push([field, bytes.subarray(i, i + 4)]), (i += 4))
    else throw new Error(`wire type ${wire}`)
  }
  return out
}
const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array)

describe('the protobuf writer, read back', () => {
  it('ModelProto fields: IR version, producer, graph, opset, metadata; negative int64 as ten bytes', () => {
    const bytes = encodeOnnxModel({
      irVersion: 8, opset: 18, producerName: 'kiln', producerVersion: '1', metadata: [['k', 'v']],
      graph: {
        name: 'g', inputs: [], outputs: [],
        nodes: [{ opType: 'Unsqueeze', inputs: ['a', 'ax'], outputs: ['b'], name: 'n', attributes: [] }],
        initializers: [{ name: 'ax', dims: [1], data: { _tag: 'int64', values: [-1] } }],
      },
    })
    const top = fields(bytes)
    expect(top.map(([f]) => f)).toEqual([1, 2, 3, 7, 8, 14])
    expect(top[0]![1]).toBe(8n)
    expect(text(top[1]![1])).toBe('kiln')
    const opset = fields(top[4]![1] as Uint8Array)
    expect(opset).toEqual([[1, new Uint8Array(0)], [2, 18n]])
    const meta = fields(top[5]![1] as Uint8Array).map(([, v]) => text(v))
    expect(meta).toEqual(['k', 'v'])
    const graph = fields(top[3]![1] as Uint8Array)
    const init = fields(graph.find(([f]) => f === 5)![1] as Uint8Array)
    const packed = init.find(([f]) => f === 7)![1] as Uint8Array
    expect(packed.length).toBe(10)
    expect(fields(Uint8Array.of(8, ...packed))[0]![1]).toBe(2n ** 64n - 1n)
  })
})
