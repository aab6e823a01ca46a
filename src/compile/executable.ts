/**
 * The runtime: all buffers are allocated when the executable is made (the arena), a generated program
 * calls the kernels in order on a fixed slot table, and binding checks are a few comparisons per call.
 * @module
 */
import { BindingError, checkBindings, type Bindings, type Leaf } from '../graph.js'
import { fmt, type Shape } from '../shape.js'
import type { Schedule } from './ir.js'
import type { MemoryPlan } from './memory.js'
import type { KernelSource } from './codegen.js'
import { explainPlan } from './explain.js'

/** What the compiler produces for one graph structure (shared by cache hits). */
export interface Artifact {
  readonly schedule: Schedule
  readonly memory: MemoryPlan
  readonly sources: readonly KernelSource[]
  readonly program: (slots: Float64Array[]) => void
}

/** A compiled graph. */
export interface Executable {
  /** One fresh `Float64Array` per output, in order, like `evaluate`. Throws `BindingError` like `evaluate`. */
  run(bindings: Bindings): Float64Array[]
  /** Writes the outputs into caller-owned buffers (exact lengths, not aliasing inputs); allocates no buffers. */
  runInto(bindings: Bindings, outputs: readonly Float64Array[]): readonly Float64Array[]
  /** The plan: kernels (fused ops, loop nests, sources) and the buffer plan. */
  explain(): string
  toString(): string
  readonly schedule: Schedule
  readonly memory: MemoryPlan
  /** The buffers allocated at compile time (intermediates and constants); never reallocated. */
  readonly arena: readonly Float64Array[]
}

const EMPTY = new Float64Array(0)
const { hasOwnProperty } = Object.prototype
// Names are built only on error paths: runInto allocates nothing when its arguments are right.
const outName = (i: number): string => `outputs[${i}]`

/**
 * Checks `runInto`'s output buffers against the outputs' sizes (`shapes` only name them in errors): their
 * count, then each one's type and length; throws a `BindingError` naming the buffer. Allocates nothing
 * when they are right (it runs on every `runInto`).
 * @example
 * import { checkOutputBuffers } from './executable.js'
 * checkOutputBuffers([new Float64Array(6)], [6], [[2, 3]]) // undefined
 * let message = ''
 * try { checkOutputBuffers([new Float64Array(5)], [6], [[2, 3]]) } catch (e) { message = (e as Error).message }
 * message // 'runInto: output buffer 0 must be a Float64Array of length 6 (shape [2,3]), got length 5'
 */
export const checkOutputBuffers = (outs: readonly Float64Array[], sizes: readonly number[], shapes: readonly Shape[]): void => {
  if (outs.length !== sizes.length)
    throw new BindingError('outputs', `runInto: ${outs.length} output buffers given, the executable has ${sizes.length} outputs`)
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i]!
    if (!(o instanceof Float64Array) || o.length !== sizes[i])
      throw new BindingError(outName(i), `runInto: output buffer ${i} must be a Float64Array of length ${sizes[i]} (shape ${fmt(shapes[i]!)}), got ${o instanceof Float64Array ? `length ${o.length}` : typeof o}`)
  }
}

const overlaps = (a: Float64Array, b: Float64Array): boolean =>
  a.buffer === b.buffer && a.length > 0 && b.length > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength

/**
 * Makes an executable (with its own arena) from an artifact and the original graph's leaves.
 * `compile` calls it; cache hits share the artifact, never the arena.
 * @example
 * import { executable } from './executable.js'
 * import { schedule } from './schedule.js'
 * import { planMemory } from './memory.js'
 * import { genLoopKernel } from './codegen.js'
 * import { input, exp, topoSort } from 'kiln'
 * import { leavesOf } from '../graph.js'
 * const y = exp(input('x', [2]))
 * const s = schedule([y], { fuse: true })
 * const kernel = new Function('b1', 'b0', 'for (let i = 0; i < 2; i++) b1[i] = Math.exp(b0[i]);')
 * const art = { schedule: s, memory: planMemory(s), sources: s.kernels.map((k) => genLoopKernel(k as never)), program: (slots: Float64Array[]) => kernel(slots[1], slots[0]) }
 * Array.from(executable(art, leavesOf(topoSort([y]))).run({ x: [0, 1] })[0]!) // [1, Math.E]
 */
