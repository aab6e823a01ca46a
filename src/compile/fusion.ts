/**
 * Fusion decisions as a value: `decideFusion` looks at a graph and returns a `FusionPlan`, plain data
 * naming which nodes get a buffer and why, which matmuls run as another kernel's epilogue, which
 * reductions run in the pass that stores their operand, which max/sum pairs run online, each
 * reduction's loop order and each matmul's register tile. `schedulePlan` (`schedule.ts`) then builds
 * the kernels mechanically, and `checkPlan` (`plan-check.ts`) says whether any plan, hand-written or
 * perturbed, is one the scheduler can run; every valid plan computes the same values (Halide's rule).
 *
 * The heuristic (documented, tested): a node gets a buffer when it is a leaf, a non-uniform constant,
 * an output, a reduction or a matmul (unless fused as another kernel's accumulator), a matmul operand
 * that is not a view of a buffer, the operand of a view that is not affine over a computed value, an
 * expensive value read through an expanding broadcast, or an expensive value with more than one
 * consumer. "Expensive" = more than `CHEAP_OPS` inlined ops, or any transcendental / random op.
 * Finally, a region of inlined ops deeper than `FUSION_DEPTH_LIMIT` is cut by storing the node at the
 * limit, so no kernel, and no recursion over one, is deeper than that, whatever the graph's depth.
 * @module
 */
import { leafName, topoSort } from '../graph.js'
import { opDef } from '../optable.js'
import { fmt, shapeEq, sizeOf } from '../shape.js'
import { constValue, isOp, type NodeOf, type OpName, type Tensor } from '../tensor.js'
import { viewIsAffine } from './lower.js'
import { onlinePairs, type OnlinePair } from './online.js'

/** A set of node ids (a `Set`, or a `Map` keyed by id). */
export interface Has {
  readonly has: (id: number) => boolean
}

/** A graph node in a plan: its id and a short description (for printing; ids are what count). */
export interface PlanNode {
  readonly node: number
  readonly label: string
}

/** Loop order of a reduction: reduced axes innermost with a register accumulator, or row-major accumulating in the output. */
export type ReduceForm = 'register' | 'scatter'

/** Every decision of the scheduler about one graph, as data. */
export interface FusionPlan {
  /** Nodes that get a buffer, in topological order, with the reason. */
  readonly materialized: readonly (PlanNode & { readonly why: string })[]
  /** A matmul computed in the kernel of `root`: the single-consumer elementwise chain from it to `root`. */
  readonly epilogues: readonly { readonly matmul: PlanNode; readonly root: PlanNode }[]
  /** A reduction computed in the pass that computes and stores its operand `stored`. */
  readonly sideReductions: readonly { readonly reduce: PlanNode; readonly stored: PlanNode }[]
  /** A max and the sum of `exp(x - max)` computed in one kernel, two sweeps of each row (see `online.ts`). */
  readonly online: readonly { readonly max: PlanNode; readonly sum: PlanNode; readonly guarded: boolean }[]
  /** The loop order of each reduction kernel (keyed by its reduction). */
  readonly reduceForms: readonly (PlanNode & { readonly form: ReduceForm })[]
  /** The register tile of each matmul kernel (keyed by its matmul), rows x cols in 1..4. */
  readonly tiles: readonly (PlanNode & { readonly rows: number; readonly cols: number })[]
}

/** Options of `decideFusion`. */
export interface ScheduleOptions {
  /** Fuse (default). `false` gives one kernel per op: the reference plan fusion is tested against. */
  readonly fuse: boolean
}

/**
 * Inlined ops a multiply-used value may cost before it is materialized instead of recomputed.
 * @example
 * import { CHEAP_OPS } from './fusion.js'
 * CHEAP_OPS // 2
 */
export const CHEAP_OPS = 2

/**
 * The longest path of inlined nodes a kernel may hold. Deeper fused regions are cut: the node at the
 * limit is materialized (plan note "fusion depth limit") and its consumers start a new region. This bounds
 * the recursion of lowering and emission and the nesting of generated source, whatever the graph's depth,
 * at the cost of one store and load per `FUSION_DEPTH_LIMIT` ops.
 * @example
 * import { FUSION_DEPTH_LIMIT } from './fusion.js'
 * FUSION_DEPTH_LIMIT // 256
 */
export const FUSION_DEPTH_LIMIT = 256

/**
 * The register tile of a matmul kernel when the plan names none: 4 x 4, 16 accumulators in registers.
 * @example
 * import { DEFAULT_TILE } from './fusion.js'
 * DEFAULT_TILE // { rows: 4, cols: 4 }
 */
export const DEFAULT_TILE = { rows: 4, cols: 4 } as const

