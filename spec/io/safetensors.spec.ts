// safetensors (issue 11): bit-identical round trips, a reader written apart from Kiln's (DataView and
// JSON.parse, below), every dtype of a file written by an independent writer (make.py), and hostile
// files refused by a Left that names the field before anything large is allocated.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  ArgumentError, decodeSafetensors, encodeSafetensors, f64Bytes, SAFETENSORS_DTYPE_BYTES, safetensorsLayout, type SafetensorsError, type Safetensors,
  type TensorEntry,
} from '../../src/index.js'
import { bf16ToNumber, f16ToNumber } from '../../src/io/dtypes.js'

const FIXTURES = new URL('../fixtures/torch/', import.meta.url)
const bitsOf = (v: Float64Array): number[] => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))

const right = (r: E.Either<SafetensorsError, Safetensors>): Safetensors => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const left = (r: E.Either<SafetensorsError, Safetensors>): SafetensorsError => {
  if (E.isRight(r)) throw new Error('expected a Left')
  return r.left
}

/** An arbitrary tensor list: unique names (any Unicode, `__proto__` and integer-like ones included), shapes with zeros, any doubles. */
const tensorsArb = fc
  .uniqueArray(fc.oneof(fc.string({ minLength: 1, unit: 'binary' }), fc.constantFrom('__proto__', 'constructor', '0', '12', 'dense0.w')), { maxLength: 6 })
  .map((names) => names.filter((n) => n !== '__metadata__'))
  .chain((names) =>
    fc.tuple(
      ...names.map((name) =>
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) =>
          fc.array(fc.double(), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
            .map((v): readonly [string, TensorEntry] => [name, { shape, values: Float64Array.from(v) }]),
        ),
      ),
    ),
  )

