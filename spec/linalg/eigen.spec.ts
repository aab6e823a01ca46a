// symmetricEigen against known spectra: diagonal, 2x2 closed form, the (2, -1) Toeplitz tridiagonal
// (eigenvalues 2 - 2 cos(k pi / (n + 1)), sine eigenvectors), Householder similarity transforms of
// chosen diagonals (repeated and negative eigenvalues), the Hilbert matrix; residuals and orthonormality.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArgumentError, symmetricEigen } from '../../src/index.js'
import { tridiagonalEigen } from '../../src/linalg/eigen.js'
import { caught } from '../caught.js'
import { householder } from './spectra.js'


const maxAbs = (xs: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]!))
  return m
}

/** max_j ||A v_j - lambda_j v_j|| and max |V^T V - I|. */
const quality = (a: Float64Array, n: number, values: Float64Array, vectors: Float64Array) => {
  let residual = 0
  let orth = 0
  for (let j = 0; j < n; j++) {
    let r2 = 0
    for (let i = 0; i < n; i++) {
      let s = -values[j]! * vectors[i * n + j]!
      for (let m = 0; m < n; m++) s += a[i * n + m]! * vectors[m * n + j]!
      r2 += s * s
    }
    residual = Math.max(residual, Math.sqrt(r2))
    for (let k = 0; k < n; k++) {
      let s = 0
      for (let i = 0; i < n; i++) s += vectors[i * n + j]! * vectors[i * n + k]!
      orth = Math.max(orth, Math.abs(s - (j === k ? 1 : 0)))
    }
  }
  return { residual, orth }
}

