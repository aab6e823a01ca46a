/**
 * The op table's test cases, one per op (the type makes a new op without a case a compile error): ops
 * with a `domain` draw random shapes and values from it (`grad` cases), the others carry hand-picked
 * reference checks. Shared by the gradient specs (spec/core/ops.spec.ts) and the forward-mode and
 * batching rule specs (spec/transforms/op-rules.spec.ts).
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import * as K from '../../src/api.js'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { topoSort } from '../../src/graph.js'
import { opTable } from '../../src/optable.js'
import { key } from '../../src/random/key.js'
import { uniformAt } from '../../src/random/threefry.js'
import { sizeOf, type Shape } from '../../src/shape.js'
import { type OpName, type Tensor } from '../../src/tensor.js'
import { constant, input, param } from '../../src/make.js'
import { broadcastShapesArb, permArb, rand, randomValues, reduceArgsArb, sameSizeShape, shapeArb, valuesArb } from '../arbitraries.js'
import { evaluateUsed } from '../finiteDiff.js'
import { customVjp } from '../../src/transforms/custom.js'
import { jvp } from '../../src/transforms/forward.js'

/** One gradient test instance: param shapes and the expression built from the params. */
export interface GradCase {
  readonly shapes: readonly Shape[]
  readonly build: (xs: readonly Tensor[]) => Tensor
}
export type Case = { readonly kind: 'grad'; readonly arb: fc.Arbitrary<GradCase> } | { readonly kind: 'none'; readonly check: () => void }

export const TOL = 1e-6
export const FLOOR = 1e-2
const small = shapeArb({ maxRank: 3, maxDim: 3 })
const grads = (arb: fc.Arbitrary<GradCase>): Case => ({ kind: 'grad', arb })
const none = (check: () => void): Case => ({ kind: 'none', check })
const one = (shape: Shape, build: (x: Tensor) => Tensor): GradCase => ({ shapes: [shape], build: ([x]) => build(x!) })

const unary = (f: (x: Tensor) => Tensor): Case => grads(small.map((s) => one(s, f)))
const binary = (f: (a: Tensor, b: Tensor) => Tensor): Case =>
  grads(broadcastShapesArb(2).map(({ shapes }) => ({ shapes, build: ([a, b]) => f(a!, b!) })))

const reduction = (f: (x: Tensor, axes: readonly number[] | undefined, keepDims: boolean) => Tensor): Case =>
  grads(small.chain((s) => reduceArgsArb(s.length).map(({ axes, keepDims }) => one(s, (x) => f(x, axes, keepDims)))))

const sliceCase = small.chain((s) =>
  fc
    .tuple(...s.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b })))))
    .map((bs) => one(s, (x) => K.slice(x, bs.map(([b]) => b), bs.map(([, n]) => n)))),
)

const concatCase = fc
  .record({ base: shapeArb({ minRank: 1, maxRank: 3 }), sizes: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 3 }), pick: fc.nat() })
  .map(({ base, sizes, pick }) => {
    const axis = pick % base.length
    const shapes = sizes.map((n) => base.map((d, k) => (k === axis ? n : d)))
    return { shapes, build: (xs: readonly Tensor[]) => K.concat(xs, pick % 2 === 0 ? axis : axis - base.length) }
  })

const matmulCase = fc
  .record({ batch: broadcastShapesArb(2, shapeArb({ maxRank: 2, maxDim: 2 })), n: fc.integer({ min: 1, max: 3 }), k: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 3 }) })
  .map(({ batch, n, k, m }) => ({
    shapes: [[...batch.shapes[0]!, n, k], [...batch.shapes[1]!, k, m]],
    build: ([a, b]: readonly Tensor[]) => K.matmul(a!, b! as never),
  }))

const whereCase = fc
  .tuple(broadcastShapesArb(3), fc.integer())
  .map(([{ shapes }, seed]) => {
    const c = constant(randomValues(seed, sizeOf(shapes[0]!)).map((u) => (u > 0 ? 1 : 0)), shapes[0]!)
    return { shapes: shapes.slice(1), build: ([a, b]: readonly Tensor[]) => K.where(c, a!, b!) }
  })

const x3 = input('x', [3])

