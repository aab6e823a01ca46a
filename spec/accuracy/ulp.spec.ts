/**
 * Accuracy in ulps against the 60-digit truth table (spec/fixtures/ulp: mpmath, rounded to float64), on
 * grids over the whole float64 line: every elementwise function's value, first and second derivative,
 * and the losses' values and gradients, through the reference interpreter and through the compiler.
 * Target: at most 4 ulps, for every function (dsigmoid's and derf's second derivatives are sigmoid'''
 * and erf''', zeros and subnormal results included); softmax's value and gradient are the measured
 * exceptions, bounded here. `npx tsx spec/accuracy/table.ts` prints the README's table.
 */
import { describe, expect, it } from 'vitest'
import { loadTruthCached, measureLoss, measureRewrite, measureUnary, REWRITTEN, torchUnary, ulpDistance, type Engine } from './ulp.js'

const truth = loadTruthCached()
const TARGET = 4
const SMALLEST_NORMAL = 2.2250738585072014e-308


describe('ulpDistance', () => {
  it('counts representable steps, across zero and into the subnormals', () => {
    expect(ulpDistance(1, 1 + 2 ** -52)).toBe(1)
    expect(ulpDistance(5e-324, -5e-324)).toBe(2)
    expect(ulpDistance(0, -0)).toBe(0)
    expect(ulpDistance(Number.MAX_VALUE, Infinity)).toBe(1)
    expect(ulpDistance(NaN, NaN)).toBe(0)
    expect(ulpDistance(NaN, 1)).toBe(Infinity)
    expect(ulpDistance(0, 1e-300)).toBeGreaterThan(1e17)
  })
})

describe.each(['interpreter', 'compiled'] as Engine[])('elementwise functions, %s', (engine) => {
  it.each(Object.keys(truth.ops))(`%s: value, first and second derivative within ${TARGET} ulps`, (name) => {
    const e = measureUnary(name, truth.ops[name]!, engine)
    expect([e.value, e.d1, e.d2].map((w) => w.ulps), JSON.stringify(e)).toEqual([e.value, e.d1, e.d2].map((w) => Math.min(w.ulps, TARGET)))
  })

  it('the grids reach the tails, the subnormals and the zeros of the third derivatives', () => {
    const t = truth.ops['derf']!
    expect(t.d1.some((v) => v !== 0 && Math.abs(v) < SMALLEST_NORMAL)).toBe(true)
    expect(truth.ops['dsigmoid']!.x.some((x) => Math.abs(Math.abs(x) - 1.317) < 0.02)).toBe(true)
    expect(truth.ops['tanh']!.x.some((x) => x <= -300)).toBe(true)
  })
})

describe('the before and after of issue 15 (derivatives that PyTorch gets wrong by every digit)', () => {
  it.each(['tanh', 'sigmoid', 'softplus', 'expm1'])("%s: PyTorch's second derivative is off by more than 1e15 ulps somewhere, Kiln's within 4", (name) => {
    const t = truth.ops[name]!
    expect(torchUnary(t)!.d2.ulps).toBeGreaterThan(1e15)
    expect(measureUnary(name, t, 'compiled').d2.ulps).toBeLessThanOrEqual(TARGET)
  })
})

describe('stabilizing rewrites (src/compile/stabilize.ts): each one needed, each one accurate', () => {
  it('the table has a case for every rule (log1p covers log(1 + x) and log(1 - x))', () => {
    expect(Object.keys(truth.rewrites).sort()).toEqual(Object.keys(REWRITTEN).sort())
  })
  it.each(Object.keys(REWRITTEN))(`%s: the expression as written loses digits somewhere; simplified and compiled, within ${TARGET} ulps`, (name) => {
    expect(measureRewrite(name, 'interpreter').ulps).toBeGreaterThan(1000)
    const simplified = measureRewrite(name, 'simplified')
    const compiled = measureRewrite(name, 'compiled')
    expect([simplified.ulps, compiled.ulps], JSON.stringify({ simplified, compiled })).toEqual([Math.min(simplified.ulps, TARGET), Math.min(compiled.ulps, TARGET)])
  })
})

const lossNames = [...new Set(truth.losses.map((c) => c.loss))]

describe.each(['interpreter', 'compiled'] as Engine[])('losses, %s', (engine) => {
  // softmax's value keeps the one-pass form (the rounding of x - max in exp: 21 ulps on spread logits)
  // and its gradient is a product of two probabilities (7)
  it.each(lossNames)(`%s: value and gradient within ${TARGET} ulps (softmax: 24 and 8)`, (name) => {
    const e = measureLoss(truth.losses.filter((c) => c.loss === name), engine)
    expect(e.value, JSON.stringify(e)).toBeLessThanOrEqual(name === 'softmax' ? 24 : TARGET)
    expect(e.grad, JSON.stringify(e)).toBeLessThanOrEqual(name === 'softmax' ? 8 : TARGET)
  })
})
