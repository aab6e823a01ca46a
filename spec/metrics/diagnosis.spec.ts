import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { learningCurveDiagnosis } from '../../src/metrics/diagnosis.js'

describe('learningCurveDiagnosis', () => {
  // The four cases from Andrew Ng's bias/variance lecture (human-level error ~ 0%, then 7.5%/8% baselines).
  it.each([
    [{ baselineError: 0, trainError: 0.01, devError: 0.11 }, 'high variance'],
    [{ baselineError: 0, trainError: 0.15, devError: 0.16 }, 'high bias'],
    [{ baselineError: 0, trainError: 0.15, devError: 0.3 }, 'high bias and high variance'],
    [{ baselineError: 0, trainError: 0.005, devError: 0.01 }, 'good fit'],
    // Ng's baseline comparison: same train/dev errors, different human-level error.
    [{ baselineError: 0.01, trainError: 0.08, devError: 0.1 }, 'high bias'],
    [{ baselineError: 0.075, trainError: 0.08, devError: 0.1 }, 'good fit'],
  ] as const)('%j -> %s', (input, verdict) => {
    expect(learningCurveDiagnosis(input).verdict).toBe(verdict)
  })

  it('does not let rounding flip a gap equal to the threshold (0.1 - 0.08 > 0.02 in float64)', () => {
    expect(0.1 - 0.08 > 0.02).toBe(true)
    expect(learningCurveDiagnosis({ baselineError: 0.06, trainError: 0.08, devError: 0.1 }).verdict).toBe('good fit')
    expect(learningCurveDiagnosis({ baselineError: 0.075, trainError: 0.08, devError: 0.1 }, { threshold: 0.01 }).verdict).toBe(
      'high variance',
    )
  })

  it('computes avoidable bias and variance as differences', () => {
    const d = learningCurveDiagnosis({ baselineError: 0.106, trainError: 0.108, devError: 0.148 })
    expect(d.avoidableBias).toBeCloseTo(0.002, 14)
    expect(d.variance).toBeCloseTo(0.04, 14)
    expect(d.verdict).toBe('high variance')
    expect(d.suggestion).toMatch(/more training data/)
    expect(d.suggestion).toMatch(/regularization/)
    expect(d.suggestion).not.toContain('\n')
  })

  it('suggests a bigger network / longer training for bias', () => {
    const d = learningCurveDiagnosis({ baselineError: 0.01, trainError: 0.2, devError: 0.2 })
    expect(d.suggestion).toMatch(/bigger network/)
    expect(d.suggestion).toMatch(/train longer/)
  })

  it('respects the threshold option (only larger gaps count as high)', () => {
    const input = { baselineError: 0, trainError: 0.25, devError: 0.5 }
    expect(learningCurveDiagnosis(input, { threshold: 0.25 }).verdict).toBe('good fit')
    expect(learningCurveDiagnosis(input, { threshold: 0.2 }).verdict).toBe('high bias and high variance')
    expect(learningCurveDiagnosis(input, { threshold: 0 }).verdict).toBe('high bias and high variance')
  })

  it('gives a verdict consistent with the gaps', () => {
    const rate = fc.double({ min: 0, max: 1, noNaN: true })
    fc.assert(
      fc.property(rate, rate, rate, fc.double({ min: 0, max: 0.5, noNaN: true }), (baselineError, trainError, devError, threshold) => {
        const d = learningCurveDiagnosis({ baselineError, trainError, devError }, { threshold })
        const bias = trainError - baselineError - threshold > 1e-9
        const variance = devError - trainError - threshold > 1e-9
        expect(d.verdict.includes('bias')).toBe(bias)
        expect(d.verdict.includes('variance')).toBe(variance)
        expect(d.verdict === 'good fit').toBe(!bias && !variance)
      }),
    )
  })

  it('rejects percentages, NaN and bad thresholds', () => {
    expect(() => learningCurveDiagnosis({ baselineError: 1, trainError: 8, devError: 10 })).toThrow(
      /^learningCurveDiagnosis: trainError = 8; expected an error rate in \[0, 1\] \(a fraction, not a percentage\)$/,
    )
    expect(() => learningCurveDiagnosis({ baselineError: NaN, trainError: 0, devError: 0 })).toThrow(/baselineError = NaN/)
    expect(() => learningCurveDiagnosis({ baselineError: 0, trainError: 0, devError: -0.1 })).toThrow(/devError = -0.1/)
    expect(() => learningCurveDiagnosis({ baselineError: 0, trainError: 0, devError: 0 }, { threshold: -1 })).toThrow(
      /^learningCurveDiagnosis: threshold = -1; expected a finite number >= 0$/,
    )
  })
})
