/**
 * Compile time against graph size (issue 9): chains of elementwise ops with their gradient, compiled
 * with the cache off at about 500, 5,000 and 50,000 nodes. The milliseconds per node should stay flat
 * (linear compile time). Part of `npm run bench`; alone: `npx tsx bench/deep.ts`. Not a test.
 */
import { pathToFileURL } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import * as K from '../src/index.js'
import { compile } from '../src/compile/index.js'
import type { Tensor } from '../src/tensor.js'

/** One measured size. */
export interface DeepRow {
  readonly workload: string
  readonly nodes: number
  readonly ms: number
  readonly msPerNode: number
}

/** A chain of `n` ops (tanh, neg, add a constant, a transpose pair around exp) and its gradient. */
const chainWithGrad = (n: number): Tensor[] => {
  const x = K.param('x', [4, 3])
  const c = K.constant([0.25, -0.5, 0.125])
  let t: Tensor = x
  for (let i = 0; i < n; i++) {
    const k = i % 4
    t = k === 0 ? K.tanh(t) : k === 1 ? K.neg(t) : k === 2 ? K.add(t, c) : K.transpose(K.exp(K.transpose(t)))
  }
  const loss = K.sum(t)
  return [loss, ...K.grad(loss, [x])]
}

/** Ops per chain so that the chain and its gradient hold about `target` nodes. */
const opsFor = (target: number): number => {
  const probe = 400
  const per = K.topoSort(chainWithGrad(probe)).length / probe
  return Math.max(1, Math.round(target / per))
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

/**
 * Median compile time (graph given, cache off) of chains of about 500, 5,000 and 50,000 nodes.
 * @example
 * // npx tsx bench/deep.ts
 */
export const deepCompileRows = (targets: readonly number[] = [500, 5_000, 50_000]): DeepRow[] =>
  targets.map((target) => {
    const outs = chainWithGrad(opsFor(target))
    const nodes = K.topoSort(outs).length
    const runs = target >= 50_000 ? 3 : target >= 5_000 ? 5 : 15
    const ts: number[] = []
    for (let r = 0; r <= runs; r++) {
      const t0 = performance.now()
      const exe = compile(outs, { cache: false })
      const ms = performance.now() - t0
      if (E.isLeft(exe)) throw new Error(exe.left.message)
      if (r > 0) ts.push(ms) // the first run warms up
    }
    const ms = median(ts)
    return { workload: `compile time, deep chain with gradient, ${nodes} nodes`, nodes, ms, msPerNode: ms / nodes }
  })

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  for (const r of deepCompileRows()) console.log(`${r.workload}: ${r.ms.toFixed(1)} ms, ${(1000 * r.msPerNode).toFixed(1)} us/node`)
