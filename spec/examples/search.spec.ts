// The search example in-process with small settings: a few trials of 2 epochs, then a small
// successive-halving run; the ranking must separate a good learning rate from a bad one.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../examples/search-digits.js'

const dir = mkdtempSync(join(tmpdir(), 'kiln-search-example-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('search-digits', () => {
  it('ranks random trials by dev accuracy, the best well above the worst, and halves a second search', () => {
    const lines: string[] = []
    const svgPath = join(dir, 'plots', 'lr.svg')
    const r = main({ trials: 5, epochs: 2, widths: [16, 32], halving: { trials: 4, minEpochs: 1, factor: 2, epochs: 2 }, svgPath, log: (l) => void lines.push(l) })
    // Learning rates from 1e-4 to 1 over 2 epochs: a good one and a bad one differ by far more than noise.
    expect(r.best.devAccuracy).toBeGreaterThan(r.worstDevAccuracy + 0.05)
    expect(r.best.devAccuracy).toBeGreaterThan(0.85)
    expect(r.best.testAccuracy).toBeGreaterThan(0.8)
    expect(r.best.lr).toBeGreaterThanOrEqual(1e-4)
    expect(r.best.lr).toBeLessThan(1)
    expect([16, 32]).toContain(r.best.width)
    expect(r.epochsTrained).toBe(5 * 2)
    // Header, rule and one row per trial, best first.
    const rows = r.table.split('\n')
    expect(rows).toHaveLength(2 + 5)
    expect(rows[2]).toMatch(/^ +1 /)
    expect(rows[2]).toContain(r.best.devAccuracy.toFixed(4))
    // Halving: 4 trials of 1 epoch, then the best 2 resumed for 1 more (not retrained): 4 + 2 epochs in all.
    expect(r.halving?.epochsTrained).toBe(4 + 2)
    expect(lines.join('\n')).toContain('rungs of 4 x 1, 2 x 2 epochs')
    expect(existsSync(svgPath)).toBe(true)
    expect(readFileSync(svgPath, 'utf8')).toMatch(/^<svg[\s\S]*data-name="width 16"[\s\S]*<\/svg>\s*$/)
  })
})
