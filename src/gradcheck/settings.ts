/**
 * Gradient-check settings: the options, their defaults and why they are what they are, PyTorch's
 * settings as a preset, and the checks that refuse bad options before anything runs.
 *
 * Why the defaults. A central difference `D(h) = (f(x+h) - f(x-h)) / 2h` has a truncation error
 * `h^2 |f'''| / 6` and a rounding error about `u |f| / h` (`u = 1.1e-16`, float64's unit roundoff).
 * PyTorch's double-precision `gradcheck` uses `h = 1e-6`: truncation about `2e-13 |f'''|`, rounding
 * about `1e-10 |f|`, so it needs loose tolerances (`atol 1e-5`, `rtol 1e-3`), and a derivative off by a
 * relative 1e-4 passes. Kiln's defaults spend the same float64 budget better:
 * - Richardson extrapolation `(4 D(h/2) - D(h)) / 3` cancels the `h^2` term: the truncation error is
 *   `h^4 |f^(5)| / 480`, so a larger step is affordable, and the larger step divides the rounding
 *   error: with `h = 1e-3` (`eps`), truncation about `2e-15 |f^(5)|` and rounding about `3e-13 |f|`.
 * - The step scales with the element (`h_k = eps * max(|x_k|, 1)`, rounded to a power of two so that
 *   `x_k +- h_k` and `x_k +- h_k / 2` are exact): an input of 1e3 gets a step of about 1, so the
 *   difference resolves the function at the scale the input lives at, and the relative rounding of
 *   the step itself stays at 1e-16.
 * - So the tolerances can be 1000 times tighter than PyTorch's: `rtol 1e-5` and `atol 1e-8`. A
 *   derivative `d` with a relative error `r` fails when `r |d| > 1e-8 + 1e-5 |d|`: a relative error of
 *   1e-4 is caught (10 times over) wherever `|d| > 1.1e-4`, while the numeric error (about
 *   `3e-13 |f| + 2e-15 |f^(5)|`) stays below the tolerance for outputs up to about 3e4 in size.
 * - Where an element still fails, it is looked at more closely (`kinks`): one-sided differences at
 *   four step sizes (`h` down to `h/512`) tell a kink (left and right derivatives stay apart: relu at 0,
 *   ties; listed in `kinks` when the symbolic derivative lies between them, a failure otherwise) from a step that straddled a nearby kink or pole or met large higher derivatives (the central
 *   difference at the step where it settles agrees: passed, and counted as `refined`). With Richardson
 *   the points already give one-sided differences, so a kink is found even where the central difference
 *   happens to agree (abs at 0).
 * @module
 */
import type { Tree } from '../nn/tree.js'
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from '../options.js'

/** How the Jacobian is checked: every element by reverse mode, random projections, or forward mode. */
export type GradcheckMode = 'full' | 'fast' | 'forward'

/** Options of `gradcheck` (and, without `shapes`, of `gradcheckModel`). */
export interface GradcheckOptions {
  /**
   * `full` (default): every Jacobian element, rows by reverse mode (`vjp`) against columns by finite
   * differences. `fast`: `projections` random projections `v^T J u`, one `vjp` and one difference each.
   * `forward`: forward mode (`jvp`) against finite differences along the same directions, every basis
   * direction (`directions: 'basis'`) or `projections` random ones (`directions: 'random'`).
   */
  readonly mode?: GradcheckMode
  /**
   * 1 (default): first derivatives. 2: second derivatives, as JAX's `check_grads(order=2)`: the
   * derivative of the gradient (Hessian-vector products; of `sum(w * f)` with fixed random weights `w`
   * when `f` is not a scalar) against finite differences of the gradient.
   */
  readonly order?: 1 | 2
  /** The base step, default 1e-3 (see the module documentation for why). */
  readonly eps?: number
  /** Scale the step to each element, `eps * max(|x_k|, 1)` as a power of two (default true); false: `eps` itself. */
  readonly scaleStep?: boolean
  /** Richardson extrapolation of central differences, error O(h^4) (default true); false: plain central differences. */
  readonly richardson?: boolean
  /** Absolute tolerance (default 1e-8): an element passes when `|analytic - numeric| <= atol + rtol * |numeric|`. */
  readonly atol?: number
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number
  /** Look closer at failing elements (and, with Richardson, at elements whose one-sided differences disagree): kinks and smaller steps. Default true. */
  readonly kinks?: boolean
  /** Forward mode's directions: every basis vector (default) or `projections` random ones. */
  readonly directions?: 'basis' | 'random'
  /** Random projections (fast mode) or directions (forward mode with random directions). Default 4. */
  readonly projections?: number
  /** Seed of the random projections, directions and second-order weights (default 0). */
  readonly seed?: number
  /** How many of the worst elements the report keeps (default 5). */
  readonly top?: number
  /** Shapes of the leaves when checking a tree of values (default: each leaf flat, `[length]`). */
  readonly shapes?: Tree<readonly number[]>
}

/** Every setting of a check, resolved: what the report says it used. */
export interface GradcheckSettings {
  readonly mode: GradcheckMode
  readonly order: 1 | 2
  readonly eps: number
  readonly scaleStep: boolean
  readonly richardson: boolean
  readonly atol: number
  readonly rtol: number
  readonly kinks: boolean
  readonly directions: 'basis' | 'random'
  readonly projections: number
  readonly seed: number
  readonly top: number
}

