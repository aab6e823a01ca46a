import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { brightnessContrastImage, flipImage, rotateImage, shiftImage } from '../../src/data/augment-core.js'
import {
  augmentDataset,
  brightnessContrast,
  composeAugment,
  randomCrop,
  randomFlip,
  randomRotation,
  randomShift,
  type Batch,
  type BatchTransform,
} from '../../src/data/augment.js'
import { makeDataset } from '../../src/data/dataset.js'
import { loadDigitsOrThrow } from '../../src/node/index.js'
import { foldIn, key, type Key } from '../../src/random/key.js'
import { uniform } from '../../src/random/sample.js'

/** A batch of `rows` random images of `shape` (values in [0, 1) from a fixed key), labels 0..rows-1. */
const randomBatch = (rows: number, shape: readonly number[], seed = 1): Batch => {
  const f = shape.reduce((a, b) => a * b, 1)
  return { x: uniform(key(seed), rows * f), y: Float64Array.from({ length: rows }, (_, i) => i), rows, featureShape: shape }
}
const rowOf = (b: Batch, r: number): Float64Array => {
  const f = b.x.length / b.rows
  return b.x.subarray(r * f, (r + 1) * f)
}
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(0, ...Array.from(a, (v, i) => Math.abs(v - b[i]!)))

const TRANSFORMS: readonly (readonly [string, BatchTransform])[] = [
  ['randomFlip', randomFlip({ vertical: true })],
  ['randomShift', randomShift({ maxShift: 2, fill: -1 })],
  ['randomCrop', randomCrop({ padding: 1 })],
  ['randomRotation', randomRotation({ maxDegrees: 15 })],
  ['brightnessContrast', brightnessContrast({ brightness: 0.2, contrast: 0.3 })],
  ['composeAugment', composeAugment(randomFlip(), randomShift({ maxShift: 1 }), brightnessContrast({ brightness: 0.1 }))],
]

describe('every transform', () => {
  it.each(TRANSFORMS)('%s: same key same output, another key another output', (_name, t) => {
    const b = randomBatch(16, [5, 6, 2])
    const a1 = t(b, key(3))
    expect(same(a1.x, t(b, key(3)).x)).toBe(true)
    expect(same(a1.x, t(b, key(4)).x)).toBe(false)
  })

  it.each(TRANSFORMS)('%s: leaves its input alone, keeps rows, featureShape and labels', (_name, t) => {
    const b = randomBatch(8, [4, 4, 3])
    const [x, y] = [b.x.slice(), b.y.slice()]
    const out = t(b, key(0))
    expect(same(b.x, x) && same(b.y, y)).toBe(true)
    expect(out.x).not.toBe(b.x)
    expect(out.rows).toBe(8)
    expect(out.featureShape).toEqual([4, 4, 3])
    expect(same(out.y, y)).toBe(true)
  })

  it.each(TRANSFORMS)('%s: a row depends on the key and its position, not on the rows after it', (_name, t) => {
    const b = randomBatch(10, [4, 5])
    const head: Batch = { x: b.x.slice(0, 4 * 20), y: b.y.slice(0, 4), rows: 4, featureShape: [4, 5] }
    expect(same(t(head, key(9)).x, t(b, key(9)).x.subarray(0, 4 * 20))).toBe(true)
  })
})

