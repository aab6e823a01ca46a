/**
 * Curvature of a loss at a point: the dense Hessian over a parameter tree, and the classification of
 * critical points (minimum, maximum, saddle) from the Hessian's extreme eigenvalues.
 * @module
 */
export { type FixedInputs, type HessianMatrix, type HessianMatrixOptions, hessianMatrix } from './hessian-matrix.js'
export { type CriticalPointOptions, type CriticalPointReport, type CriticalVerdict, criticalPoint } from './critical.js'
