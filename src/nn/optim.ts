/**
 * The torch.optim optimizers as gradient transformations, following PyTorch's documented update
 * formulas, hyperparameter names and defaults. Notation: `g` gradient, `p` parameter, `t = step + 1`
 * (PyTorch's 1-based step), `lr_t` the learning rate (a number or a schedule of the 0-based step).
 * Every optimizer returns the update `-lr_t * direction` to be added with `applyUpdates`. An unknown
 * option (`{ betas: ... }` for `adam`) or a value of the wrong kind throws an `ArgumentError` naming it;
 * a value out of range a `RangeError`.
 * @module
 */
import { add, div, equal, mul, neg, pow, sqrt, square, sub, where } from '../api.js'
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from '../options.js'
import type { Tensor } from '../tensor.js'
import { lrAt, type LearningRate } from './schedules.js'
import { defineOptimizer, perLeaf, type Optimizer } from './transform.js'

const checkLr = (who: string, lr: LearningRate): void => {
  if (typeof lr !== 'number' && typeof lr !== 'function')
    throw new ArgumentError(who, 'lr', `expected a number or a schedule (step) => Tensor, got ${describeValue(lr)}`)
  if (typeof lr === 'number' && !(Number.isFinite(lr) && lr >= 0)) throw new RangeError(`${who}: lr must be a finite number >= 0 or a schedule, got ${lr}`)
}
const checkIn = (who: string, name: string, v: number, lo: number, hi: number, hiOpen = false): void => {
  if (!(v >= lo && (hiOpen ? v < hi : v <= hi))) throw new RangeError(`${who}: ${name} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`)
}
const coupledDecay = (g: Tensor, p: Tensor, wd: number): Tensor => (wd === 0 ? g : add(g, mul(p, wd)))

/** Options of `sgd` (torch.optim.SGD). */
export interface SgdOptions {
  readonly momentum?: number
  readonly dampening?: number
  readonly nesterov?: boolean
  readonly weightDecay?: number
  /** `'torch'` (default): PyTorch's momentum buffer; `'average'`: the course's average of gradients (see `sgd`). */
  readonly momentumForm?: 'torch' | 'average'
}

const SGD_OPTIONS: OptionKinds<SgdOptions> = { momentum: 'number', dampening: 'number', nesterov: 'boolean', weightDecay: 'number', momentumForm: 'string' }

const MOMENTUM_FORMS: readonly string[] = ['torch', 'average']

/** Refuses what the course's averaged momentum does not define (it has no dampening or Nesterov step of its own). */
const checkAverage = (momentum: number, dampening: number, nesterov: boolean): void => {
  if (!(momentum > 0 && momentum < 1)) throw new RangeError(`sgd: momentum must be in (0, 1) with momentumForm 'average', got ${momentum}`)
  if (dampening !== 0) throw new RangeError("sgd: dampening does not apply to momentumForm 'average' (the average already weighs the gradient by 1 - momentum)")
  if (nesterov) throw new RangeError("sgd: nesterov needs momentumForm 'torch'")
}

