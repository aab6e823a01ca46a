/** The simplify pass, owned by `./simplify.ts`; this one line is the compiler's only dependency on it. @module */
export { simplify } from './simplify.js'
