/**
 * `npm run bench`: Kiln compiled vs the reference interpreter, hand-written Float64Array loops and
 * tfjs-cpu (float32), medians measured in one run. Writes bench/results.md. Not a test.
 */
import { writeFileSync } from 'node:fs'
import { PerformanceObserver } from 'node:perf_hooks'
import * as E from 'fp-ts/lib/Either.js'
import { createRequire } from 'node:module'
import * as K from '../src/index.js'
import { compile, type Executable } from '../src/compile/index.js'
import type { Tensor } from '../src/tensor.js'
import { mlpData, mlpStep, type MlpSpec } from '../spec/compile/mlp.js'
import { gemm, mlpTrainStep, mlpWork, w4 } from './handwritten.js'
import { deepCompileRows } from './deep.js'
import { ortStep, ortTable, type OrtRow } from './onnx.js'

// tfjs through its CommonJS node bundles (its ESM build does not resolve under Node), gradients registered.
const req = createRequire(import.meta.url)
const tf = req('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core')
req('@tensorflow/tfjs-backend-cpu')
req('@tensorflow/tfjs-core/dist/register_all_gradients')

const now = () => performance.now()
/** Median ms of `f` over at least `minRuns` runs and about `budgetMs`, after a warm-up. */
const time = (f: () => void, budgetMs = 1500, minRuns = 5, warm = 3): number => {
  for (let i = 0; i < warm; i++) f()
  const ts: number[] = []
  const t0 = now()
  while (ts.length < minRuns || (now() - t0 < budgetMs && ts.length < 2000)) {
    const s = now()
    f()
    ts.push(now() - s)
  }
  ts.sort((a, b) => a - b)
  return ts[ts.length >> 1]!
}
const ok = (outs: readonly Tensor[], opts = {}): Executable => {
  const r = compile(outs, opts)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const rnd = (n: number, seed: number) => {
  let s = seed
  return Float64Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1)
}

interface Row { workload: string; unit: string; kiln: number; interp?: number | string; hand: number; tfjs?: number; note?: string }
const rows: Row[] = []
let allocation = ''
const log = (r: Row) => {
  rows.push(r)
  console.log(`${r.workload}: kiln ${r.kiln.toFixed(3)} hand ${r.hand.toFixed(3)} tfjs ${r.tfjs?.toFixed(3) ?? '-'} interp ${typeof r.interp === 'number' ? r.interp.toFixed(3) : r.interp ?? '-'} ${r.unit}`)
}

tf.setBackend('cpu')

