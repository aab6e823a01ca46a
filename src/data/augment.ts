/**
 * Keyed, reproducible data augmentation for image rows: random flips, shifts (pad and crop), small
 * rotations and brightness/contrast, composed with `composeAugment`. A transform is a pure function
 * of a batch and a key: it never mutates its input, returns as many rows of the same feature shape, and
 * draws all its randomness from the key. Row `r` draws from `foldIn(key, r)`, so what happens to a row
 * depends on the key and its position, not on the other rows of the batch.
 *
 * Images are rows of feature shape `[H, W]` or `[H, W, C]` (channels last, as `conv2d`). A flat row
 * (`[64]` for the 8x8 digits) is refused unless the transform's `shape` option says how to read it.
 * @module
 */

import { ArgumentError, checkOptionKinds, describeValue, numberList, requirePositiveInteger, type OptionKinds } from '../options.js'
import { checkKey } from '../random/internal.js'
import { foldIn, type Key } from '../random/key.js'
import { randomInt, uniform } from '../random/sample.js'
import { adjustInto, flipInto, imageDims, parseClip, parseImageShape, requireFinite, rotateInto, shiftInto, type Dims, type ImageShape } from './augment-core.js'
import type { Dataset } from './dataset.js'

/** A batch of rows: `rows` rows of `featureShape` each in `x` (row-major), and their labels/targets in `y`. */
export interface Batch {
  readonly x: Float64Array
  readonly y: Float64Array
  readonly rows: number
  readonly featureShape: readonly number[]
}

/** A pure per-batch transform: same rows count and featureShape out; must not mutate its input; randomness only from `key`. */
export type BatchTransform = (batch: Batch, key: Key) => Batch

/** `randomFlip`'s options: which flips may happen, each independently with `probability`. */
export interface FlipOptions {
  /** Mirror left-right (default true). */
  readonly horizontal?: boolean
  /** Mirror top-bottom (default false). */
  readonly vertical?: boolean
  /** The chance of each enabled flip, per row (default 0.5). */
  readonly probability?: number
  /** How to read flat rows as images. */
  readonly shape?: ImageShape
}

/** `randomShift`'s options. */
export interface ShiftOptions {
  /** The largest shift in pixels, both axes or `[dy, dx]`; each row's shift is uniform over the integers in `[-max, max]`. */
  readonly maxShift: number | readonly [number, number]
  /** The value of uncovered pixels (default 0). */
  readonly fill?: number
  /** How to read flat rows as images. */
  readonly shape?: ImageShape
}

/** `randomCrop`'s options. */
export interface CropOptions {
  /** Pixels of `fill` added on every side before cropping back to `H x W`. */
  readonly padding: number
  /** The padding value (default 0). */
  readonly fill?: number
  /** How to read flat rows as images. */
  readonly shape?: ImageShape
}

/** `randomRotation`'s options. */
export interface RotationOptions {
  /** Each row turns by an angle uniform in `[-maxDegrees, maxDegrees]` (at most 180). */
  readonly maxDegrees: number
  /** The value read outside the image (default 0). */
  readonly fill?: number
  /** How to read flat rows as images. */
  readonly shape?: ImageShape
}

/** `brightnessContrast`'s options. */
export interface BrightnessContrastOptions {
  /** The largest added delta: each row adds one uniform in `[-brightness, brightness]` (default 0). */
  readonly brightness?: number
  /** The largest relative change of contrast: each row's factor is uniform in `[1 - contrast, 1 + contrast]`, at most 1 (default 0). */
  readonly contrast?: number
  /** Clip the results to `[lo, hi]`. */
  readonly clip?: readonly [number, number]
  /** How to read flat rows as images. */
  readonly shape?: ImageShape
}

/** `augmentDataset`'s options. */
export interface AugmentDatasetOptions {
  /** How many augmented copies of the data set to make (default 1). */
  readonly copies?: number
}

const FLIP_KINDS: OptionKinds<FlipOptions> = { horizontal: 'boolean', vertical: 'boolean', probability: 'number', shape: 'array' }
const SHIFT_KINDS: OptionKinds<ShiftOptions> = { maxShift: ['number', 'array'], fill: 'number', shape: 'array' }
const CROP_KINDS: OptionKinds<CropOptions> = { padding: 'number', fill: 'number', shape: 'array' }
const ROTATION_KINDS: OptionKinds<RotationOptions> = { maxDegrees: 'number', fill: 'number', shape: 'array' }
const ADJUST_KINDS: OptionKinds<BrightnessContrastOptions> = { brightness: 'number', contrast: 'number', clip: 'array', shape: 'array' }
const DATASET_KINDS: OptionKinds<AugmentDatasetOptions> = { copies: 'number' }

