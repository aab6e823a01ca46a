import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { compile, type CompileOptions } from '../../src/compile/index.js'
import type { Tensor } from '../../src/tensor.js'
import { bindingsArb, close, graphArb, only } from './arbitraries.js'

const runCompiled = (outs: readonly Tensor[], bind: Record<string, Float64Array>, opts: CompileOptions) => {
  const exe = compile(outs, opts)
  if (E.isLeft(exe)) throw new Error(exe.left.message)
  return exe.right.run(bind)
}

const agree = (opts: CompileOptions) => (g: { outputs: readonly Tensor[]; description: string }, all: Record<string, Float64Array>) => {
  const bind = only(g.outputs, all)
  const want = evaluate(g.outputs, bind)
  const got = runCompiled(g.outputs, bind, opts)
  const ok = want.every((w, i) => close(got[i]!, w))
  if (!ok) expect.fail(`compiled != evaluate for\n${g.description}\nwant ${want.map((w) => Array.from(w).join(' ')).join(' | ')}\ngot  ${got.map((w) => Array.from(w).join(' ')).join(' | ')}`)
  return ok
}

describe('compiled graphs equal the reference interpreter', () => {
  it('random graphs with gradients, fused (relative error < 1e-12, same NaN positions)', () => {
    fc.assert(fc.property(graphArb(true), bindingsArb, agree({})), { seed: 1234, numRuns: 250 })
  })
  it('random graphs without simplify', () => {
    fc.assert(fc.property(graphArb(true), bindingsArb, agree({ simplify: false })), { seed: 99, numRuns: 150 })
  })
  it('every fusion decision gives the values of the unfused plan', () => {
    fc.assert(
      fc.property(graphArb(true), bindingsArb, (g, all) => {
        const bind = only(g.outputs, all)
        const fused = runCompiled(g.outputs, bind, { simplify: false })
        const unfused = runCompiled(g.outputs, bind, { simplify: false, fuse: false })
        return fused.every((f, i) => close(f, unfused[i]!))
      }),
      { seed: 7, numRuns: 150 },
    )
  })
  it('random graphs without gradients, deeper programs', () => {
    fc.assert(fc.property(graphArb(false), bindingsArb, agree({})), { seed: 4321, numRuns: 200 })
  })
})
