/** Shared fixtures of the training specs: small data sets, small models, and assertions on `Either` results. */
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import { makeDataset, type Dataset } from '../../src/data/dataset.js'
import { flower } from '../../src/data/synthetic.js'
import { layers } from '../../src/nn/index.js'
import { defineLayer, type Layer } from '../../src/nn/layer.js'
import { sequential } from '../../src/nn/sequential.js'
import { flattenParams, type ParamValues } from '../../src/nn/tree.js'
import { key } from '../../src/random/key.js'
import { normal } from '../../src/random/sample.js'
import type { EpochRecord, FitResult } from '../../src/train/fit.js'
import type { FitError } from '../../src/train/validate.js'

/** The planar flower with `n` rows (2 features, 2 classes), from a fixed key. */
export const smallFlower = (n = 40, seed = 1): Dataset => flower(key(seed), n)

/** A small MLP with batch norm and dropout (the layers that make training and evaluation differ). */
export const bnDropoutMlp = (hidden = 6, classes = 2): Layer =>
  sequential(layers.dense(hidden), layers.batchNorm(), layers.tanh(), layers.dropout(0.3), layers.dense(classes))

/** A plain MLP without state or randomness. */
export const plainMlp = (hidden = 6, classes = 2): Layer => sequential(layers.dense(hidden), layers.tanh(), layers.dense(classes))

/** `inner` with a count of how often a graph was built from it (`apply` runs only when step graphs are built). */
export const spy = (inner: Layer = plainMlp(4, 2)): { readonly layer: Layer; readonly applied: () => number } => {
  let calls = 0
  return {
    layer: defineLayer('spy', inner.spec, (p, x, ctx) => {
      calls++
      return inner.apply(p, x, ctx)
    }),
    applied: () => calls,
  }
}

/** A Gaussian blob data set: class c centred at `(2c, -2c, ...)` with unit noise, rows interleaved by class. */
export const blobs = (n: number, classes: number, features: number, seed: number, spread = 1): Dataset => {
  const noise = normal(key(seed), n * features, 0, spread)
  const x = new Float64Array(n * features)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    y[i] = i % classes
    for (let j = 0; j < features; j++) x[i * features + j] = (j % 2 === 0 ? 2 : -2) * y[i]! + noise[i * features + j]!
  }
  return makeDataset(x, y, [features], Array.from({ length: classes }, (_, c) => `c${c}`))
}

/** The `Right` value, failing the test with the error message on a `Left`. */
export const right = (r: E.Either<FitError, FitResult>): FitResult => {
  if (E.isLeft(r)) throw new Error(`expected Right, got Left: ${r.left.message}`)
  return r.right
}

/** Asserts a `FitError` on `field` whose message matches every pattern. */
export const expectFitError = (r: E.Either<FitError, unknown>, field: string, ...patterns: readonly (string | RegExp)[]): void => {
  expect(E.isLeft(r), 'expected a Left').toBe(true)
  if (E.isRight(r)) return
  expect(r.left._tag).toBe('FitError')
  expect(r.left.field).toBe(field)
  expect(r.left.message).toMatch(/^fit: /)
  for (const p of patterns) expect(r.left.message).toMatch(p)
}

/** The leaves of a value tree, flattened in `flattenParams` order, with their paths. */
export const leaves = (v: ParamValues): [string, Float64Array][] => flattenParams(v)

/** Largest relative error `|a - b| / max(1, |a|, |b|)` over all leaves of two value trees with the same paths. */
export const maxRelErr = (a: ParamValues, b: ParamValues): number => {
  const la = leaves(a)
  const lb = new Map(leaves(b))
  let worst = 0
  for (const [path, va] of la) {
    const vb = lb.get(path)
    if (vb === undefined || vb.length !== va.length) return Infinity
    for (let i = 0; i < va.length; i++) {
      const d = Math.abs(va[i]! - vb[i]!) / Math.max(1, Math.abs(va[i]!), Math.abs(vb[i]!))
      if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d
    }
  }
  return worst
}

/** True when two value trees hold bit-identical values (same paths, same bits, NaN equal to NaN). */
export const sameBits = (a: ParamValues, b: ParamValues): boolean => {
  const la = leaves(a)
  const lb = leaves(b)
  return la.length === lb.length && la.every(([p, va], i) => p === lb[i]![0] && va.length === lb[i]![1].length && va.every((x, j) => Object.is(x, lb[i]![1][j])))
}

/** A history without the wall-clock field (the only part of a record allowed to differ between runs). */
export const timeless = (h: readonly EpochRecord[]) => h.map(({ seconds: _s, ...rest }) => rest)
