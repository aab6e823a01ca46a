import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ewma } from '../../src/plot/smooth.js'

/** Distance in units in the last place (for finite doubles of the same sign). */
const ulps = (a: number, b: number): number => {
  const bits = (x: number) => new BigInt64Array(Float64Array.of(x).buffer)[0]!
  return Math.abs(Number(bits(a) - bits(b)))
}

/** The course's formulas literally: v_t = beta v_(t-1) + (1 - beta) x_t, corrected v_t / (1 - beta^t). */
const literal = (xs: readonly number[], beta: number, corrected: boolean): number[] => {
  let v = 0
  return xs.map((x, i) => {
    v = beta * v + (1 - beta) * x
    return corrected ? v / (1 - beta ** (i + 1)) : v
  })
}

describe('ewma', () => {
  it('hand-computed values (beta 0.5 and the temperatures with beta 0.9)', () => {
    // v1 = 0.5 * 2 = 1, v2 = 0.5 + 0.5 * 4 = 2.5, v3 = 1.25 + 0.5 * 8 = 5.25 (all exact)
    expect(ewma([2, 4, 8], 0.5, { biasCorrection: false })).toEqual(Float64Array.of(1, 2.5, 5.25))
    // corrected: 1 / 0.5 = 2, 2.5 / 0.75 = 10 / 3, 5.25 / 0.875 = 6
    const c = ewma([2, 4, 8], 0.5)
    expect(c[0]).toBe(2)
    expect(Math.abs(c[1]! - 10 / 3)).toBeLessThanOrEqual(1e-15 * 10 / 3)
    expect(Math.abs(c[2]! - 6)).toBeLessThanOrEqual(1e-15 * 6)
    // theta = 40, 49, 45 (degrees F) with beta 0.9: v = 4, 8.5, 12.15; corrected 40, 8.5 / 0.19, 12.15 / 0.271
    const t = ewma([40, 49, 45], 0.9, { biasCorrection: false })
    ;[4, 8.5, 12.15].forEach((want, i) => expect(Math.abs(t[i]! - want)).toBeLessThanOrEqual(1e-14))
    const tc = ewma([40, 49, 45], 0.9)
    ;[40, 8.5 / 0.19, 12.15 / 0.271].forEach((want, i) => expect(Math.abs(tc[i]! - want)).toBeLessThanOrEqual(1e-13))
  })

  it('equals the literal course formulas to a few ulps (random series)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.boolean(),
        (xs, beta, corrected) => {
          const got = ewma(xs, beta, { biasCorrection: corrected })
          const want = literal(xs, beta, corrected)
          const scale = Math.max(...xs.map(Math.abs), 1e-300)
          // errors relative to the series' scale: cancellation makes single values arbitrarily small
          return want.every((w, i) => Math.abs(got[i]! - w) <= 1e-13 * scale / (1 - beta))
        },
      ),
      { seed: 3, numRuns: 300 },
    )
  })

  it('the corrected average of a constant series is the constant exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (c, beta) => {
        const got = ewma(new Float64Array(500).fill(c), beta)
        return got.every((v) => v === c)
      }),
      { seed: 4, numRuns: 200 },
    )
    // the literal division drifts (why ewma uses the running mean): hundreds of ulps for beta 0.999
    const drift = literal(new Array<number>(3000).fill(Math.PI), 0.999, true)
    expect(Math.max(...drift.map((v) => ulps(v, Math.PI)))).toBeGreaterThan(10)
  })

  it('beta 0 is the identity, corrected or not', () => {
    const xs = [1e-20, 0.1, -3, 1e300, 1, 0, 5e-324, -2.5]
    expect(Array.from(ewma(xs, 0))).toEqual(xs)
    expect(Array.from(ewma(xs, 0, { biasCorrection: false }))).toEqual(xs)
  })

  it('the first corrected value is the first value; uncorrected starts at (1 - beta) x_1', () => {
    expect(ewma([7.3, 1], 0.98)[0]).toBe(7.3)
    expect(ewma([7.3, 1], 0.98, { biasCorrection: false })[0]).toBe((1 - 0.98) * 7.3)
  })

  it('takes any array-like and returns a new Float64Array; empty in, empty out', () => {
    const src = Float64Array.of(1, 2)
    const out = ewma(src, 0.5)
    expect(out).toBeInstanceOf(Float64Array)
    expect(out).not.toBe(src)
    expect(src).toEqual(Float64Array.of(1, 2))
    expect(ewma([], 0.9)).toEqual(new Float64Array(0))
  })

  it('bad input is a clear error naming the field or the index', () => {
    expect(() => ewma([1, 2], 1)).toThrow('ewma: beta must be in [0, 1), got 1')
    expect(() => ewma([1, 2], -0.1)).toThrow('ewma: beta must be in [0, 1), got -0.1')
    expect(() => ewma([1, 2], NaN)).toThrow('ewma: beta must be in [0, 1), got NaN')
    expect(() => ewma([1, 2], '0.9' as never)).toThrow('ewma: beta: expected a number, got the string "0.9"')
    expect(() => ewma([1, NaN, 3], 0.9)).toThrow('ewma: series[1]: expected a finite number, got NaN')
    expect(() => ewma([1, 2, Infinity], 0.9)).toThrow('ewma: series[2]: expected a finite number, got Infinity')
    expect(() => ewma([1, '2'] as never, 0.9)).toThrow('ewma: series[1]: expected a finite number, got the string "2"')
    expect(() => ewma(5 as never, 0.9)).toThrow('ewma: series: expected an array of numbers, got 5')
    expect(() => ewma([1], 0.9, { biasCorection: false } as never)).toThrow(/ewma: biasCorection: unknown option; did you mean 'biasCorrection'\?/)
    expect(() => ewma([1], 0.9, { biasCorrection: 1 } as never)).toThrow(/ewma: biasCorrection: expected true or false, got 1/)
  })
})
