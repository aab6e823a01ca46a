import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import {
  loadBreastCancer,
  loadBreastCancerOrThrow,
  loadDigits,
  loadDigitsOrThrow,
  loadIris,
  loadIrisOrThrow,
} from '../../src/node/index.js'
import { featureCount, labelCounts } from '../../src/data/dataset.js'

describe('bundled data sets', () => {
  it('iris: 150 rows, 4 features, 50/50/50', () => {
    const r = loadIris()
    expect(E.isRight(r)).toBe(true)
    const ds = loadIrisOrThrow()
    expect(ds.n).toBe(150)
    expect(ds.featureShape).toEqual([4])
    expect(ds.classes).toEqual(['setosa', 'versicolor', 'virginica'])
    expect(labelCounts(ds)).toEqual([50, 50, 50])
    expect([...ds.x.subarray(0, 4)]).toEqual([5.1, 3.5, 1.4, 0.2])
  })

  it('breast cancer: 569 rows, 30 features, 212 malignant / 357 benign', () => {
    expect(E.isRight(loadBreastCancer())).toBe(true)
    const ds = loadBreastCancerOrThrow()
    expect(ds.n).toBe(569)
    expect(featureCount(ds)).toBe(30)
    expect(ds.classes).toEqual(['malignant', 'benign'])
    expect(labelCounts(ds)).toEqual([212, 357])
    expect(ds.x[0]).toBe(17.99)
  })

  it('digits: 1797 rows of 8x8 pixels in 0..16, 10 classes', () => {
    expect(E.isRight(loadDigits())).toBe(true)
    const ds = loadDigitsOrThrow()
    expect(ds.n).toBe(1797)
    expect(ds.featureShape).toEqual([8, 8])
    expect(ds.x.length).toBe(1797 * 64)
    expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    const counts = labelCounts(ds)
    expect(counts).toHaveLength(10)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1797)
    expect(counts.every((c) => c >= 170 && c <= 185)).toBe(true)
    expect(ds.x.every((v) => Number.isInteger(v) && v >= 0 && v <= 16)).toBe(true)
  })
})
