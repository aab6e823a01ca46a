/**
 * Compile errors: values (in fp-ts `Either`), tagged, with a message naming what was wrong.
 * @module
 */

/** Why a graph did not compile. */
export interface CompileError {
  readonly _tag: 'CompileError'
  /**
   * `LeafNameClash`: two leaves share a name; `BadShape`: an op's shape rule failed; `BadOption`: an
   * unknown or ill-typed option; `BadPlan`: a fusion plan the graph cannot run (`compilePlan`).
   */
  readonly reason: 'LeafNameClash' | 'BadShape' | 'BadOption' | 'BadPlan'
  readonly message: string
}

/**
 * Builds a `CompileError`.
 * @example
 * import { compileError } from './errors.js'
 * compileError('BadOption', "compile: unknown option 'fusion'").reason // 'BadOption'
 */
export const compileError = (reason: CompileError['reason'], message: string): CompileError => ({ _tag: 'CompileError', reason, message })
