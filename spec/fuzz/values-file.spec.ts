/**
 * Issue 9: hostile values files and hostile names. A values file is either refused with a `Left`
 * naming the file (and the entry path when a path is the problem) or read back exactly, and
 * `Object.prototype` is never touched. Graph leaves named like inherited properties (`constructor`,
 * `toString`, `__proto__`, `valueOf`) bind and evaluate like any other name, compiled and
 * interpreted, and a missing one is a missing-binding error.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { gzipSync } from 'fflate'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeValues, encodeValues, MAX_VALUES_STRUCTURES, type SavedValues } from '../../src/io/params-file.js'
import { add, BindingError, compile, evaluate, input, mul, RESERVED_KEYS, type Tensor } from '../../src/index.js'
import { caught } from '../caught.js'

const protoKeys = () => Reflect.ownKeys(Object.prototype).map(String).sort()
const before = protoKeys()
afterEach(() => expect(protoKeys()).toEqual(before))

const HOSTILE = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', 'a', 'b', 'w']
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9_]{1,4}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
)
const entryPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'))
const num = fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0'), fc.constantFrom(1e308, -5e-324, 2 ** 53 + 1))
const junk = fc.oneof(fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean(), fc.constant({}), fc.constant([[1]]), fc.constant('1'))
const values = fc.oneof({ weight: 20, arbitrary: fc.array(num, { maxLength: 6 }) }, { weight: 1, arbitrary: fc.array(fc.oneof(num, junk), { minLength: 1, maxLength: 4 }) })
const entry = fc.oneof({ weight: 20, arbitrary: values.map((v) => ({ values: v })) }, { weight: 1, arbitrary: fc.oneof(junk, fc.jsonValue({ maxDepth: 2 })) })
/** Entries as own properties (`Object.fromEntries`, so a `__proto__` path is a key, as JSON.parse makes it). */
const record = fc.uniqueArray(fc.tuple(entryPath, entry), { maxLength: 5, selector: ([p]) => p }).map((es) => Object.fromEntries(es))

const isNum = (v: unknown) => typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity' || v === '-0'
const goodEntry = (e: unknown): e is { values: (number | string)[] } =>
  typeof e === 'object' && e !== null && !Array.isArray(e) && Array.isArray((e as { values?: unknown }).values) && (e as { values: unknown[] }).values.every(isNum)
/** The first entry path a tree cannot hold: a bad segment, or a leaf that is also a prefix of another path. */
const badPath = (paths: readonly string[]): string | undefined =>
  paths.find((p) => p.split('.').some((s) => s === '' || RESERVED_KEYS.includes(s))) ?? paths.find((p) => paths.some((q) => q.startsWith(`${p}.`)))

const leafAt = (tree: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, k) => (node !== undefined && Object.prototype.hasOwnProperty.call(node, k) ? (node as Record<string, unknown>)[k] : undefined), tree)
const sameBits = (a: unknown, want: readonly (number | string)[]) =>
  a instanceof Float64Array && a.length === want.length && want.every((v, i) => Object.is(a[i], typeof v === 'number' ? v : Number(v)))

