/**
 * Random expression graphs for compiler properties: a pool of leaves grown by random instructions,
 * depth at most 6, plus gradients of a scalar loss with respect to the params. Every elementwise op of
 * the table takes part by itself (its record's arity and sample attributes); every other op has a
 * generator in a table typed by the op names, so a new op cannot be left out of these properties.
 */
import fc from 'fast-check'
import * as K from '../../src/index.js'
import { leavesOf, topoSort } from '../../src/graph.js'
import { make } from '../../src/make.js'
import type { ElementwiseAttrs } from '../../src/ops/elementwise.js'
import { opNames, opTable } from '../../src/optable.js'
import { tryBroadcast, sizeOf } from '../../src/shape.js'
import type { OpName, Tensor } from '../../src/tensor.js'

/** One random instruction: which rule, and raw choices it interprets modulo the pool. */
export interface Instr {
  readonly kind: number
  readonly a: number
  readonly b: number
  readonly c: number
  readonly choice: number
}


interface Node {
  readonly t: Tensor
  readonly depth: number
}

const leaves = (): { pool: Node[]; params: Tensor[] } => {
  const x = K.input('x', [3, 4])
  const z = K.input('z', [3, 4])
  const v = K.input('v', [4])
  const s = K.input('s', [])
  const w = K.param('w', [4, 4])
  const p = K.param('p', [3, 4])
  const q = K.param('q', [4])
  const lab = K.input('lab', [3])
  const c = K.constant([0.5, -1, 2, 0.25], [4])
  return { pool: [x, z, v, s, w, p, q, lab, c].map((t) => ({ t, depth: 0 })), params: [w, p, q] }
}

/** Leaf values: reals in [-3, 3] (some exact ties), labels in {-1, 0, 1, 2, 3, 1.5}. */
export const bindingsArb: fc.Arbitrary<Record<string, Float64Array>> = fc
  .record({
    x: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 12, maxLength: 12 }),
    z: fc.array(fc.constantFrom(-1, 0, 0.5, 1, 2), { minLength: 12, maxLength: 12 }),
    v: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
    s: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 1 }),
    w: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 16, maxLength: 16 }),
    p: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 12, maxLength: 12 }),
    q: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
    lab: fc.array(fc.constantFrom(-1, 0, 1, 2, 3, 1.5), { minLength: 3, maxLength: 3 }),
  })
  .map((r) => Object.fromEntries(Object.entries(r).map(([k, a]) => [k, Float64Array.from(a)])))

const pick = (pool: readonly Node[], i: number): Node => pool[i % pool.length]!

/** What a structural instruction sees: its operands, their depth check passed, and a free choice. */
interface Operands {
  readonly a: Tensor
  readonly b: Tensor
  readonly pool: readonly Node[]
  readonly ch: number
}
/** A generator for one op kind's nodes; undefined when it does not apply to the chosen operands. */
type Gen = (p: Operands) => Tensor | undefined

/**
 * One generator per op that is not elementwise (elementwise ops come from the table itself, below),
 * or 'leaf' for the leaves the pool starts with: a new op without an entry here does not type-check.
 */
