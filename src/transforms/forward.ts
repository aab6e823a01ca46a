/**
 * Symbolic forward mode: tangents are new expressions built from the op records' `jvp` rules, pushed
 * from the inputs to the outputs in one pass, so a directional derivative costs about one extra
 * forward evaluation (reverse mode transposed, `jvpTransposed`, is kept as the test oracle).
 * @module
 */
import * as api from '../api.js'
import { zerosLike } from '../api.js'
import { stabilizeFor } from '../compile/stabilize.js'
import { opDef } from '../optable.js'
import { ArgumentError } from '../options.js'
import { fmt, ShapeError, shapeEq } from '../shape.js'
import type { NodeOf, OpName, Tensor } from '../tensor.js'

const jvpRule = <K extends OpName>(t: NodeOf<K>, tangents: readonly (Tensor | undefined)[]): Tensor | undefined => opDef(t.op).jvp(tangents, t, api)

/**
 * Refuses tangents that do not pair with `wrt` one to one, shape for shape.
 * @example
 * import { checkTangents } from './forward.js'
 * import { input } from 'kiln'
 * try { checkTangents('jvp', [input('x', [2])], []) } catch (e) { (e as Error).message } // 'jvp: tangents: 0 tangents for 1 inputs'
 */
export const checkTangents = (op: string, wrt: readonly Tensor[], tangents: readonly Tensor[]): void => {
  if (tangents.length !== wrt.length) throw new ArgumentError(op, 'tangents', `${tangents.length} tangents for ${wrt.length} inputs`)
  wrt.forEach((w, i) => {
    if (!shapeEq(w.shape, tangents[i]!.shape)) throw new ShapeError(op, [w.shape, tangents[i]!.shape], 'each tangent must have the shape of its input')
  })
}

/**
 * Tangents of several outputs at once (one forward pass over their shared graph): the Jacobian of
 * each output at `wrt` applied to `tangents`. A `wrt` node's tangent is its seed, whatever it reads.
 * @example
 * import { jvps, mul, add, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * const [a, b] = jvps([mul(x, x), add(x, 1)], [x], [input('v', [2])])
 * Array.from(evaluate([a!, b!], { x: [1, 2], v: [1, 1] })[0]!) // [2, 4]
 */
export const jvps = (outputs: readonly Tensor[], wrt: readonly Tensor[], tangents: readonly Tensor[]): Tensor[] => {
  checkTangents('jvp', wrt, tangents)
  const { outputs: outs, order } = stabilizeFor(outputs, wrt)
  const tan = new Map<number, Tensor>(wrt.map((w, i) => [w.id, tangents[i]!]))
  for (const t of order) {
    if (tan.has(t.id) || t.args.length === 0) continue
    const ins = t.args.map((a) => tan.get(a.id))
    if (ins.every((x) => x === undefined)) continue
    const out = jvpRule(t, ins)
    if (out === undefined) continue
    if (!shapeEq(out.shape, t.shape)) throw new Error(`internal: jvp of ${t.op} gave ${fmt(out.shape)} for an output of ${fmt(t.shape)}`)
    tan.set(t.id, out)
  }
  return outs.map((o) => tan.get(o.id) ?? zerosLike(o))
}

/**
 * Forward mode: the Jacobian-vector product `J v` of `output` at `wrt` along `tangents` (one per `wrt`,
 * same shapes), from each op's forward rule: an expression of the output's shape.
 * @example
 * import { jvp, mul, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * const jv = jvp(mul(x, x), [x], [input('v', [2])])
 * Array.from(evaluate([jv], { x: [1, 2], v: [1, 1] })[0]!) // [2, 4]
 */
export const jvp = (output: Tensor, wrt: readonly Tensor[], tangents: readonly Tensor[]): Tensor => jvps([output], wrt, tangents)[0]!
