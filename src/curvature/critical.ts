/**
 * Is a point of parameter space a minimum, a maximum or a saddle of the loss? The gradient says
 * whether it is a critical point at all; the extreme eigenvalues of the Hessian there (dense for small
 * models, Lanczos on Hessian-vector products for larger ones) say which kind.
 * @module
 */
import { lanczos } from '../linalg/lanczos.js'
import { symmetricEigen } from '../linalg/eigen.js'
import type { Params, ParamValues } from '../nn/tree.js'
import { ArgumentError, checkOptionKinds, describeValue, requireInteger, requirePositiveInteger, type OptionKinds } from '../options.js'
import type { Tensor } from '../tensor.js'
import { curvatureOperator, denseHessian, type CurvatureOperator, type FixedInputs } from './hessian-matrix.js'

/** Options of `criticalPoint`. */
export interface CriticalPointOptions {
  /** An eigenvalue within `tolerance` of 0 counts as 0 (absolute). Default `1e-8 *` the largest `|eigenvalue|` found. */
  readonly tolerance?: number
  /** The point is critical when the gradient norm is at most this (absolute). Default 1e-6. */
  readonly gradientTolerance?: number
  /** `'dense'`: all `n` Hessian columns and `symmetricEigen`; `'lanczos'`: the ends of the spectrum from products; `'auto'` (default): dense up to 200 parameters. */
  readonly method?: 'dense' | 'lanczos' | 'auto'
  /** Eigenvalues reported at each end. Default 3 (capped at the parameter count). */
  readonly k?: number
  /** Seed of Lanczos's start vectors. Default 0. */
  readonly seed?: number
  /** Lanczos's budget of Hessian-vector products (see `lanczos`). */
  readonly maxIterations?: number
  /** Values of `input` leaves the loss reads besides the parameters (data), by name. */
  readonly inputs?: FixedInputs
}

/** What the Hessian's signs say about a critical point. */
export type CriticalVerdict = 'minimum' | 'maximum' | 'saddle' | 'inconclusive'

/** The report of `criticalPoint`. */
export interface CriticalPointReport {
  /** The gradient norm is at most `gradientTolerance`. When false the verdict is `'inconclusive'`; the curvature is still reported. */
  readonly critical: boolean
  readonly verdict: CriticalVerdict
  /** Why, with the numbers that decided it. */
  readonly reason: string
  readonly loss: number
  /** The 2-norm of the gradient over all parameters. */
  readonly gradientNorm: number
  readonly eigenvalues: {
    /** The `k` lowest, ascending. */
    readonly lowest: readonly number[]
    /** The `k` highest, descending. */
    readonly highest: readonly number[]
  }
  /** The unit eigenvector of the lowest eigenvalue, as a tree shaped like the parameters. */
  readonly lowestDirection: ParamValues
  /** Parameter count (the Hessian is `size x size`). */
  readonly size: number
  readonly method: 'dense' | 'lanczos'
  /** The tolerances used (defaults resolved). */
  readonly tolerance: number
  readonly gradientTolerance: number
  /** Hessian-vector products run. */
  readonly hessianVectorProducts: number
  /** A few lines for a terminal: the verdict, gradient norm, eigenvalues and reason. */
  readonly summary: string
}

const CRITICAL_OPTIONS: OptionKinds<CriticalPointOptions> = {
  tolerance: 'number', gradientTolerance: 'number', method: 'string', k: 'number', seed: 'number', maxIterations: 'number', inputs: 'object',
}
const METHODS: readonly string[] = ['dense', 'lanczos', 'auto']
/** Above this many parameters `'auto'` uses Lanczos: n products and an O(n^3) Jacobi get slow. */
const DENSE_LIMIT = 200

const nonNegative = (who: string, field: string, v: number | undefined): number | undefined => {
  if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new ArgumentError(who, field, `expected a finite number >= 0, got ${describeValue(v)}`)
  return v
}

