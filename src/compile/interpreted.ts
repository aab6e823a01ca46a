/**
 * The executable Kiln returns where generated code is refused (see `probe.ts`): the same interface,
 * the same plan to explain, but every run goes through the reference interpreter.
 * @module
 */
import { evaluate } from '../evaluate.js'
import type { Bindings } from '../graph.js'
import { sizeOf } from '../shape.js'
import type { Tensor } from '../tensor.js'
import type { KernelSource } from './codegen.js'
import { checkOutputBuffers, type Executable } from './executable.js'
import { explainPlan } from './explain.js'
import type { Schedule } from './ir.js'
import type { MemoryPlan } from './memory.js'

/**
 * An executable of `outputs` that runs the reference interpreter; `explain()` still shows the plan.
 * @example
 * import { interpretedExecutable } from './interpreted.js'
 * import { schedule } from './schedule.js'
 * import { planMemory } from './memory.js'
 * import { genLoopKernel } from './codegen.js'
 * import { genMatmul } from './matmul.js'
 * import { input, mul } from 'kiln'
 * const x = input('x', [2])
 * const s = schedule([mul(x, x)], { fuse: true })
 * const sources = s.kernels.map((k) => (k._tag === 'matmul' ? genMatmul(k) : genLoopKernel(k)))
 * const exe = interpretedExecutable([mul(x, x)], s, planMemory(s), sources)
 * Array.from(exe.run({ x: [3, 4] })[0]!) // [9, 16]
 * exe.explain().split('\n')[0] // 'Engine: reference interpreter (this environment refuses generated code)'
 */
export const interpretedExecutable = (outputs: readonly Tensor[], s: Schedule, memory: MemoryPlan, sources: readonly KernelSource[]): Executable => {
  const shapes = outputs.map((t) => t.shape)
  const sizes = shapes.map(sizeOf)
  const text = () => `Engine: reference interpreter (this environment refuses generated code)\n${explainPlan(s, memory, sources)}`
  return {
    run: (bindings: Bindings) => evaluate(outputs, bindings),
    runInto(bindings: Bindings, outs: readonly Float64Array[]) {
      checkOutputBuffers(outs, sizes, shapes)
      evaluate(outputs, bindings).forEach((v, i) => outs[i]!.set(v))
      return outs
    },
    explain: text,
    toString: text,
    schedule: s,
    memory,
    arena: [],
  }
}
