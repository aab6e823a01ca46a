import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { key, split, type Key } from '../../src/random/key.js'
import { normalAt, uniformAt } from '../../src/random/threefry.js'
import {
  bernoulli,
  choice,
  normal,
  permutation,
  randomInt,
  shuffleArray,
  truncatedNormal,
  uniform,
} from '../../src/random/sample.js'

const N = 100_000
const meanOf = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  return s / xs.length
}
const varOf = (xs: ArrayLike<number>): number => {
  const m = meanOf(xs)
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2
  return s / xs.length
}
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i])) as boolean

describe('uniform', () => {
  it('is deterministic (bit-identical) and equals uniformAt element-wise', () => {
    const k = key(1)
    const a = uniform(k, 1000)
    expect(same(a, uniform(key(1), 1000))).toBe(true)
    a.forEach((v, i) => expect(v).toBe(uniformAt(k.k0, k.k1, i)))
  })

  it('stays in [0, 1) with mean 1/2 and variance 1/12 for n = 1e5', () => {
    const u = uniform(key(2), N)
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true)
    expect(Math.abs(meanOf(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N))
    expect(Math.abs(varOf(u) - 1 / 12)).toBeLessThan(0.002)
  })

  it('puts about a tenth of the draws in each tenth of [0, 1) (chi-square)', () => {
    const u = uniform(key(3), N)
    const bins = new Array<number>(10).fill(0)
    u.forEach((v) => bins[Math.floor(v * 10)]!++)
    const chi2 = bins.reduce((s, c) => s + (c - N / 10) ** 2 / (N / 10), 0)
    expect(chi2).toBeLessThan(27.9) // p = 0.001 for 9 degrees of freedom
  })

  it('scales to [lo, hi) and is prefix-consistent', () => {
    const u = uniform(key(4), 500, -3, 5)
    expect(u.every((v) => v >= -3 && v < 5)).toBe(true)
    expect(same(uniform(key(4), 100, -3, 5), u.subarray(0, 100))).toBe(true)
  })

  it('split keys give different streams', () => {
    const [a, b] = split(key(0)) as [Key, Key]
    const ua = uniform(a, 1000)
    const ub = uniform(b, 1000)
    expect(ua.filter((v, i) => v === ub[i]).length).toBe(0)
    const ma = meanOf(ua)
    const mb = meanOf(ub)
    let cov = 0
    for (let i = 0; i < 1000; i++) cov += (ua[i]! - ma) * (ub[i]! - mb)
    expect(Math.abs(cov / 1000 / (1 / 12))).toBeLessThan(0.15)
  })

  it('rejects bad arguments', () => {
    expect(() => uniform(key(0), -1)).toThrow(/n must be/)
    expect(() => uniform(key(0), 2.5)).toThrow(RangeError)
    expect(() => uniform(key(0), 3, 1, 1)).toThrow(/lo < hi/)
    expect(() => uniform(key(0), 3, 0, Infinity)).toThrow(/hi/)
  })
})

describe('normal', () => {
  it('has mean and std within tolerance for n = 1e5', () => {
    const z = normal(key(5), N, 2, 3)
    expect(Math.abs(meanOf(z) - 2)).toBeLessThan(5 * 3 / Math.sqrt(N))
    expect(Math.abs(Math.sqrt(varOf(z)) - 3)).toBeLessThan(0.05)
  })

  it('matches normalAt element-wise, also for odd n', () => {
    const k = key(6)
    const z = normal(k, 101)
    z.forEach((v, i) => expect(v).toBe(normalAt(k.k0, k.k1, i)))
    expect(same(normal(key(6), 101), z)).toBe(true)
  })

  it('rejects a negative std', () => {
    expect(() => normal(key(0), 3, 0, -1)).toThrow(/std/)
  })
})