/**
 * Kiln's default settings (see the module documentation for why).
 * @example
 * import { GRADCHECK_DEFAULTS } from 'kiln'
 * [GRADCHECK_DEFAULTS.eps, GRADCHECK_DEFAULTS.atol, GRADCHECK_DEFAULTS.rtol, GRADCHECK_DEFAULTS.richardson] // [1e-3, 1e-8, 1e-5, true]
 */
export const GRADCHECK_DEFAULTS: GradcheckSettings = {
  mode: 'full', order: 1, eps: 1e-3, scaleStep: true, richardson: true, atol: 1e-8, rtol: 1e-5, kinks: true, directions: 'basis', projections: 4, seed: 0, top: 5,
}

/**
 * PyTorch's double-precision `torch.autograd.gradcheck` settings: a fixed step of 1e-6, plain central
 * differences, `atol 1e-5`, `rtol 1e-3`, no closer look at failures. Spread it into the options to
 * reproduce a PyTorch check: `gradcheck(f, x, { ...TORCH_GRADCHECK })`.
 * @example
 * import { TORCH_GRADCHECK } from 'kiln'
 * TORCH_GRADCHECK // { eps: 1e-6, atol: 1e-5, rtol: 1e-3, scaleStep: false, richardson: false, kinks: false }
 */
export const TORCH_GRADCHECK: GradcheckOptions = { eps: 1e-6, atol: 1e-5, rtol: 1e-3, scaleStep: false, richardson: false, kinks: false }

/**
 * The kinds of `gradcheck`'s options (unknown keys are refused with the closest name).
 * @example
 * import { GRADCHECK_KINDS } from './settings.js'
 * GRADCHECK_KINDS.richardson // 'boolean'
 */
export const GRADCHECK_KINDS: OptionKinds<GradcheckOptions> = {
  mode: 'string', order: 'number', eps: 'number', scaleStep: 'boolean', richardson: 'boolean', atol: 'number', rtol: 'number',
  kinks: 'boolean', directions: 'string', projections: 'number', seed: 'number', top: 'number', shapes: 'object',
}

const oneOf = <T extends string | number>(who: string, field: string, v: T | undefined, allowed: readonly T[]): void => {
  if (v !== undefined && !allowed.includes(v)) throw new ArgumentError(who, field, `expected ${allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(' or ')}, got ${describeValue(v)}`)
}

const inRange = (who: string, field: string, v: number | undefined, ok: (v: number) => boolean, what: string): void => {
  if (v !== undefined && !ok(v)) throw new ArgumentError(who, field, `expected ${what}, got ${describeValue(v)}`)
}

/**
 * The settings of a check from its options, refusing unknown keys (with the closest name), values of
 * the wrong kind and values out of range with an `ArgumentError` naming `who` and the field.
 * @example
 * import { gradcheckSettings, GRADCHECK_KINDS } from './settings.js'
 * gradcheckSettings('gradcheck', { mode: 'fast' }, GRADCHECK_KINDS).projections // 4
 * try { gradcheckSettings('gradcheck', { rtool: 1 }, GRADCHECK_KINDS) } catch (e) { (e as Error).message.slice(0, 56) } // "gradcheck: rtool: unknown option; did you mean 'rtol'? ("
 */
export const gradcheckSettings = <O extends Omit<GradcheckOptions, 'shapes'>>(who: string, options: O, kinds: OptionKinds<O>): GradcheckSettings => {
  checkOptionKinds(who, options, kinds)
  const o: Omit<GradcheckOptions, 'shapes'> = options ?? {}
  oneOf(who, 'mode', o.mode, ['full', 'fast', 'forward'])
  oneOf(who, 'order', o.order, [1, 2])
  oneOf(who, 'directions', o.directions, ['basis', 'random'])
  inRange(who, 'eps', o.eps, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0')
  inRange(who, 'atol', o.atol, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0')
  inRange(who, 'rtol', o.rtol, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0')
  inRange(who, 'projections', o.projections, (v) => Number.isSafeInteger(v) && v >= 1, 'a positive integer')
  inRange(who, 'seed', o.seed, (v) => Number.isSafeInteger(v), 'an integer')
  inRange(who, 'top', o.top, (v) => Number.isSafeInteger(v) && v >= 0, 'an integer >= 0')
  if (o.directions !== undefined && o.mode !== 'forward') throw new ArgumentError(who, 'directions', `applies to mode 'forward' only (mode is ${describeValue(o.mode ?? 'full')})`)
  if (o.projections !== undefined && o.mode !== 'fast' && o.directions !== 'random') throw new ArgumentError(who, 'projections', "applies to mode 'fast' and to mode 'forward' with directions 'random' only")
  const d = GRADCHECK_DEFAULTS
  return {
    mode: o.mode ?? d.mode, order: o.order ?? d.order, eps: o.eps ?? d.eps, scaleStep: o.scaleStep ?? d.scaleStep, richardson: o.richardson ?? d.richardson,
    atol: o.atol ?? d.atol, rtol: o.rtol ?? d.rtol, kinks: o.kinks ?? d.kinks, directions: o.directions ?? d.directions,
    projections: o.projections ?? d.projections, seed: o.seed ?? d.seed, top: o.top ?? d.top,
  }
}
