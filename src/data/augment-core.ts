/**
 * The deterministic image operations behind the augmentation transforms (`augment.ts`): flip, integer
 * shift with fill, rotation about the centre with bilinear interpolation, and brightness/contrast. Each
 * works on one image, row-major `[H, W]` or channels-last `[H, W, C]` (as Kiln's `conv2d`), and moves
 * a pixel's channels together. The exported forms check their arguments and return a new array; the
 * `...Into` kernels write into a given view and are what the batch transforms run per row.
 * @module
 */

import { ArgumentError, describeValue, numberList, requireInteger } from '../options.js'

/** An image's shape: `[H, W]` (grayscale) or `[H, W, C]` (channels last). */
export type ImageShape = readonly [number, number] | readonly [number, number, number]

/** An image's height, width and channel count (1 for `[H, W]`). */
export interface Dims {
  readonly h: number
  readonly w: number
  readonly c: number
}

const DEG = Math.PI / 180

const dimsText = (d: Dims): string => `[${d.h}, ${d.w}, ${d.c}]`

/**
 * The dims of an image shape given by the user as `field`; an `ArgumentError` unless it is 2 or 3 positive integers.
 * @internal
 * @example
 * import { parseImageShape } from './augment-core.js'
 * parseImageShape('randomFlip', 'shape', [8, 8]) // { h: 8, w: 8, c: 1 }
 * try { parseImageShape('randomFlip', 'shape', [64]) } catch (e) { (e as Error).message } // 'randomFlip: shape: expected an image shape [H, W] or [H, W, C] of positive integers, got [64]'
 */
export const parseImageShape = (who: string, field: string, v: unknown): Dims => {
  const s = numberList(who, field, v, true)
  if ((s.length !== 2 && s.length !== 3) || !s.every((d) => d > 0))
    throw new ArgumentError(who, field, `expected an image shape [H, W] or [H, W, C] of positive integers, got [${s.join(', ')}]`)
  return { h: s[0]!, w: s[1]!, c: s[2] ?? 1 }
}

/**
 * How a row of `featureShape` reads as an image: by `shape` when given (it must hold as many values as
 * a row), else from a `[H, W]` or `[H, W, C]` feature shape. A flat row is refused, naming `who`:
 * guessing a square image from `[64]` would silently misread `[H * W * C]` rows.
 * @internal
 * @example
 * import { imageDims } from './augment-core.js'
 * imageDims('randomFlip', [4, 5, 3], undefined) // { h: 4, w: 5, c: 3 }
 * imageDims('randomFlip', [64], { h: 8, w: 8, c: 1 }) // { h: 8, w: 8, c: 1 }
 * try { imageDims('randomFlip', [64], undefined) } catch (e) { (e as Error).message } // 'randomFlip: featureShape: expected image rows of shape [H, W] or [H, W, C], got [64]; pass the shape option (for example shape: [8, 8]) to read flat rows as images'
 */
export const imageDims = (who: string, featureShape: readonly number[], shape: Dims | undefined): Dims => {
  const size = featureShape.reduce((a, b) => a * b, 1)
  const fs = `[${featureShape.join(', ')}]`
  if (shape !== undefined) {
    if (shape.h * shape.w * shape.c !== size)
      throw new ArgumentError(who, 'shape', `${dimsText(shape)} holds ${shape.h * shape.w * shape.c} values, but a row of featureShape ${fs} holds ${size}`)
    return shape
  }
  if (featureShape.length === 2) return { h: featureShape[0]!, w: featureShape[1]!, c: 1 }
  if (featureShape.length === 3) return { h: featureShape[0]!, w: featureShape[1]!, c: featureShape[2]! }
  throw new ArgumentError(who, 'featureShape', `expected image rows of shape [H, W] or [H, W, C], got ${fs}; pass the shape option (for example shape: [8, 8]) to read flat rows as images`)
}

/** The dims of an exported core's `shape` argument, checked against the image's length. */
const checkImage = (who: string, image: unknown, shape: unknown): Dims => {
  const d = parseImageShape(who, 'shape', shape)
  if (!(image instanceof Float64Array)) throw new ArgumentError(who, 'image', `expected a Float64Array, got ${describeValue(image)}`)
  if (image.length !== d.h * d.w * d.c)
    throw new ArgumentError(who, 'image', `has ${image.length} values, but shape ${dimsText(d)} holds ${d.h * d.w * d.c}`)
  return d
}

/**
 * A finite primitive number, or an `ArgumentError` naming `who` and `field`.
 * @internal
 * @example
 * import { requireFinite } from './augment-core.js'
 * requireFinite('randomShift', 'fill', 0.5) // 0.5
 * try { requireFinite('randomShift', 'fill', NaN) } catch (e) { (e as Error).message } // 'randomShift: fill: expected a finite number, got NaN'
 */
export const requireFinite = (who: string, field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(who, field, `expected a finite number, got ${describeValue(v)}`)
  return v
}

