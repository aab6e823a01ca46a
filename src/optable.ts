/**
 * The op table: one record per op, typed so that an op without a rule does not compile.
 * @module
 */
import type { OpDef, OpTable } from './ops/def.js'
import { binaryOps, compareOps, unaryOps, whereOp } from './ops/elementwise.js'
import {
  broadcastToOp, concatOp, matmulOp, maxOp, oneHotOp, padOp, reshapeOp, sliceOp, sumOp, transposeOp,
} from './ops/structure.js'
import { uniformAt } from './random/threefry.js'
import { checkShape, type Shape } from './shape.js'
import type { OpName } from './tensor.js'

/** A leaf's shape is its hint: non-negative integers (`make` has already refused non-numbers). */
const leafShape = (op: string) => (_args: readonly Shape[], _attrs: unknown, hint: Shape | undefined): Shape =>
  hint === undefined ? [] : checkShape(op, hint)

const leaf = <K extends 'input' | 'param'>(op: K): OpDef<K> => ({
  kind: 'leaf',
  arity: 0,
  shape: leafShape(op),
  evaluate: (_args, node) => {
    throw new Error(`evaluate: ${node.op} '${node.attrs.name}' is read from the bindings`)
  },
  vjp: () => [],
})

/** Every op of Kiln. */
export const opTable: OpTable = {
  input: leaf('input'),
  param: leaf('param'),
  constant: {
    kind: 'leaf',
    arity: 0,
    shape: leafShape('constant'),
    evaluate: (_args, node) => node.attrs.values.slice(),
    vjp: () => [],
  },
  uniform: {
    kind: 'random',
    arity: 1,
    shape: leafShape('uniform'),
    evaluate: ([k], node) => {
      const out = new Float64Array(node.shape.reduce((a, b) => a * b, 1))
      const [k0, k1] = [k![0]! >>> 0, k![1]! >>> 0]
      for (let i = 0; i < out.length; i++) out[i] = uniformAt(k0, k1, i)
      return out
    },
    vjp: () => [undefined],
  },
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
  concat: concatOp,
  pad: padOp,
  oneHot: oneHotOp,
}

/** The record of one op. */
export const opDef = <K extends OpName>(op: K): OpDef<K> => opTable[op] as OpDef<K>
