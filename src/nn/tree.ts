/**
 * Parameter trees: immutable nested records whose leaves are tensors (`Params`), concrete values
 * (`ParamValues`) or anything else. A leaf's name is its dotted path (`dense0.w`), which is also the
 * name of the `param`/`input` leaf in the graph, so binding a value tree to a graph is a walk.
 * @module
 */
import { hasOwn } from '../options.js'
import { fmt, sizeOf } from '../shape.js'
import { type Tensor } from '../tensor.js'
import { input, param } from '../make.js'

/**
 * A nested record with leaves of type `L`; keys are non-empty, contain no `.` and are none of
 * `RESERVED_KEYS`.
 */
export type Tree<L> = { readonly [k: string]: L | Tree<L> }
/** Symbolic parameters (or any tensors) by name: leaves are `Tensor`s. */
export type Params = Tree<Tensor>
/** Concrete values by name: leaves are row-major `Float64Array`s. */
export type ParamValues = Tree<Float64Array>

/**
 * Thrown when two trees that must match do not: names the path, and the shape expected when known.
 * @example
 * import { TreeError } from 'kiln'
 * new TreeError('dense0.w', "bindValues: missing entry 'dense0.w' (shape [4,3])").path // 'dense0.w'
 */
export class TreeError extends Error {
  override readonly name = 'TreeError'
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * True for a subtree (a plain record) and false for a leaf: arrays, typed arrays and tagged objects
 * (`Tensor`, `Key`, `Var`) are leaves.
 * @example
 * import { isSubtree, input } from 'kiln'
 * isSubtree({ w: input('w', [2]) }) // true
 * isSubtree(input('w', [2])) // false
 */
export const isSubtree = (x: unknown): x is Tree<unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && !('_tag' in x)

/**
 * Keys a tree may not have: writing them to an ordinary object changes its prototype
 * (`__proto__`) or shadows what code reads from it (`constructor`, `prototype`), so a tree read
 * from a file could otherwise reach `Object.prototype`. Other inherited names (`toString`) are fine.
 * @example
 * import { RESERVED_KEYS } from 'kiln'
 * RESERVED_KEYS // ['__proto__', 'prototype', 'constructor']
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'prototype', 'constructor']

const join = (prefix: string, k: string): string => (prefix === '' ? k : `${prefix}.${k}`)

const checkKey = (who: string, prefix: string, k: string): void => {
  if (k.length === 0 || k.includes('.')) throw new TreeError(join(prefix, k), `${who}: key '${k}' under '${prefix}' must be non-empty and contain no '.'`)
  if (RESERVED_KEYS.includes(k)) throw new TreeError(join(prefix, k), `${who}: '${join(prefix, k)}': a tree key may not be '${k}' (reserved: ${RESERVED_KEYS.join(', ')})`)
}

/** An empty record with no prototype: no inherited names, and `__proto__` is an ordinary key. */
const emptyRecord = <V>(): Record<string, V> => Object.create(null) as Record<string, V>

/**
 * The leaves of a tree with their dotted paths, depth first in key order of insertion.
 * @example
 * import { flattenParams } from 'kiln'
 * flattenParams({ dense0: { w: 1, b: 2 }, out: 3 }) // [['dense0.w', 1], ['dense0.b', 2], ['out', 3]]
 */
export const flattenParams = <L>(tree: Tree<L>, prefix = ''): [string, L][] =>
  Object.entries(tree).flatMap(([k, v]): [string, L][] => {
    checkKey('flattenParams', prefix, k)
    return isSubtree(v) ? flattenParams(v as Tree<L>, join(prefix, k)) : [[join(prefix, k), v as L]]
  })

/**
 * Rebuilds a tree from `[dottedPath, leaf]` entries (the inverse of `flattenParams`). Its records
 * have no prototype (the paths often come from a file). An empty segment, a reserved one
 * (`RESERVED_KEYS`), a path given twice or a leaf also used as a subtree throws a `TreeError` naming
 * the path.
 * @example
 * import { unflatten } from 'kiln'
 * unflatten([['a.b', 1], ['a.c', 2], ['d', 3]]) // { a: { b: 1, c: 2 }, d: 3 }
 * unflatten([['toString', 1]]) // { toString: 1 }
 * try { unflatten([['__proto__.x', 1]]) } catch (e) { (e as Error).message } // "unflatten: '__proto__.x': a tree key may not be '__proto__' (reserved: __proto__, prototype, constructor)"
 */
export const unflatten = <L>(entries: Iterable<readonly [string, L]>): Tree<L> => {
  const root = emptyRecord<unknown>()
  for (const [path, leaf] of entries) {
    const parts = path.split('.')
    if (parts.some((p) => p.length === 0)) throw new TreeError(path, `unflatten: path '${path}' has an empty part`)
    const reserved = parts.find((p) => RESERVED_KEYS.includes(p))
    if (reserved !== undefined) throw new TreeError(path, `unflatten: '${path}': a tree key may not be '${reserved}' (reserved: ${RESERVED_KEYS.join(', ')})`)
    let node = root
    parts.slice(0, -1).forEach((p, i) => {
      const next = hasOwn(node, p) ? node[p] : undefined
      if (next !== undefined && !isSubtree(next)) throw new TreeError(path, `unflatten: '${parts.slice(0, i + 1).join('.')}' is both a leaf and a subtree`)
      if (next === undefined) node[p] = emptyRecord<unknown>()
      node = node[p] as Record<string, unknown>
    })
    const last = parts[parts.length - 1]!
    if (hasOwn(node, last)) throw new TreeError(path, `unflatten: path '${path}' ${isSubtree(node[last]) ? 'is both a leaf and a subtree' : 'appears twice'}`)
    node[last] = leaf
  }
  return root as Tree<L>
}

/**
 * Applies `f` to every leaf (with its dotted path), keeping the structure.
 * @example
 * import { mapParams } from 'kiln'
 * mapParams({ a: { b: 1 }, c: 2 }, (x: number, path) => `${path}=${x * 10}`) // { a: { b: 'a.b=10' }, c: 'c=20' }
 */
export const mapParams = <A, B>(tree: Tree<A>, f: (leaf: A, path: string) => B, prefix = ''): Tree<B> =>
  Object.fromEntries(
    Object.entries(tree).map(([k, v]) => {
      checkKey('mapParams', prefix, k)
      const path = join(prefix, k)
      return [k, isSubtree(v) ? mapParams(v as Tree<A>, f, path) : f(v as A, path)]
    }),
  )

const describeLeaf = (leaf: unknown, path = ''): string => {
  if (isSubtree(leaf)) {
    const inner = flattenParams(leaf).map(([k, v]) => `'${join(path, k)}'${describeLeaf(v)}`)
    return inner.length === 0 ? ' (an empty subtree)' : ` (holding ${inner.slice(0, 4).join(', ')}${inner.length > 4 ? ', ...' : ''})`
  }
  return typeof leaf === 'object' && leaf !== null && 'shape' in leaf && Array.isArray(leaf.shape)
    ? ` (shape ${fmt(leaf.shape as number[])})`
    : leaf instanceof Float64Array
      ? ` (${leaf.length} values)`
      : ''
}

/**
 * Combines two trees of the same structure leaf by leaf. A key missing from either side, or a leaf
 * facing a subtree, throws a `TreeError` naming the path and (for tensors) the expected shape.
 * @example
 * import { zipParams } from 'kiln'
 * zipParams({ a: 1, b: { c: 2 } }, { a: 10, b: { c: 20 } }, (x: number, y: number) => x + y) // { a: 11, b: { c: 22 } }
 */
export const zipParams = <A, B, C>(a: Tree<A>, b: Tree<B>, f: (x: A, y: B, path: string) => C, who = 'zipParams', prefix = ''): Tree<C> => {
  const extra = Object.keys(b).filter((k) => !hasOwn(a, k))
  if (extra.length > 0)
    throw new TreeError(join(prefix, extra[0]!), `${who}: unexpected entry '${join(prefix, extra[0]!)}'${describeLeaf(b[extra[0]!], join(prefix, extra[0]!))}; expected only ${Object.keys(a).map((k) => `'${join(prefix, k)}'`).join(', ') || 'nothing'} here`)
  return Object.fromEntries(
    Object.entries(a).map(([k, x]) => {
      const path = join(prefix, k)
      if (!hasOwn(b, k)) throw new TreeError(path, `${who}: missing entry '${path}'${describeLeaf(x, path)}`)
      const y = b[k]!
      if (isSubtree(x) !== isSubtree(y))
        throw new TreeError(path, `${who}: '${path}' is a ${isSubtree(x) ? 'subtree' : `leaf${describeLeaf(x)}`} on one side and a ${isSubtree(y) ? 'subtree' : 'leaf'} on the other`)
      return [k, isSubtree(x) ? zipParams(x as Tree<A>, y as Tree<B>, f, who, path) : f(x as A, y as B, path)]
    }),
  )
}

/**
 * Total number of scalar entries of a tree of tensors or values.
 * @example
 * import { countParams, param } from 'kiln'
 * countParams({ dense0: { w: param('w', [4, 3]), b: param('b', [3]) } }) // 15
 */
export const countParams = (tree: Tree<Tensor | Float64Array>): number =>
  flattenParams(tree).reduce((n, [, v]) => n + (v instanceof Float64Array ? v.length : sizeOf(v.shape)), 0)

/**
 * A tree of `param` leaves named by their dotted paths (under `prefix`), with the shapes of a shape tree.
 * @example
 * import { paramLeaves } from 'kiln'
 * const p = paramLeaves({ dense0: { w: [4, 3] } })
 * p.dense0.w.attrs.name // 'dense0.w'
 */
export const paramLeaves = (shapes: Tree<readonly number[]>, prefix = ''): Params =>
  mapParams(shapes, (s, path) => param(join(prefix, path), s))

/**
 * A tree of `input` leaves named `prefix.path` (state fed each step: running statistics, optimizer slots).
 * @example
 * import { inputLeaves } from 'kiln'
 * inputLeaves({ m: { w: [2] } }, 'adam').m.w.attrs.name // 'adam.m.w'
 */
export const inputLeaves = (shapes: Tree<readonly number[]>, prefix = ''): Params =>
  mapParams(shapes, (s, path) => input(join(prefix, path), s))

/**
 * The shape tree of a tensor tree.
 * @example
 * import { shapesOf, param } from 'kiln'
 * shapesOf({ w: param('w', [2, 3]) }) // { w: [2, 3] }
 */
export const shapesOf = (tree: Params): Tree<readonly number[]> => mapParams(tree, (t) => t.shape)

/**
 * Bindings for the leaves of `tensors` from a value tree of the same structure: each value goes to
 * the name of the `param`/`input` leaf at its path. Missing or extra entries and wrong sizes throw a
 * `TreeError` naming the path and the shape expected.
 * @example
 * import { bindValues, param } from 'kiln'
 * const b = bindValues({ d: { w: param('d.w', [2]) } }, { d: { w: Float64Array.of(1, 2) } })
 * Object.keys(b) // ['d.w']
 */
export const bindValues = (tensors: Params, values: ParamValues, who = 'bindValues'): Record<string, Float64Array> => {
  // No prototype: a leaf may be named `__proto__` or `constructor` (graph names are free-form).
  const out = emptyRecord<Float64Array>()
  zipParams(tensors, values, (t, v, path) => (out[leafNameOf(t, path, who)] = checkedValue(t, v, path, who)), who)
  return out
}

/**
 * The values of `values` in the leaf order of `tensors` (`leafList`), each checked as `bindValues`
 * checks it: what a graph run by position takes.
 * @example
 * import { packValues, param } from 'kiln'
 * packValues({ w: param('w', [2]), b: param('b', [1]) }, { b: Float64Array.of(3), w: Float64Array.of(1, 2) }) // [Float64Array.of(1, 2), Float64Array.of(3)]
 * try { packValues({ w: param('w', [2]) }, { w: Float64Array.of(1) }, 'fit') } catch (e) { (e as Error).message } // "fit: the value at 'w' has 1 elements, its shape [2] needs 2"
 */
export const packValues = (tensors: Params, values: ParamValues, who = 'packValues'): Float64Array[] => {
  const out: Float64Array[] = []
  zipParams(tensors, values, (t, v, path) => {
    leafNameOf(t, path, who)
    out.push(checkedValue(t, v, path, who))
  }, who)
  return out
}

const checkedValue = (t: Tensor, v: unknown, path: string, who: string): Float64Array => {
  if (!(v instanceof Float64Array)) throw new TreeError(path, `${who}: the value at '${path}' must be a Float64Array for shape ${fmt(t.shape)}`)
  if (v.length !== sizeOf(t.shape)) throw new TreeError(path, `${who}: the value at '${path}' has ${v.length} elements, its shape ${fmt(t.shape)} needs ${sizeOf(t.shape)}`)
  return v
}

const leafNameOf = (t: Tensor, path: string, who: string): string => {
  if (t.op !== 'param' && t.op !== 'input') throw new TreeError(path, `${who}: '${path}' is a ${t.op} node, not a param/input leaf`)
  return t.attrs.name
}

/**
 * Reads evaluated outputs back into a tree shaped like `template` (outputs in `flattenParams` order,
 * as produced by `leavesOf(tree)` outputs).
 * @example
 * import { readTree } from 'kiln'
 * readTree({ a: 0, b: { c: 0 } }, [Float64Array.of(1), Float64Array.of(2)]) // { a: Float64Array.of(1), b: { c: Float64Array.of(2) } }
 */
export const readTree = <L>(template: Tree<L>, outputs: readonly Float64Array[]): ParamValues => {
  const entries = flattenParams(template)
  if (outputs.length !== entries.length) throw new Error(`readTree: ${outputs.length} outputs for ${entries.length} leaves`)
  return unflatten(entries.map(([path], i) => [path, outputs[i]!] as const))
}

/**
 * The leaves of a tree in `flattenParams` order (for passing a tree's tensors to `evaluate`/`grad`).
 * @example
 * import { leafList } from 'kiln'
 * leafList({ a: 1, b: { c: 2 } }) // [1, 2]
 */
export const leafList = <L>(tree: Tree<L>): L[] => flattenParams(tree).map(([, v]) => v)

/**
 * Merges trees with disjoint top-level keys (a clash throws, naming the key).
 * @example
 * import { mergeTrees } from 'kiln'
 * mergeTrees({ a: 1 }, { b: 2 }) // { a: 1, b: 2 }
 */
export const mergeTrees = <L>(...trees: readonly Tree<L>[]): Tree<L> => {
  const out: Record<string, L | Tree<L>> = {}
  for (const t of trees)
    for (const [k, v] of Object.entries(t)) {
      checkKey('mergeTrees', '', k)
      if (hasOwn(out, k)) throw new TreeError(k, `mergeTrees: the key '${k}' appears in two trees`)
      out[k] = v
    }
  return out
}
