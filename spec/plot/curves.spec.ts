import { describe, expect, it } from 'vitest'
import { chooseThreshold, precisionRecallCurve, rocCurve } from '../../src/metrics/curves.js'
import { contactSheet } from '../../src/plot/contactSheet.js'
import { prCurveChart, rocChart } from '../../src/plot/curves.js'
import { escapeXml } from '../../src/plot/svg.js'
import { caught } from '../caught.js'
import { checkXml, pathPoints, type XmlElement } from './xml.js'

/** The elements of one series group (`<g class="series" data-name=...>`, which holds no nested group). */
const series = (svg: string, name: string): readonly XmlElement[] => {
  const start = svg.indexOf(`<g class="series" data-name="${escapeXml(name)}">`)
  expect(start, `series ${name}`).toBeGreaterThanOrEqual(0)
  return checkXml(svg.slice(start, svg.indexOf('</g>', start) + 4)).elements
}
const plotArea = (svg: string) => {
  const a = checkXml(svg).elements.find((e) => e.attrs.class === 'plot-area')!
  const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(a.attrs[k]))
  return { left: x!, top: y!, right: x! + w!, bottom: y! + h! }
}
const near = (a: readonly [number, number], b: readonly [number, number]): boolean => Math.abs(a[0] - b[0]) < 0.02 && Math.abs(a[1] - b[1]) < 0.02
const expectNear = (a: readonly [number, number] | undefined, b: readonly [number, number]): void => expect(a !== undefined && near(a, b), `${String(a)} vs ${String(b)}`).toBe(true)
const legend = (svg: string): string[] => checkXml(svg).elements.filter((e) => e.attrs.class === 'legend-label').map((e) => e.text)

// Rows by decreasing score: labels 1 1 0 0 1 0 1 0 0 0 (4 positives of 10); no ties.
const y = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
const s = [0.95, 0.9, 0.8, 0.7, 0.65, 0.5, 0.4, 0.3, 0.2, 0.1]
const o = { positiveClass: 1 }

describe('prCurveChart', () => {
  const curve = precisionRecallCurve(y, s, o)
  const best = chooseThreshold(y, s, { ...o, maximize: 'f1' })

  it('draws the PR curve as steps, the prevalence line and the marked threshold, AP in the legend', () => {
    const svg = prCurveChart(curve, { marks: [{ ...best, label: 'best F1' }], title: 'PR <test> & more' })
    expect(checkXml(svg).root).toBe('svg')
    // AP = (1/4)(1 + 1 + 3/5 + 4/7) = 0.793; F1 is best at threshold 0.65 (tp 3, fp 2: 6/9) or 0.4 (tp 4, fp 3: 8/11).
    expect(best.threshold).toBe(0.4)
    expect(legend(svg)).toEqual(['PR (AP 0.793)', 'chance (0.400)', 'best F1 t=0.4'])
    const steps = pathPoints(series(svg, 'PR (AP 0.793)').find((e) => e.tag === 'path')!.attrs.d!)
    // 11 curve points drawn steps-post: 2 * 11 - 1 vertices, each step only horizontal or vertical.
    expect(steps).toHaveLength(21)
    for (let i = 1; i < steps.length; i++) expect(steps[i]![0] === steps[i - 1]![0] || steps[i]![1] === steps[i - 1]![1]).toBe(true)
    // Recall runs from 1 (right edge) to 0 (left edge); the last point is precision 1 (top edge).
    const area = plotArea(svg)
    expect(steps[0]![0]).toBeCloseTo(area.right, 1)
    expectNear(steps[20], [area.left, area.top])
    // The chance line is flat at the prevalence, across the whole recall range.
    const chance = pathPoints(series(svg, 'chance (0.400)').find((e) => e.tag === 'path')!.attrs.d!)
    expectNear([chance[0]![0], chance[1]![0]], [area.left, area.right])
    expect(chance[0]![1]).toBe(chance[1]![1])
    // The mark is one dot, on a vertex of the curve.
    const dot = series(svg, 'best F1 t=0.4').filter((e) => e.tag === 'circle')
    expect(dot).toHaveLength(1)
    const at: [number, number] = [Number(dot[0]!.attrs.cx), Number(dot[0]!.attrs.cy)]
    expect(steps.some((p) => near(p, at))).toBe(true)
    expect(checkXml(svg).elements.find((e) => e.attrs.class === 'title')!.text).toBe('PR <test> & more')
  })

  it('has a default title naming the positive class, and no marks by default', () => {
    const svg = prCurveChart(curve)
    expect(svg).toContain('>Precision-recall curve (positive class 1)</text>')
    expect(legend(svg)).toHaveLength(2)
  })

  it('refuses bad options and curves, naming the field', () => {
    expect(() => prCurveChart(curve, { mark: [] } as never)).toThrow(/^prCurveChart: mark: unknown option; did you mean 'marks'\?/)
    expect(() => prCurveChart(curve, { marks: [{ ...best, precision: 1.5 }] })).toThrow(/^prCurveChart: marks\[0\]\.precision: expected a number in \[0, 1\], got 1.5$/)
    expect(() => prCurveChart(curve, { marks: [{ ...best, label: 3 } as never] })).toThrow(/^prCurveChart: marks\[0\]\.label: expected a string, got 3$/)
    expect(() => prCurveChart({ ...curve, recall: curve.recall.slice(1) })).toThrow(/^prCurveChart: curve: precision has 11, recall has 10, thresholds has 10 values/)
    expect(() => prCurveChart({ ...curve, precision: 'x' } as never)).toThrow(/^prCurveChart: curve\.precision: expected an array of numbers, got the string "x"$/)
  })
})

