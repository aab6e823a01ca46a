/**
 * The subtrees of a container layer (`sequential`, `functional`): each child's parameters and state sit
 * under its name, and nothing else may.
 * @module
 */
import { fmt } from '../shape.js'
import { isSubtree, TreeError, type Params } from './tree.js'

/**
 * Whether a tree has no entries (a layer without parameters or state gets no subtree).
 * @example
 * import { isEmpty } from './subtrees.js'
 * isEmpty({}) // true
 */
export const isEmpty = (t: object): boolean => Object.keys(t).length === 0

/**
 * The subtree `name` of `tree` (empty when absent); a tensor there throws a `TreeError` naming `who`.
 * @example
 * import { group } from './subtrees.js'
 * import { param } from 'kiln'
 * Object.keys(group({ dense0: { w: param('w', [1]) } }, 'dense0', 'sequential params')) // ['w']
 */
export const group = (tree: Params, name: string, who: string): Params => {
  const g = tree[name]
  if (g === undefined) return {}
  if (!isSubtree(g)) throw new TreeError(name, `${who}: '${name}' must be a subtree of tensors, got a tensor of shape ${fmt(g.shape)}`)
  return g
}

/**
 * Throws a `TreeError` on an entry of `tree` that is none of `names`, listing the names.
 * @example
 * import { checkNoExtra } from './subtrees.js'
 * try { checkNoExtra({ dense9: {} }, ['dense0'], 'sequential params') } catch (e) { (e as Error).message } // "sequential params: unexpected entry 'dense9'; the layers are 'dense0'"
 */
export const checkNoExtra = (tree: Params, names: readonly string[], who: string): void => {
  const extra = Object.keys(tree).filter((k) => !names.includes(k))
  if (extra.length > 0)
    throw new TreeError(extra[0]!, `${who}: unexpected entry '${extra[0]}'; the layers are ${names.map((n) => `'${n}'`).join(', ')}`)
}