describe('flips', () => {
  const image = Float64Array.of(1, 2, 3, 4, 5, 6) // [[1, 2, 3], [4, 5, 6]]
  const batch: Batch = { x: image, y: Float64Array.of(7), rows: 1, featureShape: [2, 3] }

  it('mirror a known 2x3 image left-right and top-bottom', () => {
    expect([...randomFlip({ probability: 1 })(batch, key(0)).x]).toEqual([3, 2, 1, 6, 5, 4])
    expect([...randomFlip({ probability: 1, horizontal: false, vertical: true })(batch, key(0)).x]).toEqual([4, 5, 6, 1, 2, 3])
    expect([...randomFlip({ probability: 1, vertical: true })(batch, key(0)).x]).toEqual([6, 5, 4, 3, 2, 1])
    expect([...flipImage(image, [2, 3], true, false)]).toEqual([3, 2, 1, 6, 5, 4])
  })

  it('twice with probability 1 is the identity', () => {
    const b = randomBatch(5, [3, 4, 2])
    const t = randomFlip({ probability: 1, vertical: true })
    expect(same(t(t(b, key(1)), key(2)).x, b.x)).toBe(true)
  })

  it('happen to about `probability` of the rows of a large batch (fixed key)', () => {
    const rows = 2000
    const b = randomBatch(rows, [3, 3])
    const flipped = (t: BatchTransform, how: (r: number) => Float64Array) => {
      const out = t(b, key(11))
      return Array.from({ length: rows }, (_, r) => r).filter((r) => same(rowOf(out, r), how(r))).length
    }
    const h = (r: number) => flipImage(rowOf(b, r), [3, 3], true, false)
    // 2000 draws of p = 0.5: sd 22, so 900..1100 is a 4.5 sd band; p = 0.2: sd 18, 320..480
    const half = flipped(randomFlip(), h)
    expect(half).toBeGreaterThan(900)
    expect(half).toBeLessThan(1100)
    const fifth = flipped(randomFlip({ probability: 0.2 }), h)
    expect(fifth).toBeGreaterThan(320)
    expect(fifth).toBeLessThan(480)
    // both axes, drawn independently: each of the 4 outcomes about a quarter (sd 19)
    const both = randomFlip({ vertical: true })
    for (const [hz, vt] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const n = flipped(both, (r) => flipImage(rowOf(b, r), [3, 3], hz, vt))
      expect(n).toBeGreaterThan(420)
      expect(n).toBeLessThan(580)
    }
  })
})

describe('shifts and crops', () => {
  // [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
  const image = Float64Array.from({ length: 12 }, (_, i) => i + 1)

  it('shiftImage moves by a forced amount, filling what it uncovers (hand-computed)', () => {
    // down 1, left 2
    expect([...shiftImage(image, [3, 4], 1, -2, 0)]).toEqual([0, 0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0])
    // up 2, right 1, fill 9
    expect([...shiftImage(image, [3, 4], -2, 1, 9)]).toEqual([9, 9, 10, 11, 9, 9, 9, 9, 9, 9, 9, 9])
    // a 2x2 image of 2 channels, right 1: the pixel's channels move together
    expect([...shiftImage(Float64Array.of(1, 10, 2, 20, 3, 30, 4, 40), [2, 2, 2], 0, 1, -1)]).toEqual([-1, -1, 1, 10, -1, -1, 3, 30])
    expect([...shiftImage(image, [3, 4], 3, 0)]).toEqual(new Array(12).fill(0))
  })

  it('randomShift rows are shiftImage of the input by some (dy, dx) within maxShift, covering them all', () => {
    const b = randomBatch(400, [3, 4])
    const out = randomShift({ maxShift: [1, 2], fill: -1 })(b, key(2))
    const seen = new Set<string>()
    for (let r = 0; r < b.rows; r++) {
      const hits = [-1, 0, 1].flatMap((dy) => [-2, -1, 0, 1, 2].filter((dx) => same(rowOf(out, r), shiftImage(rowOf(b, r), [3, 4], dy, dx, -1))).map((dx) => `${dy},${dx}`))
      expect(hits).toHaveLength(1)
      seen.add(hits[0]!)
    }
    expect(seen.size).toBe(15)
  })

  it('randomCrop is randomShift with maxShift = padding', () => {
    const b = randomBatch(20, [5, 5, 3])
    expect(same(randomCrop({ padding: 2, fill: 0.5 })(b, key(8)).x, randomShift({ maxShift: 2, fill: 0.5 })(b, key(8)).x)).toBe(true)
    expect(same(randomCrop({ padding: 0 })(b, key(8)).x, b.x)).toBe(true)
  })

  it('property: every output value is the fill or a value of the same input row', () => {
    const arb = fc.record({
      h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }), c: fc.integer({ min: 1, max: 3 }), rows: fc.integer({ min: 1, max: 4 }),
      m: fc.integer({ min: 0, max: 7 }), fill: fc.double({ noNaN: true, noDefaultInfinity: true }), seed: fc.nat(),
    })
    fc.assert(
      fc.property(arb, ({ h, w, c, rows, m, fill, seed }) => {
        const b = randomBatch(rows, [h, w, c], seed)
        const out = randomShift({ maxShift: m, fill })(b, key(seed + 1))
        for (let r = 0; r < rows; r++) {
          const allowed = new Set([...rowOf(b, r), fill])
          expect(rowOf(out, r).every((v) => allowed.has(v))).toBe(true)
        }
      }),
      { seed: 1, numRuns: 100 },
    )
  })
})

