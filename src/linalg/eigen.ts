/**
 * The dense symmetric eigenvalue problem in float64: cyclic Jacobi with Rutishauser's rotation
 * formulas. Jacobi is slower than tridiagonal QR for large matrices but simple, backward stable and
 * accurate for every eigenvalue relative to the matrix norm, which is what the Hessians and Lanczos
 * tridiagonals here (at most a few hundred rows) need.
 * @module
 */
import { ArgumentError, checkOptionKinds, describeValue, requirePositiveInteger, type OptionKinds } from '../options.js'

/** Options of `symmetricEigen`. */
export interface SymmetricEigenOptions {
  /** Sweeps (each rotates every off-diagonal pair once) before giving up. Default 100; Jacobi needs about 6 to 12. */
  readonly maxSweeps?: number
  /** Largest accepted `|a[i,j] - a[j,i]|` relative to the largest `|a|`. Default 1e-12. */
  readonly symmetryTolerance?: number
}

/** Eigenvalues in ascending order and their unit eigenvectors. */
export interface SymmetricEigen {
  /** Ascending. */
  readonly values: Float64Array
  /** `n * n`, row-major: column `j` is the unit eigenvector of `values[j]`, signed so that its first entry of at least half the largest magnitude is positive. */
  readonly vectors: Float64Array
  /** Sweeps used. */
  readonly sweeps: number
}

const EIGEN_OPTIONS: OptionKinds<SymmetricEigenOptions> = { maxSweeps: 'number', symmetryTolerance: 'number' }
const EPS = Number.EPSILON

/** The entries as a fresh Float64Array, every one finite, or an ArgumentError naming the entry. */
const finiteEntries = (who: string, a: unknown, n: number): Float64Array => {
  if (!(a instanceof Float64Array) && !Array.isArray(a)) throw new ArgumentError(who, 'a', `expected a Float64Array or an array of numbers, got ${describeValue(a)}`)
  const len: number = a.length
  if (len !== n * n) throw new ArgumentError(who, 'a', `expected n * n = ${n * n} entries for n = ${n} (a square matrix, row-major), got ${len}`)
  const out = new Float64Array(len)
  for (let i = 0; i < len; i++) {
    const v: unknown = a[i]
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ArgumentError(who, 'a', `entry [${Math.floor(i / n)},${i % n}] is ${describeValue(v)}; expected a finite number`)
    out[i] = v
  }
  return out
}

/** Refuses an asymmetric matrix (naming the worst pair), then averages the two triangles. */
const symmetrize = (who: string, a: Float64Array, n: number, tolerance: number): void => {
  let scale = 0
  for (const v of a) scale = Math.max(scale, Math.abs(v))
  let worst = -1
  let worstGap = 0
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const gap = Math.abs(a[i * n + j]! - a[j * n + i]!)
      if (gap > worstGap) [worst, worstGap] = [i * n + j, gap]
    }
  if (worstGap > tolerance * scale) {
    const [i, j] = [Math.floor(worst / n), worst % n]
    throw new ArgumentError(who, 'a', `not symmetric: a[${i},${j}] = ${a[worst]} but a[${j},${i}] = ${a[j * n + i]} (relative gap ${(worstGap / scale).toExponential(2)} > ${tolerance})`)
  }
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j]! + a[j * n + i]!)
}

/** The Frobenius norm, scaled so that entries near the overflow limit do not overflow the sum of squares. */
const frobenius = (a: Float64Array): number => {
  let scale = 0
  for (const v of a) scale = Math.max(scale, Math.abs(v))
  if (scale === 0) return 0
  let s = 0
  for (const v of a) s += (v / scale) * (v / scale)
  return scale * Math.sqrt(s)
}

/**
 * One Jacobi rotation zeroing `a[p,q]` (p < q), applied to both sides of `a` and to the columns of `v`.
 * Rutishauser's form: `t = tan(phi)` is the smaller root, so |phi| <= pi/4, and the updates are
 * written as corrections (`tau = s / (1 + c)`) so that nearly diagonal matrices lose no digits.
 */