interface Spectrum {
  readonly lowest: readonly number[]
  readonly highest: readonly number[]
  readonly direction: Float64Array
  /** Why the eigenvalues cannot be trusted, if so. */
  readonly problem?: string
}

const denseSpectrum = (op: CurvatureOperator, k: number): Spectrum => {
  const h = denseHessian(op)
  // An asymmetric Hessian means a wrong derivative rule, not rounding: say so rather than average it away.
  if (h.asymmetry > 1e-8) throw new Error(`criticalPoint: the computed Hessian is not symmetric (relative gap ${h.asymmetry.toExponential(2)}); a derivative rule is wrong`)
  const { values, vectors } = symmetricEigen(h.matrix, h.n)
  const n = h.n
  return {
    lowest: Array.from(values.subarray(0, k)),
    highest: Array.from(values.subarray(n - k)).reverse(),
    direction: Float64Array.from({ length: n }, (_, i) => vectors[i * n]!),
  }
}

const lanczosSpectrum = (op: CurvatureOperator, k: number, seed: number, maxIterations: number | undefined): Spectrum => {
  const r = lanczos(op.hvp, op.n, { k, which: 'both', seed, ...(maxIterations === undefined ? {} : { maxIterations }) })
  return {
    lowest: r.smallest.map((p) => p.value),
    highest: r.largest.map((p) => p.value),
    direction: r.smallest[0]!.vector,
    ...(r.converged ? {} : { problem: `Lanczos did not converge in ${r.iterations} Hessian-vector products (maxIterations); the eigenvalues are estimates from inside the spectrum` }),
  }
}

/** The 2-norm, scaled so that neither overflow nor a long spread argument list can hurt. */
const norm2 = (v: Float64Array): number => {
  let big = 0
  for (const x of v) big = Math.max(big, Math.abs(x))
  if (big === 0 || !Number.isFinite(big)) return big
  let s = 0
  for (const x of v) s += (x / big) * (x / big)
  return big * Math.sqrt(s)
}

const num = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(2))

/** The verdict and its reason from the gradient norm and the two ends of the spectrum. */
const judge = (critical: boolean, gradientNorm: number, gtol: number, tol: number, s: Spectrum): { verdict: CriticalVerdict; reason: string } => {
  const [lo, hi] = [s.lowest[0]!, s.highest[0]!]
  if (!critical) return { verdict: 'inconclusive', reason: `not a critical point: the gradient norm ${num(gradientNorm)} is above gradientTolerance ${num(gtol)}` }
  if (s.problem !== undefined) return { verdict: 'inconclusive', reason: s.problem }
  if (lo > tol) return { verdict: 'minimum', reason: `every eigenvalue is above tolerance ${num(tol)} (the lowest is ${num(lo)}): the Hessian is positive definite` }
  if (hi < -tol) return { verdict: 'maximum', reason: `every eigenvalue is below -${num(tol)} (the highest is ${num(hi)}): the Hessian is negative definite` }
  if (lo < -tol && hi > tol) return { verdict: 'saddle', reason: `eigenvalues of both signs: the lowest ${num(lo)} < -${num(tol)} and the highest ${num(hi)} > ${num(tol)}` }
  const flat = Math.abs(lo) <= tol ? lo : hi
  return { verdict: 'inconclusive', reason: `an eigenvalue within tolerance ${num(tol)} of 0 (${num(flat)}) and none of the other sign: a flat direction, where higher-order terms decide` }
}

