import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { makeDataset, type Dataset } from '../../src/data/dataset.js'
import { loadBreastCancerOrThrow } from '../../src/node/index.js'
import { fitMinMax, fitStandardizer, minMaxScale, oneHot, standardize } from '../../src/data/preprocess.js'
import { trainTestSplit } from '../../src/data/split.js'
import { key } from '../../src/random/key.js'

const column = (ds: Dataset, j: number): number[] => {
  const f = ds.x.length / ds.n
  return Array.from({ length: ds.n }, (_, i) => ds.x[i * f + j]!)
}
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
const std = (v: number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)))

describe('standardizer', () => {
  it('fitted on the training split gives mean 0 and std 1 on train (breast cancer)', () => {
    const split = trainTestSplit(key(0), loadBreastCancerOrThrow(), { test: 0.25, stratify: true })
    if (E.isLeft(split)) throw new Error(split.left.message)
    const { train, test } = split.right
    const stats = fitStandardizer(train)
    const [trainS, testS] = [train, test].map(standardize(stats)) as [Dataset, Dataset]
    for (let j = 0; j < 30; j++) {
      expect(Math.abs(mean(column(trainS, j)))).toBeLessThan(1e-9)
      expect(Math.abs(std(column(trainS, j)) - 1)).toBeLessThan(1e-9)
    }
    // the test split is transformed with the training statistics, not its own
    expect(Math.abs(mean(column(testS, 0)))).toBeGreaterThan(1e-6)
    expect(testS.y).toBe(test.y)
  })

  it('gives constant features std 1 (they standardize to 0)', () => {
    const ds = makeDataset(Float64Array.of(1, 0.1, 3, 0.1, 5, 0.1), new Float64Array(3), [2], [])
    const s = fitStandardizer(ds)
    expect([...s.mean]).toEqual([3, 0.1])
    expect(s.std[1]).toBe(1)
    expect(column(standardize(s)(ds), 1).every((v) => Math.abs(v) < 1e-15)).toBe(true)
  })

  it('standardizes any data to mean 0 / std 1 per non-constant feature (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), { minLength: 2, maxLength: 30 }),
        (rows) => {
          const ds = makeDataset(Float64Array.from(rows.flat()), new Float64Array(rows.length), [2], [])
          const out = standardize(fitStandardizer(ds))(ds)
          return [0, 1].every((j) => {
            const c = column(out, j)
            const raw = column(ds, j)
            const constant = std(raw) <= 1e-9 * Math.max(1, Math.abs(mean(raw)))
            return Math.abs(mean(c)) < 1e-6 && (constant || Math.abs(std(c) - 1) < 1e-6)
          })
        },
      ),
    )
  })

  it('throws on empty data and on a feature count mismatch', () => {
    expect(() => fitStandardizer(makeDataset(new Float64Array(0), new Float64Array(0), [2], []))).toThrow(/empty/)
    const s = fitStandardizer(makeDataset(Float64Array.of(1, 2), new Float64Array(1), [2], []))
    expect(() => standardize(s)(makeDataset(Float64Array.of(1, 2, 3), new Float64Array(1), [3], []))).toThrow(/fitted on 2 features, data set has 3/)
  })
})

describe('min-max scaling', () => {
  it('maps the fitting split to [0, 1], constant features to 0', () => {
    const ds = makeDataset(Float64Array.of(2, 7, 4, 7, 6, 7), new Float64Array(3), [2], [])
    const out = minMaxScale(fitMinMax(ds))(ds)
    expect([...out.x]).toEqual([0, 0, 0.5, 0, 1, 0])
    const other = makeDataset(Float64Array.of(10, 8), new Float64Array(1), [2], [])
    expect([...minMaxScale(fitMinMax(ds))(other).x]).toEqual([2, 1])
  })
})

describe('oneHot', () => {
  it('encodes labels as rows of depth', () => {
    expect(oneHot(Float64Array.of(2, 0, 1), 3)).toEqual(E.right(Float64Array.of(0, 0, 1, 1, 0, 0, 0, 1, 0)))
  })

  it('rejects labels outside [0, depth), naming index and label', () => {
    const r = oneHot([0, 1, 3], 3)
    expect(r).toEqual(E.left({ _tag: 'LabelError', index: 2, label: 3, message: 'oneHot: label 3 at index 2 is outside [0, 3)' }))
    expect(E.isLeft(oneHot([-1], 3))).toBe(true)
    const frac = oneHot([0.5], 3)
    expect(E.isLeft(frac) && frac.left.message).toMatch(/not an integer/)
    expect(E.isLeft(oneHot([0], 0))).toBe(true)
  })

  it('has exactly one 1 per row (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }).chain((d) => fc.tuple(fc.constant(d), fc.array(fc.nat(d - 1)))), ([d, ls]) => {
        const r = oneHot(ls, d)
        return E.isRight(r) && ls.every((l, i) => r.right.subarray(i * d, (i + 1) * d).reduce((a, b) => a + b, 0) === 1 && r.right[i * d + l] === 1)
      }),
    )
  })
})
