/**
 * Symbolic reverse mode: derivatives are new expressions built from the op table's `vjp` rules (which
 * receive the public ops from here, so the table never imports the API), so they can be shown,
 * evaluated, compiled and differentiated again. Forward mode has its own rules (`transforms/forward.ts`);
 * `jvpTransposed` here derives it from reverse mode instead, as the oracle its tests compare against.
 * @module
 */
import * as api from './api.js'
import { add, mul, onesLike, sum, zerosLike } from './api.js'
import { opDef } from './optable.js'
import { fmt, ShapeError, shapeEq, sizeOf } from './shape.js'
import { type NodeOf, type OpName, type Tensor } from './tensor.js'
import { input, scalar } from './make.js'
import { checkTangents } from './transforms/forward.js'
import { stabilizeFor } from './compile/stabilize.js'

/** The op record's derivative rule for `t`, given the public ops to build with. */
const vjpRule = <K extends OpName>(t: NodeOf<K>, g: Tensor): readonly (Tensor | undefined)[] => opDef(t.op).vjp(g, t, api)

/** Ids of the nodes on some path from a `wrt` node to the output. */
const onPath = (order: readonly Tensor[], wrt: readonly Tensor[]): Set<number> => {
  const dep = new Set(wrt.map((w) => w.id))
  for (const t of order) if (t.args.some((a) => dep.has(a.id))) dep.add(t.id)
  return dep
}

/**
 * Cotangents of `wrt` for the output cotangent `seed` (a vector-Jacobian product, reverse mode).
 * @example
 * import { vjp, mul, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * const [g] = vjp(mul(x, x), [x], input('v', [2]))
 * Array.from(evaluate([g!], { x: [1, 2], v: [1, 1] })[0]!) // [2, 4]
 */
export const vjp = (output: Tensor, wrt: readonly Tensor[], seed: Tensor): Tensor[] => {
  if (!shapeEq(seed.shape, output.shape))
    throw new ShapeError('vjp', [output.shape, seed.shape], 'the cotangent must have the shape of the output')
  const stable = stabilizeFor([output], wrt)
  const out = stable.outputs[0]!
  const order = stable.order
  const needed = onPath(order, wrt)
  const ct = new Map<number, Tensor>([[out.id, seed]])
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!
    const g = ct.get(t.id)
    if (g === undefined || t.args.length === 0 || !needed.has(t.id)) continue
    const parts = vjpRule(t, g)
    t.args.forEach((a, k) => {
      const p = parts[k]
      if (p === undefined || !needed.has(a.id)) return
      if (!shapeEq(p.shape, a.shape)) throw new Error(`internal: vjp of ${t.op} gave ${fmt(p.shape)} for an operand of ${fmt(a.shape)}`)
      const prev = ct.get(a.id)
      ct.set(a.id, prev === undefined ? p : add(prev, p))
    })
  }
  return wrt.map((w) => ct.get(w.id) ?? zerosLike(w))
}

/**
 * Gradients of a scalar `loss` with respect to each of `wrt`: expressions of the same shapes.
 * `grad` of a `grad` gives second derivatives.
 * @example
 * import { grad, mul, sum, param, evaluate, show } from 'kiln'
 * const w = param('w', [3])
 * const [g] = grad(sum(mul(w, w)), [w])
 * Array.from(evaluate([g!], { w: [1, 2, 3] })[0]!) // [2, 4, 6]
 */
export const grad = (loss: Tensor, wrt: readonly Tensor[]): Tensor[] => {
  if (sizeOf(loss.shape) !== 1) throw new ShapeError('grad', [loss.shape], 'the loss must be a scalar (one element)')
  return vjp(loss, wrt, onesLike(loss))
}

/**
 * Hessian-vector products `H v` of a scalar `loss`, as reverse-over-reverse: `grad(sum(grad(loss) * v))`.
 * @example
 * import { hvp, mul, sum, param, input, evaluate } from 'kiln'
 * const w = param('w', [2])
 * const [hv] = hvp(sum(mul(mul(w, w), w)), [w], [input('v', [2])])
 * Array.from(evaluate([hv!], { w: [1, 2], v: [1, 1] })[0]!) // [6, 12]
 */
export const hvp = (loss: Tensor, wrt: readonly Tensor[], v: readonly Tensor[]): Tensor[] => {
  const gs = grad(loss, wrt)
  const dot = gs.map((g, i) => sum(mul(g, v[i]!) as Tensor)).reduce((a, b) => add(a, b))
  return grad(dot, wrt)
}

/**
 * The Jacobian-vector product `J v` by transposing reverse mode: `u -> J^T u` is linear in the cotangent
 * `u`, so its own vector-Jacobian product with `v` is `J v`, and `u` drops out of the result. Forward
 * mode (`jvp`) computes the same from its own rules in one pass; this is the independent oracle.
 * @example
 * import { jvpTransposed, mul, input, evaluate } from 'kiln'
 * const x = input('x', [2])
 * const jv = jvpTransposed(mul(x, x), [x], [input('v', [2])])
 * Array.from(evaluate([jv], { x: [1, 2], v: [1, 1] })[0]!) // [2, 4]
 */
export const jvpTransposed = (output: Tensor, wrt: readonly Tensor[], tangents: readonly Tensor[]): Tensor => {
  checkTangents('jvpTransposed', wrt, tangents)
  if (wrt.length === 0) return zerosLike(output)
  const u = input(`__jvp_cotangent_${output.id}`, output.shape)
  const ju = vjp(output, wrt, u)
  const dot = ju.map((g, i) => sum(mul(g, tangents[i]!) as Tensor)).reduce((a, b) => add(a, b))
  return vjp(dot, [u], scalar(1) as Tensor)[0]!
}

export { jvp } from './transforms/forward.js'
