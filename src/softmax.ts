/**
 * logSumExp, logSoftmax and softmax: max-shifted compositions for their values, and derivative rules of
 * their own (through the `custom` op, src/ops/custom.ts) that keep every digit. Differentiating the
 * compositions would give `p - 1` for the gradient of a confidently right logit (0 where the truth is
 * the sum of the other probabilities, e^-37 at a margin of 37); the rules compute `1 - p` as that sum,
 * counting tied maxima exactly, so one-hot cotangents (cross-entropy) meet no cancellation.
 * @module
 */
import * as api from './api.js'
import { add, div, equal, reshape, sub, where, type Axes, type Reduced } from './api.js'
import { customNode, tensorArg } from './make.js'
import { registerCustomRule, type CustomRule } from './ops/custom.js'
import { diffError } from './ops/rules.js'
import type { Builders } from './ops/def.js'
import { requireBoolean, requireNumber } from './options.js'
import { normAxes, reducedShape, type Shape } from './shape.js'
import type { Tensor } from './tensor.js'

/** Pieces of a max-shifted row: what the values and the derivative rules are built from. */
interface Row {
  /** Whether the row's max is infinite (0/1), and the shift: the max, or 0 there (x - m would be inf - inf). */
  readonly infinite: Tensor
  readonly m: Tensor
  /** `exp(x - m)` as the reference sums it (the compiler's online max+sum pattern) and `sum` of it. */
  readonly e: Tensor
  readonly total: Tensor
  /** `exp(x - m)` corrected for the rounding of `x - m` (which exp multiplies by up to |x - m| / 2 ulps). */
  readonly exact: Tensor
  /** The row's maxima (0/1) and `total - 1` without cancellation: `(count - 1) + sum of the others`. */
  readonly top: Tensor
  readonly below: Tensor
  /** `log(total)`: `log1p(below)` for a finite max, so a dominant max keeps the others' tiny share. */
  readonly logTotal: Tensor
}

/**
 * The parts of `x`'s rows over `axes` (kept). The shift's gradient is not stopped: where a custom node
 * batched by vmap falls back to differentiating its value, `log1p(below)` needs the max's derivative
 * (`below` leaves the maxima out, and its derivative through the shift gives them their share).
 */
const rowOf = (K: Builders, x: Tensor, axes: readonly number[]): Row => {
  const mx = K.max(x, axes, true)
  const infinite = K.equal(K.abs(mx), Infinity)
  const m = K.where(infinite, 0, mx)
  const d = K.sub(x, m)
  const e = K.exp(d)
  const total = K.sum(e, axes, true)
  // x - m = d + err exactly; NaN (infinite x) reads as no correction
  const err = diffError(x, m, d, K)
  const exact = K.add(e, K.mul(e, K.where(K.equal(err, err), err, 0)))
  const top = K.equal(x, mx)
  const below = K.add(K.sub(K.sum(top, axes, true), 1), K.sum(K.where(top, 0, e), axes, true))
  const logTotal = K.where(infinite, K.log(total), K.log1p(below))
  return { infinite, m, e, total, exact, top, below, logTotal }
}

/**
 * The probabilities `p` over `axes` (kept) and `1 - p` without cancellation: `(S - e) / S` for an element
 * below the row's max (no cancellation, S >= 1 + e), and `below / S` for a maximum. `S` is `1 + below`
 * for a finite max (one rounding at the scale of S; the plain sum adds each small term at that scale).
 */
const probabilities = (K: Builders, x: Tensor, axes: readonly number[]): { readonly p: Tensor; readonly omp: Tensor } => {
  const r = rowOf(K, x, axes)
  const s = K.where(r.infinite, r.total, K.add(1, r.below))
  const total = K.where(K.equal(s, 0), 1, s)
  return { p: K.div(r.exact, total), omp: K.div(K.where(r.top, r.below, K.sub(s, r.exact)), total) }
}

/**
 * `c_k - p_k (sum(c) - c_k)` style products of the softmax Jacobian, written so that a one-hot `c` gives
 * each element from one term: `c omp - p (C - c)` with `C` the sum of `c` over the axes.
 */
const jacobianTimes = (K: Builders, c: Tensor, x: Tensor, axes: readonly number[]): Tensor => {
  const { p, omp } = probabilities(K, x, axes)
  return K.sub(K.mul(c, omp), K.mul(p, K.sub(K.sum(c, axes, true), c)))
}

const rules = new Map<string, number>()
/** The custom rule of `kind` over `axes`, registered once per distinct key (rules read no attributes). */
const ruleFor = (key: string, build: () => CustomRule): number => {
  const known = rules.get(key)
  if (known !== undefined) return known
  const id = registerCustomRule(build())
  rules.set(key, id)
  return id
}


/**
 * `log(sum(exp(x)))` over `axes`, shifted by the (gradient-stopped) maximum so it is finite for |x| up to 1e300.
 * As in PyTorch and SciPy, a row that is all `-Infinity` (or empty) gives `-Infinity` with a zero gradient,
 * a row holding `+Infinity` gives `+Infinity`, and a row holding NaN gives NaN. Its gradient is `softmax(x)`.
 * @example
 * import { logSumExp, input, constant, evaluate } from 'kiln'
 * logSumExp(input('x', [2, 3]), -1).shape // [2]
 * Array.from(evaluate([logSumExp(constant([-Infinity, -Infinity, 0, Infinity], [2, 2]), 1)], {})[0]!) // [-Infinity, Infinity]
 */
