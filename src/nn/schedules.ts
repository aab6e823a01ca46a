/**
 * Learning-rate schedules: functions of the step tensor (the number of updates already applied: 0 for
 * the first update), so a training step with a schedule is still one graph fed a new step each time.
 * @module
 */
import { add, div, minimum, mul, pow, sub } from '../api.js'
import { type Tensor } from '../tensor.js'
import { scalar } from '../make.js'
import { ArgumentError, checkOptionKinds, describeValue, requireNumber, type OptionKinds } from '../options.js'

/** A learning rate as a function of the (scalar, 0-based) step tensor. */
export type Schedule = (step: Tensor) => Tensor
/** A fixed learning rate or a schedule; every optimizer accepts either. */
export type LearningRate = number | Schedule

const checkRate = (who: string, name: string, v: number, lo = 0): void => {
  if (!(Number.isFinite(v) && v >= lo)) throw new RangeError(`${who}: ${name} must be a finite number >= ${lo}, got ${v}`)
}

/**
 * The learning rate at `step` as a tensor.
 * @example
 * import { lrAt, scalar, evaluate } from 'kiln'
 * evaluate([lrAt(0.1, scalar(5))], {})[0]![0] // 0.1
 */
export const lrAt = (lr: LearningRate, step: Tensor): Tensor => (typeof lr === 'number' ? scalar(lr) : lr(step))

/**
 * A constant learning rate.
 * @example
 * import { constantSchedule, scalar, evaluate } from 'kiln'
 * evaluate([constantSchedule(0.1)(scalar(7))], {})[0]![0] // 0.1
 */
export const constantSchedule = (lr: number): Schedule => {
  checkRate('constantSchedule', 'lr', lr)
  return () => scalar(lr)
}

/** 1.5 * 2^52: adding and subtracting it rounds a float of magnitude < 2^51 to the nearest integer (IEEE). */
const ROUNDER = 6755399441055744

/**
 * `floor(step / every)` for integer `step >= 0` and integer `every >= 1`, with the graph's primitive ops:
 * `(step - (every - 1) / 2) / every` lies strictly within 1/2 of the quotient, and IEEE round-to-nearest
 * of `x + 1.5 * 2^52` rounds it to that integer (exact for steps below 2^50). A compiler must not fold
 * `(x + c) - c` to `x`.
 * @example
 * import { floorDiv, scalar, evaluate } from 'kiln'
 * evaluate([floorDiv(scalar(7), 3)], {})[0]![0] // 2
 */
export const floorDiv = (step: Tensor, every: number): Tensor => {
  if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`floorDiv: every must be a positive integer, got ${every}`)
  return sub(add(div(sub(step, (every - 1) / 2), every), ROUNDER), ROUNDER)
}

/**
 * `lr * gamma^floor(step / every)` (PyTorch's `StepLR`).
 * @example
 * import { stepDecay, scalar, evaluate } from 'kiln'
 * evaluate([stepDecay(1, 10, 0.5)(scalar(25))], {})[0]![0] // 0.25
 */
export const stepDecay = (lr: number, every: number, gamma: number): Schedule => {
  checkRate('stepDecay', 'lr', lr)
  checkRate('stepDecay', 'gamma', gamma)
  if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`stepDecay: every must be a positive integer, got ${every}`)
  return (step) => mul(pow(gamma, floorDiv(step, every)), lr)
}

/**
 * `lr * rate^step` (PyTorch's `ExponentialLR` with `gamma = rate`).
 * @example
 * import { exponentialDecay, scalar, evaluate } from 'kiln'
 * evaluate([exponentialDecay(1, 0.5)(scalar(3))], {})[0]![0] // 0.125
 */
export const exponentialDecay = (lr: number, rate: number): Schedule => {
  checkRate('exponentialDecay', 'lr', lr)
  if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`exponentialDecay: rate must be a finite number > 0, got ${rate}`)
  return (step) => mul(pow(rate, step), lr)
}

/**
 * `lr / (1 + k * step)`.
 * @example
 * import { inverseTimeDecay, scalar, evaluate } from 'kiln'
 * evaluate([inverseTimeDecay(1, 0.5)(scalar(2))], {})[0]![0] // 0.5
 */
export const inverseTimeDecay = (lr: number, k: number): Schedule => {
  checkRate('inverseTimeDecay', 'lr', lr)
  checkRate('inverseTimeDecay', 'k', k)
  return (step) => div(lr, add(mul(step, k), 1))
}

/** Taylor coefficients of sin(x) = sum_j (-1)^j x^(2j+1) / (2j+1)!, enough for |x| <= pi/2 in float64. */
const SIN_COEFFS = Array.from({ length: 12 }, (_, j) => {
  let f = 1
  for (let i = 2; i <= 2 * j + 1; i++) f *= i
  return (j % 2 === 0 ? 1 : -1) / f
})

/**
 * `cos(pi * u)` for `u` in [0, 1] (no trigonometric op in the graph): `-sin(pi (u - 1/2))` by its Taylor
 * series to degree 23 (truncation error below 1e-20 for |x| <= pi/2), evaluated with Horner's rule.
 * @example
 * import { cosPi, scalar, evaluate } from 'kiln'
 * Math.abs(evaluate([cosPi(scalar(1 / 3))], {})[0]![0]! - 0.5) < 1e-15 // true
 */
export const cosPi = (u: Tensor): Tensor => {
  const x: Tensor = mul(sub(u, 0.5), Math.PI)
  const x2: Tensor = mul(x, x)
  const poly = SIN_COEFFS.slice(0, -1).reduceRight<Tensor>((acc, c) => add(mul(acc, x2), c), scalar(SIN_COEFFS[SIN_COEFFS.length - 1]!))
  return mul(mul(poly, x), -1)
}

