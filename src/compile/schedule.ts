/**
 * The mechanical half of scheduling: a `FusionPlan` (`fusion.ts`: which nodes get a buffer, epilogues,
 * side reductions, online pairs, loop orders, tiles) and the graph become a `Schedule`, values and
 * kernels as plain data, with every unbuffered node turned into index arithmetic and inlined
 * expressions. No decision is taken here: any plan `checkPlan` accepts is run as it is.
 *
 * Online max+sum (see `online.ts`): `sum(exp(x - max(x, A)), A)` runs in the max's kernel over `x` (a
 * second sweep of each row); that sum then no longer counts as a consumer of `exp(x - m)`, so softmax's exp
 * is recomputed by its only other consumer (the division) instead of being stored: two kernels per row.
 * @module
 */
import { ArgumentError } from '../options.js'
import { leafName, topoSort } from '../graph.js'
import { reducedShape, sizeOf, stridesOf } from '../shape.js'
import { isOp, type Tensor } from '../tensor.js'
import {
  axesOf, decideFusion, defaultReduceForm, DEFAULT_TILE, describe, isLeafLike, isScalarConst, opKind, reducedFlags, type FusionPlan, type ScheduleOptions,
} from './fusion.js'
import { aff, type Expr, type KernelPlan, type Operand, type Schedule, type Value } from './ir.js'
import { lowering } from './lower.js'
import { onlinePair, type OnlinePair } from './online.js'
import { checkPlan } from './plan-check.js'

/**
 * Schedules `outputs` with the heuristic plan (`decideFusion`): values (leaves, constants, outputs,
 * intermediates) and kernels in order.
 * @example
 * import { schedule } from './schedule.js'
 * import { input, add, relu } from 'kiln'
 * const x = input('x', [4])
 * schedule([relu(add(x, 1))], { fuse: true }).kernels.length // 1
 * schedule([relu(add(x, 1))], { fuse: false }).kernels.length // 2
 */
export const schedule = (outputs: readonly Tensor[], opts: ScheduleOptions): Schedule => {
  const order = topoSort(outputs)
  // the heuristic plan is valid by construction (a property test checks it), so it is not re-checked here
  return build(outputs, decideFusion(outputs, opts, order), order)
}

/** The plan's decisions keyed for lookups while building kernels. */
const indexPlan = (order: readonly Tensor[], plan: FusionPlan) => {
  const byId = new Map(order.map((t) => [t.id, t]))
  const node = (id: number): Tensor => byId.get(id)!
  const online = new Map<number, OnlinePair>()
  for (const p of plan.online) online.set(p.max.node, onlinePair(node(p.sum.node))!)
  return {
    mat: new Map(plan.materialized.map((m) => [m.node, m.why])),
    fusedMatmul: new Map(plan.epilogues.map((e) => [e.root.node, node(e.matmul.node)])),
    sideReduce: new Map(plan.sideReductions.map((r) => [r.stored.node, node(r.reduce.node)])),
    online,
    forms: new Map(plan.reduceForms.map((f) => [f.node, f.form])),
    tiles: new Map(plan.tiles.map((t) => [t.node, { rows: t.rows, cols: t.cols }])),
  }
}

/**
 * Schedules `outputs` with a given plan: the heuristic one, a hand-edited one or a random one. A plan
 * that `checkPlan` refuses is an `ArgumentError` listing its problems.
 * @example
 * import { schedulePlan } from './schedule.js'
 * import { decideFusion } from './fusion.js'
 * import { input, exp, sum } from 'kiln'
 * const outs = [sum(exp(input('x', [4])))]
 * const plan = decideFusion(outs, { fuse: true })
 * schedulePlan(outs, plan).kernels.length // 1
 * // storing exp(x) as well: a side reduction computes the sum in the same pass
 * const e = plan.materialized.length
 * const stored = { ...plan, materialized: [...plan.materialized, { node: outs[0]!.args[0]!.id, label: 'exp', why: 'by hand' }] }
 * schedulePlan(outs, stored).kernels.length === 2 || e // true
 */
export const schedulePlan = (outputs: readonly Tensor[], plan: FusionPlan, order: readonly Tensor[] = topoSort(outputs)): Schedule => {
  const problems = checkPlan(outputs, plan, order)
  if (problems.length > 0) throw new ArgumentError('schedule', 'plan', `not a plan this graph can run: ${problems.join('; ')}`)
  return build(outputs, plan, order)
}

/** The kernels of a valid plan. */
const build = (outputs: readonly Tensor[], plan: FusionPlan, order: readonly Tensor[]): Schedule => {
  const { mat, fusedMatmul, sideReduce, online, forms, tiles } = indexPlan(order, plan)
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
      epilogue: epilogue(rank), outOff: aff.dot(vars(rank), stridesOf(out.shape), rank), tile: tiles.get(m.id) ?? DEFAULT_TILE,
    }
  }
  for (const t of order) {
    if (!mat.has(t.id) || isLeafLike(t)) continue
    const out = valueOf.get(t.id)!
    if (values[out]!.kind === 'const') continue
    const fused: string[] = []
    const m = fusedMatmul.get(t.id)
    if (opKind(t) === 'matmul') {
      fused.push('matmul')
      kernels.push(matmulKernel(t, t, fused, () => ({ _tag: 'acc' })))
    } else if (m !== undefined) {
      fused.push('matmul')
      kernels.push(matmulKernel(m, t, fused, (rank) => session(rank, fused, m).compute(t, vars(rank))))
    } else if (opKind(t) === 'reduce' || sideReduce.has(t.id)) {
      const r = sideReduce.get(t.id) ?? t
      if (done.has(r.id)) continue
      done.add(r.id)
      const pair = online.get(r.id)
      if (pair !== undefined) done.add(pair.sum.id)
      const x = r.args[0]!
      const rank = x.shape.length
      const axes = axesOf(r)
      const reduced = reducedFlags(r)
      const kept = stridesOf(reducedShape(x.shape, axes, true)).map((s, d) => (axes.includes(d) ? 0 : s))
      fused.push(...(pair === undefined ? [r.op] : ['max', 'sum', 'exp', 'sub']))
      const side = r !== t
      const body = side ? session(rank, fused).compute(x, vars(rank)) : session(rank, fused).read(x, vars(rank))
      const notes = [...notesOf(t), ...(side ? [`also stores ${describe(t)}, computed in this pass`] : [])]
      if (pair !== undefined) notes.push(`online max+sum: also computes ${describe(pair.sum)} = sum(exp(x - ${pair.guarded ? 'finite max or 0' : 'max'})) in this pass`)
      kernels.push({
        _tag: 'reduce', id: kernels.length, out: valueOf.get(r.id)!, fused, notes,
        op: r.op, shape: x.shape, reduced, form: forms.get(r.id) ?? defaultReduceForm(reduced), body, outOff: aff.dot(vars(rank), kept, rank),
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
  return { values, kernels, outputs: outVals, plan }
}
