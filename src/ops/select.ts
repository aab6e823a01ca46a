/**
 * Select records: pad, concat and oneHot. Each element is an operand element or a literal chosen by
 * affine conditions on the index, so each lowers to the compiler's generic `select`, `index` and
 * elementwise forms (no IR form of its own).
 * @module
 */
import { aff, type Aff, type Expr } from '../compile/ir.js'
import { fmt, ShapeError, sizeOf, type Shape } from '../shape.js'
import type { Domain, SelectDef } from './def.js'
import { gatherBy, ravel, unravel } from './ref.js'
import { linear } from './rules.js'

/** Every select op's attributes. */
export interface SelectAttrs {
  readonly pad: { readonly before: readonly number[]; readonly after: readonly number[]; readonly value: number }
  readonly concat: { readonly axis: number }
  readonly oneHot: { readonly depth: number }
}

const everywhere: Domain = { lo: -3, hi: 3 }

/**
 * `pad(x, before, after, value)`: constant padding.
 * @example
 * import { padOp } from './select.js'
 * padOp.shape([[2, 3]], { before: [1, 0], after: [0, 2], value: 0 }, undefined) // [3, 5]
 */
export const padOp: SelectDef<'pad'> = {
  kind: 'select',
  arity: 1,
  attrs: { before: 'ints', after: 'ints', value: 'number' },
  sample: { before: [], after: [], value: 0 },
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
  vjp: (g, node, K) => [K.slice(g, node.attrs.before, node.args[0]!.shape)],
  // the fill value is a constant: its tangent is 0
  jvp: ([t], node, K) => t && K.pad(t, node.attrs.before, node.attrs.after, 0),
  batch: ([x], _b, node, { ops: K }) => K.pad(x!, [0, ...node.attrs.before], [0, ...node.attrs.after], node.attrs.value),
  // the operand where every padded axis is in range, else the fill value
  lower: (node, idx, read) => {
    const x = node.args[0]!
    const { before, after, value } = node.attrs
    const src = idx.map((a, k) => aff.shift(a, -before[k]!))
    const checks = src.flatMap((a, k) => (before[k] === 0 && after[k] === 0 ? [] : [{ a, lo: 0, hi: x.shape[k]! }]))
    const inner = read(x, src)
    return checks.length === 0 ? inner : { _tag: 'select', checks, then: inner, else: { _tag: 'lit', v: value } }
  },
  domain: everywhere,
}

/**
 * `concat(xs, axis)`: operands agree on every other axis.
 * @example
 * import { concatOp } from './select.js'
 * concatOp.shape([[2, 3], [2, 1]], { axis: 1 }, undefined) // [2, 4]
 */
export const concatOp: SelectDef<'concat'> = {
  kind: 'select',
  arity: -1,
  attrs: { axis: 'int' },
  sample: { axis: 0 },
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
  vjp: (g, node, K) => {
    const { axis } = node.attrs
    let off = 0
    return node.args.map((a) => {
      const begin = a.shape.map((_, k) => (k === axis ? off : 0))
      off += a.shape[axis]!
      return K.slice(g, begin, a.shape)
    })
  },
  jvp: linear<'concat'>((ts, node, K) => K.concat(ts, node.attrs.axis)),
  batch: (xs, batched, node, { ops: K, size }) =>
    K.concat(xs.map((x, i) => (batched[i] ? x : K.broadcastTo(x, [size, ...x.shape]))), node.attrs.axis + 1),
  // part p where the axis index is below the end of part p (tested in order), else the last part
  lower: (node, idx, read, rank) => {
    const ax = node.attrs.axis
    const at: Aff = idx[ax] ?? aff.zero(rank)
    const parts: { readonly e: Expr; readonly end: number }[] = []
    let off = 0
    for (const a of node.args) {
      const src = idx.map((x, k) => (k === ax ? aff.shift(x, -off) : x))
      off += a.shape[ax]!
      parts.push({ e: read(a, src), end: off })
    }
    let e = parts[parts.length - 1]!.e
    for (let p = parts.length - 2; p >= 0; p--) e = { _tag: 'select', checks: [{ a: at, hi: parts[p]!.end }], then: parts[p]!.e, else: e }
    return e
  },
  domain: everywhere,
}

/**
 * `oneHot(labels, depth)`: a trailing axis of 0/1; labels outside [0, depth) or fractional give a zero row.
 * @example
 * import { oneHotOp } from './select.js'
 * oneHotOp.shape([[5]], { depth: 3 }, undefined) // [5, 3]
 */
export const oneHotOp: SelectDef<'oneHot'> = {
  kind: 'select',
  arity: 1,
  attrs: { depth: 'int' },
  sample: { depth: 3 },
  shape: ([x], { depth }): Shape => {
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
  jvp: () => undefined,
  batch: ([x], _b, node, { ops: K }) => K.oneHot(x!, node.attrs.depth),
  // equal(label, position on the new axis)
  lower: (node, idx, read) => ({
    _tag: 'op', call: { op: 'equal', attrs: {} },
    args: [read(node.args[0]!, idx.slice(0, -1)), { _tag: 'index', a: idx[idx.length - 1]! }],
  }),
}