describe('rotations', () => {
  const square = (n: number, c: number) => Float64Array.from({ length: n * n * c }, (_, i) => Math.sin(i + 1) * 10)

  it('by 90 degrees is the transpose of the left-right flip (numpy rot90), up to 1e-12', () => {
    for (const [n, c] of [[4, 1], [5, 3]] as const) {
      const a = square(n, c)
      const expected = new Float64Array(a.length)
      // rot90: out[i][j] = a[j][n - 1 - i]; by -90: out[i][j] = a[n - 1 - j][i]
      const minus = new Float64Array(a.length)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          for (let k = 0; k < c; k++) {
            expected[(i * n + j) * c + k] = a[(j * n + (n - 1 - i)) * c + k]!
            minus[(i * n + j) * c + k] = a[((n - 1 - j) * n + i) * c + k]!
          }
      expect(maxDiff(rotateImage(a, [n, n, c], 90), expected)).toBeLessThan(1e-12)
      expect(maxDiff(rotateImage(a, [n, n, c], -90), minus)).toBeLessThan(1e-12)
      expect(maxDiff(rotateImage(a, [n, n, c], 180), flipImage(a, [n, n, c], true, true))).toBeLessThan(1e-12)
    }
  })

  it('by 0 degrees is an exact copy, also through randomRotation({ maxDegrees: 0 })', () => {
    const a = square(5, 2)
    expect(same(rotateImage(a, [5, 5, 2], 0, 3), a)).toBe(true)
    const b = randomBatch(6, [3, 7])
    expect(same(randomRotation({ maxDegrees: 0 })(b, key(0)).x, b.x)).toBe(true)
  })

  it('reproduces a linear image at the rotated positions (bilinear is exact on linear functions)', () => {
    const n = 9
    const lin = (y: number, x: number) => 2 * x - 3 * y + 1
    const a = Float64Array.from({ length: n * n }, (_, i) => lin(Math.floor(i / n), i % n))
    const t = (30 * Math.PI) / 180
    const out = rotateImage(a, [n, n], 30)
    let checked = 0
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        // The output pixel shows the input point that a counter-clockwise turn (y axis down) brings to it.
        const [u, v] = [x - 4, 4 - y] // centred, y up
        const [su, sv] = [u * Math.cos(t) + v * Math.sin(t), -u * Math.sin(t) + v * Math.cos(t)]
        const [sx, sy] = [su + 4, 4 - sv]
        if (sx < 0 || sy < 0 || sx > n - 1 || sy > n - 1) continue
        expect(out[y * n + x]).toBeCloseTo(lin(sy, sx), 10)
        checked++
      }
    expect(checked).toBeGreaterThan(40)
  })

  it('keeps a constant image constant when the fill matches (weights sum to 1), and the centre pixel fixed', () => {
    expect(maxDiff(rotateImage(new Float64Array(49).fill(3), [7, 7], 17, 3), new Float64Array(49).fill(3))).toBeLessThan(1e-12)
    const a = square(7, 1)
    expect(rotateImage(a, [7, 7], 33)[24]).toBeCloseTo(a[24]!, 12)
  })

  it('randomRotation turns each row by one angle in [-maxDegrees, maxDegrees]', () => {
    const b = randomBatch(30, [6, 6])
    const out = randomRotation({ maxDegrees: 10, fill: 0.25 })(b, key(5))
    for (let r = 0; r < b.rows; r++) {
      // find the angle on a 0.5 degree grid: the best match must be very close, and inside the range
      let best = Infinity
      for (let deg = -12; deg <= 12; deg += 0.5) best = Math.min(best, maxDiff(rotateImage(rowOf(b, r), [6, 6], deg, 0.25), rowOf(out, r)))
      expect(best).toBeLessThan(0.2)
    }
    expect(same(out.x, b.x)).toBe(false)
  })
})

