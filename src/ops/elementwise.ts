/**
 * Elementwise op records: unary maps, broadcasting binary ops, comparisons and `where`. Each record
 * holds its reference function and its kernel expression; where the kernel calls a helper, the helper
 * IS the reference function, so compiled and interpreted values agree bit for bit by construction.
 * Derivative rules are written with the public ops they receive, so they are themselves differentiable.
 * @module
 */
import { lit } from '../compile/literal.js'
import { broadcastShapes, type Shape } from '../shape.js'
import type { NodeOf, Tensor } from '../tensor.js'
import type { AttrSchema, Builders, Cost, Domain, ElementwiseDef, Empty, Helpers, OpAttrs, OpName } from './def.js'
import { erf } from './erf.js'
import { mapBroadcast } from './ref.js'
import { batchBroadcasting, diffError, fitTo, sumTerms } from './rules.js'
import { sigmoid, softplus } from './special.js'
import { derf, dsigmoid } from './special-derivs.js'
import { intLit } from '../compile/literal.js'

/** Unary maps without attributes: `neg(x)`, `exp(x)`, ... (the public API derives its unary ops from these). */
export interface UnaryAttrs {
  readonly neg: Empty
  readonly exp: Empty
  readonly log: Empty
  readonly sqrt: Empty
  readonly abs: Empty
  readonly sign: Empty
  readonly tanh: Empty
  readonly sigmoid: Empty
  readonly relu: Empty
  readonly softplus: Empty
  readonly erf: Empty
  readonly log1p: Empty
  readonly expm1: Empty
}
/** The derivative primitives: the derivative of sigmoid or erf of an order (1, 2, ...). */
export interface DerivativeAttrs {
  readonly dsigmoid: { readonly order: number }
  readonly derf: { readonly order: number }
}
/** Broadcasting binary arithmetic. */
export interface BinaryAttrs {
  readonly add: Empty
  readonly sub: Empty
  readonly mul: Empty
  readonly div: Empty
  readonly pow: Empty
  readonly maximum: Empty
  readonly minimum: Empty
  readonly atan2: Empty
}
/** Comparisons: 0/1 outputs. */
export interface CompareAttrs {
  readonly greater: Empty
  readonly greaterEqual: Empty
  readonly less: Empty
  readonly lessEqual: Empty
  readonly equal: Empty
  readonly notEqual: Empty
}
/** Every elementwise op's attributes. */
export interface ElementwiseAttrs extends UnaryAttrs, DerivativeAttrs, BinaryAttrs, CompareAttrs {
  readonly leakyRelu: { readonly alpha: number }
  readonly where: Empty
}
/** Names of the attribute-free unary maps. */
export type UnaryName = keyof UnaryAttrs
/** Names of the broadcasting binary ops, comparisons included. */
export type BinaryName = keyof BinaryAttrs | keyof CompareAttrs

const sameShape = (args: readonly Shape[]): Shape => args[0]!
const broadcastRule = (op: string) => (args: readonly Shape[]): Shape => broadcastShapes(op, args)
/** The schema and sample of an op without attributes (passed where the op is concrete). */
const none = { attrs: {}, sample: {} } as const

const everywhere: Domain = { lo: -3, hi: 3 }
const positive: Domain = { lo: 0.2, hi: 4 }
const awayFromZero: Domain = { lo: -3, hi: 3, gap: 0.1 }

/** An op's attribute schema and the attributes the specs build it with. */
interface Meta<N extends OpName> {
  readonly attrs: AttrSchema<N>
  readonly sample: OpAttrs[N]
}

interface UnarySpec<N extends OpName> {
  readonly f: (x: number, attrs: OpAttrs[N]) => number
  readonly js: (x: string, attrs: OpAttrs[N]) => string
  readonly cost: Cost
  /** `dy/dx` from x and y; undefined for a zero derivative. */
  readonly dydx?: (x: Tensor, y: Tensor, node: NodeOf<N>, K: Builders) => Tensor
  readonly domain?: Domain
  readonly helpers?: Helpers
}

/** A unary map `y = f(x)` with derivative `dy/dx` written from x and y. */
const unary = <N extends OpName>(meta: Meta<N>, s: UnarySpec<N>): ElementwiseDef<N> => ({
  kind: 'elementwise',
  arity: 1,
  ...meta,
  cost: s.cost,
  shape: sameShape,
  evaluate: ([x], node) => x!.map((v) => s.f(v, node.attrs)),
  vjp: (g, node, K) => [s.dydx === undefined ? undefined : K.mul(g, s.dydx(node.args[0]!, node, node, K))],
  jvp: ([t], node, K) => (t === undefined || s.dydx === undefined ? undefined : K.mul(t, s.dydx(node.args[0]!, node, node, K))),
  batch: batchBroadcasting,
  kernel: ([x], a) => s.js(x!, a),
  ...(s.helpers === undefined ? {} : { helpers: s.helpers }),
  ...(s.domain === undefined ? {} : { domain: s.domain }),
})