const generators: { readonly [K in Exclude<OpName, keyof ElementwiseAttrs>]: Gen | 'leaf' } = {
  input: 'leaf',
  param: 'leaf',
  constant: 'leaf',
  uniform: ({ a, ch }) => K.mul(a, K.uniformTensor(K.key(ch), a.shape)),
  sum: ({ a, ch }) => (ch % 3 === 0 ? normalizer(a, ch) : reduction(K.sum, a, ch)),
  max: ({ a, ch }) => (ch % 3 === 0 ? normalizer(a, ch) : reduction(K.max, a, ch)),
  matmul: ({ a, b, ch }) => {
    const r = a.shape.length
    if (r < 2) return r === 1 ? K.matmul(K.reshape(a, [a.shape[0]!, 1]), K.reshape(a, [1, a.shape[0]!])) : undefined
    if (b.shape.length === 2 && b.shape[0] === a.shape[r - 1] && r === 2) return K.matmul(a, b)
    return ch % 2 === 0 ? K.matmul(a, K.swapLast(a)) : K.matmul(K.swapLast(a), a)
  },
  transpose: ({ a }) => (a.shape.length < 2 ? undefined : K.transpose(a)),
  reshape: ({ a, ch }) => (sizeOf(a.shape) === 0 ? undefined : ch % 2 === 0 ? K.reshape(a, [sizeOf(a.shape)]) : K.reshape(a, [1, ...a.shape])),
  broadcastTo: ({ a }) => (a.shape.length > 2 ? undefined : K.broadcastTo(a, [2, ...a.shape])),
  slice: ({ a, ch }) => {
    const r = a.shape.length
    if (r === 0) return undefined
    const ax = ch % r
    if (a.shape[ax]! < 2) return undefined
    return K.slice(a, a.shape.map((_, d) => (d === ax ? 1 : 0)), a.shape.map((n, d) => (d === ax ? n - 1 : n)))
  },
  stopGradient: ({ a }) => K.stopGradient(a),
  pad: ({ a, ch }) => {
    const r = a.shape.length
    if (r === 0) return undefined
    const ax = ch % r
    return K.pad(a, a.shape.map((_, d) => (d === ax ? 1 : 0)), a.shape.map((_, d) => (d === ax ? 2 : 0)), (ch % 3) - 1)
  },
  concat: ({ a, ch }) => (a.shape.length === 0 ? undefined : K.concat([a, K.neg(a)], ch % a.shape.length)),
  oneHot: ({ pool }) => K.oneHot(pool[7]!.t, 4),
  custom: ({ a }) => straightThrough(a),
}

/** A custom node for random graphs and rule examples: the sign of x, differentiated as the identity. */
export const straightThrough = K.customVjp((x: Tensor) => K.sign(x), (x) => [K.sign(x), []], (_r, g) => [g], { name: 'straightThrough' })

const reduction = (red: typeof K.sum, a: Tensor, ch: number): Tensor => {
  if (a.shape.length === 0) return K.sum(a)
  const axes = [...a.shape.keys()].filter((d) => ((ch >> d) & 1) === 1)
  return red(a, axes.length === 0 ? undefined : axes, ((ch >> 4) & 1) === 1)
}

/**
 * softmax, logSoftmax or logSumExp along one axis: a max and the sum of exp(x - max) over the same axis,
 * the pair the compiler runs as one online kernel (register form along the last axis, scatter otherwise).
 */
const normalizer = (a: Tensor, ch: number): Tensor | undefined => {
  const n = sizeOf(a.shape)
  if (a.shape.length === 0 || n === 0) return undefined
  // Spread values with the row max anywhere (drawn leaf values are mostly tiny), and half of them in one
  // long row: sums of exp(x - max) whose value depends on how they are rounded.
  const spread = K.constant(Float64Array.from({ length: n }, (_, i) => 2 * Math.sin(2.3 * i + ch)), a.shape)
  const b = K.add(a, spread)
  const x = ((ch >> 8) & 1) === 1 ? K.reshape(b, [n]) : b
  const axis = (ch >> 2) % x.shape.length
  const kind = (ch >> 5) % 3
  return kind === 0 ? K.softmax(x, axis) : kind === 1 ? K.logSoftmax(x, axis) : K.logSumExp(x, [axis], ((ch >> 7) & 1) === 1)
}

const STRUCTURAL = Object.values(generators).filter((g): g is Gen => g !== 'leaf')
/** Every elementwise op of the table, built with its record's sample attributes. */
const ELEMENTWISE = opNames.filter((op) => opTable[op].kind === 'elementwise')

