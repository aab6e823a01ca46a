// saveSafetensors / loadSafetensors (issue 11): streamed, atomic saves equal to encodeSafetensors;
// loads that refuse by size before reading and hold one buffer whose views are the F64 tensors.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeSafetensors, type Safetensors, type SafetensorsError, type TensorEntry } from '../../src/index.js'
import { loadSafetensors, saveSafetensors } from '../../src/node/index.js'
import { writeFileAtomicWith } from '../../src/node/atomic.js'

const root = mkdtempSync(join(tmpdir(), 'kiln-safetensors-spec-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = (): string => {
  const d = join(root, String(n++))
  mkdirSync(d)
  return d
}

const right = (r: E.Either<SafetensorsError, Safetensors>): Safetensors => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const bitsOf = (v: Float64Array): number[] => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))

describe('saveSafetensors and loadSafetensors', () => {
  it('round-trip bit-identically, and the streamed file is exactly encodeSafetensors', () => {
    const dir = fresh()
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.array(fc.double(), { minLength: 81, maxLength: 81 })), { maxLength: 5 }),
        (specs) => {
          const tensors = specs.map(([shape, v], i): readonly [string, TensorEntry] => [`t${i}`, { shape, values: Float64Array.from(v.slice(0, shape.reduce((a, b) => a * b, 1))) }])
          const path = join(dir, 'm.safetensors')
          expect(saveSafetensors(path, tensors, { by: 'kiln' })).toEqual(E.right(path))
          expect(new Uint8Array(readFileSync(path))).toEqual(encodeSafetensors(tensors, { by: 'kiln' }))
          const back = right(loadSafetensors(path))
          for (const [name, t] of tensors) expect(bitsOf(back.tensors.get(name)!.values)).toEqual(bitsOf(t.values))
          expect({ ...back.metadata }).toEqual({ by: 'kiln' })
        },
      ),
      { seed: 1103, numRuns: 60 },
    )
    expect(readdirSync(dir)).toEqual(['m.safetensors'])
  })

  it('F64 tensors are views of one buffer: the values are held once', () => {
    const path = join(fresh(), 'big.safetensors')
    const tensors: [string, TensorEntry][] = [
      ['a', { shape: [1000, 1000], values: Float64Array.from({ length: 1e6 }, (_, i) => i / 7) }],
      ['b', { shape: [3], values: Float64Array.of(1, 2, 3) }],
      ['c', { shape: [], values: Float64Array.of(-0) }],
    ]
    expect(E.isRight(saveSafetensors(path, tensors))).toBe(true)
    const back = right(loadSafetensors(path))
    const buffers = new Set([...back.tensors.values()].map((t) => t.values.buffer))
    expect(buffers.size).toBe(1)
    const [buffer] = buffers
    // the file is the buffer (plus at most 7 bytes of alignment): nothing else holds a second copy
    expect(buffer!.byteLength - readFileSync(path).length).toBeLessThan(8)
    expect(back.tensors.get('a')!.values[999_999]).toBe(999_999 / 7)
  })

  it('an unpadded header (as another writer may leave it) still gives aligned views: the loader places the data section', () => {
    // header of 13 bytes: the data section starts at byte 21 of the file
    const header = '{"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}'
    const body = new TextEncoder().encode(header)
    const file = new Uint8Array(8 + body.length + 16)
    new DataView(file.buffer).setUint32(0, body.length, true)
    file.set(body, 8)
    new DataView(file.buffer).setFloat64(8 + body.length, 1.5, true)
    new DataView(file.buffer).setFloat64(16 + body.length, -2, true)
    expect((8 + body.length) % 8).not.toBe(0)
    const path = join(fresh(), 'unpadded.safetensors')
    writeFileSync(path, file)
    const x = right(loadSafetensors(path)).tensors.get('x')!.values
    expect(Array.from(x)).toEqual([1.5, -2])
    expect(x.byteOffset % 8).toBe(0)
    expect(x.buffer.byteLength).toBe(file.length + 8 - ((8 + body.length) % 8))
  })

  it('reads the torch fixtures (every dtype)', () => {
    const r = right(loadSafetensors(new URL('../fixtures/torch/dtypes.safetensors', import.meta.url).pathname))
    expect(r.tensors.get('bf16')!.dtype).toBe('BF16')
    expect(r.tensors.get('i64')!.conversion).toBe('rounded')
  })

  it('a file over maxFileBytes is refused by its size, naming the path and the limit', () => {
    const path = join(fresh(), 'm.safetensors')
    saveSafetensors(path, [['a', { shape: [100], values: new Float64Array(100) }]])
    const e = loadSafetensors(path, { maxFileBytes: 100 })
    expect(e).toMatchObject({ _tag: 'Left', left: { field: 'file', path } })
    expect(E.isLeft(e) && e.left.message).toMatch(new RegExp(`^loadSafetensors: ${path}: the file is \\d+ bytes, more than maxFileBytes = 100; raise maxFileBytes only for a file you trust$`))
    expect(E.isRight(loadSafetensors(path, { maxFileBytes: 2000 }))).toBe(true)
  })

  it('options are checked (unknown keys suggested, wrong kinds named) before the file is opened', () => {
    expect(loadSafetensors('/no/such', { maxFileBytez: 1 } as never)).toMatchObject({ left: { field: 'maxFileBytez', message: expect.stringMatching(/did you mean 'maxFileBytes'/) } })
    expect(loadSafetensors('/no/such', { maxFileBytes: '1' } as never)).toMatchObject({ left: { field: 'maxFileBytes' } })
    expect(loadSafetensors('/no/such', { names: 1 } as never)).toMatchObject({ left: { field: 'names' } })
    expect(loadSafetensors('/no/such/model.safetensors')).toMatchObject({ left: { field: 'file', message: expect.stringMatching(/^loadSafetensors: \/no\/such\/model\.safetensors: cannot read file: ENOENT/) } })
  })

  it('hostile content is a Left named by loadSafetensors', () => {
    const path = join(fresh(), 'values.json')
    writeFileSync(path, '{"format":"kiln-values","version":1,"params":{},"state":{}}')
    expect(loadSafetensors(path)).toMatchObject({ left: { field: 'header length', message: expect.stringMatching(/^loadSafetensors: .*values\.json: header length: .*Kiln values file/) } })
  })

  it('a save is atomic: a failure leaves the old file and no temporary file', () => {
    const dir = fresh()
    const path = join(dir, 'm.safetensors')
    writeFileSync(path, 'old')
    // a bad tensor: refused before anything is written
    expect(saveSafetensors(path, [['a', { shape: [2], values: Float64Array.of(1) }]])).toMatchObject({ left: { field: 'tensors.a.shape' } })
    // a failure while streaming: the writer throws after writing part of the file
    expect(() => writeFileAtomicWith(path, (fd) => {
      writeFileSync(fd, 'partial')
      throw new Error('disk full')
    })).toThrow('disk full')
    // a failure at the rename: the target is a folder
    const folder = join(dir, 'folder.safetensors')
    mkdirSync(join(folder, 'inside'), { recursive: true })
    const e = saveSafetensors(folder, [['a', { shape: [1], values: Float64Array.of(1) }]])
    expect(e).toMatchObject({ left: { field: 'file', message: expect.stringMatching(/^saveSafetensors: could not write /) } })
    expect(readFileSync(path, 'utf8')).toBe('old')
    expect(readdirSync(dir).sort()).toEqual(['folder.safetensors', 'm.safetensors'])
    // a folder that cannot be written
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked')
      mkdirSync(locked)
      chmodSync(locked, 0o500)
      expect(saveSafetensors(join(locked, 'm.safetensors'), [])._tag).toBe('Left')
      chmodSync(locked, 0o700)
    }
  })
})