/**
 * Unary records.
 * @example
 * import { unaryOps } from './elementwise.js'
 * unaryOps.exp.kernel(['x'], {}) // 'Math.exp(x)'
 * unaryOps.sigmoid.cost // 'transcendental'
 * unaryOps.leakyRelu.kernel(['x'], { alpha: 0.5 }) // 'Math.max(x,(0.5)*x)'
 */
export const unaryOps: { readonly [N in keyof UnaryAttrs | keyof DerivativeAttrs | 'leakyRelu']: ElementwiseDef<N> } = {
  neg: unary(none, { f: (x) => -x, js: (x) => `(-${x})`, cost: 'cheap', dydx: (_x, _y, _n, K) => K.scalar(-1), domain: everywhere }),
  exp: unary(none, { f: Math.exp, js: (x) => `Math.exp(${x})`, cost: 'transcendental', dydx: (_x, y) => y, domain: everywhere }),
  log: unary(none, { f: Math.log, js: (x) => `Math.log(${x})`, cost: 'transcendental', dydx: (x, _y, _n, K) => K.div(1, x), domain: positive }),
  sqrt: unary(none, { f: Math.sqrt, js: (x) => `Math.sqrt(${x})`, cost: 'transcendental', dydx: (_x, y, _n, K) => K.div(0.5, y), domain: positive }),
  abs: unary(none, { f: Math.abs, js: (x) => `Math.abs(${x})`, cost: 'cheap', dydx: (x, _y, _n, K) => K.sign(x), domain: awayFromZero }),
  sign: unary(none, { f: Math.sign, js: (x) => `Math.sign(${x})`, cost: 'cheap' }),
  // tanh'(x) = sech^2(x) = 4 sigmoid'(2x): `1 - y^2` would be 0 for |x| >= 20, where the truth is 4e^-2|x|
  tanh: unary(none, {
    f: Math.tanh, js: (x) => `Math.tanh(${x})`, cost: 'transcendental',
    dydx: (x, _y, _n, K) => K.mul(4, K.dsigmoid(K.mul(2, x), 1)), domain: everywhere,
  }),
  // sigmoid' is its own primitive: `y (1 - y)` is 0 for x > 37 (truth e^-x) and loses digits from x = 20
  sigmoid: unary(none, {
    f: sigmoid, js: (x) => `kSigmoid(${x})`, cost: 'transcendental', helpers: { kSigmoid: sigmoid },
    dydx: (x, _y, _n, K) => K.dsigmoid(x, 1), domain: everywhere,
  }),
  relu: unary(none, { f: (x) => Math.max(x, 0), js: (x) => `Math.max(${x},0)`, cost: 'cheap', dydx: (x, _y, _n, K) => K.greater(x, 0), domain: awayFromZero }),
  leakyRelu: unary<'leakyRelu'>({ attrs: { alpha: 'number' }, sample: { alpha: 0.1 } }, {
    f: (x, a) => Math.max(x, a.alpha * x),
    js: (x, a) => `Math.max(${x},${lit(a.alpha)}*${x})`,
    cost: 'cheap',
    dydx: (x, _y, n, K) => K.where(K.greater(x, 0), 1, n.attrs.alpha),
    domain: awayFromZero,
  }),
  softplus: unary(none, {
    f: softplus, js: (x) => `kSoftplus(${x})`, cost: 'transcendental', helpers: { kSoftplus: softplus },
    dydx: (x, _y, _n, K) => K.sigmoid(x), domain: everywhere,
  }),
  // erf' is its own primitive (derf): exp(-x*x) would carry the rounding of x*x times x^2
  erf: unary(none, {
    f: erf, js: (x) => `kErf(${x})`, cost: 'transcendental', helpers: { kErf: erf },
    dydx: (x, _y, _n, K) => K.derf(x, 1), domain: everywhere,
  }),
  // log1p'(x) = 1 / (1 + x): 1 + x is exact for x in [-1, -0.5] and a single rounding elsewhere
  log1p: unary(none, {
    f: Math.log1p, js: (x) => `Math.log1p(${x})`, cost: 'transcendental',
    dydx: (x, _y, _n, K) => K.div(1, K.add(1, x)), domain: { lo: -0.7, hi: 3 },
  }),
  // expm1'(x) = e^x, not y + 1 (which cancels where y is near -1)
  expm1: unary(none, { f: Math.expm1, js: (x) => `Math.expm1(${x})`, cost: 'transcendental', dydx: (x, _y, _n, K) => K.exp(x), domain: everywhere }),
  // The derivative of order n of sigmoid and of erf: one node per order, whose derivative is the next
  // order (never a product rule's difference, which cancels beside the zeros of sigmoid''' and erf''')
  dsigmoid: unary<'dsigmoid'>({ attrs: { order: 'int' }, sample: { order: 2 } }, {
    f: (x, a) => dsigmoid(x, a.order), js: (x, a) => `kDsigmoid(${x},${intLit(a.order)})`, cost: 'transcendental', helpers: { kDsigmoid: dsigmoid },
    dydx: (x, _y, n, K) => K.dsigmoid(x, n.attrs.order + 1), domain: everywhere,
  }),
  derf: unary<'derf'>({ attrs: { order: 'int' }, sample: { order: 2 } }, {
    f: (x, a) => derf(x, a.order), js: (x, a) => `kDerf(${x},${intLit(a.order)})`, cost: 'transcendental', helpers: { kDerf: derf },
    dydx: (x, _y, n, K) => K.derf(x, n.attrs.order + 1), domain: everywhere,
  }),
}

