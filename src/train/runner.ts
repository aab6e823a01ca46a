/**
 * Runs a graph repeatedly: the compiled executable by default, or the reference interpreter
 * (`engine: 'interpreter'`) for debugging and for checking the compiler on a whole training run.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { compile } from '../compile/index.js'
import { evaluate } from '../evaluate.js'
import { leavesOf, topoSort, type Bindings } from '../graph.js'
import type { Tensor } from '../tensor.js'

/** Which engine runs training and evaluation graphs. */
export type Engine = 'compiled' | 'interpreter'

/** Something that writes a graph's outputs into caller-owned buffers. */
export interface Runner {
  /** Names of the graph's input/param leaves: bind exactly these. */
  readonly leaves: ReadonlySet<string>
  readonly runInto: (bindings: Bindings, outs: readonly Float64Array[]) => void
}

/**
 * A runner for `outputs` on `engine`; a compile error throws (the graphs `fit` builds are checked first).
 * @example
 * import { runnerFor, add, input } from 'kiln'
 * const out = [new Float64Array(2)]
 * runnerFor([add(input('x', [2]), 1)], 'compiled').runInto({ x: [1, 2] }, out)
 * Array.from(out[0]!) // [2, 3]
 */
export const runnerFor = (outputs: readonly Tensor[], engine: Engine): Runner => {
  const leaves = new Set(leavesOf(topoSort(outputs)).keys())
  if (engine === 'interpreter')
    return {
      leaves,
      runInto: (bindings, outs) => evaluate(outputs, bindings).forEach((v, i) => outs[i]!.set(v)),
    }
  const exe = compile(outputs)
  if (E.isLeft(exe)) throw new Error(`fit: the step graph did not compile: ${exe.left.message}`)
  return { leaves, runInto: (bindings, outs) => exe.right.runInto(bindings, outs) }
}
