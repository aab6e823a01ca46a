/**
 * The version of this Kiln, written into model files (kept equal to package.json's by a test).
 * @module
 */

/**
 * This Kiln's version.
 * @example
 * import { KILN_VERSION } from 'kiln'
 * /^\d+\.\d+\.\d+$/.test(KILN_VERSION) // true
 */
export const KILN_VERSION = '0.8.0'
