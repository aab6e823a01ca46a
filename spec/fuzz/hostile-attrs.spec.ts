/**
 * Issue 9: values that are not primitive numbers must never reach generated kernel source. Every op
 * attribute (and every public numeric argument that becomes one) is refused with an `ArgumentError`
 * naming the op and the attribute when the node is built: no user method runs, nothing is compiled.
 * Covers every op of `opTable` automatically (its attribute schema drives the cases).
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as K from '../../src/index.js'
import type { AttrKind } from '../../src/ops/def.js'
import { compile, compileStats } from '../../src/compile/index.js'
import { intLit, lit } from '../../src/compile/literal.js'
import { opTable } from '../../src/optable.js'
import { ArgumentError } from '../../src/options.js'
import { type OpName, type Tensor } from '../../src/tensor.js'
import { make } from '../../src/make.js'
import { caught } from '../caught.js'

const CANARY = '__kilnHostileCanary'
const canary = globalThis as unknown as Record<string, unknown>
const touch = (how: string) => () => {
  canary[CANARY] = how
}
const CODE = `0)+(globalThis.${CANARY}="source")+(0`

/** A fresh set of values that are not primitive numbers; every method or getter on them sets the canary. */
const notNumbers = (): readonly unknown[] => [
  '0',
  '',
  'NaN',
  CODE,
  `1;globalThis.${CANARY}="statement";`,
  { valueOf: () => (touch('valueOf')(), 0.5), toString: () => (touch('toString')(), CODE) },
  { [Symbol.toPrimitive]: () => (touch('toPrimitive')(), 0) },
  Object.defineProperty({}, 'valueOf', { get: () => (touch('getter')(), () => 0) }),
  Object.assign([0], { toString: () => (touch('array toString')(), CODE), valueOf: () => (touch('array valueOf')(), 0) }),
  [0],
  [[0]],
  new Number(0),
  new String('0'),
  new Boolean(true),
  Object(1n),
  1n,
  Symbol('hostile'),
  null,
  undefined,
  true,
  () => (touch('function')(), 0),
]

/** Values that are not lists of integers (arrays with bad entries, array-likes, iterables, strings). */
const notIntLists = (): readonly unknown[] => [
  ...notNumbers().filter((v) => !(Array.isArray(v) && v.length === 1 && v[0] === 0)),
  0,
  ['0'],
  [{ valueOf: () => (touch('entry valueOf')(), 0) }],
  [1n],
  [new Number(0)],
  [Symbol('entry')],
  [0.5],
  [NaN],
  [Infinity],
  [2 ** 53],
  // eslint-disable-next-line no-sparse-arrays
  [, 0],
  Object.defineProperty([0], 0, { get: () => (touch('entry getter')(), 0) }),
  { length: 1, 0: 0 },
  { *[Symbol.iterator]() { touch('iterator')(); yield 0 } },
  Int32Array.of(0),
]

/** Hostile values for one attribute kind (each refused by `make`). */
const hostileFor = (kind: AttrKind): readonly unknown[] => {
  switch (kind) {
    case 'number': return notNumbers()
    case 'int': return [...notNumbers(), 0.5, NaN, Infinity, -Infinity, 2 ** 53]
    case 'bool': return [...notNumbers().filter((v) => v !== true), 1, 0, 'true']
    case 'ints': return notIntLists()
    case 'name': return [...notNumbers().filter((v) => typeof v !== 'string' || v === ''), 1]
    case 'values': return [
      ...notNumbers(), [1], ['1'], Float32Array.of(1), Object.create(Float64Array.prototype) as unknown,
      new Proxy(Float64Array.of(1), {}),
    ]
  }
}

/** A valid value of each kind (the sibling attributes of the one under test). */
const validFor = (kind: AttrKind): unknown =>
  kind === 'number' ? 0.5 : kind === 'int' ? 0 : kind === 'bool' ? false : kind === 'ints' ? [0, 0] : kind === 'name' ? 'h' : Float64Array.of(1, 2)

const x = K.input('hostileX', [2, 2])
const operandsOf = (op: OpName): Tensor[] => {
  const arity = opTable[op].arity
  return op === 'uniform' ? [K.constant([0, 0])] : Array.from({ length: arity === -1 ? 2 : arity }, () => x)
}
const opNames = Object.keys(opTable) as OpName[]
const schemaOf = (op: OpName): Readonly<Record<string, AttrKind>> => opTable[op].attrs
const validAttrs = (op: OpName): Record<string, unknown> =>
  Object.fromEntries(Object.entries(schemaOf(op)).map(([field, kind]) => [field, validFor(kind as AttrKind)]))


