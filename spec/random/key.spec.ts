import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { foldIn, key, keyFromWords, split, uniformBits, type Key } from '../../src/random/key.js'
import { threefry2x32, uniformAt } from '../../src/random/threefry.js'

describe('key', () => {
  it('holds the high and low words of the seed', () => {
    expect(key(0)).toEqual({ _tag: 'Key', k0: 0, k1: 0 })
    expect(key(42)).toEqual({ _tag: 'Key', k0: 0, k1: 42 })
    expect(key(2 ** 32 + 5)).toEqual({ _tag: 'Key', k0: 1, k1: 5 })
    expect(key(-1)).toEqual({ _tag: 'Key', k0: 0xffffffff, k1: 0xffffffff })
  })

  it('rejects non-integer seeds with a RangeError naming the value', () => {
    expect(() => key(1.5)).toThrow(RangeError)
    expect(() => key(1.5)).toThrow(/1\.5/)
    expect(() => key(Number.NaN)).toThrow(/NaN/)
    expect(() => key(2 ** 60)).toThrow(RangeError)
  })

  it('keyFromWords validates words', () => {
    expect(keyFromWords(3, 4)).toEqual({ _tag: 'Key', k0: 3, k1: 4 })
    expect(() => keyFromWords(-3, 4)).toThrow(/k0/)
  })
})

describe('split and foldIn', () => {
  it('split(k, n)[i] is Threefry of counter (0, i), and equals foldIn(k, i)', () => {
    const k = key(7)
    const ks = split(k, 5)
    expect(ks).toHaveLength(5)
    ks.forEach((s, i) => {
      expect([s.k0, s.k1]).toEqual(threefry2x32(k.k0, k.k1, 0, i))
      expect(foldIn(k, i)).toEqual(s)
    })
  })

  it('is deterministic and gives distinct keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: 2, max: 20 }), (seed, n) => {
        const a = split(key(seed), n)
        expect(split(key(seed), n)).toEqual(a)
        const ids = new Set(a.map((k) => `${k.k0}:${k.k1}`))
        ids.add(`${key(seed).k0}:${key(seed).k1}`)
        return ids.size === n + 1
      }),
    )
  })

  it('split keys give different streams', () => {
    const [a, b] = split(key(0)) as [Key, Key]
    const sa = Array.from({ length: 100 }, (_, i) => uniformBits(a, i))
    const sb = Array.from({ length: 100 }, (_, i) => uniformBits(b, i))
    expect(sa.filter((v, i) => v === sb[i])).toHaveLength(0)
  })

  it('rejects bad arguments', () => {
    expect(() => split(key(0), 0)).toThrow(/n must be/)
    expect(() => split(key(0), 1.5)).toThrow(RangeError)
    expect(() => foldIn(key(0), -1)).toThrow(/data/)
    expect(() => foldIn({ k0: 0, k1: 0 } as unknown as Key, 1)).toThrow(TypeError)
  })
})

describe('uniformBits', () => {
  it('agrees with uniformAt and rejects bad counters', () => {
    const k = key(9)
    expect(uniformBits(k, 2 ** 40 + 3)).toBe(uniformAt(k.k0, k.k1, 2 ** 40 + 3))
    expect(() => uniformBits(k, -1)).toThrow(/counter/)
    expect(() => uniformBits(k, 0.5)).toThrow(RangeError)
  })
})
