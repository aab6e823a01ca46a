/**
 * The reference interpreter: the oracle every later stage is tested against. Naive on purpose.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { checkBindings, leafName, leavesOf, topoSort, BindingError, type Bindings } from './graph.js'
import { evaluateNode } from './optable.js'
import type { Tensor } from './tensor.js'

/**
 * Evaluates `outputs` with the reference interpreter: one `Float64Array` per output, in order.
 * Throws a `BindingError` naming a missing, unknown or wrongly sized binding. NaN and Infinity propagate.
 * @example
 * import { evaluate, add, input } from 'kiln'
 * const x = input('x', [2])
 * const [y] = evaluate([add(x, 1)], { x: [1, 2] })
 * Array.from(y!) // [2, 3]
 */
export const evaluate = (outputs: readonly Tensor[], bindings: Bindings): Float64Array[] => {
  const order = topoSort(outputs)
  const fed = checkBindings(leavesOf(order), bindings)
  const values = new Map<number, Float64Array>()
  for (const t of order) {
    const name = leafName(t)
    const v = name !== undefined ? fed.get(name)! : evaluateNode(t, t.args.map((a) => values.get(a.id)!))
    values.set(t.id, v)
  }
  return outputs.map((o) => values.get(o.id)!.slice())
}

/**
 * `evaluate` with binding errors as values.
 * @example
 * import { evaluateE, input } from 'kiln'
 * import * as E from 'fp-ts/lib/Either.js'
 * E.isLeft(evaluateE([input('x', [2])], {})) // true
 */
export const evaluateE = (outputs: readonly Tensor[], bindings: Bindings): E.Either<BindingError, Float64Array[]> =>
  E.tryCatch(
    () => evaluate(outputs, bindings),
    (e) => {
      if (e instanceof BindingError) return e
      throw e
    },
  )