/**
 * Stochastic gradient descent (torch.optim.SGD; defaults momentum 0, dampening 0, weightDecay 0):
 * `g <- g + weightDecay * p`, then with momentum `mu`, by `momentumForm`:
 * - `'torch'` (default, PyTorch): `b <- g` at the first step, else `b <- mu * b + (1 - dampening) * g`, and
 *   `g <- g + mu * b` (nesterov) or `g <- b`; then `p <- p - lr_t * g`. State `sgd.momentum.<path>`.
 * - `'average'` (the course's momentum, `beta = mu`): `v <- beta * v + (1 - beta) * g` from `v = 0`, with no
 *   special first step; then `p <- p - lr_t * v`. State `sgd.velocity.<path>`. Needs `0 < momentum < 1`;
 *   dampening and nesterov are refused.
 *
 * The two agree up to a factor: with dampening 0, `b_t = sum_{i<=t} mu^(t-i) g_i` (the first-step rule
 * `b_1 = g_1` is the recurrence from `b_0 = 0`), and `v_t = (1 - beta) b_t` at every step, the first
 * included. So `'average'` with `lr` takes the steps of `'torch'` with `lr * (1 - beta)`, and `'torch'` with
 * `lr` those of `'average'` with `lr / (1 - beta)` (in exact arithmetic; the roundings differ). Dampening
 * `beta` is not the average: `b_1 = g_1` then gives `b_t = v_t + beta^t g_1`.
 * Without momentum: `p <- p - lr_t * g`, no state.
 * @example
 * import { sgd } from 'kiln'
 * sgd(0.1, { momentum: 0.9 }).init({ w: Float64Array.of(1) }) // { sgd: { momentum: { w: Float64Array.of(0) } } }
 * sgd(0.1, { momentum: 0.9, momentumForm: 'average' }).init({ w: Float64Array.of(1) }) // { sgd: { velocity: { w: Float64Array.of(0) } } }
 */
export const sgd = (lr: LearningRate, options: SgdOptions = {}): Optimizer => {
  const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0, momentumForm = 'torch' } = checkOptionKinds('sgd', options, SGD_OPTIONS)
  checkLr('sgd', lr)
  if (!MOMENTUM_FORMS.includes(momentumForm))
    throw new ArgumentError('sgd', 'momentumForm', `expected 'torch' or 'average', got ${describeValue(momentumForm)}`)
  checkIn('sgd', 'momentum', momentum, 0, 1)
  checkIn('sgd', 'dampening', dampening, 0, 1)
  checkIn('sgd', 'weightDecay', weightDecay, 0, Infinity)
  const average = momentumForm === 'average'
  if (average) checkAverage(momentum, dampening, nesterov)
  if (nesterov && (momentum === 0 || dampening !== 0)) throw new RangeError('sgd: nesterov needs momentum > 0 and dampening 0')
  return defineOptimizer(
    'sgd',
    average ? { velocity: 0 } : momentum > 0 ? { momentum: 0 } : {},
    perLeaf((g0, s, p, step) => {
      const g = coupledDecay(g0, p, weightDecay)
      const rate = neg(lrAt(lr, step))
      if (average) {
        const v: Tensor = add(mul(s.velocity!, momentum), mul(g, 1 - momentum))
        return { update: mul(v, rate), slots: { velocity: v } }
      }
      if (momentum === 0) return { update: mul(g, rate), slots: {} }
      const running: Tensor = add(mul(s.momentum!, momentum), mul(g, 1 - dampening))
      const b: Tensor = dampening === 0 ? running : where(equal(step, 0), g, running)
      return { update: mul(nesterov ? add(g, mul(b, momentum)) : b, rate), slots: { momentum: b } }
    }),
    { learningRate: lr },
  )
}

/** Options of `rmsprop` (torch.optim.RMSprop). */
export interface RmspropOptions {
  readonly alpha?: number
  readonly eps?: number
  readonly weightDecay?: number
  readonly momentum?: number
  readonly centered?: boolean
}

const RMSPROP_OPTIONS: OptionKinds<RmspropOptions> = { alpha: 'number', eps: 'number', weightDecay: 'number', momentum: 'number', centered: 'boolean' }

/**
 * RMSprop (torch.optim.RMSprop; defaults alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false):
 * `g <- g + weightDecay * p`; `v <- alpha v + (1 - alpha) g^2`; centered: `gAvg <- alpha gAvg + (1 - alpha) g`,
 * `v~ = v - gAvg^2`, else `v~ = v`; with momentum `mu`: `b <- mu b + g / (sqrt(v~) + eps)`, `p <- p - lr_t b`;
 * else `p <- p - lr_t g / (sqrt(v~) + eps)`. Note eps is outside the square root.
 * State `rmsprop.squareAvg`, `rmsprop.gradAvg` (centered), `rmsprop.momentum` (momentum > 0).
 * @example
 * import { rmsprop } from 'kiln'
 * Object.keys(rmsprop(0.01, { centered: true }).init({ w: Float64Array.of(1) }).rmsprop!) // ['squareAvg', 'gradAvg']
 */