describe('hostile values files', () => {
  it('are refused naming the file (and the entry path) or read back exactly', () => {
    fc.assert(
      fc.property(record, record, fc.boolean(), (params, state, gzip) => {
        const text = JSON.stringify({ format: 'kiln-values', version: 1, params, state })
        const r = decodeValues(gzip ? gzipSync(new TextEncoder().encode(text)) : text, 'fuzz.json')
        // The oracle reads what JSON keeps (an Infinity is written as null, an undefined is dropped).
        const parsed = JSON.parse(text) as { params: Record<string, unknown>; state: Record<string, unknown> }
        const parts = [parsed.params, parsed.state]
        const valid = parts.every((p) => Object.values(p).every(goodEntry))
        const bad = valid ? parts.map((p) => badPath(Object.keys(p))).find((b) => b !== undefined) : undefined
        if (!valid || bad !== undefined) {
          expect(E.isLeft(r)).toBe(true)
          if (E.isLeft(r)) expect(r.left.message).toContain('fuzz.json')
          if (E.isLeft(r) && bad !== undefined) expect(r.left.message).toContain(`'${bad}'`)
          return true
        }
        if (E.isLeft(r)) throw new Error(r.left.message)
        const trees: SavedValues = r.right
        for (const [tree, p] of [[trees.params, parsed.params], [trees.state, parsed.state]] as const)
          for (const [path, e] of Object.entries(p)) expect(sameBits(leafAt(tree, path), (e as { values: (number | string)[] }).values), path).toBe(true)
        // and what was read writes out and reads back to the same trees
        expect(decodeValues(encodeValues(trees))).toEqual(E.right(trees))
        return protoKeys().length === before.length
      }),
      { seed: 9001, numRuns: 400 },
    )
  })

  it('random JSON is refused naming the file, or read when it happens to be a values file', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => {
        const r = decodeValues(JSON.stringify(json) ?? 'null', 'random.json')
        return E.isRight(r) || r.left.message.includes('random.json')
      }),
      { seed: 9002, numRuns: 300 },
    )
  })

  it('refuses text with millions of tiny objects before parsing it, and text that is not JSON', () => {
    const many = `{"format":"kiln-values","version":1,"params":{},"state":{},"x":[${'[],'.repeat(MAX_VALUES_STRUCTURES)}[]]}`
    const r = decodeValues(many, 'tiny.json')
    expect(E.isLeft(r) && r.left.message).toMatch(/tiny\.json: more than 1048576 objects, arrays and keys/)
    for (const text of ['', '{', '\u0000', '{"format":"kiln-values","version":1,"params":{"w":{"values":[1,]}},"state":{}}'])
      expect(E.isLeft(decodeValues(text, 'cut.json'))).toBe(true)
  })

  it('refuses texts over maxTextBytes (plain and gzipped) and a bad maxTextBytes, naming them', () => {
    const text = encodeValues({ params: { w: new Float64Array(100).fill(0.25) }, state: {} })
    for (const contents of [text, new TextEncoder().encode(text), gzipSync(new TextEncoder().encode(text))]) {
      const r = decodeValues(contents, 'm.json', { maxTextBytes: 100 })
      expect(E.isLeft(r) && r.left.message).toMatch(/m\.json: .*more than 100 bytes of JSON \(maxTextBytes\); .*binary format/)
    }
    for (const maxTextBytes of [-1, NaN, 2 ** 29, '100'])
      expect(E.isLeft(decodeValues(text, 'm.json', { maxTextBytes } as never))).toBe(true)
  })
})

const NAMES = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty', 'prototype', 'x']
const names = fc.uniqueArray(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 4 })

describe('hostile leaf names', () => {
  it('bind and evaluate (compiled and interpreted), or are missing-binding errors', () => {
    fc.assert(
      fc.property(names, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (ns, given) => {
        // y = sum of (i + 1) * leaf_i, each leaf of shape [2]
        const leaves = ns.map((n) => input(n, [2]))
        const y = leaves.reduce<Tensor | undefined>((acc, l, i) => (acc === undefined ? mul(l, i + 1) : add(acc, mul(l, i + 1))), undefined)!
        const bound = ns.filter((_, i) => given[i])
        const bindings = Object.fromEntries(bound.map((n, i) => [n, Float64Array.of(i, -i)]))
        const exe = compile([y])
        if (E.isLeft(exe)) throw new Error(exe.left.message)
        const missing = ns.filter((n) => !bound.includes(n))
        for (const run of [() => evaluate([y], bindings)[0]!, () => exe.right.run(bindings)[0]!]) {
          if (missing.length > 0) {
            const err = caught(run)
            expect(err).toBeInstanceOf(BindingError)
            expect(missing).toContain((err as BindingError).binding)
            expect((err as Error).message).toContain(`binding '${(err as BindingError).binding}' (input of shape [2]) is missing`)
          } else {
            const want = ns.reduce((s, n, i) => s + (i + 1) * bound.indexOf(n), 0)
            expect(Array.from(run(), (v) => v + 0)).toEqual([want, -want + 0])
          }
        }
        return protoKeys().length === before.length
      }),
      { seed: 9003, numRuns: 60 },
    )
  })
})
