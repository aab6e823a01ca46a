import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { classIndices, featureCount, isMultiLabel, labelCounts, makeDataset, rowsOf, take, targetCount, targetRowsOf } from '../../src/data/dataset.js'

const small = makeDataset(Float64Array.of(10, 11, 20, 21, 30, 31), Float64Array.of(0, 1, 0), [2], ['a', 'b'])

describe('makeDataset', () => {
  it('builds a data set and checks its invariants', () => {
    expect(small.n).toBe(3)
    expect(() => makeDataset(new Float64Array(5), new Float64Array(2), [2], [])).toThrow(/x has 5 values, expected .* = 4/)
    expect(() => makeDataset(new Float64Array(4), Float64Array.of(0, 2), [2], ['a', 'b'])).toThrow(/row 1 has label 2/)
    expect(() => makeDataset(new Float64Array(0), new Float64Array(0), [0], [])).toThrow(/featureShape/)
  })
})

describe('featureCount, take, rowsOf, labelCounts, classIndices', () => {
  it('featureCount is the product of the feature shape', () => {
    expect(featureCount({ featureShape: [8, 8] })).toBe(64)
    expect(featureCount(small)).toBe(2)
  })

  it('take copies the rows in the given order, repeats allowed', () => {
    const t = take(small, [2, 0, 2])
    expect([...t.x]).toEqual([30, 31, 10, 11, 30, 31])
    expect([...t.y]).toEqual([0, 0, 0])
    expect(t.n).toBe(3)
    t.x[0] = -1
    expect(small.x[4]).toBe(30)
    expect(() => take(small, [3])).toThrow(/index 3 at position 0/)
  })

  it('take of a permutation keeps the multiset of rows (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(2), { maxLength: 10 }), (idx) => {
        const t = take(small, idx)
        return t.n === idx.length && idx.every((i, r) => t.x[2 * r] === small.x[2 * i] && t.y[r] === small.y[i])
      }),
    )
  })

  it('rowsOf gives views', () => {
    const rows = rowsOf(small)
    expect(rows.map((r) => [...r])).toEqual([[10, 11], [20, 21], [30, 31]])
    expect(rows[1]!.buffer).toBe(small.x.buffer)
  })

  it('labelCounts and classIndices', () => {
    expect(labelCounts(small)).toEqual([2, 1])
    expect(classIndices(small)).toEqual([[0, 2], [1]])
    expect(labelCounts({ ...small, classes: [] })).toEqual([])
    expect(() => labelCounts({ ...small, y: Float64Array.of(0, 5, 0) })).toThrow(/row 1 has label 5/)
  })
})

describe('targetShape: several targets per row', () => {
  // 3 rows, 2 features, 2 labels: row 0 carries 'red', row 1 both, row 2 none
  const multi = makeDataset(Float64Array.of(10, 11, 20, 21, 30, 31), Float64Array.of(1, 0, 1, 1, 0, 0), [2], ['red', 'round'], [2])
  const reg = makeDataset(Float64Array.of(1, 2, 3), Float64Array.of(0.5, -1, 7, 2.5, -3, 9, 4, 4, 4), [1], [], [3])

  it('n is y.length / targetCount; the shape is kept; absent or [] is one target per row', () => {
    expect([multi.n, targetCount(multi), multi.targetShape]).toEqual([3, 2, [2]])
    expect([reg.n, targetCount(reg)]).toEqual([3, 3])
    expect(targetCount(small)).toBe(1)
    expect('targetShape' in small).toBe(false)
    expect(makeDataset(new Float64Array(2), Float64Array.of(0, 1), [1], ['a', 'b'], []).n).toBe(2)
    expect([isMultiLabel(multi), isMultiLabel(reg), isMultiLabel(small)]).toEqual([true, false, false])
  })

  it('checks sizes, the shape, the label names and 0/1 targets naming row and column', () => {
    expect(() => makeDataset(new Float64Array(3), new Float64Array(7), [1], [], [3])).toThrow(/y has 7 values, not a multiple of the 3 targets per row/)
    expect(() => makeDataset(new Float64Array(3), new Float64Array(6), [1], [], [3])).toThrow(/x has 3 values, expected n \* features = 2 \* 1 = 2/)
    expect(() => makeDataset(new Float64Array(1), new Float64Array(4), [1], [], [2, 2])).toThrow(/targetShape must be \[\] .* or \[k\].*got \[2,2\]/)
    expect(() => makeDataset(new Float64Array(1), new Float64Array(0), [1], [], [0])).toThrow(/targetShape/)
    expect(() => makeDataset(new Float64Array(2), Float64Array.of(1, 0, 1, 1), [1], ['a', 'b', 'c'], [2])).toThrow(/names its 2 labels in classes, got 3/)
    expect(() => makeDataset(new Float64Array(2), Float64Array.of(1, 0, 2, 1), [1], ['a', 'b'], [2])).toThrow(/row 1, column 0 \(label 'a'\) has target 2, expected 0 or 1/)
    expect(() => makeDataset(new Float64Array(2), Float64Array.of(1, 0, 1, NaN), [1], ['a', 'b'], [2])).toThrow(/row 1, column 1 \(label 'b'\) has target NaN/)
  })

  it('take moves each row\'s targets with its features', () => {
    const t = take(multi, [2, 0, 1, 1])
    expect([...t.x]).toEqual([30, 31, 10, 11, 20, 21, 20, 21])
    expect([...t.y]).toEqual([0, 0, 1, 0, 1, 1, 1, 1])
    expect([t.n, t.targetShape, t.classes]).toEqual([4, [2], ['red', 'round']])
    expect([...take(reg, [1]).y]).toEqual([2.5, -3, 9])
  })

  it('take keeps every row with its own targets (property, against targetRowsOf)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(2), { maxLength: 10 }), (idx) => {
        const t = take(reg, idx)
        const rows = targetRowsOf(t)
        const src = targetRowsOf(reg)
        return t.n === idx.length && idx.every((i, r) => t.x[r] === reg.x[i] && [...rows[r]!].join() === [...src[i]!].join())
      }),
      { seed: 1, numRuns: 100 },
    )
  })

  it('labelCounts and classIndices of a multi-label set count the rows carrying each label', () => {
    expect(labelCounts(multi)).toEqual([2, 1])
    expect(classIndices(multi)).toEqual([[0, 1], [1]])
    expect(labelCounts(reg)).toEqual([])
    expect(() => labelCounts({ ...multi, y: Float64Array.of(1, 0, 3, 1, 0, 0) })).toThrow(/labelCounts: row 1, column 0 \(label 'red'\) has target 3/)
  })
})
