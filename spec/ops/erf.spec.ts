// erf against correctly rounded mpmath values (spec/ops/erf-values.json, from erf-values.py), plus
// special values, odd symmetry, and monotonicity.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { erf } from '../../src/ops/erf.js'

/** The bound src/ops/erf.ts documents: at most 1 ulp from the correctly rounded value. */
const MAX_ULP = 1

const fixture = JSON.parse(readFileSync(new URL('./erf-values.json', import.meta.url), 'utf8')) as {
  readonly columns: readonly string[]
  readonly rows: readonly (readonly [string, string])[]
}
const points = fixture.rows.map(([x, y]) => ({ x: Number(x), truth: Number(y) }))

const view = new DataView(new ArrayBuffer(8))
/** Doubles as integers in the same order (-0 and +0 both map to 0), so differences count ulps. */
const ordinal = (x: number): bigint => {
  view.setFloat64(0, x)
  const bits = view.getBigInt64(0)
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits
}
/** How many representable doubles lie between a and b (0 when equal, NaN unless both or neither are NaN). */
const ulpDistance = (a: number, b: number): number => {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity
  const d = ordinal(a) - ordinal(b)
  return Number(d < 0n ? -d : d)
}
/** The double `k` steps above `x` in the ordering of `ordinal` (x finite, not crossing zero). */
const step = (x: number, k: number): number => {
  view.setFloat64(0, x)
  view.setBigInt64(0, view.getBigInt64(0) + BigInt(x < 0 ? -k : k))
  return view.getFloat64(0)
}

// Regions by |x|: the branches of erf.ts (subnormal/tiny paths, series, continued fraction, exact 1).
const REGIONS: readonly (readonly [string, number, number])[] = [
  ['subnormal or below 2^-1000', 0, 2 ** -1000],
  ['tiny [2^-1000, 2^-28)', 2 ** -1000, 2 ** -28],
  ['series [2^-28, 0.5)', 2 ** -28, 0.5],
  ['series [0.5, 1.5)', 0.5, 1.5],
  ['continued fraction [1.5, 3)', 1.5, 3],
  ['continued fraction [3, 6)', 3, 6],
  ['exact ±1 [6, 30]', 6, Infinity],
]

describe('erf against mpmath', () => {
  it('the fixture spans both signs, subnormals and large arguments', () => {
    expect(fixture.columns).toEqual(['x', 'erf'])
    expect(points.length).toBeGreaterThan(4000)
    expect(points.some((p) => p.x < 0 && p.x > -2.2250738585072014e-308)).toBe(true)
    expect(points.some((p) => p.x === 5e-324)).toBe(true)
    expect(points.some((p) => p.x <= -25)).toBe(true)
    expect(points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.truth))).toBe(true)
  })

  it(`is within ${MAX_ULP} ulp of the correctly rounded value at every fixture point`, () => {
    const worst = points
      .map((p) => ({ ...p, got: erf(p.x), ulps: ulpDistance(erf(p.x), p.truth) }))
      .reduce((w, p) => (p.ulps > w.ulps ? p : w))
    console.log(`erf: max error ${worst.ulps} ulp over ${points.length} points (at x = ${worst.x})`)
    expect(worst.ulps, `erf(${worst.x}) = ${worst.got}, correctly rounded ${worst.truth}`).toBeLessThanOrEqual(MAX_ULP)
  })

  it.each(REGIONS)('region %s: within the bound, and mostly correctly rounded', (_, lo, hi) => {
    const inRegion = points.filter((p) => Math.abs(p.x) >= lo && Math.abs(p.x) < hi)
    expect(inRegion.length).toBeGreaterThan(20)
    const errors = inRegion.map((p) => ulpDistance(erf(p.x), p.truth))
    const max = Math.max(...errors)
    const misrounded = errors.filter((e) => e > 0).length
    console.log(`erf region ${_}: ${inRegion.length} points, max ${max} ulp, ${misrounded} not correctly rounded`)
    expect(max).toBeLessThanOrEqual(MAX_ULP)
    expect(misrounded / inRegion.length).toBeLessThan(0.1)
  })

  it('has the same digits as the documented examples', () => {
    expect(erf(0.5)).toBe(0.5204998778130465)
    expect(erf(1)).toBe(0.8427007929497149)
    expect(erf(1e-300)).toBe(1.1283791670955126e-300)
  })
})

describe('erf special values', () => {
  it('keeps NaN and the sign of zero', () => {
    expect(erf(NaN)).toBeNaN()
    expect(Object.is(erf(0), 0)).toBe(true)
    expect(Object.is(erf(-0), -0)).toBe(true)
  })

  it('is exactly ±1 at infinity, from 6 on, and where it rounds to 1', () => {
    for (const x of [Infinity, Number.MAX_VALUE, 1e300, 30, 6, step(6, -1), 5.93, 5.9215872])
      expect([erf(x), erf(-x)]).toEqual([1, -1])
    // Just below the point where erfc(x) = 2^-54, erf is the double below 1.
    expect(erf(5.9215871)).toBe(1 - 2 ** -53)
    expect(erf(-5.9215871)).toBe(-(1 - 2 ** -53))
  })

  it('keeps tiny and subnormal arguments: erf(x) = x * 2/sqrt(pi) rounded once', () => {
    expect(erf(5e-324)).toBe(5e-324) // 1.128 * smallest subnormal rounds back to it
    expect(erf(-5e-324)).toBe(-5e-324)
    expect(erf(2 ** -1070)).toBe(2 ** -1070 + 2 ** -1073) // 16 * 1.128 = 18.05 subnormal steps
    expect(erf(2.2250738585072014e-308)).toBe(2.5107269871883543e-308) // smallest normal: mpmath, correctly rounded
    expect(erf(1e-20)).toBe(1.1283791670955125e-20) // mpmath: 1.12837916709551251e-20
  })
})

describe('erf properties', () => {
  const wide = fc.oneof(
    fc.double({ noNaN: true }),
    fc.double({ min: -7, max: 7, noNaN: true }),
    fc.double({ min: -1e-5, max: 1e-5, noNaN: true }),
  )

  it('is odd: erf(-x) === -erf(x), bit for bit', () => {
    fc.assert(
      fc.property(wide, (x) => Object.is(erf(-x), -erf(x))),
      { seed: 1729, numRuns: 5000 },
    )
  })

  it('is non-decreasing on sorted random samples', () => {
    fc.assert(
      fc.property(fc.array(wide, { minLength: 2, maxLength: 300 }), (xs) => {
        const ys = [...xs].sort((a, b) => a - b).map(erf)
        return ys.every((y, i) => i === 0 || y >= ys[i - 1]!)
      }),
      { seed: 4242, numRuns: 300 },
    )
  })

  it('is non-decreasing across consecutive doubles at every branch boundary', () => {
    for (const c of [2 ** -1000, 2 ** -28, 0.5, 1, 1.5, 5.9215871957945, 6, -1.5, -0.5]) {
      let previous = erf(step(c, -2000))
      for (let k = -1999; k <= 2000; k++) {
        const y = erf(step(c, k))
        expect(y >= previous, `erf at ${k} ulps from ${c}`).toBe(true)
        previous = y
      }
    }
  })
})
