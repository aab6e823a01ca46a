import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { input, scalar } from '../../src/make.js'
import { constantSchedule, cosineDecay, cosPi, exponentialDecay, floorDiv, inverseTimeDecay, lrAt, stepDecay, type Schedule } from '../../src/nn/schedules.js'

const step = input('step', [])
const at = (s: Schedule, t: number): number => evaluate([s(step)], { step: t })[0]![0]!

describe('schedules', () => {
  it('constant', () => {
    // a constant does not read the step at all
    expect(evaluate([constantSchedule(0.3)(step)], {})[0]![0]).toBe(0.3)
    expect(evaluate([lrAt(0.2, step)], {})[0]![0]).toBe(0.2)
  })

  it('stepDecay is lr * gamma^floor(step / every)', () => {
    const s = stepDecay(0.1, 3, 0.5)
    for (let t = 0; t < 12; t++) expect(at(s, t)).toBeCloseTo(0.1 * 0.5 ** Math.floor(t / 3), 16)
  })

  it('floorDiv is exact for integer steps and periods', () => {
    const s = input('s', [])
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 100000 }), (t, e) =>
        evaluate([floorDiv(s, e)], { s: t })[0]![0] === Math.floor(t / e),
      ),
      { seed: 11, numRuns: 500 },
    )
    expect(evaluate([floorDiv(scalar(5), 5)], {})[0]![0]).toBe(1)
    expect(evaluate([floorDiv(scalar(4), 5)], {})[0]![0]).toBe(0)
  })

  it('exponentialDecay is lr * rate^step', () => {
    const s = exponentialDecay(0.5, 0.9)
    for (const t of [0, 1, 2, 10, 100]) expect(at(s, t)).toBeCloseTo(0.5 * 0.9 ** t, 15)
  })

  it('inverseTimeDecay is lr / (1 + k step)', () => {
    const s = inverseTimeDecay(0.5, 0.1)
    for (const t of [0, 1, 7, 100]) expect(at(s, t)).toBeCloseTo(0.5 / (1 + 0.1 * t), 15)
  })

  it('cosineDecay goes from lr to the floor over T steps and stays there', () => {
    const s = cosineDecay(1, 20, 0.1)
    for (let t = 0; t <= 30; t++) {
      const u = Math.min(t, 20) / 20
      expect(at(s, t)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * u)), 14)
    }
    expect(at(s, 0)).toBeCloseTo(1, 15)
  })

  it('cosPi matches Math.cos on [0, 1]', () => {
    const u = input('u', [101])
    const us = Array.from({ length: 101 }, (_, i) => i / 100)
    const got = evaluate([cosPi(u)], { u: us })[0]!
    got.forEach((v, i) => expect(Math.abs(v - Math.cos(Math.PI * us[i]!))).toBeLessThan(1e-15))
  })

  it('bad hyperparameters are clear errors', () => {
    expect(() => stepDecay(0.1, 0, 0.5)).toThrow(/stepDecay: every/)
    expect(() => cosineDecay(0.1, 2.5)).toThrow(/cosineDecay: steps/)
    expect(() => exponentialDecay(0.1, 0)).toThrow(/exponentialDecay: rate/)
    expect(() => constantSchedule(-1)).toThrow(/constantSchedule: lr/)
  })
})