describe('safetensors round trip', () => {
  it('write then read is bit-identical (-0, infinities, subnormals, NaN), names and metadata included', () => {
    fc.assert(
      fc.property(tensorsArb, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata)
        expect(bytes.length % 8).toBe(0)
        const back = right(decodeSafetensors(bytes))
        expect(back.tensors.size).toBe(tensors.length)
        for (const [name, t] of tensors) {
          const got = back.tensors.get(name)!
          expect(got.shape).toEqual(t.shape)
          expect(got.dtype).toBe('F64')
          expect(got.conversion).toBe('none')
          expect(bitsOf(got.values)).toEqual(bitsOf(t.values))
        }
        expect({ ...back.metadata }).toEqual({ ...metadata })
      }),
      { seed: 1101, numRuns: 300 },
    )
  })

  it('keeps the caller order in the file, and reads tensors back in file order', () => {
    const t = (v: number): TensorEntry => ({ shape: [1], values: Float64Array.of(v) })
    const names = ['z', 'b', '10', '2', 'a']
    const back = right(decodeSafetensors(encodeSafetensors(names.map((n, i) => [n, t(i)]))))
    expect([...back.tensors.keys()]).toEqual(names)
  })

  it('the header and the streamed tensor bytes are exactly the encoded file', () => {
    fc.assert(
      fc.property(tensorsArb, (tensors) => {
        const { header, dataBytes } = safetensorsLayout(tensors, { a: 'b' })
        const parts = [header, ...tensors.map(([, t]) => f64Bytes(t.values))]
        const streamed = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
        parts.reduce((at, p) => (streamed.set(p, at), at + p.length), 0)
        expect(streamed.length).toBe(header.length + dataBytes)
        expect(streamed).toEqual(encodeSafetensors(tensors, { a: 'b' }))
      }),
      { seed: 1102, numRuns: 100 },
    )
  })

  it('an independent reader (DataView and JSON.parse) reads what Kiln wrote', () => {
    const tensors: [string, TensorEntry][] = [['w', { shape: [2, 3], values: Float64Array.of(1.5, -0, Infinity, 5e-324, -2, Math.PI) }], ['s', { shape: [], values: Float64Array.of(NaN) }]]
    const bytes = encodeSafetensors(tensors, { format: 'pt' })
    const dv = new DataView(bytes.buffer, bytes.byteOffset)
    const n = Number(dv.getBigUint64(0, true))
    expect((8 + n) % 8).toBe(0)
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      w: { dtype: 'F64', shape: [2, 3], data_offsets: [0, 48] },
      s: { dtype: 'F64', shape: [], data_offsets: [48, 56] },
    })
    const read = (name: string) => {
      const [b, e] = header[name]!.data_offsets
      return Array.from({ length: (e - b) / 8 }, (_, i) => dv.getFloat64(8 + n + b + 8 * i, true))
    }
    expect(read('w')).toEqual([1.5, -0, Infinity, 5e-324, -2, Math.PI])
    expect(Object.is(read('w')[1], -0)).toBe(true)
    expect(read('s')).toEqual([NaN])
    expect(bytes.length).toBe(8 + n + 56)
  })

  it('F64 tensors are views of the input when aligned (they alias it), copies otherwise, equal either way', () => {
    const bytes = encodeSafetensors([['a', { shape: [2], values: Float64Array.of(1, 2) }], ['b', { shape: [1], values: Float64Array.of(3) }]])
    const view = right(decodeSafetensors(bytes))
    expect(view.tensors.get('a')!.values.buffer).toBe(bytes.buffer)
    expect(view.tensors.get('b')!.values.buffer).toBe(bytes.buffer)
    // the same file 4 bytes into a larger buffer: not 8-aligned, so copied
    const shifted = new Uint8Array(bytes.length + 4)
    shifted.set(bytes, 4)
    const copy = right(decodeSafetensors(shifted.subarray(4)))
    expect(copy.tensors.get('a')!.values.buffer).not.toBe(shifted.buffer)
    expect(Array.from(copy.tensors.get('a')!.values)).toEqual([1, 2])
    expect(Array.from(copy.tensors.get('b')!.values)).toEqual([3])
  })

  it('names restricts which tensors are decoded; the others are still validated', () => {
    const bytes = encodeSafetensors([['a', { shape: [1], values: Float64Array.of(1) }], ['b', { shape: [1], values: Float64Array.of(2) }]])
    expect([...right(decodeSafetensors(bytes, 'f', { names: (n) => n === 'b' })).tensors.keys()]).toEqual(['b'])
    const cut = bytes.subarray(0, bytes.length - 1)
    expect(left(decodeSafetensors(cut, 'f', { names: () => false })).field).toBe('header.b.data_offsets')
  })

  it('refuses bad writer input with an ArgumentError naming the field', () => {
    const one: TensorEntry = { shape: [1], values: Float64Array.of(1) }
    const bad = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(ArgumentError)
        return (e as ArgumentError).message
      }
      throw new Error('expected an ArgumentError')
    }
    expect(bad(() => encodeSafetensors([['', one]]))).toBe("encodeSafetensors: tensors[0]: expected a non-empty tensor name other than '__metadata__', got the string \"\"")
    expect(bad(() => encodeSafetensors([['__metadata__', one]]))).toMatch(/tensors\[0\]: expected a non-empty tensor name other than '__metadata__'/)
    expect(bad(() => encodeSafetensors([['a', one], ['a', one]]))).toBe("encodeSafetensors: tensors.a: the name 'a' appears twice")
    expect(bad(() => encodeSafetensors([['a', { shape: [2], values: Float64Array.of(1) }]]))).toMatch(/tensors\.a\.shape: expected non-negative dims whose product is the 1 values, got \[2\]/)
    expect(bad(() => encodeSafetensors([['a', { shape: [-1, -1], values: Float64Array.of(1) }]]))).toMatch(/tensors\.a\.shape/)
    expect(bad(() => encodeSafetensors([['a', { shape: [1], values: [1] as never }]]))).toBe('encodeSafetensors: tensors.a.values: expected a Float64Array, got an array')
    expect(bad(() => encodeSafetensors([['a', one]], { n: 1 as never }))).toBe('encodeSafetensors: metadata.n: expected a string, got 1')
    expect(bad(() => safetensorsLayout([['a', one]], [] as never))).toBe('safetensorsLayout: metadata: expected an object of strings, got an array')
  })
})

