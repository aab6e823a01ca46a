import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatTick, logTicks, niceStep, niceTicks } from '../../src/plot/ticks.js'

/** True when `step` is 1, 2 or 5 times a power of ten (up to float rounding). */
const is125 = (step: number): boolean => {
  const mag = 10 ** Math.floor(Math.log10(step) + 1e-12)
  const m = step / mag
  return [1, 2, 5, 10].some((c) => Math.abs(m - c) < 1e-9 * c)
}

const finite = fc.oneof(
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  fc.double({ min: -1e300, max: 1e300, noNaN: true }),
)

describe('niceStep', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect([0.13, 0.2, 0.21, 1, 3, 7, 10, 4500].map(niceStep)).toEqual([0.2, 0.2, 0.5, 1, 5, 10, 10, 5000])
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1e12, noNaN: true }), (raw) => {
        const s = niceStep(raw)
        expect(is125(s)).toBe(true)
        expect(s).toBeGreaterThanOrEqual(raw * (1 - 1e-12))
        expect(s).toBeLessThanOrEqual(raw * 2.5 * (1 + 1e-12)) // the largest jump is just above 2 -> 5
      }),
    )
  })

  it('rejects non-positive input', () => {
    expect(() => niceStep(0)).toThrow(/^niceStep: raw = 0; expected a finite number > 0$/)
  })
})

describe('niceTicks', () => {
  it('covers the data range with evenly spaced 1-2-5 steps', () => {
    fc.assert(
      fc.property(finite, finite, fc.integer({ min: 1, max: 12 }), (a, b, target) => {
        const [min, max] = a <= b ? [a, b] : [b, a]
        const { ticks, step } = niceTicks(min, max, target)
        expect(is125(step)).toBe(true)
        expect(ticks[0]!).toBeLessThanOrEqual(min)
        expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max)
        expect(ticks.length).toBeGreaterThanOrEqual(2)
        expect(ticks.length - 1).toBeLessThanOrEqual(target + 2)
        for (let i = 1; i < ticks.length; i++) {
          expect(Math.abs(ticks[i]! - ticks[i - 1]! - step)).toBeLessThanOrEqual(1e-6 * step)
          // every tick is a whole multiple of the step
          expect(Math.abs(ticks[i]! / step - Math.round(ticks[i]! / step))).toBeLessThan(1e-6)
        }
      }),
    )
  })

  it('gives clean decimal values', () => {
    expect(niceTicks(0.1, 0.7, 6).ticks).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    expect(niceTicks(-3, 7).ticks).toEqual([-4, -2, 0, 2, 4, 6, 8])
    expect(niceTicks(0, 0).ticks).toEqual([-1, -0.5, 0, 0.5, 1])
  })

  it('rejects bad ranges and targets', () => {
    expect(() => niceTicks(2, 1)).toThrow(/^niceTicks: range \[2, 1\]; expected min <= max within ±1e300$/)
    expect(() => niceTicks(-1e308, 1e308)).toThrow(/^niceTicks: range/)
    expect(() => niceTicks(0, NaN)).toThrow(/^niceTicks: range/)
    expect(() => niceTicks(0, 1, 0)).toThrow(/^niceTicks: target = 0; expected a positive integer/)
  })
})

describe('logTicks', () => {
  it('covers the range with powers of ten, plus 2x and 5x over at most two decades', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
        fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        (a, b, target) => {
          const [min, max] = a <= b ? [a, b] : [b, a]
          const { ticks } = logTicks(min, max, target)
          expect(ticks[0]!).toBeLessThanOrEqual(min)
          expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max)
          for (const t of ticks) expect(is125(t)).toBe(true)
          for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!)
          expect(ticks.length).toBeLessThanOrEqual(Math.max(7, target + 2))
        },
      ),
    )
  })

  it('rejects non-positive ranges', () => {
    expect(() => logTicks(0, 1)).toThrow(/^logTicks: range \[0, 1\]; expected 1e-300 <= min <= max <= 1e300$/)
  })
})

describe('formatTick', () => {
  it('prints just enough decimals and switches to exponents at the extremes', () => {
    expect(niceTicks(0.1, 0.3, 2).ticks.map((t) => formatTick(t, 0.1))).toEqual(['0.1', '0.2', '0.3'])
    expect(formatTick(-0.5, 0.5)).toBe('-0.5')
    expect(formatTick(-0, 1)).toBe('0')
    expect(formatTick(1.5e-5, 5e-6)).toBe('1.5e-5')
    expect(formatTick(12_000_000, 2_000_000)).toBe('1.2e+7')
    expect(formatTick(0.001, 0.001)).toBe('0.001')
  })
})
