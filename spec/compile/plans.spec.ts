/**
 * Halide's rule for Kiln's schedules: the fusion plan is a value apart from the graph, and every valid
 * plan computes the graph's values. Random plans are the heuristic plan perturbed in every way that
 * keeps it valid: extra buffers anywhere but inside an epilogue chain, epilogues, side reductions and
 * online pairs dropped, any loop order, any register tile. `checkPlan` must accept each, and the compiled
 * result must equal the reference interpreter.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { compilePlan } from '../../src/compile/compile.js'
import { decideFusion, planNode, type FusionPlan } from '../../src/compile/fusion.js'
import { checkPlan } from '../../src/compile/plan-check.js'
import { schedulePlan } from '../../src/compile/schedule.js'
import { evaluate } from '../../src/evaluate.js'
import { topoSort } from '../../src/graph.js'
import * as K from '../../src/index.js'
import type { Tensor } from '../../src/tensor.js'
import { bindingsArb, graphArb, only, same } from './arbitraries.js'
import { mlpData, mlpStep } from './mlp.js'

/** Random choices for one perturbation, read in order. */
interface Dice {
  readonly coins: readonly boolean[]
  readonly picks: readonly number[]
}
const diceArb: fc.Arbitrary<Dice> = fc.record({
  coins: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  picks: fc.array(fc.nat(1000), { minLength: 64, maxLength: 64 }),
})

/** Nodes strictly inside an epilogue chain (between the matmul and its root): they must stay unbuffered. */
const chainInteriors = (order: readonly Tensor[], plan: FusionPlan): Set<number> => {
  const consumer = new Map<number, Tensor>()
  for (const t of order) for (const a of t.args) consumer.set(a.id, t)
  const inside = new Set<number>()
  for (const e of plan.epilogues) {
    inside.add(e.matmul.node)
    for (let c = consumer.get(e.matmul.node); c !== undefined && c.id !== e.root.node; c = consumer.get(c.id)) inside.add(c.id)
  }
  return inside
}

/** The heuristic plan of `outputs`, perturbed by `dice` into another valid plan. */
const perturb = (outputs: readonly Tensor[], dice: Dice): FusionPlan => {
  const order = topoSort(outputs)
  const plan = decideFusion(outputs, { fuse: true }, order)
  let c = 0
  let p = 0
  const coin = () => dice.coins[c++ % dice.coins.length]!
  const pick = (n: number) => dice.picks[p++ % dice.picks.length]! % n
  const inside = chainInteriors(order, plan)
  const buffered = new Set(plan.materialized.map((m) => m.node))
  const extra = order.filter((t) => !buffered.has(t.id) && !inside.has(t.id) && K.isOp(t, 'constant') === false && coin() && coin())
  const epilogues = plan.epilogues.filter(() => coin())
  const dropped = plan.epilogues.filter((e) => !epilogues.includes(e)).map((e) => ({ ...e.matmul, why: 'matmul (epilogue dropped)' }))
  const materialized = [...plan.materialized, ...extra.map((t) => ({ ...planNode(t), why: 'random plan' })), ...dropped]
  const position = new Map(order.map((t, i) => [t.id, i]))
  return {
    materialized: materialized.sort((a, b) => position.get(a.node)! - position.get(b.node)!),
    epilogues,
    sideReductions: plan.sideReductions.filter(() => coin()),
    online: plan.online.filter(() => coin()),
    reduceForms: plan.reduceForms.map((f) => ({ ...f, form: coin() ? 'register' : 'scatter' })),
    tiles: plan.tiles.map((t) => ({ ...t, rows: 1 + pick(4), cols: 1 + pick(4) })),
  }
}

describe('every valid fusion plan agrees with the interpreter', () => {
  it('random valid plans for random graphs (bit for bit)', () => {
    fc.assert(
      fc.property(graphArb(true), bindingsArb, diceArb, (g, all, dice) => {
        const plan = perturb(g.outputs, dice)
        expect(checkPlan(g.outputs, plan)).toEqual([])
        const exe = compilePlan(g.outputs, plan)
        if (E.isLeft(exe)) throw new Error(exe.left.message)
        const bind = only(g.outputs, all)
        const want = evaluate(g.outputs, bind)
        const got = exe.right.run(bind)
        const ok = want.every((w, i) => same(got[i]!, w))
        if (!ok) expect.fail(`plan disagrees for\n${g.description}\n${JSON.stringify(plan)}`)
        return ok
      }),
      { seed: 2718, numRuns: 200 },
    )
  })

  it('random valid plans of a simplified MLP training step (epilogues, online softmax, side reductions)', () => {
    const spec = { sizes: [6, 5, 4, 3] as const, batch: 7, lr: 0.1 }
    const outputs = K.simplify(mlpStep(spec).outputs)
    const bind = mlpData(spec)
    const want = evaluate(outputs, bind)
    const base = decideFusion(outputs, { fuse: true })
    // the model exercises every kind of decision a random plan can drop
    expect([base.epilogues.length > 0, base.online.length > 0, base.sideReductions.length > 0, base.tiles.length > 0]).toEqual([true, true, true, true])
    fc.assert(
      fc.property(diceArb, (dice) => {
        const plan = perturb(outputs, dice)
        expect(checkPlan(outputs, plan)).toEqual([])
        const exe = compilePlan(outputs, plan)
        if (E.isLeft(exe)) throw new Error(exe.left.message)
        const got = exe.right.run(bind)
        return want.every((w, i) => same(got[i]!, w))
      }),
      { seed: 161, numRuns: 60 },
    )
  })

  it('the heuristic plan of every random graph is valid, and schedulePlan of it is schedule', () => {
    fc.assert(
      fc.property(graphArb(true), (g) => {
        const plan = decideFusion(g.outputs, { fuse: true })
        expect(checkPlan(g.outputs, plan)).toEqual([])
        expect(checkPlan(g.outputs, decideFusion(g.outputs, { fuse: false }))).toEqual([])
        expect(schedulePlan(g.outputs, plan).kernels.length).toBe(K.schedule(g.outputs, { fuse: true }).kernels.length)
      }),
      { seed: 31, numRuns: 100 },
    )
  })
})