describe('every dtype, from the independent writer of spec/fixtures/torch/make.py', () => {
  type Num = number | 'NaN' | 'Infinity' | '-Infinity' | '-0'
  const expected = JSON.parse(readFileSync(new URL('dtypes.json', FIXTURES), 'utf8')) as Record<string, { dtype: string; shape: number[]; conversion: string; values: Num[] }>
  const bytes = new Uint8Array(readFileSync(new URL('dtypes.safetensors', FIXTURES)))
  const file = right(decodeSafetensors(bytes, 'dtypes.safetensors'))
  const num = (v: Num): number => (v === '-0' ? -0 : Number(v))

  it('holds one tensor of each dtype, and the metadata', () => {
    expect(new Set([...file.tensors.values()].map((t) => t.dtype))).toEqual(new Set(Object.keys(SAFETENSORS_DTYPE_BYTES)))
    expect(file.metadata).toEqual({ 'made by': 'spec/fixtures/torch/make.py' })
    expect([...file.tensors.keys()]).toEqual(Object.keys(expected))
  })

  it.each(Object.keys(expected))('%s: the values torch/numpy give, exactly (-0, NaN, infinities, subnormals), and the conversion', (name) => {
    const want = expected[name]!
    const got = file.tensors.get(name)!
    expect({ dtype: got.dtype, shape: got.shape, conversion: got.conversion }).toEqual({ dtype: want.dtype, shape: want.shape, conversion: want.conversion })
    expect(got.values.length).toBe(want.values.length)
    got.values.forEach((v, i) => expect(Object.is(v, num(want.values[i]!)), `${name}[${i}]: ${v} vs ${want.values[i]}`).toBe(true))
  })

  it('its F64 tensor sits after 3 bytes of U8, so it is a copy, not a view', () => {
    expect(file.tensors.get('f64_unaligned')!.values.buffer).not.toBe(bytes.buffer)
    expect(file.tensors.get('u8')!.values.buffer).not.toBe(bytes.buffer)
  })

  it('float16 and bfloat16: every bit pattern, ordered and symmetric (exhaustive)', () => {
    for (const [f, maxFinite, inf] of [[f16ToNumber, 0x7bff, 0x7c00], [bf16ToNumber, 0x7f7f, 0x7f80]] as const) {
      const bad: number[] = []
      for (let b = 1; b <= maxFinite; b++) if (!(f(b) > f(b - 1))) bad.push(b)
      for (let b = 0; b < 0x8000; b++) if (!Object.is(f(b | 0x8000), -f(b))) bad.push(b)
      for (let b = inf + 1; b < 0x8000; b++) if (!Number.isNaN(f(b))) bad.push(b)
      expect(bad).toEqual([])
      expect([f(0), f(inf), f(maxFinite)]).toEqual([0, Infinity, f === f16ToNumber ? 65504 : 3.3895313892515355e38])
    }
  })
})

/** A file from a header text and `data` bytes of zeros (or the given bytes). */
const fileOf = (header: string, data: number | Uint8Array = 0, length?: number): Uint8Array => {
  const body = new TextEncoder().encode(header)
  const d = typeof data === 'number' ? new Uint8Array(data) : data
  const out = new Uint8Array(8 + body.length + d.length)
  new DataView(out.buffer).setUint32(0, length ?? body.length, true)
  out.set(body, 8)
  out.set(d, 8 + body.length)
  return out
}
const entry = (dtype: string, shape: number[], b: number, e: number) => ({ dtype, shape, data_offsets: [b, e] })

