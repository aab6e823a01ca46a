/**
 * Reductions, views (transpose, reshape, broadcastTo, slice, pad, concat), matmul and oneHot.
 * @module
 */
import * as K from '../api.js'
import { normAxes, reducedShape, shapeEq, ShapeError, sizeOf, stridesOf, tryBroadcast, fmt, type Shape } from '../shape.js'
import type { Tensor } from '../tensor.js'
import type { Domain, OpDef } from './def.js'
import { broadcastIndex, gatherBy, ravel, unravel } from './ref.js'

const everywhere: Domain = { lo: -3, hi: 3 }
const isShape = (s: Shape): boolean => s.every((d) => Number.isInteger(d) && d >= 0)

const reduction = <N extends 'sum' | 'max'>(op: N, init: number, step: (acc: number, v: number) => number): Pick<OpDef<N>, 'kind' | 'arity' | 'shape' | 'evaluate'> =>
  ({
    kind: 'reduce',
    arity: 1,
    shape: ([x], attrs) => {
      normAxes(op, x!, attrs.axes)
      return reducedShape(x!, attrs.axes, attrs.keepDims)
    },
    evaluate: ([x], node) => {
      const xs = node.args[0]!.shape
      const kept = reducedShape(xs, node.attrs.axes, true)
      const out = new Float64Array(sizeOf(kept)).fill(init)
      for (let i = 0; i < x!.length; i++) {
        const j = broadcastIndex(unravel(i, xs), kept)
        out[j] = step(out[j]!, x![i]!)
      }
      return out
    },
  })

/** `sum(x, axes, keepDims)`; its cotangent broadcasts back. */
export const sumOp: OpDef<'sum'> = {
  ...reduction<'sum'>('sum', 0, (a, v) => a + v),
  vjp: (g, node) => [K.broadcastTo(K.reshape(g, keptShape(node)), node.args[0]!.shape)],
  domain: everywhere,
}

/** `max(x, axes, keepDims)`; its cotangent is shared equally among tied maxima. NaN propagates. */
export const maxOp: OpDef<'max'> = {
  ...reduction<'max'>('max', -Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)),
  vjp: (g, node) => {
    const x = node.args[0]!
    const back = (t: Tensor) => K.broadcastTo(K.reshape(t, keptShape(node)), x.shape)
    const mask = K.equal(x, back(node))
    const count = K.sum(mask, node.attrs.axes, true)
    return [K.div(K.mul(mask, back(g)), K.broadcastTo(count, x.shape))]
  },
  domain: { lo: -3, hi: 3, separate: 0.05 },
}

const keptShape = (node: Tensor & { readonly attrs: { readonly axes: readonly number[] } }): Shape =>
  reducedShape(node.args[0]!.shape, node.attrs.axes, true)

const inversePerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length)
  perm.forEach((p, i) => (inv[p] = i))
  return inv
}

/** `transpose(x, perm)`. */
export const transposeOp: OpDef<'transpose'> = {
  kind: 'view',
  arity: 1,
  shape: ([x], { perm }) => {
    const ok = perm.length === x!.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i)
    if (!ok) throw new ShapeError('transpose', [x!], `perm ${fmt(perm)} is not a permutation of the ${x!.length} axes`)
    return perm.map((p) => x![p]!)
  },
  evaluate: ([x], node) => {
    const xs = node.args[0]!.shape
    const inv = inversePerm(node.attrs.perm)
    return gatherBy(x!, node.shape, (idx) => ravel(inv.map((q) => idx[q]!), xs))
  },
  vjp: (g, node) => [K.transpose(g, inversePerm(node.attrs.perm))],
  domain: everywhere,
}

/** `reshape(x, shape)`: same elements, same row-major order. */
export const reshapeOp: OpDef<'reshape'> = {
  kind: 'view',
  arity: 1,
  shape: ([x], _a, hint) => {
    if (hint !== undefined && !isShape(hint)) throw new ShapeError('reshape', [x!, hint], 'target dimensions must be non-negative integers')
    if (hint === undefined || sizeOf(hint) !== sizeOf(x!))
      throw new ShapeError('reshape', [x!, hint ?? []], `element counts differ (${sizeOf(x!)} vs ${sizeOf(hint ?? [])})`)
    return hint
  },
  evaluate: ([x]) => x!.slice(),
  vjp: (g, node) => [K.reshape(g, node.args[0]!.shape)],
  domain: everywhere,
}

/** `broadcastTo(x, shape)`: NumPy broadcasting made explicit. */
export const broadcastToOp: OpDef<'broadcastTo'> = {
  kind: 'view',
  arity: 1,
  shape: ([x], _a, hint) => {
    if (hint !== undefined && !isShape(hint)) throw new ShapeError('broadcastTo', [x!, hint], 'target dimensions must be non-negative integers')
    const b = hint === undefined ? undefined : tryBroadcast([x!, hint])
    if (hint === undefined || b === undefined || !shapeEq(b, hint))
      throw new ShapeError('broadcastTo', [x!, hint ?? []], 'the operand does not broadcast to the target shape')
    return hint
  },
  evaluate: ([x], node) => gatherBy(x!, node.shape, (idx) => broadcastIndex(idx, node.args[0]!.shape)),
  vjp: (g, node) => [K.unbroadcast(g, node.args[0]!.shape)],
  domain: everywhere,
}