describe('checkPlan refuses plans the scheduler cannot run, naming the node', () => {
  const x = K.input('x', [4, 3])
  const w = K.param('w', [3, 2])
  const m = K.matmul(x, w)
  const y = K.relu(K.add(m, 1))
  const s = K.sum(K.exp(y))
  const outs = [y, s]
  const plan = decideFusion(outs, { fuse: true })

  it('a missing buffer of a leaf, an output or a reduction', () => {
    expect(checkPlan(outs, { ...plan, materialized: plan.materialized.filter((b) => b.node !== x.id) })).toEqual([
      `input #${x.id}: a leaf node needs a buffer`,
      `matmul #${m.id}: operand #${x.id} (input) is not a view of a buffer`,
    ])
    expect(checkPlan(outs, { ...plan, materialized: plan.materialized.filter((b) => b.node !== s.id) })).toEqual([
      `output #${s.id} (sum): has no buffer`,
      `sum #${s.id}: a reduce node needs a buffer`,
    ])
  })

  it('an epilogue that is not a chain to the first buffer, a matmul both fused and stored', () => {
    expect(plan.epilogues.map((e) => [e.matmul.node, e.root.node])).toEqual([[m.id, y.id]])
    const wrongRoot = { ...plan, epilogues: [{ matmul: planNode(m), root: planNode(s) }] }
    expect(checkPlan(outs, wrongRoot)).toEqual([expect.stringMatching(/^epilogue matmul\[4,2\] #\d+ -> sum\[\] #\d+: not a single-consumer chain/)])
    const both = { ...plan, materialized: [...plan.materialized, { ...planNode(m), why: 'by hand' }] }
    expect(checkPlan(outs, both)).toEqual([`matmul #${m.id}: runs as an epilogue, so it has no buffer of its own`])
  })

  it('a side reduction of an unstored value, a bad loop order or tile, a node of another graph', () => {
    const e = s.args[0]!
    const side = { ...plan, sideReductions: [{ reduce: planNode(s), stored: planNode(e) }] }
    expect(checkPlan(outs, side)).toEqual([expect.stringMatching(/^side reduction sum\[\] #\d+: its operand exp\[4,2\] #\d+ must be a stored computed value$/)])
    const bad = { ...plan, reduceForms: plan.reduceForms.map((f) => ({ ...f, form: 'diagonal' as never })), tiles: plan.tiles.map((t) => ({ ...t, rows: 5 })) }
    expect(checkPlan(outs, bad)).toEqual([
      expect.stringMatching(/^loop order of sum\[\] #\d+: expected 'register' or 'scatter', got diagonal$/),
      expect.stringMatching(/^tile of matmul\[4,2\] #\d+: rows and cols must be integers in 1\.\.4, got 5 x 4$/),
    ])
    const stranger = K.input('stranger', [1])
    expect(checkPlan(outs, { ...plan, materialized: [...plan.materialized, { ...planNode(stranger), why: 'x' }] })).toEqual([`input 'stranger' [1]: not a node of this graph`])
  })

  it('compilePlan returns the problems as a BadPlan error; schedulePlan throws them', () => {
    const broken = { ...plan, materialized: [] }
    const r = compilePlan(outs, broken)
    expect(E.isLeft(r) && r.left.reason).toBe('BadPlan')
    expect(() => schedulePlan(outs, broken)).toThrow(/^schedule: plan: not a plan this graph can run: /)
  })

  it('explain() prints the plan the executable was built from', () => {
    const exe = K.compile(outs, { simplify: false })
    if (E.isLeft(exe)) throw new Error(exe.left.message)
    const text = exe.right.explain()
    expect(text).toMatch(/Fusion plan:\n {2}buffer: input 'x' \[4,3\] \(leaf\)/)
    expect(text).toMatch(/epilogue: matmul\[4,2\] #\d+ runs in the kernel of relu\[4,2\] #\d+/)
    expect(text).toMatch(/tile: matmul\[4,2\] #\d+ 4 x 4/)
  })
})
