import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { argmaxRows } from '../../src/metrics/classification.js'
import { errorAnalysis, formatErrorAnalysis } from '../../src/metrics/errors.js'

// Six rows, three classes. Predictions (argmax): 0, 0, 1, 1, 0, 1; true: 0, 1, 2, 2, 2, 2.
//   row 1: 1 -> 0 (p 0.6, true 0.3); row 2: 2 -> 1 (0.7, 0.2); row 3: 2 -> 1 (0.5, 0.3);
//   row 4: 2 -> 0 (0.5, 0.3); row 5: 2 -> 1 (0.7, 0.1): a tie in confidence with row 2.
const input = {
  yTrue: [0, 1, 2, 2, 2, 2],
  probabilities: [0.9, 0.1, 0, 0.6, 0.3, 0.1, 0.1, 0.7, 0.2, 0.2, 0.5, 0.3, 0.5, 0.2, 0.3, 0.2, 0.7, 0.1],
  k: 3,
  classes: ['zero', 'one', 'two'],
}

describe('errorAnalysis', () => {
  it('groups the misclassified rows by confusion pair, most frequent first, most confident first', () => {
    const a = errorAnalysis(input)
    expect([a.n, a.k, a.errors, a.errorRate]).toEqual([6, 3, 5, 5 / 6])
    expect(a.classes).toEqual(['zero', 'one', 'two'])
    expect(a.groups).toEqual([
      {
        trueClass: 2, predictedClass: 1, count: 3,
        rows: [
          { index: 2, trueClass: 2, predictedClass: 1, confidence: 0.7, trueProbability: 0.2 },
          { index: 5, trueClass: 2, predictedClass: 1, confidence: 0.7, trueProbability: 0.1 },
          { index: 3, trueClass: 2, predictedClass: 1, confidence: 0.5, trueProbability: 0.3 },
        ],
      },
      // Equal counts: by true class, then predicted class.
      { trueClass: 1, predictedClass: 0, count: 1, rows: [{ index: 1, trueClass: 1, predictedClass: 0, confidence: 0.6, trueProbability: 0.3 }] },
      { trueClass: 2, predictedClass: 0, count: 1, rows: [{ index: 4, trueClass: 2, predictedClass: 0, confidence: 0.5, trueProbability: 0.3 }] },
    ])
  })

  it('keeps at most limit rows per group but counts them all', () => {
    const a = errorAnalysis({ ...input, limit: 1 })
    expect(a.groups.map((g) => [g.count, g.rows.length])).toEqual([[3, 1], [1, 1], [1, 1]])
    expect(a.groups[0]!.rows[0]!.index).toBe(2)
    expect(errorAnalysis({ ...input, limit: 0 }).groups.every((g) => g.rows.length === 0)).toBe(true)
  })

  it('names class indices when no names are given, and finds no errors in a perfect prediction', () => {
    expect(errorAnalysis({ yTrue: [1, 0], probabilities: [0.2, 0.8, 1, 0], k: 2 })).toEqual({ n: 2, k: 2, classes: ['0', '1'], errors: 0, errorRate: 0, groups: [] })
  })

  it('agrees with a direct count on random probabilities', () => {
    const rows = fc.integer({ min: 2, max: 5 }).chain((k) =>
      fc.array(fc.tuple(fc.integer({ min: 0, max: k - 1 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: k, maxLength: k })), { minLength: 1, maxLength: 40 })
        .map((r) => ({ k, r })))
    fc.assert(
      fc.property(rows, ({ k, r }) => {
        const yTrue = r.map(([t]) => t)
        const probabilities = r.flatMap(([, w]) => w.map((v) => v / w.reduce((a, b) => a + b, 0)))
        const a = errorAnalysis({ yTrue, probabilities, k })
        const pred = argmaxRows(probabilities, k)
        const wrong = yTrue.map((_, i) => i).filter((i) => pred[i] !== yTrue[i])
        expect(a.errors).toBe(wrong.length)
        // Every misclassified row exactly once, in the group of its pair, with its probabilities.
        const seen = a.groups.flatMap((g) => g.rows.map((row) => {
          expect([row.trueClass, row.predictedClass]).toEqual([g.trueClass, g.predictedClass])
          expect([row.trueClass, row.predictedClass]).toEqual([yTrue[row.index], pred[row.index]])
          expect(row.confidence).toBe(probabilities[row.index * k + row.predictedClass])
          expect(row.trueProbability).toBe(probabilities[row.index * k + row.trueClass])
          return row.index
        }))
        expect(seen.slice().sort((x, y) => x - y)).toEqual(wrong)
        a.groups.forEach((g, i) => {
          expect(g.count).toBe(g.rows.length)
          if (i > 0) expect(g.count).toBeLessThanOrEqual(a.groups[i - 1]!.count)
          g.rows.forEach((row, j) => {
            if (j > 0) expect(row.confidence).toBeLessThanOrEqual(g.rows[j - 1]!.confidence)
          })
        })
      }),
      { seed: 1, numRuns: 300 },
    )
  })

  it('refuses bad input, naming the field', () => {
    expect(() => errorAnalysis({ ...input, k: 4 })).toThrow(/^errorAnalysis: probabilities: has 18 values, not a multiple of k = 4; expected a row-major n x k matrix$/)
    expect(() => errorAnalysis({ ...input, probabilities: input.probabilities.map((v, i) => (i === 4 ? 1.2 : v)) })).toThrow(/^errorAnalysis: probabilities: entry 4 \(row 1, class 1\) is 1.2; expected a probability in \[0, 1\]$/)
    expect(() => errorAnalysis({ ...input, yTrue: [0, 1] })).toThrow(/^errorAnalysis: yTrue: has 2 labels but probabilities has 6 rows of k = 3; expected one label per row$/)
    expect(() => errorAnalysis({ ...input, yTrue: [0, 1, 2, 2, 2, 3] })).toThrow(/^errorAnalysis: yTrue\[5\] = 3 is outside the class range/)
    expect(() => errorAnalysis({ ...input, classes: ['a'] })).toThrow(/^errorAnalysis: classes: expected 3 class names \(strings\), one per class, got 1 entries$/)
    expect(() => errorAnalysis({ ...input, limit: -1 })).toThrow(/^errorAnalysis: limit: expected a non-negative integer number of rows per group, got -1$/)
    expect(() => errorAnalysis({ ...input, limt: 2 } as never)).toThrow(/^errorAnalysis: limt: unknown option; did you mean 'limit'\?/)
    expect(() => errorAnalysis({ yTrue: [0], k: 2 } as never)).toThrow(/^errorAnalysis: probabilities: missing; expected an n x k probability matrix$/)
    expect(() => errorAnalysis({ ...input, yTrue: { length: 6 } } as never)).toThrow(/^errorAnalysis: yTrue: expected an array or typed array of numbers, got an object$/)
    expect(() => errorAnalysis(undefined as never)).toThrow(/^errorAnalysis: input: expected an object/)
  })
})

