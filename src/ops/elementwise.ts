/**
 * Elementwise op records: unary maps, broadcasting binary ops, comparisons and `where`.
 * Derivative rules are written with the public ops, so they are themselves differentiable.
 * @module
 */
import * as K from '../api.js'
import { lit } from '../compile/literal.js'
import { broadcastShapes, type Shape } from '../shape.js'
import type { NodeOf, OpName, Tensor } from '../tensor.js'
import type { Domain, OpDef } from './def.js'
import { mapBroadcast } from './ref.js'

type UnaryName = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'tanh' | 'sigmoid' | 'relu' | 'softplus' | 'stopGradient'
type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
type CompareName = 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal' | 'notEqual'

const sameShape = (args: readonly Shape[]): Shape => args[0]!
const broadcastRule = (op: string) => (args: readonly Shape[]): Shape => broadcastShapes(op, args)

/** A unary map `y = f(x)` with derivative `dy/dx` written from x and y. */
const unary = <N extends UnaryName | 'leakyRelu'>(
  f: (x: number, node: NodeOf<N>) => number,
  scalar: (x: string, node: NodeOf<N>) => string,
  dydx: ((x: Tensor, y: Tensor, node: NodeOf<N>) => Tensor) | undefined,
  domain?: Domain,
): OpDef<N> => ({
  kind: 'elementwise',
  arity: 1,
  shape: sameShape,
  evaluate: ([x], node) => x!.map((v) => f(v, node)),
  vjp: (g, node) => [dydx === undefined ? undefined : K.mul(g, dydx(node.args[0]!, node, node))],
  scalar: ([x], node) => scalar(x!, node),
  ...(domain === undefined ? {} : { domain }),
})

const everywhere: Domain = { lo: -3, hi: 3 }
const positive: Domain = { lo: 0.2, hi: 4 }
const awayFromZero: Domain = { lo: -3, hi: 3, gap: 0.1 }

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))

/** Unary records. */
export const unaryOps: { readonly [N in UnaryName]: OpDef<N> } & { readonly leakyRelu: OpDef<'leakyRelu'> } = {
  neg: unary((x) => -x, (x) => `(-${x})`, () => K.scalar(-1), everywhere),
  exp: unary(Math.exp, (x) => `Math.exp(${x})`, (_x, y) => y, everywhere),
  log: unary(Math.log, (x) => `Math.log(${x})`, (x) => K.div(1, x), positive),
  sqrt: unary(Math.sqrt, (x) => `Math.sqrt(${x})`, (_x, y) => K.div(0.5, y), positive),
  abs: unary(Math.abs, (x) => `Math.abs(${x})`, (x) => K.sign(x), awayFromZero),
  sign: unary(Math.sign, (x) => `Math.sign(${x})`, undefined),
  tanh: unary(Math.tanh, (x) => `Math.tanh(${x})`, (_x, y) => K.sub(1, K.mul(y, y)), everywhere),
  sigmoid: unary(sigmoid, (x) => `kSigmoid(${x})`, (_x, y) => K.mul(y, K.sub(1, y)), everywhere),
  relu: unary((x) => Math.max(x, 0), (x) => `Math.max(${x},0)`, (x) => K.greater(x, 0), awayFromZero),
  leakyRelu: unary(
    (x, n) => Math.max(x, n.attrs.alpha * x),
    (x, n) => `Math.max(${x},${lit(n.attrs.alpha)}*${x})`,
    (x, _y, n) => K.where(K.greater(x, 0), 1, n.attrs.alpha),
    awayFromZero,
  ),
  softplus: unary(softplus, (x) => `kSoftplus(${x})`, (x) => K.sigmoid(x), everywhere),
  stopGradient: unary((x) => x, (x) => x, undefined),
}

