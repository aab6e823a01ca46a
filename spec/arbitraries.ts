/**
 * Shared fast-check arbitraries for the core specs: shapes, broadcast-compatible shape lists, operand
 * values drawn from an op's `domain`, and random expression graphs with params as leaves.
 * @module
 */
import fc from 'fast-check'
import * as K from '../src/index.js'
import { topoSort } from '../src/graph.js'
import type { Domain } from '../src/ops/def.js'
import { show } from '../src/show.js'
import { sizeOf, type Shape } from '../src/shape.js'
import { type Tensor } from '../src/tensor.js'
import { constant, param } from '../src/make.js'

/** A small deterministic PRNG (mulberry32) for building graphs and weights from one fast-check seed. */
export interface Rand {
  readonly next: () => number
  readonly int: (lo: number, hi: number) => number
  readonly pick: <T>(xs: readonly T[]) => T
  readonly chance: (p: number) => boolean
}

/** A `Rand` from a 32-bit seed. */
export const rand = (seed: number): Rand => {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1))
  return { next, int, pick: (xs) => xs[int(0, xs.length - 1)]!, chance: (p) => next() < p }
}

/** `n` values uniform in [lo, hi) from a seed (cotangent weights, directions). */
export const randomValues = (seed: number, n: number, lo = -1, hi = 1): Float64Array => {
  const r = rand(seed)
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r.next())
}

/** Shapes of rank `minRank..maxRank` with dimensions `minDim..maxDim`. */
export const shapeArb = ({ minRank = 0, maxRank = 3, minDim = 1, maxDim = 3 } = {}): fc.Arbitrary<Shape> =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank })

/**
 * `n` shapes that broadcast together to `base`: each operand sees each axis either in full or as 1
 * (at least one operand keeps it in full), and may drop leading axes it holds as 1.
 */
export const broadcastShapesArb = (n: number, base: fc.Arbitrary<Shape> = shapeArb()): fc.Arbitrary<{ readonly out: Shape; readonly shapes: readonly Shape[] }> =>
  base.chain((out) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: out.length, maxLength: out.length }),
        fc.array(fc.integer({ min: 0, max: out.length }), { minLength: n, maxLength: n }),
      )
      .map(([full, drops]) => ({ out, shapes: deriveBroadcast(out, n, (k) => full[k]!, (i) => drops[i]!) })),
  )

/** Operand shapes broadcasting to `out`: `keeper(k)` owns axis k (-1: every operand keeps it). */
const deriveBroadcast = (out: Shape, n: number, keeper: (k: number) => number, drop: (i: number) => number): Shape[] => {
  const full = Array.from({ length: n }, (_, i) => out.map((d, k) => (keeper(k) === -1 || keeper(k) === i ? d : 1)))
  const shapes = full.map((s, i) => {
    let lead = 0
    while (lead < drop(i) && s[lead] === 1) lead++
    return s.slice(lead)
  })
  // the result must keep the rank of `out` (leading 1s dropped by every operand would vanish)
  if (n > 0 && shapes.every((s) => s.length < out.length)) shapes[0] = full[0]!
  return shapes
}

const unit = fc.integer({ min: 0, max: 1 << 30 }).map((i) => i / (1 << 30))

/**
 * Operand values from an op's domain, one Float64Array per size. With `separate`: a single operand
 * gets pairwise distinct values (ties of max), several operands get values on interleaved lattices so
 * any pair across operands is at least `separate` apart (ties of maximum/minimum). With `gap`, |x| >= gap.
 */
export const valuesArb = (domain: Domain, sizes: readonly number[]): fc.Arbitrary<Float64Array[]> => {
  const { lo, hi, gap = 0, separate } = domain
  if (separate === undefined) {
    const one = unit.map((u) => lo + (hi - lo) * u).filter((x) => Math.abs(x) >= gap)
    return fc.tuple(...sizes.map((n) => fc.array(one, { minLength: n, maxLength: n }))).map((vs) => vs.map((v) => Float64Array.from(v)))
  }
  const jitter = (u: number) => (u - 0.5) * separate
  if (sizes.length === 1) {
    const slots = Math.floor((hi - lo) / (2 * separate))
    const n = sizes[0]!
    if (n > slots) throw new Error(`valuesArb: ${n} distinct values do not fit [${lo}, ${hi}] ${separate} apart`)
    return fc
      .tuple(fc.uniqueArray(fc.integer({ min: 0, max: slots - 1 }), { minLength: n, maxLength: n }), fc.array(unit, { minLength: n, maxLength: n }))
      .map(([ks, us]) => [Float64Array.from(ks, (k, i) => lo + separate + 2 * separate * k + jitter(us[i]!))])
  }
  // operand i uses lattice points i, i + n, i + 2n, ... of spacing 2 * separate
  const per = sizes.length
  const slots = Math.floor((hi - lo) / (2 * separate * per))
  return fc.tuple(
    ...sizes.map((n, i) =>
      fc
        .array(fc.tuple(fc.integer({ min: 0, max: slots - 1 }), unit), { minLength: n, maxLength: n })
        .map((ps) => Float64Array.from(ps, ([k, u]) => lo + separate + 2 * separate * (k * per + i) + jitter(u))),
    ),
  )
}

