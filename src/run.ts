/**
 * One protocol for running a graph: a `StepGraph` takes its inputs and state by position and gives its
 * outputs by position; `fit`, `evaluateModel` and `gradcheck` run every graph through it. It runs
 * repeatedly: the compiled executable by default, or the reference
 * interpreter (`engine: 'interpreter'`) for debugging and for checking the compiler on a whole training
 * run. Leaf names stay inside: the runner binds each input and state leaf the graph reads (a model
 * without dropout does not read the key) and skips the others, in this one place.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { compile } from './compile/index.js'
import { evaluate } from './evaluate.js'
import { leafName, leavesOf, topoSort, type Leaf } from './graph.js'
import { sizeOf } from './shape.js'
import type { Tensor } from './tensor.js'

/** A graph run by position: `inputs` and `state` leaves in, `outputs` out. */
export interface StepGraph {
  /** Leaves fed on each run (data, step counter, key). */
  readonly inputs: readonly Tensor[]
  /** Leaves carried from run to run (parameters, layer state, optimizer state). */
  readonly state: readonly Tensor[]
  /** The loss (and other results), then, for a training step, the next value of each `state` leaf in order. */
  readonly outputs: readonly Tensor[]
}

/** Which engine runs training and evaluation graphs. */
export type Engine = 'compiled' | 'interpreter'

/**
 * An engine outside this thread's JavaScript whose runs complete later (ONNX Runtime): `fitAsync` and
 * kiln/node's `evaluateModelAsync` and `predictAsync` take one as `engine`. kiln/node's `onnxruntime()`
 * makes one; a browser page can make its own from onnxruntime-web (see the README).
 */
export interface AsyncEngine {
  readonly _tag: 'AsyncEngine'
  /** For messages: `'onnxruntime'`. */
  readonly name: string
  /** A runner for `g`, ready to run (a session created, the graph checked). */
  readonly runner: (g: StepGraph) => Promise<AsyncStepRunner>
}

/** Runs one `StepGraph` asynchronously, writing its outputs into caller-owned buffers. */
export interface AsyncStepRunner {
  /** True when the graph reads input `i` (positions of `StepGraph.inputs`). */
  readonly reads: (i: number) => boolean
  readonly run: (inputs: readonly Float64Array[], state: readonly Float64Array[], outs: readonly Float64Array[]) => Promise<void>
  /** Frees what the runner holds (a native session); the runner is not run again. */
  readonly release: () => Promise<void>
}

/**
 * True for an `AsyncEngine` value (an object tagged so, with a `runner` function).
 * @example
 * import { isAsyncEngine } from 'kiln'
 * isAsyncEngine('compiled') // false
 * isAsyncEngine({ _tag: 'AsyncEngine', name: 'mine', runner: async () => { throw new Error('unused') } }) // true
 */
export const isAsyncEngine = (v: unknown): v is AsyncEngine =>
  typeof v === 'object' && v !== null && Reflect.get(v, '_tag') === 'AsyncEngine' && typeof Reflect.get(v, 'runner') === 'function' && typeof Reflect.get(v, 'name') === 'string'

/** Runs one `StepGraph`, writing its outputs into caller-owned buffers; allocates nothing per run. */
export interface StepRunner {
  /** True when the graph reads input `i` (positions of `StepGraph.inputs`). */
  readonly reads: (i: number) => boolean
  readonly run: (inputs: readonly Float64Array[], state: readonly Float64Array[], outs: readonly Float64Array[]) => void
}

/** The leaves of a step graph by position: each input and state leaf, or undefined where the outputs do not read it. */
export interface StepSlots {
  readonly inputs: readonly (Leaf | undefined)[]
  readonly state: readonly (Leaf | undefined)[]
}

/**
 * Which of `g`'s input and state leaves its outputs read, by position: the one place every engine (Kiln's
 * runners here, the ONNX Runtime engine) learns what to bind. A step leaf that is not an input or param is
 * a broken invariant (throws).
 * @example
 * import { input, mul, param } from 'kiln'
 * import { stepSlots } from './run.js'
 * const x = input('x', [2])
 * const s = stepSlots({ inputs: [x, input('unused', [1])], state: [param('w', [2])], outputs: [mul(x, 2)] }, 'example')
 * s.inputs.map((l) => l?.attrs.name) // ['x', undefined]
 * s.state // [undefined]
 */
