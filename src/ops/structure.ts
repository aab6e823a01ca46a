/**
 * Reductions (a monoid over axes) and matmul: the ops that always get a kernel of their own, plus the
 * attribute interface gathering them with the views.
 * @module
 */
import { fmt, normAxes, reducedShape, ShapeError, sizeOf, stridesOf, tryBroadcast, type Shape } from '../shape.js'
import type { NodeOf, Tensor } from '../tensor.js'
import type { Domain, Empty, MatmulDef, Monoid, OpName, ReduceDef } from './def.js'
import { broadcastIndex, unravel } from './ref.js'
import { batchBroadcasting, sumTerms } from './rules.js'
import type { ViewAttrs } from './views.js'

interface Reduction {
  readonly axes: readonly number[]
  readonly keepDims: boolean
}
/** Reductions, matmul and views. */
export interface StructureAttrs extends ViewAttrs {
  readonly sum: Reduction
  readonly max: Reduction
  readonly matmul: Empty
}

const everywhere: Domain = { lo: -3, hi: 3 }

const keptShape = (node: NodeOf<'sum' | 'max'>): Shape => reducedShape(node.args[0]!.shape, node.attrs.axes, true)

type ReduceParts<N extends OpName> = Pick<ReduceDef<N>, 'attrs' | 'sample' | 'vjp' | 'jvp' | 'domain'>
const reduction = <N extends 'sum' | 'max'>(op: N, monoid: Monoid, rest: ReduceParts<N>): ReduceDef<N> => ({
  kind: 'reduce',
  arity: 1,
  monoid,
  axes: (node) => node.attrs.axes,
  shape: ([x], attrs) => {
    normAxes(op, x!, attrs.axes)
    return reducedShape(x!, attrs.axes, attrs.keepDims)
  },
  evaluate: ([x], node) => {
    const xs = node.args[0]!.shape
    const kept = reducedShape(xs, node.attrs.axes, true)
    const out = new Float64Array(sizeOf(kept)).fill(monoid.identity)
    for (let i = 0; i < x!.length; i++) {
      const j = broadcastIndex(unravel(i, xs), kept)
      out[j] = monoid.combine(out[j]!, x![i]!)
    }
    return out
  },
  showAttrs: (node) => `axes=${fmt(node.attrs.axes)}${node.attrs.keepDims ? ', keepDims' : ''}`,
  // the same reduction one axis further in
  batch: ([x], _b, node, { ops: K }) => K[op](x!, node.attrs.axes.map((a) => a + 1), node.attrs.keepDims),
  ...rest,
})

const reductionAttrs = { attrs: { axes: 'ints', keepDims: 'bool' }, sample: { axes: [], keepDims: false } } as const

/**
 * `sum(x, axes, keepDims)`; its cotangent broadcasts back.
 * @example
 * import { sumOp } from './structure.js'
 * sumOp.monoid.combineJs('acc', 'v') // 'acc + v'
 * sumOp.shape([[2, 3]], { axes: [1], keepDims: false }, undefined) // [2]
 */
export const sumOp: ReduceDef<'sum'> = reduction(
  'sum',
  { identity: 0, combine: (a, v) => a + v, combineJs: (a, v) => `${a} + ${v}` },
  {
    ...reductionAttrs,
    vjp: (g, node, K) => [K.broadcastTo(K.reshape(g, keptShape(node)), node.args[0]!.shape)],
    jvp: ([t], node, K) => t && K.sum(t, node.attrs.axes, node.attrs.keepDims),
    domain: everywhere,
  },
)

/**
 * `max(x, axes, keepDims)`; its cotangent is shared equally among tied maxima. NaN propagates.
 * @example
 * import { maxOp } from './structure.js'
 * maxOp.monoid.identity // -Infinity
 * maxOp.monoid.combine(1, NaN) // NaN
 */
