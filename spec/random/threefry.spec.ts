import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { normalAt, threefry2x32, uniformAt } from '../../src/random/threefry.js'

const hex = (ws: readonly number[]): string[] => ws.map((w) => w.toString(16).padStart(8, '0'))

describe('threefry2x32', () => {
  // Random123 kat_vectors, threefry2x32_20: counter, key -> output
  it.each([
    { key: [0, 0], ctr: [0, 0], out: ['6b200159', '99ba4efe'] },
    { key: [0xffffffff, 0xffffffff], ctr: [0xffffffff, 0xffffffff], out: ['1cb996fc', 'bb002be7'] },
    { key: [0x13198a2e, 0x03707344], ctr: [0x243f6a88, 0x85a308d3], out: ['c4923a9c', '483df7a0'] },
  ])('matches the Random123 known-answer vector for key $key ctr $ctr', ({ key, ctr, out }) => {
    expect(hex(threefry2x32(key[0]!, key[1]!, ctr[0]!, ctr[1]!))).toEqual(out)
  })

  it('returns uint32 words', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), (a, b, c, d) => {
        const [x, y] = threefry2x32(a, b, c, d)
        return [x, y].every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
      }),
    )
  })

  it('rejects non-uint32 inputs, naming the argument', () => {
    expect(() => threefry2x32(-1, 0, 0, 0)).toThrow(/k0 .*got -1/)
    expect(() => threefry2x32(0, 2 ** 32, 0, 0)).toThrow(/k1/)
    expect(() => threefry2x32(0, 0, 0.5, 0)).toThrow(/c0 .*0\.5/)
    expect(() => threefry2x32(0, 0, 0, Number.NaN)).toThrow(RangeError)
  })
})

describe('uniformAt', () => {
  it('is the top 53 bits of the two Threefry words of counter (hi, lo)', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.maxSafeNat(), (k0, k1, i) => {
        const [w0, w1] = threefry2x32(k0, k1, Math.floor(i / 2 ** 32), i % 2 ** 32)
        const expected = (w0 * 2 ** 21 + Math.floor(w1 / 2 ** 11)) / 2 ** 53
        return uniformAt(k0, k1, i) === expected
      }),
    )
  })

  it('lies in [0, 1) and uses more than 32 bits', () => {
    let fine = false
    for (let i = 0; i < 1000; i++) {
      const u = uniformAt(1, 2, i)
      expect(u).toBeGreaterThanOrEqual(0)
      expect(u).toBeLessThan(1)
      if (!Number.isInteger(u * 2 ** 32)) fine = true
    }
    expect(fine).toBe(true)
  })
})

describe('normalAt', () => {
  it('pairs even/odd counters as the cosine/sine halves of one Box-Muller draw', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(1e9), (k0, k1, m) => {
        const a = normalAt(k0, k1, 2 * m)
        const b = normalAt(k0, k1, 2 * m + 1)
        const r2 = -2 * Math.log(1 - uniformAt(k0, k1, 2 * m))
        return Math.abs(a * a + b * b - r2) <= 1e-9 * Math.max(1, r2)
      }),
    )
  })
})
