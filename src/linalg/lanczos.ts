/**
 * Extreme eigenvalues of a symmetric operator known only through products `v -> A v` (a Hessian-vector
 * product, say): Lanczos with full reorthogonalization, and power iteration. Both start from a keyed
 * random vector (`seed`), so a run is reproducible.
 *
 * One Lanczos start vector sees one direction of each eigenspace, so a repeated eigenvalue shows up
 * once per Krylov space. `lanczos` therefore locks the converged pairs and runs again from a fresh
 * vector orthogonal to them, until a run finds nothing beyond the pairs it has (explicit deflation):
 * repeated eigenvalues come out with their multiplicity, at the cost of one extra run.
 * @module
 */
import { ArgumentError, checkOptionKinds, describeValue, requireInteger, requirePositiveInteger, type OptionKinds } from '../options.js'
import { foldIn, key } from '../random/key.js'
import { normal } from '../random/sample.js'
import { tridiagonalEigen } from './eigen.js'

/** A symmetric linear operator as its product with a vector: returns `A v` (length `n`), must not keep `v`. */
export type Matvec = (v: Float64Array) => Float64Array

/** Options of `lanczos`. */
export interface LanczosOptions {
  /** Eigenvalues wanted at each requested end. Default 1; capped at `n`. */
  readonly k?: number
  /** Which end(s) of the spectrum. Default `'largest'`. */
  readonly which?: 'largest' | 'smallest' | 'both'
  /** Lanczos steps (products) over all runs before giving up. Default `min(4 n, 1000)`. */
  readonly maxIterations?: number
  /** A pair is converged when `||A x - theta x|| <= tolerance * ||A||` (`||A||` estimated from the Ritz values). Default 1e-10. */
  readonly tolerance?: number
  /** Seed of the start vectors (`key(seed)`). Default 0. */
  readonly seed?: number
}

/** An eigenpair estimate: the Ritz value, its unit Ritz vector and the residual `||A x - value x||`, computed with one more product. */
export interface RitzPair {
  readonly value: number
  readonly vector: Float64Array
  readonly residual: number
}

/** What `lanczos` found. */
export interface LanczosResult {
  /** The `k` smallest, ascending (empty unless `which` is `'smallest'` or `'both'`). */
  readonly smallest: readonly RitzPair[]
  /** The `k` largest, descending (empty unless `which` is `'largest'` or `'both'`). */
  readonly largest: readonly RitzPair[]
  /**
   * True when every pair met `tolerance` (by the Lanczos residual estimate `|beta_m s_m|`; the explicit
   * `residual` agrees within a small factor) and a last run found nothing beyond them, or no room was
   * left; false when `maxIterations` ran out first.
   */
  readonly converged: boolean
  /** Lanczos steps over all runs. */
  readonly iterations: number
  /** Calls of `matvec` (the steps and one per residual). */
  readonly matvecs: number
  /** Runs from a fresh start vector: the first, then one after each run that found new pairs (the last finds none). */
  readonly runs: number
  /** The largest `|eigenvalue|` seen, the scale of `tolerance`. */
  readonly normEstimate: number
}

const LANCZOS_OPTIONS: OptionKinds<LanczosOptions> = { k: 'number', which: 'string', maxIterations: 'number', tolerance: 'number', seed: 'number' }
const WHICH: readonly string[] = ['largest', 'smallest', 'both']

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}
const norm = (a: Float64Array): number => Math.sqrt(dot(a, a))
/** `y += alpha x`, in place. */
const axpy = (alpha: number, x: Float64Array, y: Float64Array): void => {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!
}
const scaled = (alpha: number, x: Float64Array): Float64Array => x.map((v) => alpha * v)

/**
 * Classical Gram-Schmidt against `basis`, repeated when a pass removed most of `w` (Kahan's
 * criterion: "twice is enough" for orthogonality to working precision).
 */
