/**
 * Random graphs (the compiler's property-test generator: every elementwise op, reductions, views,
 * softmax rows, gradients) exported to ONNX and run by ONNX Runtime equal the reference interpreter to
 * relative 1e-12 (the `close` of the compiler's specs: NaN where the interpreter has NaN, elements that
 * cancel measured against the output's largest magnitude). ONNX Runtime sums in its own order, so
 * this is not bit for bit.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { bindingsArb, close, graphArb, only } from '../compile/arbitraries.js'
import { runOnOrt } from './ort.js'

const show = (xs: readonly Float64Array[]) => xs.map((w) => Array.from(w).join(' ')).join(' | ')

describe('exported random graphs on ONNX Runtime equal the interpreter', () => {
  for (const [withGrad, seed, numRuns] of [[true, 17, 200], [false, 23, 150]] as const)
    it(`random graphs ${withGrad ? 'with' : 'without'} gradients (relative 1e-12)`, async () => {
      await fc.assert(
        fc.asyncProperty(graphArb(withGrad), bindingsArb, async (g, all) => {
          const bind = only(g.outputs, all)
          const want = evaluate(g.outputs, bind)
          const got = await runOnOrt(g.outputs, bind)
          if (!want.every((w, i) => close(got[i]!, w))) expect.fail(`ONNX Runtime != evaluate for\n${g.description}\nwant ${show(want)}\ngot  ${show(got)}`)
          return true
        }),
        { seed, numRuns },
      )
    })
})
