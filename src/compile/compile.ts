/**
 * The compiler pipeline: simplify -> schedule (fusion) -> memory plan -> codegen -> executable,
 * with a structural cache in front so recompiling an identical graph creates no new function.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { BindingError, leavesOf, topoSort } from '../graph.js'
import { ShapeError } from '../shape.js'
import type { Tensor } from '../tensor.js'
import { CompileCache, graphKey, makeFunction } from './cache.js'
import { genLoopKernel } from './codegen.js'
import { compileError, type CompileError } from './errors.js'
import { executable, type Artifact, type Executable } from './executable.js'
import { helperScope } from './helpers.js'
import { interpretedExecutable } from './interpreted.js'
import { planMemory } from './memory.js'
import { genMatmul } from './matmul.js'
import { canGenerateCode } from './probe.js'
import { schedule } from './schedule.js'
import { simplify } from './simplifyPass.js'

/** Compiler options. */
export interface CompileOptions {
  /** Fuse ops into kernels (default true); `false` runs one kernel per op (the unfused reference plan). */
  readonly fuse?: boolean
  /** Run the simplify pass first (default true). */
  readonly simplify?: boolean
  /** Use the structural compile cache (default true). */
  readonly cache?: boolean
}

const KNOWN = new Set(['fuse', 'simplify', 'cache'])
const cache = new CompileCache<Artifact>()

/**
 * Empties the compile cache (tests).
 * @example
 * import { clearCompileCache } from './compile.js'
 * clearCompileCache() // undefined
 */
export const clearCompileCache = (): void => cache.clear()

const plan = (outputs: readonly Tensor[], fuse: boolean, simp: boolean) => {
  const graph = simp ? simplify(outputs) : [...outputs]
  const sched = schedule(graph, { fuse })
  const memory = planMemory(sched)
  const sources = sched.kernels.map((k) => (k._tag === 'matmul' ? genMatmul(k) : genLoopKernel(k)))
  return { sched, memory, sources }
}

const build = (outputs: readonly Tensor[], fuse: boolean, simp: boolean): Artifact => {
  const { sched, memory, sources } = plan(outputs, fuse, simp)
  const names = helperScope.map(([n]) => n)
  const fns = sources.map((src) => makeFunction(names, `return ${src.source}`)(...helperScope.map(([, v]) => v)))
  const calls = sources.map((src, i) => `  K${i}(${src.params.map((v) => `s[${v}]`).join(', ')});`)
  const program = makeFunction(fns.map((_, i) => `K${i}`), `return function program(s) {\n${calls.join('\n')}\n}`)(...fns) as Artifact['program']
  return { schedule: sched, memory, sources, program }
}

/**
 * Compiles `outputs` into an executable whose `run` agrees with `evaluate` (to 1e-12 relative).
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
  for (const [k, v] of Object.entries(options)) {
    if (!KNOWN.has(k)) return E.left(compileError('BadOption', `compile: unknown option '${k}'; the options are ${[...KNOWN].join(', ')}`))
    if (v !== undefined && typeof v !== 'boolean') return E.left(compileError('BadOption', `compile: option '${k}' must be a boolean, got ${typeof v}`))
  }
  const fuse = options.fuse ?? true
  const simp = options.simplify ?? true
  try {
    const order = topoSort(outputs)
    const leaves = leavesOf(order, 'compile')
    if (!canGenerateCode()) {
      const p = plan(outputs, fuse, simp)
      return E.right(interpretedExecutable(outputs, p.sched, p.memory, p.sources))
    }
    const key = graphKey(order, outputs, `fuse=${fuse},simplify=${simp}`)
    const hit = options.cache === false ? undefined : cache.get(key)
    const art = hit ?? build(outputs, fuse, simp)
    if (hit === undefined && options.cache !== false) cache.set(key, art)
    return E.right(executable(art, leaves))
  } catch (e) {
    if (e instanceof BindingError) return E.left(compileError('LeafNameClash', e.message))
    if (e instanceof ShapeError) return E.left(compileError('BadShape', e.message))
    throw e
  }
}
