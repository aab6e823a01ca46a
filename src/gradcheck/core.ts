/**
 * The check itself, for operands already validated: builds the checked function (the output, or for
 * order 2 the gradient of a projection of it), the derivative graph of the mode (reverse mode `vjp` for
 * `full` and `fast`, forward mode `jvp` for `forward`), and compares it with finite differences along
 * each direction, looking closer where an element fails. Every graph runs on the reference interpreter,
 * the oracle, through `stepFunction`.
 * @module
 */
import { concat, mul, onesLike, reshape, sum } from '../api.js'
import { jvp, vjp } from '../grad.js'
import { constant, input } from '../make.js'
import { ArgumentError, describeValue } from '../options.js'
import { unravel } from '../ops/ref.js'
import { foldIn, key, split, type Key } from '../random/key.js'
import { uniform } from '../random/sample.js'
import { stepFunction } from '../run.js'
import { fmt, sizeOf, type Shape } from '../shape.js'
import { isTensor, type Tensor } from '../tensor.js'
import { agree, centralDerivative, linePoints, oneSided, probeLine, type Line, type ProbeResult } from './numeric.js'
import { entryOf, tally, type GradcheckEntry, type GradcheckReport, type Tally } from './report.js'
import type { GradcheckSettings } from './settings.js'

/** One checked input: its name or path, shape and (validated, finite) values. */
export interface Operand {
  readonly name: string
  readonly shape: Shape
  readonly value: Float64Array
}

/** The function whose Jacobian is checked, with a name for each of its output elements. */
interface Target {
  readonly tensor: Tensor
  readonly label: (j: number) => string
  readonly projected: string
}

/** One direction to check: the line through the point, its step, and the derivative along it by the symbolic side. */
interface Direction {
  readonly input: string
  readonly index: readonly number[]
  readonly line: Line
  readonly h: number
  readonly analytic: Float64Array
  /** Output labels and flat indices (a projection has one output, index -1). */
  readonly output: (j: number) => readonly [string, number]
}

const firstOrder = (out: Tensor): Target => ({
  tensor: out,
  label: (j) => (out.shape.length === 0 ? 'out' : `out${fmt(unravel(j, out.shape))}`),
  projected: 'v.out',
})

/** The gradient of `sum(w * out)` (`sum(out)` for a scalar), flattened and concatenated over the operands. */
const secondOrder = (out: Tensor, leaves: readonly Tensor[], operands: readonly Operand[], weights: Key): Target => {
  const m = sizeOf(out.shape)
  const loss = m === 1 ? sum(out) : sum(mul(out, constant(uniform(weights, m, -1, 1), out.shape)) as Tensor)
  const grads = vjp(loss, leaves, onesLike(loss))
  const offsets = operands.map((_, i) => operands.slice(0, i).reduce((n, o) => n + o.value.length, 0))
  return {
    tensor: concat(grads.map((g) => reshape(g, [sizeOf(g.shape)])), 0),
    label: (j) => {
      let i = offsets.length - 1
      while (offsets[i]! > j) i--
      return `grad ${operands[i]!.name}${fmt(unravel(j - offsets[i]!, operands[i]!.shape))}`
    },
    projected: 'v.grad',
  }
}

/** A power of two near `x`: points `x_k +- h` and `x_k +- h/2` are then exact. */
const pow2 = (x: number): number => 2 ** Math.round(Math.log2(x))

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((acc, v, j) => acc + v * b[j]!, 0)