// W1/W2: MLP training steps.
const mlpBench = (name: string, spec: MlpSpec, interpRuns: number) => {
  const { outputs, params } = mlpStep(spec)
  const exe = ok(outputs)
  const data = mlpData(spec)
  const outs = exe.run(data)
  const kiln = time(() => exe.runInto(data, outs))
  const W = mlpWork(spec.sizes, spec.batch)
  const p = params.map((q) => data[q.name]!)
  const next = p.map((a) => new Float64Array(a.length))
  const handLoss = mlpTrainStep(W, p, data.x!, data.y!, spec.lr, next)
  if (Math.abs(handLoss - outs[0]![0]!) > 1e-9) throw new Error(`${name}: hand-written loss ${handLoss} != kiln ${outs[0]![0]}`)
  const hand = time(() => mlpTrainStep(W, p, data.x!, data.y!, spec.lr, next))
  const interp = interpRuns > 0 ? time(() => K.evaluate(outputs, data), 0, interpRuns, 1) : `skipped (${name}: minutes per step)`
  // tfjs-cpu float32: same network, SGD via optimizer.minimize.
  const [ni, , , no] = spec.sizes
  const vars = params.map((q) => tf.variable(tf.tensor(Float32Array.from(data[q.name]!), q.shape)))
  const xs = tf.tensor2d(Float32Array.from(data.x!), [spec.batch, ni])
  const ys = tf.oneHot(tf.tensor1d(Int32Array.from(data.y!), 'int32'), no)
  const opt = tf.train.sgd(spec.lr)
  const tfStep = () => {
    const l = opt.minimize(() => {
      const [w1, b1, w2, b2, w3, b3] = vars as import('@tensorflow/tfjs-core').Variable[]
      const a1 = tf.relu(tf.add(tf.matMul(xs, w1!), b1!))
      const a2 = tf.relu(tf.add(tf.matMul(a1, w2!), b2!))
      const logits = tf.add(tf.matMul(a2, w3!), b3!)
      return tf.losses.softmaxCrossEntropy(ys, logits) as import('@tensorflow/tfjs-core').Scalar
    }, true)
    l!.dataSync()
    l!.dispose()
  }
  const tfjs = time(tfStep)
  log({ workload: `${name} train step MLP ${spec.sizes.join('-')}, batch ${spec.batch}`, unit: 'ms', kiln, hand, tfjs, interp })
  return { kiln, outs }
}
const ortRows: OrtRow[] = []
for (const [name, spec, interpRuns] of [['W1', { sizes: [64, 128, 64, 10], batch: 64, lr: 0.05 }, 3], ['W2', { sizes: [784, 256, 128, 10], batch: 128, lr: 0.05 }, 0]] as const) {
  const { kiln, outs } = mlpBench(name, spec as MlpSpec, interpRuns)
  for (const threads of [1, 2]) {
    const r = await ortStep(name, spec as MlpSpec, threads, kiln, outs)
    console.log(`${r.workload} on ONNX Runtime, ${threads} thread(s): ${r.ortMs.toFixed(3)} ms (Kiln compiled ${kiln.toFixed(3)} ms)`)
    ortRows.push(r)
  }
}

// W3: matmul GFLOP/s.
for (const n of [128, 256, 512]) {
  const a = K.input('a', [n, n])
  const b = K.input('b', [n, n])
  const exe = ok([K.matmul(a, b)])
  const A = rnd(n * n, 1)
  const B = rnd(n * n, 2)
  const out = [new Float64Array(n * n)]
  const bind = { a: A, b: B }
  const flop = 2 * n * n * n
  const gf = (ms: number) => flop / (ms * 1e6)
  const kiln = time(() => exe.runInto(bind, out))
  const C = new Float64Array(n * n)
  const hand = time(() => gemm(A, n, 1, B, n, 1, C, n, n, n))
  const ta = tf.tensor2d(Float32Array.from(A), [n, n])
  const tb = tf.tensor2d(Float32Array.from(B), [n, n])
  const tfjs = time(() => {
    const c = tf.matMul(ta, tb)
    c.dataSync()
    c.dispose()
  })
  const interp = n === 128 ? gf(time(() => K.evaluate([K.matmul(a, b)], bind), 0, 2, 0)) : 'skipped (slow)'
  log({ workload: `W3 matmul n=${n}`, unit: 'GFLOP/s', kiln: gf(kiln), hand: gf(hand), tfjs: gf(tfjs), interp })
}

// W4: sum(sigmoid(x*w + b) * tanh(x)) over 1e6 elements.
{
  const N = 1_000_000
  const x = K.input('x', [N])
  const w = K.input('w', [])
  const b = K.input('b', [])
  const graph = [K.sum(K.mul(K.sigmoid(K.add(K.mul(x, w), b)), K.tanh(x)))]
  const exe = ok(graph)
  const X = rnd(N, 3).map((v) => v * 4)
  const bind = { x: X, w: Float64Array.of(0.7), b: Float64Array.of(-0.2) }
  const out = [new Float64Array(1)]
  const per = (ms: number) => (ms * 1e6) / N
  const kiln = time(() => exe.runInto(bind, out))
  let sink = 0
  const hand = time(() => (sink += w4(X, 0.7, -0.2)))
  const tx = tf.tensor1d(Float32Array.from(X))
  const tfjs = time(() => {
    const r = tf.tidy(() => tf.sum(tf.mul(tf.sigmoid(tf.add(tf.mul(tx, 0.7), -0.2)), tf.tanh(tx))))
    r.dataSync()
    r.dispose()
  })
  const interp = per(time(() => K.evaluate(graph, bind), 0, 2, 0))
  if (!Number.isFinite(sink)) throw new Error('unreachable')
  log({ workload: 'W4 sum(sigmoid(x*w+b)*tanh(x)), 1e6 elements', unit: 'ns/element', kiln: per(kiln), hand: per(hand), tfjs: per(tfjs), interp })
}