export const rmsprop = (lr: LearningRate, options: RmspropOptions = {}): Optimizer => {
  const { alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false } = checkOptionKinds('rmsprop', options, RMSPROP_OPTIONS)
  checkLr('rmsprop', lr)
  checkIn('rmsprop', 'alpha', alpha, 0, 1)
  checkIn('rmsprop', 'eps', eps, 0, Infinity)
  checkIn('rmsprop', 'momentum', momentum, 0, 1)
  checkIn('rmsprop', 'weightDecay', weightDecay, 0, Infinity)
  return defineOptimizer(
    'rmsprop',
    { squareAvg: 0, ...(centered ? { gradAvg: 0 } : {}), ...(momentum > 0 ? { momentum: 0 } : {}) },
    perLeaf((g0, s, p, step) => {
      const g = coupledDecay(g0, p, weightDecay)
      const v: Tensor = add(mul(s.squareAvg!, alpha), mul(square(g), 1 - alpha))
      const gAvg: Tensor | undefined = centered ? add(mul(s.gradAvg!, alpha), mul(g, 1 - alpha)) : undefined
      const denom: Tensor = add(sqrt(gAvg === undefined ? v : sub(v, square(gAvg))), eps)
      const rate = neg(lrAt(lr, step))
      const slots = { squareAvg: v, ...(gAvg === undefined ? {} : { gradAvg: gAvg }) }
      if (momentum === 0) return { update: mul(div(g, denom), rate), slots }
      const b: Tensor = add(mul(s.momentum!, momentum), div(g, denom))
      return { update: mul(b, rate), slots: { ...slots, momentum: b } }
    }),
    { learningRate: lr },
  )
}

/** Options of `adagrad` (torch.optim.Adagrad). */
export interface AdagradOptions {
  readonly lrDecay?: number
  readonly weightDecay?: number
  readonly initialAccumulatorValue?: number
  readonly eps?: number
}

const ADAGRAD_OPTIONS: OptionKinds<AdagradOptions> = { lrDecay: 'number', weightDecay: 'number', initialAccumulatorValue: 'number', eps: 'number' }

/**
 * Adagrad (torch.optim.Adagrad; defaults lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10):
 * `g <- g + weightDecay * p`; `lr~ = lr_t / (1 + (t - 1) lrDecay)`; `s <- s + g^2`; `p <- p - lr~ g / (sqrt(s) + eps)`.
 * State `adagrad.sum`, initialized to initialAccumulatorValue.
 * @example
 * import { adagrad } from 'kiln'
 * adagrad(0.1, { initialAccumulatorValue: 0.1 }).init({ w: Float64Array.of(5) }) // { adagrad: { sum: { w: Float64Array.of(0.1) } } }
 */
export const adagrad = (lr: LearningRate, options: AdagradOptions = {}): Optimizer => {
  const { lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10 } = checkOptionKinds('adagrad', options, ADAGRAD_OPTIONS)
  checkLr('adagrad', lr)
  checkIn('adagrad', 'lrDecay', lrDecay, 0, Infinity)
  checkIn('adagrad', 'weightDecay', weightDecay, 0, Infinity)
  checkIn('adagrad', 'initialAccumulatorValue', initialAccumulatorValue, 0, Infinity)
  checkIn('adagrad', 'eps', eps, 0, Infinity)
  return defineOptimizer(
    'adagrad',
    { sum: initialAccumulatorValue },
    perLeaf((g0, s, p, step) => {
      const g = coupledDecay(g0, p, weightDecay)
      const clr: Tensor = lrDecay === 0 ? lrAt(lr, step) : div(lrAt(lr, step), add(mul(step, lrDecay), 1))
      const acc: Tensor = add(s.sum!, square(g))
      return { update: mul(div(g, add(sqrt(acc), eps)), neg(clr)), slots: { sum: acc } }
    }),
    { learningRate: lr },
  )
}