/** A broadcasting binary op with cotangents for both operands (reduced back to their shapes). */
const binary = <N extends BinaryName>(
  op: N,
  f: (a: number, b: number) => number,
  scalar: (a: string, b: string) => string,
  rule: (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => readonly [Tensor | undefined, Tensor | undefined],
  domain: Domain,
): OpDef<N> => ({
  kind: 'elementwise',
  arity: 2,
  shape: broadcastRule(op),
  evaluate: (args, node) => mapBroadcast(args, node.args.map((a) => a.shape), node.shape, ([a, b]) => f(a!, b!)),
  vjp: (g, node) => {
    const [a, b] = node.args as [Tensor, Tensor]
    const [ga, gb] = rule(g, a, b, node)
    return [ga && K.unbroadcast(ga, a.shape), gb && K.unbroadcast(gb, b.shape)]
  },
  scalar: ([a, b]) => scalar(a!, b!),
  domain,
})

/** Binary records. */
export const binaryOps: { readonly [N in BinaryName]: OpDef<N> } = {
  add: binary('add', (a, b) => a + b, (a, b) => `(${a}+${b})`, (g) => [g, g], everywhere),
  sub: binary('sub', (a, b) => a - b, (a, b) => `(${a}-${b})`, (g) => [g, K.neg(g)], everywhere),
  mul: binary('mul', (a, b) => a * b, (a, b) => `(${a}*${b})`, (g, a, b) => [K.mul(g, b), K.mul(g, a)], everywhere),
  div: binary(
    'div',
    (a, b) => a / b,
    (a, b) => `(${a}/${b})`,
    (g, _a, b, y) => [K.div(g, b), K.neg(K.div(K.mul(g, y), b))],
    { lo: 0.5, hi: 3 },
  ),
  pow: binary(
    'pow',
    Math.pow,
    (a, b) => `Math.pow(${a},${b})`,
    (g, a, b, y) => [K.mul(g, K.mul(b, K.pow(a, K.sub(b, 1)))), K.mul(g, K.mul(y, K.log(a)))],
    { lo: 0.5, hi: 2 },
  ),
  maximum: binary(
    'maximum',
    (a, b) => Math.max(a, b),
    (a, b) => `Math.max(${a},${b})`,
    (g, a, b) => [K.mul(g, K.greaterEqual(a, b)), K.mul(g, K.less(a, b))],
    { lo: -3, hi: 3, separate: 0.1 },
  ),
  minimum: binary(
    'minimum',
    (a, b) => Math.min(a, b),
    (a, b) => `Math.min(${a},${b})`,
    (g, a, b) => [K.mul(g, K.lessEqual(a, b)), K.mul(g, K.greater(a, b))],
    { lo: -3, hi: 3, separate: 0.1 },
  ),
}

const compare = <N extends CompareName>(op: N, f: (a: number, b: number) => boolean, js: string): OpDef<N> => ({
  kind: 'elementwise',
  arity: 2,
  shape: broadcastRule(op),
  evaluate: (args, node) => mapBroadcast(args, node.args.map((a) => a.shape), node.shape, ([a, b]) => (f(a!, b!) ? 1 : 0)),
  vjp: () => [undefined, undefined],
  scalar: ([a, b]) => `(${a}${js}${b}?1:0)`,
})

/** Comparison records: 0/1 outputs, zero derivative. NaN compares false, except `notEqual`. */
export const compareOps: { readonly [N in CompareName]: OpDef<N> } = {
  greater: compare('greater', (a, b) => a > b, '>'),
  greaterEqual: compare('greaterEqual', (a, b) => a >= b, '>='),
  less: compare('less', (a, b) => a < b, '<'),
  lessEqual: compare('lessEqual', (a, b) => a <= b, '<='),
  equal: compare('equal', (a, b) => a === b, '==='),
  notEqual: compare('notEqual', (a, b) => a !== b, '!=='),
}

/** `where(c, a, b)`: a where c is nonzero, else b, broadcasting all three. */
export const whereOp: OpDef<'where'> = {
  kind: 'elementwise',
  arity: 3,
  shape: broadcastRule('where'),
  evaluate: (args, node) => mapBroadcast(args, node.args.map((a) => a.shape), node.shape, ([c, a, b]) => (c !== 0 ? a! : b!)),
  vjp: (g, node) => {
    const [c, a, b] = node.args as [Tensor, Tensor, Tensor]
    return [undefined, K.unbroadcast(K.where(c, g, 0), a.shape), K.unbroadcast(K.where(c, 0, g), b.shape)]
  },
  scalar: ([c, a, b]) => `(${c}!==0?${a}:${b})`,
  domain: everywhere,
}

/** Names of elementwise ops, for the compiler and the specs. */
export const elementwiseNames: readonly OpName[] = [
  ...Object.keys(unaryOps),
  ...Object.keys(binaryOps),
  ...Object.keys(compareOps),
  'where',
] as OpName[]