/** Compares one direction, taking a closer look (kinks, smaller steps) where needed, into `t`. */
const checkDirection = (d: Direction, f0: Float64Array, s: GradcheckSettings, t: Tally): void => {
  const pts = linePoints(d.line, d.h, s.richardson)
  const numeric = centralDerivative(pts)
  const entries = Array.from(numeric, (n, j) => entryOf(d.input, d.index, ...d.output(j), d.analytic[j]!, n, d.h))
  const passes = (e: GradcheckEntry) => e.absError <= s.atol + s.rtol * Math.abs(e.numeric)
  // With Richardson the points give one-sided derivatives for free: a kink hides even where the central difference agrees.
  const sided = s.richardson ? oneSided(f0, pts) : undefined
  const apart = (j: number) => sided !== undefined && Number.isFinite(sided.left[j]! - sided.right[j]!) && !agree(sided.left[j]!, sided.right[j]!, s.atol, s.rtol, sided.noise[j]!)
  const suspect = entries.map((e, j) => !passes(e) || apart(j))
  const look = s.kinks && suspect.includes(true) ? probeLine(d.line, f0, d.h, s.richardson, s.atol, s.rtol) : undefined
  // at a kink the symbolic derivative should lie between the left and right ones (a subgradient); outside it is wrong
  const between = (a: number, p: ProbeResult) => {
    const slack = s.atol + s.rtol * Math.max(Math.abs(p.left), Math.abs(p.right))
    return a >= Math.min(p.left, p.right) - slack && a <= Math.max(p.left, p.right) + slack
  }
  entries.forEach((e, j) => {
    const p = look?.[j]
    if (p === undefined || !suspect[j]) return void t.add(e)
    if (p.kink && between(e.analytic, p)) return void t.kink({ input: e.input, index: e.index, output: e.output, outputIndex: e.outputIndex, analytic: e.analytic, left: p.left, right: p.right, numeric: e.numeric })
    if (passes(e)) return void t.add(e)
    const closer = entryOf(e.input, e.index, e.output, e.outputIndex, e.analytic, p.numeric, p.step)
    t.add(Number.isFinite(p.numeric) ? closer : e, passes(closer))
  })
}

/** Everything a mode needs: the operands' current values (moved in place along a line), the target and its runner. */
interface Setup {
  readonly operands: readonly Operand[]
  readonly leaves: readonly Tensor[]
  readonly values: Float64Array[]
  readonly target: Target
  readonly at: () => Float64Array
  readonly f0: Float64Array
  readonly s: GradcheckSettings
  readonly directions: Key
}

/** Every basis direction `e_k` of every operand, with its scaled step; `column(i, k)` is the symbolic `J e_k`. */
const basisChecks = (u: Setup, t: Tally, column: (i: number, k: number) => Float64Array): void => {
  u.operands.forEach((o, i) => {
    const v = u.values[i]!
    for (let k = 0; k < v.length; k++) {
      const x0 = v[k]!
      const line: Line = (dt) => {
        v[k] = x0 + dt
        const r = u.at()
        v[k] = x0
        return r
      }
      const h = u.s.scaleStep ? pow2(u.s.eps * Math.max(Math.abs(x0), 1)) : u.s.eps
      const index = unravel(k, o.shape)
      checkDirection({ input: o.name, index, line, h, analytic: column(i, k), output: (j) => [u.target.label(j), j] }, u.f0, u.s, t)
    }
  })
}

/** Random direction `p`: `s * r` per operand with `r` uniform in [-1, 1] and `s = max(|x|, 1)` (scaled steps) or 1. */
const randomDirection = (u: Setup, p: number): Float64Array[] =>
  u.values.map((v, i) => uniform(foldIn(foldIn(u.directions, p), i + 1), v.length, -1, 1).map((r, k) => (u.s.scaleStep ? r * Math.max(Math.abs(v[k]!), 1) : r)))

/** The line through the point along `dirs` (every output), restoring the values after each evaluation. */
const lineAlong = (u: Setup, dirs: readonly Float64Array[]): Line => {
  const base = u.values.map((v) => v.slice())
  return (dt) => {
    u.values.forEach((v, i) => v.forEach((_, k) => (v[k] = base[i]![k]! + dt * dirs[i]![k]!)))
    const r = u.at()
    u.values.forEach((v, i) => v.set(base[i]!))
    return r
  }
}

const stepOf = (s: GradcheckSettings): number => (s.scaleStep ? pow2(s.eps) : s.eps)

/** Full mode: the Jacobian's rows by reverse mode (one `vjp` per output element), its columns by differences. */
const fullMode = (u: Setup, t: Tally): void => {
  const m = u.f0.length
  const cot = input('__gc_cotangent', u.target.tensor.shape)
  const g = stepFunction({ inputs: [...u.leaves, cot], state: [], outputs: vjp(u.target.tensor, u.leaves, cot) }, 'interpreter')
  const jac = u.values.map((v) => new Float64Array(m * v.length))
  for (let j = 0; j < m; j++) {
    const e = new Float64Array(m)
    e[j] = 1
    g([...u.values, e], []).forEach((row, i) => jac[i]!.set(row, j * row.length))
  }
  basisChecks(u, t, (i, k) => Float64Array.from({ length: m }, (_, j) => jac[i]![j * u.values[i]!.length + k]!))
}

