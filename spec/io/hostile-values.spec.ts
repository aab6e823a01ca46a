// Issue 9: values files and names from users or files must not reach Object.prototype, must not be
// confused with inherited names (toString, constructor), and must not be able to abort the process.
import * as E from 'fp-ts/lib/Either.js'
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeValues, encodeValues, MAX_VALUES_TEXT_BYTES } from '../../src/io/params-file.js'
import { loadValues, readBytes, readText, saveValues } from '../../src/node/index.js'
import { DEFAULT_MAX_FILE_BYTES } from '../../src/node/index.js'
import { add, BindingError, compile, dense, evaluate, fit, input, key, sequential, sgd, unflatten, zipParams } from '../../src/index.js'
import { loadIrisOrThrow } from '../../src/node/index.js'

const protoKeys = () => Reflect.ownKeys(Object.prototype).map(String).sort()
const before = protoKeys()
const file = (params: Record<string, unknown>) => JSON.stringify({ format: 'kiln-values', version: 1, params, state: {} })
const entry = (...values: number[]) => ({ values })
const leftMessage = <A>(r: E.Either<{ message: string }, A>): string => (E.isLeft(r) ? r.left.message : 'a Right')

afterEach(() => {
  // A test that polluted Object.prototype must not break the others: report it, then clean it up.
  const now = protoKeys()
  for (const k of now) if (!before.includes(k)) delete (Object.prototype as Record<string, unknown>)[k]
  expect(now).toEqual(before)
})

describe('values files cannot reach Object.prototype', () => {
  it('refuses a __proto__ segment, naming the path, and leaves Object.prototype alone', () => {
    const r = decodeValues(file({ '__proto__.x': entry(1) }), 'evil.json')
    expect(leftMessage(r)).toMatch(/evil\.json: .*'__proto__\.x'.*__proto__/)
    expect(protoKeys()).toEqual(before)
  })

  it('refuses constructor and prototype segments (the tree could not be read back safely)', () => {
    for (const path of ['constructor.prototype.x', 'a.prototype', 'constructor', 'a.__proto__'])
      expect(leftMessage(decodeValues(file({ [path]: entry(1) }), 'm.json'))).toContain(`'${path}'`)
  })

  it('a later, unrelated fit still works after loading a hostile file', () => {
    decodeValues(file({ '__proto__.x': entry(1), '__proto__.values': entry(2) }))
    const r = fit(sequential(dense(3)), loadIrisOrThrow(), { epochs: 1, batchSize: 50, optimizer: sgd(0.1), key: key(1) })
    expect(leftMessage(r)).toBe('a Right')
  })

  it('builds null-prototype trees from files', () => {
    const r = decodeValues(file({ 'a.b': entry(1) }))
    if (E.isLeft(r)) throw new Error(r.left.message)
    expect(Object.getPrototypeOf(r.right.params)).toBe(null)
    expect(Object.getPrototypeOf(r.right.params['a'])).toBe(null)
  })
})

