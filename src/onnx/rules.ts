/**
 * The ONNX rule of every op: one exhaustive table, typed `{ [K in OpName]: OnnxRule<K> }`, so an op
 * added to Kiln without a rule here fails to compile. A rule appends the nodes that compute its op's
 * value from its operands' value names and returns the name of the result, in float64 (`DOUBLE`)
 * throughout; comparisons produce ONNX booleans and are cast back to 0/1 doubles, as Kiln's are.
 * Every ONNX operation used here runs in float64 on ONNX Runtime's CPU provider (spec/onnx checks
 * each op); those it has no float64 kernel for are written out in src/onnx/special.ts.
 * @module
 */
import type { NodeOf, OpName } from '../tensor.js'
import type { OnnxBuilder } from './builder.js'
import { DataType } from './proto.js'
import * as S from './special.js'
import { uniformNodes } from './threefry.js'
import { sizeOf } from '../shape.js'

/** What a rule writes into, and how the export names leaves. */
export interface OnnxContext {
  readonly b: OnnxBuilder
  readonly A: S.Arith
  readonly opset: number
  /** The value name of an `input` or `param` leaf (a graph input or an initializer). */
  readonly leaf: (node: NodeOf<'input' | 'param'>) => string
  /** The ONNX boolean behind each comparison's 0/1 value (by the value's name), for `where` to test directly. */
  readonly bools: Map<string, string>
}

/**
 * Thrown by a rule for an op ONNX cannot express; the export turns it into an error value.
 * @example
 * import { OnnxUnsupported } from './rules.js'
 * new OnnxUnsupported('uniform', 'needs opset 18').message // 'uniform: needs opset 18'
 */
export class OnnxUnsupported extends Error {
  constructor(
    readonly op: OpName,
    readonly detail: string,
  ) {
    super(`${op}: ${detail}`)
  }
}

/** One op's rule: its nodes from its operands' value names; returns the result's name. */
export type OnnxRule<K extends OpName> = (node: NodeOf<K>, args: readonly string[], ctx: OnnxContext) => string

/** The rule table type: a missing op does not compile. */
export type OnnxTable = { readonly [K in OpName]: OnnxRule<K> }

const one = (opType: string) => (_n: unknown, args: readonly string[], { b }: OnnxContext) => b.op(opType, [args[0]!])
const two = (opType: string) => (_n: unknown, args: readonly string[], { b }: OnnxContext) => b.op(opType, [args[0]!, args[1]!])
const toDouble = (b: OnnxBuilder, v: string): string => b.op('Cast', [v], { to: DataType.DOUBLE })
const compare = (opType: string, not = false) => (_n: unknown, args: readonly string[], { b, bools }: OnnxContext) => {
  const r = b.op(opType, [args[0]!, args[1]!])
  const bool = not ? b.op('Not', [r]) : r
  const out = toDouble(b, bool)
  bools.set(out, bool)
  return out
}
const special = (f: (A: S.Arith, x: string) => string) => (_n: unknown, args: readonly string[], { A }: OnnxContext) => f(A, args[0]!)

/** ReduceSum/ReduceMax of `x` over `axes` (an empty list is the identity, as in Kiln). */
const reduceOver = (opType: 'ReduceSum' | 'ReduceMax', x: string, node: NodeOf<'sum' | 'max'>, { b, opset }: OnnxContext): string => {
  const { axes, keepDims } = node.attrs
  if (axes.length === 0) return b.op('Identity', [x])
  const keepdims = keepDims ? 1 : 0
  // ReduceMax takes its axes as an input from opset 18 (ReduceSum from 13)
  if (opType === 'ReduceMax' && opset < 18) return b.op(opType, [x], { axes, keepdims })
  return b.op(opType, [x, b.ints(axes)], { keepdims })
}

/** Kiln's max is NaN where a NaN is reduced; ONNX Runtime's ReduceMax skips NaN, so NaN is put back. */
const maxRule: OnnxRule<'max'> = (node, [x], ctx) => {
  const { b, A } = ctx
  const r = reduceOver('ReduceMax', x!, node, ctx)
  if (node.attrs.axes.length === 0) return r
  const anyNaN = reduceOver('ReduceMax', toDouble(b, b.op('IsNaN', [x!])), node, ctx)
  return A.where(A.greater(anyNaN, A.c(0)), A.c(NaN), r)
}

