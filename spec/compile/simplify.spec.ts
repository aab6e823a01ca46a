import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  abs, add, broadcastTo, constant, evaluate, exp, greater, grad, input, log, matmul, max, mul, neg, param, reshape,
  scalar, show, sigmoid, square, stopGradient, sub, sum, tanh, topoSort, transpose, where, relu, maximum, minimum,
  reducedShape, sizeOf, type Bindings, type OpName, type Shape, type Tensor,
} from '../../src/index.js'
import { make } from '../../src/make.js'
import { straightThrough } from './arbitraries.js'
import { leavesOf } from '../../src/graph.js'
import { rules, simplify, rewriteWith, type Rule } from '../../src/compile/simplify.js'

// ---------- helpers ----------
const mk = (op: OpName, ...args: Tensor[]): Tensor => make(op, args, {} as never)
const view = (op: 'reshape' | 'broadcastTo', x: Tensor, s: Shape): Tensor => make(op, [x], {}, s)
const run = (t: Tensor, b: Bindings): Float64Array => {
  const names = new Set(leavesOf(topoSort([t])).keys())
  return evaluate([t], Object.fromEntries(Object.entries(b).filter(([k]) => names.has(k))))[0]!
}
const bitwise = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]))
/** Equal within `rel` relative to the larger magnitude (or to `scale`); NaN only matches NaN. */
const close = (got: Float64Array, want: Float64Array, rel = 1e-12, scale = 0): boolean =>
  got.length === want.length &&
  got.every((g, i) => {
    const w = want[i]!
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) return true
    return Number.isFinite(g - w) && Math.abs(g - w) <= rel * Math.max(Math.abs(g), Math.abs(w), scale)
  })
const opCount = (ts: readonly Tensor[]): number => topoSort(ts).filter((t) => t.args.length > 0).length
/**
 * Operations never grow. All nodes never grow either, except (`sumCount`) by the count constant of
 * `sum-broadcast` when the summed broadcast is shared and stays alive (see the test below).
 */
const expectNoBigger = (before: readonly Tensor[], after: readonly Tensor[], sumCount: boolean): void => {
  expect(opCount(after)).toBeLessThanOrEqual(opCount(before))
  const old = new Set(topoSort(before).map((t) => t.id))
  const fresh = sumCount ? topoSort(after).filter((t) => t.op === 'constant' && !old.has(t.id) && sizeOf(t.shape) === 1).length : 0
  expect(topoSort(after).length - fresh).toBeLessThanOrEqual(topoSort(before).length)
}
const bindingsFor = (ts: readonly Tensor[], value: fc.Arbitrary<number>): fc.Arbitrary<Record<string, Float64Array>> =>
  fc.record(
    Object.fromEntries(
      [...leavesOf(topoSort(ts)).values()].map((l) => {
        const n = sizeOf(l.shape)
        return [l.attrs.name, fc.array(value, { minLength: n, maxLength: n }).map((v) => Float64Array.from(v))]
      }),
    ),
  )

// ---------- values and per-rule example generators ----------
const anyDouble: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1, -1, 2, 0.5, 1e308, 5e-324), fc.double())
const mild = fc.double({ min: -2, max: 2, noNaN: true })
const shapeArb = fc.constantFrom<Shape>([], [3], [2, 3])
/** An operand of shape s: a leaf or a simple expression of one. */
const operand = (s: Shape, name = 'x'): fc.Arbitrary<Tensor> => {
  const x = input(name, s)
  return fc.constantFrom(x, exp(x), neg(x))
}
/** The number v as an operand next to shape s: a scalar, a same-shape constant, or a fill that widens the result. */
const fill = (v: number, s: Shape, widen: boolean): fc.Arbitrary<Tensor> =>
  fc.constantFrom(scalar(v), constant(new Array<number>(sizeOf(s)).fill(v), s), ...(widen ? [broadcastTo(scalar(v), [2, ...s])] : []))
const withUnit = (op: OpName, v: number, bothSides: boolean, widen = true): fc.Arbitrary<Tensor> =>
  shapeArb
    .chain((s) => fc.tuple(operand(s), fill(v, s, widen), fc.boolean()))
    .map(([x, u, left]) => (left && bothSides ? mk(op, u, x) : mk(op, x, u)))
