import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { labelCounts, makeDataset, take, type Dataset } from '../../src/data/dataset.js'
import { loadIrisOrThrow } from '../../src/node/index.js'
import type { DataError } from '../../src/data/error.js'
import { batches, bootstrap, kFold, shuffle, trainDevTestSplit, trainTestSplit } from '../../src/data/split.js'
import { key } from '../../src/random/key.js'

const right = <A>(r: E.Either<DataError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected Right, got ${r.left.message}`)
  return r.right
}
const left = <A>(r: E.Either<DataError, A>): DataError => {
  if (E.isRight(r)) throw new Error('expected Left')
  return r.left
}

/** Classification set whose single feature is the row index; labels interleaved in a fixed pattern. */
const labelled = (counts: readonly number[]): Dataset => {
  const y: number[] = []
  counts.forEach((c, cl) => { for (let i = 0; i < c; i++) y.push(cl) })
  // interleave deterministically so classes are not in contiguous blocks
  const order = y.map((_, i) => i).sort((a, b) => ((a * 7919) % y.length) - ((b * 7919) % y.length) || a - b)
  const yy = Float64Array.from(order, (i) => y[i]!)
  return makeDataset(Float64Array.from(yy, (_, i) => i), yy, [1], counts.map((_, c) => `c${c}`))
}

const classCounts = fc.array(fc.integer({ min: 20, max: 60 }), { minLength: 2, maxLength: 4 })
const countOf = (ds: Dataset, idx: Int32Array, c: number): number => idx.reduce((a, i) => a + (ds.y[i] === c ? 1 : 0), 0)
const isPartition = (n: number, parts: readonly Int32Array[]): boolean => {
  const seen = new Uint8Array(n)
  for (const p of parts) for (const i of p) seen[i]!++
  return seen.every((v) => v === 1)
}

describe('shuffle', () => {
  it('reorders rows deterministically and keeps them all', () => {
    const ds = labelled([5, 7])
    const s = shuffle(key(3), ds)
    expect(s).toEqual(shuffle(key(3), ds))
    expect([...s.x].sort((a, b) => a - b)).toEqual([...ds.x])
    s.x.forEach((row, i) => expect(s.y[i]).toBe(ds.y[row]))
    expect([...s.x]).not.toEqual([...ds.x])
  })
})

describe('trainTestSplit', () => {
  it('stratified iris 80/20 keeps 40/10 per class', () => {
    const r = right(trainTestSplit(key(0), loadIrisOrThrow(), { test: 0.2, stratify: true }))
    expect(labelCounts(r.train)).toEqual([40, 40, 40])
    expect(labelCounts(r.test)).toEqual([10, 10, 10])
    expect(r.test).toEqual(take(loadIrisOrThrow(), r.testIndices))
  })

  it('stratified splits partition the rows and keep class proportions (property)', () => {
    fc.assert(
      fc.property(classCounts, fc.double({ min: 0.1, max: 0.5, noNaN: true }), fc.integer(), (counts, test, seed) => {
        const ds = labelled(counts)
        const r = right(trainTestSplit(key(seed), ds, { test, stratify: true }))
        const nTest = Math.round(ds.n * test)
        expect(r.test.n).toBe(nTest)
        expect(r.train.n + r.test.n).toBe(ds.n)
        expect(isPartition(ds.n, [r.trainIndices, r.testIndices])).toBe(true)
        counts.forEach((nc, c) => {
          expect(Math.abs(countOf(ds, r.testIndices, c) - (nc * nTest) / ds.n)).toBeLessThan(1)
          expect(Math.abs(countOf(ds, r.trainIndices, c) - (nc * (ds.n - nTest)) / ds.n)).toBeLessThan(1)
        })
        expect([...r.test.x]).toEqual([...r.testIndices])
      }),
      { numRuns: 60 },
    )
  })

  it('is deterministic per key and differs across keys', () => {
    const ds = labelled([30, 30])
    const a = right(trainTestSplit(key(1), ds))
    expect(right(trainTestSplit(key(1), ds))).toEqual(a)
    expect(right(trainTestSplit(key(2), ds)).testIndices).not.toEqual(a.testIndices)
    expect(a.test.n).toBe(12)
  })

  it('a split leaving a class empty is a Left naming the class and part', () => {
    const iris = loadIrisOrThrow()
    const tiny = take(iris, [...Array.from({ length: 100 }, (_, i) => i), 100])
    const e = left(trainTestSplit(key(0), tiny, { test: 0.2, stratify: true }))
    expect(e._tag).toBe('SplitError')
    expect(e.message).toMatch(/^class "virginica" has no rows in the (train|test) part \(it has 1 rows in all\)/)
    expect(left(trainTestSplit(key(0), tiny, { test: 0.2 })).message).toMatch(/class "virginica" has no rows in the/)
  })

  it('rejects bad fractions, empty parts and stratifying a regression set', () => {
    const ds = labelled([10, 10])
    expect(left(trainTestSplit(key(0), ds, { test: 1 }))).toMatchObject({ _tag: 'OptionsError', field: 'test' })
    expect(left(trainTestSplit(key(0), ds, { test: 0 })).message).toMatch(/options.test: expected a fraction in \(0, 1\), got 0/)
    expect(left(trainTestSplit(key(0), ds, { test: 0.01 })).message).toMatch(/the test part is empty/)
    expect(left(trainTestSplit(key(0), { ...ds, classes: [] }, { stratify: true }))).toMatchObject({ field: 'stratify' })
  })
})

describe('trainDevTestSplit', () => {
  it('stratified three-way splits partition the rows with class proportions (property)', () => {
    fc.assert(
      fc.property(
        classCounts,
        fc.double({ min: 0.1, max: 0.3, noNaN: true }),
        fc.double({ min: 0.1, max: 0.3, noNaN: true }),
        fc.integer(),
        (counts, dev, test, seed) => {
          const ds = labelled(counts)
          const r = right(trainDevTestSplit(key(seed), ds, { dev, test, stratify: true }))
          const nDev = Math.round(ds.n * dev)
          const nTest = Math.round(ds.n * test)
          expect([r.dev.n, r.test.n, r.train.n]).toEqual([nDev, nTest, ds.n - nDev - nTest])
          expect(isPartition(ds.n, [r.trainIndices, r.devIndices, r.testIndices])).toBe(true)
          counts.forEach((nc, c) => {
            expect(Math.abs(countOf(ds, r.devIndices, c) - (nc * nDev) / ds.n)).toBeLessThan(1)
            expect(Math.abs(countOf(ds, r.testIndices, c) - (nc * nTest) / ds.n)).toBeLessThan(1)
            expect(Math.abs(countOf(ds, r.trainIndices, c) - (nc * r.train.n) / ds.n)).toBeLessThan(1)
          })
        },
      ),
      { numRuns: 60 },
    )
  })

  it('small classes: every part gets the floor or ceiling of its share, or a Left names the empty class (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 3, max: 15 }), { minLength: 2, maxLength: 6 }),
        fc.double({ min: 0.15, max: 0.35, noNaN: true }),
        fc.double({ min: 0.15, max: 0.35, noNaN: true }),
        fc.integer(),
        (counts, dev, test, seed) => {
          const ds = labelled(counts)
          const r = trainDevTestSplit(key(seed), ds, { dev, test, stratify: true })
          if (E.isLeft(r)) {
            expect(r.left.message).toMatch(/^(class "c\d" has no rows in the (train|dev|test) part|\d+ rows split as .* part is empty)/)
            return
          }
          const parts = [r.right.trainIndices, r.right.devIndices, r.right.testIndices]
          expect(isPartition(ds.n, parts)).toBe(true)
          parts.forEach((idx) =>
            counts.forEach((nc, c) => {
              expect(countOf(ds, idx, c)).toBeGreaterThan(0)
              expect(Math.abs(countOf(ds, idx, c) - (nc * idx.length) / ds.n)).toBeLessThan(1)
            }),
          )
        },
      ),
      { numRuns: 200 },
    )
  })

  it('iris 70/15/15 stratified', () => {
    const r = right(trainDevTestSplit(key(5), loadIrisOrThrow(), { dev: 0.15, test: 0.15, stratify: true }))
    expect([r.train.n, r.dev.n, r.test.n]).toEqual([104, 23, 23])
    for (const part of [r.train, r.dev, r.test]) labelCounts(part).forEach((c) => expect(Math.abs(c - part.n / 3)).toBeLessThan(1))
  })

  it('rejects dev + test >= 1 and names empty classes', () => {
    expect(left(trainDevTestSplit(key(0), labelled([20, 20]), { dev: 0.5, test: 0.5 })).message).toMatch(/dev \+ options.test must be < 1/)
    const e = left(trainDevTestSplit(key(0), labelled([40, 2]), { dev: 0.1, test: 0.1, stratify: true }))
    expect(e.message).toMatch(/^class "c1" has no rows in the (train|dev|test) part/)
  })
})

describe('kFold', () => {
  it('covers every row exactly once as dev, train is the complement (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 80 }), fc.integer({ min: 2, max: 10 }), fc.integer(), (n, k, seed) => {
        fc.pre(k <= n)
        const ds = makeDataset(Float64Array.from({ length: n }, (_, i) => i), new Float64Array(n), [1], [])
        const folds = right(kFold(key(seed), ds, k))
        expect(folds).toHaveLength(k)
        expect(isPartition(n, folds.map((f) => f.devIndices))).toBe(true)
        folds.forEach((f) => expect(isPartition(n, [f.trainIndices, f.devIndices])).toBe(true))
        const sizes = folds.map((f) => f.dev.n)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
        folds.forEach((f) => expect([...f.dev.x]).toEqual([...f.devIndices]))
      }),
    )
  })

  it('stratified folds spread each class evenly (property)', () => {
    fc.assert(
      fc.property(classCounts, fc.integer({ min: 2, max: 10 }), fc.integer(), (counts, k, seed) => {
        const ds = labelled(counts)
        const folds = right(kFold(key(seed), ds, k, { stratify: true }))
        expect(isPartition(ds.n, folds.map((f) => f.devIndices))).toBe(true)
        counts.forEach((_, c) => {
          const per = folds.map((f) => countOf(ds, f.devIndices, c))
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1)
        })
        const sizes = folds.map((f) => f.dev.n)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      }),
      { numRuns: 60 },
    )
  })

  it('iris 5-fold stratified: 10 per class per dev fold', () => {
    const folds = right(kFold(key(0), loadIrisOrThrow(), 5, { stratify: true }))
    folds.forEach((f) => {
      expect(labelCounts(f.dev)).toEqual([10, 10, 10])
      expect(labelCounts(f.train)).toEqual([40, 40, 40])
    })
  })

  it('rejects bad k and classes too small for k', () => {
    const ds = labelled([20, 3])
    expect(left(kFold(key(0), ds, 1)).message).toMatch(/k must be an integer in \[2, n = 23\], got 1/)
    expect(left(kFold(key(0), ds, 24))).toMatchObject({ _tag: 'OptionsError', field: 'k' })
    expect(left(kFold(key(0), ds, 5, { stratify: true })).message).toMatch(/^class "c1" has no rows in the dev part of fold 4/)
  })
})

describe('bootstrap', () => {
  it('resamples n rows with replacement; out-of-bag rows are exactly the undrawn ones', () => {
    const n = 5000
    const ds = makeDataset(Float64Array.from({ length: n }, (_, i) => i), new Float64Array(n), [1], [])
    const b = right(bootstrap(key(4), ds))
    expect(b.sample.n).toBe(n)
    const drawn = new Set(b.sampleIndices)
    expect(b.outOfBagIndices.every((i) => !drawn.has(i))).toBe(true)
    expect(drawn.size + b.outOfBag.n).toBe(n)
    expect(Math.abs(b.outOfBag.n / n - Math.exp(-1))).toBeLessThan(0.03)
    expect([...b.sample.x]).toEqual([...b.sampleIndices])
    expect(right(bootstrap(key(4), ds))).toEqual(b)
    expect(left(bootstrap(key(0), makeDataset(new Float64Array(0), new Float64Array(0), [1], []))).message).toMatch(/empty/)
  })
})

describe('batches', () => {
  it('tiles 0..n-1 with consecutive ranges (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), (n, b) => {
        fc.pre(b <= n)
        const rs = right(batches(n, b))
        expect(rs[0]!.start).toBe(0)
        expect(rs[rs.length - 1]!.end).toBe(n)
        rs.forEach((r, i) => {
          if (i > 0) expect(r.start).toBe(rs[i - 1]!.end)
          expect(r.end - r.start).toBe(i < rs.length - 1 ? b : n - b * (rs.length - 1))
        })
        expect(rs).toHaveLength(Math.ceil(n / b))
      }),
    )
  })

  it('batchSize 0 or greater than n is an error value', () => {
    expect(left(batches(10, 0))).toMatchObject({ _tag: 'OptionsError', field: 'batchSize' })
    expect(left(batches(10, 11)).message).toBe('batches: batchSize must be an integer in [1, n = 10], got 11')
    expect(left(batches(-1, 1))).toMatchObject({ field: 'n' })
  })
})

describe('splits of data sets with several targets per row', () => {
  /** 60 rows: feature = row index, targets [i, 10 i, 100 i] (regression) or labels (i % 2, i % 3 == 0) (multi-label). */
  const reg = makeDataset(Float64Array.from({ length: 60 }, (_, i) => i), Float64Array.from({ length: 180 }, (_, j) => Math.floor(j / 3) * 10 ** (j % 3)), [1], [], [3])
  const multi = makeDataset(
    Float64Array.from({ length: 60 }, (_, i) => i),
    Float64Array.from({ length: 120 }, (_, j) => (j % 2 === 0 ? Math.floor(j / 2) % 2 : Math.floor(j / 2) % 3 === 0 ? 1 : 0)),
    [1], ['odd', 'threefold'], [2],
  )
  /** Every row of `ds` still carries the targets of the source row its feature names. */
  const aligned = (ds: Dataset, src: Dataset): boolean => {
    const t = src.y.length / src.n
    return Array.from({ length: ds.n }, (_, r) => r).every((r) => {
      const i = ds.x[r]!
      return Array.from({ length: t }, (_, c) => c).every((c) => ds.y[r * t + c] === src.y[i * t + c])
    })
  }

  it('shuffle, trainTestSplit, trainDevTestSplit, kFold and bootstrap move the targets with the rows', () => {
    for (const ds of [reg, multi]) {
      const s = shuffle(key(3), ds)
      expect(aligned(s, ds) && s.y.length === ds.y.length).toBe(true)
      const tt = right(trainTestSplit(key(1), ds, { test: 0.25 }))
      expect([tt.train.n, tt.test.n, tt.test.targetShape]).toEqual([45, 15, ds.targetShape])
      expect(aligned(tt.train, ds) && aligned(tt.test, ds)).toBe(true)
      const tdt = right(trainDevTestSplit(key(2), ds, { dev: 0.2, test: 0.2 }))
      expect([tdt.train, tdt.dev, tdt.test].every((p) => aligned(p, ds))).toBe(true)
      for (const f of right(kFold(key(4), ds, 4))) expect(aligned(f.train, ds) && aligned(f.dev, ds) && f.dev.y.length === 15 * ds.y.length / 60).toBe(true)
      const b = right(bootstrap(key(5), ds))
      expect(aligned(b.sample, ds) && aligned(b.outOfBag, ds)).toBe(true)
    }
  })

  it('stratifying a multi-label set is refused on stratify; a label missing from a part is a SplitError naming it', () => {
    expect(left(trainTestSplit(key(0), multi, { stratify: true }))).toMatchObject({ _tag: 'OptionsError', field: 'stratify' })
    expect(left(kFold(key(0), multi, 3, { stratify: true })).message).toMatch(/multi-label .*targetShape \[2\].*split without stratify/)
    expect(left(trainDevTestSplit(key(0), reg, { stratify: true }))).toMatchObject({ field: 'stratify' })
    // one row of 60 carries the rare label: some part of a 3-way split cannot have it
    const y = new Float64Array(120)
    y[2 * 7 + 1] = 1
    for (let i = 0; i < 60; i++) y[2 * i] = i % 2
    const rare = makeDataset(Float64Array.from({ length: 60 }, (_, i) => i), y, [1], ['common', 'rare'], [2])
    expect(left(trainDevTestSplit(key(0), rare, { dev: 0.2, test: 0.2 })).message).toMatch(/label "rare" has no rows in the (train|dev|test) part \(it has 1 rows in all\)/)
  })
})
