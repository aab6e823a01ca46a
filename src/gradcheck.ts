/**
 * Gradient checking as a research tool: the symbolic derivative of a function of tensors (or of a tree
 * of parameters, or of a model's batch loss) against finite differences in float64, element by element
 * (`full`), along random projections (`fast`) or by forward mode (`forward`), first or second order.
 * The defaults are chosen for sensitivity (scaled steps, Richardson extrapolation, `rtol 1e-5`, `atol
 * 1e-8`: a derivative off by a relative 1e-4 fails); `TORCH_GRADCHECK` reproduces PyTorch's settings.
 * Elements at kinks (relu at 0, ties of a max) are listed apart, neither failed nor silently passed.
 * The pieces live in `src/gradcheck/`: settings (the defaults and why), numeric (the differences),
 * core (the modes), report (the table), model (`gradcheckModel`).
 * @module
 */
import { mul, sum } from './api.js'
import { unflatten, type ParamValues, type Params } from './nn/tree.js'
import { ArgumentError, describeValue } from './options.js'
import type { Tensor } from './tensor.js'
import { runCheck } from './gradcheck/core.js'
import { operandsOfInputs, operandsOfTree, type GradcheckInput } from './gradcheck/inputs.js'
import type { GradcheckReport } from './gradcheck/report.js'
import { GRADCHECK_KINDS, gradcheckSettings, type GradcheckOptions } from './gradcheck/settings.js'

export { GRADCHECK_DEFAULTS, TORCH_GRADCHECK, type GradcheckMode, type GradcheckOptions, type GradcheckSettings } from './gradcheck/settings.js'
export { formatGradcheck, type GradcheckEntry, type GradcheckKink, type GradcheckReport } from './gradcheck/report.js'
export { gradcheckModel, type GradcheckModelOptions } from './gradcheck/model.js'
export type { GradcheckInput } from './gradcheck/inputs.js'

/** The tree of tensors a tree-checked function receives: the value tree's structure, a `Tensor` at each leaf. */
export type TensorsOf<T> = { readonly [K in keyof T]: T[K] extends Float64Array ? Tensor : T[K] extends ParamValues ? TensorsOf<T[K]> : Tensor | Params }

/**
 * Checks the symbolic derivative of `f` against finite differences at the given point, and reports the
 * worst elements, the kinks and a summary (`formatGradcheck` prints it as a table).
 *
 * The point is a list of inputs (`f` takes one tensor per input) or a tree of values (`f` takes a tree of
 * tensors of the same structure; each leaf is flat unless `options.shapes` gives its shape). For a
 * model's parameters on a batch use `gradcheckModel`. `f` may return any shape: every output element is
 * checked. `order: 2` checks second derivatives (the derivative of the gradient). Options, defaults and
 * their reasons: `GradcheckOptions` and `src/gradcheck/settings.ts`; `{ ...TORCH_GRADCHECK }` is PyTorch's
 * check. Bad options, values of the wrong size, non-finite values and trees that do not match their
 * shapes are `ArgumentError`s naming `gradcheck` and the field, before `f` runs.
 * @example
 * import { gradcheck, mul, sum, tanh, matmul } from 'kiln'
 * const report = gradcheck((x) => sum(tanh(mul(x, x))), [{ value: [0.3, -1.2], shape: [2] }])
 * report.ok // true
 * report.checked // 2
 * // a tree of values: the report names elements by path
 * const w = Float64Array.of(0.5, -0.3, 0.8, 0.1)
 * const r = gradcheck((p) => sum(tanh(matmul(p.layer.w, p.x))), { layer: { w }, x: Float64Array.of(1, 2) }, { shapes: { layer: { w: [2, 2] }, x: [2, 1] } })
 * r.worst.map((e) => e.input).includes('layer.w') // true
 * // second order: Hessian-vector products, forward mode
 * gradcheck((x) => sum(tanh(mul(x, x))), [{ value: [0.3, -1.2], shape: [2] }], { order: 2, mode: 'forward' }).ok // true
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly GradcheckInput[], options?: GradcheckOptions): GradcheckReport
export function gradcheck<T extends ParamValues>(f: (params: TensorsOf<T>) => Tensor, values: T, options?: GradcheckOptions): GradcheckReport
export function gradcheck(f: ((...xs: Tensor[]) => unknown) | ((params: Params) => unknown), values: readonly GradcheckInput[] | ParamValues, options: GradcheckOptions = {}): GradcheckReport {
  const s = gradcheckSettings('gradcheck', options, GRADCHECK_KINDS)
  if (typeof f !== 'function') throw new ArgumentError('gradcheck', 'f', `expected a function, got ${describeValue(f)}`)
  // One call for both forms: `f` takes the leaves in order (a list) or one tree (the result is checked to be a Tensor).
  const call = (args: readonly unknown[]): unknown => Reflect.apply(f, undefined, args)
  if (Array.isArray(values)) {
    if (options.shapes !== undefined) throw new ArgumentError('gradcheck', 'shapes', 'applies to a tree of values only; a list of inputs gives each shape')
    return runCheck('gradcheck', operandsOfInputs('gradcheck', values), (leaves) => call(leaves), s)
  }
  const operands = operandsOfTree('gradcheck', values, options.shapes)
  return runCheck('gradcheck', operands, (leaves) => call([unflatten(operands.map((o, i) => [o.name, leaves[i]!] as const))]), s)
}

/**
 * Sum of `x * v`: the scalar whose gradient is `J^T v` (handy for checking non-scalar functions).
 * @example
 * import { project, constant, evaluate } from 'kiln'
 * evaluate([project(constant([1, 2]), constant([3, 4]))], {})[0] // Float64Array.of(11)
 */
export const project = (x: Tensor, v: Tensor): Tensor => sum(mul(x, v) as Tensor)
