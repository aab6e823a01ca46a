/**
 * Kiln: a functional, immutable dataflow compiler for neural networks.
 * @module
 */
export * from './shape.js'
export { input, param, constant, scalar, uniformTensor, lift, isOp, liveNodeCount, type Tensor, type TensorLike, type OpName, type OpAttrs, type NodeOf } from './tensor.js'
export * from './api.js'
export { BindingError, topoSort, type Bindings } from './graph.js'
export { evaluate, evaluateE } from './evaluate.js'
export { grad, vjp, hvp } from './grad.js'
export { show } from './show.js'
export { gradcheck, project, type GradcheckInput, type GradcheckOptions, type GradcheckReport, type GradcheckWorst } from './gradcheck.js'
export { opTable, opDef } from './optable.js'
export type { OpDef, OpKind, Domain } from './ops/def.js'
export type * from './typelevel.js'
export * from './random/key.js'
export * from './random/sample.js'
export { threefry2x32, uniformAt, normalAt } from './random/threefry.js'