export const logSumExp = <T extends Tensor, const A extends Axes = undefined, KD extends boolean = false>(
  x: T,
  axes?: A,
  keepDims?: KD,
): Reduced<T, A, KD> => {
  const t = tensorArg('logSumExp', 'x', x)
  const ax = normAxes('logSumExp', t.shape, axes)
  const kd = keepDims === undefined ? false : requireBoolean('logSumExp', 'keepDims', keepDims)
  // The shift is the guarded max: an infinite max shifts by 0 (x - m would be inf - inf = NaN), and the
  // compiler's online max+sum recognizes it (online.ts). An all -Infinity row sums to 0: -Infinity.
  const r = rowOf(api, t, ax)
  const empty = equal(r.total, 0)
  const out = where(empty, -Infinity, add(where(empty, 0, r.logTotal), r.m))
  const primal = kd ? out : reshape(out, reducedShape(t.shape, ax, false))
  const kept = (K: Builders, g: Tensor, x: Tensor): Tensor => (kd ? g : K.reshape(g, reducedShape(x.shape, ax, true)))
  const rule = ruleFor(`logSumExp ${ax.join(',')} ${kd}`, () => ({
    name: 'logSumExp',
    vjp: (g, [x], _out, K) => [K.mul(kept(K, g, x!), probabilities(K, x!, ax).p)],
    jvp: ([d], [x], _out, K) => (d === undefined ? undefined : K.sum(K.mul(d, probabilities(K, x!, ax).p), ax, kd)),
  }))
  return customNode(primal, [t], rule) as Reduced<T, A, KD>
}

const axisOf = (op: string, shape: Shape, axis: unknown): number[] => normAxes(op, shape, requireNumber(op, 'axis', axis), 'axis')

/**
 * Log-softmax over `axis` (last by default): `x - logSumExp(x)`, finite for logits of +-1000. A row that
 * is all `-Infinity` gives NaN (`-inf - -inf`), as in PyTorch. Its gradient keeps its digits where a
 * probability is near 1.
 * @example
 * import { logSoftmax, input } from 'kiln'
 * logSoftmax(input('x', [4, 10])).shape // [4, 10]
 */
export const logSoftmax = <S extends Shape>(x: Tensor<S>, axis = -1): Tensor<S> => {
  const t = tensorArg('logSoftmax', 'x', x)
  const ax = axisOf('logSoftmax', t.shape, axis)
  // (x - m) - log(total): x - logSumExp(x) would round a dominant row's tiny log(total) away; an all
  // -Infinity row gives -inf - -inf = NaN, as in PyTorch
  const r = rowOf(api, t, ax)
  const primal = sub(sub(t, r.m), r.logTotal)
  const rule = ruleFor(`logSoftmax ${ax.join(',')}`, () => ({
    name: 'logSoftmax',
    // d lp_k / d x_j = delta_kj - p_j
    vjp: (g, [x], _out, K) => [jacobianTimes(K, g, x!, ax)],
    // forward: t_k - sum_j p_j t_j = t_k omp_k - (sum_j p_j t_j - p_k t_k)
    jvp: ([d], [x], _out, K) => {
      if (d === undefined) return undefined
      const { p, omp } = probabilities(K, x!, ax)
      const pd = K.mul(p, d)
      return K.sub(K.mul(d, omp), K.sub(K.sum(pd, ax, true), pd))
    },
  }))
  return customNode(primal, [t], rule) as Tensor<S>
}

/**
 * Softmax over `axis` (last by default), computed from the max-shifted exponentials. A row that is all
 * `-Infinity` gives NaN (0 / 0), as in PyTorch; so does a row holding `+Infinity` or NaN. Its derivative
 * `p_k (delta_kj - p_j)` keeps its digits where a probability is near 1.
 * @example
 * import { softmax, input } from 'kiln'
 * softmax(input('x', [4, 10])).shape // [4, 10]
 */
export const softmax = <S extends Shape>(x: Tensor<S>, axis = -1): Tensor<S> => {
  const t = tensorArg('softmax', 'x', x)
  const ax = axisOf('softmax', t.shape, axis)
  // The value keeps the plain form (the online max+sum, then one output pass with no stored intermediate):
  // its probabilities below e^-30 or so carry the rounding of x - max (up to ~20 ulps); the rule's do not
  const e = api.exp(sub(t, api.stopGradient(api.max(t, ax, true))))
  const primal = div(e, api.sum(e, ax, true))
  // The Jacobian p_k (delta_kj - p_j) is symmetric, so both modes multiply by it: p (c omp - (sum(p c) - p c))
  const times = (K: Builders, c: Tensor, x: Tensor): Tensor => {
    const { p, omp } = probabilities(K, x, ax)
    return K.mul(p, K.sub(K.mul(c, omp), K.sub(K.sum(K.mul(p, c), ax, true), K.mul(p, c))))
  }
  const rule = ruleFor(`softmax ${ax.join(',')}`, () => ({
    name: 'softmax',
    vjp: (g, [x], _out, K) => [times(K, g, x!)],
    jvp: ([d], [x], _out, K) => (d === undefined ? undefined : times(K, d, x!)),
  }))
  return customNode(primal, [t], rule) as Tensor<S>
}
