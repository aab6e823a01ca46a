/**
 * Finite differences along a line `t -> F(x + t d)` (every output at once): central differences with
 * or without Richardson extrapolation, second-order one-sided differences for kinks, and the closer
 * look (`probeLine`) at three step sizes.
 * @module
 */

/** `F(x + t d)` for the direction being checked: every compared output at once. */
export type Line = (t: number) => Float64Array

/** Values of the line at `+-s` and `+-2s` (`two` absent for plain central differences, which use `+-s` only). */
export interface LinePoints {
  readonly s: number
  readonly plus: Float64Array
  readonly minus: Float64Array
  readonly plus2?: Float64Array
  readonly minus2?: Float64Array
}

/**
 * The points a derivative estimate with outer step `h` reads: `+-h/2` and `+-h` with Richardson, `+-h`
 * without.
 * @example
 * import { linePoints } from './numeric.js'
 * const p = linePoints((t) => Float64Array.of(t * t), 0.5, true)
 * p.s // 0.25
 * p.plus // Float64Array.of(0.0625)
 * p.minus2 // Float64Array.of(0.25)
 */
export const linePoints = (line: Line, h: number, richardson: boolean): LinePoints =>
  richardson ? { s: h / 2, plus: line(h / 2), minus: line(-h / 2), plus2: line(h), minus2: line(-h) } : { s: h, plus: line(h), minus: line(-h) }

/**
 * The derivative at `t = 0` for every output: `(4 D(s) - D(2s)) / 3` with `D(s) = (F(s) - F(-s)) / 2s`
 * (truncation error `s^4 |F^(5)| / 30`) when the points have `+-2s`, else `D(s)`.
 * @example
 * import { centralDerivative, linePoints } from './numeric.js'
 * const fifth = (t: number) => Float64Array.of((1 + t) ** 5)
 * Math.abs(centralDerivative(linePoints(fifth, 1e-2, true))[0]! - 5) < 1e-8 // true
 * Math.abs(centralDerivative(linePoints(fifth, 1e-2, false))[0]! - 5) > 1e-4 // true
 */
export const centralDerivative = (p: LinePoints): Float64Array => {
  const { s, plus, minus, plus2, minus2 } = p
  return plus.map((_, j) => {
    const d1 = (plus[j]! - minus[j]!) / (2 * s)
    if (plus2 === undefined || minus2 === undefined) return d1
    const d2 = (plus2[j]! - minus2[j]!) / (4 * s)
    return (4 * d1 - d2) / 3
  })
}

/** Left and right derivatives at `t = 0`, one entry per output, and the rounding noise of their difference. */
export interface OneSided {
  readonly left: Float64Array
  readonly right: Float64Array
  /** About how far apart rounding alone can put `left` and `right`: `16 u max|F| / s`. */
  readonly noise: Float64Array
}

/** float64's unit roundoff. */
const U = 2 ** -53

/**
 * Second-order one-sided derivatives from `F(0)`, `F(+-s)`, `F(+-2s)`: `(4 (F(s) - F(0)) - (F(2s) - F(0))) / 2s`
 * on the right and its mirror on the left (differences first, so outputs that do not move give exactly
 * 0). For a smooth `F` they differ by about `s^3 |F''''| / 2`; at a kink by the jump of the derivative,
 * whatever the step.
 * @example
 * import { oneSided, linePoints } from './numeric.js'
 * const absLine = (t: number) => Float64Array.of(Math.abs(t))
 * const { left, right } = oneSided(Float64Array.of(0), linePoints(absLine, 0.1, true))
 * left // Float64Array.of(-1)
 * right // Float64Array.of(1)
 */
export const oneSided = (f0: Float64Array, p: LinePoints): OneSided => {
  const { s, plus, minus } = p
  const plus2 = p.plus2 ?? new Float64Array(plus.length).fill(Number.NaN)
  const minus2 = p.minus2 ?? new Float64Array(plus.length).fill(Number.NaN)
  return {
    left: f0.map((f, j) => (4 * (f - minus[j]!) - (f - minus2[j]!)) / (2 * s)),
    right: f0.map((f, j) => (4 * (plus[j]! - f) - (plus2[j]! - f)) / (2 * s)),
    noise: f0.map((f, j) => (16 * U * Math.max(Math.abs(f), Math.abs(plus[j]!), Math.abs(minus[j]!), Math.abs(plus2[j]!), Math.abs(minus2[j]!))) / s),
  }
}