/** Axes to reduce (each given as positive or negative) and keepDims, for a shape of rank `rank`. */
export const reduceArgsArb = (rank: number): fc.Arbitrary<{ readonly axes: readonly number[] | undefined; readonly keepDims: boolean }> =>
  fc.record({
    axes: fc.option(
      fc.subarray([...Array(rank).keys()]).chain((ax) => fc.tuple(...ax.map((a) => fc.constantFrom(a, a - rank)))),
      { nil: undefined },
    ),
    keepDims: fc.boolean(),
  })

/** A permutation of `0..rank-1`. */
export const permArb = (rank: number): fc.Arbitrary<readonly number[]> => fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank })

/** A random shape with the same element count as `shape` (dims regrouped, shuffled, 1s inserted). */
export const sameSizeShape = (r: Rand, shape: Shape): Shape => {
  const factors: number[] = []
  for (let d of shape) {
    for (let p = 2; d > 1 && p <= d; p++) while (d % p === 0) (factors.push(p), (d /= p))
    if (d === 0) factors.push(0)
  }
  const rank = r.int(factors.length === 0 ? 0 : 1, 3)
  const out = new Array<number>(Math.max(rank, 1)).fill(1)
  for (const f of factors) out[r.int(0, out.length - 1)]! *= f
  return rank === 0 ? [] : out
}

/** A randomly generated expression: `loss = sum(out * weights)` over params `p0, p1, ...`. */
export interface RandomGraph {
  readonly out: Tensor
  readonly loss: Tensor
  readonly params: readonly Tensor[]
  readonly bindings: Readonly<Record<string, Float64Array>>
  readonly nodes: number
}

/** Random expression graphs up to `maxDepth`, in guarded compositions so values stay in safe domains. */
export const graphArb = (maxDepth = 6): fc.Arbitrary<RandomGraph> =>
  fc.record({ seed: fc.integer(), depth: fc.integer({ min: 1, max: maxDepth }), root: shapeArb({ maxRank: 3, maxDim: 3 }) }).map(
    ({ seed, depth, root }) => {
      const g = buildGraph(rand(seed), depth, root)
      return Object.assign(g, { [fc.toStringMethod]: () => `graph(seed ${seed}, depth ${depth}, root [${root.join(',')}]):\n${show(g.out)}` })
    },
  )

