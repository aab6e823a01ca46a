/**
 * Accuracy in ulps against the 60-digit truth table (spec/fixtures/ulp: mpmath, rounded to float64), on
 * grids over the whole float64 line: every elementwise function's value, first and second derivative,
 * and the losses' values and gradients, through the reference interpreter and through the compiler.
 * Target: at most 4 ulps, for every unary function (dsigmoid's and derf's second derivatives are
 * sigmoid''' and erf''', zeros and subnormal results included) and every loss gradient; the measured
 * exceptions, bounded here: softmax's value, atan2's second derivatives where a^2 + b^2 leaves the double
 * range, and pow's derivatives where an intermediate power overflows or is subnormal and its mixed second
 * derivative beside its zero. `npx tsx spec/accuracy/table.ts` prints the README's table.
 */
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { stabilizeFor } from '../../src/compile/stabilize.js'
import { BINARY_COLUMNS, loadTruthCached, measureBinary, measureLoss, measureRewrite, measureUnary, pairsWhere, REWRITTEN, torchUnary, ulpDistance, type BinaryErrors, type Engine } from './ulp.js'

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

const columns = (e: BinaryErrors, cs: readonly (typeof BINARY_COLUMNS)[number][] = BINARY_COLUMNS): number[] => cs.map((c) => e[c].ulps)
const within = (us: readonly number[], bound: number): number[] => us.map((u) => Math.min(u, bound))
const normal = (v: number): boolean => Number.isFinite(v) && Math.abs(v) >= SMALLEST_NORMAL

describe.each(['interpreter', 'compiled'] as Engine[])('binary ops: value, both first and all three second partial derivatives, %s', (engine) => {
  it.each(['add', 'sub', 'mul', 'div', 'maximum', 'minimum'])(`%s: within ${TARGET} ulps on the whole grid`, (name) => {
    const e = columns(measureBinary(name, truth.binary[name]!, engine))
    expect(e).toEqual(within(e, TARGET))
  })

  it(`atan2: value and first derivatives within ${TARGET} ulps everywhere; second derivatives where max(|a|, |b|) is in [1e-150, 1e150]`, () => {
    const all = measureBinary('atan2', truth.binary['atan2']!, engine)
    expect(columns(all, ['value', 'da', 'db'])).toEqual(within(columns(all, ['value', 'da', 'db']), TARGET))
    const moderate = pairsWhere(truth.binary['atan2']!, (a, b) => Math.max(Math.abs(a), Math.abs(b)) >= 1e-150 && Math.max(Math.abs(a), Math.abs(b)) <= 1e150)
    expect(moderate.a.length).toBeGreaterThan(1000)
    const e = columns(measureBinary('atan2', moderate, engine))
    expect(e).toEqual(within(e, TARGET))
  })

  it(`pow: value within ${TARGET} ulps everywhere; derivatives where a^(b-2), a^(b-1) and a^b are normal (the mixed one within 25, beside its zero)`, () => {
    const all = measureBinary('pow', truth.binary['pow']!, engine)
    expect(all.value.ulps).toBeLessThanOrEqual(TARGET)
    const kept = pairsWhere(truth.binary['pow']!, (a, b) => [b - 2, b - 1, b].every((p) => normal(a ** p)))
    expect(kept.a.length).toBeGreaterThan(400)
    const e = measureBinary('pow', kept, engine)
    expect(columns(e, ['da', 'db', 'daa', 'dbb'])).toEqual(within(columns(e, ['da', 'db', 'daa', 'dbb']), TARGET))
    // d2/dadb = a^(b-1) (1 + b ln a) is 0 where b ln a = -1: a sum there (a = 2.75, b = -1)
    expect(e.dab.ulps).toBeLessThanOrEqual(25)
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
  it('differentiation rewrites each rule\'s expression first (the trigger ops gate the pass)', () => {
    const x = K.param('x', [3])
    for (const [name, f] of Object.entries(REWRITTEN)) expect(stabilizeFor([f(x)], [x]).outputs[0], name).not.toBe(f(x))
    const plain = K.mul(x, x)
    expect(stabilizeFor([plain], [x]).outputs[0]).toBe(plain)
  })
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
  it.each(lossNames)(`%s: value and gradient within ${TARGET} ulps (softmax's value within 24)`, (name) => {
    const e = measureLoss(truth.losses.filter((c) => c.loss === name), engine)
    expect(e.value, JSON.stringify(e)).toBeLessThanOrEqual(name === 'softmax' ? 24 : TARGET)
    expect(e.grad, JSON.stringify(e)).toBeLessThanOrEqual(TARGET)
  })
})
