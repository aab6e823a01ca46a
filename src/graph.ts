/**
 * Graph walks shared by the interpreter, `grad`, `show` and the compiler, and binding validation.
 * @module
 */
import { fmt, sizeOf } from './shape.js'
import { isOp, type NodeOf, type Tensor } from './tensor.js'

/** Values fed to `input`/`param` leaves by name: `Float64Array` or plain numbers (converted), row-major. */
export type Bindings = Readonly<Record<string, Float64Array | readonly number[] | number>>

/**
 * A missing, unknown, wrongly sized or clashing binding: names it and says what was expected.
 * @example
 * import { BindingError } from 'kiln'
 * new BindingError('x', "evaluate: binding 'x' is missing").binding // 'x'
 */
export class BindingError extends Error {
  override readonly name = 'BindingError'
  constructor(
    readonly binding: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Every node reachable from `outputs`, operands before users (iterative: deep graphs do not overflow).
 * @example
 * import { topoSort, add, input } from 'kiln'
 * const x = input('x', [2])
 * topoSort([add(x, x)]).length // 2
 */
export const topoSort = (outputs: readonly Tensor[]): Tensor[] => {
  const order: Tensor[] = []
  const seen = new Set<number>()
  const stack: [Tensor, number][] = outputs.map((t) => [t, 0])
  stack.reverse()
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    const [t, i] = top
    if (i === 0 && seen.has(t.id)) {
      stack.pop()
      continue
    }
    if (i < t.args.length) {
      top[1] = i + 1
      const a = t.args[i]!
      if (!seen.has(a.id)) stack.push([a, 0])
      continue
    }
    stack.pop()
    if (!seen.has(t.id)) {
      seen.add(t.id)
      order.push(t)
    }
  }
  return order
}

/**
 * The name of an input or param leaf; undefined for any other node.
 * @example
 * import { leafName } from './graph.js'
 * import { param, exp } from 'kiln'
 * leafName(param('w', [2])) // 'w'
 * leafName(exp(param('w', [2]))) // undefined
 */
export const leafName = (t: Tensor): string | undefined => (t.op === 'input' || t.op === 'param' ? t.attrs.name : undefined)

/** A named leaf of a graph. */
export type Leaf = NodeOf<'input'> | NodeOf<'param'>

/**
 * The input/param leaves of a graph by name; throws `BindingError` when one name has two meanings.
 * @example
 * import { add, input, param, topoSort } from 'kiln'
 * import { leavesOf } from './graph.js'
 * const y = add(input('x', [2]), param('b', [2]))
 * Array.from(leavesOf(topoSort([y])).keys()).sort() // ['b', 'x']
 */
export const leavesOf = (nodes: readonly Tensor[], who = 'evaluate'): Map<string, Leaf> => {
  const out = new Map<string, Leaf>()
  for (const t of nodes) {
    if (!isOp(t, 'input') && !isOp(t, 'param')) continue
    const leaf = t as Leaf
    const name = leaf.attrs.name
    const prev = out.get(name)
    if (prev !== undefined && prev !== leaf)
      throw new BindingError(
        name,
        `${who}: the name '${name}' is used by two leaves (${prev.op} ${fmt(prev.shape)} and ${leaf.op} ${fmt(leaf.shape)}); names must be unique per graph`,
      )
    out.set(name, leaf)
  }
  return out
}

/**
 * Checks bindings against the leaves (missing, unknown, wrong length) and converts them to Float64Array.
 * @example
 * import { input, topoSort } from 'kiln'
 * import { checkBindings, leavesOf } from './graph.js'
 * const leaves = leavesOf(topoSort([input('x', [2])]))
 * checkBindings(leaves, { x: [1, 2] }).get('x') // Float64Array.of(1, 2)
 * let error = ''
 * try { checkBindings(leaves, { x: [1, 2, 3] }) } catch (e) { error = (e as Error).message }
 * error // "evaluate: binding 'x' has 3 values, its shape [2] needs 2"
 */
export const checkBindings = (leaves: ReadonlyMap<string, Leaf>, bindings: Bindings, who = 'evaluate'): Map<string, Float64Array> => {
  const out = new Map<string, Float64Array>()
  for (const name of Object.keys(bindings))
    if (!leaves.has(name))
      throw new BindingError(
        name,
        `${who}: unknown binding '${name}'; the graph's leaves are ${[...leaves.keys()].map((n) => `'${n}'`).join(', ') || 'none'}` +
          ' (a graph that does not read a leaf, such as the gradient of a function linear in it, takes no binding for it)',
      )
  for (const [name, leaf] of leaves) {
    // Own properties only: a leaf named `constructor` or `toString` is not bound by Object.prototype.
    const raw = Object.prototype.hasOwnProperty.call(bindings, name) ? bindings[name] : undefined
    if (raw === undefined) throw new BindingError(name, `${who}: binding '${name}' (${leaf.op} of shape ${fmt(leaf.shape)}) is missing`)
    const v = typeof raw === 'number' ? Float64Array.of(raw) : raw instanceof Float64Array ? raw : Float64Array.from(raw)
    const want = sizeOf(leaf.shape)
    if (v.length !== want)
      throw new BindingError(name, `${who}: binding '${name}' has ${v.length} values, its shape ${fmt(leaf.shape)} needs ${want}`)
    out.set(name, v)
  }
  return out
}