describe('symmetricEigen: known spectra', () => {
  it('a diagonal matrix: sorted diagonal, permuted unit vectors, no rotation', () => {
    const { values, vectors, sweeps } = symmetricEigen([3, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0], 4)
    expect(Array.from(values)).toEqual([-1, 0, 2, 3])
    // column j is e_(original index of values[j])
    expect(Array.from(vectors)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0])
    expect(sweeps).toBe(1)
  })

  it('2x2: the closed form (a + c)/2 -+ sqrt(((a - c)/2)^2 + b^2)', () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (a, b, c) => {
        const { values, vectors } = symmetricEigen([a, b, b, c], 2)
        const mid = (a + c) / 2
        const rad = Math.hypot((a - c) / 2, b)
        const scale = Math.max(Math.abs(a), Math.abs(b), Math.abs(c), 1e-300)
        expect(Math.abs(values[0]! - (mid - rad))).toBeLessThanOrEqual(4e-16 * scale * 4)
        expect(Math.abs(values[1]! - (mid + rad))).toBeLessThanOrEqual(4e-16 * scale * 4)
        const q = quality(Float64Array.of(a, b, b, c), 2, values, vectors)
        expect(q.residual).toBeLessThanOrEqual(1e-15 * scale * 4)
        expect(q.orth).toBeLessThan(1e-15)
      }),
      { seed: 1, numRuns: 300 },
    )
  })

  it('the (2, -1) Toeplitz tridiagonal: 2 - 2 cos(k pi / (n + 1)), eigenvectors sin(j k pi / (n + 1))', () => {
    for (const n of [1, 2, 3, 7, 20, 45]) {
      const a = new Float64Array(n * n)
      for (let i = 0; i < n; i++) {
        a[i * n + i] = 2
        if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1
      }
      const { values, vectors } = symmetricEigen(a, n)
      for (let k = 1; k <= n; k++) {
        expect(Math.abs(values[k - 1]! - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThan(2e-14)
        // the exact eigenvector, up to sign
        const exact = Array.from({ length: n }, (_, j) => Math.sqrt(2 / (n + 1)) * Math.sin(((j + 1) * k * Math.PI) / (n + 1)))
        const got = Array.from({ length: n }, (_, j) => vectors[j * n + k - 1]!)
        const sign = Math.sign(got.reduce((s, g, j) => s + g * exact[j]!, 0))
        // eigenvector error ~ eps / gap; the gap near the ends is about 3 pi^2 / (n + 1)^2
        expect(maxAbs(got.map((g, j) => sign * g - exact[j]!))).toBeLessThan(1e-12)
      }
    }
  })

  it('Q diag(d) Q^T from a random Householder reflection: d back, residuals and orthonormality to ~1e-13', () => {
    const eigenvalues = fc.array(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(-3, 0, 2.5)), { minLength: 1, maxLength: 25 })
    fc.assert(
      fc.property(eigenvalues.chain((d) => fc.tuple(fc.constant(d), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d.length, maxLength: d.length }))), ([d, u]) => {
        fc.pre(u.some((x) => Math.abs(x) > 0.1))
        const n = d.length
        const a = householder(u, d)
        const { values, vectors } = symmetricEigen(a, n)
        const scale = Math.max(maxAbs(d), 1e-300)
        const want = [...d].sort((x, y) => x - y)
        values.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-13 * scale))
        const q = quality(a, n, values, vectors)
        expect(q.residual).toBeLessThanOrEqual(1e-13 * scale)
        expect(q.orth).toBeLessThan(1e-13)
      }),
      { seed: 1, numRuns: 150 },
    )
  })

  it('repeated eigenvalues: an orthonormal basis of the eigenspace', () => {
    const d = [2, 2, 2, -1, -1, 5]
    const a = householder([0.3, -0.5, 0.2, 0.9, -0.1, 0.4], d)
    const { values, vectors } = symmetricEigen(a, 6)
    expect(Array.from(values, (v) => Math.round(v * 1e12) / 1e12)).toEqual([-1, -1, 2, 2, 2, 5])
    const q = quality(a, 6, values, vectors)
    expect(q.residual).toBeLessThan(1e-14 * 5 * 4)
    expect(q.orth).toBeLessThan(1e-14)
  })

  it('the Hilbert matrix n = 4: smallest eigenvalue 9.670230402258e-05 (condition number 1.55e4)', () => {
    const h = Float64Array.from({ length: 16 }, (_, i) => 1 / (Math.floor(i / 4) + (i % 4) + 1))
    const { values } = symmetricEigen(h, 4)
    expect(Math.abs(values[0]! - 9.670230402258e-5) / 9.670230402258e-5).toBeLessThan(1e-11)
    // the other three (scipy.linalg.hilbert(4), numpy.linalg.eigvalsh)
    expect(values[3]).toBeCloseTo(1.500214280059243, 13)
    expect(values[2]).toBeCloseTo(0.1691412202214500, 13)
    expect(values[1]).toBeCloseTo(0.006738273605760748, 13)
  })

  it('works near the overflow and underflow limits (scale invariance)', () => {
    for (const s of [1e300, 1e-300]) {
      const { values } = symmetricEigen([2 * s, s, s, 2 * s], 2)
      expect(values[0]! / s).toBeCloseTo(1, 14)
      expect(values[1]! / s).toBeCloseTo(3, 14)
    }
    expect(Array.from(symmetricEigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0])
  })

  it('does not modify its input; averages triangles within the symmetry tolerance', () => {
    const a = Float64Array.of(1, 2, 2 + 1e-15, 1)
    symmetricEigen(a, 2)
    expect(Array.from(a)).toEqual([1, 2, 2 + 1e-15, 1])
    expect(symmetricEigen([1, 2, 2.1, 1], 2, { symmetryTolerance: 0.1 }).values[1]).toBeCloseTo(3.05, 14)
  })
})

