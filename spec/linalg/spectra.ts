/**
 * Symmetric test matrices with a chosen spectrum, shared by the eigensolver, Lanczos and critical-point specs.
 * @module
 */

/**
 * Q diag(d) Q^T with the Householder reflection Q = I - 2 u u^T / u^T u, row-major and exactly symmetric
 * (each entry computed once for both triangles).
 * @example
 * const a = householder([1, 0], [2, 3])
 * Array.from(a) // [2, 0, 0, 3]
 */
export const householder = (u: readonly number[], d: readonly number[]): Float64Array => {
  const n = d.length
  const uu = u.reduce((s, x) => s + x * x, 0)
  const q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * u[i]! * u[j]!) / uu
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let m = 0; m < n; m++) s += q(i, m) * d[m]! * q(j, m)
      a[i * n + j] = a[j * n + i] = s
    }
  return a
}