/**
 * Cotangents of both operands before unbroadcasting. Each is `g` times the partial derivative, so the
 * same rule gives forward mode: operand i's tangent in place of `g`, component i.
 */
type Rule = (g: Tensor, a: Tensor, b: Tensor, y: Tensor, K: Builders) => readonly [Tensor | undefined, Tensor | undefined]

/** A broadcasting binary op with cotangents for both operands (reduced back to their shapes). */
const binary = <N extends keyof BinaryAttrs>(
  op: N, meta: Meta<N>, f: (a: number, b: number) => number, js: (a: string, b: string) => string, cost: Cost, rule: Rule, domain: Domain, infix?: string,
): ElementwiseDef<N> => ({
  kind: 'elementwise',
  arity: 2,
  ...meta,
  cost,
  shape: broadcastRule(op),
  evaluate: (args, node) => mapBroadcast(args, node.args.map((a) => a.shape), node.shape, ([a, b]) => f(a!, b!)),
  vjp: (g, node, K) => {
    const [a, b] = node.args as [Tensor, Tensor]
    const [ga, gb] = rule(g, a, b, node, K)
    return [ga && K.unbroadcast(ga, a.shape), gb && K.unbroadcast(gb, b.shape)]
  },
  jvp: ([ta, tb], node, K) => {
    const [a, b] = node.args as [Tensor, Tensor]
    return sumTerms([ta && rule(ta, a, b, node, K)[0], tb && rule(tb, a, b, node, K)[1]], node.shape, K)
  },
  batch: batchBroadcasting,
  kernel: ([a, b]) => js(a!, b!),
  domain,
  ...(infix === undefined ? {} : { infix }),
})

/**
 * Binary records.
 * @example
 * import { binaryOps } from './elementwise.js'
 * binaryOps.add.kernel(['a', 'b'], {}) // '(a+b)'
 * binaryOps.atan2.cost // 'transcendental'
 */
