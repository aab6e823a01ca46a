import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { evaluate } from '../../src/evaluate.js'
import { compile, schedule, type CompileOptions, type Schedule } from '../../src/compile/index.js'
import { kernelReads } from '../../src/compile/ir.js'
import { onlinePair } from '../../src/compile/online.js'
import { topoSort } from '../../src/graph.js'
import type { Tensor } from '../../src/tensor.js'
import { same } from './arbitraries.js'
import { mlpStep } from './mlp.js'

const run = (outs: readonly Tensor[], bind: Record<string, Float64Array>, opts: CompileOptions = {}) => {
  const exe = compile(outs, opts)
  if (E.isLeft(exe)) throw new Error(exe.left.message)
  return exe.right.run(bind)
}
const agree = (outs: readonly Tensor[], bind: Record<string, Float64Array>, opts: CompileOptions = {}): boolean => {
  const want = evaluate(outs, bind)
  const got = run(outs, bind, opts)
  return want.every((w, i) => same(got[i]!, w))
}
/** Kernels of the schedule that read value `v` (each is one pass over its rows). */
const passesOver = (s: Schedule, v: number) => s.kernels.filter((k) => kernelReads(k).includes(v))
const onlineKernels = (s: Schedule) => s.kernels.filter((k) => k._tag === 'reduce' && k.online !== undefined)

const I = Infinity
const N = NaN
/** Rows covering the reference's special cases: -inf before the max, +inf, all -inf, NaN, mixtures. */
const SPECIAL = [
  [1, 2, 3, 4, 5], [-I, 3, -I, 1, 2], [1, I, 2, 3, 4], [-I, -I, -I, -I, -I],
  [1, N, 3, 2, 0], [I, I, 1, -I, N], [I, -I, 0, 0, 0], [2, 2, 2, 2, 2], [-1e308, 1e308, 0, -5, 700],
]

