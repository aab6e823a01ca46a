import { describe, expect, it } from 'vitest'
import { learningCurvePlot, lossHistoryPlot } from '../../src/plot/presets.js'
import { checkXml, pathPoints } from './xml.js'

const labels = (svg: string) => checkXml(svg).elements.filter((e) => e.attrs.class === 'legend-label').map((e) => e.text)
const paths = (svg: string) => checkXml(svg).elements.filter((e) => e.tag === 'path').map((e) => pathPoints(e.attrs.d!))

describe('learningCurvePlot', () => {
  const curve = { sizes: [100, 200, 400, 800], trainError: [0.01, 0.02, 0.04, 0.05], devError: [0.4, 0.25, 0.15, 0.1] }

  it('plots train and dev error against training-set size', () => {
    const svg = learningCurvePlot(curve)
    expect(labels(svg)).toEqual(['train error', 'dev error'])
    const text = checkXml(svg).elements.map((e) => e.text)
    expect(text).toEqual(expect.arrayContaining(['Learning curve', 'training set size', 'error']))
    const [train, dev] = paths(svg)
    expect(train).toHaveLength(4)
    // dev error is above train error at every size (smaller y pixel = higher)
    train!.forEach(([x, y], i) => {
      expect(dev![i]![0]).toBe(x)
      expect(dev![i]![1]).toBeLessThan(y)
    })
  })

  it('draws the baseline as a flat line across the size range', () => {
    const svg = learningCurvePlot({ ...curve, baselineError: 0.03 }, { title: 'MNIST', width: 500, height: 300 })
    expect(labels(svg)).toEqual(['train error', 'dev error', 'baseline error'])
    const baseline = paths(svg)[2]!
    expect(baseline).toHaveLength(2)
    expect(baseline[0]![1]).toBe(baseline[1]![1])
    expect(baseline[0]![0]).toBe(paths(svg)[0]![0]![0])
    expect(svg).toContain('width="500" height="300"')
    expect(checkXml(svg).elements.find((e) => e.attrs.class === 'title')!.text).toBe('MNIST')
  })

  it('rejects arrays of different lengths', () => {
    expect(() => learningCurvePlot({ ...curve, devError: [0.1] })).toThrow(
      /^learningCurvePlot: curve.devError has 1 values but sizes has 4; expected one per size$/,
    )
  })
})

describe('lossHistoryPlot', () => {
  it('plots each history against 1..n with one colour each', () => {
    const svg = lossHistoryPlot({ sgd: [1, 0.8, 0.6, 0.5], adam: [1, 0.4, 0.2], 'rms<prop>': [NaN, 0.9, 0.3] })
    expect(labels(svg)).toEqual(['sgd', 'adam', 'rms<prop>'])
    const [sgd, adam, rms] = paths(svg)
    expect(sgd).toHaveLength(4)
    expect(adam!.map((p) => p[0])).toEqual(sgd!.slice(0, 3).map((p) => p[0])) // same x for the same epoch
    expect(rms).toHaveLength(2) // NaN skipped
    const strokes = checkXml(svg).elements.filter((e) => e.tag === 'path').map((e) => e.attrs.stroke)
    expect(new Set(strokes).size).toBe(3)
  })

  it('supports a log y axis and custom labels', () => {
    const svg = lossHistoryPlot({ a: [10, 1, 0.1, 0.01] }, { logY: true, xLabel: 'step', yLabel: 'NLL', title: 'Runs' })
    const text = checkXml(svg).elements.map((e) => e.text)
    expect(text).toEqual(expect.arrayContaining(['step', 'NLL', 'Runs', '0.01', '0.1', '1', '10']))
  })

  it('handles no histories', () => {
    expect(checkXml(lossHistoryPlot({})).root).toBe('svg')
  })
})
