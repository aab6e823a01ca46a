/**
 * The rewrite engine behind `simplify`: rules are plain data (`Rule` records) and one small engine
 * rebuilds the DAG bottom-up, applying the first matching rule at each node until none matches.
 * Rebuilding goes through the hash-consing constructor, so equal rebuilt subexpressions become one
 * node (common-subexpression elimination for free) and nodes no output needs are simply not reached.
 * @module
 */
import { topoSort } from '../graph.js'
import { fmt, shapeEq } from '../shape.js'
import type { NodeOf, OpName, Tensor } from '../tensor.js'
import { make } from '../make.js'

/**
 * One rewrite: `rewrite` returns the replacement of a node whose operands are already simplified, or
 * `undefined` when the rule does not apply. A rule must keep the node's shape. `exact` says whether the
 * replacement is bit-for-bit equal to the original under the reference interpreter for every input
 * (NaN, infinities and signed zeros included); when it is not, `note` says where the values differ.
 * @example
 * import type { Rule } from './rewrite.js'
 * import { isOp } from 'kiln'
 * // neg(neg x) -> x
 * const negNeg: Rule = {
 *   name: 'neg-neg',
 *   exact: true,
 *   rewrite: (t) => (isOp(t, 'neg') && isOp(t.args[0]!, 'neg') ? t.args[0]!.args[0] : undefined),
 * }
 * negNeg.name // 'neg-neg'
 */
export interface Rule {
  readonly name: string
  readonly exact: boolean
  readonly note?: string
  /** The rewrite can change a value by more than rounding (e.g. where the original overflows): opt-in only. */
  readonly overflow?: boolean
  readonly rewrite: (t: Tensor) => Tensor | undefined
}

/** Rewrites at one node before the engine calls it a rule loop (a broken invariant, so it throws). */
const MAX_REWRITES_PER_NODE = 64

/**
 * `t` with its operands replaced, through the hash-consing constructor (the same node when unchanged).
 * @example
 * import { withArgs } from './rewrite.js'
 * import { input, exp } from 'kiln'
 * const [x, y] = [input('x', [2]), input('y', [2])]
 * withArgs(exp(x), [y]) === exp(y) // true
 */
export const withArgs = <K extends OpName>(t: NodeOf<K>, args: readonly Tensor[]): Tensor =>
  args.every((a, i) => a === t.args[i]) ? t : make(t.op, args, t.attrs, t.shape)

const firstMatch = (rules: readonly Rule[], t: Tensor): readonly [Rule, Tensor] | undefined => {
  for (const rule of rules) {
    const next = rule.rewrite(t)
    if (next !== undefined && next !== t) return [rule, next]
  }
  return undefined
}

const loopError = (t: Tensor, fired: readonly string[], why: string): Error =>
  new Error(`simplify: rule loop at ${t.op} ${fmt(t.shape)} (node ${t.id}): ${why}; rules fired: ${fired.slice(-8).join(' -> ') || 'none'}`)

/**
 * Rewrites `outputs` with `rules` to a fixpoint at every node and returns the rewritten outputs, in
 * order. Shared nodes stay shared; throws when a rule changes a shape or the rules loop.
 * @example
 * import { rewriteWith } from './rewrite.js'
 * import { neg, input } from 'kiln'
 * const x = input('x', [2])
 * const [y] = rewriteWith([], [neg(x)])
 * y === neg(x) // true
 */
export const rewriteWith = (rules: readonly Rule[], outputs: readonly Tensor[]): Tensor[] => {
  // memo: any node seen -> its normal form (normal forms map to themselves)
  const memo = new Map<number, Tensor>()
  // nodes being rewritten right now: meeting one again means a rule expanded a node into itself
  const active = new Set<number>()

  const visit = (t: Tensor): Tensor => {
    const done = memo.get(t.id)
    if (done !== undefined) return done
    if (active.has(t.id)) throw loopError(t, [], 'a rule rewrote a node into an expression containing itself')
    const seen = [t]
    const fired: string[] = []
    active.add(t.id)
    let cur = withArgs(t, t.args.map(visit))
    for (;;) {
      active.add(cur.id)
      const hit = firstMatch(rules, cur)
      if (hit === undefined) break
      const [rule, next] = hit
      if (!shapeEq(next.shape, cur.shape))
        throw new Error(`simplify: rule '${rule.name}' turned ${cur.op} ${fmt(cur.shape)} into ${next.op} ${fmt(next.shape)}; rules must keep shapes`)
      fired.push(rule.name)
      if (fired.length > MAX_REWRITES_PER_NODE) throw loopError(t, fired, `more than ${MAX_REWRITES_PER_NODE} rewrites`)
      seen.push(cur)
      const known = memo.get(next.id)
      cur = known ?? withArgs(next, next.args.map(visit))
      if (known !== undefined) break
    }
    for (const s of seen) {
      active.delete(s.id)
      memo.set(s.id, cur)
    }
    active.delete(cur.id)
    memo.set(cur.id, cur)
    return cur
  }

  // Operands before users: every original node finds its operands memoized, so `visit` recurses only
  // into nodes a rule has just built (everything a rule can reach from a node is a memoized normal form),
  // a few levels whatever the graph's depth. The fixpoint at each node is at most MAX_REWRITES_PER_NODE
  // rule applications, so the pass is linear in the graph's size.
  for (const t of topoSort(outputs)) visit(t)
  return outputs.map(visit)
}