/** `f` throws an ArgumentError naming `op` and `field` (its message too), and the canary is untouched. */
const expectRefused = (f: () => unknown, op: string, field: string): void => {
  const e = caught(f)
  if (!(e instanceof ArgumentError)) throw new Error(`${op}: ${field}: expected an ArgumentError, got ${String(e)}`)
  expect([e.op, e.field]).toEqual([op, field])
  expect(e.message.startsWith(`${op}: ${field}: `)).toBe(true)
  expect(canary[CANARY]).toBeUndefined()
}

let functionsBefore = 0
beforeEach(() => {
  delete canary[CANARY]
  functionsBefore = compileStats().functionsCreated
})
afterEach(() => {
  expect(canary[CANARY]).toBeUndefined()
})

describe('make refuses hostile attributes of every op', () => {
  it('every record carries its attribute schema, matching the attributes of its sample', () => {
    for (const op of opNames) expect([op, Object.keys(schemaOf(op)).sort()]).toEqual([op, Object.keys(opTable[op].sample).sort()])
  })

  it.each(opNames)('%s: each attribute, each hostile value', (op) => {
    for (const [field, kind] of Object.entries(schemaOf(op)) as [string, AttrKind][])
      for (const h of hostileFor(kind))
        expectRefused(() => make(op, operandsOf(op), { ...validAttrs(op), [field]: h } as never, [2]), op, field)
    expect(compileStats().functionsCreated).toBe(functionsBefore)
  })

  it.each(opNames)('%s: a missing attribute, an unknown attribute, attributes that are not an object', (op) => {
    for (const field of Object.keys(schemaOf(op))) {
      const { [field]: _dropped, ...rest } = validAttrs(op)
      expectRefused(() => make(op, operandsOf(op), rest as never, [2]), op, field)
      const accessor = Object.defineProperty({ ...validAttrs(op) }, field, { get: touch('attribute getter'), enumerable: true })
      expectRefused(() => make(op, operandsOf(op), accessor as never, [2]), op, field)
    }
    for (const h of [1, ...notNumbers().slice(5, 9)]) expectRefused(() => make(op, operandsOf(op), { ...validAttrs(op), evil: h } as never, [2]), op, 'evil')
    for (const h of ['x', 1, null, [0], Symbol('a')]) expectRefused(() => make(op, operandsOf(op), h as never, [2]), op, 'attrs')
  })

  it.each(opNames.filter((op) => opTable[op].arity !== 0))('%s: an operand that is not a tensor', (op) => {
    for (const h of [...notNumbers(), 0, { _tag: 'Tensor', id: 1, op: 'input', args: [], attrs: { name: 'x' }, shape: [2] }]) {
      const args: unknown[] = operandsOf(op)
      args[0] = h
      expectRefused(() => make(op, args as Tensor[], validAttrs(op) as never, [2]), op, 'operands')
    }
  })

  it('a shape hint of non-numbers and an unknown op are refused', () => {
    for (const h of [['1'], [{ valueOf: () => (touch('valueOf')(), 1) }], [1n], [new Number(1)], [Symbol('d')], [[1]], 'ab', { length: 1, 0: 1 }])
      expectRefused(() => make('input', [], { name: 'h' }, h as never), 'input', 'shape')
    for (const op of ['constructor', '__proto__', 'toString', 'nope', 1, Symbol('op')])
      expectRefused(() => make(op as never, [], {} as never), 'make', 'op')
  })

  it('property: any value that is not a number is refused as a number attribute, and no code runs', () => {
    const hostile = fc.oneof(
      fc.string(), fc.bigInt(), fc.boolean(), fc.constant(null), fc.array(fc.double(), { minLength: 1, maxLength: 3 }),
      fc.double().map((v) => new Number(v)), fc.double().map((v) => ({ valueOf: () => (touch('valueOf')(), v), toString: () => (touch('toString')(), CODE) })),
      fc.string().map((s) => Symbol(s)), fc.object(),
    )
    fc.assert(
      fc.property(hostile, fc.constantFrom<OpName>('leakyRelu', 'pad'), (h, op) => {
        const attrs = op === 'pad' ? { before: [1, 0], after: [0, 1], value: h } : { alpha: h }
        expectRefused(() => make(op, [x], attrs as never), op, op === 'pad' ? 'value' : 'alpha')
        return canary[CANARY] === undefined
      }),
      { seed: 9, numRuns: 300 },
    )
    expect(compileStats().functionsCreated).toBe(functionsBefore)
  })
})

