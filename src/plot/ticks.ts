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

/** Rounds away float noise such as 0.30000000000000004 (12 significant digits). */
const clean = (v: number): number => (v === 0 ? 0 : Number(v.toPrecision(12)))

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
  return clean(mult * mag)
}

/**
 * Nice linear ticks covering [min, max]: about `target` intervals (at most `target + 1`),
 * spaced by a 1-2-5 step, starting at or below `min` and ending at or above `max`. A zero-width
 * range is widened around its value first.
 * @example
 * import { niceTicks } from 'kiln'
 * niceTicks(0.13, 0.92).ticks // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * niceTicks(3, 97, 4).ticks // [0, 50, 100]
 * niceTicks(5, 5).ticks // [4, 4.5, 5, 5.5, 6]
 */
export const niceTicks = (min: number, max: number, target = 5): Ticks => {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max)
    throw new Error(`niceTicks: range [${min}, ${max}]; expected finite min <= max`)
  if (!Number.isInteger(target) || target < 1)
    throw new Error(`niceTicks: target = ${String(target)}; expected a positive integer number of intervals`)
  let lo = min
  let hi = max
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.2
    lo -= d
    hi += d
  }
  const step = niceStep((hi - lo) / target)
  let first = Math.floor(lo / step)
  let last = Math.ceil(hi / step)
  while (clean(first * step) > lo) first--
  while (clean(last * step) < hi) last++
  const ticks: number[] = []
  for (let i = first; i <= last; i++) ticks.push(clean(i * step))
  return { ticks, step }
}

/**
 * Ticks for a log axis covering [min, max] (both > 0): whole decades, widened to at least one.
 * Up to 2 decades also get 2x and 5x ticks; more than `target` decades keep every few decades.
 * @example
 * import { logTicks } from 'kiln'
 * logTicks(0.02, 3).ticks // [0.01, 0.1, 1, 10]
 * logTicks(0.3, 0.9).ticks // [0.1, 0.2, 0.5, 1]
 * logTicks(1e-9, 1, 4).ticks // [1e-9, 1e-6, 1e-3, 1]
 */
export const logTicks = (min: number, max: number, target = 5): Ticks => {
  if (!(min > 0) || !Number.isFinite(max) || min > max)
    throw new Error(`logTicks: range [${min}, ${max}]; expected finite 0 < min <= max`)
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
    for (let e = lo; e < hi; e++) for (const m of [1, 2, 5]) ticks.push(clean(m * 10 ** e))
    ticks.push(clean(10 ** hi))
    return { ticks, step: 1 }
  }
  const every = Math.ceil(decades / target)
  const first = Math.floor(lo / every) * every
  const last = Math.ceil(hi / every) * every
  const ticks: number[] = []
  for (let e = first; e <= last; e += every) ticks.push(clean(10 ** e))
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
