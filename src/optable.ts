/**
 * The op table: one record per op, typed so that an op without a record does not compile.
 * @module
 */
import type { Helpers, OpDef, OpName, OpTable } from './ops/def.js'
import { binaryOps, compareOps, unaryOps, whereOp } from './ops/elementwise.js'
import { constantOp, inputOp, paramOp, uniformOp } from './ops/leaves.js'
import { concatOp, oneHotOp, padOp } from './ops/select.js'
import { customOp } from './ops/custom.js'
import { matmulOp, maxOp, sumOp } from './ops/structure.js'
import type { NodeOf } from './tensor.js'
import { broadcastToOp, reshapeOp, sliceOp, stopGradientOp, transposeOp } from './ops/views.js'

/**
 * Every op of Kiln.
 * @example
 * import { opTable } from './optable.js'
 * opTable.exp.kind // 'elementwise'
 * opTable.sum.kind // 'reduce'
 */
export const opTable: OpTable = {
  input: inputOp,
  param: paramOp,
  constant: constantOp,
  uniform: uniformOp,
  ...unaryOps,
  ...binaryOps,
  ...compareOps,
  where: whereOp,
  sum: sumOp,
  max: maxOp,
  matmul: matmulOp,
  transpose: transposeOp,
  reshape: reshapeOp,
  broadcastTo: broadcastToOp,
  slice: sliceOp,
  stopGradient: stopGradientOp,
  concat: concatOp,
  pad: padOp,
  oneHot: oneHotOp,
  custom: customOp,
}

/**
 * The record of one op.
 * @example
 * import { opDef } from './optable.js'
 * opDef('exp').kind // 'elementwise'
 * opDef('transpose').kind // 'view'
 */
export const opDef = <K extends OpName>(op: K): OpDef<K> => opTable[op]

/**
 * Every op name, in table order.
 * @example
 * import { opNames } from './optable.js'
 * opNames.includes('matmul') // true
 */
export const opNames: readonly OpName[] = Object.freeze(Object.keys(opTable).filter((k): k is OpName => k in opTable))

/**
 * The scalar helpers kernels call, gathered from the records that name them (elementwise and random
 * ops). Two records naming one helper must mean the same function: anything else is a broken table.
 * @example
 * import { kernelHelpers } from './optable.js'
 * Object.keys(kernelHelpers).includes('uniformAt') // true
 * kernelHelpers['kSigmoid']!(0) // 0.5
 */
export const kernelHelpers: Helpers = (() => {
  const out: Record<string, (...xs: number[]) => number> = {}
  for (const op of opNames) {
    const def = opTable[op]
    const hs = def.kind === 'elementwise' || def.kind === 'random' ? def.helpers ?? {} : {}
    for (const [name, fn] of Object.entries(hs)) {
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`internal: ${op}: helper name '${name}' is not an identifier`)
      if (out[name] !== undefined && out[name] !== fn) throw new Error(`internal: two ops define the kernel helper '${name}'`)
      out[name] = fn
    }
  }
  return Object.freeze(out)
})()

/**
 * The op record's reference evaluation of node `t` on its operands' values.
 * @example
 * import { evaluateNode } from './optable.js'
 * import { input, exp } from 'kiln'
 * Array.from(evaluateNode(exp(input('x', [1])), [Float64Array.of(0)])) // [1]
 */
export const evaluateNode = <K extends OpName>(t: NodeOf<K>, args: readonly Float64Array[]): Float64Array => opDef(t.op).evaluate(args, t)
