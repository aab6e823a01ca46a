// lanczos and powerIteration against the dense solver (symmetricEigen) and closed forms: random
// symmetric matrices, repeated eigenvalues (found with their multiplicity), invariant subspaces,
// budgets that run out, and bad operators.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArgumentError, key, lanczos, normal, powerIteration, symmetricEigen, type Matvec } from '../../src/index.js'
import { caught } from '../caught.js'
import { householder } from './spectra.js'

/** A random symmetric n x n matrix with N(0, 1) entries from `seed`. */
const randomSymmetric = (n: number, seed: number): Float64Array => {
  const z = normal(key(seed), n * n)
  return Float64Array.from({ length: n * n }, (_, idx) => z[Math.min(Math.floor(idx / n), idx % n) * n + Math.max(Math.floor(idx / n), idx % n)]!)
}

const matvecOf = (a: Float64Array, n: number): Matvec => (v) => {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j]!
    out[i] = s
  }
  return out
}

const norm = (v: Float64Array): number => Math.hypot(...v)
const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0)
const residual = (a: Float64Array, n: number, value: number, x: Float64Array): number => norm(matvecOf(a, n)(x).map((y, i) => y - value * x[i]!))

describe('lanczos = the dense eigenvalues', () => {
  it('random symmetric matrices, n 2..30, top-k and bottom-k, to 1e-10 of the spectral norm', () => {
    const args = fc.record({ n: fc.integer({ min: 2, max: 30 }), seed: fc.integer({ min: 0, max: 1e6 }), k: fc.integer({ min: 1, max: 5 }), which: fc.constantFrom('largest' as const, 'smallest' as const, 'both' as const) })
    fc.assert(
      fc.property(args, ({ n, seed, k, which }) => {
        const a = randomSymmetric(n, seed)
        const dense = symmetricEigen(a, n).values
        const spectral = Math.max(Math.abs(dense[0]!), Math.abs(dense[n - 1]!))
        const r = lanczos(matvecOf(a, n), n, { k, which, seed })
        expect(r.converged).toBe(true)
        const kk = Math.min(k, n)
        expect(r.smallest.map((p) => p.value).length).toBe(which === 'largest' ? 0 : kk)
        expect(r.largest.length).toBe(which === 'smallest' ? 0 : kk)
        r.smallest.forEach((p, i) => expect(Math.abs(p.value - dense[i]!)).toBeLessThanOrEqual(1e-10 * spectral))
        r.largest.forEach((p, i) => expect(Math.abs(p.value - dense[n - 1 - i]!)).toBeLessThanOrEqual(1e-10 * spectral))
        for (const p of [...r.smallest, ...r.largest]) {
          expect(Math.abs(norm(p.vector) - 1)).toBeLessThan(1e-12)
          expect(p.residual).toBeCloseTo(residual(a, n, p.value, p.vector), 12)
          expect(p.residual).toBeLessThanOrEqual(1e-9 * spectral)
        }
        expect(r.normEstimate).toBeCloseTo(spectral, 8)
      }),
      { seed: 1, numRuns: 120 },
    )
  })

  it('the (2, -1) Toeplitz matrix of size 100 (clustered ends): 2 - 2 cos(k pi / 101)', () => {
    const n = 100
    const r = lanczos((v) => v.map((x, i) => 2 * x - (v[i - 1] ?? 0) - (v[i + 1] ?? 0)), n, { k: 2, which: 'both' })
    const exact = (k: number) => 2 - 2 * Math.cos((k * Math.PI) / (n + 1))
    expect(r.converged).toBe(true)
    expect(r.smallest.map((p) => p.value)).toEqual([expect.closeTo(exact(1), 13), expect.closeTo(exact(2), 13)])
    expect(r.largest.map((p) => p.value)).toEqual([expect.closeTo(exact(n), 13), expect.closeTo(exact(n - 1), 13)])
  })

  it('is deterministic for a seed; another seed gives the same eigenvalues', () => {
    const n = 25
    const a = randomSymmetric(n, 7)
    const r1 = lanczos(matvecOf(a, n), n, { k: 3, which: 'both', seed: 3 })
    const r2 = lanczos(matvecOf(a, n), n, { k: 3, which: 'both', seed: 3 })
    const r3 = lanczos(matvecOf(a, n), n, { k: 3, which: 'both', seed: 4 })
    expect(r2).toEqual(r1)
    r1.largest.forEach((p, i) => expect(r3.largest[i]!.value).toBeCloseTo(p.value, 11))
  })
})

