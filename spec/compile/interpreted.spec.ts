import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compile } from '../../src/compile/compile.js'
import { interpretedExecutable } from '../../src/compile/interpreted.js'
import { genLoopKernel } from '../../src/compile/codegen.js'
import { genMatmul } from '../../src/compile/matmul.js'
import { planMemory } from '../../src/compile/memory.js'
import { schedule } from '../../src/compile/schedule.js'
import { BindingError } from '../../src/graph.js'
import { add, input, matmul, param, relu, sum } from '../../src/index.js'

describe('the interpreter-backed executable (where generated code is refused)', () => {
  const x = input('x', [3, 4])
  const w = param('w', [4, 2])
  const outs = [relu(add(matmul(x, w), 1)), sum(x)]
  const s = schedule(outs, { fuse: true })
  const exe = interpretedExecutable(outs, s, planMemory(s), s.kernels.map((k) => (k._tag === 'matmul' ? genMatmul(k) : genLoopKernel(k))))
  const compiled = compile(outs)

  it('runs and runs into buffers like the compiled executable', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 20, maxLength: 20 }), (v) => {
        const b = { x: v.slice(0, 12), w: v.slice(12) }
        const want = compiled._tag === 'Right' ? compiled.right.run(b) : []
        const got = exe.run(b)
        const into = [new Float64Array(6), new Float64Array(1)]
        exe.runInto(b, into)
        got.forEach((g, i) => g.forEach((y, j) => expect(y).toBeCloseTo(want[i]![j]!, 12)))
        expect(into).toEqual(got)
      }),
    )
  })

  it('checks output buffers and bindings, and says which engine runs in explain()', () => {
    expect(() => exe.runInto({ x: new Float64Array(12), w: new Float64Array(8) }, [new Float64Array(5), new Float64Array(1)])).toThrow(BindingError)
    expect(() => exe.runInto({ x: new Float64Array(12), w: new Float64Array(8) }, [new Float64Array(6)])).toThrow('1 output buffers given')
    expect(() => exe.run({ x: new Float64Array(12) })).toThrow(BindingError)
    expect(exe.explain().split('\n')[0]).toBe('Engine: reference interpreter (this environment refuses generated code)')
  })
})