const pair = shapeArb.chain((s) => fc.tuple(operand(s), shapeArb.chain((t) => operand(t, 'y')), fc.boolean()))
const consts = (s: Shape): fc.Arbitrary<Tensor> => fc.array(anyDouble, { minLength: sizeOf(s), maxLength: sizeOf(s) }).map((v) => constant(v, s))
const perm3 = fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 })
const moderate = fc.tuple(fc.double({ min: 0.1, max: 2, noNaN: true }), fc.boolean()).map(([v, s]) => (s ? -v : v))
const signedMagnitude = fc.tuple(fc.double({ min: 1e-3, max: 700, noNaN: true }), fc.boolean()).map(([v, s]) => (s ? -v : v))

interface Example {
  readonly expr: fc.Arbitrary<Tensor>
  /** Input values; every double (NaN, infinities, -0) unless the rule's note restricts it. */
  readonly values?: fc.Arbitrary<number>
}

const examples: Readonly<Record<string, Example>> = {
  'fill-view': {
    expr: fc.tuple(anyDouble, fc.boolean()).map(([v, r]) => {
      const f = broadcastTo(scalar(v), [2, 3])
      return r ? reshape(f, [3, 2]) : transpose(f)
    }),
  },
  fold: {
    expr: fc.oneof(
      fc
        .tuple(consts([2, 3]), consts([3]), fc.constantFrom<OpName>('add', 'sub', 'mul', 'div', 'pow', 'maximum', 'greater', 'equal', 'notEqual'))
        .map(([a, b, op]) => mk(op, a, b)),
      consts([2, 3]).chain((a) => fc.constantFrom(exp(a), sum(a, 1), max(a, 0), transpose(a), reshape(a, [6]))),
      fc.tuple(consts([2, 3]), consts([3, 2])).map(([a, b]) => matmul(a, b)),
      fc.tuple(consts([3]), consts([3]), consts([])).map(([c, a, b]) => where(c, a, b)),
      consts([3]).map((a) => sum(broadcastTo(a, [2, 3]), 0)),
    ),
  },
  'stop-gradient': { expr: shapeArb.chain((s) => operand(s)).map(stopGradient) },
  'custom-primal': { expr: shapeArb.chain((s) => operand(s)).map((x) => straightThrough(exp(x))) },
  'mul-one': { expr: withUnit('mul', 1, true) },
  'div-one': { expr: withUnit('div', 1, false) },
  'sub-zero': { expr: withUnit('sub', 0, false) },
  'add-neg-zero': { expr: withUnit('add', -0, true) },
  'add-zero': { expr: withUnit('add', 0, true) },
  'pow-one': { expr: withUnit('pow', 1, false) },
  'mul-neg-one': { expr: withUnit('mul', -1, true, false) },
  'pow-two': { expr: withUnit('pow', 2, false, false) },
  'neg-neg': { expr: shapeArb.chain((s) => operand(s)).map((x) => neg(neg(x))) },
  'sub-neg': { expr: pair.map(([x, y]) => sub(x, neg(y))) },
  'add-neg': { expr: pair.map(([x, y, left]) => (left ? add(neg(y), x) : add(x, neg(y)))) },
  'log-exp': { expr: shapeArb.map((s) => log(exp(input('x', s)))), values: signedMagnitude },
  'transpose-compose': { expr: fc.tuple(perm3, perm3).map(([p, q]) => transpose(transpose(exp(input('x', [2, 3, 4])), p), q)) },
  'transpose-identity': { expr: fc.constantFrom(transpose(input('x', [2, 3]), [0, 1]), transpose(input('x', [2, 3, 4]), [0, 1, 2])) },
  'reshape-compose': {
    expr: operand([2, 3]).chain((x) => fc.constantFrom(reshape(reshape(x, [6]), [3, 2]), reshape(reshape(x, [3, 2]), [2, 3]), reshape(reshape(x, [1, 6]), [6]))),
  },
  'reshape-identity': { expr: shapeArb.chain((s) => operand(s)).map((x) => view('reshape', x, x.shape)) },
  'broadcast-compose': { expr: shapeArb.chain((s) => operand(s)).map((x) => broadcastTo(view('broadcastTo', x, [2, 3]), [4, 2, 3])) },
  'broadcast-identity': { expr: shapeArb.chain((s) => operand(s)).map((x) => view('broadcastTo', x, x.shape)) },
  'broadcast-implicit': {
    expr: fc
      .tuple(operand([2, 3]), operand([3], 'y'), fc.constantFrom<OpName>('add', 'sub', 'mul', 'div', 'pow', 'maximum', 'greater', 'where'))
      .map(([x, y, op]) => (op === 'where' ? where(broadcastTo(y, [2, 3]), x, 0) : mk(op, x, broadcastTo(y, [2, 3])))),
  },
  'where-same': { expr: fc.tuple(shapeArb, shapeArb).chain(([s, t]) => operand(s).map((x) => where(input('c', t), x, x))) },
  'sum-none': { expr: shapeArb.chain((s) => operand(s)).map((x) => make('sum', [x], { axes: [], keepDims: false })) },
  'max-none': { expr: shapeArb.chain((s) => operand(s)).map((x) => make('max', [x], { axes: [], keepDims: false })) },
  'sum-drop-kept': {
    expr: fc.tuple(operand([2, 3, 4]), fc.subarray([0, 1, 2], { minLength: 1 })).map(([x, axes]) => reshape(sum(x, axes, true), reducedShape(x.shape, axes, false))),
  },
  // stabilizing rules: values within 1e-12 where nothing cancels (their accuracy is spec/accuracy's)
  'one-minus-sigmoid': { expr: shapeArb.chain((s) => fc.tuple(operand(s), fill(1, s, false))).map(([x, one]) => sub(one, sigmoid(x))), values: moderate },
  'log-sigmoid': { expr: shapeArb.chain((s) => operand(s)).map((x) => log(sigmoid(x))), values: moderate },
  log1p: {
    expr: shapeArb.chain((s) => fc.tuple(operand(s), fill(1, s, false), fc.nat({ max: 2 }))).map(([x, one, k]) => log(k === 0 ? add(one, x) : k === 1 ? add(x, one) : sub(one, x))),
    values: moderate,
  },
  expm1: {
    expr: shapeArb.chain((s) => fc.tuple(operand(s), fc.nat({ max: 2 }))).map(([x, k]) => (k === 0 ? sub(exp(x), 1) : k === 1 ? add(exp(x), -1) : add(-1, exp(x)))),
    values: moderate,
  },
  'sigmoid-difference': { expr: fc.tuple(shapeArb.chain((s) => operand(s)), fc.boolean()).map(([x, l]) => (l ? sub(sigmoid(neg(x)), sigmoid(x)) : sub(sigmoid(x), sigmoid(neg(x))))), values: moderate },
  'log-sum-exp': {
    expr: fc.tuple(operand([2, 3]), fc.constantFrom<number[]>([1], [0], [0, 1]), fc.boolean()).map(([x, axes, kd]) => log(sum(exp(x), axes, kd))),
    values: moderate,
  },
  'sum-broadcast': {
    expr: fc.constantFrom(
      sum(broadcastTo(input('x', [3]), [4, 3]), 0),
      sum(broadcastTo(input('x', [3]), [4, 3]), 0, true),
      sum(broadcastTo(input('x', [3, 1]), [3, 4]), 1, true),
      sum(broadcastTo(input('x', [3]), [2, 4, 3]), [0, 1]),
      sum(broadcastTo(input('x', []), [5])),
    ),
  },
}

