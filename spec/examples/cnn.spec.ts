// The CNN example run in-process with small settings (a few seconds). The floors are well below what
// the full run reaches, but a convolution with wrong windows or a broken gradient would not clear them.
import { describe, expect, it } from 'vitest'
import { main as cnnDigits } from '../../examples/cnn-digits.js'

describe('cnn-digits', () => {
  it('a two-convolution network learns the 8x8 digits', () => {
    const lines: string[] = []
    const r = cnnDigits({ filters: [8, 16], epochs: 4, log: (line) => void lines.push(line) })
    // reshape, conv 3x3x1x8 + 8, conv 3x3x8x16 + 16, dense (2*2*16)x10 + 10.
    expect(r.parameters).toBe(3 * 3 * 8 + 8 + 3 * 3 * 8 * 16 + 16 + 64 * 10 + 10)
    expect(r.testAccuracy).toBeGreaterThan(0.9)
    expect(r.trainAccuracy).toBeGreaterThan(0.9)
    expect(r.losses).toHaveLength(4)
    expect(r.losses[3]!).toBeLessThan(r.losses[0]! / 4)
    const text = lines.join('\n')
    expect(text).toContain('conv 3x3x8 same -> relu -> maxPool 2 -> conv 3x3x16 -> relu -> flatten -> dense 10 (1898 parameters)')
    expect(text).toMatch(/test accuracy 0\.9\d{3}/)
  })

  it('the global-average head also trains', () => {
    const r = cnnDigits({ filters: [8, 16], epochs: 3, head: 'globalAvg', learningRate: 1e-2, log: () => {} })
    expect(r.parameters).toBe(3 * 3 * 8 + 8 + 3 * 3 * 8 * 16 + 16 + 16 * 10 + 10)
    expect(r.losses[2]!).toBeLessThan(r.losses[0]!)
    expect(r.testAccuracy).toBeGreaterThan(0.5)
  })
})