/**
 * Writes `src` mirrored left-right (`horizontal`) and/or top-bottom (`vertical`) into `dst`.
 * @internal
 * @example
 * import { flipInto } from './augment-core.js'
 * const dst = new Float64Array(4)
 * flipInto(Float64Array.of(1, 2, 3, 4), dst, { h: 1, w: 2, c: 2 }, true, false)
 * dst // Float64Array.of(3, 4, 1, 2)
 */
export const flipInto = (src: Float64Array, dst: Float64Array, d: Dims, horizontal: boolean, vertical: boolean): void => {
  const { h, w, c } = d
  for (let y = 0; y < h; y++) {
    const sy = vertical ? h - 1 - y : y
    for (let x = 0; x < w; x++) {
      const i = (sy * w + (horizontal ? w - 1 - x : x)) * c
      const o = (y * w + x) * c
      for (let k = 0; k < c; k++) dst[o + k] = src[i + k]!
    }
  }
}

/**
 * Writes `src` moved down by `dy` and right by `dx` pixels into `dst`; uncovered pixels get `fill`.
 * @internal
 * @example
 * import { shiftInto } from './augment-core.js'
 * const dst = new Float64Array(3)
 * shiftInto(Float64Array.of(1, 2, 3), dst, { h: 3, w: 1, c: 1 }, 1, 0, -1)
 * dst // Float64Array.of(-1, 1, 2)
 */
export const shiftInto = (src: Float64Array, dst: Float64Array, d: Dims, dy: number, dx: number, fill: number): void => {
  const { h, w, c } = d
  for (let y = 0; y < h; y++) {
    const sy = y - dy
    for (let x = 0; x < w; x++) {
      const sx = x - dx
      const inside = sy >= 0 && sy < h && sx >= 0 && sx < w
      const i = (sy * w + sx) * c
      const o = (y * w + x) * c
      for (let k = 0; k < c; k++) dst[o + k] = inside ? src[i + k]! : fill
    }
  }
}

/**
 * Writes `src` rotated by `degrees` counter-clockwise (as displayed, rows going down) about the image
 * centre into `dst`. Each output pixel samples the input at its inversely rotated position, bilinearly
 * from the four neighbours; a neighbour outside the image counts as `fill` (so the border fades into the
 * fill continuously instead of jumping where a sample position leaves the image by a rounding error).
 * @internal
 * @example
 * import { rotateInto } from './augment-core.js'
 * const dst = new Float64Array(2)
 * rotateInto(Float64Array.of(1, 2), dst, { h: 1, w: 2, c: 1 }, 180, 0)
 * Array.from(dst, (v) => Math.round(v * 1e9) / 1e9) // [2, 1]
 */
export const rotateInto = (src: Float64Array, dst: Float64Array, d: Dims, degrees: number, fill: number): void => {
  // cos and sin of 0 are exact, but sample positions cx + (x - cx) need not be: copy for an exact identity.
  if (degrees === 0) return dst.set(src)
  const { h, w, c } = d
  const cos = Math.cos(degrees * DEG)
  const sin = Math.sin(degrees * DEG)
  const cy = (h - 1) / 2
  const cx = (w - 1) / 2
  // Each neighbour's offset into src, or -1 outside the image: bounds checked once per pixel, not per channel.
  const offset = (py: number, px: number): number => (py >= 0 && py < h && px >= 0 && px < w ? (py * w + px) * c : -1)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sx = cx + (x - cx) * cos - (y - cy) * sin
      const sy = cy + (x - cx) * sin + (y - cy) * cos
      const x0 = Math.floor(sx)
      const y0 = Math.floor(sy)
      const fx = sx - x0
      const fy = sy - y0
      const i00 = offset(y0, x0)
      const i01 = offset(y0, x0 + 1)
      const i10 = offset(y0 + 1, x0)
      const i11 = offset(y0 + 1, x0 + 1)
      const o = (y * w + x) * c
      for (let k = 0; k < c; k++) {
        // A zero weight skips its neighbour, so an exact grid position reads exactly one pixel.
        let v = (1 - fy) * (1 - fx) * (i00 < 0 ? fill : src[i00 + k]!)
        if (fx !== 0) v += (1 - fy) * fx * (i01 < 0 ? fill : src[i01 + k]!)
        if (fy !== 0) v += fy * (1 - fx) * (i10 < 0 ? fill : src[i10 + k]!)
        if (fx !== 0 && fy !== 0) v += fy * fx * (i11 < 0 ? fill : src[i11 + k]!)
        dst[o + k] = v
      }
    }
}

/** Brightness and contrast of one image: the factor applied around the image's mean, then the delta added, then the clip. */
export interface Adjustment {
  readonly delta: number
  readonly factor: number
  readonly clip: readonly [number, number] | undefined
}

/**
 * Writes `mean + factor * (v - mean) + delta` for each value `v` of `src` into `dst`, clipped to
 * `clip` when given. The mean is over the whole image, all channels: one factor for every channel
 * keeps a pixel's colour balance.
 * @internal
 * @example
 * import { adjustInto } from './augment-core.js'
 * const dst = new Float64Array(2)
 * adjustInto(Float64Array.of(0, 2), dst, { delta: 0.5, factor: 3, clip: undefined })
 * dst // Float64Array.of(-1.5, 4.5)
 */
