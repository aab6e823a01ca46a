import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { logLoss } from '../../src/metrics/logLoss.js'

describe('logLoss', () => {
  it('matches the scikit-learn docstring example', () => {
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) = 0.21616...
    // with ham = 0, spam = 1
    const probs = new Float64Array([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65])
    expect(logLoss([1, 0, 0, 1], probs, 2)).toBeCloseTo(0.21616187468057912, 14)
  })

  it('matches a hand-computed 3-class value', () => {
    const probs = new Float64Array([0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.25, 0.5, 0.25])
    expect(logLoss(new Float64Array([0, 2, 1]), probs, 3)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8) + Math.log(0.5)) / 3, 14)
  })

  it('clips to [eps, 1 - eps]', () => {
    const wrong = new Float64Array([1, 0])
    expect(logLoss([1], wrong, 2)).toBeCloseTo(-Math.log(1e-15), 10)
    expect(logLoss([1], wrong, 2, 1e-7)).toBeCloseTo(-Math.log(1e-7), 10)
    expect(logLoss([1], wrong, 2, 0)).toBe(Infinity)
    expect(logLoss([0], wrong, 2)).toBeCloseTo(-Math.log(1 - 1e-15), 20)
  })

  it('lies in [0, -log(eps)] for valid probabilities', () => {
    const rows = fc.integer({ min: 1, max: 5 }).chain((k) =>
      fc.record({
        k: fc.constant(k),
        rows: fc.array(
          fc.tuple(
            fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: k, maxLength: k }),
            fc.integer({ min: 0, max: k - 1 }),
          ),
          { minLength: 1, maxLength: 10 },
        ),
      }),
    )
    fc.assert(
      fc.property(rows, ({ k, rows }) => {
        const probs = new Float64Array(rows.length * k)
        rows.forEach(([w], r) => {
          const s = w.reduce((a, b) => a + b, 0)
          w.forEach((v, c) => (probs[r * k + c] = s > 0 ? v / s : 1 / k))
        })
        const loss = logLoss(rows.map(([, y]) => y), probs, k)
        expect(loss).toBeGreaterThanOrEqual(0)
        expect(loss).toBeLessThanOrEqual(-Math.log(1e-15) + 1e-9)
      }),
    )
  })

  it('rejects NaN, out-of-range and unnormalized probabilities, and shape mismatches', () => {
    const ok = new Float64Array([0.5, 0.5])
    expect(() => logLoss([0], new Float64Array([NaN, 1]), 2)).toThrow(
      /^logLoss: probs\[0\] \(row 0, column 0\) = NaN; expected a probability in \[0, 1\]$/,
    )
    expect(() => logLoss([0], new Float64Array([2, -1]), 2)).toThrow(/^logLoss: probs\[0\] .* = 2; expected a probability/)
    expect(() => logLoss([0], new Float64Array([0.5, 0.4]), 2)).toThrow(
      /^logLoss: probs row 0 sums to 0.9; expected probabilities summing to 1/,
    )
    expect(() => logLoss([0, 1], ok, 2)).toThrow(/^logLoss: yTrue has length 2 but probs has 1 rows of k = 2; expected one label per row$/)
    expect(() => logLoss([0], new Float64Array(3), 2)).toThrow(/^logLoss: probs has length 3, not a multiple of k = 2/)
    expect(() => logLoss([2], ok, 2)).toThrow(/^logLoss: yTrue\[0\] = 2 is outside the class range; expected an integer in \[0, 2\)$/)
    expect(() => logLoss([0], ok, 2, 0.7)).toThrow(/^logLoss: eps = 0.7; expected a clipping bound in \[0, 0.5\)$/)
    expect(() => logLoss([], new Float64Array(0), 2)).toThrow(/^logLoss: .*expected at least one sample$/)
  })
})
