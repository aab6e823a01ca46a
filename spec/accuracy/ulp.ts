/**
 * The accuracy measure of issue 15: errors in ulps (units in the last place) of Kiln's values and
 * derivatives against a truth table computed with 60-digit arithmetic (spec/fixtures/ulp/make.py,
 * mpmath) and rounded to float64, on grids over the whole float64 line. The same measure is applied to
 * PyTorch's float64 results recorded in the table, so the README's comparison is like for like.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as K from '../../src/index.js'
import { compile } from '../../src/compile/index.js'
import type { Tensor } from '../../src/tensor.js'

/** The distance between two doubles in representable steps (0 for equal values, both NaN, or +-0). */
export const ulpDistance = (a: number, b: number): number => {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity
  if (a === b) return 0
  const v = new DataView(new ArrayBuffer(16))
  v.setFloat64(0, a)
  v.setFloat64(8, b)
  const ordered = (i: bigint): bigint => (i < 0n ? -(i & 0x7fffffffffffffffn) : i)
  const d = ordered(v.getBigInt64(0)) - ordered(v.getBigInt64(8))
  return Number(d < 0n ? -d : d)
}

/** The largest error of `got` against `truth`, in ulps, and the input where it occurs. */
export interface Worst {
  readonly ulps: number
  readonly at: number
}

/** The worst ulp error over a grid (the first input where the maximum is reached). */
export const worstOf = (xs: readonly number[], got: ArrayLike<number>, truth: readonly number[]): Worst => {
  let w: Worst = { ulps: 0, at: NaN }
  truth.forEach((t, i) => {
    const u = ulpDistance(got[i]!, t)
    if (u > w.ulps) w = { ulps: u, at: xs[i]! }
  })
  return w
}

type Num = string
/** One unary function on its grid: inputs, the truth (value, first and second derivative) and PyTorch's. */
export interface UnaryTruth {
  readonly x: readonly number[]
  readonly value: readonly number[]
  readonly d1: readonly number[]
  readonly d2: readonly number[]
  readonly torch: { readonly value: readonly number[]; readonly d1: readonly number[]; readonly d2: readonly number[] } | null
}
/** One loss case: a row of logits (or a probability), its label or targets, the loss and its gradient. */
export interface LossTruth {
  readonly name: string
  readonly loss: string
  readonly x: readonly number[]
  readonly label: number | null
  readonly targets: readonly number[] | null
  readonly value: number
  readonly grad: readonly number[]
  readonly torch: { readonly value: number; readonly grad: readonly number[] } | null
}
/** The columns of a binary op's entry. */
export const BINARY_COLUMNS = ['value', 'da', 'db', 'daa', 'dab', 'dbb'] as const
/** One binary op on its grid of pairs. */
export type BinaryTruth = { readonly a: readonly number[]; readonly b: readonly number[] } & {
  readonly [C in (typeof BINARY_COLUMNS)[number]]: readonly number[]
} & { readonly torch: { readonly [C in (typeof BINARY_COLUMNS)[number]]: readonly number[] } }
/** The whole table. */
export interface Truth {
  readonly meta: Readonly<Record<string, unknown>>
  readonly ops: Readonly<Record<string, UnaryTruth>>
  readonly losses: readonly LossTruth[]
  /** Binary ops on a 2-D grid: value, first (da, db) and second (daa, dab, dbb) partial derivatives. */
  readonly binary: Readonly<Record<string, BinaryTruth>>
  /** Each stabilizing rewrite's original expression (a function of x) on its grid, and its truth. */
  readonly rewrites: Readonly<Record<string, { readonly x: readonly number[]; readonly value: readonly number[] }>>
}

const nums = (xs: readonly Num[]): number[] => xs.map(Number)

/** Reads spec/fixtures/ulp/truth.json, numbers decoded from their strings ("Infinity", "-0.0", ...). */
export const loadTruth = (): Truth => {
  const path = fileURLToPath(new URL('../fixtures/ulp/truth.json', import.meta.url))
  return JSON.parse(readFileSync(path, 'utf8'), (_k, v: unknown) =>
    Array.isArray(v) && v.every((e) => typeof e === 'string') ? nums(v as Num[]) : _k === 'value' && typeof v === 'string' ? Number(v) : v,
  ) as Truth
}

/** Kiln's function for each unary entry of the table. */
export const UNARY: Readonly<Record<string, (x: Tensor) => Tensor>> = {
  exp: K.exp,
  log: K.log,
  sqrt: K.sqrt,
  tanh: K.tanh,
  sigmoid: K.sigmoid,
  softplus: K.softplus,
  erf: K.erf,
  log1p: K.log1p,
  expm1: K.expm1,
  dsigmoid: K.dsigmoid,
  derf: K.derf,
}

