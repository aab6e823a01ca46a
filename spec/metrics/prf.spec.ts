import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accuracy } from '../../src/metrics/classification.js'
import { binaryMetrics, precisionRecallF1 } from '../../src/metrics/prf.js'
import { labelPairs } from './arbitraries.js'

describe('precisionRecallF1', () => {
  // Hand-worked 3-class example. Confusion matrix (rows = true class):
  //   [[2, 1, 0],    column sums 2, 2, 4; supports 3, 2, 3
  //    [0, 1, 1],
  //    [0, 0, 3]]
  // class 0: P = 2/2 = 1,    R = 2/3, F1 = 2*2 / (2*2 + 0 + 1) = 4/5
  // class 1: P = 1/2,        R = 1/2, F1 = 2 / (2 + 1 + 1)      = 1/2
  // class 2: P = 3/4,        R = 3/3, F1 = 6 / (6 + 1 + 0)      = 6/7
  // macro:    P = (1 + 1/2 + 3/4) / 3 = 3/4, R = (2/3 + 1/2 + 1) / 3 = 13/18, F1 = (4/5 + 1/2 + 6/7) / 3 = 151/210
  // weighted: P = (3*1 + 2/2 + 3*3/4) / 8 = 25/32, R = 6/8, F1 = (12/5 + 1 + 18/7) / 8 = 209/280
  const m = precisionRecallF1([0, 0, 0, 1, 1, 2, 2, 2], new Float64Array([0, 1, 0, 1, 2, 2, 2, 2]), 3)

  it('matches the hand-computed per-class values', () => {
    const expected = [
      { precision: 1, recall: 2 / 3, f1: 4 / 5, support: 3 },
      { precision: 1 / 2, recall: 1 / 2, f1: 1 / 2, support: 2 },
      { precision: 3 / 4, recall: 1, f1: 6 / 7, support: 3 },
    ]
    m.perClass.forEach((c, i) => {
      for (const key of ['precision', 'recall', 'f1', 'support'] as const) expect(c[key]).toBeCloseTo(expected[i]![key], 14)
    })
    expect(m.k).toBe(3)
    expect(m.support).toBe(8)
    expect(m.accuracy).toBe(0.75)
  })

  it('matches the hand-computed macro and weighted averages', () => {
    expect(m.macro.precision).toBeCloseTo(3 / 4, 14)
    expect(m.macro.recall).toBeCloseTo(13 / 18, 14)
    expect(m.macro.f1).toBeCloseTo(151 / 210, 14)
    expect(m.macro.support).toBe(8)
    expect(m.weighted.precision).toBeCloseTo(25 / 32, 14)
    expect(m.weighted.recall).toBeCloseTo(3 / 4, 14)
    expect(m.weighted.f1).toBeCloseTo(209 / 280, 14)
  })

  it('matches scikit-learn zero_division=0 for unpredicted and absent classes', () => {
    // precision_recall_fscore_support([0, 0, 1], [0, 0, 0], labels=[0, 1, 2], zero_division=0)
    const z = precisionRecallF1([0, 0, 1], [0, 0, 0], 3)
    expect(z.perClass[0]!.precision).toBeCloseTo(2 / 3, 14)
    expect(z.perClass[0]!.recall).toBe(1)
    expect(z.perClass[0]!.f1).toBeCloseTo(0.8, 14)
    expect(z.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 })
    expect(z.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 })
    expect(z.macro.precision).toBeCloseTo(2 / 9, 14)
    expect(z.macro.recall).toBeCloseTo(1 / 3, 14)
    expect(z.macro.f1).toBeCloseTo(0.8 / 3, 14)
    expect(z.weighted.precision).toBeCloseTo(4 / 9, 14)
    expect(z.weighted.f1).toBeCloseTo(1.6 / 3, 14)
  })

  it('matches the scikit-learn classification_report docstring example', () => {
    // y_true = [0, 1, 2, 2, 2], y_pred = [0, 0, 2, 2, 1]: macro avg 0.50 0.56 0.49, weighted 0.70 0.60 0.61
    const s = precisionRecallF1([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3)
    expect(s.macro.precision).toBeCloseTo(0.5, 14)
    expect(s.macro.recall).toBeCloseTo(5 / 9, 14)
    expect(s.macro.f1).toBeCloseTo((2 / 3 + 0 + 0.8) / 3, 14)
    expect(s.weighted.precision).toBeCloseTo(0.7, 14)
    expect(s.weighted.f1).toBeCloseTo((2 / 3 + 2.4) / 5, 14)
  })

  it('is all zeros with no samples', () => {
    const e = precisionRecallF1([], [], 2)
    expect(e.macro).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 })
    expect(e.weighted).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 })
    expect(e.accuracy).toBe(0)
  })

  it('keeps F1 between min and max of precision and recall, all in [0, 1]', () => {
    fc.assert(
      fc.property(labelPairs, ({ k, yTrue, yPred }) => {
        for (const c of precisionRecallF1(yTrue, yPred, k).perClass) {
          for (const v of [c.precision, c.recall, c.f1]) expect(v >= 0 && v <= 1).toBe(true)
          expect(c.f1).toBeGreaterThanOrEqual(Math.min(c.precision, c.recall) - 1e-12)
          expect(c.f1).toBeLessThanOrEqual(Math.max(c.precision, c.recall) + 1e-12)
        }
      }),
    )
  })

  it('gives macro = weighted = 1 for a perfect prediction covering every class', () => {
    fc.assert(
      fc.property(labelPairs, ({ k, yTrue }) => {
        const y = [...Array.from({ length: k }, (_, c) => c), ...yTrue]
        const p = precisionRecallF1(y, y, k)
        expect(p.macro).toEqual({ precision: 1, recall: 1, f1: 1, support: y.length })
        expect(p.weighted.f1).toBeCloseTo(1, 12)
        expect(p.accuracy).toBe(1)
      }),
    )
  })

  it('has weighted recall = accuracy and supports summing to n', () => {
    fc.assert(
      fc.property(labelPairs, ({ k, yTrue, yPred }) => {
        fc.pre(yTrue.length > 0)
        const p = precisionRecallF1(yTrue, yPred, k)
        expect(p.weighted.recall).toBeCloseTo(accuracy(yTrue, yPred), 12)
        expect(p.accuracy).toBeCloseTo(accuracy(yTrue, yPred), 12)
        expect(p.perClass.reduce((a, c) => a + c.support, 0)).toBe(yTrue.length)
      }),
    )
  })

  it('agrees with binaryMetrics one class at a time', () => {
    fc.assert(
      fc.property(labelPairs, ({ k, yTrue, yPred }) => {
        const p = precisionRecallF1(yTrue, yPred, k)
        p.perClass.forEach((c, positive) => {
          const b = binaryMetrics(yTrue, yPred, positive)
          expect(b.precision).toBeCloseTo(c.precision, 12)
          expect(b.recall).toBeCloseTo(c.recall, 12)
          expect(b.f1).toBeCloseTo(c.f1, 12)
          expect(b.tp + b.fn).toBe(c.support)
        })
      }),
    )
  })

  it('rejects labels outside [0, k)', () => {
    expect(() => precisionRecallF1([0, 1, 2], [0, 1, 1], 2)).toThrow(
      /^confusionMatrix: yTrue\[2\] = 2 is outside the class range; expected an integer in \[0, 2\)$/,
    )
  })
})