/**
 * True when `a` and `b` agree within `atol + rtol * max(|a|, |b|) + noise` (never for a NaN).
 * @example
 * import { agree } from './numeric.js'
 * agree(1, 1 + 1e-9, 1e-8, 1e-5) // true
 * agree(0, 1, 1e-8, 1e-5) // false
 */
export const agree = (a: number, b: number, atol: number, rtol: number, noise = 0): boolean =>
  Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b)) + noise

/** What the closer look found for one output: a kink, or a better estimate at a smaller step. */
export interface ProbeResult {
  /** Left and right derivatives at the smallest step. */
  readonly left: number
  readonly right: number
  /** Left and right, both finite, stay apart at every step size (they do not close as a smooth function's do). */
  readonly kink: boolean
  /** The best central estimate: at the step where it changed least from the step before (Ridders' error estimate), and that step. */
  readonly numeric: number
  readonly step: number
}

/** The step sizes of the closer look, as fractions of the outer step (powers of two keep the points exact). */
const PROBE_FRACTIONS = [1, 1 / 8, 1 / 64, 1 / 512] as const

/** Whether output `j` looks like a kink at every level: apart beyond tolerance and rounding, and not closing as the step shrinks. */
const kinkAt = (looks: readonly OneSided[], j: number, atol: number, rtol: number): boolean => {
  const gap = (l: OneSided) => Math.abs(l.left[j]! - l.right[j]!)
  const apart = looks.every((l) => Number.isFinite(gap(l)) && !agree(l.left[j]!, l.right[j]!, atol, rtol, l.noise[j]!))
  // a smooth function's gap shrinks 512 times per level (s^3); a kink's stays
  return apart && gap(looks[looks.length - 1]!) >= gap(looks[0]!) / 4
}

/**
 * The closer look at a direction whose check failed or whose one-sided differences disagreed: left and
 * right derivatives (second-order one-sided) and the central estimate at outer steps `h`, `h/8`, `h/64`,
 * `h/512` (as Chainer's `detect_nondifferentiable` looks at several points on each side). Left and right
 * that stay apart at every step are a kink at `t = 0`; otherwise the central estimate that changed least
 * from the step before is the better number (the outer step straddled a nearby kink or a pole, or met
 * large higher derivatives). Sixteen evaluations of the line.
 * @example
 * import { probeLine } from './numeric.js'
 * const relu = (t: number) => Float64Array.of(Math.max(1e-9 + t, 0))
 * const [r] = probeLine(relu, Float64Array.of(1e-9), 1e-3, true, 1e-8, 1e-5)
 * r!.kink // true
 * r!.left < 2e-3 && r!.right === 1 // true
 * const smooth = (t: number) => Float64Array.of(Math.exp(t))
 * probeLine(smooth, Float64Array.of(1), 1e-3, true, 1e-8, 1e-5)[0]!.kink // false
 * // 1/x at 5e-4: the outer step 1e-3 crosses the pole; a smaller step finds -1/x^2
 * const recip = (t: number) => Float64Array.of(1 / (5e-4 + t))
 * Math.abs(probeLine(recip, Float64Array.of(2000), 1e-3, true, 1e-8, 1e-5)[0]!.numeric + 4e6) < 1 // true
 */
export const probeLine = (line: Line, f0: Float64Array, h: number, richardson: boolean, atol: number, rtol: number): ProbeResult[] => {
  const looks = PROBE_FRACTIONS.map((fr) => {
    const p = linePoints(line, h * fr, true)
    return { ...oneSided(f0, p), central: centralDerivative(richardson ? p : { s: p.s, plus: p.plus, minus: p.minus }), step: richardson ? h * fr : p.s }
  })
  const last = looks[looks.length - 1]!
  return Array.from(f0, (_, j) => {
    const change = (k: number) => Math.abs(looks[k]!.central[j]! - looks[k - 1]!.central[j]!)
    let best = 1
    for (let i = 2; i < looks.length; i++) if (!(change(i) > change(best))) best = i
    return { left: last.left[j]!, right: last.right[j]!, kink: kinkAt(looks, j, atol, rtol), numeric: looks[best]!.central[j]!, step: looks[best]!.step }
  })
}
