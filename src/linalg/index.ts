/**
 * Dense and iterative symmetric eigensolvers in float64: `symmetricEigen` (cyclic Jacobi),
 * `lanczos` (extreme eigenvalues of an operator given as matrix-vector products) and `powerIteration`.
 * @module
 */
export { type SymmetricEigen, type SymmetricEigenOptions, symmetricEigen } from './eigen.js'
export { type Matvec, type LanczosOptions, type LanczosResult, type RitzPair, type PowerIterationOptions, type PowerIterationResult, lanczos, powerIteration } from './lanczos.js'