/**
 * Cosine decay from `lr` to `floor` over `steps` steps, then `floor` (PyTorch's `CosineAnnealingLR`
 * with `eta_min = floor` for the first half-period, clamped like Optax's `cosine_decay_schedule`):
 * `floor + (lr - floor) (1 + cos(pi min(step, steps) / steps)) / 2`.
 * @example
 * import { cosineDecay, scalar, evaluate } from 'kiln'
 * evaluate([cosineDecay(1, 10, 0.1)(scalar(10))], {})[0]![0] // 0.1
 */
export const cosineDecay = (lr: number, steps: number, floor = 0): Schedule => {
  checkRate('cosineDecay', 'lr', lr)
  checkRate('cosineDecay', 'floor', floor)
  if (!(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`cosineDecay: steps must be a positive integer, got ${steps}`)
  return (step) => add(mul(add(cosPi(div(minimum(step, steps), steps)), 1), (lr - floor) / 2), floor)
}

const positiveInteger = (who: string, name: string, v: number): void => {
  requireNumber(who, name, v)
  if (!(Number.isSafeInteger(v) && v >= 1)) throw new RangeError(`${who}: ${name} must be a positive integer, got ${v}`)
}

/**
 * How many steps `fit` takes per epoch: `ceil(rows / batchSize)` (the last batch holds the remainder
 * rows when `batchSize` does not divide `rows`). The `stepsPerEpoch` of {@link perEpoch}.
 * @example
 * import { batchesPerEpoch } from 'kiln'
 * batchesPerEpoch(10, 4) // 3
 * batchesPerEpoch(8, 4) // 2
 */
export const batchesPerEpoch = (rows: number, batchSize: number): number => {
  positiveInteger('batchesPerEpoch', 'rows', rows)
  positiveInteger('batchesPerEpoch', 'batchSize', batchSize)
  return Math.ceil(rows / batchSize)
}

/** Options of `perEpoch`. */
export interface PerEpochOptions {
  /** The epoch number the schedule sees during the first epoch: 0 (default) or 1 for 1-based numbering; an integer >= 0. */
  readonly firstEpoch?: number
}

const PER_EPOCH_OPTIONS: OptionKinds<PerEpochOptions> = { firstEpoch: 'number' }

/**
 * A schedule of the epoch number as a schedule of the step: at the 0-based step `s` the rate is
 * `schedule(firstEpoch + floor(s / stepsPerEpoch))`, so it changes only when an epoch starts
 * (`stepsPerEpoch` is `fit`'s number of batches, {@link batchesPerEpoch}). `schedule` receives the epoch
 * number as a scalar integer tensor, so any schedule above (or a function of it) counts epochs instead.
 *
 * Epoch numbers: by default the first epoch is epoch 0, so `perEpoch(inverseTimeDecay(alpha0, decayRate), n)`
 * trains epoch `e` (0-based) at `alpha0 / (1 + decayRate e)`, the first one at `alpha0`. The course's
 * `alpha = alpha0 / (1 + decayRate * epoch_num)` counts epochs from 1 (its first epoch already runs at
 * `alpha0 / (1 + decayRate)`): that is `firstEpoch: 1`. (The course's notebook sets the rate after each
 * epoch from the 0-based index just finished, so its epochs run at alpha0, alpha0, alpha0 / (1 + decayRate), ...:
 * `perEpoch((e) => schedule(maximum(sub(e, 1), 0)), n)`.)
 *
 * Fixed-interval decay `alpha0 / (1 + decayRate floor(epoch / timeInterval))` is the schedule of
 * `floorDiv(epoch, timeInterval)`: `perEpoch((e) => inverseTimeDecay(alpha0, decayRate)(floorDiv(e, timeInterval)), n)`
 * (with `firstEpoch` 0 this is also `perEpoch(inverseTimeDecay(alpha0, decayRate), n * timeInterval)`).
 * @example
 * import { perEpoch, inverseTimeDecay, floorDiv, scalar, evaluate, type Schedule } from 'kiln'
 * const rates = (lr: Schedule, steps: number[]) => steps.map((s) => evaluate([lr(scalar(s))], {})[0]![0])
 * rates(perEpoch(inverseTimeDecay(0.2, 1), 3), [0, 2, 3, 6]) // [0.2, 0.2, 0.1, 0.2 / 3]
 * rates(perEpoch(inverseTimeDecay(0.2, 1), 3, { firstEpoch: 1 }), [0, 3]) // [0.1, 0.2 / 3]
 * // decayed every 2 epochs:
 * rates(perEpoch((e) => inverseTimeDecay(0.2, 1)(floorDiv(e, 2)), 3), [5, 6]) // [0.2, 0.1]
 */
export const perEpoch = (schedule: Schedule, stepsPerEpoch: number, options: PerEpochOptions = {}): Schedule => {
  const { firstEpoch = 0 } = checkOptionKinds('perEpoch', options, PER_EPOCH_OPTIONS)
  if (typeof schedule !== 'function')
    throw new ArgumentError('perEpoch', 'schedule', `expected a schedule (step) => Tensor, got ${describeValue(schedule)}`)
  positiveInteger('perEpoch', 'stepsPerEpoch', stepsPerEpoch)
  if (!(Number.isSafeInteger(firstEpoch) && firstEpoch >= 0)) throw new RangeError(`perEpoch: firstEpoch must be an integer >= 0, got ${firstEpoch}`)
  return (step) => {
    const epoch = floorDiv(step, stepsPerEpoch)
    return schedule(firstEpoch === 0 ? epoch : add(epoch, firstEpoch))
  }
}