const rotate = (a: Float64Array, v: Float64Array, n: number, p: number, q: number): void => {
  const apq = a[p * n + q]!
  const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq)
  // For huge theta, theta^2 would overflow; t ~ 1 / (2 theta) there.
  const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
  const c = 1 / Math.sqrt(t * t + 1)
  const s = t * c
  const tau = s / (1 + c)
  const h = t * apq
  a[p * n + p] = a[p * n + p]! - h
  a[q * n + q] = a[q * n + q]! + h
  a[p * n + q] = a[q * n + p] = 0
  for (let r = 0; r < n; r++) {
    if (r !== p && r !== q) {
      const g = a[r * n + p]!
      const k = a[r * n + q]!
      a[r * n + p] = a[p * n + r] = g - s * (k + g * tau)
      a[r * n + q] = a[q * n + r] = k + s * (g - k * tau)
    }
    const g = v[r * n + p]!
    const k = v[r * n + q]!
    v[r * n + p] = g - s * (k + g * tau)
    v[r * n + q] = k + s * (g - k * tau)
  }
}

/** Sorts the diagonal ascending, permuting the columns of `v`, and fixes each column's sign. */
const sorted = (a: Float64Array, v: Float64Array, n: number, sweeps: number): SymmetricEigen => {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i]! - a[j * n + j]! || i - j)
  const values = Float64Array.from(order, (i) => a[i * n + i]!)
  const vectors = new Float64Array(n * n)
  order.forEach((from, to) => {
    let big = 0
    for (let r = 0; r < n; r++) big = Math.max(big, Math.abs(v[r * n + from]!))
    // The first entry of at least half the largest magnitude: a rule that rounding cannot flip between near-ties.
    let lead = 0
    while (Math.abs(v[lead * n + from]!) < big / 2) lead++
    const sign = v[lead * n + from]! < 0 ? -1 : 1
    for (let r = 0; r < n; r++) vectors[r * n + to] = sign * v[r * n + from]!
  })
  return { values, vectors, sweeps }
}

/**
 * Eigenvalues (ascending) and unit eigenvectors of a real symmetric `n x n` matrix given row-major.
 * Cyclic Jacobi: each sweep rotates away every off-diagonal entry larger than `eps * ||A||_F / n`;
 * it stops after a sweep with nothing left to rotate, so the entries left off the diagonal have a
 * Frobenius norm below `eps * ||A||_F` and every eigenvalue is accurate to a few `eps * ||A||`.
 * Non-square sizes, non-finite entries and asymmetry beyond `symmetryTolerance` (relative to the
 * largest entry) throw an `ArgumentError` naming `symmetricEigen` and the field; the two triangles
 * are then averaged.
 * @example
 * import { symmetricEigen } from 'kiln'
 * const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2)
 * values // Float64Array.of(1, 3)
 * vectors.map((x) => Math.round(x * Math.SQRT2 * 1e12) / 1e12) // Float64Array.of(1, 1, -1, 1)
 * try { symmetricEigen([1, 2, 3, 4], 2) } catch (e) { (e as Error).message } // 'symmetricEigen: a: not symmetric: a[0,1] = 2 but a[1,0] = 3 (relative gap 2.50e-1 > 1e-12)'
 */
export const symmetricEigen = (a: Float64Array | readonly number[], n: number, options?: SymmetricEigenOptions): SymmetricEigen => {
  const who = 'symmetricEigen'
  checkOptionKinds(who, options, EIGEN_OPTIONS)
  requirePositiveInteger(who, 'n', n)
  const maxSweeps = requirePositiveInteger(who, 'maxSweeps', options?.maxSweeps ?? 100)
  const tolerance = options?.symmetryTolerance ?? 1e-12
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new ArgumentError(who, 'symmetryTolerance', `expected a finite number >= 0, got ${describeValue(tolerance)}`)
  const m = finiteEntries(who, a, n)
  symmetrize(who, m, n, tolerance)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  const threshold = (EPS * frobenius(m)) / n
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    let rotated = false
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++)
        if (Math.abs(m[p * n + q]!) > threshold) {
          rotate(m, v, n, p, q)
          rotated = true
        }
    if (!rotated) return sorted(m, v, n, sweep)
  }
  throw new Error(`symmetricEigen: no convergence after ${maxSweeps} sweeps (maxSweeps); the off-diagonal entries did not fall below ${threshold.toExponential(2)}`)
}

/** Eigenvalues of a symmetric tridiagonal matrix with all or one row of the eigenvector matrix. */
export interface TridiagonalEigen {
  /** Ascending. */
  readonly values: Float64Array
  /** `rows * m`, row-major: `rows` is `m` for `vectors: 'all'`, and 1 (the last row of the eigenvector matrix) for `'last'`. */
  readonly vectors: Float64Array
}