const y = K.input('hostileY', [2])

/** Public functions with a hostile argument: [public op, field, ops whose attribute this feeds, builder]. */
const publicCases: readonly (readonly [string, string, readonly OpName[], (h: unknown) => unknown])[] = [
  ['input', 'name', ['input'], (h) => K.input(h as string, [2])],
  ['param', 'name', ['param'], (h) => K.param(h as string, [2])],
  ['constant', 'values', ['constant'], (h) => K.constant(h as number[])],
  ['constant', 'values', ['constant'], (h) => K.constant([1, h as number])],
  ['scalar', 'value', ['constant'], (h) => K.scalar(h as number)],
  ['lift', 'x', ['constant'], (h) => K.lift(h as number)],
  ['uniformTensor', 'key', ['uniform'], (h) => K.uniformTensor(h as K.Key, [2])],
  ['uniformTensor', 'k0', ['uniform'], (h) => K.uniformTensor({ k0: h as number, k1: 0 }, [2])],
  ['uniformTensor', 'k1', ['uniform'], (h) => K.uniformTensor({ k0: 0, k1: h as number }, [2])],
  ['leakyRelu', 'alpha', ['leakyRelu'], (h) => K.leakyRelu(x, h as number)],
  ['dsigmoid', 'order', ['dsigmoid'], (h) => K.dsigmoid(x, h as number)],
  ['derf', 'order', ['derf'], (h) => K.derf(x, h as number)],
  ['pad', 'value', ['pad'], (h) => K.pad(x, [1, 0], [0, 1], h as number)],
  ['pad', 'before', ['pad'], (h) => K.pad(x, h as number[], [0, 1])],
  ['pad', 'after', ['pad'], (h) => K.pad(x, [1, 0], [h as number, 1])],
  ['sum', 'axes', ['sum'], (h) => K.sum(x, h as number)],
  ['sum', 'axes', ['sum'], (h) => K.sum(x, [0, h as number])],
  ['sum', 'keepDims', ['sum'], (h) => K.sum(x, 0, h as boolean)],
  ['max', 'axes', ['max'], (h) => K.max(x, h as number)],
  ['max', 'keepDims', ['max'], (h) => K.max(x, 0, h as boolean)],
  ['mean', 'keepDims', ['sum'], (h) => K.mean(x, 0, h as boolean)],
  ['min', 'keepDims', ['max'], (h) => K.min(x, 0, h as boolean)],
  ['logSumExp', 'axes', ['max', 'sum'], (h) => K.logSumExp(x, h as number)],
  ['softmax', 'axis', ['max', 'sum'], (h) => K.softmax(x, h as number)],
  ['transpose', 'perm', ['transpose'], (h) => K.transpose(x, h as number[])],
  ['transpose', 'perm', ['transpose'], (h) => K.transpose(x, [1, h as number])],
  ['slice', 'begin', ['slice'], (h) => K.slice(x, h as number[], [1, 1])],
  ['slice', 'size', ['slice'], (h) => K.slice(x, [0, 0], [1, h as number])],
  ['concat', 'axis', ['concat'], (h) => K.concat([x, x], h as number)],
  ['concat', 'xs', ['concat'], (h) => K.concat([x, h as Tensor])],
  ['oneHot', 'depth', ['oneHot'], (h) => K.oneHot(y, h as number)],
  ['reshape', 'shape', ['reshape'], (h) => K.reshape(x, [4, h as number] as never)],
  ['broadcastTo', 'shape', ['broadcastTo'], (h) => K.broadcastTo(y, [2, h as number])],
  ['clip', 'lo', ['constant', 'maximum'], (h) => K.clip(x, h as number, 1)],
  ['clip', 'hi', ['constant', 'minimum'], (h) => K.clip(x, 0, h as number)],
  ['pow', 'b', ['constant', 'pow'], (h) => K.pow(x, h as number)],
  ['add', 'a', ['constant', 'add'], (h) => K.add(h as number, x)],
  ['mul', 'b', ['constant', 'mul'], (h) => K.mul(x, h as number)],
  ['where', 'cond', ['where'], (h) => K.where(h as number, x, 0)],
  ['neg', 'x', ['neg'], (h) => K.neg(h as number)],
  ['leakyRelu', 'alpha', ['leakyRelu'], (h) => K.layers.leakyRelu(h as number)],
  ['elu', 'alpha', ['where'], (h) => K.elu(x, h as number)],
  ['elu', 'alpha', ['where'], (h) => K.layers.elu(h as number)],
  ['dropout', 'rate', ['uniform', 'greaterEqual'], (h) => K.dropout(h as number)],
  ['batchNorm', 'momentum', ['add'], (h) => K.batchNorm({ momentum: h as number })],
  ['batchNorm', 'eps', ['add'], (h) => K.batchNorm({ eps: h as number })],
  ['dense', 'units', ['matmul'], (h) => K.dense(h as number)],
  ['conv2d', 'filters', ['matmul'], (h) => K.conv2d(h as number, 3)],
  ['conv2d', 'kernelSize', ['slice'], (h) => K.conv2d(2, [3, h as number])],
  ['conv2d', 'stride', ['slice'], (h) => K.conv2d(2, 3, { stride: [1, h as number] })],
  ['maxPool2d', 'size', ['max'], (h) => K.maxPool2d(h as number)],
  ['reshape', 'shape', ['reshape'], (h) => K.layers.reshape([2, h as number])],
  ['l2Penalty', 'lambda', ['mul'], (h) => K.l2Penalty({ w: x }, h as number)],
  ['l1Penalty', 'lambda', ['mul'], (h) => K.l1Penalty({ w: x }, h as number)],
  ['clipByGlobalNorm', 'maxNorm', ['div'], (h) => K.clipByGlobalNorm(h as number)],
  ['emaParams', 'decay', ['mul'], (h) => K.emaParams(h as number)],
]