/** Fast mode: `v^T J d` for random `v` and `d`, one `vjp` and one difference each. */
const fastMode = (u: Setup, t: Tally): void => {
  const m = u.f0.length
  const cot = input('__gc_cotangent', u.target.tensor.shape)
  const g = stepFunction({ inputs: [...u.leaves, cot], state: [], outputs: vjp(u.target.tensor, u.leaves, cot) }, 'interpreter')
  for (let p = 0; p < u.s.projections; p++) {
    const v = uniform(foldIn(foldIn(u.directions, p), 0), m, -1, 1)
    const dirs = randomDirection(u, p)
    const analytic = g([...u.values, v], []).reduce((acc, gi, i) => acc + dot(gi, dirs[i]!), 0)
    const along = lineAlong(u, dirs)
    const line: Line = (dt) => Float64Array.of(dot(v, along(dt)))
    checkDirection({ input: 'projection', index: [p], line, h: stepOf(u.s), analytic: Float64Array.of(analytic), output: () => [u.target.projected, -1] }, Float64Array.of(dot(v, u.f0)), u.s, t)
  }
}

/** Forward mode: `J d` by `jvp` along every basis direction or along random ones, against differences along the same. */
const forwardMode = (u: Setup, t: Tally): void => {
  const tangents = u.operands.map((o) => input(`__gc_tangent_${o.name}`, o.shape))
  const jv = stepFunction({ inputs: [...u.leaves, ...tangents], state: [], outputs: [jvp(u.target.tensor, u.leaves, tangents)] }, 'interpreter')
  const jvpAlong = (dirs: readonly Float64Array[]) => jv([...u.values, ...dirs], [])[0]!
  if (u.s.directions === 'basis') {
    const zeros = u.values.map((v) => new Float64Array(v.length))
    return basisChecks(u, t, (i, k) => {
      zeros[i]![k] = 1
      const r = jvpAlong(zeros)
      zeros[i]![k] = 0
      return r
    })
  }
  for (let p = 0; p < u.s.projections; p++) {
    const dirs = randomDirection(u, p)
    checkDirection({ input: 'direction', index: [p], line: lineAlong(u, dirs), h: stepOf(u.s), analytic: jvpAlong(dirs), output: (j) => [u.target.label(j), j] }, u.f0, u.s, t)
  }
}

/**
 * Checks `build` (the function applied to one leaf per operand) at the operands' values with settings
 * `s`, by `who` (named in errors). The operands are not modified.
 * @example
 * import { runCheck } from './core.js'
 * import { GRADCHECK_DEFAULTS } from './settings.js'
 * import { tanh } from 'kiln'
 * const r = runCheck('gradcheck', [{ name: 'x', shape: [2], value: Float64Array.of(0.5, -1) }], ([x]) => tanh(x!), GRADCHECK_DEFAULTS)
 * r.ok // true
 * r.checked // 4
 */
export const runCheck = (who: string, operands: readonly Operand[], build: (leaves: readonly Tensor[]) => unknown, s: GradcheckSettings): GradcheckReport => {
  const t = tally(s)
  if (operands.every((o) => o.value.length === 0)) return t.report()
  const leaves = operands.map((o) => input(`__gc_${o.name}`, o.shape))
  const out = build(leaves)
  if (!isTensor(out)) throw new ArgumentError(who, 'f', `expected the function to return a Tensor, got ${describeValue(out)}`)
  const [directions, weights] = split(key(s.seed))
  const target = s.order === 1 ? firstOrder(out) : secondOrder(out, leaves, operands, weights!)
  const values = operands.map((o) => o.value.slice())
  const f = stepFunction({ inputs: leaves, state: [], outputs: [target.tensor] }, 'interpreter')
  const at = () => f(values, [])[0]!
  const u: Setup = { operands, leaves, values, target, at, f0: at(), s, directions: directions! }
  if (s.mode === 'full') fullMode(u, t)
  else if (s.mode === 'fast') fastMode(u, t)
  else forwardMode(u, t)
  return t.report()
}