describe('online max+sum (softmax / log-softmax in two kernels per row)', () => {
  it('recognizes the pattern through stopGradient, reshape and broadcastTo, and only with matching rows', () => {
    const x = K.input('x', [4, 6])
    const sumOf = (t: Tensor) => topoSort([t]).filter((n) => n.op === 'sum')
    expect(sumOf(K.softmax(x)).map((s) => onlinePair(s) !== undefined)).toEqual([true])
    // logSumExp's other two sums (the maxima's count and the others' share, for log1p) are ordinary
    expect(sumOf(K.logSumExp(x, 1)).map((s) => onlinePair(s) !== undefined)).toEqual([true, false, false])
    const m = K.max(x, 1)
    const viaViews = K.sum(K.exp(K.sub(x, K.broadcastTo(K.reshape(K.stopGradient(m), [4, 1]), [4, 6]))), 1)
    expect(onlinePair(viaViews)?.max).toBe(m)
    // Wrong axes, another operand, or a max read along the wrong axis: not the pattern.
    expect(onlinePair(K.sum(K.exp(K.sub(x, K.max(x, 1, true))), 0))).toBeUndefined()
    expect(onlinePair(K.sum(K.exp(K.sub(K.neg(x), K.max(x, 1, true))), 1))).toBeUndefined()
    const sq = K.input('q', [5, 5])
    expect(onlinePair(K.sum(K.exp(K.sub(sq, K.max(sq, 1))), 1))).toBeUndefined()
    expect(onlinePair(K.sum(K.exp(K.sub(sq, K.max(sq, 1, true))), 1))).toBeDefined()
  })

  it('softmax reads x in two kernels and logSoftmax in four (the maxima count and the others\' share, for log1p), with no [64, 10] intermediate', () => {
    const x = K.input('x', [64, 10])
    for (const [y, passes] of [[K.softmax(x), 2], [K.logSoftmax(x), 4], [K.softmax(K.mul(x, 2)), 2]] as const) {
      const s = schedule([y], { fuse: true })
      expect(passesOver(s, 0).length).toBeLessThanOrEqual(passes)
      expect(onlineKernels(s).length).toBe(1)
      expect(s.values.filter((v) => v.kind === 'temp' && v.size >= 640)).toEqual([])
    }
    expect(onlineKernels(schedule([K.softmax(x)], { fuse: false }))).toEqual([])
  })

  it('the softmax cross-entropy training step computes its row max and row sum in one online kernel', () => {
    const step = mlpStep({ sizes: [8, 16, 8, 10], batch: 64, lr: 0.1 })
    const s = schedule(step.outputs, { fuse: true })
    const [on] = onlineKernels(s)
    if (on?._tag !== 'reduce') throw new Error('no online max+sum kernel in the training step')
    const logits = kernelReads(on)[0]!
    expect(s.values[logits]!.shape).toEqual([64, 10])
    // Passes over the logits: the online max+sum, the count of the maxima and the others' share (log1p of
    // it is the accurate log(total)), the loss row (label pick), and the gradient rule's (src/softmax.ts)
    // probabilities and 1 - p (the others' share again, and exp(x - max) corrected for the rounding of
    // x - max, which stores x - max, its rounding error and exp(x - max)). Reductions along different axes
    // are separate kernels (no horizontal fusion yet).
    expect(passesOver(s, logits).length).toBe(8)
    expect(s.values.filter((v) => v.kind === 'temp' && v.label.startsWith('exp')).length).toBeLessThanOrEqual(1)
  })

  it('matches evaluate on NaN, +-Infinity and all -Infinity rows, along the last or the first axis', () => {
    const x = K.input('x', [SPECIAL.length, 5])
    const data = Float64Array.from(SPECIAL.flat())
    const xt = K.input('xt', [5, SPECIAL.length])
    const dataT = Float64Array.from({ length: data.length }, (_, i) => data[(i % SPECIAL.length) * 5 + Math.floor(i / SPECIAL.length)]!)
    const rows = [K.softmax(x), K.logSoftmax(x), K.logSumExp(x, 1), K.logSumExp(x, 1, true)]
    const cols = [K.softmax(xt, 0), K.logSoftmax(xt, 0), K.logSumExp(xt, 0), K.logSumExp(xt)]
    for (const opts of [{}, { simplify: false }]) {
      expect(agree(rows, { x: data }, opts)).toBe(true)
      expect(agree(cols, { xt: dataT }, opts)).toBe(true)
    }
    expect(onlineKernels(schedule(cols, { fuse: true })).length).toBeGreaterThan(0)
    const got = run([K.softmax(x)], { x: data })[0]!
    expect(Array.from(got.subarray(5, 10)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0.665241, 0, 0.090031, 0.244728])
    expect(Number.isNaN(got[10]!) && Number.isNaN(got[15]!) && Number.isNaN(got[20]!)).toBe(true)
  })

  it('agrees with evaluate bit for bit on logits of +-1000 (including ties and near-ties)', () => {
    const x = K.input('x', [64, 10])
    const outs = [K.softmax(x), K.logSoftmax(x), K.logSumExp(x, 1)]
    const logit = fc.oneof(
      fc.double({ min: -1000, max: 1000, noNaN: true }),
      fc.constantFrom(-1000, 1000, 999.5, 0, -0),
      fc.double({ min: 995, max: 1000, noNaN: true }),
    )
    fc.assert(
      fc.property(fc.array(logit, { minLength: 640, maxLength: 640 }), (xs) => agree(outs, { x: Float64Array.from(xs) })),
      { seed: 2024, numRuns: 60 },
    )
  })

  it('gives the values of the unfused plan on softmax-heavy graphs and their gradients', () => {
    const x = K.param('x', [6, 7])
    const loss = K.sum(K.mul(K.softmax(x), K.logSoftmax(K.mul(x, 3), 0)))
    const outs = [loss, ...K.grad(loss, [x])]
    fc.assert(
      fc.property(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 42, maxLength: 42 }), (xs) => {
        const bind = { x: Float64Array.from(xs) }
        const fused = run(outs, bind)
        const unfused = run(outs, bind, { fuse: false })
        return fused.every((f, i) => same(f, unfused[i]!)) && agree(outs, bind)
      }),
      { seed: 77, numRuns: 40 },
    )
  })
})