const orthogonalize = (w: Float64Array, basis: readonly Float64Array[]): void => {
  const c = new Float64Array(basis.length)
  for (let pass = 0; pass < 2; pass++) {
    const before = norm(w)
    for (let j = 0; j < basis.length; j++) c[j] = dot(basis[j]!, w)
    for (let j = 0; j < basis.length; j++) axpy(-c[j]!, basis[j]!, w)
    if (norm(w) > Math.SQRT1_2 * before) return
  }
}

/** `matvec` checked on every call (a Float64Array or array of `n` finite numbers) and counted. */
interface CheckedOperator {
  readonly apply: (v: Float64Array) => Float64Array
  readonly calls: () => number
}

const checkedOperator = (who: string, matvec: unknown, n: number): CheckedOperator => {
  if (typeof matvec !== 'function') throw new ArgumentError(who, 'matvec', `expected a function v => A v, got ${describeValue(matvec)}`)
  let calls = 0
  const apply = (v: Float64Array): Float64Array => {
    calls++
    const out: unknown = matvec(v.slice())
    if (!(out instanceof Float64Array) && !Array.isArray(out)) throw new ArgumentError(who, 'matvec', `call ${calls} returned ${describeValue(out)}; expected a Float64Array of ${n} numbers`)
    if (out.length !== n) throw new ArgumentError(who, 'matvec', `call ${calls} returned ${out.length} numbers; expected n = ${n}`)
    const r = Float64Array.from(out as ArrayLike<number>)
    const bad = r.findIndex((x) => !Number.isFinite(x))
    if (bad >= 0) throw new ArgumentError(who, 'matvec', `call ${calls} returned ${describeValue(out[bad])} at entry ${bad}; expected finite numbers`)
    return r
  }
  return { apply, calls: () => calls }
}

/** A unit vector from the keyed normal stream `stream` of `seed`, orthogonal to `against` (undefined if it lies in their span). */
const startVector = (seed: number, stream: number, n: number, against: readonly Float64Array[]): Float64Array | undefined => {
  const v = normal(foldIn(key(seed), stream), n)
  orthogonalize(v, against)
  const size = norm(v)
  return size > 1e-8 ? scaled(1 / size, v) : undefined
}

/** A Ritz pair of one Lanczos run (the vector in the original coordinates) with its residual estimate. */
interface RunPair {
  readonly value: number
  readonly vector: Float64Array
  readonly estimate: number
}

interface RunResult {
  readonly pairs: readonly RunPair[]
  /** The run spanned the whole complement of the locked vectors: its wanted pairs are the final ones. */
  readonly complete: boolean
  readonly steps: number
  readonly normEstimate: number
}

/** Indices of the wanted Ritz values of an ascending list of `m`: from each requested end, `k` of them. */
const wantedIndices = (m: number, k: number, which: string): number[] => {
  const lo = which === 'largest' ? [] : Array.from({ length: Math.min(k, m) }, (_, i) => i)
  const hi = which === 'smallest' ? [] : Array.from({ length: Math.min(k, m) }, (_, i) => m - 1 - i)
  return [...new Set([...lo, ...hi])]
}

/** Check the Ritz values every step at first, then about every twentieth of the basis size (a check costs O(m^2)). */
const checkNow = (m: number): boolean => m <= 40 || m % Math.floor(m / 20) === 0

interface RunSettings {
  readonly op: CheckedOperator
  readonly n: number
  readonly k: number
  readonly which: string
  readonly tolerance: number
  readonly budget: number
  readonly locked: readonly Float64Array[]
  readonly normSoFar: number
}

/** The Ritz values of the tridiagonal `alpha`, `beta` and their residual estimates `|last * s[m-1, j]|` (`last`: the coupling out of the basis). */
const ritzValues = (alpha: readonly number[], beta: readonly number[], last: number) => {
  const { values, vectors } = tridiagonalEigen(alpha, beta, 'last')
  return { values, estimates: vectors.map((s) => Math.abs(last * s)) }
}

