import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { labelCounts, type Dataset } from '../../src/data/dataset.js'
import { flower, moons, spirals, xor } from '../../src/data/synthetic.js'
import { key } from '../../src/random/key.js'

const points = (ds: Dataset): [number, number][] => Array.from({ length: ds.n }, (_, i) => [ds.x[2 * i]!, ds.x[2 * i + 1]!])
const classMean = (ds: Dataset, c: number): [number, number] => {
  const ps = points(ds).filter((_, i) => ds.y[i] === c)
  return [ps.reduce((a, p) => a + p[0], 0) / ps.length, ps.reduce((a, p) => a + p[1], 0) / ps.length]
}

describe('flower', () => {
  it('has 400 points, 2 classes of 200, petal radii around 4', () => {
    const ds = flower(key(1))
    expect(ds.n).toBe(400)
    expect(ds.featureShape).toEqual([2])
    expect(ds.classes).toEqual(['red', 'blue'])
    expect(labelCounts(ds)).toEqual([200, 200])
    const radii = points(ds).map(([a, b]) => Math.hypot(a, b))
    expect(Math.max(...radii)).toBeGreaterThan(3.5)
    expect(Math.max(...radii)).toBeLessThan(6)
    expect(flower(key(1))).toEqual(ds)
    expect(flower(key(2)).x).not.toEqual(ds.x)
  })

  it('rejects bad n', () => {
    expect(() => flower(key(0), 1)).toThrow(/n must be an integer >= 2, got 1/)
  })
})

describe('moons', () => {
  it('makes two offset half circles', () => {
    const ds = moons(key(0), 1000, 0.05)
    expect(labelCounts(ds)).toEqual([500, 500])
    const [m0, m1] = [classMean(ds, 0), classMean(ds, 1)]
    expect(m0[0]).toBeCloseTo(0, 1)
    expect(m0[1]).toBeCloseTo(2 / Math.PI, 1)
    expect(m1[0]).toBeCloseTo(1, 1)
    expect(m1[1]).toBeCloseTo(0.5 - 2 / Math.PI, 1)
    const noiseless = moons(key(0), 10, 0)
    points(noiseless).slice(0, 5).forEach(([a, b]) => expect(Math.hypot(a, b)).toBeCloseTo(1, 12))
  })

  it('rejects negative noise', () => {
    expect(() => moons(key(0), 10, -1)).toThrow(/noise/)
  })
})

describe('spirals', () => {
  it('splits n rows over the arms, radius within [0, 1] without noise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 200 }), fc.integer(), (k, extra, seed) => {
        const ds = spirals(key(seed), k + extra, k, 0)
        const counts = labelCounts(ds)
        expect(counts.reduce((a, b) => a + b, 0)).toBe(k + extra)
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
        expect(points(ds).every(([a, b]) => Math.hypot(a, b) <= 1 + 1e-12)).toBe(true)
      }),
      { numRuns: 50 },
    )
    expect(spirals(key(0)).classes).toEqual(['0', '1', '2'])
    expect(() => spirals(key(0), 10, 1)).toThrow(/classes/)
  })
})

describe('xor', () => {
  it('labels points by the sign of x * y', () => {
    const ds = xor(key(0), 1000)
    points(ds).forEach(([a, b], i) => expect(ds.y[i]).toBe(a * b < 0 ? 1 : 0))
    const [c0, c1] = labelCounts(ds) as [number, number]
    expect(Math.abs(c0 - c1)).toBeLessThan(150)
    expect(points(ds).every(([a, b]) => a >= -1 && a < 1 && b >= -1 && b < 1)).toBe(true)
  })
})
