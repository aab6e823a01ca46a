/**
 * The few `Either` helpers Kiln's results need, re-exported so users need no `fp-ts` import (and no
 * direct dependency on it, which pnpm's strict `node_modules` would demand).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'

export type { Either, Left, Right } from 'fp-ts/lib/Either.js'

/**
 * True for a `Right` (success); narrows the type.
 * @example
 * import { isRight, parseCsv } from 'kiln'
 * isRight(parseCsv('1,2,0\n')) // true
 */
export const isRight: <A>(ma: E.Either<unknown, A>) => ma is E.Right<A> = E.isRight

/**
 * True for a `Left` (an error value); narrows the type.
 * @example
 * import { isLeft, parseCsv } from 'kiln'
 * isLeft(parseCsv('1,x,0\n')) // true
 */
export const isLeft: <L>(ma: E.Either<L, unknown>) => ma is E.Left<L> = E.isLeft

/**
 * The value of a `Right`, or throws an `Error` with the `Left`'s message (its `cause` is the `Left`
 * value): for scripts and examples where failing loudly is right.
 * @example
 * import { unwrap, parseCsv } from 'kiln'
 * unwrap(parseCsv('1,2,0\n')).n // 1
 * let message = ''
 * try { unwrap(parseCsv('1,x,0\n')) } catch (e) { message = (e as Error).message }
 * message // 'line 1, column 2: expected a finite number, got "x"'
 */
export const unwrap = <L, A>(result: E.Either<L, A>): A => {
  if (E.isRight(result)) return result.right
  const l: unknown = result.left
  const message =
    typeof l === 'object' && l !== null && 'message' in l && typeof l.message === 'string' ? l.message : `unwrap: a Left: ${String(l)}`
  throw new Error(message, { cause: l })
}