describe('simplify rules (table-driven)', () => {
  it('every rule has an example generator and every generator names a rule', () => {
    expect(Object.keys(examples).sort()).toEqual(rules.map((r) => r.name).sort())
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length)
  })

  it('inexact rules say why in their note; exact ones have none', () => {
    for (const r of rules) expect(r.exact ? r.note === undefined : (r.note ?? '').length > 10, r.name).toBe(true)
  })

  for (const r of rules)
    it(`${r.name}: ${r.exact ? 'bit-identical values' : 'values within 1e-12'} on generated matches`, () => {
      const ex = examples[r.name]!
      fc.assert(
        fc.property(
          ex.expr.chain((e) => fc.tuple(fc.constant(e), bindingsFor([e], ex.values ?? anyDouble))),
          ([e, b]) => {
            const out = r.rewrite(e)
            expect(out, `${r.name} matches ${show(e)}`).toBeDefined()
            const [viaEngine] = rewriteWith([r], [e])
            const want = run(e, b)
            for (const t of [out!, viaEngine!]) {
              expect(t.shape).toEqual(e.shape)
              const got = run(t, b)
              if (r.exact) expect(Array.from(got), `${show(e)} -> ${show(t)}`).toEqual(Array.from(want))
              else expect(close(got, want), `${show(e)} -> ${show(t)}: ${got} vs ${want}`).toBe(true)
            }
          },
        ),
        { seed: 20240517, numRuns: 60 },
      )
    })

  // one input where each inexact rule really changes a value: the `exact: false` flags are needed
  const x0 = input('x', [])
  const witnesses: Readonly<Record<string, readonly [Tensor, number]>> = {
    'add-zero': [add(x0, 0), -0],
    'log-exp': [log(exp(x0)), 800],
    'sum-none': [make('sum', [x0], { axes: [], keepDims: false }), -0],
    'sum-broadcast': [sum(broadcastTo(x0, [10])), 0.1],
    'one-minus-sigmoid': [sub(1, sigmoid(x0)), 40],
    'log-sigmoid': [log(sigmoid(x0)), -800],
    log1p: [log(add(1, x0)), 1e-20],
    expm1: [sub(exp(x0), 1), 1e-20],
    'sigmoid-difference': [sub(sigmoid(neg(x0)), sigmoid(x0)), 1e-20],
    'log-sum-exp': [log(sum(exp(x0))), 800],
  }
  it('every inexact rule has a witness input where its rewrite changes the value', () => {
    expect(Object.keys(witnesses).sort()).toEqual(rules.filter((r) => !r.exact).map((r) => r.name).sort())
    for (const [name, [e, v]] of Object.entries(witnesses)) {
      const r = rules.find((q) => q.name === name)!
      expect(bitwise(run(r.rewrite(e)!, { x: v }), run(e, { x: v })), name).toBe(false)
      const [kept] = simplify([e], { exactOnly: true })
      expect(bitwise(run(kept!, { x: v }), run(e, { x: v })), `${name} is not used when exactOnly`).toBe(true)
    }
  })
})

