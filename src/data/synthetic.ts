/**
 * Synthetic 2-D teaching sets, deterministic from a key: Andrew Ng's planar "flower", two moons,
 * interleaved spirals and XOR. Rows are grouped by class (class 0 first) except for XOR; shuffle
 * with `shuffle`.
 * Bad arguments throw a `RangeError` naming the argument.
 * @module
 */

import { split, type Key } from '../random/key.js'
import { normal, uniform } from '../random/sample.js'
import type { Dataset } from './dataset.js'

const checkN = (fn: string, n: number, min: number): void => {
  if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`${fn}: n must be an integer >= ${min}, got ${n}`)
}

const checkNoise = (fn: string, noise: number): void => {
  if (!(Number.isFinite(noise) && noise >= 0)) throw new RangeError(`${fn}: noise must be a finite number >= 0, got ${noise}`)
}

/** Sizes of `k` classes sharing `n` rows: the first `n % k` classes get one row more. */
const classSizes = (n: number, k: number): number[] =>
  Array.from({ length: k }, (_, c) => Math.floor(n / k) + (c < n % k ? 1 : 0))

/** `linspace(a, b, m)[i]` (just `a` when m = 1). */
const lin = (a: number, b: number, m: number, i: number): number => (m === 1 ? a : a + ((b - a) * i) / (m - 1))

const build = (x: Float64Array, sizes: readonly number[], classes: readonly string[]): Dataset => {
  const y = new Float64Array(x.length / 2)
  let at = 0
  sizes.forEach((s, c) => {
    y.fill(c, at, at + s)
    at += s
  })
  return { x, y, n: y.length, featureShape: [2], classes }
}

/**
 * The planar "flower" of Andrew Ng's deep-learning course: 2 classes (`red`, `blue`), `n` points
 * (default 400) on petals `r = a sin(4t)` (a = 4) with Gaussian noise 0.2 on angle and radius;
 * class `j` takes angles around `[3.12 j, 3.12 (j + 1)]`. Not linearly separable.
 * @example
 * import { flower, key, labelCounts } from 'kiln'
 * const ds = flower(key(1))
 * ds.n // 400
 * ds.featureShape // [2]
 * ds.classes // ['red', 'blue']
 * labelCounts(ds) // [200, 200]
 */
export const flower = (key: Key, n = 400): Dataset => {
  checkN('flower', n, 2)
  const [kt, kr] = split(key) as [Key, Key]
  const nt = normal(kt, n, 0, 0.2)
  const nr = normal(kr, n, 0, 0.2)
  const sizes = classSizes(n, 2)
  const x = new Float64Array(2 * n)
  let row = 0
  sizes.forEach((m, j) => {
    for (let i = 0; i < m; i++, row++) {
      const t = lin(j * 3.12, (j + 1) * 3.12, m, i) + nt[row]!
      const r = 4 * Math.sin(4 * t) + nr[row]!
      x[2 * row] = r * Math.sin(t)
      x[2 * row + 1] = r * Math.cos(t)
    }
  })
  return build(x, sizes, ['red', 'blue'])
}

/**
 * Two interleaving half circles (scikit-learn's `make_moons`): class 0 on the upper unit half
 * circle, class 1 on the lower one shifted to (1, 0.5), Gaussian noise of std `noise` on each
 * coordinate.
 * @example
 * import { key, labelCounts, moons } from 'kiln'
 * labelCounts(moons(key(0), 200, 0.1)) // [100, 100]
 */
export const moons = (key: Key, n = 100, noise = 0.1): Dataset => {
  checkN('moons', n, 2)
  checkNoise('moons', noise)
  const eps = normal(key, 2 * n, 0, noise)
  const sizes = classSizes(n, 2)
  const x = new Float64Array(2 * n)
  let row = 0
  sizes.forEach((m, j) => {
    for (let i = 0; i < m; i++, row++) {
      const t = lin(0, Math.PI, m, i)
      const px = j === 0 ? Math.cos(t) : 1 - Math.cos(t)
      const py = j === 0 ? Math.sin(t) : 0.5 - Math.sin(t)
      x[2 * row] = px + eps[2 * row]!
      x[2 * row + 1] = py + eps[2 * row + 1]!
    }
  })
  return build(x, sizes, ['0', '1'])
}

/**
 * `classes` interleaved spiral arms (the CS231n spiral data): arm `j` has radius growing from 0 to 1
 * while the angle runs over `[4 j, 4 (j + 1)]` plus Gaussian noise of std `noise` (default 0.2).
 * @example
 * import { key, labelCounts, spirals } from 'kiln'
 * labelCounts(spirals(key(0), 300, 3)) // [100, 100, 100]
 */
export const spirals = (key: Key, n = 300, classes = 3, noise = 0.2): Dataset => {
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`spirals: classes must be an integer >= 2, got ${classes}`)
  checkN('spirals', n, classes)
  checkNoise('spirals', noise)
  const eps = normal(key, n, 0, noise)
  const sizes = classSizes(n, classes)
  const x = new Float64Array(2 * n)
  let row = 0
  sizes.forEach((m, j) => {
    for (let i = 0; i < m; i++, row++) {
      const r = lin(0, 1, m, i)
      const t = lin(4 * j, 4 * (j + 1), m, i) + eps[row]!
      x[2 * row] = r * Math.sin(t)
      x[2 * row + 1] = r * Math.cos(t)
    }
  })
  return build(x, sizes, Array.from({ length: classes }, (_, c) => String(c)))
}

/**
 * XOR: `n` points uniform in [-1, 1)^2, class 1 when the coordinates have opposite signs
 * (`x * y < 0`: quadrants II and IV), class 0 otherwise. Unlike the other sets, rows are in random order.
 * @example
 * import { key, xor } from 'kiln'
 * const ds = xor(key(0), 200) // classes '0' and '1', about 100 rows each
 * ds.classes // ['0', '1']
 */
export const xor = (key: Key, n = 200): Dataset => {
  checkN('xor', n, 1)
  const x = uniform(key, 2 * n, -1, 1)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) y[i] = x[2 * i]! * x[2 * i + 1]! < 0 ? 1 : 0
  return { x, y, n, featureShape: [2], classes: ['0', '1'] }
}
