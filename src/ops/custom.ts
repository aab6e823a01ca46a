/**
 * The `custom` op: a value with derivative rules of the user's choosing (`customVjp`, `customJvp` in
 * src/transforms/custom.ts). Its operands are the primal value and the function's inputs; it reads as
 * the primal (an identity view of operand 0, free in a kernel, removed by `simplify`), and its
 * derivative rules come from a rule registered once per definition, by number, so the node's attributes
 * stay a primitive integer (hash-consing, graph keys and kernel source never see a closure).
 * @module
 */
import type { Tensor } from '../tensor.js'
import type { Builders, ViewDef } from './def.js'

/** The custom op's attributes: the number of its registered rule. */
export interface CustomAttrs {
  readonly custom: { readonly rule: number }
}

/**
 * Derivative rules of one custom definition, in terms of the function's inputs (the node's operands
 * after the primal) and the custom node itself (its shape).
 */
export interface CustomRule {
  readonly name: string
  readonly vjp: (g: Tensor, inputs: readonly Tensor[], output: Tensor, K: Builders) => readonly (Tensor | undefined)[]
  readonly jvp: (tangents: readonly (Tensor | undefined)[], inputs: readonly Tensor[], output: Tensor, K: Builders) => Tensor | undefined
}

const registry: CustomRule[] = []

/**
 * Registers a definition's rules; the number goes into every node the definition builds.
 * @example
 * import { registerCustomRule } from './custom.js'
 * const id = registerCustomRule({ name: 'straightThrough', vjp: (g) => [g], jvp: (ts) => ts[0] })
 * Number.isInteger(id) // true
 */
export const registerCustomRule = (rule: CustomRule): number => registry.push(rule) - 1

const ruleOf = (id: number): CustomRule => {
  const r = registry[id]
  if (r === undefined) throw new Error(`internal: custom rule #${id} is not registered`)
  return r
}

/**
 * `custom(primal, ...inputs)`: reads as `primal`; differentiates by its registered rule.
 * @example
 * import { customOp } from './custom.js'
 * customOp.shape([[2, 3], [2, 3]], { rule: 0 }, undefined) // [2, 3]
 * customOp.rowMajor // true
 */
export const customOp: ViewDef<'custom'> = {
  kind: 'view',
  arity: -1,
  attrs: { rule: 'int' },
  sample: { rule: -1 },
  rowMajor: true,
  shape: ([primal]) => {
    if (primal === undefined) throw new Error('internal: a custom node needs its primal operand')
    return primal
  },
  evaluate: ([primal]) => primal!.slice(),
  vjp: (g, node, K) => [undefined, ...ruleOf(node.attrs.rule).vjp(g, node.args.slice(1), node, K)],
  jvp: (tangents, node, K) => ruleOf(node.attrs.rule).jvp(tangents.slice(1), node.args.slice(1), node, K),
  // The batched primal: derivatives of a batched custom node are the ordinary ones of its primal (the
  // rule's shapes are those of one example). Differentiating before batching keeps the rule.
  batch: (args, batched, _node, { ops: K, size }) => (batched[0] ? args[0]! : K.broadcastTo(args[0]!, [size, ...args[0]!.shape])),
  index: (idx) => idx,
  showAttrs: (node) => registry[node.attrs.rule]?.name ?? `rule ${node.attrs.rule}`,
}
