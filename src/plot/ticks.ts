/**
 * Axis ticks: "nice" linear ticks by the 1-2-5 rule, decade ticks for log axes, tick labels.
 * @module
 */

/** Ticks of an axis: the tick values (ascending) and the step between them. */
export interface Ticks {
  readonly ticks: readonly number[]
  /** Linear axes: the tick spacing (1, 2 or 5 times a power of ten). Log axes: decades per major tick. */
  readonly step: number
}

/**
 * Largest magnitude (and, for log axes, inverse of the smallest) that ticks support; charts skip
 * points beyond it.
 * @example
 * import { LIMIT } from './ticks.js'
 * LIMIT // 1e300
 */
export const LIMIT = 1e300

/** Rounds away float noise such as 0.30000000000000004, keeping 3 digits below `step`. */
const clean = (v: number, step: number): number => {
  if (v === 0) return 0
  const digits = Math.min(17, Math.max(1, Math.ceil(Math.log10(Math.abs(v) / step)) + 3))
  return Number(v.toPrecision(digits))
}

/**
 * The smallest step of the form 1, 2 or 5 times a power of ten that is at least `raw`.
 * @example
 * import { niceStep } from 'kiln'
 * niceStep(0.13) // 0.2
 * niceStep(3) // 5
 * niceStep(7) // 10
 */
export const niceStep = (raw: number): number => {
  if (!(raw > 0 && Number.isFinite(raw))) throw new Error(`niceStep: raw = ${String(raw)}; expected a finite number > 0`)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  // Math.log10 can land one decade low for exact powers of ten; the 10 branch absorbs that.
  const mult = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10
  return Number((mult * mag).toPrecision(1))
}

/**
 * Nice linear ticks covering [min, max]: about `target` intervals (at most `target + 1`),
 * spaced by a 1-2-5 step, starting at or below `min` and ending at or above `max`. A zero-width
 * (or float-noise-width) range is widened around its value first. Values must lie within ±1e300.
 * @example
 * import { niceTicks } from 'kiln'
 * niceTicks(0.13, 0.92).ticks // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * niceTicks(3, 97, 4).ticks // [0, 50, 100]
 * niceTicks(5, 5).ticks // [4, 4.5, 5, 5.5, 6]
 */
export const niceTicks = (min: number, max: number, target = 5): Ticks => {
  if (!(Math.abs(min) <= LIMIT && Math.abs(max) <= LIMIT && min <= max))
    throw new Error(`niceTicks: range [${min}, ${max}]; expected min <= max within ±1e300`)
  if (!Number.isInteger(target) || target < 1)
    throw new Error(`niceTicks: target = ${String(target)}; expected a positive integer number of intervals`)
  let lo = min
  let hi = max
  // A range too narrow for float64 ticks (or empty) is widened around its centre.
  const mag = Math.max(Math.abs(lo), Math.abs(hi))
  if (hi - lo <= Math.max(mag * 1e-9, 1e-290)) {
    const c = lo / 2 + hi / 2
    const d = Math.abs(c) < 1e-290 ? 1 : Math.abs(c) * 0.2
    lo = c - d
    hi = c + d
  }
  const step = niceStep((hi - lo) / target)
  let first = Math.floor(lo / step)
  let last = Math.ceil(hi / step)
  while (clean(first * step, step) > lo) first--
  while (clean(last * step, step) < hi) last++
  const ticks: number[] = []
  for (let i = first; i <= last; i++) ticks.push(clean(i * step, step))
  return { ticks, step }
}

/** m * 10^e without float noise (`3 * 10 ** -1` is 0.30000000000000004; `Number('3e-1')` is 0.3). */
const pow = (m: number, e: number): number => Number(`${m}e${e}`)

/**
 * Ticks for a log axis covering [min, max] (both in [1e-300, 1e300]): whole decades, widened to
 * at least one.
 * Up to 2 decades also get 2x and 5x ticks; more than `target` decades keep every few decades.
 * @example
 * import { logTicks } from 'kiln'
 * logTicks(0.02, 3).ticks // [0.01, 0.1, 1, 10]
 * logTicks(0.3, 0.9).ticks // [0.1, 0.2, 0.5, 1]
 * logTicks(1e-9, 1, 4).ticks // [1e-9, 1e-6, 1e-3, 1]
 */
export const logTicks = (min: number, max: number, target = 5): Ticks => {
  if (!(min >= 1 / LIMIT && max <= LIMIT && min <= max))
    throw new Error(`logTicks: range [${min}, ${max}]; expected 1e-300 <= min <= max <= 1e300`)
  if (!Number.isInteger(target) || target < 1)
    throw new Error(`logTicks: target = ${String(target)}; expected a positive integer number of intervals`)
  let lo = Math.floor(Math.log10(min))
  let hi = Math.ceil(Math.log10(max))
  if (10 ** lo > min) lo--
  if (10 ** hi < max) hi++
  if (hi === lo) hi++
  const decades = hi - lo
  if (decades <= 2) {
    const ticks: number[] = []
    for (let e = lo; e < hi; e++) for (const m of [1, 2, 5]) ticks.push(pow(m, e))
    ticks.push(pow(1, hi))
    return { ticks, step: 1 }
  }
  const every = Math.ceil(decades / target)
  let first = Math.floor(lo / every) * every
  let last = Math.ceil(hi / every) * every
  // Near the float64 limits, start at lo instead (and end exactly at hi if the steps overshoot).
  if (first < -300 || last > 300) [first, last] = [lo, hi]
  const ticks: number[] = []
  for (let e = first; e <= last; e += every) ticks.push(pow(1, e))
  if (ticks[ticks.length - 1]! < pow(1, last)) ticks.push(pow(1, last))
  return { ticks, step: every }
}

/**
 * A tick label: plain decimals with just enough digits for `step`, exponent form for very large
 * or very small magnitudes, `-0` printed as `0`.
 * @example
 * import { formatTick } from 'kiln'
 * formatTick(0.30000000000000004, 0.1) // '0.3'
 * formatTick(2500, 500) // '2500'
 * formatTick(2e-7, 1e-7) // '2e-7'
 * formatTick(3000000, 1000000) // '3e+6'
 */
export const formatTick = (v: number, step: number): string => {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e6 || a < 1e-4) {
    const [mantissa, exponent] = v.toExponential(6).split('e')
    return `${Number(mantissa)}e${exponent}`
  }
  const decimals = step > 0 && Number.isFinite(step) ? Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) : 0
  const s = v.toFixed(Math.min(decimals, 20))
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}
