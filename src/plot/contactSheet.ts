/**
 * A contact sheet: small grayscale images in a grid, each with a caption, as one SVG document (for
 * looking at misclassified digits, say). Dependency-free: every pixel is a `<rect>`.
 * @module
 */
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from '../options.js'
import { el, escapeXml, text, textWidth, truncate } from './svg.js'

/** One image: `height * width` pixel values, row-major, and its caption (`\n` starts a new line). */
export interface SheetImage {
  readonly pixels: ArrayLike<number>
  readonly height: number
  readonly width: number
  readonly caption: string
}

/** Options of {@link contactSheet}. */
export interface ContactSheetOptions {
  /** Images per row. Default: 10, or fewer images. */
  readonly columns?: number
  /** Screen pixels per image pixel. Default 6. */
  readonly scale?: number
  readonly title?: string
  /** Pixel values drawn black and white: `[black, white]`. Default: the smallest and largest value over all images. */
  readonly range?: readonly number[]
  /** Draw high values dark (ink on paper) instead of light. Default false. */
  readonly invert?: boolean
}

const SHEET_KINDS: OptionKinds<ContactSheetOptions> = { columns: 'number', scale: 'number', title: 'string', range: 'array', invert: 'boolean' }

const CAPTION_FONT = 11
const LINE = CAPTION_FONT + 3
const PAD = 8

const checkImages = (images: readonly SheetImage[]): void => {
  const who = 'contactSheet'
  if (!Array.isArray(images)) throw new ArgumentError(who, 'images', `expected an array of { pixels, height, width, caption }, got ${describeValue(images)}`)
  images.forEach((im, i) => {
    if (typeof im !== 'object' || im === null) throw new ArgumentError(who, `images[${i}]`, `expected { pixels, height, width, caption }, got ${describeValue(im)}`)
    for (const f of ['height', 'width'] as const)
      if (!Number.isSafeInteger(im[f]) || im[f] < 1) throw new ArgumentError(who, `images[${i}].${f}`, `expected a positive integer, got ${describeValue(im[f])}`)
    if (typeof im.caption !== 'string') throw new ArgumentError(who, `images[${i}].caption`, `expected a string, got ${describeValue(im.caption)}`)
    const px: unknown = im.pixels
    if (!(Array.isArray(px) || (ArrayBuffer.isView(px) && !(px instanceof DataView)))) throw new ArgumentError(who, `images[${i}].pixels`, `expected an array of numbers, got ${describeValue(px)}`)
    if (im.pixels.length !== im.height * im.width)
      throw new ArgumentError(who, `images[${i}].pixels`, `has ${im.pixels.length} values; expected height x width = ${im.height} x ${im.width} = ${im.height * im.width}`)
    for (let j = 0; j < im.pixels.length; j++)
      if (typeof im.pixels[j] !== 'number' || !Number.isFinite(im.pixels[j])) throw new ArgumentError(who, `images[${i}].pixels`, `entry ${j} is ${describeValue(im.pixels[j])}; expected a finite number`)
  })
}

/** The black and white levels: the option, or the data's range. */
const levels = (images: readonly SheetImage[], range: readonly number[] | undefined): readonly [number, number] => {
  if (range !== undefined) {
    const [lo, hi] = range
    if (range.length !== 2 || typeof lo !== 'number' || typeof hi !== 'number' || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi))
      throw new ArgumentError('contactSheet', 'range', `expected [black, white], two finite numbers with black < white, got [${range.slice(0, 4).map(describeValue).join(', ')}${range.length > 4 ? ', ...' : ''}]`)
    return [lo, hi]
  }
  let lo = Infinity
  let hi = -Infinity
  for (const im of images)
    for (let j = 0; j < im.pixels.length; j++) {
      lo = Math.min(lo, im.pixels[j]!)
      hi = Math.max(hi, im.pixels[j]!)
    }
  return lo < hi ? [lo, hi] : [lo, lo + 1]
}

const count = (field: string, v: number | undefined, fallback: number, integer: boolean, max: number): number => {
  const x = v ?? fallback
  if (!(Number.isFinite(x) && x > 0 && x <= max && (!integer || Number.isInteger(x))))
    throw new ArgumentError('contactSheet', field, `expected ${integer ? 'an integer' : 'a number'} in (0, ${max}], got ${describeValue(x)}`)
  return x
}

const hex = (v: number): string => Math.round(v).toString(16).padStart(2, '0')

