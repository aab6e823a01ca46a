/**
 * The gradient-check report: the worst elements by how many tolerances they are off, the kinks, the
 * counts and the settings used; a one-line summary and a printable table.
 * @module
 */
import { formatTable } from '../report/table.js'
import { fmt } from '../shape.js'
import type { GradcheckMode, GradcheckSettings } from './settings.js'

/** One compared element: a Jacobian (or Hessian) element, or a projection of it. */
export interface GradcheckEntry {
  /** The input's name or path (`dense0.w`); `projection` (fast mode) or `direction` (forward mode, random directions). */
  readonly input: string
  /** Multi-index into the input, or `[p]` for projection or direction `p`. */
  readonly index: readonly number[]
  /** The output element: `out[1]` (`out` for a scalar), `grad x[1]` (order 2), `v.out` for a projection. */
  readonly output: string
  /** Flat index of the output element (-1 for a projection of the outputs). */
  readonly outputIndex: number
  readonly analytic: number
  readonly numeric: number
  readonly absError: number
  /** `absError / |numeric|`. */
  readonly relError: number
  /** The largest offset the numeric derivative used (smaller than the base step after a closer look). */
  readonly step: number
}

/**
 * An element at a point where the function is not differentiable: left and right derivatives differ, and
 * the symbolic derivative lies between them (one of the subgradients; outside them it is a failure).
 */
export interface GradcheckKink {
  readonly input: string
  readonly index: readonly number[]
  readonly output: string
  readonly outputIndex: number
  readonly analytic: number
  /** One-sided derivatives at the smallest step. */
  readonly left: number
  readonly right: number
  /** The central difference (their mean, roughly): what a plain check compared with. */
  readonly numeric: number
}

/** The outcome of a gradient check. */
export interface GradcheckReport {
  /** No failures (kinks are not failures: they are listed). */
  readonly ok: boolean
  readonly mode: GradcheckMode
  readonly order: 1 | 2
  /** Elements (or projections) compared: passed + failed + kinks. */
  readonly checked: number
  readonly failures: number
  /** Elements that failed at the base step and passed at a smaller one (down to 1/512 of it). */
  readonly refined: number
  /** The worst elements, worst first (by error over tolerance), `top` of them, passed or not. */
  readonly worst: readonly GradcheckEntry[]
  readonly kinks: readonly GradcheckKink[]
  readonly settings: GradcheckSettings
  readonly summary: string
}

/** An element's error over its tolerance: above 1 fails; NaN counts as infinitely bad. */
const scoreOf = (e: GradcheckEntry, s: GradcheckSettings): number => {
  if (e.absError === 0) return 0
  const r = e.absError / (s.atol + s.rtol * Math.abs(e.numeric))
  return Number.isNaN(r) ? Infinity : r
}

/**
 * The entry for one comparison.
 * @example
 * import { entryOf } from './report.js'
 * entryOf('x', [1], 'out[1]', 1, -2, -4, 1e-3).relError // 0.5
 */
export const entryOf = (input: string, index: readonly number[], output: string, outputIndex: number, analytic: number, numeric: number, step: number): GradcheckEntry => {
  const absError = Math.abs(analytic - numeric)
  return { input, index, output, outputIndex, analytic, numeric, absError, relError: absError / Math.max(Math.abs(numeric), 1e-300), step }
}

/** Collects a check's comparisons and makes the report. */
export interface Tally {
  /** Records a comparison; `refined` when it passed only after the closer look. Returns whether it passed. */
  readonly add: (e: GradcheckEntry, refined?: boolean) => boolean
  readonly kink: (k: GradcheckKink) => void
  readonly report: () => GradcheckReport
}

/**
 * A tally for a check with settings `s`: keeps the `s.top` worst entries (a bounded insertion), counts
 * failures and kinks.
 * @example
 * import { tally } from './report.js'
 * import { entryOf } from './report.js'
 * import { GRADCHECK_DEFAULTS } from './settings.js'
 * const t = tally(GRADCHECK_DEFAULTS)
 * t.add(entryOf('x', [0], 'out', 0, 1, 1, 1e-3)) // true
 * t.add(entryOf('x', [1], 'out', 0, 2, 2.1, 1e-3)) // false
 * t.report().worst.map((e) => e.index) // [[1], [0]]
 */
