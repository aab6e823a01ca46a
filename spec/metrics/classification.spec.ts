import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accuracy, argmaxRows, confusionMatrix, errorRate } from '../../src/metrics/classification.js'
import { labelPairs } from './arbitraries.js'

// Hand-worked 3-class example (also used in prf.spec.ts):
//   yTrue = 0 0 0 1 1 2 2 2
//   yPred = 0 1 0 1 2 2 2 2
// Rows = true class:  [[2, 1, 0],
//                      [0, 1, 1],
//                      [0, 0, 3]]
const yTrue = new Float64Array([0, 0, 0, 1, 1, 2, 2, 2])
const yPred = [0, 1, 0, 1, 2, 2, 2, 2]

describe('accuracy and errorRate', () => {
  it('match the hand-computed values', () => {
    expect(accuracy(yTrue, yPred)).toBe(6 / 8)
    expect(errorRate(yTrue, yPred)).toBe(2 / 8)
  })

  it('accept Float64Array and number[] alike', () => {
    expect(accuracy([0, 1], new Float64Array([0, 0]))).toBe(0.5)
  })

  it('sum to 1', () => {
    fc.assert(
      fc.property(labelPairs, ({ yTrue, yPred }) => {
        fc.pre(yTrue.length > 0)
        expect(accuracy(yTrue, yPred) + errorRate(yTrue, yPred)).toBeCloseTo(1, 12)
      }),
    )
  })

  it('reject bad input with a message naming the function, argument and expectation', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/^accuracy: yTrue has length 2 but yPred has length 1; expected equal lengths$/)
    expect(() => accuracy([0, 1.5], [0, 1])).toThrow(/^accuracy: yTrue\[1\] = 1.5 is not a class index; expected a non-negative integer$/)
    expect(() => errorRate([0, 1], [0, -1])).toThrow(/^errorRate: yPred\[1\] = -1 .*expected a non-negative integer$/)
    expect(() => accuracy([0, NaN], [0, 1])).toThrow(/accuracy: yTrue\[1\] = NaN/)
    expect(() => accuracy([], [])).toThrow(/^accuracy: .*expected at least one sample$/)
    expect(() => errorRate([], [])).toThrow(/^errorRate: .*expected at least one sample$/)
  })
})

describe('confusionMatrix', () => {
  it('puts true classes on rows (scikit-learn convention)', () => {
    const cm = confusionMatrix(yTrue, yPred, 3)
    expect(cm.k).toBe(3)
    expect(Array.from(cm.counts)).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 3])
    // scikit-learn's docstring example: confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])
    expect(Array.from(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3).counts)).toEqual([
      2, 0, 0, 0, 0, 1, 1, 0, 2,
    ])
  })

  it('is all zeros for empty input and keeps absent classes', () => {
    expect(Array.from(confusionMatrix([], [], 2).counts)).toEqual([0, 0, 0, 0])
    expect(Array.from(confusionMatrix([0], [0], 3).counts)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0])
  })

  it('sums to n, with row sums = true counts and column sums = predicted counts', () => {
    fc.assert(
      fc.property(labelPairs, ({ k, yTrue, yPred }) => {
        const { counts } = confusionMatrix(yTrue, yPred, k)
        expect(counts.reduce((a, b) => a + b, 0)).toBe(yTrue.length)
        for (let c = 0; c < k; c++) {
          let row = 0
          let col = 0
          for (let j = 0; j < k; j++) {
            row += counts[c * k + j]!
            col += counts[j * k + c]!
          }
          expect(row).toBe(yTrue.filter((y) => y === c).length)
          expect(col).toBe(yPred.filter((y) => y === c).length)
        }
        let diag = 0
        for (let c = 0; c < k; c++) diag += counts[c * k + c]!
        if (yTrue.length > 0) expect(diag / yTrue.length).toBeCloseTo(accuracy(yTrue, yPred), 12)
      }),
    )
  })

  it('rejects labels outside [0, k) and a bad k', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(
      /^confusionMatrix: yTrue\[1\] = 3 is outside the class range; expected an integer in \[0, 3\)$/,
    )
    expect(() => confusionMatrix([0], [5], 2)).toThrow(/confusionMatrix: yPred\[0\] = 5 .*\[0, 2\)/)
    expect(() => confusionMatrix([0], [0], 0)).toThrow(/^confusionMatrix: k = 0; expected a positive integer number of classes$/)
    expect(() => confusionMatrix([0], [0], 2.5)).toThrow(/confusionMatrix: k = 2.5/)
    expect(() => confusionMatrix([0], [0, 1], 2)).toThrow(/confusionMatrix: .*expected equal lengths/)
  })
})

describe('argmaxRows', () => {
  it('takes the row-wise argmax, ties to the lowest index', () => {
    const probs = new Float64Array([0.2, 0.5, 0.3, 0.4, 0.4, 0.2, -1, -3, 7])
    expect(Array.from(argmaxRows(probs, 3))).toEqual([1, 0, 2])
    expect(Array.from(argmaxRows(new Float64Array([-Infinity, -Infinity]), 2))).toEqual([0])
    expect(argmaxRows(new Float64Array(0), 4)).toHaveLength(0)
  })

  it('inverts one-hot encoding', () => {
    fc.assert(
      fc.property(labelPairs, ({ k, yTrue }) => {
        const probs = new Float64Array(yTrue.length * k)
        yTrue.forEach((y, i) => (probs[i * k + y] = 1))
        expect(Array.from(argmaxRows(probs, k))).toEqual(yTrue)
      }),
    )
  })

  it('rejects NaN and ragged input', () => {
    expect(() => argmaxRows(new Float64Array([0.5, NaN]), 2)).toThrow(
      /^argmaxRows: probs\[1\] \(row 0, column 1\) is NaN; expected a number$/,
    )
    expect(() => argmaxRows(new Float64Array(5), 2)).toThrow(/^argmaxRows: probs has length 5, not a multiple of k = 2/)
    expect(() => argmaxRows(new Float64Array(4), -1)).toThrow(/^argmaxRows: k = -1/)
  })
})