describe('lanczos: repeated eigenvalues and invariant subspaces', () => {
  it('a triple top eigenvalue is found three times (one Krylov space sees it once: locking and a new run find the rest)', () => {
    const d = [5, 5, 5, 4, 3, 2, 1, 0, -1, -1, -1, -2.5]
    const n = d.length
    const a = householder([0.3, -0.5, 0.2, 0.9, -0.1, 0.4, 0.7, -0.2, 0.1, 0.05, -0.6, 0.33], d)
    const r = lanczos(matvecOf(a, n), n, { k: 4, which: 'both' })
    expect(r.converged).toBe(true)
    expect(r.largest.map((p) => Math.round(p.value * 1e10) / 1e10)).toEqual([5, 5, 5, 4])
    expect(r.smallest.map((p) => Math.round(p.value * 1e10) / 1e10)).toEqual([-2.5, -1, -1, -1])
    expect(r.runs).toBeGreaterThan(1)
    // the three vectors of 5 are an orthonormal basis of its eigenspace
    const fives = r.largest.slice(0, 3).map((p) => p.vector)
    fives.forEach((x, i) => fives.forEach((y, j) => expect(dot(x, y)).toBeCloseTo(i === j ? 1 : 0, 10)))
    r.largest.forEach((p) => expect(residual(a, n, p.value, p.vector)).toBeLessThan(1e-9))
  })

  it('spectra with many repeats (values from a small set) match the dense multiset', () => {
    const args = fc.integer({ min: 2, max: 20 }).chain((n) =>
      fc.record({ d: fc.array(fc.constantFrom(-2, 0, 1, 3), { minLength: n, maxLength: n }), u: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }), k: fc.integer({ min: 1, max: 4 }) }),
    )
    fc.assert(
      fc.property(args, ({ d, u, k }) => {
        fc.pre(u.some((x) => Math.abs(x) > 0.1))
        const n = d.length
        const r = lanczos(matvecOf(householder(u, d), n), n, { k, which: 'both' })
        const sorted = [...d].sort((x, y) => x - y)
        expect(r.converged).toBe(true)
        const rounded = (ps: readonly { value: number }[]) => ps.map((p) => Math.round(p.value * 1e9) / 1e9 + 0)
        expect(rounded(r.smallest)).toEqual(sorted.slice(0, Math.min(k, n)))
        expect(rounded(r.largest)).toEqual(sorted.slice(-Math.min(k, n)).reverse())
      }),
      { seed: 1, numRuns: 80 },
    )
  })

  it('the identity (every start vector spans an invariant subspace at once) and the zero matrix', () => {
    const r = lanczos((v) => v.slice(), 20, { k: 4, which: 'both' })
    expect(r.converged).toBe(true)
    expect(r.largest.map((p) => p.value)).toEqual([1, 1, 1, 1].map((x) => expect.closeTo(x, 14)))
    const vs = r.largest.map((p) => p.vector)
    vs.forEach((x, i) => vs.forEach((y, j) => expect(dot(x, y)).toBeCloseTo(i === j ? 1 : 0, 13)))
    const z = lanczos((v) => new Float64Array(v.length), 6, { k: 2, which: 'smallest' })
    expect(z.converged).toBe(true)
    expect(z.smallest.map((p) => p.value)).toEqual([0, 0])
  })

  it('a block-diagonal matrix whose start vector sees one block only after a restart: n = 1 and 2, k = n', () => {
    expect(lanczos((v) => v.map((x) => -3 * x), 1, { k: 5, which: 'both' }).largest.map((p) => p.value)).toEqual([-3])
    const r = lanczos((v) => Float64Array.of(2 * v[0]!, 7 * v[1]!), 2, { k: 2, which: 'largest' })
    expect(r.largest.map((p) => p.value)).toEqual([expect.closeTo(7, 14), expect.closeTo(2, 14)])
  })
})

