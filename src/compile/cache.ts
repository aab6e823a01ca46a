/**
 * The compile cache: keyed by a canonical structural string of the graph (node ids are not stable
 * across rebuilds, structure is), plus counters so tests can see that a hit built no new `Function`.
 * @module
 */
import type { Tensor } from '../tensor.js'

/** Counters of the compiler's work since the process started. */
export interface CompileStats {
  /** `new Function` calls (kernels and programs). */
  readonly functionsCreated: number
  readonly cacheHits: number
  readonly cacheMisses: number
}

const stats = { functionsCreated: 0, cacheHits: 0, cacheMisses: 0 }

/**
 * A snapshot of the compiler's counters.
 * @example
 * import { compileStats } from './cache.js'
 * compileStats().functionsCreated >= 0 // true
 */
export const compileStats = (): CompileStats => ({ ...stats })

/**
 * Creates a function from generated source (counted). The source is built from IR data only.
 * @example
 * import { makeFunction } from './cache.js'
 * makeFunction(['a'], 'return a + 1')(2) // 3
 */
export const makeFunction = (params: readonly string[], body: string): ((...args: unknown[]) => unknown) => {
  stats.functionsCreated++
  return new Function(...params, body) as (...args: unknown[]) => unknown
}

const numKey = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))
const attrsKey = (attrs: object): string =>
  JSON.stringify(attrs, (_k, v: unknown) =>
    v instanceof Float64Array ? Array.from(v, numKey).join(' ') : typeof v === 'number' ? numKey(v) : v,
  )

/**
 * The canonical structural key of a graph: nodes in topological order, operands by position.
 * @example
 * import { graphKey } from './cache.js'
 * import { input, exp, topoSort } from 'kiln'
 * const y = exp(input('x', [2]))
 * graphKey(topoSort([y]), [y], '') // 'input{"name":"x"}[2]();exp{}[2](0)|1|'
 */
export const graphKey = (order: readonly Tensor[], outputs: readonly Tensor[], options: string): string => {
  const pos = new Map<number, number>()
  const parts = order.map((t, i) => {
    pos.set(t.id, i)
    return `${t.op}${attrsKey(t.attrs)}[${t.shape.join(',')}](${t.args.map((a) => pos.get(a.id)).join(',')})`
  })
  return `${parts.join(';')}|${outputs.map((o) => pos.get(o.id)).join(',')}|${options}`
}

/**
 * A bounded map from graph keys to compiled artifacts (oldest entry evicted first).
 * @example
 * import { CompileCache } from './cache.js'
 * const c = new CompileCache<number>(1)
 * c.set('a', 1)
 * c.set('b', 2)
 * c.get('a') // undefined
 */
export class CompileCache<T> {
  private readonly entries = new Map<string, T>()
  constructor(private readonly limit = 128) {}
  get(key: string): T | undefined {
    const hit = this.entries.get(key)
    if (hit === undefined) stats.cacheMisses++
    else stats.cacheHits++
    return hit
  }
  set(key: string, value: T): void {
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, value)
  }
  clear(): void {
    this.entries.clear()
  }
}