describe('symmetricEigen: bad input names the function and the field', () => {
  const refusal = (f: () => unknown) => {
    const e = caught(f)
    expect(e).toBeInstanceOf(ArgumentError)
    return e as ArgumentError
  }

  it('non-square sizes, NaN and infinite entries, asymmetry', () => {
    expect(refusal(() => symmetricEigen([1, 2, 3], 2)).message).toBe('symmetricEigen: a: expected n * n = 4 entries for n = 2 (a square matrix, row-major), got 3')
    expect(refusal(() => symmetricEigen([1, NaN, NaN, 1], 2)).message).toBe('symmetricEigen: a: entry [0,1] is NaN; expected a finite number')
    expect(refusal(() => symmetricEigen([1, 0, 0, Infinity], 2)).message).toBe('symmetricEigen: a: entry [1,1] is Infinity; expected a finite number')
    const asym = refusal(() => symmetricEigen([1, 0, 0, 0, 1, 0, 0, 1e-9, 1], 3))
    expect(asym.field).toBe('a')
    expect(asym.message).toContain('not symmetric: a[1,2] = 0 but a[2,1] = 1e-9')
    expect(refusal(() => symmetricEigen('abcd' as never, 2)).field).toBe('a')
    expect(refusal(() => symmetricEigen([1, '2', '2', 1] as never, 2)).message).toContain('entry [0,1] is the string "2"')
  })

  it('n, options and their values', () => {
    expect(refusal(() => symmetricEigen([], 0)).field).toBe('n')
    expect(refusal(() => symmetricEigen([1], 1, { maxSweep: 3 } as never)).message).toContain("did you mean 'maxSweeps'")
    expect(refusal(() => symmetricEigen([1], 1, { maxSweeps: 0 })).field).toBe('maxSweeps')
    expect(refusal(() => symmetricEigen([1], 1, { symmetryTolerance: -1 })).field).toBe('symmetryTolerance')
  })

  it('too few sweeps is an error, not a silent wrong answer', () => {
    const h = Float64Array.from({ length: 36 }, (_, i) => 1 / (Math.floor(i / 6) + (i % 6) + 1))
    expect((caught(() => symmetricEigen(h, 6, { maxSweeps: 1 })) as Error).message).toMatch(/^symmetricEigen: no convergence after 1 sweeps/)
  })
})

describe('tridiagonalEigen (the Ritz values of lanczos)', () => {
  const dense = (d: readonly number[], e: readonly number[]): Float64Array => {
    const m = d.length
    const a = new Float64Array(m * m)
    d.forEach((x, i) => (a[i * m + i] = x))
    e.slice(0, m - 1).forEach((x, i) => (a[i * m + i + 1] = a[(i + 1) * m + i] = x))
    return a
  }

  it('equals symmetricEigen on random tridiagonals (values, eigenvectors up to sign, the last row)', () => {
    const tri = fc.integer({ min: 1, max: 40 }).chain((m) =>
      fc.tuple(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: m, maxLength: m }), fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(0), fc.constant(1e-200)), { minLength: m - 1, maxLength: m - 1 })),
    )
    fc.assert(
      fc.property(tri, ([d, e]) => {
        const m = d.length
        const a = dense(d, e)
        const want = symmetricEigen(a, m)
        const all = tridiagonalEigen(d, e, 'all')
        const last = tridiagonalEigen(d, e, 'last')
        const scale = Math.max(maxAbs(d), maxAbs(e), 1e-300)
        all.values.forEach((v, i) => expect(Math.abs(v - want.values[i]!)).toBeLessThanOrEqual(1e-13 * scale))
        expect(Array.from(last.values)).toEqual(Array.from(all.values))
        const q = quality(a, m, all.values, all.vectors)
        expect(q.residual).toBeLessThanOrEqual(1e-13 * scale)
        expect(q.orth).toBeLessThan(1e-13)
        last.vectors.forEach((x, j) => expect(x).toBeCloseTo(all.vectors[(m - 1) * m + j]!, 12))
      }),
      { seed: 1, numRuns: 200 },
    )
  })

  it('the (2, -1) Toeplitz tridiagonal of size 300: 2 - 2 cos(k pi / 301)', () => {
    const m = 300
    const { values } = tridiagonalEigen(new Float64Array(m).fill(2), new Float64Array(m - 1).fill(-1), 'last')
    values.forEach((v, i) => expect(Math.abs(v - (2 - 2 * Math.cos(((i + 1) * Math.PI) / (m + 1))))).toBeLessThan(1e-13))
  })
})
