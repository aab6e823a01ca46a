/**
 * The compiler pipeline: simplify -> schedule (fusion) -> memory plan -> codegen -> executable,
 * with a structural cache in front so recompiling an identical graph creates no new function.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { kernelHelpers } from '../optable.js'
import { BindingError, leavesOf, topoSort } from '../graph.js'
import { ArgumentError, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import { ShapeError } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { CompileCache, graphConstants, graphKey, makeFunction, retainedBytes } from './cache.js'
import { genLoopKernel, type KernelSource } from './codegen.js'
import { compileError, type CompileError } from './errors.js'
import { executable, type Artifact, type Executable } from './executable.js'
import { interpretedExecutable } from './interpreted.js'
import { intLit } from './literal.js'
import { planMemory } from './memory.js'
import { genMatmul } from './matmul.js'
import { canGenerateCode } from './probe.js'
import type { FusionPlan } from './fusion.js'
import type { Schedule } from './ir.js'
import { schedule, schedulePlan } from './schedule.js'
import { simplify } from './simplify.js'

/** Compiler options. */
export interface CompileOptions {
  /** Fuse ops into kernels (default true); `false` runs one kernel per op (the unfused reference plan). */
  readonly fuse?: boolean
  /** Run the simplify pass first (default true). */
  readonly simplify?: boolean
  /** Use the structural compile cache (default true). */
  readonly cache?: boolean
}

const OPTIONS: OptionTable = { checks: { fuse: kindCheck('boolean'), simplify: kindCheck('boolean'), cache: kindCheck('boolean') } }
const cache = new CompileCache<Artifact>()

/**
 * Empties the compile cache (tests).
 * @example
 * import { clearCompileCache } from './compile.js'
 * clearCompileCache() // undefined
 */
export const clearCompileCache = (): void => cache.clear()

/** The scope every kernel function is made in: the records' helpers, by name. */
const HELPER_NAMES = Object.keys(kernelHelpers)
const HELPERS = Object.values(kernelHelpers)

/** Memory plan and kernel sources of a schedule. */
const lowered = (sched: Schedule) => {
  const memory = planMemory(sched)
  const sources = sched.kernels.map((k) => (k._tag === 'matmul' ? genMatmul(k) : genLoopKernel(k)))
  return { sched, memory, sources }
}

const plan = (outputs: readonly Tensor[], fuse: boolean, simp: boolean) =>
  lowered(schedule(simp ? simplify(outputs) : [...outputs], { fuse }))

/** The artifact of a lowered schedule: one function per distinct kernel source, and the program calling them. */
const build = ({ sched, memory, sources }: ReturnType<typeof lowered>): Artifact => {
  const made = new Map<string, unknown>()
  const fns = sources.map((src) => {
    const text = canonicalSource(src)
    let f = made.get(text)
    if (f === undefined) made.set(text, (f = makeFunction(HELPER_NAMES, `return ${text}`)(...HELPERS)))
    return f
  })
  const calls = sources.map((src) => src.params.map((v) => `s[${intLit(v)}]`).join(', '))
  return { schedule: sched, memory, sources, program: programOf(fns, calls) }
}

/**
 * A kernel's source with its name and buffer names made positional (`b<value id>` becomes `b<parameter
 * position>`; codegen names buffers with `bufName` and nothing else in generated code has that form), so
 * kernels that differ only in which buffers they touch share one function: a deep or repeated graph
 * repeats a few kernels thousands of times, and each `new Function` costs far more than the text.
 */