describe('brightness and contrast', () => {
  it('brightnessContrastImage is mean + factor * (v - mean) + delta, then clipped (hand-computed)', () => {
    // mean 2.5; factor 0.5: 1.75, 2.25, 2.75, 3.25; delta -1
    expect([...brightnessContrastImage(Float64Array.of(1, 2, 3, 4), -1, 0.5)]).toEqual([0.75, 1.25, 1.75, 2.25])
    expect([...brightnessContrastImage(Float64Array.of(1, 2, 3, 4), -1, 0.5, [1, 2])]).toEqual([1, 1.25, 1.75, 2])
  })

  it('each row gets one factor in [1 - contrast, 1 + contrast] and one delta in [-brightness, brightness]', () => {
    const b = randomBatch(50, [4, 4, 3])
    const out = brightnessContrast({ brightness: 0.3, contrast: 0.5 })(b, key(6))
    const factors: number[] = []
    for (let r = 0; r < b.rows; r++) {
      const [src, dst] = [rowOf(b, r), rowOf(out, r)]
      const mean = src.reduce((s, v) => s + v, 0) / src.length
      const factor = (dst[1]! - dst[0]!) / (src[1]! - src[0]!)
      const delta = dst[0]! - mean - factor * (src[0]! - mean)
      expect(factor).toBeGreaterThanOrEqual(0.5)
      expect(factor).toBeLessThanOrEqual(1.5)
      expect(Math.abs(delta)).toBeLessThanOrEqual(0.3)
      expect(maxDiff(dst, brightnessContrastImage(src, delta, factor))).toBeLessThan(1e-12)
      factors.push(factor)
    }
    expect(new Set(factors).size).toBe(50)
  })

  it('brightness alone adds one constant per row; clip bounds the values', () => {
    const b = randomBatch(20, [3, 3])
    const out = brightnessContrast({ brightness: 1 })(b, key(7))
    for (let r = 0; r < b.rows; r++) {
      const d = rowOf(out, r)[0]! - rowOf(b, r)[0]!
      expect(maxDiff(rowOf(out, r), rowOf(b, r).map((v) => v + d))).toBeLessThan(1e-12)
    }
    const clipped = brightnessContrast({ brightness: 1, contrast: 1, clip: [0.2, 0.8] })(b, key(7))
    expect(clipped.x.every((v) => v >= 0.2 && v <= 0.8)).toBe(true)
    expect(clipped.x.some((v) => v > 0.2 && v < 0.8)).toBe(true)
  })
})

describe('channels and flat rows', () => {
  // Pixel p has channels (p, p + 100, p + 200): every transform must keep that relation per pixel.
  const rgb = (rows: number, h: number, w: number): Batch => {
    const base = uniform(key(2), rows * h * w)
    return { x: Float64Array.from({ length: rows * h * w * 3 }, (_, i) => base[Math.floor(i / 3)]! + 100 * (i % 3)), y: new Float64Array(rows), rows, featureShape: [h, w, 3] }
  }

  it('flips, shifts and rotations move a pixel\'s 3 channels together', () => {
    const b = rgb(10, 5, 4)
    for (const t of [randomFlip({ vertical: true }), randomShift({ maxShift: 2, fill: 7 }), randomRotation({ maxDegrees: 20, fill: 7 })]) {
      const out = t(b, key(1))
      for (let p = 0; p < out.x.length; p += 3) {
        const [r, g, bl] = [out.x[p]!, out.x[p + 1]!, out.x[p + 2]!]
        // an interior pixel keeps the +100/+200 pattern; a pure fill pixel is 7, 7, 7; border pixels of a rotation mix both linearly
        const fillShare = (g - r - 100) / (7 - 7 - 100) // 0 inside, 1 all fill
        expect(bl - r).toBeCloseTo(200 * (1 - fillShare), 9)
        expect(fillShare).toBeGreaterThanOrEqual(-1e-9)
        expect(fillShare).toBeLessThanOrEqual(1 + 1e-9)
      }
    }
    expect([...flipImage(Float64Array.of(1, 2, 3, 4, 5, 6), [1, 2, 3], true, false)]).toEqual([4, 5, 6, 1, 2, 3])
  })

  it('reads flat digits rows as 8x8 images with shape: [8, 8], keeping featureShape [64]', () => {
    const digits = loadDigitsOrThrow()
    expect(digits.featureShape).toEqual([8, 8])
    const flat: Batch = { x: digits.x.subarray(0, 64 * 40), y: digits.y.subarray(0, 40), rows: 40, featureShape: [64] }
    const asImages: Batch = { ...flat, featureShape: [8, 8] }
    const out = randomShift({ maxShift: 2, shape: [8, 8] })(flat, key(4))
    expect(out.featureShape).toEqual([64])
    expect(same(out.x, randomShift({ maxShift: 2 })(asImages, key(4)).x)).toBe(true)
    expect(same(randomFlip({ probability: 1, shape: [8, 8] })(flat, key(0)).x.subarray(0, 64), flipImage(flat.x.subarray(0, 64), [8, 8], true, false))).toBe(true)
    expect(() => randomShift({ maxShift: 2 })(flat, key(4))).toThrow(/randomShift: featureShape: expected image rows of shape \[H, W\] or \[H, W, C\], got \[64\]; pass the shape option/)
  })
})