export const executable = (art: Artifact, leaves: ReadonlyMap<string, Leaf>): Executable => {
  const { schedule: s, memory: mem } = art
  const arena = mem.buffers.map((cap) => new Float64Array(cap))
  const slots: Float64Array[] = s.values.map((v) => {
    const b = mem.bufferOf[v.id]!
    if (b < 0) return EMPTY
    if (v.kind === 'const') arena[b]!.set(v.data!)
    return arena[b]!.subarray(0, v.size)
  })
  const slotOf = new Map(s.values.filter((v) => v.kind === 'input').map((v) => [v.name!, v.id]))
  const feed = [...leaves.values()].map((l) => ({ name: l.attrs.name, slot: slotOf.get(l.attrs.name) ?? -1, size: s.values[slotOf.get(l.attrs.name) ?? -1]?.size ?? -1, leaf: l }))
  for (const f of feed) if (f.size < 0) f.size = f.leaf.shape.reduce((a, b) => a * b, 1)
  const outSizes = s.outputs.map((o) => s.values[o]!.size)
  const outShapes = s.outputs.map((o) => s.values[o]!.shape)

  const bind = (bindings: Bindings, who: string): void => {
    let count = 0
    for (const _ in bindings) count++
    if (count === feed.length) {
      let ok = true
      for (const f of feed) {
        // Own properties only, as checkBindings reads them: an inherited value is not a binding.
        const v = hasOwnProperty.call(bindings, f.name) ? bindings[f.name] : undefined
        if (!(v instanceof Float64Array) || v.length !== f.size) {
          ok = false
          break
        }
        if (f.slot >= 0) slots[f.slot] = v
      }
      if (ok) return
    }
    const fed = checkBindings(leaves, bindings, who)
    for (const f of feed) if (f.slot >= 0) slots[f.slot] = fed.get(f.name)!
  }
  const exec = (outs: readonly Float64Array[]): void => {
    for (let i = 0; i < s.outputs.length; i++) slots[s.outputs[i]!] = outs[i]!
    try {
      art.program(slots)
    } finally {
      for (const f of feed) if (f.slot >= 0) slots[f.slot] = EMPTY
      for (const o of s.outputs) slots[o] = EMPTY
    }
  }
  const checkOutputs = (outs: readonly Float64Array[]): void => {
    checkOutputBuffers(outs, outSizes, outShapes)
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!
      for (let j = 0; j < i; j++)
        if (overlaps(o, outs[j]!)) throw new BindingError(outName(i), `runInto: output buffers ${j} and ${i} share memory`)
      for (const f of feed)
        if (f.slot >= 0 && overlaps(o, slots[f.slot]!))
          throw new BindingError(outName(i), `runInto: output buffer ${i} shares memory with the binding '${f.name}'; outputs must not alias inputs`)
    }
  }
  const text = () => explainPlan(s, mem, art.sources)
  return {
    run(bindings) {
      bind(bindings, 'run')
      const outs = outSizes.map((n) => new Float64Array(n))
      exec(outs)
      return outs
    },
    runInto(bindings, outputs) {
      bind(bindings, 'runInto')
      try {
        checkOutputs(outputs)
      } catch (e) {
        for (const f of feed) if (f.slot >= 0) slots[f.slot] = EMPTY
        throw e
      }
      exec(outputs)
      return outputs
    },
    explain: text,
    toString: text,
    schedule: s,
    memory: mem,
    arena,
  }
}