export const stepSlots = (g: StepGraph, who: string): StepSlots => {
  const read = leavesOf(topoSort(g.outputs), who)
  const slot = (t: StepGraph['inputs'][number]): Leaf | undefined => {
    const name = leafName(t)
    if (name === undefined) throw new Error(`internal: a step leaf is a ${t.op} node`)
    const leaf = read.get(name)
    return leaf === t ? leaf : undefined
  }
  return { inputs: g.inputs.map(slot), state: g.state.map(slot) }
}

/**
 * A runner for `g` on `engine`; a compile error throws (the graphs `fit` builds are checked first).
 * @example
 * import { stepRunner, add, mul, input, param } from 'kiln'
 * const x = input('x', [2])
 * const w = param('w', [2])
 * const r = stepRunner({ inputs: [x, input('unused', [1])], state: [w], outputs: [mul(x, w), add(w, 1)] }, 'compiled')
 * const outs = [new Float64Array(2), new Float64Array(2)]
 * r.run([Float64Array.of(1, 2), new Float64Array(1)], [Float64Array.of(3, 4)], outs)
 * outs.map((o) => Array.from(o)) // [[3, 8], [4, 5]]
 * r.reads(1) // false
 */
export const stepRunner = (g: StepGraph, engine: Engine): StepRunner => {
  const slots = stepSlots(g, 'stepRunner')
  const inputNames = slots.inputs.map((l) => l?.attrs.name)
  const stateNames = slots.state.map((l) => l?.attrs.name)
  const bindings: Record<string, Float64Array> = Object.create(null) as Record<string, Float64Array>
  const bind = (inputs: readonly Float64Array[], state: readonly Float64Array[]) => {
    for (let i = 0; i < inputNames.length; i++) if (inputNames[i] !== undefined) bindings[inputNames[i]!] = inputs[i]!
    for (let i = 0; i < stateNames.length; i++) if (stateNames[i] !== undefined) bindings[stateNames[i]!] = state[i]!
    return bindings
  }
  const reads = (i: number): boolean => inputNames[i] !== undefined
  if (engine === 'interpreter')
    return { reads, run: (inputs, state, outs) => evaluate(g.outputs, bind(inputs, state)).forEach((v, i) => outs[i]!.set(v)) }
  const exe = compile(g.outputs)
  if (E.isLeft(exe)) throw new Error(`stepRunner: the step graph did not compile: ${exe.left.message}`)
  return { reads, run: (inputs, state, outs) => exe.right.runInto(bind(inputs, state), outs) }
}

/**
 * Runs `g` once on the interpreter (or `engine`), allocating its outputs: for scripts and tests.
 * @example
 * import { runStep, add, input, param } from 'kiln'
 * const x = input('x', [2])
 * const w = param('w', [2])
 * runStep({ inputs: [x], state: [w], outputs: [add(x, w)] }, [Float64Array.of(1, 2)], [Float64Array.of(10, 20)]).map((o) => Array.from(o)) // [[11, 22]]
 */
export const runStep = (g: StepGraph, inputs: readonly Float64Array[], state: readonly Float64Array[], engine: Engine = 'interpreter'): Float64Array[] =>
  stepFunction(g, engine)(inputs, state)

/**
 * `g` as a function of its inputs and state returning fresh outputs, its runner built once: for code
 * that runs one graph many times and keeps each result (gradient checking, scripts).
 * @example
 * import { stepFunction, mul, input } from 'kiln'
 * const x = input('x', [2])
 * const square = stepFunction({ inputs: [x], state: [], outputs: [mul(x, x)] }, 'interpreter')
 * Array.from(square([Float64Array.of(3, 4)], [])[0]!) // [9, 16]
 */
export const stepFunction = (g: StepGraph, engine: Engine): ((inputs: readonly Float64Array[], state: readonly Float64Array[]) => Float64Array[]) => {
  const runner = stepRunner(g, engine)
  const sizes = g.outputs.map((o) => sizeOf(o.shape))
  return (inputs, state) => {
    const outs = sizes.map((n) => new Float64Array(n))
    runner.run(inputs, state, outs)
    return outs
  }
}