describe('public functions refuse hostile numeric arguments, naming the public op and argument', () => {
  it('every op with attributes is covered by a public case', () => {
    const fed = new Set(publicCases.flatMap(([, , ops]) => ops))
    // custom's one attribute is the number customVjp/customJvp registered, never an argument of a public function
    for (const op of opNames) if ((Object.keys(schemaOf(op)).length > 0 && op !== 'custom') || op === 'uniform') expect(fed.has(op), op).toBe(true)
  })

  it.each(publicCases.map((c, i) => [`${c[0]} ${c[1]} (#${i})`, c] as const))('%s', (_name, [op, field, , build]) => {
    const base = op === 'input' || op === 'param' ? hostileFor('name') : field === 'keepDims' ? hostileFor('bool') : notNumbers()
    // a one-number list is a valid argument of list parameters (refused later, if at all, by a shape rule)
    const lists = new Set(['before', 'perm', 'begin', 'values', 'key', 'xs', 'axes', 'size'])
    const values = base.filter((v) => (v !== undefined || field === 'values') && !(lists.has(field) && Array.isArray(v) && v.length === 1 && v[0] === 0))
    for (const h of values) expectRefused(() => build(h), op, field)
    expect(compileStats().functionsCreated).toBe(functionsBefore)
  })
})

