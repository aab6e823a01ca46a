import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { classIndices, featureCount, labelCounts, makeDataset, rowsOf, take } from '../../src/data/dataset.js'

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