export const maxOp: ReduceDef<'max'> = reduction(
  'max',
  { identity: -Infinity, combine: (a, v) => (v > a || Number.isNaN(v) ? v : a), combineJs: (a, v) => `(${v} > ${a} || ${v} !== ${v}) ? ${v} : ${a}` },
  {
    ...reductionAttrs,
    vjp: (g, node, K) => {
      const x = node.args[0]!
      const back = (t: Tensor) => K.broadcastTo(K.reshape(t, keptShape(node)), x.shape)
      const mask = K.equal(x, back(node))
      const count = K.sum(mask, node.attrs.axes, true)
      return [K.div(K.mul(mask, back(g)), K.broadcastTo(count, x.shape))]
    },
    // the mean of the tied maxima's tangents, as the reverse rule shares the cotangent among them
    jvp: ([t], node, K) => {
      if (t === undefined) return undefined
      const x = node.args[0]!
      const mask = K.equal(x, K.broadcastTo(K.reshape(node, keptShape(node)), x.shape))
      const { axes } = node.attrs
      const r = K.div(K.sum(K.mul(mask, t), axes, true), K.sum(mask, axes, true))
      return node.attrs.keepDims ? r : K.reshape(r, node.shape)
    },
    domain: { lo: -3, hi: 3, separate: 0.05 },
  },
)

/**
 * `matmul(a, b)`: `[..., n, k] x [..., k, m] -> [..., n, m]`, batch axes broadcast.
 * @example
 * import { matmulOp } from './structure.js'
 * matmulOp.shape([[2, 3], [3, 4]], {}, undefined) // [2, 4]
 */
export const matmulOp: MatmulDef<'matmul'> = {
  kind: 'matmul',
  arity: 2,
  attrs: {},
  sample: {},
  shape: ([a, b]) => {
    if (a!.length < 2 || b!.length < 2) throw new ShapeError('matmul', [a!, b!], 'operands need rank 2 or more (reshape vectors)')
    const [n, k1] = a!.slice(-2) as [number, number]
    const [k2, m] = b!.slice(-2) as [number, number]
    if (k1 !== k2) throw new ShapeError('matmul', [a!, b!], `inner dimensions must agree (${k1} vs ${k2})`)
    const batch = tryBroadcast([a!.slice(0, -2), b!.slice(0, -2)])
    if (batch === undefined) throw new ShapeError('matmul', [a!, b!], 'batch dimensions are not broadcastable')
    return [...batch, n, m]
  },
  evaluate: ([a, b], node) => {
    const [as, bs] = [node.args[0]!.shape, node.args[1]!.shape]
    const k = as[as.length - 1]!
    const out = node.shape
    const [n, m] = out.slice(-2) as [number, number]
    const res = new Float64Array(sizeOf(out))
    const aStride = stridesOf(as)
    const bStride = stridesOf(bs)
    for (let i = 0; i < res.length; i++) {
      const idx = unravel(i, out)
      const bi = idx.slice(0, -2)
      const aOff = broadcastIndex(bi, as.slice(0, -2)) * n * k
      const bOff = broadcastIndex(bi, bs.slice(0, -2)) * k * m
      const [r, c] = idx.slice(-2) as [number, number]
      let acc = 0
      for (let j = 0; j < k; j++) acc += a![aOff + r * aStride[as.length - 2]! + j]! * b![bOff + j * bStride[bs.length - 2]! + c]!
      res[i] = acc
    }
    return res
  },
  vjp: (g, node, K) => {
    const [a, b] = node.args as [Tensor, Tensor]
    return [K.unbroadcast(K.matmul(g, K.swapLast(b)), a.shape), K.unbroadcast(K.matmul(K.swapLast(a), g), b.shape)]
  },
  // bilinear: d(ab) = da b + a db
  jvp: ([ta, tb], node, K) => {
    const [a, b] = node.args as [Tensor, Tensor]
    return sumTerms([ta && K.matmul(ta, b), tb && K.matmul(a, tb)], node.shape, K)
  },
  batch: batchBroadcasting,
  domain: everywhere,
}