const required = (who: string, field: string, v: unknown, what: string): unknown => {
  if (v === undefined) throw new ArgumentError(who, field, `missing; expected ${what}`)
  return v
}

const numberIn = (who: string, field: string, v: unknown, lo: number, hi: number, fallback: number): number => {
  if (v === undefined) return fallback
  const n = requireFinite(who, field, v)
  if (n < lo || n > hi) throw new ArgumentError(who, field, `expected a number in [${lo}, ${hi === Infinity ? 'Infinity)' : `${hi}]`}, got ${n}`)
  return n
}

const pixels = (who: string, field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new ArgumentError(who, field, `expected a non-negative integer number of pixels, got ${describeValue(v)}`)
  return v
}

const shapeOption = (who: string, v: unknown): Dims | undefined => (v === undefined ? undefined : parseImageShape(who, 'shape', v))

/** The feature count of a well-formed batch; an `ArgumentError` naming `who` and the field otherwise. */
const checkBatch = (who: string, batch: Batch): number => {
  if (typeof batch !== 'object' || batch === null)
    throw new ArgumentError(who, 'batch', `expected a batch { x, y, rows, featureShape }, got ${describeValue(batch)}`)
  for (const field of ['x', 'y'] as const)
    if (!(batch[field] instanceof Float64Array)) throw new ArgumentError(who, `batch.${field}`, `expected a Float64Array, got ${describeValue(batch[field])}`)
  if (!Number.isSafeInteger(batch.rows) || batch.rows < 0)
    throw new ArgumentError(who, 'batch.rows', `expected a non-negative integer, got ${describeValue(batch.rows)}`)
  const fs = numberList(who, 'batch.featureShape', batch.featureShape, true)
  if (!fs.every((d) => d > 0)) throw new ArgumentError(who, 'batch.featureShape', `expected positive integers, got [${fs.join(', ')}]`)
  const f = fs.reduce((a, b) => a * b, 1)
  if (batch.x.length !== batch.rows * f)
    throw new ArgumentError(who, 'batch.x', `has ${batch.x.length} values, expected rows * features = ${batch.rows} * ${f}`)
  return f
}

/** One row's work: read `src`, write `dst` (both one image's view), drawing only from the row's key. */
type RowOp = (src: Float64Array, dst: Float64Array, d: Dims, rowKey: Key) => void

const perRow =
  (who: string, shape: Dims | undefined, op: RowOp): BatchTransform =>
  (batch, k) => {
    const f = checkBatch(who, batch)
    checkKey(who, k)
    const d = imageDims(who, batch.featureShape, shape)
    const x = new Float64Array(batch.x.length)
    for (let r = 0; r < batch.rows; r++) op(batch.x.subarray(r * f, (r + 1) * f), x.subarray(r * f, (r + 1) * f), d, foldIn(k, r))
    return { x, y: batch.y, rows: batch.rows, featureShape: batch.featureShape }
  }

/**
 * Mirrors each row left-right (and/or top-bottom) with `probability`; with both enabled, each flip is
 * drawn independently.
 * @example
 * import { key, randomFlip } from 'kiln'
 * const batch = { x: Float64Array.of(1, 2, 3, 4, 5, 6), y: Float64Array.of(0), rows: 1, featureShape: [2, 3] }
 * randomFlip({ probability: 1 })(batch, key(0)).x // Float64Array.of(3, 2, 1, 6, 5, 4)
 * randomFlip({ probability: 0 })(batch, key(0)).x // Float64Array.of(1, 2, 3, 4, 5, 6)
 */
export const randomFlip = (options: FlipOptions = {}): BatchTransform => {
  const who = 'randomFlip'
  checkOptionKinds(who, options, FLIP_KINDS)
  const horizontal = options.horizontal ?? true
  const vertical = options.vertical ?? false
  const p = numberIn(who, 'probability', options.probability, 0, 1, 0.5)
  return perRow(who, shapeOption(who, options.shape), (src, dst, d, k) => {
    const u = uniform(k, 2)
    flipInto(src, dst, d, horizontal && u[0]! < p, vertical && u[1]! < p)
  })
}