/** How a graph is run: the reference interpreter on the graph as built, or the whole compiler. */
export type Engine = 'interpreter' | 'compiled'

/** Runs `outs` on `bind` with `engine`. */
export const runOn = (engine: Engine, outs: readonly Tensor[], bind: Record<string, Float64Array>): Float64Array[] => {
  if (engine === 'interpreter') return K.evaluate(outs, bind)
  const exe = compile(outs)
  if (E.isLeft(exe)) throw new Error(exe.left.message)
  return exe.right.run(bind)
}

/** The value, first and second derivative of `f` at every point of `xs`, as one graph. */
export const unaryDerivatives = (f: (x: Tensor) => Tensor, n: number): Tensor[] => {
  const x = K.input('x', [n])
  const y = f(x)
  const [d1] = K.grad(K.sum(y), [x]) as [Tensor]
  const [d2] = K.grad(K.sum(d1), [x]) as [Tensor]
  return [y, d1, d2]
}

/** Worst errors of value, first and second derivative. */
export interface UnaryErrors {
  readonly value: Worst
  readonly d1: Worst
  readonly d2: Worst
}

/** Kiln's errors on one unary entry. */
export const measureUnary = (name: string, t: UnaryTruth, engine: Engine): UnaryErrors => {
  const f = UNARY[name]
  if (f === undefined) throw new Error(`no Kiln function for ${name}`)
  const [y, d1, d2] = runOn(engine, unaryDerivatives(f, t.x.length), { x: Float64Array.from(t.x) }) as [Float64Array, Float64Array, Float64Array]
  return { value: worstOf(t.x, y, t.value), d1: worstOf(t.x, d1, t.d1), d2: worstOf(t.x, d2, t.d2) }
}

/** PyTorch's errors on one unary entry (undefined where PyTorch has no such function). */
export const torchUnary = (t: UnaryTruth): UnaryErrors | undefined =>
  t.torch === null ? undefined : { value: worstOf(t.x, t.torch.value, t.value), d1: worstOf(t.x, t.torch.d1, t.d1), d2: worstOf(t.x, t.torch.d2, t.d2) }

/** Kiln's loss of a row `x` (shape [k]) for one table case, as the table defines it (no batch mean). */
export const lossOf = (c: LossTruth, x: Tensor): Tensor => {
  const k = c.x.length
  const row = K.reshape(x, [1, k])
  const label = c.label ?? 0
  const pick = (t: Tensor): Tensor => K.sum(K.mul(t, K.constant(Array.from({ length: k }, (_, i) => (i === label ? 1 : 0)), [k])))
  const targets = K.constant(c.targets ?? [0], [c.targets?.length ?? 1])
  switch (c.loss) {
    case 'softmaxCrossEntropy': return K.softmaxCrossEntropy(row, K.constant([label], [1]))
    case 'logSumExp': return K.logSumExp(x)
    case 'logSoftmax': return pick(K.logSoftmax(x))
    case 'softmax': return pick(K.softmax(x))
    case 'binaryCrossEntropyWithLogits': return K.binaryCrossEntropyWithLogits(x, targets)
    case 'binaryCrossEntropy': return K.binaryCrossEntropy(x, targets, { eps: 1e-300 })
    default: throw new Error(`unknown loss ${c.loss}`)
  }
}

/** Worst errors of one loss's values and gradients over its cases (gradients: the worst element). */
export interface LossErrors {
  readonly value: number
  readonly grad: number
  readonly worstCase: string
}

/** Kiln's errors on every case of the loss `name`. */
export const measureLoss = (cases: readonly LossTruth[], engine: Engine): LossErrors => {
  let out: LossErrors = { value: 0, grad: 0, worstCase: '' }
  for (const c of cases) {
    const x = K.input('x', [c.x.length])
    const l = lossOf(c, x)
    const [v, g] = runOn(engine, [l, ...K.grad(l, [x])], { x: Float64Array.from(c.x) }) as [Float64Array, Float64Array]
    const ve = ulpDistance(v[0]!, c.value)
    const ge = Math.max(...c.grad.map((t, i) => ulpDistance(g[i]!, t)))
    if (ge > out.grad) out = { ...out, grad: ge, worstCase: c.name }
    if (ve > out.value) out = { ...out, value: ve }
  }
  return out
}

/** PyTorch's errors on the same cases. */
export const torchLoss = (cases: readonly LossTruth[]): LossErrors =>
  cases.reduce<LossErrors>((out, c) => {
    if (c.torch === null) return out
    const ge = Math.max(...c.grad.map((t, i) => ulpDistance(c.torch!.grad[i]!, t)))
    return { value: Math.max(out.value, ulpDistance(c.torch.value, c.value)), grad: Math.max(out.grad, ge), worstCase: ge > out.grad ? c.name : out.worstCase }
  }, { value: 0, grad: 0, worstCase: '' })