/** `slice(x, begin, size)`: a contiguous box. */
export const sliceOp: OpDef<'slice'> = {
  kind: 'view',
  arity: 1,
  shape: ([x], { begin }, hint) => {
    const size = hint ?? []
    const ok =
      begin.length === x!.length &&
      size.length === x!.length &&
      size.every((d) => Number.isInteger(d) && d >= 0) &&
      begin.every((b, i) => Number.isInteger(b) && b >= 0 && b + size[i]! <= x![i]!)
    if (!ok) throw new ShapeError('slice', [x!], `box begin ${fmt(begin)} size ${fmt(size)} does not fit`)
    return size
  },
  evaluate: ([x], node) => {
    const { begin } = node.attrs
    return gatherBy(x!, node.shape, (idx) => ravel(idx.map((v, k) => v + begin[k]!), node.args[0]!.shape))
  },
  vjp: (g, node) => {
    const xs = node.args[0]!.shape
    const after = xs.map((d, k) => d - node.attrs.begin[k]! - node.shape[k]!)
    return [K.pad(g, node.attrs.begin, after)]
  },
  domain: everywhere,
}

/** `pad(x, before, after, value)`: constant padding. */
export const padOp: OpDef<'pad'> = {
  kind: 'view',
  arity: 1,
  shape: ([x], { before, after }) => {
    const ok =
      before.length === x!.length &&
      after.length === x!.length &&
      [...before, ...after].every((p) => Number.isInteger(p) && p >= 0)
    if (!ok) throw new ShapeError('pad', [x!], `padding ${fmt(before)} / ${fmt(after)} needs one non-negative integer per axis`)
    return x!.map((d, k) => d + before[k]! + after[k]!)
  },
  evaluate: ([x], node) => {
    const xs = node.args[0]!.shape
    const { before, value } = node.attrs
    return gatherBy(
      x!,
      node.shape,
      (idx) => {
        const src = idx.map((v, k) => v - before[k]!)
        return src.every((v, k) => v >= 0 && v < xs[k]!) ? ravel(src, xs) : -1
      },
      value,
    )
  },
  vjp: (g, node) => [K.slice(g, node.attrs.before, node.args[0]!.shape)],
  domain: everywhere,
}

/** `concat(xs, axis)`: operands agree on every other axis. */
export const concatOp: OpDef<'concat'> = {
  kind: 'view',
  arity: -1,
  shape: (xs, { axis }) => {
    const first = xs[0]
    if (first === undefined) throw new ShapeError('concat', [], 'needs at least one operand')
    const ok = xs.every((s) => s.length === first.length && s.every((d, k) => k === axis || d === first[k]))
    if (!ok || axis < 0 || axis >= first.length)
      throw new ShapeError('concat', xs, `operands must agree on every axis but ${axis}`)
    return first.map((d, k) => (k === axis ? xs.reduce((n, s) => n + s[k]!, 0) : d))
  },
  evaluate: (xs, node) => {
    const { axis } = node.attrs
    const offsets = node.args.map((_, i) => node.args.slice(0, i).reduce((n, a) => n + a.shape[axis]!, 0))
    return new Float64Array(sizeOf(node.shape)).map((_, i) => {
      const idx = unravel(i, node.shape)
      let a = node.args.length - 1
      while (offsets[a]! > idx[axis]!) a--
      idx[axis] = idx[axis]! - offsets[a]!
      return xs[a]![ravel(idx, node.args[a]!.shape)]!
    })
  },
  vjp: (g, node) => {
    const { axis } = node.attrs
    let off = 0
    return node.args.map((a) => {
      const begin = a.shape.map((_, k) => (k === axis ? off : 0))
      off += a.shape[axis]!
      return K.slice(g, begin, a.shape)
    })
  },
  domain: everywhere,
}

/** `matmul(a, b)`: `[..., n, k] x [..., k, m] -> [..., n, m]`, batch axes broadcast. */
export const matmulOp: OpDef<'matmul'> = {
  kind: 'matmul',
  arity: 2,
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
  vjp: (g, node) => {
    const [a, b] = node.args as [Tensor, Tensor]
    return [K.unbroadcast(K.matmul(g, K.swapLast(b)), a.shape), K.unbroadcast(K.matmul(K.swapLast(a), g), b.shape)]
  },
  domain: everywhere,
}

/** `oneHot(labels, depth)`: a trailing axis of 0/1; labels outside [0, depth) or fractional give a zero row. */
export const oneHotOp: OpDef<'oneHot'> = {
  kind: 'gather',
  arity: 1,
  shape: ([x], { depth }) => {
    if (!Number.isInteger(depth) || depth < 1) throw new ShapeError('oneHot', [x!], `depth ${depth} must be a positive integer`)
    return [...x!, depth]
  },
  evaluate: ([x], node) => {
    const d = node.attrs.depth
    const out = new Float64Array(x!.length * d)
    x!.forEach((v, i) => {
      if (Number.isInteger(v) && v >= 0 && v < d) out[i * d + v] = 1
    })
    return out
  },
  vjp: () => [undefined],
}