describe('the reproductions of issue 9', () => {
  it("pad with the value '0)+globalThis.process.exit(42)+(0' is refused before anything runs", () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    try {
      const e = caught(() => {
        const yy = K.pad(x, [1, 0], [0, 1], '0)+globalThis.process.exit(42)+(0' as unknown as number)
        const exe = compile([yy])
        if (E.isRight(exe)) exe.right.run({ hostileX: [1, 2, 3, 4] })
      })
      expect(exit).not.toHaveBeenCalled()
      expect(e).toBeInstanceOf(ArgumentError)
      expect((e as Error).message).toBe('pad: value: expected a number, got the string "0)+globalThis.process.exit(42)+(0"')
    } finally {
      exit.mockRestore()
    }
    expect(compileStats().functionsCreated).toBe(functionsBefore)
  })

  it('leakyRelu with an alpha whose valueOf passes the range check and whose toString is code', () => {
    const alpha = { valueOf: () => 0.1, toString: () => CODE }
    expectRefused(() => {
      const exe = compile([K.leakyRelu(x, alpha as unknown as number)])
      if (E.isRight(exe)) exe.right.run({ hostileX: [1, 2, 3, 4] })
    }, 'leakyRelu', 'alpha')
    expectRefused(() => K.layers.leakyRelu(alpha as unknown as number), 'leakyRelu', 'alpha')
    expect(compileStats().functionsCreated).toBe(functionsBefore)
  })

  it("leakyRelu alpha '' is refused at build time (it was a SyntaxError in compile and 0 in the interpreter)", () => {
    expect(caught(() => K.leakyRelu(x, '' as unknown as number))?.toString()).toBe('ArgumentError: leakyRelu: alpha: expected a number, got the string ""')
    expectRefused(() => K.layers.leakyRelu('' as unknown as number), 'leakyRelu', 'alpha')
  })

  it('ranges are still RangeErrors, and their messages name the value without running it', () => {
    expect(caught(() => K.leakyRelu(x, 2))).toBeInstanceOf(RangeError)
    expect(caught(() => K.leakyRelu(x, NaN))).toBeInstanceOf(RangeError)
    expect(caught(() => K.dropout(1))).toBeInstanceOf(RangeError)
  })
})

describe('valid special values: compiled kernels agree with the interpreter bit for bit', () => {
  const specials = [-0, 0, NaN, Infinity, -Infinity, 5e-324, -1.7976931348623157e308, 0.1]
  const xs = [-0, NaN, -2.5, Infinity]
  const agree = (out: Tensor, feed: Record<string, readonly number[]>): void => {
    const want = K.evaluate([out], feed)[0]!
    for (const fuse of [true, false]) {
      const exe = compile([out], { fuse, cache: false })
      if (E.isLeft(exe)) throw new Error(exe.left.message)
      const got = exe.right.run(feed)[0]!
      expect(Array.from(got).every((v, i) => Object.is(v, want[i]))).toBe(true)
    }
  }

  it.each(specials)('pad value %s', (v) => {
    const out = K.pad(x, [1, 0], [0, 2], v)
    agree(out, { hostileX: xs })
    const padded = [...K.evaluate([out], { hostileX: xs })[0]!]
    expect(padded.some((p) => Object.is(p, v))).toBe(true)
  })

  it.each([0, -0, 1, 0.25, 5e-324])('leakyRelu alpha %s through the public API', (a) => {
    agree(K.leakyRelu(x, a), { hostileX: xs })
    agree(K.layers.leakyRelu(a).apply({}, x).y, { hostileX: xs })
  })

  it.each([NaN, Infinity, -Infinity, -0.5, 2])('leakyRelu alpha %s through make (the op accepts any number)', (a) => {
    agree(make('leakyRelu', [x], { alpha: a }), { hostileX: xs })
  })

  it.each(specials)('clip bounds, pow exponent and a constant of %s', (v) => {
    agree(K.clip(x, v, 1), { hostileX: xs })
    agree(K.pow(x, v), { hostileX: xs })
    agree(K.add(x, K.constant([v, 1, v, 2], [2, 2])), { hostileX: xs })
  })
})

describe('literals of generated code', () => {
  it('lit writes every number so that it reads back identically (-0, NaN, infinities included)', () => {
    fc.assert(
      fc.property(fc.double(), (v) => Object.is(new Function(`return ${lit(v)}`)(), v) && Object.is(new Function(`return -${lit(v)}`)(), -v)),
      { seed: 9, numRuns: 500 },
    )
    for (const v of [-0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE]) expect(Object.is(new Function(`return ${lit(v)}`)(), v)).toBe(true)
  })

  it('lit refuses anything that is not a primitive number with an internal error, running nothing', () => {
    for (const h of notNumbers()) {
      const e = caught(() => lit(h as number))
      expect(e).toBeInstanceOf(Error)
      expect((e as Error).message).toMatch(/^internal: lit: expected a primitive number, got /)
    }
  })

  it('intLit writes safe integers only', () => {
    expect([0, 7, -3, 2 ** 53 - 1, -0].map(intLit)).toEqual(['0', '7', '(-3)', '9007199254740991', '0'])
    for (const h of [...notNumbers(), 0.5, NaN, Infinity, 2 ** 53]) expect(() => intLit(h as number)).toThrow(/^internal: intLit: expected a safe integer, got /)
  })
})
