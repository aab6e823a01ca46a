/** multilabelMetrics: scikit-learn's documented values, hand-computed counts, and per-column binaryMetrics. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { multilabelMetrics } from '../../src/metrics/multilabel.js'
import { binaryMetrics } from '../../src/metrics/prf.js'

describe('multilabelMetrics: reference values', () => {
  it("scikit-learn's hamming_loss and accuracy_score examples on label indicators", () => {
    // hamming_loss(np.array([[0, 1], [1, 1]]), np.zeros((2, 2))) == 0.75
    expect(multilabelMetrics([0, 1, 1, 1], [0, 0, 0, 0], 2).hammingLoss).toBe(0.75)
    // accuracy_score(np.array([[0, 1], [1, 1]]), np.ones((2, 2))) == 0.5
    expect(multilabelMetrics([0, 1, 1, 1], [1, 1, 1, 1], 2).subsetAccuracy).toBe(0.5)
  })

  it("scikit-learn's precision_score / f1_score multilabel example, with the recall and averages by hand", () => {
    // y_true = [[0, 0, 0], [1, 1, 1], [0, 1, 1]], y_pred = [[0, 0, 0], [1, 1, 1], [1, 1, 0]]
    const m = multilabelMetrics([0, 0, 0, 1, 1, 1, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1, 0], 3)
    expect(m.perLabel.map((l) => l.precision)).toEqual([0.5, 1, 1]) // precision_score(average=None)
    expect(m.perLabel.map((l) => l.f1)).toEqual([2 / 3, 1, 2 / 3]) // f1_score(average=None)
    expect(m.perLabel.map((l) => l.recall)).toEqual([1, 1, 0.5])
    expect(m.perLabel.map((l) => [l.tp, l.fp, l.fn, l.tn, l.support])).toEqual([[1, 1, 0, 1, 1], [2, 0, 0, 1, 2], [1, 0, 1, 1, 2]])
    // micro: TP 4, FP 1, FN 1
    expect(m.micro).toEqual({ precision: 0.8, recall: 0.8, f1: 0.8, support: 5 })
    expect(m.macro.precision).toBeCloseTo(2.5 / 3, 15)
    expect(m.macro.recall).toBeCloseTo(2.5 / 3, 15)
    expect(m.macro.f1).toBeCloseTo((2 / 3 + 1 + 2 / 3) / 3, 15)
    expect([m.k, m.n, m.hammingLoss, m.subsetAccuracy]).toEqual([3, 3, 2 / 9, 2 / 3])
  })

  it('zero division gives 0 (a label never true and never predicted), and no rows gives zeros', () => {
    const m = multilabelMetrics([1, 0, 0, 0], [1, 0, 0, 0], 2)
    expect(m.perLabel[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0, tp: 0, fp: 0, fn: 0, tn: 2 })
    expect(m.macro.f1).toBe(0.5)
    expect(m.micro.f1).toBe(1)
    const none = multilabelMetrics([], [], 3)
    expect([none.n, none.hammingLoss, none.subsetAccuracy, none.micro.f1, none.macro.precision]).toEqual([0, 0, 0, 0, 0])
  })

  it('bad input throws naming the argument, row and label', () => {
    expect(() => multilabelMetrics([0, 1], [0], 1)).toThrow(/multilabelMetrics: yTrue has length 2 but yPred has length 1/)
    expect(() => multilabelMetrics([0, 1, 1], [0, 1, 1], 2)).toThrow(/length 3, not a multiple of k = 2/)
    expect(() => multilabelMetrics([0, 1, 1, 0], [0, 1, 0.5, 0], 2)).toThrow(/yPred\[2\] \(row 1, label 0\) = 0.5; expected 0 or 1/)
    expect(() => multilabelMetrics([0, 1], [0, 1], 0)).toThrow(/k = 0/)
  })
})

describe('multilabelMetrics against independent computations (property)', () => {
  const bits = (len: number) => fc.array(fc.integer({ min: 0, max: 1 }), { minLength: len, maxLength: len })
  const problem = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 12 })).chain(([k, n]) => fc.tuple(fc.constant(k), bits(n * k), bits(n * k)))

  it('per label: binaryMetrics of the column; micro: binaryMetrics of all labels pooled; hamming and subset by definition', () => {
    fc.assert(
      fc.property(problem, ([k, yt, yp]) => {
        const m = multilabelMetrics(yt, yp, k)
        const n = yt.length / k
        const column = (v: number[], c: number) => Array.from({ length: n }, (_, r) => v[r * k + c]!)
        m.perLabel.forEach((l, c) => {
          const b = binaryMetrics(column(yt, c), column(yp, c))
          expect([l.precision, l.recall, l.f1, l.tp, l.fp, l.fn, l.tn]).toEqual([b.precision, b.recall, b.f1, b.tp, b.fp, b.fn, b.tn])
        })
        const pooled = binaryMetrics(yt, yp)
        expect([m.micro.precision, m.micro.recall, m.micro.f1]).toEqual([pooled.precision, pooled.recall, pooled.f1])
        expect(m.hammingLoss).toBeCloseTo(n === 0 ? 0 : 1 - pooled.accuracy, 14)
        const exact = Array.from({ length: n }, (_, r) => yt.slice(r * k, (r + 1) * k).join() === yp.slice(r * k, (r + 1) * k).join()).filter(Boolean).length
        expect(m.subsetAccuracy).toBe(n === 0 ? 0 : exact / n)
      }),
      { seed: 1, numRuns: 200 },
    )
  })
})