/**
 * Classifies the point `values` of a scalar `loss` over the parameters `params`: the gradient norm
 * (critical when at most `gradientTolerance`, default 1e-6) and the `k` lowest and highest Hessian
 * eigenvalues. Verdict: `'minimum'` when the lowest is above `tolerance`, `'maximum'` when the highest
 * is below `-tolerance`, `'saddle'` when the lowest is below `-tolerance` and the highest above it,
 * otherwise `'inconclusive'` (a zero eigenvalue within tolerance and none of the other sign; also
 * when the point is not critical, with `critical: false`, or when Lanczos did not converge).
 * `tolerance` defaults to `1e-8 *` the largest `|eigenvalue|` (the Hessian's 2-norm), far above the
 * rounding of the computed eigenvalues. The Hessian-vector product (`hvp`) and the gradient are built
 * and compiled once per call and run per vector: `'dense'` takes `n` products (all columns) and
 * `symmetricEigen`; `'lanczos'` takes the products `lanczos` needs for both ends; `'auto'` is dense
 * up to 200 parameters. Bad input (a non-scalar loss, a value missing from the tree or of the wrong
 * length, a leaf read by the loss that is neither a parameter nor in `inputs`, a bad option) throws an
 * `ArgumentError` naming `criticalPoint` and the field.
 * @example
 * import { criticalPoint, param, mul, sub, add } from 'kiln'
 * // f(x, y) = x^2 - y^2 has a saddle at the origin
 * const x = param('x', [])
 * const y = param('y', [])
 * const r = criticalPoint(sub(mul(x, x), mul(y, y)), { x, y }, { x: Float64Array.of(0), y: Float64Array.of(0) })
 * r.verdict // 'saddle'
 * r.eigenvalues // { lowest: [-2, 2], highest: [2, -2] }
 * r.lowestDirection // { x: Float64Array.of(0), y: Float64Array.of(1) }
 * criticalPoint(add(mul(x, x), mul(y, y)), { x, y }, { x: Float64Array.of(0.5), y: Float64Array.of(0) }).reason // 'not a critical point: the gradient norm 1 is above gradientTolerance 1.00e-6'
 */
export const criticalPoint = (loss: Tensor, params: Params, values: ParamValues, options?: CriticalPointOptions): CriticalPointReport => {
  const who = 'criticalPoint'
  checkOptionKinds(who, options, CRITICAL_OPTIONS)
  const method = options?.method ?? 'auto'
  if (!METHODS.includes(method)) throw new ArgumentError(who, 'method', `expected 'dense', 'lanczos' or 'auto', got ${describeValue(method)}`)
  const userTolerance = nonNegative(who, 'tolerance', options?.tolerance)
  const gradientTolerance = nonNegative(who, 'gradientTolerance', options?.gradientTolerance) ?? 1e-6
  const kWanted = requirePositiveInteger(who, 'k', options?.k ?? 3)
  const seed = requireInteger(who, 'seed', options?.seed ?? 0)
  const maxIterations = options?.maxIterations === undefined ? undefined : requirePositiveInteger(who, 'maxIterations', options.maxIterations)
  const op = curvatureOperator(who, loss, params, values, options?.inputs)
  const k = Math.min(kWanted, op.n)
  const { loss: lossValue, gradient } = op.lossAndGradient()
  const gradientNorm = norm2(gradient)
  const used = method === 'dense' || (method === 'auto' && op.n <= DENSE_LIMIT) ? 'dense' : 'lanczos'
  const s = used === 'dense' ? denseSpectrum(op, k) : lanczosSpectrum(op, k, seed, maxIterations)
  const tolerance = userTolerance ?? 1e-8 * Math.max(Math.abs(s.lowest[0]!), Math.abs(s.highest[0]!))
  const critical = gradientNorm <= gradientTolerance
  const { verdict, reason } = judge(critical, gradientNorm, gradientTolerance, tolerance, s)
  const summary = [
    `${verdict === 'inconclusive' ? 'inconclusive' : `${verdict}`} (${op.n} parameters, ${used} Hessian): gradient norm ${num(gradientNorm)}, loss ${num(lossValue)}`,
    `lowest eigenvalues: ${s.lowest.map(num).join(', ')}`,
    `highest eigenvalues: ${s.highest.map(num).join(', ')}`,
    reason,
  ].join('\n')
  return {
    critical, verdict, reason, loss: lossValue, gradientNorm, eigenvalues: { lowest: s.lowest, highest: s.highest },
    lowestDirection: op.toTree(s.direction), size: op.n, method: used, tolerance, gradientTolerance, hessianVectorProducts: op.hvps(), summary,
  }
}