/** Every op, by name: the type makes a new op without a case a compile error. */
export const cases: { readonly [N in OpName]: Case } = {
  input: none(() => {
    expect(Array.from(evaluate([x3], { x: [1, -0, NaN] })[0]!)).toEqual([1, -0, NaN])
    expect(opTable.input.vjp(x3, x3 as never, K)).toEqual([])
    expect(() => opTable.input.evaluate([], x3 as never)).toThrow(/read from the bindings/)
  }),
  param: none(() => {
    const p = param('p', [2])
    expect(Array.from(evaluate([p], { p: [4, 5] })[0]!)).toEqual([4, 5])
    expect(Array.from(evaluateUsed(grad(K.sum(p), [p]), { p: [4, 5] })[0]!)).toEqual([1, 1])
  }),
  constant: none(() => {
    const c = constant([1, -0, NaN, Infinity], [2, 2])
    expect(Array.from(evaluate([c], {})[0]!)).toEqual([1, -0, NaN, Infinity])
    const p = param('p', [2, 2])
    expect(Array.from(evaluateUsed(grad(K.sum(K.mul(p, c)), [p]), { p: [0, 0, 0, 0] })[0]!)).toEqual([1, -0, NaN, Infinity])
  }),
  uniform: none(() => {
    const k = key(7)
    const u = evaluate([K.uniformTensor(k, [2, 3])], {})[0]!
    expect(Array.from(u)).toEqual(Array.from({ length: 6 }, (_, i) => uniformAt(k.k0, k.k1, i)))
    const kIn = input('k', [2])
    const p = param('p', [4])
    const ut = K.uniformTensor(kIn, [4])
    const [gp, gk] = evaluateUsed(grad(K.sum(K.mul(ut, p)), [p, kIn]), { k: [k.k0, k.k1], p: [1, 2, 3, 4] })
    expect(Array.from(gp!)).toEqual(Array.from({ length: 4 }, (_, i) => uniformAt(k.k0, k.k1, i)))
    expect(Array.from(gk!)).toEqual([0, 0])
    expect(opTable.uniform.vjp(ut, ut as never, K)).toEqual([undefined])
  }),
  neg: unary(K.neg),
  exp: unary(K.exp),
  log: unary(K.log),
  sqrt: unary(K.sqrt),
  abs: unary(K.abs),
  sign: none(() => {
    const y = evaluate([K.sign(x3)], { x: [-2, -0, 3] })[0]!
    expect(Array.from(y)).toEqual([-1, -0, 1])
    expect(Array.from(evaluate([K.sign(x3)], { x: [NaN, -Infinity, 0] })[0]!)).toEqual([NaN, -1, 0])
    zeroGrad((x) => K.sign(x))
  }),
  tanh: unary(K.tanh),
  sigmoid: unary(K.sigmoid),
  relu: unary(K.relu),
  leakyRelu: grads(fc.tuple(small, fc.double({ min: 0, max: 1, noNaN: true })).map(([s, a]) => one(s, (x) => K.leakyRelu(x, a)))),
  softplus: unary(K.softplus),
  erf: unary(K.erf),
  log1p: unary(K.log1p),
  expm1: unary(K.expm1),
  dsigmoid: unary(K.dsigmoid),
  derf: unary(K.derf),
  stopGradient: none(() => {
    expect(Array.from(evaluate([K.stopGradient(x3)], { x: [1, -0, NaN] })[0]!)).toEqual([1, -0, NaN])
    zeroGrad((x) => K.stopGradient(x))
    const p = param('p', [3])
    expect(Array.from(evaluate(grad(K.sum(K.mul(p, K.stopGradient(p))), [p]), { p: [1, 2, 3] })[0]!)).toEqual([1, 2, 3])
  }),
  add: binary(K.add),
  sub: binary(K.sub),
  mul: binary(K.mul),
  div: binary(K.div),
  pow: binary(K.pow),
  maximum: binary(K.maximum),
  minimum: binary(K.minimum),
  atan2: binary(K.atan2),
  greater: compare(K.greater, [0, 0, 1, 0, 0, 0, 1]),
  greaterEqual: compare(K.greaterEqual, [0, 1, 1, 0, 0, 1, 1]),
  less: compare(K.less, [1, 0, 0, 0, 0, 0, 0]),
  lessEqual: compare(K.lessEqual, [1, 1, 0, 0, 0, 1, 0]),
  equal: compare(K.equal, [0, 1, 0, 0, 0, 1, 0]),
  notEqual: compare(K.notEqual, [1, 0, 1, 1, 1, 0, 1]),
  where: grads(whereCase),
  sum: reduction((x, a, kd) => K.sum(x, a, kd)),
  max: reduction((x, a, kd) => K.max(x, a, kd)),
  matmul: grads(matmulCase),
  transpose: grads(shapeArb({ minRank: 1, maxRank: 4 }).chain((s) => permArb(s.length).map((p) => one(s, (x) => K.transpose(x, p))))),
  reshape: grads(
    fc.tuple(small, fc.integer(), fc.boolean()).map(([s, seed, hole]) => {
      const target = [...sameSizeShape(rand(seed), s)]
      if (hole && target.length > 0 && sizeOf(target) > 0) target[seed & 1 ? 0 : target.length - 1] = -1
      return one(s, (x) => K.reshape(x, target as never))
    }),
  ),
  broadcastTo: grads(broadcastShapesArb(2).map(({ out, shapes }) => one(shapes[0]!, (x) => K.broadcastTo(x, out)))),
  slice: grads(sliceCase),
  concat: grads(concatCase),
  pad: grads(
    small.chain((s) =>
      fc
        .tuple(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2 * s.length, maxLength: 2 * s.length }), fc.double({ min: -2, max: 2, noNaN: true }))
        .map(([ps, v]) => one(s, (x) => K.pad(x, ps.slice(0, s.length), ps.slice(s.length), v))),
    ),
  ),
  oneHot: none(() => {
    const labels = input('y', [6])
    const y = evaluate([K.oneHot(labels, 3)], { y: [0, 2, -1, 3, 1.5, NaN] })[0]!
    expect(Array.from(y)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(opTable.oneHot.vjp(K.oneHot(labels, 3), K.oneHot(labels, 3) as never, K)).toEqual([undefined])
    zeroGrad((x) => K.oneHot(x, 2))
  }),
  custom: none(() => {
    // the sign, differentiated as twice the identity (both modes; the forward one is the transposed bwd)
    const twice = customVjp((x: Tensor) => K.sign(x), (x) => [K.sign(x), []], (_r, g) => [K.mul(g, 2)], { name: 'twiceThrough' })
    const p = param('p', [3])
    const y = twice(p)
    const at = { p: [-2, 0, 3] }
    expect(Array.from(evaluate([y], at)[0]!)).toEqual([-1, 0, 1])
    expect(Array.from(evaluateUsed(grad(K.sum(y), [p]), at)[0]!)).toEqual([2, 2, 2])
    expect(Array.from(evaluateUsed([jvp(y, [p], [constant([1, 2, 3])])], at)[0]!)).toEqual([2, 4, 6])
    expect(opTable.custom.showAttrs!(y as never)).toBe('twiceThrough')
  }),
}

