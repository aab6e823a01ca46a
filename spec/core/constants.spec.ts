import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { attrsKey, hashFloat64, sameValues } from '../../src/hash.js'
import { SHARED_CONSTANT_LIMIT } from '../../src/make.js'

const quietNaN = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!
/** n values of 17 significant digits, so each one's decimal text is long. */
const sevenths = (n: number): Float64Array => {
  const d = new Float64Array(n)
  for (let j = 0; j < n; j++) d[j] = j / 7 + 0.1
  return d
}

describe('constants are hash-consed by content, with a short key', () => {
  it('keeps the equality of the decimal keys: 0 and -0 differ, every NaN is one NaN, order and shape count', () => {
    expect(K.constant([1, 2])).toBe(K.constant(Float64Array.of(1, 2)))
    expect(K.constant([1, 2])).not.toBe(K.constant([2, 1]))
    expect(K.scalar(0)).not.toBe(K.scalar(-0))
    expect(K.scalar(NaN)).toBe(K.scalar(quietNaN))
    expect(K.constant([1, 2], [2])).not.toBe(K.constant([1, 2], [1, 2]))
    expect(K.constant([Infinity, -Infinity])).toBe(K.constant([Infinity, -Infinity]))
  })

  it('a 1M-element constant has a key of a few dozen characters', () => {
    const c = K.constant(sevenths(2 ** 20))
    expect(attrsKey(c.attrs).length).toBeLessThan(60)
  })

  it('constants up to SHARED_CONSTANT_LIMIT values are shared; larger ones are not interned (nothing keeps them alive)', () => {
    const small = sevenths(SHARED_CONSTANT_LIMIT)
    expect(K.constant(small)).toBe(K.constant(small.slice()))
    const before = K.liveNodeCount()
    const big = K.constant(sevenths(SHARED_CONSTANT_LIMIT + 1))
    expect(K.liveNodeCount()).toBe(before)
    expect(K.constant(sevenths(SHARED_CONSTANT_LIMIT + 1))).not.toBe(big)
    // graphs over them are still hash-consed above the constant, and compile to the same cached code
    const x = K.input('bigX', [SHARED_CONSTANT_LIMIT + 1])
    const y = K.add(x, big)
    expect(K.add(x, big)).toBe(y)
    const hits = K.compileStats().cacheHits
    K.compile([K.add(x, K.constant(sevenths(SHARED_CONSTANT_LIMIT + 1)))])
    K.compile([K.add(x, K.constant(sevenths(SHARED_CONSTANT_LIMIT + 1)))])
    expect(K.compileStats().cacheHits - hits).toBe(1)
  })

  it('a 30M-element constant builds (its decimal key exceeded the engine string limit)', () => {
    const c = K.constant(sevenths(30_000_000))
    expect(c.shape).toEqual([30_000_000])
    expect(K.isOp(c, 'constant') && c.attrs.values[29_999_999]).toBe(29_999_999 / 7 + 0.1)
  })

  it('equal hashes for equal data (by Object.is), different for a changed element', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, quietNaN, Infinity, -Infinity))
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), fc.nat(), value, (vs, at, v) => {
        const a = Float64Array.from(vs)
        const b = Float64Array.from(vs)
        b[at % b.length] = v
        const same = sameValues(a, b)
        expect(same).toBe(vs.every((x, i) => Object.is(x, b[i])))
        return same === (hashFloat64(a) === hashFloat64(b))
      }),
      { seed: 9, numRuns: 500 },
    )
  })
})
