import { describe, expect, it } from 'vitest'
import { key } from '../../src/random/key.js'
import * as I from '../../src/nn/init.js'

const moments = (v: Float64Array): { mean: number; variance: number } => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length }
}

describe('fansOf', () => {
  it('dense, convolution (channels last) and vectors', () => {
    expect(I.fansOf([784, 128])).toEqual({ fanIn: 784, fanOut: 128 })
    expect(I.fansOf([5, 5, 3, 8])).toEqual({ fanIn: 75, fanOut: 200 })
    expect(I.fansOf([7])).toEqual({ fanIn: 7, fanOut: 7 })
  })
})

describe('initializers', () => {
  const shape = [200, 100] as const
  const k = key(3)

  it('constant ones', () => {
    expect(Array.from(I.zeros(k, [3]))).toEqual([0, 0, 0])
    expect(Array.from(I.ones(k, [2]))).toEqual([1, 1])
    expect(Array.from(I.constantInit(0.5)(k, [2]))).toEqual([0.5, 0.5])
  })

  it.each([
    ['glorotUniform', I.glorotUniform, 2 / 300, Math.sqrt(6 / 300)],
    ['heUniform', I.heUniform, 2 / 200, Math.sqrt(6 / 200)],
    ['lecunUniform', I.lecunUniform, 1 / 200, Math.sqrt(3 / 200)],
  ] as const)('%s has the right bound and variance', (_n, f, variance, limit) => {
    const v = f(k, shape)
    expect(v.length).toBe(20000)
    expect(v.every((x) => Math.abs(x) <= limit)).toBe(true)
    const m = moments(v)
    expect(Math.abs(m.mean)).toBeLessThan(0.03 * limit)
    expect(m.variance / variance).toBeGreaterThan(0.95)
    expect(m.variance / variance).toBeLessThan(1.05)
  })

  it.each([
    ['glorotNormal', I.glorotNormal, 2 / 300],
    ['heNormal', I.heNormal, 2 / 200],
    ['lecunNormal', I.lecunNormal, 1 / 200],
    ['normalInit(0.05)', I.normalInit(0.05), 0.0025],
  ] as const)('%s has the right variance', (_n, f, variance) => {
    const m = moments(f(k, shape))
    expect(m.variance / variance).toBeGreaterThan(0.95)
    expect(m.variance / variance).toBeLessThan(1.05)
  })

  it('uniformInit and truncatedNormalInit stay in range', () => {
    expect(I.uniformInit(2, 3)(k, [500]).every((x) => x >= 2 && x < 3)).toBe(true)
    expect(I.truncatedNormalInit(0.1)(k, [500]).every((x) => Math.abs(x) <= 0.2)).toBe(true)
  })

  it('explicit fans override the shape', () => {
    const v = I.heUniform(k, [10], { fanIn: 6, fanOut: 1 })
    expect(v.every((x) => Math.abs(x) <= 1)).toBe(true)
  })

  it('same key, same values; different key, different values', () => {
    expect(I.glorotUniform(key(1), [4, 4])).toEqual(I.glorotUniform(key(1), [4, 4]))
    expect(I.glorotUniform(key(1), [4, 4])).not.toEqual(I.glorotUniform(key(2), [4, 4]))
  })

  it('bad arguments throw naming the initializer', () => {
    expect(() => I.normalInit(-1)).toThrow(/normalInit: std/)
    expect(() => I.uniformInit(1, 1)).toThrow(/uniformInit/)
    expect(() => I.glorotUniform(k, [0, 3])).toThrow(/glorotUniform: fans must be positive/)
  })
})