/** The shift behind `randomShift` and `randomCrop`: uniform integers in `[-my, my]` and `[-mx, mx]`. */
const shifting = (who: string, my: number, mx: number, fill: number, shape: Dims | undefined): BatchTransform =>
  perRow(who, shape, (src, dst, d, k) => {
    // Element i of randomInt depends only on the key and i, so dy and dx are independent draws.
    const dy = my === 0 ? 0 : randomInt(k, 1, -my, my + 1)[0]!
    const dx = mx === 0 ? 0 : randomInt(k, 2, -mx, mx + 1)[1]!
    shiftInto(src, dst, d, dy, dx, fill)
  })

/**
 * Moves each row by a random whole number of pixels, up to `maxShift` (or `[dy, dx]`) each way,
 * filling what it uncovers with `fill`: the CIFAR "pad and crop" recipe (`randomCrop`).
 * @example
 * import { key, randomShift } from 'kiln'
 * const batch = { x: Float64Array.of(1, 2, 3, 4), y: Float64Array.of(0), rows: 1, featureShape: [2, 2] }
 * const out = randomShift({ maxShift: 1, fill: -1 })(batch, key(0)).x
 * out.every((v) => [-1, 1, 2, 3, 4].includes(v)) // true
 */
export const randomShift = (options: ShiftOptions): BatchTransform => {
  const who = 'randomShift'
  checkOptionKinds(who, options, SHIFT_KINDS)
  const o: Partial<ShiftOptions> = options ?? {}
  const m = required(who, 'maxShift', o.maxShift, 'a non-negative integer or [dy, dx]')
  const both = typeof m === 'number' ? [m, m] : numberList(who, 'maxShift', m, true)
  if (both.length !== 2) throw new ArgumentError(who, 'maxShift', `expected a number or [dy, dx], got a list of ${both.length}`)
  return shifting(who, pixels(who, 'maxShift', both[0]), pixels(who, 'maxShift', both[1]), requireFinite(who, 'fill', o.fill ?? 0), shapeOption(who, o.shape))
}

/**
 * Pads each row with `padding` pixels of `fill` on every side and crops a random `H x W` window: the
 * same as `randomShift` with `maxShift: padding`.
 * @example
 * import { key, randomCrop, randomShift } from 'kiln'
 * const batch = { x: Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), y: Float64Array.of(0), rows: 1, featureShape: [3, 3] }
 * randomCrop({ padding: 1 })(batch, key(5)).x // randomShift({ maxShift: 1 })(batch, key(5)).x
 */
export const randomCrop = (options: CropOptions): BatchTransform => {
  const who = 'randomCrop'
  checkOptionKinds(who, options, CROP_KINDS)
  const o: Partial<CropOptions> = options ?? {}
  const p = pixels(who, 'padding', required(who, 'padding', o.padding, 'a non-negative integer'))
  return shifting(who, p, p, requireFinite(who, 'fill', o.fill ?? 0), shapeOption(who, o.shape))
}

/**
 * Turns each row about its centre by an angle uniform in `[-maxDegrees, maxDegrees]` (positive is
 * counter-clockwise), with bilinear interpolation; positions outside the image read `fill`.
 * @example
 * import { key, randomRotation } from 'kiln'
 * const batch = { x: Float64Array.of(1, 2, 3, 4), y: Float64Array.of(0), rows: 1, featureShape: [2, 2] }
 * randomRotation({ maxDegrees: 0 })(batch, key(0)).x // Float64Array.of(1, 2, 3, 4)
 * randomRotation({ maxDegrees: 10 })(batch, key(0)).x.length // 4
 */
export const randomRotation = (options: RotationOptions): BatchTransform => {
  const who = 'randomRotation'
  checkOptionKinds(who, options, ROTATION_KINDS)
  const o: Partial<RotationOptions> = options ?? {}
  const max = numberIn(who, 'maxDegrees', required(who, 'maxDegrees', o.maxDegrees, 'a number of degrees in [0, 180]'), 0, 180, 0)
  const fill = requireFinite(who, 'fill', o.fill ?? 0)
  return perRow(who, shapeOption(who, o.shape), (src, dst, d, k) =>
    rotateInto(src, dst, d, max === 0 ? 0 : uniform(k, 1, -max, max)[0]!, fill),
  )
}

/**
 * Changes each row's contrast by a factor uniform in `[1 - contrast, 1 + contrast]` around the
 * image's mean (over all its values and channels), then adds a delta uniform in `[-brightness,
 * brightness]`, then clips to `clip` when given.
 * @example
 * import { key, brightnessContrast } from 'kiln'
 * const batch = { x: Float64Array.of(0, 0.5, 1, 0.5), y: Float64Array.of(0), rows: 1, featureShape: [2, 2] }
 * const out = brightnessContrast({ brightness: 0.2, contrast: 0.5, clip: [0, 1] })(batch, key(0)).x
 * out.every((v) => v >= 0 && v <= 1) // true
 * brightnessContrast({})(batch, key(0)).x // Float64Array.of(0, 0.5, 1, 0.5)
 */