/** The Ritz vectors `Q s_j` of the wanted indices `want` (ascending order of the Ritz values). */
const ritzVectors = (qs: readonly Float64Array[], alpha: readonly number[], beta: readonly number[], want: readonly number[], n: number): Float64Array[] => {
  const m = qs.length
  const { vectors } = tridiagonalEigen(alpha, beta, 'all')
  return want.map((j) => {
    const x = new Float64Array(n)
    qs.forEach((q, i) => axpy(vectors[i * m + j]!, q, x))
    return x
  })
}

/** Lanczos from `start` on the complement of `locked`, until the wanted pairs converge, the space is invariant, or the budget ends. */
const lanczosRun = (s: RunSettings, start: Float64Array): RunResult => {
  const qs: Float64Array[] = []
  const alpha: number[] = []
  const beta: number[] = []
  const room = s.n - s.locked.length
  let q = start
  let scale = s.normSoFar
  for (let m = 1; ; m++) {
    const w = s.op.apply(q)
    const a = dot(q, w)
    axpy(-a, q, w)
    if (m > 1) axpy(-beta[m - 2]!, qs[m - 2]!, w)
    qs.push(q)
    alpha.push(a)
    orthogonalize(w, s.locked)
    orthogonalize(w, qs)
    const b = norm(w)
    // ||A q|| (all three recurrence terms) is a lower bound of ||A||: the scale until Ritz values exist.
    scale = Math.max(scale, Math.hypot(a, b, beta[m - 2] ?? 0))
    const ends = m === room || m === s.budget || b <= s.tolerance * scale
    if (ends || checkNow(m)) {
      const r = ritzValues(alpha, beta, b)
      scale = Math.max(scale, Math.abs(r.values[0]!), Math.abs(r.values[m - 1]!))
      const complete = m === room
      const invariant = complete || b <= s.tolerance * scale
      // An invariant space that is not everything: all its pairs are exact, lock them all.
      const want = invariant && !complete ? Array.from({ length: m }, (_, i) => i) : wantedIndices(m, s.k, s.which)
      const done = invariant || want.every((i) => r.estimates[i]! <= s.tolerance * scale)
      if (done || m === s.budget) {
        const vectors = ritzVectors(qs, alpha, beta, want, s.n)
        const pairs = want.map((i, j) => ({ value: r.values[i]!, vector: vectors[j]!, estimate: invariant ? 0 : r.estimates[i]! }))
        return { pairs, complete, steps: m, normEstimate: scale }
      }
    }
    beta.push(b)
    q = scaled(1 / b, w)
  }
}

/** True when `found` holds, at a requested end, a value beyond the `k`-th of `before` (or `before` has fewer than `k` there). */
const foundMore = (before: readonly RunPair[], found: readonly RunPair[], k: number, which: string, slack: number): boolean => {
  const values = before.map((p) => p.value).sort((x, y) => x - y)
  const low = which !== 'largest' && (values.length < k || found.some((p) => p.value < values[k - 1]! - slack))
  const high = which !== 'smallest' && (values.length < k || found.some((p) => p.value > values[values.length - k]! + slack))
  return low || high
}

/** The reported pairs: `k` from each requested end of `pairs`, with explicit residuals (one product each). */
const report = (op: CheckedOperator, pairs: readonly RunPair[], k: number, which: string) => {
  const up = [...pairs].sort((x, y) => x.value - y.value)
  const residuals = new Map<RunPair, RitzPair>()
  const withResidual = (p: RunPair): RitzPair => {
    const known = residuals.get(p)
    if (known !== undefined) return known
    const r = op.apply(p.vector)
    axpy(-p.value, p.vector, r)
    const out = { value: p.value, vector: p.vector, residual: norm(r) }
    residuals.set(p, out)
    return out
  }
  const smallest = which === 'largest' ? [] : up.slice(0, k).map(withResidual)
  const largest = which === 'smallest' ? [] : up.slice(-k).reverse().map(withResidual)
  return { smallest, largest }
}