describe('truncatedNormal', () => {
  it('stays within 2 std and keeps a sensible spread', () => {
    const z = truncatedNormal(key(7), N, 1, 0.5)
    expect(z.every((v) => Math.abs(v - 1) <= 1)).toBe(true)
    expect(Math.abs(meanOf(z) - 1)).toBeLessThan(0.01)
    // std of a standard normal truncated to [-2, 2] is about 0.8796
    expect(Math.abs(Math.sqrt(varOf(z)) / 0.5 - 0.8796)).toBeLessThan(0.01)
    expect(same(truncatedNormal(key(7), 1000, 1, 0.5), z.subarray(0, 1000))).toBe(true)
  })
})

describe('bernoulli', () => {
  it('gives 0/1 with frequency p', () => {
    const b = bernoulli(key(8), N, 0.3)
    expect(b.every((v) => v === 0 || v === 1)).toBe(true)
    expect(Math.abs(meanOf(b) - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / N))
    expect(bernoulli(key(8), 50, 0).every((v) => v === 0)).toBe(true)
    expect(bernoulli(key(8), 50, 1).every((v) => v === 1)).toBe(true)
  })

  it('rejects p outside [0, 1]', () => {
    expect(() => bernoulli(key(0), 3, 1.5)).toThrow(/p must be/)
    expect(() => bernoulli(key(0), 3, Number.NaN)).toThrow(RangeError)
  })
})

describe('randomInt', () => {
  it('draws every value of [lo, hi) about equally often', () => {
    const r = randomInt(key(9), 60_000, -2, 4)
    const counts = new Map<number, number>()
    r.forEach((v) => counts.set(v, (counts.get(v) ?? 0) + 1))
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3])
    counts.forEach((c) => expect(Math.abs(c - 10_000)).toBeLessThan(500))
  })

  it('handles huge ranges and rejects bad bounds', () => {
    const r = randomInt(key(1), 100, -(2 ** 52), 2 ** 52)
    expect(r.every((v) => Number.isSafeInteger(v) && v >= -(2 ** 52) && v < 2 ** 52)).toBe(true)
    expect(() => randomInt(key(0), 3, 2, 2)).toThrow(/lo < hi/)
    expect(() => randomInt(key(0), 3, 0.5, 2)).toThrow(/lo must be/)
  })
})

describe('permutation', () => {
  it('is a permutation of 0..n-1 (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(300), (seed, n) => {
        const p = permutation(key(seed), n)
        const sorted = [...p].sort((a, b) => a - b)
        return p.length === n && sorted.every((v, i) => v === i)
      }),
    )
  })

  it('is deterministic and puts each element everywhere about equally often', () => {
    expect(same(permutation(key(3), 50), permutation(key(3), 50))).toBe(true)
    const pos = Array.from({ length: 4 }, () => new Array<number>(4).fill(0))
    for (let s = 0; s < 4000; s++) permutation(key(s), 4).forEach((v, i) => pos[v]![i]!++)
    pos.flat().forEach((c) => expect(Math.abs(c - 1000)).toBeLessThan(150))
  })

  it('rejects bad n', () => {
    expect(() => permutation(key(0), -2)).toThrow(/n must be/)
  })
})

describe('shuffleArray and choice', () => {
  it('shuffleArray reorders a copy', () => {
    const xs = ['a', 'b', 'c', 'd', 'e', 'f']
    const s = shuffleArray(key(0), xs)
    expect([...s].sort()).toEqual(xs)
    expect(xs).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
  })

  it('choice without replacement gives distinct indices, with replacement may repeat', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 50 }), fc.nat(50), (seed, pop, c) => {
        const count = Math.min(c, pop)
        const d = choice(key(seed), pop, count)
        return d.length === count && new Set(d).size === count && d.every((v) => v >= 0 && v < pop)
      }),
    )
    const r = choice(key(1), 3, 100, true)
    expect(r.every((v) => v >= 0 && v < 3)).toBe(true)
    expect(new Set(r).size).toBe(3)
    expect(() => choice(key(0), 3, 4)).toThrow(/count must be <= population/)
    expect(() => choice(key(0), 0, 1, true)).toThrow(/empty/)
  })
})
