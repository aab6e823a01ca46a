import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { compile, type CompileOptions } from '../../src/compile/index.js'
import { simplify } from '../../src/compile/simplify.js'
import type { Tensor } from '../../src/tensor.js'
import { bindingsArb, close, graphArb, only, same } from './arbitraries.js'

const runCompiled = (outs: readonly Tensor[], bind: Record<string, Float64Array>, opts: CompileOptions) => {
  const exe = compile(outs, opts)
  if (E.isLeft(exe)) throw new Error(exe.left.message)
  return exe.right.run(bind)
}

const show = (xs: readonly Float64Array[]) => xs.map((w) => Array.from(w).join(' ')).join(' | ')

/**
 * Compiled kernels compute what the interpreter computes on the graph they were given, bit for bit: the
 * graph after the simplify pass (whose few inexact rules are documented and tested in simplify.spec.ts),
 * or the graph itself with `simplify: false`. The whole pipeline is also within 1e-12 of the original.
 */
const agree = (opts: CompileOptions) => (g: { outputs: readonly Tensor[]; description: string }, all: Record<string, Float64Array>) => {
  const bind = only(g.outputs, all)
  const want = evaluate(g.outputs, bind)
  const got = runCompiled(g.outputs, bind, opts)
  const simplified = opts.simplify === false ? g.outputs : simplify(g.outputs)
  const exact = evaluate(simplified, only(simplified, all))
  if (!exact.every((w, i) => same(got[i]!, w))) expect.fail(`compiled != evaluate bit for bit for\n${g.description}\nwant ${show(exact)}\ngot  ${show(got)}`)
  if (!want.every((w, i) => close(got[i]!, w))) expect.fail(`compiled != evaluate for\n${g.description}\nwant ${show(want)}\ngot  ${show(got)}`)
  return true
}

describe('compiled graphs equal the reference interpreter', () => {
  it('random graphs with gradients, fused (bit for bit the simplified graph; within 1e-12 of the original)', () => {
    fc.assert(fc.property(graphArb(true), bindingsArb, agree({})), { seed: 1234, numRuns: 250 })
  })
  it('random graphs without simplify (bit for bit)', () => {
    fc.assert(fc.property(graphArb(true), bindingsArb, agree({ simplify: false })), { seed: 99, numRuns: 150 })
  })
  it('every fusion decision gives the values of the unfused plan, bit for bit', () => {
    fc.assert(
      fc.property(graphArb(true), bindingsArb, (g, all) => {
        const bind = only(g.outputs, all)
        const fused = runCompiled(g.outputs, bind, { simplify: false })
        const unfused = runCompiled(g.outputs, bind, { simplify: false, fuse: false })
        return fused.every((f, i) => same(f, unfused[i]!))
      }),
      { seed: 7, numRuns: 150 },
    )
  })
  it('random graphs without gradients, deeper programs', () => {
    fc.assert(fc.property(graphArb(false), bindingsArb, agree({})), { seed: 4321, numRuns: 200 })
  })
})
