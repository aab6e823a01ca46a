/**
 * The fusion pass: decides which nodes get a buffer (materialize) and turns the rest into index
 * arithmetic and inlined expressions, giving a `Schedule` of kernels as plain data.
 *
 * Materialization rule (documented, tested): a node gets a buffer when it is a leaf, a non-uniform
 * constant, an output, a reduction or a matmul (unless fused as another kernel's accumulator), a matmul
 * operand that is not a view of a buffer, the operand of a reshape that would merge axes of a computed
 * value, an expensive value read through an expanding broadcast, or an expensive value with more than
 * one consumer. "Expensive" = more than `CHEAP_OPS` inlined ops, or any transcendental / random op.
 * Finally, a region of inlined ops deeper than `FUSION_DEPTH_LIMIT` is cut by materializing the node at
 * the limit, so no kernel, and no recursion over one, is deeper than that, whatever the graph's depth.
 *
 * Online max+sum (see `online.ts`): `sum(exp(x - max(x, A)), A)` runs in the max's pass over `x`; that
 * sum then no longer counts as a consumer of `exp(x - m)`, so softmax's exp is recomputed by its only other
 * consumer (the division) instead of being stored: two passes per row.
 * @module
 */
import { leafName, topoSort } from '../graph.js'
import { opDef } from '../optable.js'
import { fmt, reducedShape, shapeEq, sizeOf, stridesOf } from '../shape.js'
import { constValue, isOp, type NodeOf, type OpName, type Tensor } from '../tensor.js'
import { aff, type Expr, type KernelPlan, type Operand, type Schedule, type Value } from './ir.js'
import { lowering, viewIsAffine } from './lower.js'
import { onlinePairs, type OnlinePair } from './online.js'

/** Schedule options. */
export interface ScheduleOptions {
  /** Fuse (default). `false` gives one kernel per op: the reference plan fusion is tested against. */
  readonly fuse: boolean
}

/**
 * Inlined ops a multiply-used value may cost before it is materialized instead of recomputed.
 * @example
 * import { CHEAP_OPS } from './schedule.js'
 * CHEAP_OPS // 2
 */
export const CHEAP_OPS = 2

const isScalarConst = (t: Tensor): boolean => isOp(t, 'constant') && constValue(t) !== undefined
const kindOf = (t: Tensor) => opDef(t.op).kind
const isLeafLike = (t: Tensor): boolean => kindOf(t) === 'leaf' && !isScalarConst(t)
/** Nodes that always get a buffer: leaves, reductions and matmuls (the kinds lowering cannot inline). */
const intrinsic = (t: Tensor): boolean => isLeafLike(t) || kindOf(t) === 'reduce' || kindOf(t) === 'matmul'
/** The reduced axes of a reduce-kind node (its record reads them from the attributes). */
const axesOf = <K extends OpName>(t: NodeOf<K>): readonly number[] => {
  const def = opDef(t.op)
  if (def.kind !== 'reduce') throw new Error(`internal: ${t.op} is not a reduction`)
  return def.axes(t)
}

/**
 * A short description of a node for plans (leaf names may appear here, never in generated code).
 * @example
 * import { describe } from './schedule.js'
 * import { input } from 'kiln'
 * describe(input('x', [2])) // "input 'x' [2]"
 */
export const describe = (t: Tensor): string =>
  leafName(t) !== undefined ? `${t.op} '${leafName(t)}' ${fmt(t.shape)}` : `${t.op}${fmt(t.shape)} #${t.id}`

/**
 * The longest path of inlined nodes a kernel may hold. Deeper fused regions are cut: the node at the
 * limit is materialized (plan note "fusion depth limit") and its consumers start a new region. This bounds
 * the recursion of lowering and emission and the nesting of generated source, whatever the graph's depth,
 * at the cost of one store and load per `FUSION_DEPTH_LIMIT` ops.
 * @example
 * import { FUSION_DEPTH_LIMIT } from './schedule.js'
 * FUSION_DEPTH_LIMIT // 256
 */
export const FUSION_DEPTH_LIMIT = 256

/**
 * Materializes every node whose inlined region would be deeper than `FUSION_DEPTH_LIMIT`. One pass in
 * topological order: a node's depth is one more than its deepest inlined operand's (buffers and scalar
 * constants are depth 0, as lowering turns them into loads and literals).
 */