/** Comparisons on hand-picked pairs (a < b, a = b, a > b, NaN, NaN, -0 = 0, Infinity > big). */
function compare(f: (a: Tensor, b: Tensor) => Tensor, want: readonly number[]): Case {
  return none(() => {
    const [a, b] = [input('a', [7]), input('b', [7])]
    const y = evaluate([f(a, b)], { a: [1, 2, 3, NaN, 1, -0, Infinity], b: [2, 2, 2, 1, NaN, 0, 1e308] })[0]!
    expect(Array.from(y)).toEqual(want)
    const bc = evaluate([f(input('c', [2, 1]), input('d', [3]))], { c: [0, 5], d: [0, 5, 9] })[0]!
    expect(bc.length).toBe(6)
    zeroGrad((x) => f(x, K.mul(x, 0.5)))
    const node = f(a, b)
    expect(opTable[node.op as 'greater'].vjp(node, node as never, K)).toEqual([undefined, undefined])
  })
}

/** The gradient through `f` is identically zero (rule gives no cotangent). */
function zeroGrad(f: (x: Tensor) => Tensor): void {
  const p = param('zp', [4])
  const y = f(p)
  const loss = K.sum(K.mul(y, constant(randomValues(5, sizeOf(y.shape)), y.shape)))
  expect(Array.from(evaluateUsed(grad(loss, [p]), { zp: [0.5, -1, 2, 0] })[0]!)).toEqual([0, 0, 0, 0])
}

export const names = Object.keys(opTable) as OpName[]
export const covered = new Set<string>()

/** Draws a case, operand values from the op's domain and a seed for weights / directions. */
export const instances = (op: OpName, arb: fc.Arbitrary<GradCase>) => {
  const domain = opTable[op].domain!
  return arb.chain((c) => fc.tuple(fc.constant(c), valuesArb(domain, c.shapes.map(sizeOf)), fc.integer()))
}

export const setup = (op: OpName, c: GradCase, values: readonly Float64Array[]) => {
  const leaves = c.shapes.map((s, i) => param(`x${i}`, s))
  const y = c.build(leaves)
  if (topoSort([y]).some((t) => t.op === op)) covered.add(op)
  const bindings = Object.fromEntries(leaves.map((_, i) => [`x${i}`, values[i]!]))
  return { leaves, y, bindings }
}

