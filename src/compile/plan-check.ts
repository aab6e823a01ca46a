/**
 * Which fusion plans the scheduler can run: `checkPlan` lists every way a plan breaks the scheduler's
 * invariants for a graph (a missing buffer, an epilogue chain that is not one, a side reduction of a value
 * nobody stores, an online pair that is not the pattern, a bad loop order or tile), in words naming the
 * node. A plan with no problems computes the graph's values, whatever else it chooses.
 * @module
 */
import { topoSort } from '../graph.js'
import type { Tensor } from '../tensor.js'
import {
  epilogueRoot, FUSION_DEPTH_LIMIT, inlinedDepths, intrinsic, isLeafLike, isScalarConst, opKind, usesOf, type FusionPlan,
} from './fusion.js'
import { viewIsAffine } from './lower.js'
import { onlinePair } from './online.js'

/** Matmul operands are affine reads of a buffer: views down to a buffer, a non-affine view only directly over one. */
const operandReadable = (start: Tensor, mat: ReadonlySet<number>): boolean => {
  for (let x = start; ; x = x.args[0]!) {
    if (mat.has(x.id)) return true
    if (isScalarConst(x) || opKind(x) !== 'view') return false
    if (!viewIsAffine(x) && !mat.has(x.args[0]!.id)) return false
  }
}

/** Problems with buffers: required ones missing, unknown nodes, inlined regions too deep. */
const bufferProblems = (order: readonly Tensor[], byId: ReadonlyMap<number, Tensor>, outputs: readonly Tensor[], plan: FusionPlan, mat: ReadonlySet<number>, out: string[]): void => {
  const fused = new Set(plan.epilogues.map((e) => e.matmul.node))
  for (const m of plan.materialized) if (!byId.has(m.node)) out.push(`${m.label}: not a node of this graph`)
  for (const o of outputs) if (!mat.has(o.id)) out.push(`output #${o.id} (${o.op}): has no buffer`)
  for (const t of order) {
    const needs = isLeafLike(t) || opKind(t) === 'reduce' || (opKind(t) === 'matmul' && !fused.has(t.id))
    if (needs && !mat.has(t.id)) out.push(`${t.op} #${t.id}: a ${opKind(t)} node needs a buffer`)
    if (opKind(t) === 'matmul' && fused.has(t.id) && mat.has(t.id)) out.push(`matmul #${t.id}: runs as an epilogue, so it has no buffer of its own`)
    if (opKind(t) === 'matmul') for (const a of t.args) if (!operandReadable(a, mat)) out.push(`matmul #${t.id}: operand #${a.id} (${a.op}) is not a view of a buffer`)
    if (opKind(t) === 'view' && !viewIsAffine(t) && !mat.has(t.args[0]!.id) && !mat.has(t.id)) out.push(`${t.op} #${t.id}: not affine, so its operand #${t.args[0]!.id} needs a buffer`)
  }
  inlinedDepths(order, mat, (t) => out.push(`${t.op} #${t.id}: inlined region deeper than ${FUSION_DEPTH_LIMIT} ops`))
}

/** Problems with epilogues, side reductions and online pairs. */
const fusionProblems = (order: readonly Tensor[], byId: ReadonlyMap<number, Tensor>, plan: FusionPlan, mat: ReadonlySet<number>, out: string[]): void => {
  const onlineSums = new Set<number>()
  const maxes = new Set<number>()
  for (const p of plan.online) {
    const sum = byId.get(p.sum.node)
    const pair = sum === undefined ? undefined : onlinePair(sum)
    if (pair === undefined || pair.max.id !== p.max.node || pair.guarded !== p.guarded) out.push(`online ${p.max.label} / ${p.sum.label}: not a max and the sum of exp(x - max) over its axes`)
    else if (maxes.has(pair.max.id)) out.push(`online ${p.max.label}: pairs with one sum only`)
    else {
      maxes.add(pair.max.id)
      onlineSums.add(pair.sum.id)
    }
  }
  const { uses, consumers } = usesOf(order, onlineSums)
  const roots = new Set<number>()
  for (const e of plan.epilogues) {
    const m = byId.get(e.matmul.node)
    const root = m === undefined || opKind(m) !== 'matmul' ? undefined : epilogueRoot(m, mat, uses, consumers)
    if (root === undefined || root.id !== e.root.node) out.push(`epilogue ${e.matmul.label} -> ${e.root.label}: not a single-consumer chain of same-shape elementwise ops ending at the first buffer`)
    else if (roots.has(root.id)) out.push(`epilogue root ${e.root.label}: takes one matmul only`)
    else roots.add(root.id)
  }
  const stored = new Set<number>()
  for (const s of plan.sideReductions) {
    const r = byId.get(s.reduce.node)
    const x = r?.args[0]
    const ok = r !== undefined && x !== undefined && opKind(r) === 'reduce' && x.id === s.stored.node && mat.has(x.id) && !intrinsic(x) && !isScalarConst(x)
    if (!ok) out.push(`side reduction ${s.reduce.label}: its operand ${s.stored.label} must be a stored computed value`)
    else if (onlineSums.has(r.id)) out.push(`side reduction ${s.reduce.label}: already computed online`)
    else if (roots.has(x.id) || stored.has(x.id)) out.push(`side reduction ${s.reduce.label}: ${s.stored.label} is already computed by another kernel`)
    else stored.add(x.id)
  }
}

/** Problems with loop orders and tiles. */
const loopProblems = (byId: ReadonlyMap<number, Tensor>, plan: FusionPlan, out: string[]): void => {
  for (const f of plan.reduceForms) {
    const t = byId.get(f.node)
    if (t === undefined || opKind(t) !== 'reduce') out.push(`loop order of ${f.label}: not a reduction of this graph`)
    if (f.form !== 'register' && f.form !== 'scatter') out.push(`loop order of ${f.label}: expected 'register' or 'scatter', got ${String(f.form)}`)
  }
  for (const tile of plan.tiles) {
    const t = byId.get(tile.node)
    if (t === undefined || opKind(t) !== 'matmul') out.push(`tile of ${tile.label}: not a matmul of this graph`)
    const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 4
    if (!ok(tile.rows) || !ok(tile.cols)) out.push(`tile of ${tile.label}: rows and cols must be integers in 1..4, got ${tile.rows} x ${tile.cols}`)
  }
}

/**
 * Every problem that keeps `plan` from being run for `outputs` (empty for a valid plan).
 * @example
 * import { checkPlan } from './plan-check.js'
 * import { decideFusion } from './fusion.js'
 * import { input, exp, sum } from 'kiln'
 * const outs = [sum(exp(input('x', [4])))]
 * const plan = decideFusion(outs, { fuse: true })
 * checkPlan(outs, plan) // []
 * checkPlan(outs, { ...plan, materialized: [] }).some((p) => p.endsWith('a reduce node needs a buffer')) // true
 */
export const checkPlan = (outputs: readonly Tensor[], plan: FusionPlan, order: readonly Tensor[] = topoSort(outputs)): string[] => {
  const mat = new Set(plan.materialized.map((m) => m.node))
  const byId = new Map(order.map((t) => [t.id, t]))
  const out: string[] = []
  bufferProblems(order, byId, outputs, plan, mat, out)
  fusionProblems(order, byId, plan, mat, out)
  loopProblems(byId, plan, out)
  return out
}