const cutDeepRegions = (order: readonly Tensor[], mat: ReadonlyMap<number, string>, set: (t: Tensor, why: string) => void): void => {
  const depth = new Map<number, number>()
  for (const t of order) {
    if (mat.has(t.id) || isScalarConst(t)) continue
    let d = 1
    for (const a of t.args) d = Math.max(d, 1 + (depth.get(a.id) ?? 0))
    if (d >= FUSION_DEPTH_LIMIT) set(t, `fusion depth limit: ${FUSION_DEPTH_LIMIT} inlined ops in a row`)
    else depth.set(t.id, d)
  }
}

/** Which nodes get buffers, and why. */
const decide = (order: readonly Tensor[], outputs: readonly Tensor[], fuse: boolean) => {
  const mat = new Map<number, string>()
  const uses = new Map<number, number>()
  const consumers = new Map<number, Tensor[]>()
  // An online max+sum reads x in the max's pass, so its sum no longer consumes exp(x - m).
  const online = fuse ? onlinePairs(order) : new Map<number, OnlinePair>()
  const onlineSums = new Set([...online.values()].map((p) => p.sum.id))
  for (const t of order)
    for (const a of onlineSums.has(t.id) ? [] : t.args) {
      uses.set(a.id, (uses.get(a.id) ?? 0) + 1)
      const cs = consumers.get(a.id)
      if (cs === undefined) consumers.set(a.id, [t])
      else cs.push(t)
    }
  const set = (t: Tensor, why: string) => {
    if (!mat.has(t.id)) mat.set(t.id, why)
  }
  for (const o of outputs) set(o, 'output')
  for (const t of order) {
    if (isLeafLike(t)) set(t, 'leaf')
    else if (kindOf(t) === 'reduce') set(t, 'reduction')
    else if (kindOf(t) === 'matmul') set(t, 'matmul')
    else if (!fuse && !isScalarConst(t)) set(t, 'unfused plan')
  }
  const fusedMatmul = new Map<number, Tensor>()
  const sideReduce = new Map<number, Tensor>()
  if (!fuse) return { mat, fusedMatmul, sideReduce, online }

  // Matmul operands must be affine reads of a buffer: follow the views down (a loop: view chains can be long).
  const operand = (start: Tensor): void => {
    for (let x = start; ; x = x.args[0]!) {
      if (mat.has(x.id)) return
      if (isScalarConst(x)) return set(x, 'matmul operand (constant)')
      if (kindOf(x) !== 'view') return set(x, 'matmul operand computed by its own kernel')
      const a = x.args[0]!
      if (!mat.has(a.id) && !viewIsAffine(x))
        return set(a, `copy: ${x.op} to ${fmt(x.shape)} merges axes of a strided view (matmul operand)`)
    }
  }
  for (const t of order) {
    if (kindOf(t) === 'matmul') t.args.forEach(operand)
    if (kindOf(t) === 'view' && !viewIsAffine(t)) {
      const a = t.args[0]!
      if (!intrinsic(a)) set(a, `copy: ${t.op} ${fmt(a.shape)} -> ${fmt(t.shape)} merges axes of an unmaterialized value`)
    }
  }

  cutDeepRegions(order, mat, set)

  // Cost of recomputing a node inline, stopping at buffers; early exit past the limit. The recursion is
  // bounded: every path of inlined nodes is at most FUSION_DEPTH_LIMIT long (cut above).
  const cost = (t: Tensor, budget: number): number => {
    if (mat.has(t.id) || isScalarConst(t)) return 0
    const def = opDef(t.op)
    if ((def.kind === 'elementwise' && def.cost === 'transcendental') || def.kind === 'random') return Infinity
    const own = def.kind === 'view' ? 0 : 1
    let total = own
    for (const a of t.args) {
      if (total > budget) return total
      total += cost(a, budget - total)
    }
    return total
  }
  const cheap = (t: Tensor): boolean => cost(t, CHEAP_OPS) <= CHEAP_OPS
  for (const t of order) {
    if (isLeafLike(t) || isScalarConst(t)) continue
    const kind = opDef(t.op).kind
    if (kind === 'elementwise' || kind === 'view')
      for (const a of t.args)
        if (sizeOf(a.shape) < sizeOf(t.shape) && !cheap(a)) set(a, `broadcast to ${fmt(t.shape)}: computed once, not per element`)
    const n = uses.get(t.id) ?? 0
    if (n > 1 && !cheap(t)) set(t, `${n} consumers`)
  }

  // Matmul epilogues: a single-consumer chain of same-shape elementwise ops up to a buffer.
  for (const m of order) {
    if (kindOf(m) !== 'matmul' || mat.get(m.id) !== 'matmul' || uses.get(m.id) !== 1) continue
    let cur = m
    for (;;) {
      const c = consumers.get(cur.id)![0]!
      if (opDef(c.op).kind !== 'elementwise' || !shapeEq(c.shape, m.shape) || !shapeEq(cur.shape, c.shape)) break
      // A shared epilogue value is materialized so the matmul's consumers read it once.
      if (!mat.has(c.id) && uses.get(c.id) !== 1) set(c, `matmul epilogue with ${uses.get(c.id)} consumers`)
      if (mat.has(c.id)) {
        if (!fusedMatmul.has(c.id)) {
          fusedMatmul.set(c.id, m)
          mat.delete(m.id)
        }
        break
      }
      cur = c
    }
  }
  // A reduction of a materialized elementwise value runs in the pass that computes it (e.g. softmax's
  // exp and its row sum): the kernel stores the value and accumulates it.
  for (const r of order) {
    const x = r.args[0]
    if (kindOf(r) !== 'reduce' || onlineSums.has(r.id) || x === undefined || !mat.has(x.id) || intrinsic(x) || isScalarConst(x)) continue
    if (fusedMatmul.has(x.id) || sideReduce.has(x.id)) continue
    sideReduce.set(x.id, r)
  }
  return { mat, fusedMatmul, sideReduce, online }
}