// ---------- random graphs ----------
type Recipe =
  | { readonly k: 'leaf'; readonly i: number }
  | { readonly k: 'un'; readonly op: string; readonly a: Recipe }
  | { readonly k: 'bin'; readonly op: string; readonly a: Recipe; readonly b: Recipe }

const [X, B, C, Z] = [param('x', [2, 3]), param('b', [3]), param('c', []), input('z', [2, 3])] as const
const S23 = [2, 3] as const
const LEAVES: readonly Tensor[] = [X, broadcastTo(B, S23), broadcastTo(C, S23), Z, broadcastTo(scalar(3), S23), constant([1, -2, 3, -4, 5, -6], S23)]
const UN: Readonly<Record<string, (a: Tensor) => Tensor>> = {
  neg, tanh, sigmoid, relu, abs, stopGradient,
  expTanh: (a) => exp(tanh(a)),
  logExp: (a) => log(exp(tanh(a))),
  mul1: (a) => mk('mul', a, scalar(1)),
  mul1L: (a) => mk('mul', broadcastTo(scalar(1), S23), a),
  mulM1: (a) => mk('mul', a, scalar(-1)),
  mul2: (a) => mk('mul', scalar(2), a),
  div1: (a) => mk('div', a, scalar(1)),
  half: (a) => mk('div', a, scalar(2)),
  add0: (a) => mk('add', a, scalar(0)),
  add0L: (a) => mk('add', scalar(-0), a),
  sub0: (a) => mk('sub', a, scalar(0)),
  pow1: (a) => mk('pow', a, scalar(1)),
  pow2: (a) => mk('pow', a, scalar(2)),
  negNeg: (a) => neg(neg(a)),
  tt: (a) => transpose(transpose(a)),
  rr: (a) => reshape(reshape(a, [3, 2]), S23),
  rowSum: (a) => broadcastTo(sum(a, 0, true), S23),
  colSum: (a) => broadcastTo(reshape(sum(a, 1), [2, 1]), S23),
  sumBcast: (a) => broadcastTo(sum(broadcastTo(sum(a, 0), [4, 3]), 0, true), S23),
  bb: (a) => broadcastTo(broadcastTo(sum(a, [0, 1]), [3]), S23),
  meanAll: (a) => mul(broadcastTo(sum(a, [0, 1], true), S23), broadcastTo(scalar(0.25), S23)),
  whereSame: (a) => where(greater(a, 0), a, a),
  sumNone: (a) => make('sum', [a], { axes: [], keepDims: false }),
  maxNone: (a) => make('max', [a], { axes: [], keepDims: false }),
}
const BIN: Readonly<Record<string, (a: Tensor, b: Tensor) => Tensor>> = {
  add, sub, mul, maximum, minimum,
  subNeg: (a, b) => sub(a, neg(b)),
  addNeg: (a, b) => add(neg(b), a),
  pick: (a, b) => where(greater(a, b), a, b),
  rowAdd: (a, b) => add(a, broadcastTo(sum(b, 0), S23)),
}
const recipe = fc.letrec<{ r: Recipe }>((tie) => ({
  r: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'recipe' },
    fc.record({ k: fc.constant('leaf' as const), i: fc.nat({ max: LEAVES.length - 1 }) }),
    fc.record({ k: fc.constant('un' as const), op: fc.constantFrom(...Object.keys(UN)), a: tie('r') }),
    fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom(...Object.keys(BIN)), a: tie('r'), b: tie('r') }),
  ),
})).r
const build = (r: Recipe): Tensor =>
  r.k === 'leaf' ? LEAVES[r.i]! : r.k === 'un' ? UN[r.op]!(build(r.a)) : BIN[r.op]!(build(r.a), build(r.b))
