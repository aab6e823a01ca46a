/**
 * Custom derivatives: a composite whose value is computed one way and differentiated another, as JAX's
 * `custom_vjp` and `custom_jvp` (a numerically stable `log1pexp`, a straight-through estimator, gradient
 * clipping inside the graph). The result is a `custom` node (src/ops/custom.ts) reading as the primal;
 * the rule the user did not give is derived by transposition (both rules are linear in their seeds),
 * so forward and reverse mode, Jacobians and Hessians all see the custom derivative.
 * @module
 */
import * as api from '../api.js'
import { add, mul, sum } from '../api.js'
import { vjp } from '../grad.js'
import { leavesOf, topoSort } from '../graph.js'
import { customNode, input, scalar } from '../make.js'
import { registerCustomRule } from '../ops/custom.js'
import { ArgumentError, checkOptionKinds, describeValue } from '../options.js'
import { fmt, shapeEq } from '../shape.js'
import { isTensor, type Tensor } from '../tensor.js'

/** Options of `customVjp` and `customJvp`. */
export interface CustomOptions {
  /** The name `show` prints for the node (default: the function's own name, else `custom`). */
  readonly name?: string
}

/** What `fwd` gives: the primal value and the residuals `bwd` reads. */
export type Forward = readonly [Tensor, readonly Tensor[]]

const nameOf = (op: string, f: { readonly name: string }, options: CustomOptions): string => {
  checkOptionKinds(op, options, { name: 'string' })
  const n = options.name ?? (/^[A-Za-z_$][\w$]*$/.test(f.name) ? f.name : 'custom')
  if (typeof n !== 'string' || !/^[A-Za-z_$][\w$.-]{0,63}$/.test(n))
    throw new ArgumentError(op, 'name', `expected an identifier (letters, digits, _ $ . -; at most 64), got ${describeValue(n)}`)
  return n
}

/** `t`, refused unless a tensor of `shape`: the message names the definition and the field. */
const expectShape = (op: string, field: string, t: unknown, shape: readonly number[], what: string): Tensor => {
  if (!isTensor(t)) throw new ArgumentError(op, field, `expected a tensor (${what}), got ${t === undefined ? 'undefined' : typeof t}`)
  if (!shapeEq(t.shape, shape)) throw new ArgumentError(op, field, `has shape ${fmt(t.shape)}, but ${what} has shape ${fmt(shape)}`)
  return t
}

const dot = (pairs: readonly (readonly [Tensor | undefined, Tensor | undefined])[]): Tensor | undefined => {
  const terms = pairs.flatMap(([a, b]) => (a === undefined || b === undefined ? [] : [sum(mul(a, b))]))
  return terms.length === 0 ? undefined : terms.reduce((x, y) => add(x, y))
}

/** Refuses a derived rule that still reads its seed placeholders (the user's rule was not linear in them). */
const checkLinear = (op: string, field: string, outs: readonly Tensor[], seeds: ReadonlySet<string>): void => {
  const used = leavesOf(topoSort(outs))
  for (const s of seeds) if (used.has(s)) throw new ArgumentError(op, field, 'must be linear in its seed (cotangent or tangents): the transposed rule still depends on it')
}

/**
 * `f` with a reverse-mode rule of your own: `fwd(...xs)` gives `[value, residuals]` and
 * `bwd(residuals, g)` one cotangent per input (undefined for none), each of its input's shape. Forward
 * mode uses the transpose of `bwd`. Shapes are checked when the function is applied; a custom node
 * batched by `vmap` keeps its value and loses its rule (differentiate first, then batch).
 * @example
 * import { customVjp, clip, grad, param, sum, mul, evaluate } from 'kiln'
 * // the identity, with its gradient clipped to [-1, 1] on the way back
 * const clipGradient = customVjp((x) => x, (x) => [x, []], (_res, g) => [clip(g, -1, 1)], { name: 'clipGradient' })
 * const w = param('w', [3])
 * // d/dw sum(w * w) is 2w: the clipped path gives clip(w, -1, 1), the other w
 * const [g] = grad(sum(mul(clipGradient(w), w)), [w])
 * Array.from(evaluate([g!], { w: [0.5, 2, 3] })[0]!) // [1, 3, 4]
 */
