// The evaluation examples (PR/ROC on breast cancer, error analysis on digits) run in-process with small
// settings. Floors are well below what these settings reach but fail a broken score, threshold or grouping.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main as errorAnalysisDigits } from '../../examples/error-analysis-digits.js'
import { main as prRoc } from '../../examples/pr-roc-breast-cancer.js'
import { checkXml } from '../plot/xml.js'

const tmp = mkdtempSync(join(tmpdir(), 'kiln-evaluation-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const capture = () => {
  const lines: string[] = []
  return { lines, log: (line: string) => void lines.push(line), text: () => lines.join('\n') }
}

describe('pr-roc-breast-cancer', () => {
  it('scores malignant as the positive class, picks thresholds on dev and applies them to test', () => {
    const out = capture()
    const r = prRoc({ epochs: 30, svgDir: join(tmp, 'charts'), log: out.log })
    expect(r.positiveClass).toBe(0)
    for (const part of [r.dev, r.test]) {
      expect(part.rocAuc).toBeGreaterThan(0.95)
      expect(part.rocAuc).toBeLessThanOrEqual(1)
      expect(part.averagePrecision).toBeGreaterThan(0.9)
    }
    // Stratified 20% dev and test parts: 42 malignant rows each (37% of 114).
    for (const p of [r.bestF1, r.highRecall]) {
      expect(p.dev.tp + p.dev.fn).toBe(42)
      expect(p.test.tp + p.test.fn).toBe(42)
      expect(p.test.tp + p.test.fp + p.test.tn + p.test.fn).toBe(114)
      expect(p.dev.threshold).toBeGreaterThan(0)
      expect(p.dev.threshold).toBeLessThan(1)
      expect(p.test.positiveClass).toBe(0)
      // Malignant is the minority: no warning about the positive class.
      expect(p.test.warnings).toEqual([])
    }
    expect(r.bestF1.dev.f1).toBeGreaterThan(0.9)
    expect(r.highRecall.dev.recall).toBeGreaterThanOrEqual(0.98)
    // A lower threshold flags more rows: recall cannot drop, on dev and on test.
    const [lo, hi] = r.highRecall.dev.threshold <= r.bestF1.dev.threshold ? [r.highRecall, r.bestF1] : [r.bestF1, r.highRecall]
    expect(lo.dev.recall).toBeGreaterThanOrEqual(hi.dev.recall)
    expect(lo.test.recall).toBeGreaterThanOrEqual(hi.test.recall)
    expect(lo.test.tp + lo.test.fp).toBeGreaterThanOrEqual(hi.test.tp + hi.test.fp)
    expect(r.argmax.recall).toBeGreaterThan(0.85)
    expect(out.text()).toMatch(/dev: {2}ROC AUC 0\.\d{4}, average precision 0\.\d{4}/)
    expect(out.text()).toMatch(/recall >= 0\.98 on dev: threshold 0\.\d{4}/)

    expect(r.svgPaths).toEqual([join(tmp, 'charts', 'breast-cancer-pr.svg'), join(tmp, 'charts', 'breast-cancer-roc.svg')])
    const pr = readFileSync(r.svgPaths[0]!, 'utf8')
    const roc = readFileSync(r.svgPaths[1]!, 'utf8')
    const legend = (svg: string) => checkXml(svg).elements.filter((e) => e.attrs.class === 'legend-label').map((e) => e.text)
    expect(legend(pr)[0]).toBe(`PR (AP ${r.dev.averagePrecision.toFixed(3)})`)
    expect(legend(pr).slice(2).map((t) => t.split(' t=')[0])).toEqual(['best F1', 'R>=0.98'])
    expect(legend(roc)[0]).toBe(`ROC (AUC ${r.dev.rocAuc.toFixed(3)})`)
  })
})

describe('error-analysis-digits', () => {
  it('groups the test errors by confusion pair and draws them on a contact sheet', () => {
    const out = capture()
    const svgPath = join(tmp, 'sheet', 'digits-errors.svg')
    const r = errorAnalysisDigits({ hidden: [32], epochs: 8, maxImages: 20, svgPath, log: out.log })
    expect(r.testAccuracy).toBeGreaterThan(0.85)
    const a = r.analysis
    expect(a.n).toBe(359)
    expect(a.errors).toBe(Math.round((1 - r.testAccuracy) * 359))
    expect(a.groups.reduce((s, g) => s + g.count, 0)).toBe(a.errors)
    a.groups.forEach((g, i) => {
      expect(g.trueClass).not.toBe(g.predictedClass)
      if (i > 0) expect(g.count).toBeLessThanOrEqual(a.groups[i - 1]!.count)
    })
    expect(out.text()).toContain(`${a.errors} of 359 rows misclassified`)
    expect(out.text()).toContain('p(predicted)')

    expect(r.images).toHaveLength(Math.min(20, a.errors))
    const first = a.groups[0]!.rows[0]!
    expect(r.images[0]!.caption).toBe(`${first.trueClass} → ${first.predictedClass}\np ${first.confidence.toFixed(2)}\nrow ${first.index}`)
    // Raw pixel counts 0..16, 64 per image.
    expect(r.images.every((im) => im.pixels.length === 64 && Array.from(im.pixels).every((v) => Number.isInteger(v) && v >= 0 && v <= 16))).toBe(true)
    expect(r.svgPath).toBe(svgPath)
    const sheet = checkXml(readFileSync(svgPath, 'utf8'))
    expect(sheet.elements.filter((e) => e.tag === 'g' && e.attrs.class === 'image')).toHaveLength(r.images.length)
  })
})