describe('composeAugment and augmentDataset', () => {
  const add = (v: number): BatchTransform => (b) => ({ ...b, x: b.x.map((x) => x + v) })
  const times = (v: number): BatchTransform => (b) => ({ ...b, x: b.x.map((x) => x * v) })

  it('applies in order: (x + 1) * 2 is not x * 2 + 1', () => {
    const b: Batch = { x: Float64Array.of(1, 2, 3, 4), y: Float64Array.of(0), rows: 1, featureShape: [2, 2] }
    expect([...composeAugment(add(1), times(2))(b, key(0)).x]).toEqual([4, 6, 8, 10])
    expect([...composeAugment(times(2), add(1))(b, key(0)).x]).toEqual([3, 5, 7, 9])
    expect(composeAugment()(b, key(0))).toBe(b)
    // real transforms: shifting then brightening moves the fill; brightening then shifting keeps it
    const brightenThenShift = composeAugment(brightnessContrast({ brightness: 1 }), randomShift({ maxShift: 1, fill: 0 }))
    const shiftThenBrighten = composeAugment(randomShift({ maxShift: 1, fill: 0 }), brightnessContrast({ brightness: 1 }))
    const big = randomBatch(20, [4, 4])
    expect(same(brightenThenShift(big, key(3)).x, shiftThenBrighten(big, key(3)).x)).toBe(false)
  })

  it('property: transform i gets foldIn(key, i), and the result is reproducible', () => {
    const a = randomFlip({ vertical: true })
    const s = randomShift({ maxShift: [2, 1], fill: -1 })
    const bc = brightnessContrast({ brightness: 0.5, contrast: 0.5 })
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 6 }), (seed, rows) => {
        const b = randomBatch(rows, [4, 3, 2], seed)
        const k: Key = key(seed)
        const composed = composeAugment(a, s, bc)(b, k)
        const byHand = bc(s(a(b, foldIn(k, 0)), foldIn(k, 1)), foldIn(k, 2))
        expect(same(composed.x, byHand.x)).toBe(true)
        expect(same(composeAugment(a, s, bc)(b, k).x, composed.x)).toBe(true)
      }),
      { seed: 1, numRuns: 50 },
    )
  })

  it('names a transform that breaks the contract, and refuses non-functions', () => {
    const b = randomBatch(2, [2, 2])
    const dropRow: BatchTransform = (x) => ({ ...x, rows: 1, x: x.x.subarray(0, 4) })
    expect(() => composeAugment(randomFlip(), dropRow)(b, key(0))).toThrow('composeAugment: transforms[1]: returned 1 rows of featureShape [2, 2], expected 2 of [2, 2]')
    expect(() => composeAugment(randomFlip(), 3 as never)).toThrow('composeAugment: transforms[1]: expected a BatchTransform function, got 3')
  })

  it('augmentDataset makes copies with keys foldIn(key, j), labels repeated', () => {
    const ds = makeDataset(uniform(key(1), 3 * 9), Float64Array.of(0, 2, 1), [3, 3], ['a', 'b', 'c'])
    const t = randomShift({ maxShift: 1 })
    const out = augmentDataset(ds, t, key(5), { copies: 3 })
    expect(out.n).toBe(9)
    expect([...out.y]).toEqual([0, 2, 1, 0, 2, 1, 0, 2, 1])
    expect(out.classes).toEqual(['a', 'b', 'c'])
    const batch: Batch = { x: ds.x, y: ds.y, rows: 3, featureShape: [3, 3] }
    for (let j = 0; j < 3; j++) expect(same(out.x.subarray(j * 27, (j + 1) * 27), t(batch, foldIn(key(5), j)).x)).toBe(true)
    expect(augmentDataset(ds, t, key(5)).n).toBe(3)
    expect(() => augmentDataset(ds, t, key(5), { copies: 0 })).toThrow('augmentDataset: copies: expected a positive integer, got 0')
  })

  it('augmentDataset repeats all of a multi-label row\'s targets and keeps targetShape', () => {
    const ds = makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 0, 1, 1), [1, 2], ['red', 'round'], [2])
    const out = augmentDataset(ds, randomFlip({ probability: 1 }), key(0), { copies: 2 })
    expect(out.n).toBe(4)
    expect([...out.x]).toEqual([2, 1, 4, 3, 2, 1, 4, 3])
    expect([...out.y]).toEqual([1, 0, 1, 1, 1, 0, 1, 1])
    expect(out.targetShape).toEqual([2])
  })
})

