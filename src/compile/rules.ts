/**
 * The simplifier's rewrite rules, as data. Each rule looks at one node whose operands are already
 * simplified. `exact` rules give bit-identical values under the reference interpreter for every input
 * (NaN, infinities, signed zeros); the few inexact ones differ only in the sign of a zero, on overflow,
 * or by rounding where the rewrite is the more accurate value, and say so in `note`.
 * Deliberately absent: `x*0 -> 0` (NaN/Inf), `exp(log x) -> x` (x < 0), `sqrt(x*x) -> x` (sign).
 * @module
 */
import { evaluateNode, opDef } from '../optable.js'
import { reducedShape, shapeEq, sizeOf, tryBroadcast, type Shape } from '../shape.js'
import { constValue, isOp, type OpName, type Tensor } from '../tensor.js'
import { make } from '../make.js'
import { withArgs, type Rule } from './rewrite.js'
import { stabilizeRules } from './stabilize.js'

/** Largest constant (in elements) that constant folding creates, so folded constants stay small. */
const FOLD_LIMIT = 4096
/** Largest lazily broadcast constant operand that folding materializes while evaluating. */
const FOLD_OPERAND_LIMIT = 1 << 16

/** The value of a constant whose elements all equal it, or of a broadcast of one ("fill"). */
const fillOf = (t: Tensor): number | undefined => (isOp(t, 'broadcastTo') ? constValue(t.args[0]!) : constValue(t))

/** `x` broadcast to `shape` (a pattern may drop an operand that was widening the result). */
const asShape = (x: Tensor, shape: Shape): Tensor => (shapeEq(x.shape, shape) ? x : make('broadcastTo', [x], {}, shape))

const bin = (op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): Tensor => make(op, [a, b], {})

/** `t` is the op `op` with `v` (compared with Object.is: 0 and -0 differ) on the right: the left operand. */
const withRight = (t: Tensor, op: OpName, v: number): Tensor | undefined =>
  t.op === op && Object.is(fillOf(t.args[1]!), v) ? t.args[0]! : undefined
const withLeft = (t: Tensor, op: OpName, v: number): Tensor | undefined =>
  t.op === op && Object.is(fillOf(t.args[0]!), v) ? t.args[1]! : undefined

/** Rule for `x op v -> x` (and `v op x -> x` when `commutes`). */
const unit = (name: string, op: OpName, v: number, commutes: boolean, exact: boolean, note?: string): Rule => ({
  name,
  exact,
  ...(note === undefined ? {} : { note }),
  rewrite: (t) => {
    const x = withRight(t, op, v) ?? (commutes ? withLeft(t, op, v) : undefined)
    return x && asShape(x, t.shape)
  },
})

const rule = (name: string, rewrite: (t: Tensor) => Tensor | undefined, note?: string): Rule =>
  note === undefined ? { name, exact: true, rewrite } : { name, exact: false, note, rewrite }

/** A constant, or a constant broadcast lazily (kept unfolded, see `fold`). */
const constantLike = (t: Tensor): boolean =>
  isOp(t, 'constant') || (isOp(t, 'broadcastTo') && isOp(t.args[0]!, 'constant') && sizeOf(t.shape) <= FOLD_OPERAND_LIMIT)

const valuesOf = (t: Tensor): Float64Array =>
  isOp(t, 'constant') ? t.attrs.values : evaluateNode(t, [valuesOf(t.args[0]!)])

// reshape/transpose(broadcastTo(c)) -> broadcastTo(c) for a one-element constant c: a fill stays
// lazy through views (tried before `fold`, which would materialize it)
const fillView = rule('fill-view', (t) => {
  if (!isOp(t, 'reshape') && !isOp(t, 'transpose')) return undefined
  const b = t.args[0]!
  const c = isOp(b, 'broadcastTo') ? b.args[0]! : undefined
  const ok = c !== undefined && isOp(c, 'constant') && sizeOf(c.shape) === 1 && c.shape.length <= t.shape.length
  return ok ? make('broadcastTo', [c], {}, t.shape) : undefined
})

// op(c1, ..., cn) -> c: evaluated with the reference `evaluate`, only for results of at most FOLD_LIMIT
// elements. `broadcastTo(c)` itself stays a lazy view (a fill costs one number, not a buffer).
const fold = rule('fold', (t) => {
  if (t.args.length === 0 || opDef(t.op).kind === 'leaf' || isOp(t, 'broadcastTo')) return undefined
  if (sizeOf(t.shape) > FOLD_LIMIT || !t.args.every(constantLike)) return undefined
  const values = evaluateNode(t, t.args.map(valuesOf))
  return make('constant', [], { values }, t.shape)
})

// stopGradient(x) -> x: simplify runs after differentiation, where it no longer matters
const stopGradient = rule('stop-gradient', (t) => (isOp(t, 'stopGradient') ? t.args[0] : undefined))