/**
 * Every op's ONNX rule.
 * @example
 * import { onnxRules } from './rules.js'
 * typeof onnxRules.matmul // 'function'
 */
export const onnxRules: OnnxTable = {
  input: (node, _a, { leaf }) => leaf(node),
  param: (node, _a, { leaf }) => leaf(node),
  constant: (node, _a, { b }) => (node.shape.length === 0 ? b.scalar(node.attrs.values[0]!) : b.tensor(node.attrs.values, node.shape)),
  uniform: (node, [key], { b, opset }) => {
    if (opset < 18) throw new OnnxUnsupported('uniform', `Kiln's random numbers (Threefry) need the bitwise operators of opset 18; got opset ${opset}`)
    const n = sizeOf(node.shape)
    if (n >= 2 ** 32) throw new OnnxUnsupported('uniform', `draws of 2^32 numbers or more are not exported (${n})`)
    return b.op('Reshape', [uniformNodes(b, key!, n), b.ints(node.shape)], { allowzero: 1 })
  },
  neg: one('Neg'),
  exp: one('Exp'),
  log: one('Log'),
  sqrt: one('Sqrt'),
  abs: one('Abs'),
  sign: one('Sign'),
  tanh: one('Tanh'),
  sigmoid: special(S.sigmoid),
  relu: (_n, [x], { A }) => A.max(x!, A.c(0)),
  softplus: special(S.softplus),
  erf: special(S.erf),
  log1p: special(S.log1p),
  expm1: special(S.expm1),
  dsigmoid: (node, [x], { A }) => S.dsigmoid(A, x!, node.attrs.order),
  derf: (node, [x], { A }) => S.derf(A, x!, node.attrs.order),
  leakyRelu: (node, [x], { A }) => S.leakyRelu(A, x!, node.attrs.alpha),
  add: two('Add'),
  sub: two('Sub'),
  mul: two('Mul'),
  div: two('Div'),
  pow: two('Pow'),
  maximum: two('Max'),
  minimum: two('Min'),
  atan2: (_n, [a, b], { A }) => S.atan2(A, a!, b!),
  greater: compare('Greater'),
  greaterEqual: compare('GreaterOrEqual'),
  less: compare('Less'),
  lessEqual: compare('LessOrEqual'),
  equal: compare('Equal'),
  notEqual: compare('Equal', true),
  // Kiln's condition is "not 0" (NaN counts as true)
  // a comparison's own boolean when the condition is one (Kiln's 0/1 is "not 0" exactly there)
  where: (_n, [c, x, y], { b, A, bools }) => b.op('Where', [bools.get(c!) ?? b.op('Not', [A.equal(c!, A.c(0))]), x!, y!]),
  sum: (node, [x], ctx) => reduceOver('ReduceSum', x!, node, ctx),
  max: maxRule,
  matmul: two('MatMul'),
  transpose: (node, [x], { b }) => b.op('Transpose', [x!], { perm: node.attrs.perm }),
  // allowzero: a 0 in the shape is an empty axis, not "copy the input's"
  reshape: (node, [x], { b }) => b.op('Reshape', [x!, b.ints(node.shape)], { allowzero: 1 }),
  broadcastTo: (node, [x], { b }) => b.op('Expand', [x!, b.ints(node.shape)]),
  slice: (node, [x], { b }) => {
    const { begin } = node.attrs
    if (begin.length === 0) return b.op('Identity', [x!])
    const ends = begin.map((s, k) => s + node.shape[k]!)
    return b.op('Slice', [x!, b.ints(begin), b.ints(ends), b.ints(begin.map((_, k) => k))])
  },
  stopGradient: one('Identity'),
  concat: (node, args, { b }) => b.op('Concat', args, { axis: node.attrs.axis }),
  pad: (node, [x], { b }) => {
    const { before, after, value } = node.attrs
    if (before.length === 0) return b.op('Identity', [x!])
    return b.op('Pad', [x!, b.ints([...before, ...after]), b.scalar(value)], { mode: 'constant' })
  },
  // equal(label, position on the new axis), as Kiln lowers it
  oneHot: (node, [x], { b }) => {
    const depth = node.attrs.depth
    const positions = b.tensor(Float64Array.from({ length: depth }, (_, i) => i), [depth])
    return toDouble(b, b.op('Equal', [b.op('Unsqueeze', [x!, b.ints([-1])]), positions]))
  },
  // the primal: a custom node's rules matter only to differentiation, which is done before export
  custom: one('Identity'),
}
