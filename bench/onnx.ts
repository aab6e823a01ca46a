/**
 * The ONNX Runtime engine on the W1/W2 training steps: each step graph exported once and run by one
 * session (onnxruntime-node, CPU, float64) on 1 and 2 threads, fed and fetched through Kiln's buffers as
 * `fitAsync` runs it. Rows for `npm run bench`, beside Kiln's own kernels measured in the same run.
 */
import { leavesOf, topoSort } from '../src/graph.js'
import { onnxruntime } from '../src/node/index.js'
import { sizeOf } from '../src/shape.js'
import { mlpData, mlpStep, type MlpSpec } from '../spec/compile/mlp.js'
import { worstRelative } from '../spec/onnx/ort.js'

/** Median ms of an asynchronous `f` over `runs` runs after `warm` warm-up runs. */
const timeAsync = async (f: () => Promise<void>, runs = 40, warm = 5): Promise<number> => {
  for (let i = 0; i < warm; i++) await f()
  const ts: number[] = []
  for (let i = 0; i < runs; i++) {
    const s = performance.now()
    await f()
    ts.push(performance.now() - s)
  }
  ts.sort((a, b) => a - b)
  return ts[ts.length >> 1]!
}

export interface OrtRow {
  readonly workload: string
  readonly kilnMs: number
  readonly threads: number
  readonly ortMs: number
  /** Largest difference of any output element from Kiln's, relative to that output's largest magnitude. */
  readonly worstRelative: number
}

/** One step of `spec` on ONNX Runtime with `threads`, checked against Kiln's outputs `want`. */
export const ortStep = async (name: string, spec: MlpSpec, threads: number, kilnMs: number, want: readonly Float64Array[]): Promise<OrtRow> => {
  const { outputs, params } = mlpStep(spec)
  const data = mlpData(spec)
  const leaves = leavesOf(topoSort(outputs))
  const runner = await onnxruntime({ threads }).runner({ inputs: [leaves.get('x')!, leaves.get('y')!], state: params.map((p) => leaves.get(p.name)!), outputs })
  const outs = outputs.map((o) => new Float64Array(sizeOf(o.shape)))
  const inputs = [data.x!, data.y!]
  const state = params.map((p) => data[p.name]!)
  const ortMs = await timeAsync(() => runner.run(inputs, state, outs))
  await runner.release()
  return { workload: `${name} train step MLP ${spec.sizes.join('-')}, batch ${spec.batch}`, kilnMs, threads, ortMs, worstRelative: worstRelative(outs, want) }
}

/** The markdown table of the rows. */
export const ortTable = (rows: readonly OrtRow[]): string =>
  [
    '| workload | Kiln compiled (ms) | ONNX Runtime threads | ONNX Runtime (ms) | speed-up over Kiln compiled | largest difference (relative) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.workload} | ${r.kilnMs.toFixed(3)} | ${r.threads} | ${r.ortMs.toFixed(3)} | ${(r.kilnMs / r.ortMs).toFixed(2)} | ${r.worstRelative.toExponential(1)} |`),
  ].join('\n')
