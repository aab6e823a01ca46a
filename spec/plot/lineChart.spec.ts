import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lineChart } from '../../src/plot/lineChart.js'
import { seriesColor } from '../../src/plot/svg.js'
import { checkXml, pathPoints } from './xml.js'

const sample = {
  title: 'Loss',
  xLabel: 'epoch',
  yLabel: 'loss',
  series: [
    { name: 'sgd', x: [1, 2, 3, 4], y: [1, 0.7, 0.5, 0.4] },
    { name: 'adam', x: new Float64Array([1, 2, 3, 4]), y: new Float64Array([1, 0.4, 0.2, 0.1]) },
  ],
}

/** Every plotted coordinate of a chart, and its plot-area rectangle. */
const geometry = (svg: string) => {
  const { elements } = checkXml(svg)
  const area = elements.find((e) => e.attrs.class === 'plot-area')!
  const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(area.attrs[k]))
  const inSeries = (e: { tag: string }) => e.tag === 'path' || e.tag === 'circle'
  const seriesGroups = elements.filter((e) => e.tag === 'g' && e.attrs.class === 'series')
  const pts: [number, number][] = []
  // paths and circles inside series groups come before the legend group in document order
  const legendStart = svg.indexOf('<g class="legend"')
  const seriesSvg = legendStart < 0 ? svg : svg.slice(0, legendStart)
  for (const e of checkXml(`<r>${seriesSvg.slice(seriesSvg.indexOf('<g class="series"'))}</r>`).elements.filter(inSeries))
    pts.push(...(e.tag === 'path' ? pathPoints(e.attrs.d!) : [[Number(e.attrs.cx), Number(e.attrs.cy)] as [number, number]]))
  return { area: { x, y, w: w!, h: h! }, points: pts, seriesGroups, elements }
}

