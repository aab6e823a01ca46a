/**
 * `npx tsx bench/model-file.ts [millions]`: saves and loads a large model file and reports its size,
 * the times and the peak memory (VmHWM) of a fresh process doing each, so the "one copy of the values"
 * claim is measured, not assumed. Default: a 30M-parameter MLP; `100` gives a 100M-value file. Not a test.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const peakMiB = (): number => {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))
  return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024)
}

/** The model: `dense(width)` twice from `width` features: 2 width^2 + 2 width parameters. */
const widthFor = (millions: number): number => Math.round(Math.sqrt((millions * 1e6) / 2))

const child = async (mode: string, path: string, millions: number): Promise<void> => {
  const K = await import('../src/index.js')
  const N = await import('../src/node/index.js')
  const w = widthFor(millions)
  const model = K.sequential(K.dense(w), K.dense(w))
  const t0 = performance.now()
  if (mode === 'save') {
    // Filled, not drawn: the bench measures the file, not an initializer (and untouched zero pages would hide memory).
    const filled = (n: number) => new Float64Array(n).map((_, i) => Math.sin(i))
    const params = { dense0: { w: filled(w * w), b: filled(w) }, dense1: { w: filled(w * w), b: filled(w) } }
    const base = peakMiB()
    const t1 = performance.now()
    const r = N.saveModel(path, { model, featureShape: [w], objective: K.objectives.meanSquaredError, classes: [], params, state: {}, engine: 'compiled' })
    if (r._tag === 'Left') throw new Error(r.left.message)
    console.log(JSON.stringify({ mode, ms: performance.now() - t1, peakMiB: peakMiB(), beforeMiB: base, setupMs: t1 - t0 }))
  } else {
    const r = N.loadModel(path)
    if (r._tag === 'Left') throw new Error(r.left.message)
    const count = K.countParams(r.right.params)
    console.log(JSON.stringify({ mode, ms: performance.now() - t0, peakMiB: peakMiB(), values: count }))
  }
}

const main = (): void => {
  const millions = Number(process.argv[2] ?? 30)
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-model-'))
  const path = join(dir, 'big.safetensors')
  const self = fileURLToPath(import.meta.url)
  try {
    const run = (mode: string) => JSON.parse(execFileSync('npx', ['tsx', self, '--child', mode, path, String(millions)], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n').at(-1)!) as Record<string, number>
    const save = run('save')
    const size = statSync(path).size
    const load = run('load')
    const w = widthFor(millions)
    console.log(`model file: ${(2 * w * w + 2 * w).toLocaleString('en-US')} parameters, ${(size / 2 ** 20).toFixed(1)} MiB`)
    console.log(`save: ${save.ms!.toFixed(0)} ms; peak memory ${save.peakMiB} MiB (${save.beforeMiB} MiB with the values in memory before saving)`)
    console.log(`load: ${load.ms!.toFixed(0)} ms; peak memory ${load.peakMiB} MiB for ${load.values!.toLocaleString('en-US')} values (${(load.values! * 8 / 2 ** 20).toFixed(0)} MiB of float64)`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]))
else main()
