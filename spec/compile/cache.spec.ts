import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { clearCompileCache, compile, compileStats, graphKey, type Executable } from '../../src/compile/index.js'
import { CompileCache, DEFAULT_CACHE_BYTES, graphConstants } from '../../src/compile/cache.js'
import { attrsKey } from '../../src/hash.js'
import { topoSort } from '../../src/graph.js'
import type { Tensor } from '../../src/tensor.js'

const ok = (outs: readonly Tensor[], opts = {}): Executable => {
  const r = compile(outs, opts)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const MiB = 2 ** 20

describe('compile cache: bounded by bytes as well as entries', () => {
  it('graphs with large distinct constants keep the estimated retained bytes within the budget', () => {
    clearCompileCache()
    expect(compileStats().cacheBytes).toBe(0)
    const n = MiB // 8 MiB of data per graph: 40 graphs are 320 MiB, more than the 256 MiB budget
    const x = K.input('bigX', [n])
    const graph = (i: number) => {
      const data = new Float64Array(n)
      for (let j = 0; j < n; j++) data[j] = i + j
      return K.add(x, K.constant(data))
    }
    let peak = 0
    for (let i = 0; i < 40; i++) {
      ok([graph(i)])
      peak = Math.max(peak, compileStats().cacheBytes)
    }
    expect(peak).toBeLessThanOrEqual(DEFAULT_CACHE_BYTES)
    expect(peak).toBeGreaterThan(DEFAULT_CACHE_BYTES / 2)
    const { cacheEntries } = compileStats()
    expect(cacheEntries).toBeGreaterThan(1)
    expect(cacheEntries).toBeLessThan(40)
    // The newest graph is still cached (a rebuild of it creates no function), the oldest is not.
    const before = compileStats().functionsCreated
    const last = ok([graph(39)])
    expect(compileStats().functionsCreated).toBe(before)
    ok([graph(0)])
    expect(compileStats().functionsCreated).toBeGreaterThan(before)
    const out = last.run({ bigX: new Float64Array(n).fill(1) })[0]!
    expect([out[0], out[n - 1]]).toEqual([40, 39 + n])
    clearCompileCache()
    expect([compileStats().cacheBytes, compileStats().cacheEntries]).toEqual([0, 0])
  })

  it('evicts the oldest entries until within both limits; an entry over the whole budget is not kept', () => {
    const c = new CompileCache<string>(3, 100)
    c.set('a', 'A', [], 40)
    c.set('b', 'B', [], 40)
    c.set('c', 'C', [], 40)
    expect([c.get('a'), c.get('b'), c.get('c'), c.bytes]).toEqual([undefined, 'B', 'C', 80])
    c.set('huge', 'H', [], 101)
    expect([c.get('huge'), c.get('b'), c.size, c.bytes]).toEqual([undefined, 'B', 2, 80])
    c.set('d', 'D', [], 1)
    c.set('e', 'E', [], 1)
    expect([c.get('b'), c.get('c'), c.get('d'), c.get('e'), c.size]).toEqual([undefined, 'C', 'D', 'E', 3])
    c.set('all', 'X', [], 100)
    expect([c.get('c'), c.get('d'), c.get('all'), c.size, c.bytes]).toEqual([undefined, undefined, 'X', 1, 100])
    c.set('all', 'Y', [], 10)
    expect([c.get('all'), c.size, c.bytes]).toEqual(['Y', 1, 10])
  })

  it('a hit must match the stored constants value for value (0 and -0 differ, NaNs agree)', () => {
    const c = new CompileCache<number>()
    const stored = Float64Array.from([1, 0, NaN])
    c.set('k', 1, [stored], 24)
    const quietNaN = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!
    expect(c.get('k', [Float64Array.from([1, 0, quietNaN])])).toBe(1)
    expect(c.get('k', [Float64Array.from([1, -0, NaN])])).toBeUndefined()
    expect(c.get('k', [Float64Array.from([1, 0, 2])])).toBeUndefined()
    expect(c.get('k', [])).toBeUndefined()
  })
})

describe('constants are keyed by a content hash', () => {
  it('a graph key stays short with a 1M-element constant, and its constants are listed apart', () => {
    const data = new Float64Array(MiB)
    for (let j = 0; j < MiB; j++) data[j] = j / 3
    const big = K.constant(data)
    const y = K.mul(K.input('x', [MiB]), big)
    const order = topoSort([y])
    expect(graphKey(order, [y], '').length).toBeLessThan(200)
    expect(attrsKey(big.attrs).length).toBeLessThan(60)
    if (!K.isOp(big, 'constant')) throw new Error('constant() did not build a constant node')
    const listed = graphConstants(order)
    expect(listed.length === 1 && listed[0] === big.attrs.values).toBe(true)
  })

  it('graphs equal but for one constant element compile to different artifacts', () => {
    const x = K.input('x', [3])
    const run = (c: readonly number[]) => Array.from(ok([K.mul(x, K.constant(c))]).run({ x: Float64Array.from([1, 1, 1]) })[0]!)
    expect(run([1, 2, 3])).toEqual([1, 2, 3])
    expect(run([1, 2, 4])).toEqual([1, 2, 4])
    expect(run([1, 2, 3])).toEqual([1, 2, 3])
    expect(Object.is(run([0, 0, -0])[2], -0)).toBe(true)
    expect(Object.is(run([0, 0, 0])[2], 0)).toBe(true)
  })
})