/** A finite number > 0, or an ArgumentError naming the field. */
const positiveNumber = (who: string, field: string, v: unknown): number => {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new ArgumentError(who, field, `expected a finite number > 0, got ${describeValue(v)}`)
  return v
}

/**
 * The `k` largest and/or smallest eigenvalues of a symmetric operator given as `v -> A v`, with unit
 * Ritz vectors and residuals `||A x - value x||`. Lanczos with full reorthogonalization (memory
 * `n * steps`, so meant for `n` up to a few thousand); the Ritz values are those of the tridiagonal
 * matrix (implicit QL, `tridiagonalEigen`: O(m^2) per check where Jacobi would cost O(m^3)), checked
 * every step while the basis is small and then about every twentieth of its size. A run ends when
 * the wanted pairs' residual estimates fall below `tolerance * ||A||`, or when the Krylov space is
 * invariant (then all its pairs are exact). When the steps approach `n` (a spectrum whose ends are
 * not separated), a dense `symmetricEigen` of the `n` columns `A e_i` is cheaper. Converged pairs are locked and
 * a new run starts from a keyed random vector orthogonal to them; the search ends when a run finds
 * nothing beyond the `k`-th pair at a requested end (so a repeated eigenvalue is found as often as it
 * occurs) or when all `n` are found. `converged` is false when `maxIterations` ran out first; the
 * pairs are then the current estimates (Ritz values lie inside the spectrum). `matvec` results must be
 * `n` finite numbers; anything else throws an `ArgumentError` naming `lanczos` and `matvec`.
 * @example
 * import { lanczos } from 'kiln'
 * // A = diag(1, 2, ..., 10)
 * const r = lanczos((v) => v.map((x, i) => (i + 1) * x), 10, { k: 2, which: 'both' })
 * r.largest.map((p) => Math.round(p.value * 1e9) / 1e9) // [10, 9]
 * r.smallest.map((p) => Math.round(p.value * 1e9) / 1e9) // [1, 2]
 * r.converged // true
 * r.largest[0]!.residual < 1e-9 // true
 */
export const lanczos = (matvec: Matvec, n: number, options?: LanczosOptions): LanczosResult => {
  const who = 'lanczos'
  checkOptionKinds(who, options, LANCZOS_OPTIONS)
  requirePositiveInteger(who, 'n', n)
  const op = checkedOperator(who, matvec, n)
  const k = Math.min(requirePositiveInteger(who, 'k', options?.k ?? 1), n)
  const which = options?.which ?? 'largest'
  if (!WHICH.includes(which)) throw new ArgumentError(who, 'which', `expected 'largest', 'smallest' or 'both', got ${describeValue(which)}`)
  const budget = requirePositiveInteger(who, 'maxIterations', options?.maxIterations ?? Math.min(4 * n, 1000))
  const tolerance = positiveNumber(who, 'tolerance', options?.tolerance ?? 1e-10)
  const seed = requireInteger(who, 'seed', options?.seed ?? 0)
  const locked: RunPair[] = []
  let pending: readonly RunPair[] = []
  let [steps, runs, scale] = [0, 0, 0]
  // Verified: a run found nothing beyond the locked pairs, or there is no room left for another.
  let verified = false
  while (!verified && pending.length === 0 && steps < budget) {
    const start = locked.length < n ? startVector(seed, runs, n, locked.map((p) => p.vector)) : undefined
    if (start === undefined) {
      verified = true
      break
    }
    runs++
    const r = lanczosRun({ op, n, k, which, tolerance, budget: budget - steps, locked: locked.map((p) => p.vector), normSoFar: scale }, start)
    steps += r.steps
    scale = Math.max(scale, r.normEstimate)
    const ok = (p: RunPair) => p.estimate <= tolerance * scale
    pending = r.pairs.filter((p) => !ok(p))
    const before = locked.slice()
    locked.push(...r.pairs.filter(ok))
    verified = pending.length === 0 && (r.complete || locked.length >= n || !foundMore(before, r.pairs, k, which, tolerance * scale))
  }
  const { smallest, largest } = report(op, [...locked, ...pending], k, which)
  return { smallest, largest, converged: verified, iterations: steps, matvecs: op.calls(), runs, normEstimate: scale }
}