export const customVjp = <A extends Tensor[]>(
  f: (...xs: A) => Tensor,
  fwd: (...xs: A) => Forward,
  bwd: (residuals: readonly Tensor[], g: Tensor) => readonly (Tensor | undefined)[],
  options: CustomOptions = {},
): ((...xs: A) => Tensor) => {
  const name = nameOf('customVjp', f, options)
  const cotangents = (xs: readonly Tensor[], g: Tensor): (Tensor | undefined)[] => {
    const cts = bwd(fwd(...(xs as A))[1], g)
    if (cts.length !== xs.length) throw new ArgumentError('customVjp', 'bwd', `${name}: gave ${cts.length} cotangents for ${xs.length} inputs`)
    return xs.map((x, i) => (cts[i] === undefined ? undefined : expectShape('customVjp', `bwd[${i}]`, cts[i], x.shape, `${name}'s input ${i}`)))
  }
  const rule = registerCustomRule({
    name,
    vjp: (g, xs) => cotangents(xs, g),
    jvp: (ts, xs, out) => {
      const u = input(`__custom_u_${out.id}`, out.shape)
      const d = dot(cotangents(xs, u).map((c, i) => [c, ts[i]] as const))
      if (d === undefined) return undefined
      const jv = vjp(d, [u], scalar(1))[0]!
      checkLinear('customVjp', 'bwd', [jv], new Set([`__custom_u_${out.id}`]))
      return jv
    },
  })
  return (...xs: A): Tensor => {
    xs.forEach((x, i) => {
      if (!isTensor(x)) throw new ArgumentError(name, `input ${i}`, 'expected a tensor')
    })
    const y = f(...xs)
    const [y2] = fwd(...xs)
    expectShape('customVjp', 'fwd', y2, y.shape, `${name}'s value`)
    cotangents(xs, input(`__custom_probe_${y.id}`, y.shape))
    return customNode(y, xs, rule)
  }
}

/**
 * `f` with a forward-mode rule of your own: `jvp(xs, tangents)` gives the output's tangent (of the
 * output's shape), linear in the tangents. Reverse mode uses its transpose, so `grad` sees it too.
 * @example
 * import { customJvp, grad, param, log, exp, add, sigmoid, sum, mul, evaluate } from 'kiln'
 * // log(1 + e^x) with the stable derivative sigmoid(x): at x = 800, e^x overflows but the gradient is 1
 * const log1pexp = customJvp((x) => log(add(1, exp(x))), ([x], [t]) => mul(t!, sigmoid(x!)), { name: 'log1pexp' })
 * const x = param('x', [2])
 * const [g] = grad(sum(log1pexp(x)), [x])
 * Array.from(evaluate([g!], { x: [0, 800] })[0]!) // [0.5, 1]
 */
export const customJvp = <A extends Tensor[]>(
  f: (...xs: A) => Tensor,
  jvp: (xs: readonly Tensor[], tangents: readonly Tensor[]) => Tensor,
  options: CustomOptions = {},
): ((...xs: A) => Tensor) => {
  const name = nameOf('customJvp', f, options)
  const tangentOf = (xs: readonly Tensor[], ts: readonly Tensor[], shape: readonly number[]): Tensor =>
    expectShape('customJvp', 'jvp', jvp(xs, ts), shape, `${name}'s value`)
  const rule = registerCustomRule({
    name,
    jvp: (ts, xs, out) => (ts.every((t) => t === undefined) ? undefined : tangentOf(xs, xs.map((x, i) => ts[i] ?? api.zerosLike(x)), out.shape)),
    vjp: (g, xs, out) => {
      const seeds = xs.map((x, i) => input(`__custom_t_${out.id}_${i}`, x.shape))
      const cts = vjp(tangentOf(xs, seeds, out.shape), seeds, g)
      checkLinear('customJvp', 'jvp', cts, new Set(seeds.map((_, i) => `__custom_t_${out.id}_${i}`)))
      return cts
    },
  })
  return (...xs: A): Tensor => {
    xs.forEach((x, i) => {
      if (!isTensor(x)) throw new ArgumentError(name, `input ${i}`, 'expected a tensor')
    })
    const y = f(...xs)
    tangentOf(xs, xs.map((x, i) => input(`__custom_probe_${y.id}_${i}`, x.shape)), y.shape)
    return customNode(y, xs, rule)
  }
}