// custom(primal, ...inputs) -> primal: its rules matter only to differentiation, which simplify follows
const customPrimal = rule('custom-primal', (t) => (isOp(t, 'custom') ? t.args[0] : undefined))

// x*1 -> x, 1*x -> x
const mulOne = unit('mul-one', 'mul', 1, true, true)
// x/1 -> x
const divOne = unit('div-one', 'div', 1, false, true)
// x-0 -> x (with +0: -0 - 0 is -0)
const subZero = unit('sub-zero', 'sub', 0, false, true)
// x+(-0) -> x, (-0)+x -> x
const addNegZero = unit('add-neg-zero', 'add', -0, true, true)
// x+0 -> x, 0+x -> x
const addZero = unit('add-zero', 'add', 0, true, false, 'signed zero: (-0) + 0 is +0, the rewrite keeps -0')
// pow(x, 1) -> x (fdlibm's pow returns x for y = 1)
const powOne = unit('pow-one', 'pow', 1, false, true)

/** `x` when it already has the shape of `t` (a replacement op must not need a broadcast as a second op). */
const sameShape = (x: Tensor | undefined, t: Tensor): Tensor | undefined => (x !== undefined && shapeEq(x.shape, t.shape) ? x : undefined)

// x*(-1) -> neg x, (-1)*x -> neg x
const mulNegOne = rule('mul-neg-one', (t) => {
  const x = sameShape(withRight(t, 'mul', -1) ?? withLeft(t, 'mul', -1), t)
  return x && make('neg', [x], {})
})

// pow(x, 2) -> x*x (fdlibm's pow computes x*x for y = 2, so this is exact)
const powTwo = rule('pow-two', (t) => {
  const x = sameShape(withRight(t, 'pow', 2), t)
  return x && bin('mul', x, x)
})

// neg(neg x) -> x
const negNeg = rule('neg-neg', (t) => (isOp(t, 'neg') && isOp(t.args[0]!, 'neg') ? t.args[0]!.args[0] : undefined))

// x - neg(y) -> x + y
const subNeg = rule('sub-neg', (t) =>
  isOp(t, 'sub') && isOp(t.args[1]!, 'neg') ? bin('add', t.args[0]!, t.args[1]!.args[0]!) : undefined,
)

// x + neg(y) -> x - y, neg(y) + x -> x - y (IEEE addition commutes exactly)
const addNeg = rule('add-neg', (t) => {
  if (!isOp(t, 'add')) return undefined
  const [a, b] = t.args as [Tensor, Tensor]
  if (isOp(b, 'neg')) return bin('sub', a, b.args[0]!)
  return isOp(a, 'neg') ? bin('sub', b, a.args[0]!) : undefined
})

// log(exp x) -> x
// Not a default rule: where exp overflows the original is Infinity and the rewrite finite, so compiled
// results would stop matching the reference interpreter. `simplify(outs, { overflow: true })` applies it.
const logExp: Rule = {
  ...rule(
    'log-exp',
    (t) => (isOp(t, 'log') && isOp(t.args[0]!, 'exp') ? t.args[0]!.args[0] : undefined),
    'overflow and rounding: exp overflows to Infinity for x > ~709.78 (and underflows to 0 below ~-745), and log(exp x) rounds twice; the rewrite is the exact value',
  ),
  overflow: true,
}

const isIdentity = (perm: readonly number[]): boolean => perm.every((p, i) => p === i)

// transpose(transpose(x, p), q) -> transpose(x, p∘q): axis j of the result is axis p[q[j]] of x
const transposeCompose = rule('transpose-compose', (t) => {
  if (!isOp(t, 'transpose') || !isOp(t.args[0]!, 'transpose')) return undefined
  const inner = t.args[0]
  const perm = t.attrs.perm.map((q) => inner.attrs.perm[q]!)
  return make('transpose', [inner.args[0]!], { perm })
})

// transpose(x, identity) -> x
const transposeIdentity = rule('transpose-identity', (t) => (isOp(t, 'transpose') && isIdentity(t.attrs.perm) ? t.args[0] : undefined))

// reshape(reshape(x)) -> reshape(x)
const reshapeCompose = rule('reshape-compose', (t) =>
  isOp(t, 'reshape') && isOp(t.args[0]!, 'reshape') ? make('reshape', [t.args[0]!.args[0]!], {}, t.shape) : undefined,
)

// reshape(x, shape of x) -> x
const reshapeIdentity = rule('reshape-identity', (t) => (isOp(t, 'reshape') && shapeEq(t.shape, t.args[0]!.shape) ? t.args[0] : undefined))

// broadcastTo(broadcastTo(x)) -> broadcastTo(x): broadcasting composes
const broadcastCompose = rule('broadcast-compose', (t) =>
  isOp(t, 'broadcastTo') && isOp(t.args[0]!, 'broadcastTo') ? make('broadcastTo', [t.args[0]!.args[0]!], {}, t.shape) : undefined,
)