describe('lineChart', () => {
  it('produces one well-formed <svg> root with axes, grid, labels and a legend', () => {
    const svg = lineChart(sample)
    const { root, elements } = checkXml(svg)
    expect(root).toBe('svg')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"')).toBe(true)
    const texts = elements.filter((e) => e.tag === 'text').map((e) => e.text)
    expect(texts).toEqual(expect.arrayContaining(['Loss', 'epoch', 'loss', 'sgd', 'adam']))
    for (const cls of ['grid', 'axes', 'tick-labels', 'legend']) expect(elements.some((e) => e.attrs.class === cls)).toBe(true)
    expect(elements.filter((e) => e.tag === 'path')).toHaveLength(2)
  })

  it('uses distinct colours for each series', () => {
    const series = Array.from({ length: 14 }, (_, i) => ({ name: `s${i}`, x: [0, 1], y: [i, i + 1] }))
    const { elements } = checkXml(lineChart({ series }))
    const strokes = elements.filter((e) => e.tag === 'path').map((e) => e.attrs.stroke)
    expect(new Set(strokes).size).toBe(14)
    expect(strokes[0]).toBe(seriesColor(0))
    // beyond the ten palette colours, lines are also dashed
    expect(elements.filter((e) => e.tag === 'path' && e.attrs['stroke-dasharray'] !== undefined)).toHaveLength(4)
  })

  it('escapes markup in the title, labels and series names', () => {
    const evil = '<script>alert("x")</script> & \'q\''
    const svg = lineChart({ title: evil, xLabel: evil, yLabel: '<b>', series: [{ name: evil, x: [0, 1], y: [0, 1] }] })
    expect(svg).not.toContain('<script')
    expect(svg).not.toContain('<b>')
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;')
    const { elements } = checkXml(svg)
    expect(elements.find((e) => e.tag === 'title')!.text).toBe(evil)
    expect(elements.find((e) => e.attrs.class === 'x-label')!.text).toBe(evil)
  })

  it('skips NaN and infinite points, breaking the line there', () => {
    const svg = lineChart({ series: [{ name: 'a', x: [0, 1, 2, 3, 4, 5], y: [1, 2, NaN, 3, Infinity, 4] }], markers: false })
    const { elements } = checkXml(svg)
    const paths = elements.filter((e) => e.tag === 'path')
    expect(paths).toHaveLength(1) // [0..1] is a line; 3 and 5 are isolated points drawn as dots
    expect(pathPoints(paths[0]!.attrs.d!)).toHaveLength(2)
    expect(elements.filter((e) => e.tag === 'circle' && e.attrs.r === '3')).toHaveLength(2 + 1) // + the legend dot
    expect(svg).not.toMatch(/NaN|Infinity/)
  })

  it('handles empty series and a chart with no data at all', () => {
    const some = lineChart({ series: [{ name: 'empty', x: [], y: [] }, { name: 'ok', x: [1, 2], y: [3, 4] }] })
    expect(checkXml(some).elements.filter((e) => e.attrs.class === 'legend-label').map((e) => e.text)).toEqual(['empty (no data)', 'ok'])
    for (const svg of [lineChart({ series: [] }), lineChart({ series: [{ name: 'nan', x: [NaN], y: [NaN] }] }), lineChart({ series: [], logY: true })]) {
      const { elements } = checkXml(svg)
      expect(elements.find((e) => e.attrs.class === 'no-data')!.text).toBe('no data')
      expect(elements.filter((e) => e.tag === 'path')).toHaveLength(0)
    }
  })

  it('maps every point inside the plot area', () => {
    const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ noNaN: true }), fc.constant(NaN), fc.constant(Infinity))
    const series = fc.array(
      fc.integer({ min: 0, max: 12 }).chain((n) =>
        fc.record({
          name: fc.string({ maxLength: 12 }),
          x: fc.array(value, { minLength: n, maxLength: n }),
          y: fc.array(value, { minLength: n, maxLength: n }),
        }),
      ),
      { maxLength: 4 },
    )
    fc.assert(
      fc.property(series, fc.boolean(), fc.integer({ min: 200, max: 900 }), fc.integer({ min: 160, max: 700 }), (s, logY, width, height) => {
        const svg = lineChart({ series: s, logY, width, height, title: 't', xLabel: 'x', yLabel: 'y' })
        const { area, points } = geometry(svg)
        const ok = (v: number, log: boolean) => (log ? v >= 1e-300 && v <= 1e300 : Math.abs(v) <= 1e300)
        const expected = s.reduce((a, q) => a + q.x.filter((x, i) => ok(x, false) && ok(q.y[i]!, logY)).length, 0)
        expect(points.length).toBeGreaterThanOrEqual(expected) // paths and markers may repeat a point
        for (const [px, py] of points) {
          expect(Number.isFinite(px) && Number.isFinite(py)).toBe(true)
          expect(px).toBeGreaterThanOrEqual(area.x - 0.01)
          expect(px).toBeLessThanOrEqual(area.x + area.w + 0.01)
          expect(py).toBeGreaterThanOrEqual(area.y - 0.01)
          expect(py).toBeLessThanOrEqual(area.y + area.h + 0.01)
        }
        expect(area.x + area.w).toBeLessThanOrEqual(width)
        expect(area.y + area.h).toBeLessThanOrEqual(height)
      }),
      { numRuns: 150 },
    )
  })

  it('puts larger y values higher and larger x values further right', () => {
    const { points } = geometry(lineChart({ series: [{ name: 'up', x: [1, 2, 3], y: [10, 20, 30] }], markers: false }))
    expect(points[0]![0]).toBeLessThan(points[1]![0])
    expect(points[0]![1]).toBeGreaterThan(points[1]![1])
  })

  it('draws a log y axis with decade ticks, skipping non-positive values', () => {
    const svg = lineChart({ series: [{ name: 'l', x: [1, 2, 3, 4], y: [100, 1, 0, 0.01] }], logY: true, markers: false })
    const { elements, points } = geometry(svg)
    const labels = elements.filter((e) => e.tag === 'text' && e.attrs['text-anchor'] === 'end').map((e) => e.text)
    expect(labels).toEqual(['0.01', '0.1', '1', '10', '100'])
    expect(points).toHaveLength(3) // M L for [100, 1], a dot for 0.01
  })

  it('rejects mismatched series and bad sizes', () => {
    expect(() => lineChart({ series: [{ name: 'a', x: [1, 2], y: [1] }] })).toThrow(
      /^lineChart: series\[0\] \('a'\) has 2 x values and 1 y values; expected equal lengths$/,
    )
    expect(() => lineChart({ series: [], width: 10 })).toThrow(/^lineChart: width = 10; expected a finite number of pixels >= 160$/)
    expect(() => lineChart({ series: [], height: NaN })).toThrow(/^lineChart: height = NaN/)
  })
})

describe('long series', () => {
  it('plots 200k points without overflowing the call stack', async () => {
    const { lossHistoryPlot } = await import('../../src/plot/index.js')
    const y = Float64Array.from({ length: 200_000 }, (_, i) => 1 / (1 + i))
    expect(lossHistoryPlot({ sgd: y })).toContain('<svg')
  })
})