/**
 * Schedules `outputs`: values (leaves, constants, outputs, intermediates) and kernels in order.
 * @example
 * import { schedule } from './schedule.js'
 * import { input, add, relu } from 'kiln'
 * const x = input('x', [4])
 * schedule([relu(add(x, 1))], { fuse: true }).kernels.length // 1
 */
export const schedule = (outputs: readonly Tensor[], opts: ScheduleOptions): Schedule => {
  const order = topoSort(outputs)
  const { mat, fusedMatmul, sideReduce, online } = decide(order, outputs, opts.fuse)
  const done = new Set<number>()
  const values: Value[] = []
  const valueOf = new Map<number, number>()
  const addValue = (v: Omit<Value, 'id'>): number => {
    values.push({ ...v, id: values.length } as Value)
    return values.length - 1
  }
  const outputSet = new Set(outputs)
  for (const t of order) {
    const name = leafName(t)
    if (name !== undefined) {
      valueOf.set(t.id, addValue({ kind: 'input', size: sizeOf(t.shape), shape: t.shape, name, label: describe(t) }))
    } else if (isOp(t, 'constant') && mat.has(t.id) && (!isScalarConst(t) || !outputSet.has(t)))
      valueOf.set(t.id, addValue({ kind: 'const', size: sizeOf(t.shape), shape: t.shape, data: t.attrs.values, label: describe(t) }))
  }
  const outVals = outputs.map((o, p) => addValue({ kind: 'output', size: sizeOf(o.shape), shape: o.shape, output: p, label: `output ${p}: ${describe(o)}` }))
  const copies: number[] = []
  outputs.forEach((o, p) => {
    if (!valueOf.has(o.id)) valueOf.set(o.id, outVals[p]!)
    else copies.push(p)
  })
  for (const t of order)
    if (mat.has(t.id) && !valueOf.has(t.id)) valueOf.set(t.id, addValue({ kind: 'temp', size: sizeOf(t.shape), shape: t.shape, label: describe(t) }))

  const kernels: KernelPlan[] = []
  const vars = (rank: number) => Array.from({ length: rank }, (_, d) => aff.axis(rank, d))
  const session = (rank: number, fused: string[], acc?: Tensor) =>
    lowering({ rank, fused, valueOf: (t) => valueOf.get(t.id), ...(acc === undefined ? {} : { acc }) })
  const notesOf = (t: Tensor): string[] => {
    const why = mat.get(t.id)
    return why === undefined || why === 'leaf' || why === 'reduction' || why === 'matmul' || why === 'output' ? [] : [`materialized: ${why}`]
  }
  const operandOf = (x: Tensor, fused: string[]): Operand => {
    const e = session(x.shape.length, fused).read(x, vars(x.shape.length))
    if (e._tag !== 'load') throw new Error(`internal: matmul operand ${describe(x)} is not a view of a buffer`)
    return { value: e.value, shape: x.shape, off: e.off }
  }
  const matmulKernel = (m: Tensor, out: Tensor, fused: string[], epilogue: (rank: number) => Expr): KernelPlan => {
    const [a, b] = m.args as [Tensor, Tensor]
    const rank = out.shape.length
    return {
      _tag: 'matmul', id: kernels.length, out: valueOf.get(out.id)!, fused, notes: notesOf(out),
      shape: out.shape, k: a.shape[a.shape.length - 1]!, a: operandOf(a, fused), b: operandOf(b, fused),
      epilogue: epilogue(rank), outOff: aff.dot(vars(rank), stridesOf(out.shape), rank),
    }
  }
  for (const t of order) {
    if (!mat.has(t.id) || isLeafLike(t)) continue
    const out = valueOf.get(t.id)!
    if (values[out]!.kind === 'const') continue
    const fused: string[] = []
    const m = fusedMatmul.get(t.id)
    if (kindOf(t) === 'matmul') {
      fused.push('matmul')
      kernels.push(matmulKernel(t, t, fused, () => ({ _tag: 'acc' })))
    } else if (m !== undefined) {
      fused.push('matmul')
      kernels.push(matmulKernel(m, t, fused, (rank) => session(rank, fused, m).compute(t, vars(rank))))
    } else if (kindOf(t) === 'reduce' || sideReduce.has(t.id)) {
      const r = sideReduce.get(t.id) ?? t
      if (done.has(r.id)) continue
      done.add(r.id)
      const pair = online.get(r.id)
      if (pair !== undefined) done.add(pair.sum.id)
      const x = r.args[0]!
      const rank = x.shape.length
      const axes = axesOf(r)
      const kept = stridesOf(reducedShape(x.shape, axes, true)).map((s, d) => (axes.includes(d) ? 0 : s))
      fused.push(...(pair === undefined ? [r.op] : ['max', 'sum', 'exp', 'sub']))
      const side = r !== t
      const body = side ? session(rank, fused).compute(x, vars(rank)) : session(rank, fused).read(x, vars(rank))
      const notes = [...notesOf(t), ...(side ? [`also stores ${describe(t)}, computed in this pass`] : [])]
      if (pair !== undefined) notes.push(`online max+sum: also computes ${describe(pair.sum)} = sum(exp(x - ${pair.guarded ? 'finite max or 0' : 'max'})) in this pass`)
      kernels.push({
        _tag: 'reduce', id: kernels.length, out: valueOf.get(r.id)!, fused, notes,
        op: r.op, shape: x.shape, reduced: x.shape.map((_, d) => axes.includes(d)), body, outOff: aff.dot(vars(rank), kept, rank),
        ...(side ? { store: { value: out, off: aff.dot(vars(rank), stridesOf(x.shape), rank) } } : {}),
        ...(pair === undefined ? {} : { online: { sum: valueOf.get(pair.sum.id)!, guarded: pair.guarded } }),
      })
    } else {
      const rank = t.shape.length
      const body = session(rank, fused).compute(t, vars(rank))
      kernels.push({ _tag: 'map', id: kernels.length, out, fused, notes: notesOf(t), shape: t.shape, body, outOff: aff.dot(vars(rank), stridesOf(t.shape), rank) })
    }
  }
  for (const p of copies) {
    const o = outputs[p]!
    const rank = o.shape.length
    const body = session(rank, []).read(o, vars(rank))
    kernels.push({
      _tag: 'map', id: kernels.length, out: outVals[p]!, fused: [], notes: [`copy: output ${p} repeats a leaf or an earlier output`],
      shape: o.shape, body, outOff: aff.dot(vars(rank), stridesOf(o.shape), rank),
    })
  }
  return { values, kernels, outputs: outVals }
}