export const tally = (s: GradcheckSettings): Tally => {
  const worst: { entry: GradcheckEntry; score: number }[] = []
  const kinks: GradcheckKink[] = []
  let [checked, failures, refined] = [0, 0, 0]
  const add = (entry: GradcheckEntry, wasRefined = false): boolean => {
    checked++
    const score = scoreOf(entry, s)
    const pass = score <= 1
    if (!pass) failures++
    else if (wasRefined) refined++
    if (s.top > 0 && (worst.length < s.top || score > worst[worst.length - 1]!.score)) {
      const at = worst.findIndex((w) => score > w.score)
      worst.splice(at === -1 ? worst.length : at, 0, { entry, score })
      if (worst.length > s.top) worst.pop()
    }
    return pass
  }
  const kink = (k: GradcheckKink): void => {
    checked++
    kinks.push(k)
  }
  const report = (): GradcheckReport => {
    const base = { ok: failures === 0, mode: s.mode, order: s.order, checked, failures, refined, worst: worst.map((w) => w.entry), kinks, settings: s }
    return { ...base, summary: summaryOf(base) }
  }
  return { add, kink, report }
}

const where = (e: { readonly input: string; readonly index: readonly number[]; readonly output: string }): string => `${e.input}${fmt(e.index)} -> ${e.output}`

/** The settings in a few words: `full, order 1, eps 0.001 scaled, Richardson, atol 1e-8, rtol 0.00001`. */
const settingsText = (s: GradcheckSettings): string =>
  `${s.mode}${s.mode === 'forward' ? ` ${s.directions}` : ''}, order ${s.order}, eps ${s.eps}${s.scaleStep ? ' scaled' : ''}, ${s.richardson ? 'Richardson' : 'central'}, atol ${s.atol}, rtol ${s.rtol}`

const summaryOf = (r: Omit<GradcheckReport, 'summary'>): string => {
  if (r.checked === 0) return 'gradcheck: nothing to check (no input elements)'
  const counts = `${r.checked} checked, ${r.failures} failed${r.refined > 0 ? `, ${r.refined} passed at a smaller step` : ''}${r.kinks.length > 0 ? `, ${r.kinks.length} at kinks (see kinks)` : ''}`
  const w = r.worst[0]
  const worst = w === undefined ? '' : `; worst: ${where(w)}: analytic ${w.analytic}, numeric ${w.numeric}, abs error ${w.absError.toExponential(2)}, rel error ${w.relError.toExponential(2)}`
  return `gradcheck ${r.ok ? 'passed' : 'FAILED'} (${counts}; ${settingsText(r.settings)})${worst}`
}

/** A number for a table cell: 8 significant digits, exponent form outside [1e-4, 1e6). */
const num = (x: number): string => {
  if (x === 0 || !Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  return a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(8))) : x.toExponential(6)
}

/**
 * The report as text: the summary, a table of the worst elements and, when there are any, a table of
 * the kinks (left and right derivatives).
 * @example
 * import { gradcheck, formatGradcheck, mul, stopGradient, abs } from 'kiln'
 * // x * stopGradient(x): the symbolic derivative is x, the true one 2x
 * const r = gradcheck((x) => mul(x, stopGradient(x)), [{ value: [0.5, -2], shape: [2], name: 'x' }], { top: 3 })
 * formatGradcheck(r).split('\n').slice(2) // ['input  index  output  analytic  numeric  abs error  rel error      step', '-----  -----  ------  --------  -------  ---------  ---------  --------', 'x      [1]    out[1]        -2       -4    2.00e+0    5.00e-1  3.815e-6', 'x      [0]    out[0]       0.5        1    5.00e-1    5.00e-1  1.907e-6', 'x      [0]    out[1]         0        0    0.00e+0    0.00e+0  9.766e-4']
 * // a kink: abs at 0, where left and right derivatives are -1 and 1
 * formatGradcheck(gradcheck((x) => abs(x), [{ value: [0, 2], shape: [2], name: 'x' }])).split('\n').slice(-4) // ['kinks (1):', 'input  index  output  analytic  left  right  central', '-----  -----  ------  --------  ----  -----  -------', 'x      [0]    out[0]         0    -1      1        0']
 */
export const formatGradcheck = (r: GradcheckReport): string => {
  const worst = formatTable(
    ['input', 'index', 'output', 'analytic', 'numeric', 'abs error', 'rel error', 'step'],
    r.worst.map((e) => [e.input, fmt(e.index), e.output, num(e.analytic), num(e.numeric), e.absError.toExponential(2), e.relError.toExponential(2), e.step.toExponential(3)]),
    { align: ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'] },
  )
  const lines = [r.summary, '', worst]
  if (r.kinks.length > 0)
    lines.push('', `kinks (${r.kinks.length}):`, formatTable(
      ['input', 'index', 'output', 'analytic', 'left', 'right', 'central'],
      r.kinks.slice(0, Math.max(r.settings.top, 1)).map((k) => [k.input, fmt(k.index), k.output, num(k.analytic), num(k.left), num(k.right), num(k.numeric)]),
      { align: ['left', 'left', 'left', 'right', 'right', 'right', 'right'] },
    ))
  return lines.join('\n')
}