describe('lanczos: budgets and bad input', () => {
  it('a budget that runs out: converged false, Ritz values inside the spectrum', () => {
    const n = 200
    const exactMax = 2 - 2 * Math.cos((n * Math.PI) / (n + 1))
    let calls = 0
    const r = lanczos((v) => (calls++, v.map((x, i) => 2 * x - (v[i - 1] ?? 0) - (v[i + 1] ?? 0))), n, { maxIterations: 20 })
    expect(r.converged).toBe(false)
    expect(r.iterations).toBe(20)
    expect(r.matvecs).toBe(calls)
    expect(r.largest[0]!.value).toBeLessThan(exactMax)
    expect(r.largest[0]!.value).toBeGreaterThan(3.5)
    expect(r.largest[0]!.residual).toBeGreaterThan(1e-6)
  })

  it('refuses bad operators, sizes and options, naming lanczos and the field', () => {
    const refusal = (f: () => unknown) => {
      const e = caught(f)
      expect(e).toBeInstanceOf(ArgumentError)
      return e as ArgumentError
    }
    const id: Matvec = (v) => v
    expect(refusal(() => lanczos(5 as never, 3)).field).toBe('matvec')
    expect(refusal(() => lanczos((v) => v.subarray(1), 3)).message).toBe('lanczos: matvec: call 1 returned 2 numbers; expected n = 3')
    expect(refusal(() => lanczos((v) => v.map(() => NaN), 3)).message).toBe('lanczos: matvec: call 1 returned NaN at entry 0; expected finite numbers')
    expect(refusal(() => lanczos((() => 'x') as never, 3)).message).toContain('returned the string "x"')
    expect(refusal(() => lanczos(id, 0)).field).toBe('n')
    expect(refusal(() => lanczos(id, 3, { k: 0 })).field).toBe('k')
    expect(refusal(() => lanczos(id, 3, { which: 'top' as never })).message).toBe("lanczos: which: expected 'largest', 'smallest' or 'both', got the string \"top\"")
    expect(refusal(() => lanczos(id, 3, { tolerance: 0 })).field).toBe('tolerance')
    expect(refusal(() => lanczos(id, 3, { seed: 0.5 })).field).toBe('seed')
    expect(refusal(() => lanczos(id, 3, { maxIterations: -1 })).field).toBe('maxIterations')
    expect(refusal(() => lanczos(id, 3, { kk: 1 } as never)).message).toContain("did you mean 'k'")
  })

  it('arrays from matvec are accepted; matvec gets a copy (mutating it changes nothing)', () => {
    const r = lanczos((v) => { const out = Array.from(v, (x, i) => (i + 1) * x); v.fill(99); return out as never }, 4, { k: 1, which: 'both' })
    expect(r.largest[0]!.value).toBeCloseTo(4, 12)
    expect(r.smallest[0]!.value).toBeCloseTo(1, 12)
  })
})

describe('powerIteration', () => {
  it('the dominant eigenvalue of matrices with a gap equals the dense one', () => {
    const args = fc.integer({ min: 2, max: 15 }).chain((n) =>
      fc.record({
        rest: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n - 1, maxLength: n - 1 }),
        top: fc.oneof(fc.double({ min: 1.5, max: 4, noNaN: true }), fc.double({ min: -4, max: -1.5, noNaN: true })),
        u: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
    )
    fc.assert(
      fc.property(args, ({ rest, top, u, seed }) => {
        fc.pre(u.some((x) => Math.abs(x) > 0.1))
        const d = [top, ...rest]
        const n = d.length
        const a = householder(u, d)
        const dense = symmetricEigen(a, n).values
        const dominant = Math.abs(dense[0]!) > Math.abs(dense[n - 1]!) ? dense[0]! : dense[n - 1]!
        const r = powerIteration(matvecOf(a, n), n, { seed })
        expect(r.converged).toBe(true)
        expect(r.value).toBeCloseTo(dominant, 10)
        expect(r.residual).toBeCloseTo(residual(a, n, r.value, r.vector), 12)
        expect(r.residual).toBeLessThanOrEqual(1e-10 * Math.abs(dominant))
      }),
      { seed: 1, numRuns: 100 },
    )
  })

  it('a shift by the dominant eigenvalue finds the other end', () => {
    const n = 12
    const a = householder(Array.from({ length: n }, (_, i) => Math.sin(i + 1)), [6, 1, 2, 0.5, -1, -2, 3, 0, 1.5, -0.3, 2.2, 4])
    const top = powerIteration(matvecOf(a, n), n)
    const bottom = powerIteration(matvecOf(a, n), n, { shift: top.value })
    expect(top.value).toBeCloseTo(6, 10)
    expect(bottom.value).toBeCloseTo(-2, 10)
    expect(bottom.residual).toBeLessThan(1e-8)
  })

  it('-m and m of equal magnitude: no convergence, said so', () => {
    const r = powerIteration((v) => Float64Array.of(2 * v[0]!, -2 * v[1]!, 0.5 * v[2]!), 3, { maxIterations: 300 })
    expect(r.converged).toBe(false)
    expect(r.iterations).toBe(300)
    expect(powerIteration((v) => new Float64Array(v.length), 4)).toMatchObject({ value: 0, residual: 0, converged: true, iterations: 1 })
  })

  it('refuses bad input, naming powerIteration and the field', () => {
    const e = caught(() => powerIteration((v) => v, 2, { shift: NaN })) as ArgumentError
    expect(e).toBeInstanceOf(ArgumentError)
    expect(e.message).toBe('powerIteration: shift: expected a finite number, got NaN')
    expect((caught(() => powerIteration((v) => v.subarray(1), 2)) as Error).message).toBe('powerIteration: matvec: call 1 returned 1 numbers; expected n = 2')
    expect((caught(() => powerIteration((v) => v, 2, { tolerance: -1 })) as ArgumentError).field).toBe('tolerance')
  })
})
