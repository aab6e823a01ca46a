/**
 * View records: transpose, reshape, broadcastTo, slice and stopGradient. Each maps an output index to
 * an operand index affinely (`index`), so a kernel reads through any chain of views without a copy.
 * @module
 */
import { aff, type Aff } from '../compile/ir.js'
import { fmt, shapeEq, ShapeError, sizeOf, stridesOf, tryBroadcast, type Shape } from '../shape.js'
import type { Domain, Empty, ViewDef } from './def.js'
import { broadcastIndex, gatherBy, ravel } from './ref.js'
import { alignBatched } from './rules.js'

/** Every view's attributes. */
export interface ViewAttrs {
  readonly transpose: { readonly perm: readonly number[] }
  readonly reshape: Empty
  readonly broadcastTo: Empty
  readonly slice: { readonly begin: readonly number[] }
  readonly stopGradient: Empty
}

const everywhere: Domain = { lo: -3, hi: 3 }
const none = {} as const
const isShape = (s: Shape): boolean => s.every((d) => Number.isInteger(d) && d >= 0)

/**
 * How a reshape maps an index of its result to an index of its operand, when that is affine: each
 * group of axes with equal products may split one operand axis into several, never merge several
 * (merging needs division). `undefined` when not affine.
 * @example
 * import { reshapeMap } from './views.js'
 * import { aff } from '../compile/ir.js'
 * reshapeMap([6], [2, 3])!([aff.axis(2, 0), aff.axis(2, 1)], 2).map(aff.show) // ['3*i0+i1']
 * reshapeMap([2, 3], [6]) // undefined
 */
export const reshapeMap = (from: Shape, to: Shape): ((idx: readonly Aff[], rank: number) => Aff[]) | undefined => {
  if (sizeOf(from) === 0) return undefined
  const ins = [...from.keys()].filter((d) => from[d] !== 1)
  const outs = [...to.keys()].filter((d) => to[d] !== 1)
  const groups: { src: number; dst: number[] }[] = []
  let a = 0
  let b = 0
  while (a < ins.length) {
    const gi = [ins[a++]!]
    const go = [outs[b++]!]
    let pi = from[gi[0]!]!
    let po = to[go[0]!]!
    while (pi !== po) {
      if (pi < po) {
        if (a >= ins.length) return undefined
        gi.push(ins[a]!)
        pi *= from[ins[a++]!]!
      } else {
        if (b >= outs.length) return undefined
        go.push(outs[b]!)
        po *= to[outs[b++]!]!
      }
    }
    if (gi.length !== 1) return undefined
    groups.push({ src: gi[0]!, dst: go })
  }
  return (idx, rank) => {
    const res = from.map(() => aff.zero(rank))
    for (const g of groups) {
      const inner = stridesOf(g.dst.map((d) => to[d]!))
      res[g.src] = aff.dot(g.dst.map((d) => idx[d]!), inner, rank)
    }
    return res
  }
}

/**
 * The operand index of a NumPy-broadcast read: right-aligned, size-1 axes pinned to 0.
 * @example
 * import { broadcastIdx } from './views.js'
 * import { aff } from '../compile/ir.js'
 * broadcastIdx([aff.axis(2, 0), aff.axis(2, 1)], [1, 3], 2).map(aff.show) // ['0', 'i1']
 */
export const broadcastIdx = (idx: readonly Aff[], from: Shape, rank: number): Aff[] => {
  const lead = idx.length - from.length
  return from.map((d, q) => (d === 1 ? aff.zero(rank) : idx[q + lead]!))
}

const inversePerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length)
  perm.forEach((p, i) => (inv[p] = i))
  return inv
}

/**
 * `transpose(x, perm)`.
 * @example
 * import { transposeOp } from './views.js'
 * transposeOp.shape([[2, 3]], { perm: [1, 0] }, undefined) // [3, 2]
 */
export const transposeOp: ViewDef<'transpose'> = {
  kind: 'view',
  arity: 1,
  attrs: { perm: 'ints' },
  sample: { perm: [] },
  rowMajor: false,
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
  vjp: (g, node, K) => [K.transpose(g, inversePerm(node.attrs.perm))],
  jvp: ([t], node, K) => t && K.transpose(t, node.attrs.perm),
  batch: ([x], _b, node, { ops: K }) => K.transpose(x!, [0, ...node.attrs.perm.map((p) => p + 1)]),
  index: (idx, node) => {
    const src = new Array<Aff>(idx.length)
    node.attrs.perm.forEach((p, k) => (src[p] = idx[k]!))
    return src
  },
  domain: everywhere,
}

