/**
 * Smoothing a series before plotting it (a noisy per-batch loss, daily temperatures): the exponentially
 * weighted moving average with optional bias correction.
 * @module
 */
import { ArgumentError, checkOptionKinds, describeValue, requireNumber, type OptionKinds } from '../options.js'

/** Options of `ewma`. */
export interface EwmaOptions {
  /** Divide by `1 - beta^t` so the first values are not pulled towards 0 (default true). */
  readonly biasCorrection?: boolean
}

const EWMA_OPTIONS: OptionKinds<EwmaOptions> = { biasCorrection: 'boolean' }

const checkSeries = (series: ArrayLike<number>): void => {
  if (typeof series !== 'object' || series === null || !Number.isSafeInteger(series.length) || series.length < 0)
    throw new ArgumentError('ewma', 'series', `expected an array of numbers, got ${describeValue(series)}`)
  for (let i = 0; i < series.length; i++) {
    const x: unknown = series[i]
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ArgumentError('ewma', `series[${i}]`, `expected a finite number, got ${describeValue(x)}`)
  }
}

/**
 * The exponentially weighted moving average of `series`: `v_t = beta v_(t-1) + (1 - beta) x_t` from
 * `v_0 = 0` (t = 1, 2, ...), roughly the mean of the last `1 / (1 - beta)` values. With `biasCorrection`
 * (default true) each value is `v_t / (1 - beta^t)`, the average of the values seen so far with weights
 * `beta^(t-i)`; it is computed as the running weighted mean `m_t = m_(t-1) + (x_t - m_(t-1)) (1 - beta) / (1 - beta^t)`,
 * equal in exact arithmetic, because dividing the rounded `v_t` drifts by hundreds of ulps for beta near 1
 * while the running mean of a constant series is that constant exactly. `beta = 0` returns the series.
 * Throws a `RangeError` for `beta` outside [0, 1) and an `ArgumentError` naming the index of a value
 * that is not a finite number.
 * @example
 * import { ewma } from 'kiln'
 * ewma([1, 2, 3], 0.5, { biasCorrection: false }) // Float64Array.of(0.5, 1.25, 2.125)
 * ewma([1, 2, 3], 0.5) // Float64Array.of(1, 5 / 3, 17 / 7)
 * ewma([4, 4, 4], 0.9) // Float64Array.of(4, 4, 4)
 */
export const ewma = (series: ArrayLike<number>, beta: number, options: EwmaOptions = {}): Float64Array => {
  const { biasCorrection = true } = checkOptionKinds('ewma', options, EWMA_OPTIONS)
  requireNumber('ewma', 'beta', beta)
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`ewma: beta must be in [0, 1), got ${beta}`)
  checkSeries(series)
  const out = new Float64Array(series.length)
  let v = 0
  let betaT = 1
  for (let t = 0; t < series.length; t++) {
    const x = series[t]!
    if (!biasCorrection) {
      v = beta * v + (1 - beta) * x
    } else {
      betaT *= beta
      // The weight of the new value: exactly 1 at the first step and for beta 0, where the value is taken as is
      // (m + (x - m) can differ from x by rounding).
      const r = (1 - beta) / (1 - betaT)
      v = r === 1 ? x : v + (x - v) * r
    }
    out[t] = v
  }
  return out
}
