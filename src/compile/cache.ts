/**
 * The compile cache: keyed by a canonical structural string of the graph (node ids are not stable
 * across rebuilds, structure is), plus counters so tests can see that a hit built no new `Function`.
 *
 * Constants appear in the key as their length and a 64-bit content hash (`nodeKey`, shared with hash-consing), so a key stays
 * short however large the data. A key match is then confirmed by content: each entry keeps the graph's
 * constant arrays (they are retained anyway, the schedule reads them) and a hit whose constants differ
 * bit for bit (`Object.is` per element) is a miss. A hash collision therefore costs one rebuild and can
 * never hand back another graph's artifact.
 *
 * The cache is bounded by entries (128) and by the bytes its entries keep alive (256 MiB, estimated by
 * `retainedBytes`); the oldest entries go first, and an artifact larger than the whole budget is not kept.
 * @module
 */
import { nodeKey, sameValues } from '../hash.js'
import { isOp, type Tensor } from '../tensor.js'
import type { Artifact } from './executable.js'

/** Counters of the compiler's work since the process started. */
export interface CompileStats {
  /** `new Function` calls (kernels and programs). */
  readonly functionsCreated: number
  readonly cacheHits: number
  readonly cacheMisses: number
  /** Entries now held by compile caches. */
  readonly cacheEntries: number
  /** Estimated bytes now kept alive by compile cache entries (see `retainedBytes`). */
  readonly cacheBytes: number
}

const stats = { functionsCreated: 0, cacheHits: 0, cacheMisses: 0, cacheEntries: 0, cacheBytes: 0 }

/**
 * A snapshot of the compiler's counters.
 * @example
 * import { compileStats } from './cache.js'
 * import { compile, exp, input } from 'kiln'
 * const before = compileStats().cacheHits
 * compile([exp(input('statsX', [3]))])
 * compile([exp(input('statsX', [3]))])
 * compileStats().cacheHits - before // 1
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

/**
 * The canonical structural key of a graph: nodes in topological order, operands by position. Constant
 * data is named by length and hash (see `graphConstants` for what confirms a match).
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
    return nodeKey(t.op, t.attrs, t.shape, t.args.map((a) => pos.get(a.id)!))
  })
  return `${parts.join(';')}|${outputs.map((o) => pos.get(o.id)).join(',')}|${options}`
}

/**
 * The constant arrays of a graph in topological order: with `graphKey`, what identifies the graph
 * exactly (the key holds only their hashes).
 * @example
 * import { graphConstants } from './cache.js'
 * import { add, input, constant, topoSort } from 'kiln'
 * const y = add(input('x', [2]), constant([1, 2]))
 * graphConstants(topoSort([y])).map((v) => Array.from(v)) // [[1, 2]]
 */
export const graphConstants = (order: readonly Tensor[]): readonly Float64Array[] =>
  order.flatMap((t) => (isOp(t, 'constant') ? [t.attrs.values] : []))

/** Bytes charged per schedule value and kernel (plans, labels, expressions), beyond their data. */
const PER_ITEM = 512
/** Bytes charged per character of generated source: the text and the code compiled from it. */
const PER_SOURCE_CHAR = 4

/**
 * An estimate of the bytes a cache entry keeps alive: the constant data it can reach (the graph's
 * constants kept to confirm hits and the schedule's constant values, each buffer once; a schedule holds
 * no graph node: op expressions carry only the op's name and attributes), the generated source and what was compiled from it,
 * the plan itself, and the key. Arenas (the planned buffers) are not counted: each executable allocates
 * its own and the artifact keeps none.
 * @example
 * import { retainedBytes } from './cache.js'
 * import { schedule } from './schedule.js'
 * import { planMemory } from './memory.js'
 * import { add, input, constant } from 'kiln'
 * const s = schedule([add(input('x', [1000]), constant(Float64Array.from({ length: 1000 }, (_, i) => i)))], { fuse: true })
 * const art = { schedule: s, memory: planMemory(s), sources: [], program: () => {} }
 * retainedBytes(art, [], '') >= 8000 // true
 */
export const retainedBytes = (art: Artifact, consts: readonly Float64Array[], key: string): number => {
  const data = [...consts, ...art.schedule.values.flatMap((v) => (v.data === undefined ? [] : [v.data]))]
  const buffers = new Set(data.map((d) => d.buffer))
  let bytes = 2 * key.length + PER_ITEM * (art.schedule.values.length + art.schedule.kernels.length)
  for (const b of buffers) bytes += b.byteLength
  for (const s of art.sources) bytes += PER_SOURCE_CHAR * s.source.length
  return bytes
}

interface Entry<T> {
  readonly value: T
  readonly consts: readonly Float64Array[]
  readonly bytes: number
}

const sameConsts = (a: readonly Float64Array[], b: readonly Float64Array[]): boolean =>
  a.length === b.length && a.every((v, i) => sameValues(v, b[i]!))

/**
 * The default byte budget of a compile cache: 256 MiB, room for a few dozen typical models' constants
 * while a stream of graphs with large distinct constants cannot fill the heap.
 * @example
 * import { DEFAULT_CACHE_BYTES } from './cache.js'
 * DEFAULT_CACHE_BYTES // 268435456
 */
export const DEFAULT_CACHE_BYTES = 256 * 2 ** 20

/**
 * A map from graph keys to compiled artifacts bounded by entries and by estimated bytes (oldest entry
 * evicted first). A hit must also match the constants stored with the entry (`graphConstants`).
 * @example
 * import { CompileCache } from './cache.js'
 * const c = new CompileCache<number>(1)
 * c.set('a', 1)
 * c.set('b', 2)
 * c.get('a') // undefined
 * c.get('b') // 2
 * const d = new CompileCache<number>(8, 100)
 * d.set('big', 1, [], 101)
 * d.get('big') // undefined
 */
export class CompileCache<T> {
  private readonly entries = new Map<string, Entry<T>>()
  private held = 0
  constructor(
    private readonly limit = 128,
    private readonly byteLimit = DEFAULT_CACHE_BYTES,
  ) {}
  /** The artifact under `key` built from constants equal to `consts`, else undefined (a miss). */
  get(key: string, consts: readonly Float64Array[] = []): T | undefined {
    const hit = this.entries.get(key)
    if (hit === undefined || !sameConsts(hit.consts, consts)) {
      stats.cacheMisses++
      return undefined
    }
    stats.cacheHits++
    return hit.value
  }
  /** Stores `value` (replacing an entry under the same key), then evicts the oldest entries until within both limits. */
  set(key: string, value: T, consts: readonly Float64Array[] = [], bytes = 0): void {
    this.remove(key)
    if (bytes > this.byteLimit || this.limit < 1) return
    while (this.entries.size >= this.limit || (this.entries.size > 0 && this.held + bytes > this.byteLimit)) this.remove(this.entries.keys().next().value!)
    this.entries.set(key, { value, consts, bytes })
    this.held += bytes
    stats.cacheEntries++
    stats.cacheBytes += bytes
  }
  /** Estimated bytes held by this cache's entries. */
  get bytes(): number {
    return this.held
  }
  /** Number of entries. */
  get size(): number {
    return this.entries.size
  }
  clear(): void {
    for (const key of [...this.entries.keys()]) this.remove(key)
  }
  private remove(key: string): void {
    const e = this.entries.get(key)
    if (e === undefined) return
    this.entries.delete(key)
    this.held -= e.bytes
    stats.cacheEntries--
    stats.cacheBytes -= e.bytes
  }
}