/**
 * `reshape(x, shape)`: same elements, same row-major order.
 * @example
 * import { reshapeOp } from './views.js'
 * reshapeOp.rowMajor // true
 * reshapeOp.shape([[2, 3]], {}, [6]) // [6]
 */
export const reshapeOp: ViewDef<'reshape'> = {
  kind: 'view',
  arity: 1,
  attrs: none,
  sample: none,
  rowMajor: true,
  shape: ([x], _a, hint) => {
    if (hint !== undefined && !isShape(hint)) throw new ShapeError('reshape', [x!, hint], 'target dimensions must be non-negative integers')
    if (hint === undefined || sizeOf(hint) !== sizeOf(x!))
      throw new ShapeError('reshape', [x!, hint ?? []], `element counts differ (${sizeOf(x!)} vs ${sizeOf(hint ?? [])})`)
    return hint
  },
  evaluate: ([x]) => x!.slice(),
  vjp: (g, node, K) => [K.reshape(g, node.args[0]!.shape)],
  jvp: ([t], node, K) => t && K.reshape(t, node.shape),
  batch: ([x], _b, node, { ops: K, size }) => K.reshape(x!, [size, ...node.shape]),
  index: (idx, node, rank) => reshapeMap(node.args[0]!.shape, node.shape)?.(idx, rank),
  showAttrs: (node) => fmt(node.shape),
  domain: everywhere,
}

/**
 * `broadcastTo(x, shape)`: NumPy broadcasting made explicit.
 * @example
 * import { broadcastToOp } from './views.js'
 * broadcastToOp.shape([[3]], {}, [2, 3]) // [2, 3]
 */
export const broadcastToOp: ViewDef<'broadcastTo'> = {
  kind: 'view',
  arity: 1,
  attrs: none,
  sample: none,
  rowMajor: false,
  shape: ([x], _a, hint) => {
    if (hint !== undefined && !isShape(hint)) throw new ShapeError('broadcastTo', [x!, hint], 'target dimensions must be non-negative integers')
    const b = hint === undefined ? undefined : tryBroadcast([x!, hint])
    if (hint === undefined || b === undefined || !shapeEq(b, hint))
      throw new ShapeError('broadcastTo', [x!, hint ?? []], 'the operand does not broadcast to the target shape')
    return hint
  },
  evaluate: ([x], node) => gatherBy(x!, node.shape, (idx) => broadcastIndex(idx, node.args[0]!.shape)),
  vjp: (g, node, K) => [K.unbroadcast(g, node.args[0]!.shape)],
  jvp: ([t], node, K) => t && K.broadcastTo(t, node.shape),
  batch: ([x], _b, node, { ops: K, size }) => K.broadcastTo(alignBatched(x!, node.shape.length, K), [size, ...node.shape]),
  index: (idx, node, rank) => broadcastIdx(idx, node.args[0]!.shape, rank),
  showAttrs: (node) => fmt(node.shape),
  domain: everywhere,
}

/**
 * `slice(x, begin, size)`: a contiguous box.
 * @example
 * import { sliceOp } from './views.js'
 * sliceOp.shape([[4]], { begin: [1] }, [2]) // [2]
 */
export const sliceOp: ViewDef<'slice'> = {
  kind: 'view',
  arity: 1,
  attrs: { begin: 'ints' },
  sample: { begin: [] },
  rowMajor: false,
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
  vjp: (g, node, K) => {
    const xs = node.args[0]!.shape
    const after = xs.map((d, k) => d - node.attrs.begin[k]! - node.shape[k]!)
    return [K.pad(g, node.attrs.begin, after)]
  },
  jvp: ([t], node, K) => t && K.slice(t, node.attrs.begin, node.shape),
  batch: ([x], _b, node, { ops: K, size }) => K.slice(x!, [0, ...node.attrs.begin], [size, ...node.shape]),
  index: (idx, node) => idx.map((a, k) => aff.shift(a, node.attrs.begin[k]!)),
  showAttrs: (node) => `begin=${fmt(node.attrs.begin)}, size=${fmt(node.shape)}`,
  domain: everywhere,
}

/**
 * `stopGradient(x)`: the identity with a zero derivative; a view that costs nothing in a kernel.
 * @example
 * import { stopGradientOp } from './views.js'
 * stopGradientOp.vjp(undefined as never, undefined as never, undefined as never) // [undefined]
 */
export const stopGradientOp: ViewDef<'stopGradient'> = {
  kind: 'view',
  arity: 1,
  attrs: none,
  sample: none,
  rowMajor: true,
  shape: ([x]) => x!,
  evaluate: ([x]) => x!.slice(),
  vjp: () => [undefined],
  jvp: () => undefined,
  batch: ([x], _b, _node, { ops: K }) => K.stopGradient(x!),
  index: (idx) => idx,
}