describe('errors', () => {
  const img = randomBatch(2, [4, 4])

  it('refuse non-image feature shapes, naming the transform, and a shape that does not fit the rows', () => {
    for (const [name, t] of TRANSFORMS.slice(0, 5)) {
      expect(() => t(randomBatch(2, [16]), key(0))).toThrow(new RegExp(`^${name}: featureShape: expected image rows of shape`))
      expect(() => t(randomBatch(2, [2, 2, 2, 2]), key(0))).toThrow(`${name}: featureShape`)
    }
    expect(() => randomFlip({ shape: [4, 5] })(randomBatch(2, [16]), key(0))).toThrow('randomFlip: shape: [4, 5, 1] holds 20 values, but a row of featureShape [16] holds 16')
    expect(() => randomFlip()({ ...img, rows: 3 }, key(0))).toThrow('randomFlip: batch.x: has 32 values, expected rows * features = 3 * 16')
    expect(() => randomFlip()(img, { k0: 1 } as never)).toThrow(/randomFlip: expected a Key/)
  })

  it('refuse bad options, naming the function and the option', () => {
    const cases: readonly (readonly [() => unknown, string])[] = [
      [() => randomFlip({ probability: 2 }), 'randomFlip: probability: expected a number in [0, 1], got 2'],
      [() => randomFlip({ probabilty: 0.5 } as never), "randomFlip: probabilty: unknown option; did you mean 'probability'?"],
      [() => randomFlip({ shape: [0, 8] }), 'randomFlip: shape: expected an image shape [H, W] or [H, W, C] of positive integers, got [0, 8]'],
      [() => randomFlip({ shape: [64] as never }), 'randomFlip: shape: expected an image shape'],
      [() => randomShift({ maxShift: -1 }), 'randomShift: maxShift: expected a non-negative integer number of pixels, got -1'],
      [() => randomShift({ maxShift: 1.5 }), 'randomShift: maxShift: expected a non-negative integer number of pixels, got 1.5'],
      [() => randomShift({ maxShift: [1, 2, 3] as never }), 'randomShift: maxShift: expected a number or [dy, dx], got a list of 3'],
      [() => randomShift({} as never), 'randomShift: maxShift: missing; expected a non-negative integer or [dy, dx]'],
      [() => randomShift({ maxShift: 1, fill: NaN }), 'randomShift: fill: expected a finite number, got NaN'],
      [() => randomCrop({} as never), 'randomCrop: padding: missing; expected a non-negative integer'],
      [() => randomCrop({ padding: 4, maxShift: 2 } as never), 'randomCrop: maxShift: unknown option'],
      [() => randomRotation({ maxDegrees: 200 }), 'randomRotation: maxDegrees: expected a number in [0, 180], got 200'],
      [() => randomRotation(undefined as never), 'randomRotation: maxDegrees: missing'],
      [() => brightnessContrast({ contrast: 1.5 }), 'brightnessContrast: contrast: expected a number in [0, 1], got 1.5'],
      [() => brightnessContrast({ brightness: -1 }), 'brightnessContrast: brightness: expected a number in [0, Infinity), got -1'],
      [() => brightnessContrast({ clip: [1, 0] }), 'brightnessContrast: clip: expected [lo, hi] with finite lo <= hi, got [1, 0]'],
      [() => brightnessContrast({ clip: 'x' as never }), 'brightnessContrast: clip: expected an array, got the string "x"'],
      [() => augmentDataset(makeDataset(new Float64Array(4), new Float64Array(1), [2, 2], []), randomFlip(), key(0), { copie: 2 } as never), "augmentDataset: copie: unknown option; did you mean 'copies'?"],
      [() => shiftImage(new Float64Array(5), [2, 3], 0, 0), 'shiftImage: image: has 5 values, but shape [2, 3, 1] holds 6'],
      [() => rotateImage(new Float64Array(6), [2, 3], Infinity), 'rotateImage: degrees: expected a finite number, got Infinity'],
    ]
    for (const [run, message] of cases) expect(run).toThrow(message)
  })
})
