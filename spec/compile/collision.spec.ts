// Every constant's data gets the SAME key here (a forced hash collision): hash-consing and the compile
// cache must still tell different constants apart by content, and still share equal ones.
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it, vi } from 'vitest'

vi.mock('../../src/hash.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/hash.js')>()
  return {
    ...real,
    attrsKey: (attrs: object): string => real.attrsKey(Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v instanceof Float64Array ? 'collision' : v]))),
  }
})

const K = await import('../../src/index.js')
const { attrsKey } = await import('../../src/hash.js')
const { clearCompileCache, compile, compileStats } = await import('../../src/compile/index.js')

const quietNaN = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!

describe('a forced collision of constant keys', () => {
  it('is in force: different data, one key', () => {
    expect(attrsKey({ values: Float64Array.of(1) })).toBe(attrsKey({ values: Float64Array.of(2) }))
  })

  it('never makes two different constants one node; equal constants stay one node', () => {
    const a = K.constant([1, 2])
    const b = K.constant([1, 3])
    expect(a).not.toBe(b)
    expect(K.constant([1, 2])).toBe(a)
    expect(K.constant([1, 3])).toBe(b)
    expect(K.scalar(0)).not.toBe(K.scalar(-0))
    expect(K.scalar(NaN)).toBe(K.scalar(quietNaN))
    const c = K.constant([5, 5, 5])
    expect(Array.from(K.evaluate([K.add(a, b), c], {}).flatMap((v) => Array.from(v)))).toEqual([2, 5, 5, 5, 5])
    // Nodes above colliding constants are distinct too (their operands' ids differ).
    expect(K.neg(a)).not.toBe(K.neg(b))
  })

  it('never returns the artifact of another graph from the compile cache', () => {
    clearCompileCache()
    const x = K.input('x', [2])
    const run = (c: readonly number[]) => {
      const exe = compile([K.mul(x, K.constant(c))])
      if (E.isLeft(exe)) throw new Error(exe.left.message)
      return Array.from(exe.right.run({ x: Float64Array.of(1, 1) })[0]!)
    }
    const misses = compileStats().cacheMisses
    expect(run([2, 3])).toEqual([2, 3])
    expect(run([4, 5])).toEqual([4, 5]) // same key, different data: a miss, rebuilt
    expect(compileStats().cacheMisses).toBe(misses + 2)
    expect(run([4, 5])).toEqual([4, 5]) // same data: a hit
    expect(compileStats().cacheMisses).toBe(misses + 2)
    expect(run([2, 3])).toEqual([2, 3])
  })
})
