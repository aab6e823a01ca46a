/**
 * Runs ONNX model bytes on ONNX Runtime (onnxruntime-node, CPU, float64) for the export specs.
 */
import * as ort from 'onnxruntime-node'
import { expect } from 'vitest'
import { flattenParams, type ParamValues } from '../../src/index.js'
import * as E from 'fp-ts/lib/Either.js'
import { toOnnx, type OnnxOutputs, type ToOnnxOptions } from '../../src/onnx/export.js'
import { leavesOf, topoSort } from '../../src/graph.js'
import type { Tensor } from '../../src/tensor.js'
import { FLOAT64_SESSION_OPTIONS } from '../../src/index.js'

/** A session as the engine makes one (float64 kept), on one thread, warnings off. */
export const session = (bytes: Uint8Array): Promise<ort.InferenceSession> =>
  ort.InferenceSession.create(bytes, { ...FLOAT64_SESSION_OPTIONS, logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 })

/** Runs `bytes` with `feeds` (shapes from `shapes`), returning the outputs in the model's order. */
export const runBytes = async (bytes: Uint8Array, feeds: Readonly<Record<string, Float64Array>>, shapes: Readonly<Record<string, readonly number[]>>): Promise<Float64Array[]> => {
  const s = await session(bytes)
  try {
    // null prototype: a leaf named __proto__ is a key like any other
    const inputs = Object.create(null) as Record<string, ort.Tensor>
    for (const name of s.inputNames) inputs[name] = new ort.Tensor('float64', feeds[name]!, shapes[name]!)
    const r = await s.run(inputs)
    return s.outputNames.map((n) => Object.getOwnPropertyDescriptor(r, n)!.value.data as Float64Array)
  } finally {
    await s.release()
  }
}

/** Exports `outputs` with every param as a graph input and runs it on `bindings` (names of the graph's leaves). */
export const runOnOrt = async (outputs: readonly Tensor[], bindings: Readonly<Record<string, Float64Array>>, options: ToOnnxOptions = {}): Promise<Float64Array[]> => {
  const bytes = toOnnx(outputs as OnnxOutputs, { params: 'inputs', ...options })
  if (E.isLeft(bytes)) throw new Error(bytes.left.message)
  const shapes = Object.fromEntries([...leavesOf(topoSort(outputs)).values()].map((l) => [l.attrs.name, l.shape]))
  return runBytes(bytes.right, bindings, shapes)
}

/**
 * The largest difference of any element of `got` from `want`, relative to the largest magnitude of its own
 * tensor in `want` (or to `floor` when that is smaller: tensors of pure rounding noise, such as a dense bias
 * in front of batch norm, whose gradient is exactly 0 in exact arithmetic).
 */
export const worstRelative = (got: readonly Float64Array[], want: readonly Float64Array[], floor = 0): number => {
  let w = 0
  want.forEach((t, i) => {
    const scale = Math.max(t.reduce((m, v) => Math.max(m, Math.abs(v)), 0), floor)
    t.forEach((v, j) => (w = Math.max(w, Math.abs(v - got[i]![j]!) / scale)))
  })
  return w
}

/** The values of a parameter tree in path order, paths checked equal to `like`'s. */
export const treeValues = (tree: ParamValues, like?: ParamValues): Float64Array[] => {
  const flat = flattenParams(tree)
  if (like !== undefined) expect(flat.map(([p]) => p)).toEqual(flattenParams(like).map(([p]) => p))
  return flat.map(([, v]) => v as Float64Array)
}