const canonicalSource = (src: KernelSource): string => {
  const pos = new Map(src.params.map((v, i) => [v, i]))
  return src.source.replace(/^function kernel\d+\(/, 'function kernel(').replace(/\bb(\d+)\b/g, (name, v: string) => {
    const p = pos.get(Number(v))
    if (p === undefined) throw new Error(`internal: kernel source reads ${name}, which is not a parameter`)
    return `b${p}`
  })
}

/** Kernels one generated program function calls directly (V8 has limits on parameters and arguments). */
const PROGRAM_FAN_OUT = 256

/**
 * A program calling `fns[i](args[i])` in order: one function when there are at most `PROGRAM_FAN_OUT`
 * kernels, else a tree of functions calling at most that many each, so a graph of any size gives
 * functions with few parameters (kernels are named parameters, so V8 can inline the calls).
 */
const programOf = (fns: readonly unknown[], args: readonly string[]): Artifact['program'] => {
  let level = fns.map((f, i) => ({ f, call: `(${args[i]})` }))
  do {
    const next: typeof level = []
    for (let at = 0; at < level.length; at += PROGRAM_FAN_OUT) {
      const group = level.slice(at, at + PROGRAM_FAN_OUT)
      const body = group.map((g, i) => `  K${i}${g.call};`).join('\n')
      const f = makeFunction(group.map((_, i) => `K${i}`), `return function program(s) {\n${body}\n}`)(...group.map((g) => g.f))
      next.push({ f, call: '(s)' })
    }
    level = next
  } while (level.length > 1)
  return level[0]!.f as Artifact['program']
}

/**
 * Compiles `outputs` into an executable whose `run` gives what `evaluate` gives on the simplified graph, bit
 * for bit (with `simplify: false`, on `outputs` itself); the simplify pass's few documented inexact rules
 * (`rules`, `exact: false`) can move a value by rounding or the sign of a zero.
 * Where generated code is refused (a Content Security Policy without `'unsafe-eval'`), it warns once
 * and returns an executable that runs the reference interpreter.
 * Fails with a `CompileError` for clashing leaf names, bad shapes or unknown options.
 * @example
 * import { compile } from './compile.js'
 * import { input, add, mul } from 'kiln'
 * import * as E from 'fp-ts/lib/Either.js'
 * const x = input('x', [3])
 * const exe = compile([add(mul(x, x), 1)])
 * E.isRight(exe) && Array.from(exe.right.run({ x: [1, 2, 3] })[0]!) // [2, 5, 10]
 */
export const compile = (outputs: readonly Tensor[], options: CompileOptions = {}): E.Either<CompileError, Executable> => {
  const bad = optionTableProblem('compile', options, OPTIONS)
  if (bad !== undefined) return E.left(compileError('BadOption', bad.message))
  const fuse = options.fuse ?? true
  const simp = options.simplify ?? true
  try {
    const order = topoSort(outputs)
    const leaves = leavesOf(order, 'compile')
    if (!canGenerateCode()) {
      const p = plan(outputs, fuse, simp)
      return E.right(interpretedExecutable(outputs, p.sched, p.memory, p.sources))
    }
    if (options.cache === false) return E.right(executable(build(plan(outputs, fuse, simp)), leaves))
    const key = graphKey(order, outputs, `fuse=${fuse},simplify=${simp}`)
    const consts = graphConstants(order)
    const hit = cache.get(key, consts)
    const art = hit ?? build(plan(outputs, fuse, simp))
    if (hit === undefined) cache.set(key, art, consts, retainedBytes(art, consts, key))
    return E.right(executable(art, leaves))
  } catch (e) {
    if (e instanceof BindingError) return E.left(compileError('LeafNameClash', e.message))
    if (e instanceof ShapeError) return E.left(compileError('BadShape', e.message))
    throw e
  }
}

/**
 * Compiles `outputs` with a given fusion plan (`decideFusion`, edited by hand or generated), without
 * simplifying (the plan names these nodes) or caching: every plan `checkPlan` accepts computes the same
 * values as the interpreter, so schedules can be explored safely. A plan it refuses is a `BadPlan` error.
 * @example
 * import { compilePlan } from './compile.js'
 * import { decideFusion } from './fusion.js'
 * import { input, exp, sum } from 'kiln'
 * const outs = [sum(exp(input('x', [3])))]
 * const plan = decideFusion(outs, { fuse: true })
 * const exe = compilePlan(outs, { ...plan, reduceForms: plan.reduceForms.map((f) => ({ ...f, form: 'scatter' as const })) })
 * exe._tag === 'Right' && exe.right.run({ x: [0, 0, 0] })[0]![0] // 3
 * compilePlan(outs, { ...plan, materialized: [] })._tag // 'Left'
 */
export const compilePlan = (outputs: readonly Tensor[], fusion: FusionPlan): E.Either<CompileError, Executable> => {
  try {
    const order = topoSort(outputs)
    const leaves = leavesOf(order, 'compilePlan')
    const low = lowered(schedulePlan(outputs, fusion, order))
    return E.right(canGenerateCode() ? executable(build(low), leaves) : interpretedExecutable(outputs, low.sched, low.memory, low.sources))
  } catch (e) {
    if (e instanceof BindingError) return E.left(compileError('LeafNameClash', e.message))
    if (e instanceof ArgumentError) return E.left(compileError('BadPlan', e.message))
    throw e
  }
}
