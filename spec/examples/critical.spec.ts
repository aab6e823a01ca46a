// The critical-point example on XOR, run in-process on its own settings (it is tiny): a saddle at
// symmetric hidden units (one negative eigenvalue, whose eigenvector moves the units apart) and a
// minimum from a random start (all eigenvalues positive), both polished to a vanishing gradient.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../examples/critical-point-xor.js'

const tmp = mkdtempSync(join(tmpdir(), 'kiln-critical-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('critical-point-xor', () => {
  const lines: string[] = []
  const svg = join(tmp, 'plots', 'critical.svg')
  const r = main({ svg, log: (l) => void lines.push(l) })

  it('symmetric hidden units: a saddle with exactly one negative eigenvalue, along an antisymmetric direction', () => {
    const s = r.saddle
    expect(s.report.verdict).toBe('saddle')
    expect(s.report.critical).toBe(true)
    expect(s.report.gradientNorm).toBeLessThan(1e-10)
    expect(s.asymmetry).toBe(0)
    expect(s.eigenvalues).toHaveLength(9)
    expect(s.eigenvalues.map(Math.sign)).toEqual([-1, 1, 1, 1, 1, 1, 1, 1, 1])
    // well away from the tolerance: the header quotes -1.034e-3 and 0.4968
    expect(s.eigenvalues[0]).toBeCloseTo(-1.034e-3, 6)
    expect(s.eigenvalues[8]).toBeCloseTo(0.4968, 4)
    expect(s.directionSymmetricPart).toBeLessThan(1e-12)
    expect(s.report.loss).toBeCloseTo(0.5187, 4)
  })

  it('a random start: a minimum, every eigenvalue positive, the units different', () => {
    const m = r.minimum
    expect(m.report.verdict).toBe('minimum')
    expect(m.report.gradientNorm).toBeLessThan(1e-10)
    expect(m.eigenvalues.every((e) => e > 1e-3)).toBe(true)
    expect(m.eigenvalues[0]).toBeCloseTo(3.102e-3, 6)
    expect(m.asymmetry).toBeGreaterThan(1)
    expect(m.report.loss).toBeLessThan(r.saddle.report.loss)
  })

  it('prints both reports and writes the chart', () => {
    const text = lines.join('\n')
    expect(text).toMatch(/^symmetric start: saddle; loss 0\.5187, gradient norm \S+ after \d+ Newton steps?; unit asymmetry 0\.0e\+0$/m)
    expect(text).toMatch(/^ {2}eigenvalues: -1\.034e-3 3\.482e-3 /m)
    expect(text).toMatch(/^random start: minimum; loss 0\.0688/m)
    expect(r.svg).toBe(svg)
    const chart = readFileSync(svg, 'utf8')
    expect(chart).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
    expect(chart).toContain('saddle (symmetric units)')
    expect(chart).toContain('minimum')
  })
})