/**
 * A scalar constant (one value, or all values equal): lowering writes it as a literal.
 * @example
 * import { isScalarConst } from './fusion.js'
 * import { constant } from 'kiln'
 * isScalarConst(constant([2, 2])) // true
 * isScalarConst(constant([1, 2])) // false
 */
export const isScalarConst = (t: Tensor): boolean => isOp(t, 'constant') && constValue(t) !== undefined
/**
 * The kind of a node's op.
 * @example
 * import { opKind } from './fusion.js'
 * import { input, transpose } from 'kiln'
 * opKind(transpose(input('x', [2, 3]))) // 'view'
 */
export const opKind = (t: Tensor) => opDef(t.op).kind
/**
 * A leaf with a buffer of its own: an input, a param or a non-uniform constant.
 * @example
 * import { isLeafLike } from './fusion.js'
 * import { input, scalar } from 'kiln'
 * isLeafLike(input('x', [2])) // true
 * isLeafLike(scalar(1)) // false
 */
export const isLeafLike = (t: Tensor): boolean => opKind(t) === 'leaf' && !isScalarConst(t)
/**
 * Nodes that always get a buffer: leaves, reductions and matmuls (the kinds lowering cannot inline).
 * @example
 * import { intrinsic } from './fusion.js'
 * import { input, sum, exp } from 'kiln'
 * intrinsic(sum(input('x', [2]))) // true
 * intrinsic(exp(input('x', [2]))) // false
 */
export const intrinsic = (t: Tensor): boolean => isLeafLike(t) || opKind(t) === 'reduce' || opKind(t) === 'matmul'

/**
 * The reduced axes of a reduce-kind node (its record reads them from the attributes).
 * @example
 * import { axesOf } from './fusion.js'
 * import { sum, input } from 'kiln'
 * axesOf(sum(input('x', [2, 3]), 1)) // [1]
 */
export const axesOf = <K extends OpName>(t: NodeOf<K>): readonly number[] => {
  const def = opDef(t.op)
  if (def.kind !== 'reduce') throw new Error(`internal: ${t.op} is not a reduction`)
  return def.axes(t)
}

/**
 * A short description of a node for plans (leaf names may appear here, never in generated code).
 * @example
 * import { describe } from './fusion.js'
 * import { input } from 'kiln'
 * describe(input('x', [2])) // "input 'x' [2]"
 */
export const describe = (t: Tensor): string => {
  const name = leafName(t)
  return name !== undefined ? `${t.op} '${name}' ${fmt(t.shape)}` : `${t.op}${fmt(t.shape)} #${t.id}`
}

/**
 * A plan node for `t`.
 * @example
 * import { planNode } from './fusion.js'
 * import { input } from 'kiln'
 * planNode(input('x', [2])).label // "input 'x' [2]"
 */
export const planNode = (t: Tensor): PlanNode => ({ node: t.id, label: describe(t) })

/**
 * The default loop order of a reduction over `reduced` axes: a register accumulator when the last axis
 * is reduced (the reduced run is contiguous), else accumulating into the output row-major.
 * @example
 * import { defaultReduceForm } from './fusion.js'
 * defaultReduceForm([false, true]) // 'register'
 * defaultReduceForm([true, false]) // 'scatter'
 */
export const defaultReduceForm = (reduced: readonly boolean[]): ReduceForm =>
  reduced.length === 0 || reduced[reduced.length - 1] ? 'register' : 'scatter'

/**
 * Consumers and use counts of every node, not counting the uses by online sums (an online sum reads x in
 * the max's pass, so it no longer consumes `exp(x - m)`).
 * @example
 * import { usesOf } from './fusion.js'
 * import { input, add, topoSort } from 'kiln'
 * const x = input('x', [2])
 * usesOf(topoSort([add(x, x)]), new Set()).uses.get(x.id) // 2
 */
export const usesOf = (order: readonly Tensor[], onlineSums: ReadonlySet<number>) => {
  const uses = new Map<number, number>()
  const consumers = new Map<number, Tensor[]>()
  for (const t of order)
    for (const a of onlineSums.has(t.id) ? [] : t.args) {
      uses.set(a.id, (uses.get(a.id) ?? 0) + 1)
      const cs = consumers.get(a.id)
      if (cs === undefined) consumers.set(a.id, [t])
      else cs.push(t)
    }
  return { uses, consumers }
}

/**
 * Nodes that must have a buffer in a fused plan given the buffers `mat` already has: a matmul operand
 * that is not a view of a buffer, and the operand of a view that is not affine (unless intrinsic).
 */