describe('formatErrorAnalysis', () => {
  it('prints the summary and the table, pairs and rows beyond the limits counted', () => {
    const text = formatErrorAnalysis(errorAnalysis(input), { rowsPerGroup: 2, maxGroups: 2, digits: 2 })
    expect(text.split('\n')).toEqual([
      '5 of 6 rows misclassified (83.33%), 3 confusion pairs',
      'true  predicted  count      row  p(predicted)  p(true)',
      '----  ---------  -----  -------  ------------  -------',
      'two   one            3        2          0.70     0.20',
      '                              5          0.70     0.10',
      '                        +1 more',
      'one   zero           1        1          0.60     0.30',
      '(1 more pair with 1 error)',
    ])
  })

  it('counts rows errorAnalysis left out, and prints only the summary without errors', () => {
    const text = formatErrorAnalysis(errorAnalysis({ ...input, limit: 0 }), { maxGroups: 1 })
    expect(text.split('\n').slice(3)).toEqual(['two   one            3  +3 more', '(2 more pairs with 2 errors)'])
    expect(formatErrorAnalysis(errorAnalysis({ yTrue: [1], probabilities: [0, 1], k: 2 }))).toBe('0 of 1 rows misclassified (0.00%), 0 confusion pairs')
  })

  it('refuses bad options', () => {
    const a = errorAnalysis(input)
    expect(() => formatErrorAnalysis(a, { rowsPerGroup: 0 })).toThrow(/^formatErrorAnalysis: rowsPerGroup: expected an integer >= 1, got 0$/)
    expect(() => formatErrorAnalysis(a, { digits: 1.5 })).toThrow(/^formatErrorAnalysis: digits: expected an integer >= 0, got 1.5$/)
    expect(() => formatErrorAnalysis(a, { rows: 2 } as never)).toThrow(/^formatErrorAnalysis: rows: unknown option/)
  })
})