/** An expression, its loss and the loss's gradients. */
const graph = recipe.map((r) => {
  const e = build(r)
  const loss = sum(mul(e, input('w', S23)))
  return [e, loss, ...grad(loss, [X, B, C])]
})

describe('simplify on random graphs (depth <= 5, with their gradients)', () => {
  const cases = graph.chain((outs) => fc.tuple(fc.constant(outs), bindingsFor(outs, mild)))

  it('exactOnly: bit-identical values, never more nodes', () => {
    fc.assert(
      fc.property(cases, ([outs, b]) => {
        const after = simplify(outs, { exactOnly: true })
        expectNoBigger(outs, after, false)
        outs.forEach((o, i) => {
          expect(after[i]!.shape).toEqual(o.shape)
          expect(Array.from(run(after[i]!, b)), show(o)).toEqual(Array.from(run(o, b)))
        })
      }),
      { seed: 7, numRuns: 150 },
    )
  })

  it('default rules: the same values up to rounding, never more operations', () => {
    fc.assert(
      fc.property(cases, ([outs, b]) => {
        const after = simplify(outs)
        expectNoBigger(outs, after, true)
        outs.forEach((o, i) => {
          const want = run(o, b)
          const scale = 1 + want.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
          expect(close(run(after[i]!, b), want, 1e-9, scale), `${show(o)}\n=> ${show(after[i]!)}`).toBe(true)
        })
      }),
      { seed: 11, numRuns: 150 },
    )
  })
})

describe('simplify: graph structure', () => {
  const x = input('x', [3])
  const y = input('y', [3])

  it('keeps only what the outputs need (dead code is not in the result)', () => {
    const e = exp(x)
    const out = where(greater(input('z', [3]), 0), e, e) // the condition no longer matters
    const padded = mk('add', mk('mul', out, scalar(1)), scalar(-0))
    const [s] = simplify([padded])
    expect(s).toBe(e)
    const kept = topoSort([s!])
    expect(kept.map((t) => t.op)).toEqual(['input', 'exp'])
    expect(topoSort([padded]).length).toBe(10)
  })

  it('merges subexpressions that become equal (CSE through hash-consing)', () => {
    const e1 = exp(mk('mul', x, scalar(1)))
    const e2 = exp(neg(neg(x)))
    const e3 = exp(stopGradient(x))
    expect(e1).not.toBe(e2)
    const [s] = simplify([add(add(e1, e2), e3)])
    const [a, b] = s!.args as [Tensor, Tensor]
    expect(a.args[0]).toBe(a.args[1])
    expect(a.args[0]).toBe(b)
    expect(topoSort([s!]).length).toBe(4) // x, exp, add, add
    expect(show(s!)).toBe('let t1 = exp(x)\n((t1 + t1) + t1)')
  })

  it('keeps shared nodes shared and returns untouched graphs unchanged', () => {
    const t = tanh(add(x, y))
    const outs = [mul(t, x), sub(t, y)]
    const after = simplify(outs)
    expect(after).toEqual(outs)
    after.forEach((o, i) => expect(o).toBe(outs[i]))
    const [p, q] = simplify([mk('mul', mul(t, x), scalar(1)), neg(neg(sub(t, y)))])
    expect(p!.args[0]).toBe(q!.args[0])
  })

  it('sum-broadcast of a broadcast that stays alive adds its count constant (the one way nodes grow)', () => {
    const e = broadcastTo(x, [4, 3])
    const outs = [e, sum(e, 0)]
    const after = simplify(outs)
    expect(show(after)).toBe('broadcastTo(x, [4,3])\n(x * 4)')
    expect([opCount(after), topoSort(after).length]).toEqual([2, 4])
    expect([opCount(outs), topoSort(outs).length]).toEqual([2, 3])
    expect(simplify(outs, { exactOnly: true })).toEqual(outs)
  })

  it('gives the same node for an output listed twice', () => {
    const o = neg(neg(x))
    const [a, b] = simplify([o, o])
    expect(a).toBe(x)
    expect(b).toBe(x)
  })
})