const operandBuffers = (order: readonly Tensor[], mat: ReadonlyMap<number, string>, set: (t: Tensor, why: string) => void): void => {
  // Matmul operands must be affine reads of a buffer: follow the views down (a loop: view chains can be long).
  const operand = (start: Tensor): void => {
    for (let x = start; ; x = x.args[0]!) {
      if (mat.has(x.id)) return
      if (isScalarConst(x)) return set(x, 'matmul operand (constant)')
      if (opKind(x) !== 'view') return set(x, 'matmul operand computed by its own kernel')
      const a = x.args[0]!
      if (!mat.has(a.id) && !viewIsAffine(x)) return set(a, `copy: ${x.op} to ${fmt(x.shape)} merges axes of a strided view (matmul operand)`)
    }
  }
  for (const t of order) {
    if (opKind(t) === 'matmul') t.args.forEach(operand)
    if (opKind(t) === 'view' && !viewIsAffine(t)) {
      const a = t.args[0]!
      if (!intrinsic(a)) set(a, `copy: ${t.op} ${fmt(a.shape)} -> ${fmt(t.shape)} merges axes of an unmaterialized value`)
    }
  }
}

/**
 * The depth of every inlined node (one more than its deepest inlined operand's; buffers and scalar
 * constants are depth 0), calling `tooDeep` for a node that reaches `FUSION_DEPTH_LIMIT`.
 * @example
 * import { inlinedDepths } from './fusion.js'
 * import { input, neg, topoSort } from 'kiln'
 * let y = input('x', [1])
 * for (let i = 0; i < 600; i++) y = neg(y)
 * const deep: number[] = []
 * inlinedDepths(topoSort([y]), new Set(), (t) => deep.push(t.id))
 * deep.length // 2
 */
export const inlinedDepths = (order: readonly Tensor[], mat: Has, tooDeep: (t: Tensor) => void): void => {
  const depth = new Map<number, number>()
  for (const t of order) {
    if (mat.has(t.id) || isScalarConst(t)) continue
    let d = 1
    for (const a of t.args) d = Math.max(d, 1 + (depth.get(a.id) ?? 0))
    if (d >= FUSION_DEPTH_LIMIT) tooDeep(t)
    else depth.set(t.id, d)
  }
}

/** Expensive values that are read per element of something larger, or by several consumers, get a buffer. */
const sharedBuffers = (order: readonly Tensor[], mat: ReadonlyMap<number, string>, uses: ReadonlyMap<number, number>, set: (t: Tensor, why: string) => void): void => {
  // Cost of recomputing a node inline, stopping at buffers; early exit past the budget. The recursion is
  // bounded: every path of inlined nodes is at most FUSION_DEPTH_LIMIT long (cut before this runs).
  const cost = (t: Tensor, budget: number): number => {
    if (mat.has(t.id) || isScalarConst(t)) return 0
    const def = opDef(t.op)
    if ((def.kind === 'elementwise' && def.cost === 'transcendental') || def.kind === 'random') return Infinity
    let total = def.kind === 'view' ? 0 : 1
    for (const a of t.args) {
      if (total > budget) return total
      total += cost(a, budget - total)
    }
    return total
  }
  const cheap = (t: Tensor): boolean => cost(t, CHEAP_OPS) <= CHEAP_OPS
  for (const t of order) {
    if (isLeafLike(t) || isScalarConst(t)) continue
    const kind = opKind(t)
    if (kind === 'elementwise' || kind === 'view')
      for (const a of t.args)
        if (sizeOf(a.shape) < sizeOf(t.shape) && !cheap(a)) set(a, `broadcast to ${fmt(t.shape)}: computed once, not per element`)
    const n = uses.get(t.id) ?? 0
    if (n > 1 && !cheap(t)) set(t, `${n} consumers`)
  }
}

/**
 * The root of the epilogue matmul `m` would run in: the first buffered node of the single-consumer chain
 * of same-shape elementwise ops from `m`, or undefined when the chain leaves that form first. `share`
 * is called for an unbuffered chain node with several consumers (the heuristic buffers it: the
 * matmul's consumers then read it once).
 * @example
 * import { epilogueRoot, usesOf } from './fusion.js'
 * import { input, matmul, relu, topoSort } from 'kiln'
 * const m = matmul(input('a', [2, 2]), input('b', [2, 2]))
 * const y = relu(m)
 * const { uses, consumers } = usesOf(topoSort([y]), new Set())
 * epilogueRoot(m, new Set([y.id]), uses, consumers) === y // true
 */