/** The original (unstable) expression of each stabilizing rule in the table, of `x` with shape [n]. */
export const REWRITTEN: Readonly<Record<string, (x: Tensor) => Tensor>> = {
  'one-minus-sigmoid': (x) => K.sub(1, K.sigmoid(x)),
  'log-sigmoid': (x) => K.log(K.sigmoid(x)),
  log1p: (x) => K.log(K.add(1, x)),
  'log1p-of-minus': (x) => K.log(K.sub(1, x)),
  expm1: (x) => K.sub(K.exp(x), 1),
  'sigmoid-difference': (x) => K.sub(K.sigmoid(K.neg(x)), K.sigmoid(x)),
  'log-sum-exp': (x) => {
    const col = (t: Tensor): Tensor => K.reshape(t, [x.shape[0]!, 1])
    return K.log(K.sum(K.exp(K.concat([col(x), col(K.mul(x, 0.5)), col(K.zerosLike(x))], 1)), 1))
  },
}

/** The worst error of a rewrite's original expression, as built and after `simplify`, on `engine`. */
export const measureRewrite = (name: string, engine: Engine | 'simplified', keep: (truth: number) => boolean = () => true): Worst => {
  const all = loadTruthCached().rewrites[name]!
  const idx = all.value.flatMap((v, i) => (keep(v) ? [i] : []))
  const t = { x: idx.map((i) => all.x[i]!), value: idx.map((i) => all.value[i]!) }
  const x = K.input('x', [t.x.length])
  const e = REWRITTEN[name]!(x)
  const outs = engine === 'simplified' ? K.simplify([e]) : [e]
  const [y] = runOn(engine === 'simplified' ? 'interpreter' : engine, outs, { x: Float64Array.from(t.x) })
  return worstOf(t.x, y!, t.value)
}

let cached: Truth | undefined
/** `loadTruth`, read once. */
export const loadTruthCached = (): Truth => (cached ??= loadTruth())

/** Kiln's function for each binary entry of the table. */
export const BINARY: Readonly<Record<string, (a: Tensor, b: Tensor) => Tensor>> = {
  add: K.add, sub: K.sub, mul: K.mul, div: K.div, pow: K.pow, atan2: K.atan2, maximum: K.maximum, minimum: K.minimum,
}

/** Worst errors of a binary op's value and partial derivatives, by column (the input pair as `at` = index). */
export type BinaryErrors = { readonly [C in (typeof BINARY_COLUMNS)[number]]: Worst }

const worstByColumn = (t: BinaryTruth, got: readonly ArrayLike<number>[]): BinaryErrors => {
  const idx = t.a.map((_, i) => i)
  const entries = BINARY_COLUMNS.map((c, k) => [c, worstOf(idx, got[k]!, t[c])] as const)
  return Object.fromEntries(entries) as unknown as BinaryErrors
}

/** Kiln's errors on one binary entry. */
export const measureBinary = (name: string, t: BinaryTruth, engine: Engine): BinaryErrors => {
  const n = t.a.length
  const [a, b] = [K.input('a', [n]), K.input('b', [n])]
  const y = BINARY[name]!(a, b)
  const [da, db] = K.grad(K.sum(y), [a, b]) as [Tensor, Tensor]
  const [daa, dab] = K.grad(K.sum(da), [a, b]) as [Tensor, Tensor]
  const [dbb] = K.grad(K.sum(db), [b]) as [Tensor]
  return worstByColumn(t, runOn(engine, [y, da, db, daa, dab, dbb], { a: Float64Array.from(t.a), b: Float64Array.from(t.b) }))
}

/** PyTorch's errors on one binary entry. */
export const torchBinary = (t: BinaryTruth): BinaryErrors => worstByColumn(t, BINARY_COLUMNS.map((c) => t.torch[c]))

/** The entry restricted to the pairs `keep` accepts. */
export const pairsWhere = (t: BinaryTruth, keep: (a: number, b: number) => boolean): BinaryTruth => {
  const idx = t.a.flatMap((a, i) => (keep(a, t.b[i]!) ? [i] : []))
  const pick = (xs: readonly number[]): number[] => idx.map((i) => xs[i]!)
  const cols = Object.fromEntries(BINARY_COLUMNS.map((c) => [c, pick(t[c])]))
  const torch = Object.fromEntries(BINARY_COLUMNS.map((c) => [c, pick(t.torch[c])]))
  return { ...cols, a: pick(t.a), b: pick(t.b), torch } as unknown as BinaryTruth
}