describe('inherited names are not entries', () => {
  it('entries named toString, valueOf or hasOwnProperty round-trip (no false "appears twice")', () => {
    const v = { params: { toString: Float64Array.of(1), a: { valueOf: Float64Array.of(2), hasOwnProperty: Float64Array.of(3) } }, state: {} }
    const back = decodeValues(encodeValues(v))
    expect(back).toEqual(E.right(v))
  })

  it('unflatten names a reserved segment and accepts inherited names', () => {
    expect(() => unflatten([['a.constructor', 1]])).toThrow(/unflatten: 'a\.constructor'.*'constructor'/)
    expect(unflatten([['toString', 1], ['x.valueOf', 2]])).toEqual({ toString: 1, x: { valueOf: 2 } })
  })

  it("zipParams does not see an inherited key on either side", () => {
    expect(() => zipParams({ a: 1 }, { a: 2, toString: 3 }, (x: number, y: number) => x + y)).toThrow(/unexpected entry 'toString'/)
    expect(() => zipParams({ a: 1, toString: 2 }, { a: 2 }, (x: number, y: number) => x + y)).toThrow(/missing entry 'toString'/)
  })

  it("fit's initial refuses an extra toString entry", () => {
    const model = sequential(dense(3))
    const iris = loadIrisOrThrow()
    const options = { epochs: 1, batchSize: 50, optimizer: sgd(0.1), key: key(1) }
    const trained = fit(model, iris, options)
    if (E.isLeft(trained)) throw new Error(trained.left.message)
    const initial = { params: { ...trained.right.params, toString: Float64Array.of(1) }, state: trained.right.state }
    expect(leftMessage(fit(model, iris, { ...options, initial }))).toMatch(/initial.*'toString'/)
  })

  it('a leaf named constructor (or __proto__, toString) with no binding is a missing-binding error', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'valueOf']) {
      const y = add(input(name, [1]), 1)
      expect(() => evaluate([y], {}), name).toThrow(BindingError)
      expect(() => evaluate([y], {}), name).toThrow(`binding '${name}' (input of shape [1]) is missing`)
      const exe = compile([y])
      if (E.isLeft(exe)) throw new Error(exe.left.message)
      expect(() => exe.right.run({}), name).toThrow(`binding '${name}' (input of shape [1]) is missing`)
      // bound as an own property (a computed key, so `__proto__` is a name, not the prototype)
      const b = { [name]: Float64Array.of(2) }
      expect(Array.from(evaluate([y], b)[0]!), name).toEqual([3])
      expect(Array.from(exe.right.run(b)[0]!), name).toEqual([3])
    }
  })

  it('an inherited binding is not a binding', () => {
    const y = add(input('x', [1]), 1)
    const exe = compile([y])
    if (E.isLeft(exe)) throw new Error(exe.left.message)
    const inherited = Object.create({ x: Float64Array.of(1) }) as Record<string, Float64Array>
    expect(() => evaluate([y], inherited)).toThrow("binding 'x' (input of shape [1]) is missing")
    expect(() => exe.right.run(inherited)).toThrow("binding 'x' (input of shape [1]) is missing")
  })
})

describe('file sizes', () => {
  const dirs: string[] = []
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'kiln-big-'))
    dirs.push(d)
    return d
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('a 440 MB values file is refused by its size before it is read (a sparse file: nothing is written)', () => {
    const path = join(dir(), 'huge.json')
    writeFileSync(path, '')
    truncateSync(path, 440_000_000)
    const r = loadValues(path)
    expect(leftMessage(r)).toContain(path)
    expect(leftMessage(r)).toContain('440000000 bytes')
    expect(leftMessage(r)).toContain(`${MAX_VALUES_TEXT_BYTES}`)
    expect(leftMessage(r)).toMatch(/binary/)
    expect(leftMessage(readText(path))).toMatch(new RegExp(`440000000 bytes.*${DEFAULT_MAX_FILE_BYTES}`))
    expect(leftMessage(readBytes(path, { maxFileBytes: 1000 }))).toMatch(/440000000 bytes.*1000.*maxFileBytes/)
  })

  it('a smaller limit can be chosen per call; a bad limit is named', () => {
    const path = join(dir(), 'small.json')
    writeFileSync(path, encodeValues({ params: { w: Float64Array.of(1, 2, 3) }, state: {} }))
    expect(E.isRight(loadValues(path))).toBe(true)
    expect(leftMessage(loadValues(path, { maxFileBytes: 10 }))).toMatch(/maxFileBytes/)
    expect(leftMessage(loadValues(path, { maxFileBytes: -1 }))).toMatch(/loadValues: maxFileBytes: expected/)
    expect(leftMessage(loadValues(path, { maxFileByte: 10 } as never))).toMatch(/did you mean 'maxFileBytes'/)
  })

  it('saving more than a values file can hold is a clear error and writes nothing', () => {
    const d = dir()
    const big = { params: { w: new Float64Array(1000).fill(0.1) }, state: {} }
    const r = saveValues(join(d, 'm.json'), big, { maxTextBytes: 2000 })
    expect(leftMessage(r)).toMatch(/saveValues: .*1000 parameters.*2000 bytes.*binary/)
    expect(leftMessage(r)).not.toMatch(/Invalid string length/)
    expect(readdirSync(d)).toEqual([])
    expect(() => encodeValues(big, { maxTextBytes: 2000 })).toThrow(/encodeValues: .*1000 parameters/)
  })

  it('a model past the real limit fails with the count and limit named, not "Invalid string length"', () => {
    // 11.5M numbers of 23 characters each ("-4.487989505128276e-301") and a comma: about 276 MB of JSON.
    const w = new Float64Array(11_500_000)
    for (let i = 0; i < w.length; i++) w[i] = (-Math.PI * 1e-300) / (i + 7)
    expect(() => encodeValues({ params: { w }, state: {} })).toThrow(new RegExp(`11500000 parameters need more than ${MAX_VALUES_TEXT_BYTES} bytes.*binary format`))
  })
})