export const epilogueRoot = (
  m: Tensor, mat: Has, uses: ReadonlyMap<number, number>, consumers: ReadonlyMap<number, readonly Tensor[]>, share?: (c: Tensor) => void,
): Tensor | undefined => {
  if (uses.get(m.id) !== 1) return undefined
  for (let cur = m; ;) {
    const c = consumers.get(cur.id)![0]!
    if (opKind(c) !== 'elementwise' || !shapeEq(c.shape, m.shape) || !shapeEq(cur.shape, c.shape)) return undefined
    if (!mat.has(c.id) && uses.get(c.id) !== 1) share?.(c)
    if (mat.has(c.id)) return c
    cur = c
  }
}

/**
 * The heuristic plan of a graph (see the module comment); `{ fuse: false }` gives one kernel per op.
 * @example
 * import { decideFusion } from './fusion.js'
 * import { input, param, matmul, relu, softmax } from 'kiln'
 * const y = relu(matmul(input('x', [8, 4]), param('w', [4, 3])))
 * decideFusion([y], { fuse: true }).epilogues.map((e) => [e.matmul.label.split(' ')[0], e.root.label.split(' ')[0]]) // [['matmul[8,3]', 'relu[8,3]']]
 * decideFusion([softmax(input('z', [2, 5]))], { fuse: true }).online.length // 1
 */
export const decideFusion = (outputs: readonly Tensor[], opts: ScheduleOptions, order: readonly Tensor[] = topoSort(outputs)): FusionPlan => {
  const online = opts.fuse ? onlinePairs(order) : new Map<number, OnlinePair>()
  const onlineSums = new Set([...online.values()].map((p) => p.sum.id))
  const { uses, consumers } = usesOf(order, onlineSums)
  const mat = new Map<number, string>()
  const set = (t: Tensor, why: string) => {
    if (!mat.has(t.id)) mat.set(t.id, why)
  }
  for (const o of outputs) set(o, 'output')
  for (const t of order) {
    if (isLeafLike(t)) set(t, 'leaf')
    else if (opKind(t) === 'reduce') set(t, 'reduction')
    else if (opKind(t) === 'matmul') set(t, 'matmul')
    else if (!opts.fuse && !isScalarConst(t)) set(t, 'unfused plan')
  }
  const epilogues: { matmul: Tensor; root: Tensor }[] = []
  const sides: { reduce: Tensor; stored: Tensor }[] = []
  if (opts.fuse) {
    operandBuffers(order, mat, set)
    inlinedDepths(order, mat, (t) => set(t, `fusion depth limit: ${FUSION_DEPTH_LIMIT} inlined ops in a row`))
    sharedBuffers(order, mat, uses, set)
    const roots = new Set<number>()
    for (const m of order) {
      if (opKind(m) !== 'matmul' || mat.get(m.id) !== 'matmul') continue
      const root = epilogueRoot(m, mat, uses, consumers, (c) => set(c, `matmul epilogue with ${uses.get(c.id)} consumers`))
      if (root === undefined || roots.has(root.id)) continue
      roots.add(root.id)
      mat.delete(m.id)
      epilogues.push({ matmul: m, root })
    }
    // A reduction of a stored elementwise value runs in the pass that computes it (softmax's exp and its sum).
    const stored = new Set<number>()
    for (const r of order) {
      const x = r.args[0]
      if (opKind(r) !== 'reduce' || onlineSums.has(r.id) || x === undefined || !mat.has(x.id) || intrinsic(x) || isScalarConst(x)) continue
      if (roots.has(x.id) || stored.has(x.id)) continue
      stored.add(x.id)
      sides.push({ reduce: r, stored: x })
    }
  }
  return {
    materialized: order.flatMap((t) => (mat.has(t.id) ? [{ ...planNode(t), why: mat.get(t.id)! }] : [])),
    epilogues: epilogues.map((e) => ({ matmul: planNode(e.matmul), root: planNode(e.root) })),
    sideReductions: sides.map((s) => ({ reduce: planNode(s.reduce), stored: planNode(s.stored) })),
    online: [...online.values()].map((p) => ({ max: planNode(p.max), sum: planNode(p.sum), guarded: p.guarded })),
    reduceForms: order.flatMap((t) => (opKind(t) === 'reduce' ? [{ ...planNode(t), form: defaultReduceForm(reducedFlags(t)) }] : [])),
    tiles: order.flatMap((t) => (opKind(t) === 'matmul' ? [{ ...planNode(t), ...DEFAULT_TILE }] : [])),
  }
}

/**
 * The reduced flags of a reduction node's operand axes.
 * @example
 * import { reducedFlags } from './fusion.js'
 * import { max, input } from 'kiln'
 * reducedFlags(max(input('x', [2, 3, 4]), [0, 2])) // [true, false, true]
 */
export const reducedFlags = (r: Tensor): boolean[] => {
  const axes = axesOf(r)
  return r.args[0]!.shape.map((_, d) => axes.includes(d))
}