describe('hostile files: a Left naming the field, nothing large allocated', () => {
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['a JSON values file', new TextEncoder().encode('{"format":"kiln-values","version":1,"params":{}}'), 'header length', /looks like JSON text, such as a Kiln values file/],
    ['a zip (torch.save)', Uint8Array.of(0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0, 0, 0), 'header length', /looks like a zip archive/],
    ['too short for the length', Uint8Array.of(1, 2, 3), 'header length', /the file is 3 bytes, shorter than the 8-byte header length/],
    ['a header length past the file', fileOf('{}', 0, 1000), 'header length', /the header claims 1000 bytes, but 2 follow the length/],
    ['a header length beyond 2^53', Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x7f, 0x7b), 'header length', /claims more than 2\^53 bytes/],
    ['a header not starting with {', fileOf(' {}'), 'header', /expected a JSON object starting with '\{', got the byte 0x20/],
    ['a header that is not JSON', fileOf('{"a":'), 'header', /the header is not valid JSON/],
    ['invalid UTF-8', fileOf('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b)), 'header', /not valid UTF-8/],
    ['a JSON array', fileOf('[{}]'), 'header', /expected a JSON object starting with/],
    ['a bad dtype', fileOf(JSON.stringify({ a: entry('F8_E4M3', [1], 0, 1) }), 1), 'header.a.dtype', /expected one of F64, F32, .*got the string "F8_E4M3"/],
    ['a missing dtype', fileOf(JSON.stringify({ a: { shape: [1], data_offsets: [0, 8] } }), 8), 'header.a.dtype', /missing; expected one of F64/],
    ['a negative dim', fileOf(JSON.stringify({ a: entry('F64', [-1], 0, 8) }), 8), 'header.a.shape.0', /expected a non-negative integer, got -1/],
    ['a fractional offset', fileOf(JSON.stringify({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8.5] } }), 8), 'header.a.data_offsets', /got \[0,8\.5\]/],
    ['three offsets', fileOf(JSON.stringify({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8, 16] } }), 8), 'header.a.data_offsets', /expected \[begin, end\]/],
    ['a shape whose bytes overflow', fileOf(JSON.stringify({ a: entry('F64', [2 ** 40, 2 ** 40], 0, 8) }), 8), 'header.a.shape', /would need more than 2\^53 bytes/],
    ['a shape of 2^50 elements', fileOf(JSON.stringify({ a: entry('U8', [2 ** 50], 0, 2 ** 50) }), 8), 'header.a.data_offsets', /outside the data section of 8 bytes/],
    ['offsets that disagree with the shape', fileOf(JSON.stringify({ a: entry('F32', [3], 0, 8) }), 8), 'header.a.data_offsets', /\[0, 8\] holds 8 bytes, expected 12 \(F32 \[3\]\)/],
    ['offsets outside the data', fileOf(JSON.stringify({ a: entry('F64', [1], 8, 16) }), 8), 'header.a.data_offsets', /outside the data section of 8 bytes/],
    ['end before begin', fileOf(JSON.stringify({ a: entry('F64', [0], 8, 0) }), 8), 'header.a.data_offsets', /ends before it begins/],
    ['overlapping tensors', fileOf(JSON.stringify({ a: entry('F64', [2], 0, 16), b: entry('F64', [1], 8, 16) }), 16), 'header.b.data_offsets', /overlaps 'a' at \[0, 16\]/],
    ['a hole', fileOf(JSON.stringify({ a: entry('F64', [1], 0, 8), b: entry('F64', [1], 16, 24) }), 24), 'header.b.data_offsets', /leaves bytes 8 to 16 .* \(a hole\)/],
    ['trailing bytes', fileOf(JSON.stringify({ a: entry('F64', [1], 0, 8) }), 16), 'data section', /the tensors end at byte 8, but the data section has 16 bytes/],
    ['a truncated file', encodeSafetensors([['a', { shape: [4], values: new Float64Array(4) }]]).slice(0, -8), 'header.a.data_offsets', /\[0, 32\] is outside the data section of 24 bytes \(a truncated file\?\)/],
    ['metadata that is not strings', fileOf(JSON.stringify({ __metadata__: { n: 1 } })), '__metadata__.n', /expected a string, got 1/],
    ['metadata that is an array', fileOf(JSON.stringify({ __metadata__: ['x'] })), '__metadata__', /expected an object of strings, got an array/],
    ['an empty name', fileOf(JSON.stringify({ '': entry('F64', [1], 0, 8) }), 8), 'header.""', /a tensor name must not be empty/],
    ['a BOOL byte other than 0 or 1', fileOf(JSON.stringify({ a: entry('BOOL', [2], 0, 2) }), Uint8Array.of(1, 7)), 'data.a', /element 1 is the byte 7; a BOOL is 0 or 1/],
    ['a __proto__ entry meant to pollute', fileOf('{"__proto__":{"polluted":true}}'), 'header.__proto__.dtype', /missing/],
  ]
  it.each(cases)('%s', (_name, bytes, field, message) => {
    const e = left(decodeSafetensors(bytes, 'evil.safetensors'))
    expect(e.field).toBe(field)
    expect(e.path).toBe('evil.safetensors')
    expect(e.message.startsWith(`decodeSafetensors: evil.safetensors: ${field}: `)).toBe(true)
    expect(e.message).toMatch(message)
  })

  it('__proto__ as a tensor name or metadata key pollutes nothing: it is a Map key and an own key', () => {
    // written as text: in an object literal `__proto__` would set the prototype instead of making a key
    const bytes = fileOf('{"__metadata__":{"__proto__":"x","polluted":"no"},"__proto__":{"dtype":"F64","shape":[1],"data_offsets":[0,8],"polluted":true}}', 8)
    const r = right(decodeSafetensors(bytes))
    expect([...r.tensors.keys()]).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(r.metadata)).toBe(null)
    expect(Object.getOwnPropertyDescriptor(r.metadata, '__proto__')?.value).toBe('x')
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    const written = right(decodeSafetensors(encodeSafetensors([['__proto__', { shape: [], values: Float64Array.of(1) }]], JSON.parse('{"__proto__":"y"}') as Record<string, string>)))
    expect(written.tensors.get('__proto__')!.values[0]).toBe(1)
    expect(Object.getOwnPropertyDescriptor(written.metadata, '__proto__')?.value).toBe('y')
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('maxHeaderBytes bounds the header before it is decoded; bad options are Lefts naming them', () => {
    const bytes = encodeSafetensors([['a', { shape: [1], values: Float64Array.of(1) }]])
    const e = left(decodeSafetensors(bytes, 'f', { maxHeaderBytes: 16 }))
    expect(e.field).toBe('header length')
    expect(e.message).toMatch(/more than maxHeaderBytes = 16/)
    expect(left(decodeSafetensors(bytes, 'f', { maxHeaderBytes: 2 ** 40 })).field).toBe('maxHeaderBytes')
    expect(left(decodeSafetensors(bytes, 'f', { nmaes: () => true } as never)).message).toMatch(/decodeSafetensors: nmaes: unknown option; did you mean 'names'\?/)
    expect(left(decodeSafetensors(bytes, 'f', { names: 'a' } as never))).toMatchObject({ field: 'names', message: 'decodeSafetensors: names: expected a function, got the string "a"' })
  })

  it('a huge claimed tensor in a small file is refused at once (no allocation: a 2^50-byte array cannot be made)', () => {
    const start = performance.now()
    const e = left(decodeSafetensors(fileOf(JSON.stringify({ a: entry('F64', [2 ** 47], 0, 2 ** 50) }), 8)))
    expect(e.field).toBe('header.a.data_offsets')
    expect(performance.now() - start).toBeLessThan(100)
  })
})
