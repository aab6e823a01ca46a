/**
 * Expression nodes: immutable, hash-consed, shape-carrying. This module only interns: it knows no
 * op. Checked construction (attributes, operands, shape rules) is `make`, next to the op table
 * (`./make.js`); every node goes through it, so structurally equal expressions are one node and common
 * subexpressions are shared for free.
 * @module
 */
import { nodeKey, sameArrays } from './hash.js'
import type { OpAttrs, OpName } from './ops/def.js'
import { ArgumentError, describeValue, ownValue } from './options.js'
import type { Shape } from './shape.js'

export type { OpAttrs, OpName } from './ops/def.js'

/** A node of op `K`, its attributes typed by the op. */
export interface Node<K extends OpName, S extends Shape = Shape> {
  readonly _tag: 'Tensor'
  readonly id: number
  readonly op: K
  readonly args: readonly Tensor[]
  readonly attrs: OpAttrs[K]
  readonly shape: Readonly<S>
}

/**
 * An expression node of static shape `S`: a union over the ops, so checking `op` narrows `attrs`.
 * Readonly and hash-consed: build it with the op functions. `id` is unique per live node; `shape` is
 * the node's runtime shape.
 */
export type Tensor<S extends Shape = Shape> = TensorMap<S>[OpName]

/** Nodes by op: `TensorMap[K]` is `Node<K>`, and (unlike `Node<K>`) TypeScript sees it is a `Tensor` for a generic `K`. */
export type TensorMap<S extends Shape = Shape> = { [K in OpName]: Node<K, S> }

/** A node whose op is known to be `K`, with that op's attributes. */
export type NodeOf<K extends OpName> = TensorMap[K]

/** A tensor or a plain number (lifted to a scalar constant). */
export type TensorLike = Tensor | number

/**
 * True when `t` is the op `K`, narrowing its attributes.
 * @example
 * import { isOp, sum, input } from 'kiln'
 * const s = sum(input('x', [2, 3]), 1)
 * isOp(s, 'sum') && s.attrs.axes // [1]
 */
export const isOp = <K extends OpName>(t: Tensor, op: K): t is NodeOf<K> => t.op === op

const live = new Map<string, WeakRef<Tensor>>()
const registry = new FinalizationRegistry<string>((key) => {
  const ref = live.get(key)
  if (ref !== undefined && ref.deref() === undefined) live.delete(key)
})
let nextId = 1
/** Every node `make` built: the one test of "is a tensor" that no look-alike object or proxy passes. */
const nodes = new WeakSet<object>()

/**
 * The live node under `key` whose constant data equals `attrs`'s, or the free slot for a new one. Keys
 * name data by hash (`attrsKey`), so a hit is confirmed by content; a colliding node keeps its slot and
 * the newcomer probes `key#1`, `key#2`, ... (a collision is never a merge, at worst a missed share).
 */
const liveSlot = (key: string, attrs: object): { readonly key: string; readonly hit?: Tensor } => {
  for (let i = 0; ; i++) {
    const k = i === 0 ? key : `${key}#${i}`
    const hit = live.get(k)?.deref()
    if (hit === undefined) return { key: k }
    if (sameArrays(hit.attrs, attrs)) return { key: k, hit }
  }
}

/**
 * True for a node built by `make` (never for a look-alike object, whose getters would run).
 * @example
 * import { isTensor, input } from 'kiln'
 * isTensor(input('x', [2])) // true
 * isTensor({ _tag: 'Tensor', shape: [2] }) // false
 */
export const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && nodes.has(v)

/**
 * A frozen copy of a list of nodes, read by index (no getter or iterator runs); anything else is an
 * `ArgumentError` naming `op` and `field` (with the entry). `make` checks its operands with it.
 * @example
 * import { tensorList, input } from 'kiln'
 * tensorList('concat', 'xs', [input('a', [1])]).length // 1
 * try { tensorList('concat', 'xs', [1]) } catch (e) { (e as Error).message } // 'concat: xs: entry 0: expected a tensor, got 1'
 */
export const tensorList = (op: string, field: string, xs: unknown): readonly Tensor[] => {
  if (!Array.isArray(xs)) throw new ArgumentError(op, field, `expected a list of tensors, got ${describeValue(xs)}`)
  const out: Tensor[] = []
  for (let i = 0; i < xs.length; i++) {
    const r = ownValue(xs, i)
    if (!r.ok || !isTensor(r.value)) throw new ArgumentError(op, field, `entry ${i}: expected a tensor, got ${r.ok ? describeValue(r.value) : r.why === 'missing' ? 'a hole' : 'an accessor'}`)
    out.push(r.value)
  }
  return Object.freeze(out)
}

/**
 * The live node equal to `(op, operands, attrs, shape)`, or a new one: hash-consing and nothing else.
 * The caller (`make`) has checked everything; `attrs` and `shape` must be frozen and are kept as given.
 * With `share = false` the node is new and not entered in the table: a `WeakRef` keeps its target
 * alive until the current job ends, so a large constant made and dropped in a loop would otherwise hold
 * its memory until the event loop turns.
 * @example
 * import { input } from 'kiln'
 * import { intern } from './tensor.js'
 * const x = input('x', [3])
 * intern('neg', [x], {}, [3]) === intern('neg', [x], {}, [3]) // true
 * intern('neg', [x], {}, [3], false) === intern('neg', [x], {}, [3]) // false
 */
export const intern = <K extends OpName>(op: K, operands: readonly Tensor[], attrs: OpAttrs[K], shape: Shape, share = true): Tensor => {
  const key = share ? nodeKey(op, attrs, shape, operands.map((a) => a.id)) : ''
  const slot = share ? liveSlot(key, attrs) : undefined
  if (slot?.hit !== undefined) return slot.hit
  // Safe: `NodeOf<K>` is `Node<K>`; TypeScript does not reduce the indexed mapped type for a generic K.
  const node = Object.freeze({ _tag: 'Tensor', id: nextId++, op, args: operands, attrs, shape }) as NodeOf<K>
  if (slot !== undefined) {
    live.set(slot.key, new WeakRef(node))
    registry.register(node, slot.key)
  }
  nodes.add(node)
  return node
}

/**
 * Number of live hash-consed nodes (for tests and diagnostics).
 * @example
 * import { liveNodeCount, input } from 'kiln'
 * const before = liveNodeCount()
 * const x = input('liveCountX', [7, 7, 7])
 * liveNodeCount() - before // 1
 * input('liveCountX', [7, 7, 7]) === x && liveNodeCount() - before // 1
 */
export const liveNodeCount = (): number => live.size

/**
 * The value of a constant node whose elements are all equal (a scalar or a fill), or undefined.
 * @example
 * import { constant, scalar, input } from 'kiln'
 * import { constValue } from './tensor.js'
 * constValue(scalar(3)) // 3
 * constValue(constant([2, 2, 2])) // 2
 * constValue(constant([1, 2])) // undefined
 * constValue(input('x', [2])) // undefined
 */
export const constValue = (t: Tensor): number | undefined => {
  if (!isOp(t, 'constant')) return undefined
  const v = t.attrs.values
  if (v.length === 0) return undefined
  const first = v[0]!
  for (let i = 1; i < v.length; i++) if (!Object.is(v[i], first)) return undefined
  return first
}