export const brightnessContrast = (options: BrightnessContrastOptions = {}): BatchTransform => {
  const who = 'brightnessContrast'
  checkOptionKinds(who, options, ADJUST_KINDS)
  const brightness = numberIn(who, 'brightness', options.brightness, 0, Infinity, 0)
  const contrast = numberIn(who, 'contrast', options.contrast, 0, 1, 0)
  const clip = parseClip(who, options.clip)
  return perRow(who, shapeOption(who, options.shape), (src, dst, _d, k) => {
    const u = uniform(k, 2, -1, 1)
    // With brightness or contrast 0 these are exactly 0 and 1, so an unset option changes nothing.
    adjustInto(src, dst, { delta: brightness * u[0]!, factor: 1 + contrast * u[1]!, clip })
  })
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i])

/**
 * Applies transforms in order, transform `i` with key `foldIn(key, i)`. Each result is checked to keep
 * the batch's rows and feature shape, so a user-written transform that breaks the contract is named.
 * With no transforms, the batch comes back as it is.
 * @example
 * import { composeAugment, key, randomFlip, randomShift } from 'kiln'
 * const augment = composeAugment(randomFlip(), randomShift({ maxShift: 1 }))
 * const batch = { x: new Float64Array(18), y: Float64Array.of(0, 1), rows: 2, featureShape: [3, 3] }
 * augment(batch, key(0)).rows // 2
 */
export const composeAugment = (...transforms: readonly BatchTransform[]): BatchTransform => {
  const who = 'composeAugment'
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw new ArgumentError(who, `transforms[${i}]`, `expected a BatchTransform function, got ${describeValue(t)}`)
  })
  const list = [...transforms]
  return (batch, k) => {
    checkKey(who, k)
    return list.reduce((b, t, i) => {
      const out = t(b, foldIn(k, i))
      if (out.rows !== b.rows || !sameShape(out.featureShape, b.featureShape) || out.x.length !== b.x.length)
        throw new ArgumentError(who, `transforms[${i}]`, `returned ${out.rows} rows of featureShape [${out.featureShape.join(', ')}], expected ${b.rows} of [${b.featureShape.join(', ')}]`)
      return out
    }, batch)
  }
}

/**
 * `copies` augmented copies of a data set, copy `j` made with key `foldIn(key, j)`, one after another in
 * a new data set (labels repeated), to preview a transform or precompute an augmented training set.
 * @example
 * import { augmentDataset, key, makeDataset, randomFlip } from 'kiln'
 * const ds = makeDataset(Float64Array.of(1, 2, 3, 4), Float64Array.of(0, 1), [1, 2], ['a', 'b'])
 * const more = augmentDataset(ds, randomFlip({ probability: 1 }), key(0), { copies: 2 })
 * more.x // Float64Array.of(2, 1, 4, 3, 2, 1, 4, 3)
 * more.y // Float64Array.of(0, 1, 0, 1)
 */
export const augmentDataset = (ds: Dataset, transform: BatchTransform, k: Key, options: AugmentDatasetOptions = {}): Dataset => {
  const who = 'augmentDataset'
  checkOptionKinds(who, options, DATASET_KINDS)
  const copies = requirePositiveInteger(who, 'copies', options.copies ?? 1)
  if (typeof transform !== 'function') throw new ArgumentError(who, 'transform', `expected a BatchTransform function, got ${describeValue(transform)}`)
  checkKey(who, k)
  const batch: Batch = { x: ds.x, y: ds.y, rows: ds.n, featureShape: ds.featureShape }
  // y holds targetCount values per row (a multi-label row's k targets), all of them repeated with the row.
  const [xs, ys] = [ds.x.length, ds.y.length]
  const x = new Float64Array(copies * xs)
  const y = new Float64Array(copies * ys)
  for (let j = 0; j < copies; j++) {
    const out = transform(batch, foldIn(k, j))
    if (out.x.length !== xs || out.y.length !== ys)
      throw new ArgumentError(who, 'transform', `copy ${j} has ${out.x.length} feature values and ${out.y.length} labels, expected ${xs} and ${ys}`)
    x.set(out.x, j * xs)
    y.set(out.y, j * ys)
  }
  return { ...ds, x, y, n: copies * ds.n }
}