// Compile time of the W2 step (cache off, so every compile does all passes).
{
  const spec: MlpSpec = { sizes: [784, 256, 128, 10], batch: 128, lr: 0.05 }
  const ms = time(() => ok(mlpStep(spec).outputs, { cache: false }), 1000, 5, 1)
  log({ workload: 'compile time, W2 train step (graph build + grad + compile)', unit: 'ms', kiln: ms, hand: NaN })
}

// Compile time against graph size (bench/deep.ts): flat ms per node means linear compile time.
for (const r of deepCompileRows()) log({ workload: r.workload, unit: 'ms/node', kiln: r.msPerNode, hand: NaN })

// Allocation in steady state: count the garbage collections V8 runs while a W1 step repeats. A step that
// allocates nothing triggers none, whatever the step costs; `run` allocates its returned outputs.
const gcCount = async (f: () => void, times: number): Promise<number> => {
  let n = 0
  const obs = new PerformanceObserver((list) => (n += list.getEntries().length))
  obs.observe({ entryTypes: ['gc'] })
  for (let i = 0; i < times; i++) f()
  await new Promise((r) => setTimeout(r, 50))
  obs.disconnect()
  return n
}
{
  const spec: MlpSpec = { sizes: [64, 128, 64, 10], batch: 64, lr: 0.05 }
  const exe = ok(mlpStep(spec).outputs)
  const data = mlpData(spec)
  const outs = exe.run(data)
  const steps = 5000
  await gcCount(() => exe.runInto(data, outs), steps) // warm-up: compilation allocates
  const idle = await gcCount(() => undefined, steps)
  const into = await gcCount(() => exe.runInto(data, outs), steps)
  const fresh = await gcCount(() => exe.run(data), steps)
  const note = `garbage collections over ${steps} W1 steps after warm-up: runInto ${into}, run ${fresh} (an empty loop: ${idle})`
  console.log(note)
  allocation = note
}

const higherBetter = (r: Row) => r.unit === 'GFLOP/s'
const ratio = (r: Row) => (higherBetter(r) ? r.kiln / r.hand : r.hand / r.kiln)
const fmtN = (v: number | string | undefined) => (v === undefined ? '-' : typeof v === 'string' ? v : Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(3) : v.toFixed(1))
const table = [
  '| workload | unit | Kiln compiled | reference interpreter | hand-written f64 | tfjs-cpu f32 | Kiln speed / hand-written | Kiln speed / tfjs |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) =>
    `| ${r.workload} | ${r.unit} | ${fmtN(r.kiln)} | ${fmtN(r.interp)} | ${fmtN(r.hand)} | ${fmtN(r.tfjs)} | ${Number.isNaN(r.hand) ? '-' : ratio(r).toFixed(2)} | ${r.tfjs === undefined ? '-' : (higherBetter(r) ? r.kiln / r.tfjs : r.tfjs / r.kiln).toFixed(2)} |`,
  ),
]
const ortSection = `## ONNX Runtime engine (onnxruntime-node, CPU, float64)\n\nThe same step graphs exported with toOnnx and run by one session each, medians of 40 steps, in the same run as the table above.\n\n${ortTable(ortRows)}\n`
const md = `# Kiln benchmark\n\nMedians, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. Ratios > 1 mean Kiln is faster.\n\n${table.join('\n')}\n\nSteady-state allocation: ${allocation}.\n\n${ortSection}`
console.log(`\n${md}`)
writeFileSync(new URL('./results.md', import.meta.url), md)