describe('rocChart', () => {
  const curve = rocCurve(y, s, o)

  it('draws the ROC curve from (0, 0) to (1, 1), the chance diagonal and the AUC', () => {
    const recall = chooseThreshold(y, s, { ...o, targetRecall: 1 })
    const svg = rocChart(curve, { marks: [{ ...recall, label: 'recall 1' }] })
    // AUC: positives beat 6, 6, 4 and 3 of the 6 negatives: 19/24 = 0.792.
    expect(legend(svg)).toEqual(['ROC (AUC 0.792)', 'chance (AUC 0.5)', 'recall 1 t=0.4'])
    const area = plotArea(svg)
    const roc = pathPoints(series(svg, 'ROC (AUC 0.792)').find((e) => e.tag === 'path')!.attrs.d!)
    expect(roc).toHaveLength(11)
    expectNear(roc[0], [area.left, area.bottom])
    expectNear(roc[10], [area.right, area.top])
    const diagonal = pathPoints(series(svg, 'chance (AUC 0.5)').find((e) => e.tag === 'path')!.attrs.d!)
    expect(diagonal).toHaveLength(2)
    expectNear(diagonal[0], [area.left, area.bottom])
    expectNear(diagonal[1], [area.right, area.top])
    const dot = series(svg, 'recall 1 t=0.4').find((e) => e.tag === 'circle')!
    expect(roc.some((p) => near(p, [Number(dot.attrs.cx), Number(dot.attrs.cy)]))).toBe(true)
    expect(svg).toContain('>true positive rate (recall)</text>')
  })

  it('refuses a curve whose arrays disagree', () => {
    const e = caught(() => rocChart({ ...curve, thresholds: curve.thresholds.slice(1) }))
    expect((e as Error).message).toMatch(/^rocChart: curve: fpr has 11, tpr has 11, thresholds has 10 values; expected fpr and tpr of one length, and as many thresholds$/)
    expect(() => rocChart(curve, { width: '640' } as never)).toThrow(/^rocChart: width: expected a number, got the string "640"$/)
  })
})

/** The elements of image i's group (its closing tag is the first `</g>` at a line end). */
const imageGroup = (svg: string, i: number): readonly XmlElement[] => {
  const part = svg.slice(svg.indexOf(`<g class="image" data-index="${i}">`))
  return checkXml(part.slice(0, part.indexOf('</g>\n') + 4)).elements
}