/** Options of `powerIteration`. */
export interface PowerIterationOptions {
  /** Products before giving up. Default 10000. */
  readonly maxIterations?: number
  /** Converged when `||A x - value x|| <= tolerance * |value - shift|`. Default 1e-10. */
  readonly tolerance?: number
  /** Seed of the start vector (`key(seed)`). Default 0. */
  readonly seed?: number
  /** Iterate with `A - shift I`: finds the eigenvalue farthest from `shift`. Default 0. */
  readonly shift?: number
}

/** The dominant eigenpair found by `powerIteration`. */
export interface PowerIterationResult {
  /** The eigenvalue of `A` (not of `A - shift I`). */
  readonly value: number
  readonly vector: Float64Array
  /** `||A x - value x||`. */
  readonly residual: number
  readonly iterations: number
  readonly converged: boolean
}

const POWER_OPTIONS: OptionKinds<PowerIterationOptions> = { maxIterations: 'number', tolerance: 'number', seed: 'number', shift: 'number' }

/**
 * The eigenvalue of largest magnitude of `A - shift I` (reported as the eigenvalue of `A`, that is
 * the eigenvalue farthest from `shift`), by power iteration from a keyed random vector, with its unit
 * vector and residual. Convergence is linear in the ratio of the two largest magnitudes, so it needs
 * a gap; when `-m` and `m` are both eigenvalues of largest magnitude it does not converge
 * (`converged: false`). The other end of the spectrum: run once for the dominant `d`, then again with
 * `shift: d`; the eigenvalue farthest from `d` is the other end. Bad arguments throw an
 * `ArgumentError` naming `powerIteration` and the field.
 * @example
 * import { powerIteration } from 'kiln'
 * const diag = (v: Float64Array) => v.map((x, i) => [3, 1, -2][i]! * x)
 * const top = powerIteration(diag, 3)
 * Math.round(top.value * 1e9) / 1e9 // 3
 * top.converged // true
 * Math.round(powerIteration(diag, 3, { shift: top.value }).value * 1e9) / 1e9 // -2
 */
export const powerIteration = (matvec: Matvec, n: number, options?: PowerIterationOptions): PowerIterationResult => {
  const who = 'powerIteration'
  checkOptionKinds(who, options, POWER_OPTIONS)
  requirePositiveInteger(who, 'n', n)
  const op = checkedOperator(who, matvec, n)
  const maxIterations = requirePositiveInteger(who, 'maxIterations', options?.maxIterations ?? 10000)
  const tolerance = positiveNumber(who, 'tolerance', options?.tolerance ?? 1e-10)
  const seed = requireInteger(who, 'seed', options?.seed ?? 0)
  const shift = options?.shift ?? 0
  if (!Number.isFinite(shift)) throw new ArgumentError(who, 'shift', `expected a finite number, got ${describeValue(shift)}`)
  let x = startVector(seed, 0, n, [])!
  let last = { value: shift, vector: x, residual: Infinity, iterations: 0, converged: false }
  for (let it = 1; it <= maxIterations; it++) {
    const y = op.apply(x)
    axpy(-shift, x, y)
    const theta = dot(x, y)
    const r = y.slice()
    axpy(-theta, x, r)
    const residual = norm(r)
    last = { value: theta + shift, vector: x, residual, iterations: it, converged: residual <= tolerance * Math.abs(theta) }
    const size = norm(y)
    if (last.converged || size === 0) return { ...last, converged: last.converged || residual === 0 }
    x = scaled(1 / size, y)
  }
  return last
}