export const binaryOps: { readonly [N in keyof BinaryAttrs]: ElementwiseDef<N> } = {
  add: binary('add', none, (a, b) => a + b, (a, b) => `(${a}+${b})`, 'cheap', (g) => [g, g], everywhere, '+'),
  sub: binary('sub', none, (a, b) => a - b, (a, b) => `(${a}-${b})`, 'cheap', (g, _a, _b, _y, K) => [g, K.neg(g)], everywhere, '-'),
  mul: binary('mul', none, (a, b) => a * b, (a, b) => `(${a}*${b})`, 'cheap', (g, a, b, _y, K) => [K.mul(g, b), K.mul(g, a)], everywhere, '*'),
  div: binary(
    'div', none, (a, b) => a / b, (a, b) => `(${a}/${b})`, 'cheap',
    (g, _a, b, y, K) => [K.div(g, b), K.neg(K.div(K.mul(g, y), b))],
    { lo: 0.5, hi: 3 }, '/',
  ),
  // d/da a^b = b a^(b-1), with the rounding of b - 1 put back: a^(b-1) = a^(b1) (1 + d ln a) where
  // b1 + d = b - 1 exactly (TwoSum); otherwise ln(a) times that rounding reaches the result (340 ulps at
  // a = 1e300). ln reads 1 where a <= 0 (there b is an integer or a^b is NaN, and d is 0): no 0 * -inf.
  pow: binary(
    'pow', none, Math.pow, (a, b) => `Math.pow(${a},${b})`, 'transcendental',
    (g, a, b, y, K) => {
      const one = K.scalar(1)
      const b1 = K.sub(b, one)
      const d = diffError(b, one, b1, K)
      const ln = K.log(K.where(K.greater(a, 0), a, 1))
      const da = K.mul(b, K.mul(K.pow(a, b1), K.add(1, K.mul(d, ln))))
      return [K.mul(g, da), K.mul(g, K.mul(y, K.log(a)))]
    },
    { lo: 0.5, hi: 2 }, '^',
  ),
  maximum: binary(
    'maximum', none, (a, b) => Math.max(a, b), (a, b) => `Math.max(${a},${b})`, 'cheap',
    (g, a, b, _y, K) => [K.mul(g, K.greaterEqual(a, b)), K.mul(g, K.less(a, b))],
    { lo: -3, hi: 3, separate: 0.1 },
  ),
  minimum: binary(
    'minimum', none, (a, b) => Math.min(a, b), (a, b) => `Math.min(${a},${b})`, 'cheap',
    (g, a, b, _y, K) => [K.mul(g, K.lessEqual(a, b)), K.mul(g, K.greater(a, b))],
    { lo: -3, hi: 3, separate: 0.1 },
  ),
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2), scaled by s = max(|a|, |b|) so a^2 + b^2 neither overflows
  // nor underflows: (b/s) / ((a/s)^2 + (b/s)^2) / s. The expression does not depend on s, so s's gradient is
  // stopped (its exact derivative is 0). Operands kept off the axes (branch cut, origin)
  atan2: binary(
    'atan2', none, Math.atan2, (a, b) => `Math.atan2(${a},${b})`, 'transcendental',
    (g, a, b, _y, K) => {
      const s = K.stopGradient(K.maximum(K.abs(a), K.abs(b)))
      const [as, bs] = [K.div(a, s), K.div(b, s)]
      const r2 = K.add(K.mul(as, as), K.mul(bs, bs))
      return [K.div(K.div(K.mul(g, bs), r2), s), K.neg(K.div(K.div(K.mul(g, as), r2), s))]
    },
    { lo: -3, hi: 3, gap: 0.2 },
  ),
}

const compare = <N extends keyof CompareAttrs>(op: N, meta: Meta<N>, f: (a: number, b: number) => boolean, js: string, infix: string): ElementwiseDef<N> => ({
  kind: 'elementwise',
  arity: 2,
  ...meta,
  cost: 'cheap',
  shape: broadcastRule(op),
  evaluate: (args, node) => mapBroadcast(args, node.args.map((a) => a.shape), node.shape, ([a, b]) => (f(a!, b!) ? 1 : 0)),
  vjp: () => [undefined, undefined],
  jvp: () => undefined,
  batch: batchBroadcasting,
  kernel: ([a, b]) => `(${a}${js}${b}?1:0)`,
  infix,
})

/**
 * Comparison records: 0/1 outputs, zero derivative. NaN compares false, except `notEqual`.
 * @example
 * import { compareOps } from './elementwise.js'
 * compareOps.less.kernel(['a', 'b'], {}) // '(a<b?1:0)'
 * compareOps.equal.infix // '=='
 */
export const compareOps: { readonly [N in keyof CompareAttrs]: ElementwiseDef<N> } = {
  greater: compare('greater', none, (a, b) => a > b, '>', '>'),
  greaterEqual: compare('greaterEqual', none, (a, b) => a >= b, '>=', '>='),
  less: compare('less', none, (a, b) => a < b, '<', '<'),
  lessEqual: compare('lessEqual', none, (a, b) => a <= b, '<=', '<='),
  equal: compare('equal', none, (a, b) => a === b, '===', '=='),
  notEqual: compare('notEqual', none, (a, b) => a !== b, '!==', '!='),
}

/**
 * `where(c, a, b)`: a where c is nonzero, else b, broadcasting all three.
 * @example
 * import { whereOp } from './elementwise.js'
 * whereOp.kernel(['c', 'a', 'b'], {}) // '(c!==0?a:b)'
 */
export const whereOp: ElementwiseDef<'where'> = {
  kind: 'elementwise',
  arity: 3,
  ...none,
  cost: 'cheap',
  shape: broadcastRule('where'),
  evaluate: (args, node) => mapBroadcast(args, node.args.map((a) => a.shape), node.shape, ([c, a, b]) => (c !== 0 ? a! : b!)),
  vjp: (g, node, K) => {
    const [c, a, b] = node.args as [Tensor, Tensor, Tensor]
    return [undefined, K.unbroadcast(K.where(c, g, 0), a.shape), K.unbroadcast(K.where(c, 0, g), b.shape)]
  },
  jvp: ([, ta, tb], node, K) =>
    ta === undefined && tb === undefined ? undefined : fitTo(K.where(node.args[0]!, ta ?? 0, tb ?? 0), node.shape, K),
  batch: batchBroadcasting,
  kernel: ([c, a, b]) => `(${c}!==0?${a}:${b})`,
  domain: everywhere,
}