/** Builds one random graph of `depth` with output shape `root`, of at most about `budget` op nodes. */
export const buildGraph = (r: Rand, depth: number, root: Shape, maxNodes = 40): RandomGraph => {
  let budget = maxNodes
  const params: Tensor[] = []
  const bindings: Record<string, Float64Array> = {}
  const pool = new Map<string, Tensor[]>()
  const leaf = (shape: Shape): Tensor => {
    if (r.chance(0.1)) return constant(randomValues(r.int(0, 1e9), sizeOf(shape), -1, 1), shape)
    const same = params.filter((p) => p.shape.join() === shape.join())
    if (same.length > 0 && r.chance(0.3)) return r.pick(same)
    const p = param(`p${params.length}`, shape)
    params.push(p)
    bindings[`p${params.length - 1}`] = randomValues(r.int(0, 1e9), sizeOf(shape), -1.5, 1.5)
    return p
  }
  const gen = (shape: Shape, d: number): Tensor => {
    const shared = pool.get(shape.join())
    if (shared !== undefined && r.chance(0.1)) return r.pick(shared)
    const t = d <= 0 || budget <= 0 || r.chance(0.12) ? leaf(shape) : (budget--, node(shape, d - 1))
    if (t.shape.join() !== shape.join()) throw new Error(`buildGraph: built [${t.shape.join()}] for [${shape.join()}]`)
    pool.set(shape.join(), [...(pool.get(shape.join()) ?? []), t])
    return t
  }
  const node = (shape: Shape, d: number): Tensor => {
    const rank = shape.length
    const kinds = ['unary', 'unary', 'binary', 'binary', 'where', 'reduce', 'reshape', 'slice', 'pad', 'broadcast',
      ...(rank >= 2 ? ['matmul', 'transpose'] : []), ...(rank >= 1 ? ['softmax'] : []), ...(shape.some((x) => x >= 2) ? ['concat'] : [])]
    switch (r.pick(kinds)) {
      case 'unary': return unaryNode(r, gen(shape, d))
      case 'binary': {
        const [sa, sb] = broadcastPair(r, shape, 2)
        return binaryNode(r, gen(sa!, d), gen(sb!, d))
      }
      case 'where': {
        const [sc, sa, sb] = broadcastPair(r, shape, 3)
        return K.where(K.greater(gen(sc!, d - 1), 0), gen(sa!, d), gen(sb!, d))
      }
      case 'reduce': return reduceNode(r, shape, d, gen)
      case 'reshape': return K.reshape(gen(sameSizeShape(r, shape), d), shape as never)
      case 'slice': {
        const begin = shape.map(() => r.int(0, 2))
        return K.slice(gen(shape.map((s, k) => s + begin[k]! + r.int(0, 1)), d), begin, shape)
      }
      case 'pad': {
        const before = shape.map((s) => (s >= 2 ? r.int(0, 1) : 0))
        const after = shape.map((s, k) => (s - before[k]! >= 2 ? r.int(0, 1) : 0))
        return K.pad(gen(shape.map((s, k) => s - before[k]! - after[k]!), d), before, after, r.pick([0, 0.5, -1]))
      }
      case 'broadcast': return K.broadcastTo(gen(broadcastPair(r, shape, 2)[0]!, d), shape)
      case 'matmul': {
        const k = r.int(1, 3)
        const [ba, bb] = broadcastPair(r, shape.slice(0, -2), 2)
        const a = gen([...ba!, shape[rank - 2]!, k], d)
        return K.matmul(a, K.tanh(gen([...bb!, k, shape[rank - 1]!], d)) as never)
      }
      case 'transpose': {
        const perm = shuffle(r, [...shape.keys()])
        const inner = new Array<number>(rank)
        perm.forEach((p, i) => (inner[p] = shape[i]!))
        return K.transpose(gen(inner, d), perm)
      }
      case 'softmax': {
        const axis = r.int(-rank, rank - 1)
        return r.pick([K.softmax, K.logSoftmax])(gen(shape, d), axis)
      }
      default: {
        const axis = r.pick([...shape.keys()].filter((k) => shape[k]! >= 2))
        const cut = r.int(1, shape[axis]! - 1)
        const part = (n: number) => gen(shape.map((s, k) => (k === axis ? n : s)), d)
        return K.concat([part(cut), part(shape[axis]! - cut)], r.chance(0.5) ? axis : axis - rank)
      }
    }
  }
  const out = gen(root, depth)
  const weights = constant(randomValues(r.int(0, 1e9), sizeOf(root)), root)
  const loss = K.sum(K.mul(out, weights) as Tensor)
  return { out, loss, params, bindings, nodes: topoSort([out]).length }
}

const shuffle = <T>(r: Rand, xs: T[]): T[] => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(0, i)
    ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
  }
  return xs
}

const broadcastPair = (r: Rand, out: Shape, n: number): Shape[] => {
  const keepers = out.map(() => (r.chance(0.6) ? -1 : r.int(0, n - 1)))
  const drops = Array.from({ length: n }, () => r.int(0, out.length))
  return deriveBroadcast(out, n, (k) => keepers[k]!, (i) => drops[i]!)
}

const half = (t: Tensor): Tensor => K.add(K.softplus(t), 0.5)

const unaryNode = (r: Rand, a: Tensor): Tensor =>
  r.pick<() => Tensor>([
    () => K.neg(a),
    () => K.tanh(a),
    () => K.sigmoid(a),
    () => K.softplus(a),
    () => K.exp(K.tanh(a)),
    () => K.log(half(a)),
    () => K.sqrt(half(a)),
    () => K.abs(a),
    () => K.relu(a),
    () => K.leakyRelu(a, 0.1),
    () => K.square(K.tanh(a)),
  ])()

const binaryNode = (r: Rand, a: Tensor, b: Tensor): Tensor =>
  r.pick<() => Tensor>([
    () => K.add(a, b),
    () => K.sub(a, b),
    () => K.mul(a, K.tanh(b)),
    () => K.div(a, half(b)),
    () => K.pow(half(a), K.tanh(b)),
    () => K.maximum(a, b),
    () => K.minimum(a, b),
  ])()

const reduceNode = (r: Rand, shape: Shape, d: number, gen: (s: Shape, d: number) => Tensor): Tensor => {
  const ones = [...shape.keys()].filter((k) => shape[k] === 1)
  const keep = ones.length > 0 && r.chance(0.3)
  const p = keep ? r.pick(ones) : r.int(0, shape.length)
  const k = r.int(1, 3)
  const inner = keep ? shape.map((s, i) => (i === p ? k : s)) : [...shape.slice(0, p), k, ...shape.slice(p)]
  const x = gen(inner, d)
  const axis = r.chance(0.5) ? p : p - inner.length
  return r.pick<() => Tensor>([
    () => K.sum(x, axis, keep),
    () => K.mean(x, axis, keep),
    () => K.max(x, axis, keep),
    () => K.min(x, axis, keep),
    () => K.logSumExp(x, axis, keep),
  ])()
}
