import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../examples/main.js'

describe('the main job (npm start) on small settings', () => {
  it('trains, reports accuracy, the confusion matrix and per-class F1, and writes the learning curve', () => {
    const lines: string[] = []
    const svgPath = join(mkdtempSync(join(tmpdir(), 'kiln-main-')), 'curve.svg')
    const accuracy = main({ epochs: 6, hidden: 32, curveSizes: [150, 600], svgPath, progress: false, log: (l) => lines.push(l) })
    const out = lines.join('\n')
    expect(accuracy).toBeGreaterThan(0.9)
    expect(out).toMatch(/test accuracy 0\.9\d{3}/)
    expect(out).toContain('true \\ pred')
    expect(out).toMatch(/f1-score/)
    expect(out).toMatch(/diagnosis against a 0\.02 baseline error: (good fit|high bias|high variance|high bias and high variance)/)
    expect(existsSync(svgPath)).toBe(true)
    expect(readFileSync(svgPath, 'utf8')).toContain('dev error')
  })
})