/** Options of `adam` / `adamw`. */
export interface AdamOptions {
  readonly beta1?: number
  readonly beta2?: number
  readonly eps?: number
  readonly weightDecay?: number
}

const ADAM_OPTIONS: OptionKinds<AdamOptions> = { beta1: 'number', beta2: 'number', eps: 'number', weightDecay: 'number' }

const adamLike = (name: 'adam' | 'adamw', lr: LearningRate, options: AdamOptions, decoupled: boolean): Optimizer => {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = decoupled ? 1e-2 : 0 } = checkOptionKinds(name, options, ADAM_OPTIONS)
  checkLr(name, lr)
  checkIn(name, 'beta1', beta1, 0, 1, true)
  checkIn(name, 'beta2', beta2, 0, 1, true)
  checkIn(name, 'eps', eps, 0, Infinity)
  checkIn(name, 'weightDecay', weightDecay, 0, Infinity)
  return defineOptimizer(
    name,
    { m: 0, v: 0 },
    perLeaf((g0, s, p, step) => {
      const g = decoupled ? g0 : coupledDecay(g0, p, weightDecay)
      const rate: Tensor = lrAt(lr, step)
      const t: Tensor = add(step, 1)
      const m: Tensor = add(mul(s.m!, beta1), mul(g, 1 - beta1))
      const v: Tensor = add(mul(s.v!, beta2), mul(square(g), 1 - beta2))
      // torch.optim.Adam's arrangement: denom = sqrt(v) / sqrt(1 - beta2^t) + eps, step size lr / (1 - beta1^t)
      const bc1: Tensor = sub(1, pow(beta1, t))
      const bc2: Tensor = sub(1, pow(beta2, t))
      const denom: Tensor = add(div(sqrt(v), sqrt(bc2)), eps)
      const adamStep: Tensor = mul(div(m, denom), neg(div(rate, bc1)))
      const update = decoupled && weightDecay !== 0 ? sub(adamStep, mul(p, mul(rate, weightDecay))) : adamStep
      return { update, slots: { m, v } }
    }),
    { learningRate: lr },
  )
}

/**
 * Adam (torch.optim.Adam; defaults beta1 0.9, beta2 0.999, eps 1e-8, weightDecay 0, coupled):
 * `g <- g + weightDecay * p`; `m <- beta1 m + (1 - beta1) g`; `v <- beta2 v + (1 - beta2) g^2`;
 * `m^ = m / (1 - beta1^t)`, `v^ = v / (1 - beta2^t)`; `p <- p - lr_t m^ / (sqrt(v^) + eps)` (eps after
 * the square root). State `adam.m`, `adam.v`.
 * @example
 * import { adam } from 'kiln'
 * adam(1e-3).init({ w: Float64Array.of(1) }) // { adam: { m: { w: Float64Array.of(0) }, v: { w: Float64Array.of(0) } } }
 */
export const adam = (lr: LearningRate, options: AdamOptions = {}): Optimizer => adamLike('adam', lr, options, false)

/**
 * AdamW (torch.optim.AdamW; defaults as Adam but weightDecay 1e-2, decoupled): `p <- p - lr_t weightDecay p`,
 * then the Adam step on the raw gradient. State `adamw.m`, `adamw.v`.
 * @example
 * import { adamw } from 'kiln'
 * adamw(1e-3).stateKeys // ['adamw']
 */
export const adamw = (lr: LearningRate, options: AdamOptions = {}): Optimizer => adamLike('adamw', lr, options, true)