/** One image's pixels as rects, from (x0, y0); runs of equal gray in a row share a rect. */
const pixelRects = (im: SheetImage, x0: number, y0: number, scale: number, gray: (v: number) => number): string[] => {
  const out: string[] = []
  for (let r = 0; r < im.height; r++) {
    let c = 0
    while (c < im.width) {
      const g = gray(im.pixels[r * im.width + c]!)
      let end = c + 1
      while (end < im.width && gray(im.pixels[r * im.width + end]!) === g) end++
      out.push(el('rect', { x: x0 + c * scale, y: y0 + r * scale, width: (end - c) * scale, height: scale, fill: `#${hex(g).repeat(3)}` }))
      c = end
    }
  }
  return out
}

/**
 * Renders grayscale images in a grid as a standalone SVG document (a string): each image scaled by
 * `scale` with a thin frame, its caption under it (one line per `\n`, cut with `…` to the cell
 * width, XML-escaped; the full caption is the cell's tooltip). Pixel values map linearly from
 * `range` (default: the data's range) to black..white, or white..black with `invert`. Throws an
 * `ArgumentError` naming the image and field for a bad image, and the option for a bad option.
 * @example
 * import { contactSheet } from 'kiln'
 * const svg = contactSheet([
 *   { pixels: [0, 16, 16, 0], height: 2, width: 2, caption: 'true 3\npred <8>' },
 *   { pixels: [16, 0, 0, 16], height: 2, width: 2, caption: 'two' },
 * ], { invert: true, title: 'Errors' })
 * svg.startsWith('<svg') // true
 * svg.includes('>pred &lt;8&gt;</text>') // true
 * svg.includes('fill="#000000"') // true
 */
export const contactSheet = (images: readonly SheetImage[], options: ContactSheetOptions = {}): string => {
  checkOptionKinds('contactSheet', options, SHEET_KINDS)
  checkImages(images)
  const columns = count('columns', options.columns, Math.max(1, Math.min(10, images.length)), true, 1000)
  const scale = count('scale', options.scale, 6, false, 100)
  const [lo, hi] = levels(images, options.range)
  const invert = options.invert ?? false
  const gray = (v: number): number => {
    const f = Math.min(1, Math.max(0, (v - lo) / (hi - lo)))
    return Math.round(255 * (invert ? 1 - f : f))
  }
  const captions = images.map((im) => im.caption.split('\n'))
  const lines = Math.max(1, ...captions.map((c) => c.length))
  const imgW = Math.max(1, ...images.map((im) => im.width)) * scale
  const imgH = Math.max(1, ...images.map((im) => im.height)) * scale
  const cellW = Math.max(imgW, 48) + PAD
  const cellH = imgH + 4 + lines * LINE + PAD
  const top = options.title === undefined ? PAD : 36
  const rows = Math.ceil(images.length / columns)
  const width = Math.round(Math.max(columns * cellW + PAD, 160))
  const height = Math.round(top + Math.max(1, rows) * cellH + PAD / 2)
  const fit = (s: string): string => {
    let n = [...s].length
    while (n > 1 && textWidth(truncate(s, n), CAPTION_FONT) > cellW - 4) n--
    return truncate(s, n)
  }

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title ?? 'contact sheet')}" font-family="Helvetica, Arial, sans-serif" font-size="${CAPTION_FONT}">`,
  ]
  if (options.title !== undefined) out.push(el('title', {}, text(options.title)))
  out.push(el('rect', { width, height, fill: '#ffffff' }))
  if (options.title !== undefined)
    out.push(el('text', { class: 'title', x: width / 2, y: 24, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }, text(truncate(options.title, Math.floor((width - 16) / 9)))))
  if (images.length === 0) out.push(el('text', { class: 'no-data', x: width / 2, y: top + 20, 'text-anchor': 'middle', fill: '#888888' }, text('no images')))
  images.forEach((im, i) => {
    const x = PAD + (i % columns) * cellW
    const y = top + Math.floor(i / columns) * cellH
    const ix = x + (cellW - PAD - im.width * scale) / 2
    const caption = captions[i]!.map((line, j) =>
      el('text', { x: x + (cellW - PAD) / 2, y: y + imgH + 4 + (j + 1) * LINE - 3, 'text-anchor': 'middle', fill: '#222222' }, text(fit(line))))
    out.push(
      el(
        'g',
        { class: 'image', 'data-index': i },
        el('title', {}, text(im.caption)),
        el('g', { 'shape-rendering': 'crispEdges' }, ...pixelRects(im, ix, y, scale, gray)),
        el('rect', { x: ix, y, width: im.width * scale, height: im.height * scale, fill: 'none', stroke: '#999999', 'stroke-width': 0.5 }),
        ...caption,
      ),
    )
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
