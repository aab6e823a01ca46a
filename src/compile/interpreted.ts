/**
 * The executable Kiln returns where generated code is refused (see `probe.ts`): the same interface,
 * the same plan to explain, but every run goes through the reference interpreter.
 * @module
 */
import { evaluate } from '../evaluate.js'
import { BindingError, type Bindings } from '../graph.js'
import { fmt } from '../shape.js'
import type { Tensor } from '../tensor.js'
import type { KernelSource } from './codegen.js'
import type { Executable } from './executable.js'
import { explainPlan } from './explain.js'
import type { Schedule } from './ir.js'
import type { MemoryPlan } from './memory.js'

const checkOutputs = (outputs: readonly Tensor[], outs: readonly Float64Array[]): void => {
  if (outs.length !== outputs.length)
    throw new BindingError('outputs', `runInto: ${outs.length} output buffers given, the executable has ${outputs.length} outputs`)
  outputs.forEach((t, i) => {
    const size = t.shape.reduce((a, b) => a * b, 1)
    const o = outs[i]
    if (!(o instanceof Float64Array) || o.length !== size)
      throw new BindingError(`outputs[${i}]`, `runInto: output buffer ${i} must be a Float64Array of length ${size} (shape ${fmt(t.shape)}), got ${o instanceof Float64Array ? `length ${o.length}` : typeof o}`)
  })
}

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
  const text = () => `Engine: reference interpreter (this environment refuses generated code)\n${explainPlan(s, memory, sources)}`
  return {
    run: (bindings: Bindings) => evaluate(outputs, bindings),
    runInto(bindings: Bindings, outs: readonly Float64Array[]) {
      checkOutputs(outputs, outs)
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