export const adjustInto = (src: Float64Array, dst: Float64Array, a: Adjustment): void => {
  let mean = 0
  for (let i = 0; i < src.length; i++) mean += src[i]!
  mean /= src.length
  const [lo, hi] = a.clip ?? [-Infinity, Infinity]
  for (let i = 0; i < src.length; i++) {
    const v = (a.factor === 1 ? src[i]! : mean + a.factor * (src[i]! - mean)) + a.delta
    dst[i] = Math.min(hi, Math.max(lo, v))
  }
}

/**
 * One image mirrored left-right (`horizontal`) and/or top-bottom (`vertical`), channels kept together.
 * @example
 * import { flipImage } from 'kiln'
 * flipImage(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], true, false) // Float64Array.of(3, 2, 1, 6, 5, 4)
 * flipImage(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], false, true) // Float64Array.of(4, 5, 6, 1, 2, 3)
 */
export const flipImage = (image: Float64Array, shape: ImageShape, horizontal: boolean, vertical: boolean): Float64Array => {
  const d = checkImage('flipImage', image, shape)
  const out = new Float64Array(image.length)
  flipInto(image, out, d, horizontal === true, vertical === true)
  return out
}

/**
 * One image moved down by `dy` and right by `dx` whole pixels (negative: up, left); the pixels it
 * uncovers get `fill` (default 0).
 * @example
 * import { shiftImage } from 'kiln'
 * shiftImage(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], 0, 1) // Float64Array.of(0, 1, 2, 0, 4, 5)
 * shiftImage(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3], -1, 0, 9) // Float64Array.of(4, 5, 6, 9, 9, 9)
 */
export const shiftImage = (image: Float64Array, shape: ImageShape, dy: number, dx: number, fill = 0): Float64Array => {
  const d = checkImage('shiftImage', image, shape)
  const out = new Float64Array(image.length)
  shiftInto(image, out, d, requireInteger('shiftImage', 'dy', dy), requireInteger('shiftImage', 'dx', dx), requireFinite('shiftImage', 'fill', fill))
  return out
}

/**
 * One image rotated by `degrees` counter-clockwise about its centre, with bilinear interpolation;
 * positions outside the image read `fill` (default 0). 0 degrees is an exact copy.
 * @example
 * import { rotateImage } from 'kiln'
 * // 90 degrees: the top row becomes the left column, read upwards
 * const r = rotateImage(Float64Array.of(1, 2, 3, 4), [2, 2], 90)
 * Array.from(r, (v) => Math.round(v * 1e9) / 1e9) // [2, 4, 1, 3]
 * rotateImage(Float64Array.of(1, 2, 3, 4), [2, 2], 0) // Float64Array.of(1, 2, 3, 4)
 */
export const rotateImage = (image: Float64Array, shape: ImageShape, degrees: number, fill = 0): Float64Array => {
  const d = checkImage('rotateImage', image, shape)
  const out = new Float64Array(image.length)
  rotateInto(image, out, d, requireFinite('rotateImage', 'degrees', degrees), requireFinite('rotateImage', 'fill', fill))
  return out
}

/**
 * A `[lo, hi]` clip range of finite numbers with `lo <= hi`, or undefined when not given.
 * @internal
 * @example
 * import { parseClip } from './augment-core.js'
 * parseClip('brightnessContrast', [0, 1]) // [0, 1]
 * parseClip('brightnessContrast', undefined) // undefined
 */
export const parseClip = (who: string, v: unknown): readonly [number, number] | undefined => {
  if (v === undefined) return undefined
  const c = numberList(who, 'clip', v, false)
  if (c.length !== 2 || !c.every(Number.isFinite) || !(c[0]! <= c[1]!))
    throw new ArgumentError(who, 'clip', `expected [lo, hi] with finite lo <= hi, got [${c.join(', ')}]`)
  return [c[0]!, c[1]!]
}

/**
 * One image with contrast `factor` applied around its mean and `delta` added:
 * `mean + factor * (v - mean) + delta`, then clipped to `clip` when given. Shape-free: the mean is over
 * every value of the image, all channels.
 * @example
 * import { brightnessContrastImage } from 'kiln'
 * // mean 2: contrast 2 gives 0, 2, 4; brightness 1 adds 1
 * brightnessContrastImage(Float64Array.of(1, 2, 3), 1, 2) // Float64Array.of(1, 3, 5)
 * brightnessContrastImage(Float64Array.of(1, 2, 3), 1, 2, [0, 4]) // Float64Array.of(1, 3, 4)
 */
export const brightnessContrastImage = (image: Float64Array, delta: number, factor: number, clip?: readonly [number, number]): Float64Array => {
  const who = 'brightnessContrastImage'
  if (!(image instanceof Float64Array)) throw new ArgumentError(who, 'image', `expected a Float64Array, got ${describeValue(image)}`)
  const out = new Float64Array(image.length)
  if (image.length === 0) return out
  adjustInto(image, out, { delta: requireFinite(who, 'delta', delta), factor: requireFinite(who, 'factor', factor), clip: parseClip(who, clip) })
  return out
}