/**
 * Implicit QL with Wilkinson shifts on the tridiagonal `d` (diagonal), `e` (`e[i]` couples rows `i`
 * and `i + 1`), applying each plane rotation to the eigenvector matrix, kept transposed in `zt`
 * (`m` rows of length `rows`) so that a rotation touches two contiguous rows.
 */
const tql = (d: Float64Array, e: Float64Array, zt: Float64Array, rows: number): void => {
  const m = d.length
  for (let l = 0; l < m; l++) {
    for (let iter = 0; ; iter++) {
      let mm = l
      // Negligible: relative to the neighbours, or (the matrix has unit scale) below sqrt of the
      // smallest normal number, as LAPACK's dsteqr, where products of such entries would underflow.
      while (mm < m - 1 && Math.abs(e[mm]!) > Math.max(EPS * (Math.abs(d[mm]!) + Math.abs(d[mm + 1]!)), 1e-150)) mm++
      if (mm === l) break
      if (iter === 60) throw new Error(`tridiagonalEigen: no convergence for eigenvalue ${l} after 60 QL iterations`)
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!)
      let r = Math.hypot(g, 1)
      g = d[mm]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r))
      let [s, c, p] = [1, 1, 0]
      let i = mm - 1
      for (; i >= l; i--) {
        const f = s * e[i]!
        const b = c * e[i]!
        r = Math.hypot(f, g)
        e[i + 1] = r
        if (r === 0) break // underflow: the matrix splits here
        s = f / r
        c = g / r
        g = d[i + 1]! - p
        r = (d[i]! - g) * s + 2 * c * b
        p = s * r
        d[i + 1] = g + p
        g = c * r - b
        const [lo, hi] = [i * rows, (i + 1) * rows]
        for (let k = 0; k < rows; k++) {
          const zf = zt[hi + k]!
          zt[hi + k] = s * zt[lo + k]! + c * zf
          zt[lo + k] = c * zt[lo + k]! - s * zf
        }
      }
      if (r === 0 && i >= l) {
        d[i + 1] = d[i + 1]! - p
        e[mm] = 0
        continue
      }
      d[l] = d[l]! - p
      e[l] = g
      e[mm] = 0
    }
  }
}

/**
 * Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal `diagonal` and
 * off-diagonal `off` (`off[i]` couples rows `i` and `i + 1`), by implicit QL with Wilkinson shifts,
 * with the whole eigenvector matrix (`'all'`, O(m^3)) or only its last row (`'last'`, O(m^2): what
 * Lanczos needs for its residual estimates `|beta * s[m-1, j]|`). For Lanczos's checks: the inputs are
 * trusted (finite, `off.length >= m - 1`).
 * @example
 * import { tridiagonalEigen } from './eigen.js'
 * const { values, vectors } = tridiagonalEigen([2, 2], [1], 'last')
 * values // Float64Array.of(1, 3)
 * Math.abs(vectors[0]! * vectors[1]!) // 0.5
 */
export const tridiagonalEigen = (diagonal: ArrayLike<number>, off: ArrayLike<number>, vectors: 'all' | 'last'): TridiagonalEigen => {
  const m = diagonal.length
  const d = Float64Array.from(diagonal)
  const e = new Float64Array(m)
  for (let i = 0; i + 1 < m; i++) e[i] = off[i]!
  // Unit scale: a tiny matrix would otherwise lose its rotations to subnormal products.
  let scale = 0
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(d[i]!), Math.abs(e[i]!))
  if (scale > 0) for (let i = 0; i < m; i++) [d[i], e[i]] = [d[i]! / scale, e[i]! / scale]
  const rows = vectors === 'all' ? m : 1
  // transposed: zt[j * rows + k] is entry k of eigenvector j
  const zt = new Float64Array(rows * m)
  if (rows === m) for (let i = 0; i < m; i++) zt[i * m + i] = 1
  else if (m > 0) zt[m - 1] = 1
  tql(d, e, zt, rows)
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => d[i]! - d[j]! || i - j)
  const out = new Float64Array(rows * m)
  order.forEach((from, to) => {
    for (let k = 0; k < rows; k++) out[k * m + to] = zt[from * rows + k]!
  })
  return { values: Float64Array.from(order, (i) => d[i]! * (scale || 1)), vectors: out }
}