describe('simplify: the gradient of a least-squares loss', () => {
  const x = input('x', [4, 3])
  const w = param('w', [3, 2])
  const y = input('y', [4, 2])
  const [g] = grad(sum(square(sub(matmul(x, w), y))), [w])
  const before = show(g!)
  const [s] = simplify([g!])
  const after = show(s!)
  const line = (t: string): string => t.replace(/\n/g, ' ; ')

  it(`shortens the formula: "${line(before)}" => "${line(after)}"`, () => {
    expect(after).toBe('let t1 = (matmul(x, w) - y)\nmatmul(transpose(x, perm=[1,0]), (t1 + t1))')
    expect(after.length).toBeLessThan(before.length - 30)
    expect(topoSort([s!]).length).toBeLessThan(topoSort([g!]).length)
    const b = { x: Float64Array.from({ length: 12 }, (_, i) => i / 7 - 0.5), w: [1, -2, 0.5, 3, -1, 2], y: [1, 2, 3, 4, 5, 6, 7, 8] }
    expect(Array.from(run(s!, b))).toEqual(Array.from(run(g!, b)))
  })
})

describe('simplify: options and broken invariants', () => {
  const x = input('x', [3])
  const y = input('y', [3])

  it('exactOnly leaves inexact patterns alone', () => {
    const e = add(x, 0)
    expect(simplify([e], { exactOnly: true })[0]).toBe(e)
    expect(simplify([e])[0]).toBe(x)
  })

  it('rejects unknown or mistyped options, naming them', () => {
    expect(() => simplify([x], { exact: true } as never)).toThrow(/simplify: exact: unknown option; did you mean 'exactOnly'\?/)
    expect(() => simplify([x], { exactOnly: 'yes' } as never)).toThrow('simplify: exactOnly: expected true or false, got the string "yes"')
  })

  it('throws on a rule that loops', () => {
    const swap: Rule = { name: 'swap', exact: true, rewrite: (t) => (t.op === 'add' ? mk('add', t.args[1]!, t.args[0]!) : undefined) }
    expect(() => rewriteWith([swap], [add(x, y)])).toThrow(/rule loop at add \[3\].*swap -> swap/)
  })

  it('throws on a rule that expands a node into itself', () => {
    const grow: Rule = { name: 'grow', exact: true, rewrite: (t) => (t.op === 'exp' ? exp(neg(neg(t))) : undefined) }
    expect(() => rewriteWith([grow], [exp(x)])).toThrow(/rule loop at exp/)
  })

  it('throws on a rule that changes a shape', () => {
    const bad: Rule = { name: 'bad', exact: true, rewrite: (t) => (t.op === 'exp' ? sum(t.args[0]!) : undefined) }
    expect(() => rewriteWith([bad], [exp(x)])).toThrow(/rule 'bad' turned exp \[3\] into sum \[\]/)
  })

  it('with no rules, returns the outputs themselves', () => {
    const o = [neg(neg(x)), exp(y)]
    expect(rewriteWith([], o)).toEqual(o)
  })
})

describe('simplify: rules that can change values beyond rounding are opt-in', () => {
  it('leaves log(exp x) alone by default, so compiled results keep matching the interpreter where exp overflows', () => {
    const x = input('x', [2])
    const y = log(exp(x))
    expect(simplify([y])[0]).toBe(y)
    expect(simplify([y], { overflow: true })[0]).toBe(x)
    expect(rules.filter((r) => r.overflow === true).map((r) => r.name)).toEqual(['log-exp'])
    expect(() => simplify([y], { overflow: 1 as unknown as boolean })).toThrow('simplify: overflow: expected true or false, got 1')
  })
})