describe('contactSheet', () => {
  const digit = (v: number) => ({ pixels: [0, 0, 16, 16, 8, 8, 8, 8], height: 2, width: 4, caption: `image ${v}` })

  it('lays images out in a grid, one group each, with pixel rects covering each image exactly', () => {
    const images = Array.from({ length: 12 }, (_, i) => digit(i))
    const svg = contactSheet(images, { columns: 5, scale: 10, range: [0, 16] })
    const { root, elements } = checkXml(svg)
    expect(root).toBe('svg')
    const groups = elements.filter((e) => e.tag === 'g' && e.attrs.class === 'image')
    expect(groups.map((g) => g.attrs['data-index'])).toEqual(images.map((_, i) => String(i)))
    // One image: row 0 is two runs (0 0 | 16 16), row 1 one run (8 8 8 8): 3 rects, 40 x 20 pixels in all.
    const rects = imageGroup(svg, 0).filter((e) => e.tag === 'rect' && e.attrs.fill !== 'none')
    expect(rects.map((r) => [r.attrs.width, r.attrs.height, r.attrs.fill])).toEqual([['20', '10', '#000000'], ['20', '10', '#ffffff'], ['40', '10', '#808080']])
    // Columns 5: images 0 and 5 share x; images 0 and 1 share y; 3 rows.
    const frame = (i: number) => imageGroup(svg, i).find((e) => e.attrs.stroke === '#999999')
    expect(frame(0)!.attrs.x).toBe(frame(5)!.attrs.x)
    expect(frame(0)!.attrs.y).toBe(frame(1)!.attrs.y)
    expect(Number(frame(10)!.attrs.y)).toBeGreaterThan(Number(frame(5)!.attrs.y))
  })

  it('maps values through range, inverted on request', () => {
    const svg = contactSheet([digit(0)], { range: [0, 16], invert: true })
    const fills = imageGroup(svg, 0).filter((e) => e.tag === 'rect' && e.attrs.fill !== 'none').map((r) => r.attrs.fill)
    // 0 -> white, 16 -> black, 8 -> the middle gray (127.5 rounds to 128 = 0x80).
    expect(fills).toEqual(['#ffffff', '#000000', '#808080'])
    // Default range is the data's range; clipped outside an explicit one.
    const clipped = contactSheet([{ pixels: [-5, 30], height: 1, width: 2, caption: '' }], { range: [0, 16] })
    expect(clipped).toContain('fill="#000000"')
    expect(clipped).toContain('fill="#ffffff"')
  })

  it('writes captions line by line, escaped, cut to the cell with the full text as a tooltip', () => {
    const long = 'a very long caption that cannot fit under a small image'
    const svg = contactSheet([{ ...digit(0), caption: 'true <3>\npred & 8' }, { ...digit(1), caption: long }])
    const texts = checkXml(svg).elements.filter((e) => e.tag === 'text').map((e) => e.text)
    expect(texts).toEqual(expect.arrayContaining(['true <3>', 'pred & 8']))
    const cut = texts.find((t) => t.startsWith('a very'))!
    expect(cut.endsWith('…')).toBe(true)
    expect(cut.length).toBeLessThan(long.length)
    expect(checkXml(svg).elements.filter((e) => e.tag === 'title').map((e) => e.text)).toEqual(expect.arrayContaining([long, 'true <3>\npred & 8']))
  })

  it('says "no images" for an empty list', () => {
    const svg = contactSheet([], { title: 'Nothing' })
    expect(checkXml(svg).elements.some((e) => e.attrs.class === 'no-data' && e.text === 'no images')).toBe(true)
  })

  it('names the bad image field or option', () => {
    expect(() => contactSheet([digit(0), { ...digit(1), pixels: [1, 2] }])).toThrow(/^contactSheet: images\[1\]\.pixels: has 2 values; expected height x width = 2 x 4 = 8$/)
    expect(() => contactSheet([{ ...digit(0), pixels: [0, 0, 16, NaN, 8, 8, 8, 8] }])).toThrow(/^contactSheet: images\[0\]\.pixels: entry 3 is NaN; expected a finite number$/)
    expect(() => contactSheet([{ ...digit(0), height: 0 }])).toThrow(/^contactSheet: images\[0\]\.height: expected a positive integer, got 0$/)
    expect(() => contactSheet([{ ...digit(0), caption: 5 } as never])).toThrow(/^contactSheet: images\[0\]\.caption: expected a string, got 5$/)
    expect(() => contactSheet([digit(0)], { columns: 0 })).toThrow(/^contactSheet: columns: expected an integer in \(0, 1000\], got 0$/)
    expect(() => contactSheet([digit(0)], { range: [1, 1] })).toThrow(/^contactSheet: range: expected \[black, white\], two finite numbers with black < white, got \[1, 1\]$/)
    expect(() => contactSheet([digit(0)], { colums: 3 } as never)).toThrow(/^contactSheet: colums: unknown option; did you mean 'columns'\?/)
    expect(() => contactSheet('x' as never)).toThrow(/^contactSheet: images: expected an array/)
  })
})