describe('binaryMetrics', () => {
  it('matches hand-computed counts and ratios', () => {
    //          yTrue 1 1 1 0 0 0 0
    //          yPred 1 1 0 1 0 0 0   -> tp 2, fn 1, fp 1, tn 3
    const m = binaryMetrics([1, 1, 1, 0, 0, 0, 0], [1, 1, 0, 1, 0, 0, 0])
    expect(m).toEqual({
      tp: 2,
      fp: 1,
      tn: 3,
      fn: 1,
      precision: 2 / 3,
      recall: 2 / 3,
      f1: 2 / 3,
      specificity: 3 / 4,
      accuracy: 5 / 7,
      positiveClass: 1,
      warnings: ['binaryMetrics: no positive class given, so label 1 is positive; name it: binaryMetrics(yTrue, yPred, { positiveClass })'],
    })
  })

  it('takes the positive class as a number or { positiveClass }, with the same result and no warning', () => {
    const yTrue = [2, 0, 1, 2, 1, 1]
    const yPred = [2, 2, 1, 0, 1, 0]
    const a = binaryMetrics(yTrue, yPred, 1)
    const b = binaryMetrics(yTrue, yPred, { positiveClass: 1 })
    expect(a).toEqual(b)
    expect([a.tp, a.fp, a.tn, a.fn]).toEqual([2, 0, 3, 1])
    expect(a.positiveClass).toBe(1)
    expect(a.warnings).toEqual([])
  })

  it('warns when the positive class is the majority of yTrue (more than half the rows), not at exactly half', () => {
    // Malignant (0) is the minority here: no warning; benign (1) is the majority: a warning naming the counts.
    const yTrue = [0, 0, 1, 1, 1]
    const yPred = [0, 1, 1, 1, 1]
    expect(binaryMetrics(yTrue, yPred, { positiveClass: 0 }).warnings).toEqual([])
    expect(binaryMetrics(yTrue, yPred, { positiveClass: 1 }).warnings).toEqual([
      'binaryMetrics: the positive class 1 is the majority class of yTrue (3 of 5 rows); on skewed data the rare class is usually the positive one, whose precision and recall matter',
    ])
    expect(binaryMetrics([0, 1], [0, 1], { positiveClass: 1 }).warnings).toEqual([])
    // No positive class given and label 1 the majority: both warnings, the missing class first.
    const w = binaryMetrics([1, 1, 0], [1, 1, 0]).warnings
    expect(w).toHaveLength(2)
    expect(w[0]).toMatch(/no positive class given/)
    expect(w[1]).toMatch(/majority class of yTrue \(2 of 3 rows\)/)
  })

  it('warns about the majority exactly when positives outnumber negatives', () => {
    fc.assert(
      fc.property(labelPairs, fc.integer({ min: 0, max: 5 }), ({ yTrue, yPred }, positiveClass) => {
        const m = binaryMetrics(yTrue, yPred, { positiveClass })
        const positives = yTrue.filter((y) => y === positiveClass).length
        expect(m.warnings.length).toBe(positives > yTrue.length - positives ? 1 : 0)
      }),
      { seed: 1, numRuns: 200 },
    )
  })

  it('uses the positive argument and treats every other label as negative', () => {
    const m = binaryMetrics([2, 0, 1, 2], [2, 2, 1, 0], 2)
    expect([m.tp, m.fp, m.tn, m.fn]).toEqual([1, 1, 1, 1])
  })

  it('returns 0 on zero division', () => {
    const m = binaryMetrics([0, 0], [0, 0])
    expect([m.precision, m.recall, m.f1, m.specificity, m.accuracy]).toEqual([0, 0, 0, 1, 1])
    expect(binaryMetrics([1], [1]).specificity).toBe(0)
    expect(binaryMetrics([], []).accuracy).toBe(0)
  })

  it('counts sum to n', () => {
    fc.assert(
      fc.property(labelPairs, ({ yTrue, yPred }) => {
        const m = binaryMetrics(yTrue, yPred, 0)
        expect(m.tp + m.fp + m.tn + m.fn).toBe(yTrue.length)
      }),
    )
  })

  it('rejects bad input', () => {
    expect(() => binaryMetrics([1], [1], -1)).toThrow(/^binaryMetrics: positive = -1 is not a class index; expected a non-negative integer$/)
    expect(() => binaryMetrics([1, 0], [1])).toThrow(/^binaryMetrics: yTrue has length 2 but yPred has length 1/)
    expect(() => binaryMetrics([1, 0.5], [1, 0])).toThrow(/^binaryMetrics: yTrue\[1\] = 0.5/)
    expect(() => binaryMetrics([1], [1], { positiveClass: -1 })).toThrow(/^binaryMetrics: positiveClass: expected the label of the positive class \(a non-negative integer\), got -1$/)
    expect(() => binaryMetrics([1], [1], { positiveClass: '1' } as never)).toThrow(/^binaryMetrics: positiveClass: expected a number, got the string "1"$/)
    expect(() => binaryMetrics([1], [1], {} as never)).toThrow(/^binaryMetrics: positiveClass: missing; expected the label of the positive class/)
    expect(() => binaryMetrics([1], [1], { positive: 1 } as never)).toThrow(/^binaryMetrics: positive: unknown option; did you mean 'positiveClass'\?/)
  })
})
