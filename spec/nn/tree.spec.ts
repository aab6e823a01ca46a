import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { param } from '../../src/make.js'
import {
  bindValues,
  countParams,
  flattenParams,
  mapParams,
  mergeTrees,
  paramLeaves,
  readTree,
  TreeError,
  unflatten,
  zipParams,
  type Tree,
} from '../../src/nn/tree.js'

const tree = { dense0: { w: 1, b: 2 }, bn1: { gamma: 3, inner: { x: 4 } }, out: 5 }

describe('flattenParams / unflatten', () => {
  it('flatten gives dotted paths depth first, unflatten inverts it', () => {
    const flat = flattenParams(tree)
    expect(flat).toEqual([['dense0.w', 1], ['dense0.b', 2], ['bn1.gamma', 3], ['bn1.inner.x', 4], ['out', 5]])
    expect(unflatten(flat)).toEqual(tree)
  })

  it('round-trips random trees', () => {
    const key = fc.string({ minLength: 1, maxLength: 4 }).filter((s) => !s.includes('.') && s !== '_tag')
    const arb: fc.Arbitrary<Tree<number>> = fc.letrec<{ t: Tree<number> }>((tie) => ({
      t: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, fc.integer(), tie('t')), { minKeys: 1, maxKeys: 4 }),
    })).t
    fc.assert(fc.property(arb, (t) => {
      const flat = flattenParams(t)
      // empty subtrees have no leaves and cannot come back; compare via the flat form
      return JSON.stringify(flattenParams(unflatten(flat))) === JSON.stringify(flat)
    }), { seed: 7, numRuns: 200 })
  })

  it('rejects keys with dots and clashing paths', () => {
    expect(() => flattenParams({ 'a.b': 1 })).toThrow(/must be non-empty and contain no '\.'/)
    expect(() => unflatten([['a', 1], ['a.b', 2]])).toThrow(/both a leaf and a subtree/)
    expect(() => unflatten([['a', 1], ['a', 2]])).toThrow(/appears twice/)
  })
})

describe('mapParams / zipParams / countParams', () => {
  it('map keeps the structure and passes paths', () => {
    expect(mapParams(tree, (v: number, p) => `${p}:${v}`)).toEqual({
      dense0: { w: 'dense0.w:1', b: 'dense0.b:2' },
      bn1: { gamma: 'bn1.gamma:3', inner: { x: 'bn1.inner.x:4' } },
      out: 'out:5',
    })
  })

  it('zip names missing and extra keys', () => {
    expect(() => zipParams({ a: 1, b: 2 }, { a: 1 }, (x: number) => x)).toThrow(/missing entry 'b'/)
    expect(() => zipParams({ a: 1 }, { a: 1, c: 3 }, (x: number) => x)).toThrow(/unexpected entry 'c'/)
    expect(() => zipParams({ a: { b: 1 } }, { a: 1 }, (x: number) => x)).toThrow(/'a' is a subtree on one side/)
  })

  it('counts scalar entries of tensors and values', () => {
    expect(countParams({ a: param('a', [2, 3]), b: { c: Float64Array.of(1, 2) } })).toBe(8)
  })

  it('mergeTrees refuses a shared key', () => {
    expect(() => mergeTrees({ a: 1 }, { a: 2 })).toThrow(TreeError)
  })
})

describe('bindValues', () => {
  const p = paramLeaves({ dense0: { w: [2, 3], b: [3] } })

  it('maps values to the leaf names', () => {
    const b = bindValues(p, { dense0: { w: new Float64Array(6), b: Float64Array.of(1, 2, 3) } })
    expect(Object.keys(b).sort()).toEqual(['dense0.b', 'dense0.w'])
    expect(Array.from(b['dense0.b']!)).toEqual([1, 2, 3])
  })

  it('names a missing key and the shape expected', () => {
    expect(() => bindValues(p, { dense0: { w: new Float64Array(6) } })).toThrow(/missing entry 'dense0\.b' \(shape \[3\]\)/)
  })

  it('names an extra key', () => {
    expect(() => bindValues(p, { dense0: { w: new Float64Array(6), b: new Float64Array(3) }, dense9: { w: new Float64Array(1) } })).toThrow(
      /unexpected entry 'dense9'/,
    )
  })

  it('names a wrongly sized value and the shape expected', () => {
    expect(() => bindValues(p, { dense0: { w: new Float64Array(5), b: new Float64Array(3) } })).toThrow(
      /'dense0\.w' has 5 elements, its shape \[2,3\] needs 6/,
    )
  })

  it('readTree rebuilds values in flatten order', () => {
    const v = readTree(p, [Float64Array.of(1), Float64Array.of(2)])
    expect(flattenParams(v).map(([k, x]) => [k, Array.from(x)])).toEqual([['dense0.w', [1]], ['dense0.b', [2]]])
  })
})