// broadcastTo(x, shape of x) -> x
const broadcastIdentity = rule('broadcast-identity', (t) =>
  isOp(t, 'broadcastTo') && shapeEq(t.shape, t.args[0]!.shape) ? t.args[0] : undefined,
)

// op(.., broadcastTo(y), ..) -> op(.., y, ..) for elementwise ops when implicit broadcasting gives the same
// shape, e.g. mul(x, broadcastTo(c)) -> mul(x, c)
const broadcastImplicit = rule('broadcast-implicit', (t) => {
  const def = opDef(t.op)
  if (def.kind !== 'elementwise' || t.args.length < 2) return undefined
  for (let i = 0; i < t.args.length; i++) {
    const a = t.args[i]!
    if (!isOp(a, 'broadcastTo')) continue
    const args = t.args.map((b, j) => (j === i ? a.args[0]! : b))
    const out = tryBroadcast(args.map((b) => b.shape))
    if (out !== undefined && shapeEq(out, t.shape)) return withArgs(t, args)
  }
  return undefined
})

// where(c, x, x) -> x
const whereSame = rule('where-same', (t) => (isOp(t, 'where') && t.args[1] === t.args[2] ? asShape(t.args[1]!, t.shape) : undefined))

// sum(x, []) -> x
const sumNone = rule(
  'sum-none',
  (t) => (isOp(t, 'sum') && t.attrs.axes.length === 0 ? t.args[0] : undefined),
  'signed zero: the reference sum starts from +0, so it turns -0 into +0; the rewrite keeps -0',
)

// max(x, []) -> x
const maxNone = rule('max-none', (t) => (isOp(t, 'max') && t.attrs.axes.length === 0 ? t.args[0] : undefined))

// reshape(sum(x, axes, keepDims), shape without the axes) -> sum(x, axes): same elements, same order
const sumDropKept = rule('sum-drop-kept', (t) => {
  if (!isOp(t, 'reshape') || !isOp(t.args[0]!, 'sum') || !t.args[0].attrs.keepDims) return undefined
  const s = t.args[0]
  const x = s.args[0]!
  return shapeEq(t.shape, reducedShape(x.shape, s.attrs.axes, false)) ? make('sum', [x], { axes: s.attrs.axes, keepDims: false }) : undefined
})

/** Axes of `to` that broadcasting `from` to it widens (new leading axes, or size 1 grown). */
const widened = (from: Shape, to: Shape): number[] => {
  const lead = to.length - from.length
  return to.flatMap((d, i) => (d !== 1 && (i < lead || from[i - lead] === 1) ? [i] : []))
}

// sum(broadcastTo(x), exactly the broadcast axes) -> x * count, when that needs no reshape
const sumBroadcast = rule(
  'sum-broadcast',
  (t) => {
    if (!isOp(t, 'sum') || !isOp(t.args[0]!, 'broadcastTo')) return undefined
    const b = t.args[0]
    const x = b.args[0]!
    const axes = t.attrs.axes.filter((a) => b.shape[a] !== 1)
    const wide = widened(x.shape, b.shape)
    if (axes.length !== wide.length || !axes.every((a, i) => a === wide[i])) return undefined
    const count = axes.reduce((n, a) => n * b.shape[a]!, 1)
    const lead = t.shape.length - x.shape.length
    if (count === 0 || lead < 0 || !shapeEq(t.shape.slice(lead), x.shape) || t.shape.slice(0, lead).some((d) => d !== 1)) return undefined
    const ones = lead === 0 ? [] : new Array<number>(t.shape.length).fill(1)
    return bin('mul', x, make('constant', [], { values: Float64Array.of(count) }, ones))
  },
  'summation order and signed zero: the reference adds count copies one at a time from +0 (count - 1 roundings, -0 becomes +0); x * count rounds once',
)

/**
 * Every rule, in the order they are tried at a node (the first that applies wins, then the node is
 * tried again). Folding comes first so constant subgraphs collapse before patterns look at them.
 * @example
 * import { rules } from './rules.js'
 * rules.filter((r) => !r.exact).map((r) => r.name).slice(0, 3) // ['add-zero', 'one-minus-sigmoid', 'log-sigmoid']
 */
export const rules: readonly Rule[] = [
  fillView,
  fold,
  stopGradient,
  customPrimal,
  mulOne,
  divOne,
  subZero,
  addNegZero,
  addZero,
  powOne,
  mulNegOne,
  powTwo,
  negNeg,
  subNeg,
  addNeg,
  ...stabilizeRules,
  logExp,
  transposeCompose,
  transposeIdentity,
  reshapeCompose,
  reshapeIdentity,
  broadcastCompose,
  broadcastIdentity,
  broadcastImplicit,
  whereSame,
  sumNone,
  maxNone,
  sumDropKept,
  sumBroadcast,
]
