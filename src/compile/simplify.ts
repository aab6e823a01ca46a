/**
 * The compiler's simplify pass: algebraic rewrites as data (`rules`), applied by one bottom-up engine.
 * Runs after differentiation and before scheduling; the result computes the same values (bit for bit with
 * `exactOnly`) with no more operations, shared subexpressions merged (hash-consing) and nothing the outputs
 * do not need. Node counts never grow either, with one exception: `sum-broadcast` adds its count constant
 * when the broadcast it sums is also used elsewhere.
 * @module
 */
import { checkOptionKinds, type OptionKinds } from '../options.js'
import type { Tensor } from '../tensor.js'
import { rewriteWith } from './rewrite.js'
import { rules } from './rules.js'

export { rules } from './rules.js'
export { rewriteWith, type Rule } from './rewrite.js'

/** Options of `simplify`. */
export interface SimplifyOptions {
  /** Only rules whose result is bit-identical for every input (default false: also the documented inexact ones). */
  readonly exactOnly?: boolean
  /** Also rules that change values beyond rounding where the original overflows (`log-exp`); default false. */
  readonly overflow?: boolean
}

const KINDS: OptionKinds<SimplifyOptions> = { exactOnly: 'boolean', overflow: 'boolean' }

/**
 * Simplifies a graph's outputs with the default rules: exact ones and those that differ only by rounding or
 * the sign of zero (only the exact ones with `{ exactOnly: true }`; also `log-exp` with `{ overflow: true }`).
 * @example
 * import { simplify } from './simplify.js'
 * import { sub, neg, input, show } from 'kiln'
 * const x = input('x', [3])
 * const y = input('y', [3])
 * const [z] = simplify([sub(x, neg(neg(neg(y))))])
 * show(z!) // '(x + y)'
 */
export const simplify = (outputs: readonly Tensor[], options: SimplifyOptions = {}): Tensor[] => {
  checkOptionKinds('simplify', options, KINDS)
  const chosen = rules.filter((r) => (options.exactOnly === true ? r.exact : options.overflow === true || r.overflow !== true))
  return rewriteWith(chosen, outputs)
}