/** Interprets one instruction: half the kinds build an elementwise op, half a structural one. */
const step = (pool: readonly Node[], ins: Instr): Tensor | undefined => {
  const [A, B, C] = [pick(pool, ins.a), pick(pool, ins.b), pick(pool, ins.c)]
  if (Math.max(A.depth, B.depth, C.depth) >= 6) return undefined
  if (ins.kind >= STRUCTURAL.length) {
    const op = ELEMENTWISE[ins.choice % ELEMENTWISE.length]!
    const def = opTable[op]
    // where's condition is a comparison, so both branches are taken
    const args = [A.t, B.t, C.t].slice(0, def.arity).map((t, i) => (op === 'where' && i === 0 ? K.greater(t, 0) : t))
    return tryBroadcast(args.map((t) => t.shape)) === undefined ? undefined : make(op, args, def.sample)
  }
  return STRUCTURAL[ins.kind]!({ a: A.t, b: B.t, pool, ch: ins.choice })
}

/** A random graph: a few outputs and the gradients of a scalar loss with respect to the params. */
export interface RandomGraph {
  readonly outputs: readonly Tensor[]
  readonly description: string
}

/** Builds a graph from instructions (deterministic). */
export const buildGraph = (program: readonly Instr[], withGrad: boolean): RandomGraph => {
  const { pool, params } = leaves()
  for (const ins of program) {
    const t = step(pool, ins)
    if (t !== undefined && sizeOf(t.shape) <= 512)
      pool.push({ t, depth: 1 + Math.max(...t.args.map((x) => pool.find((p) => p.t === x)?.depth ?? 0), 0) })
  }
  const built = pool.slice(9)
  const outs = built.slice(-3).map((n) => n.t)
  if (withGrad && built.length > 0) {
    const last = built[built.length - 1]!.t
    outs.push(...K.grad(K.sum(K.mul(last, last)), params))
  }
  if (outs.length === 0) outs.push(K.exp(pool[0]!.t))
  return { outputs: outs, description: K.show(outs) }
}

const instr: fc.Arbitrary<Instr> = fc.record({
  kind: fc.nat(2 * STRUCTURAL.length - 1),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
  choice: fc.nat(1000),
})

/** Random graphs of 1 to 12 instructions. */
export const graphArb = (withGrad: boolean): fc.Arbitrary<RandomGraph> =>
  fc.array(instr, { minLength: 1, maxLength: 12 }).map((p) => buildGraph(p, withGrad))

/**
 * True when two results agree: equal NaN positions, else relative error below `tol`, relative to the
 * element or, for elements that cancel to (near) zero, to the output's largest finite magnitude: a
 * gradient that is exactly 0 in one summation order is 1e-17 in another, which is no disagreement.
 * Outputs whose every element cancels get an absolute floor of 1e-15 (inputs here are O(1), so that is
 * still ten ulps of the values that cancelled).
 */
export const close = (got: Float64Array, want: Float64Array, tol = 1e-12): boolean => {
  if (got.length !== want.length) return false
  const scale = want.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0)
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!
    const w = want[i]!
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) return false
      continue
    }
    if (g === w) continue
    if (!(Math.abs(g - w) <= Math.max(tol * Math.max(Math.abs(g), Math.abs(w), scale), 1e-15))) return false
  }
  return true
}

/**
 * True when two results are the same bit for bit (`Object.is` on every element: signed zeros differ, any
 * NaN equals any NaN): what compiled kernels and the reference interpreter must give.
 */
export const same = (got: Float64Array, want: Float64Array): boolean => got.length === want.length && got.every((v, i) => Object.is(v, want[i]))

/** The bindings restricted to the graph's leaves (binding validation rejects unknown names). */
export const only = (outs: readonly Tensor[], bind: Record<string, Float64Array>): Record<string, Float64Array> => {
  const names = leavesOf(topoSort(outs))
  return Object.fromEntries(Object.entries(bind).filter(([k]) => names.has(k)))
}
