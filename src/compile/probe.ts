/**
 * Whether this environment lets Kiln create functions from generated source. A page whose Content
 * Security Policy lacks `'unsafe-eval'` (or a realm created with code generation off) refuses
 * `new Function`; Kiln then runs every graph on the reference interpreter instead of throwing.
 * @module
 */

/**
 * The warning printed once when generated code is refused.
 * @example
 * import { CODEGEN_REFUSED_WARNING } from './probe.js'
 * CODEGEN_REFUSED_WARNING.includes("'unsafe-eval'") // true
 */
export const CODEGEN_REFUSED_WARNING =
  "kiln: this environment refuses generated code (new Function), as a Content Security Policy without 'unsafe-eval' does; " +
  'compiled graphs run on the reference interpreter instead (same results within 1e-12, much slower). ' +
  "To use the compiled engine, add 'unsafe-eval' to the page's script-src directive, or run Kiln in a worker or page whose policy allows it."

let allowed: boolean | undefined

/**
 * True when `new Function` works here. Probed once; the first refusal prints
 * {@link CODEGEN_REFUSED_WARNING} with `console.warn`.
 * @example
 * import { canGenerateCode } from './probe.js'
 * canGenerateCode() // true
 */
export const canGenerateCode = (): boolean => {
  if (allowed === undefined) {
    try {
      allowed = new Function('return 1')() === 1
    } catch {
      allowed = false
    }
    if (!allowed) console.warn(CODEGEN_REFUSED_WARNING)
  }
  return allowed
}
