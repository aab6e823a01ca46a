/**
 * Gradient checking: the symbolic gradient against central finite differences in float64.
 * @module
 */
import { concat, mul, onesLike, reshape, sum } from './api.js'
import { stepFunction } from './run.js'
import { vjp } from './grad.js'
import { ArgumentError, checkOptionKinds, describeValue, type OptionKinds } from './options.js'
import { uniformAt } from './random/threefry.js'
import { fmt, sizeOf, type Shape } from './shape.js'
import { type Tensor } from './tensor.js'
import { constant, input } from './make.js'
import { unravel } from './ops/ref.js'

/** One operand of the checked function: its value and shape (and an optional name for the report). */
export interface GradcheckInput {
  readonly value: Float64Array | readonly number[]
  readonly shape: Shape
  readonly name?: string
}

/** Options; defaults match PyTorch's double-precision `gradcheck` (eps 1e-6, atol 1e-5, rtol 1e-3). */
export interface GradcheckOptions {
  readonly eps?: number
  readonly atol?: number
  readonly rtol?: number
  /** `full` checks every Jacobian element; `fast` compares random projections `v^T J u`. */
  readonly mode?: 'full' | 'fast'
  /** Projections drawn in fast mode. */
  readonly projections?: number
  readonly seed?: number
}

const GRADCHECK_OPTIONS: OptionKinds<GradcheckOptions> = { eps: 'number', atol: 'number', rtol: 'number', mode: 'string', projections: 'number', seed: 'number' }

/** Unknown options, values of the wrong kind and an unknown mode throw an `ArgumentError` before `f` runs. */
const checkGradcheckOptions = (op: string, options: GradcheckOptions): void => {
  checkOptionKinds(op, options, GRADCHECK_OPTIONS)
  if (options.mode !== undefined && options.mode !== 'full' && options.mode !== 'fast')
    throw new ArgumentError(op, 'mode', `expected 'full' or 'fast', got ${describeValue(options.mode)}`)
}

/** The worst-agreeing element of a check. */
export interface GradcheckWorst {
  readonly input: string
  /** Multi-index into the input (full mode) or the projection number (fast mode). */
  readonly index: readonly number[]
  readonly outputIndex: number
  readonly analytic: number
  readonly numeric: number
  readonly absError: number
  readonly relError: number
}

/** The outcome of `gradcheck`. */
export interface GradcheckReport {
  readonly ok: boolean
  readonly mode: 'full' | 'fast'
  readonly checked: number
  readonly failures: number
  readonly worst: GradcheckWorst | undefined
  readonly summary: string
}

/**
 * Checks the symbolic gradient of `f` at `inputs` against central differences, element by element
 * (`full`) or along random directions (`fast`). The report names the worst element.
 * @example
 * import { gradcheck, mul, sum, tanh } from 'kiln'
 * const report = gradcheck((x) => sum(tanh(mul(x, x))), [{ value: [0.3, -1.2], shape: [2] }])
 * report.ok // true
 */
export const gradcheck = (
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly GradcheckInput[],
  options: GradcheckOptions = {},
): GradcheckReport => {
  checkGradcheckOptions('gradcheck', options)
  const eps = options.eps ?? 1e-6
  const atol = options.atol ?? 1e-5
  const rtol = options.rtol ?? 1e-3
  const mode = options.mode ?? 'full'
  const names = inputs.map((x, i) => x.name ?? `x${i}`)
  const leaves = inputs.map((x, i) => input(`__gc_${names[i]}`, x.shape))
  const out = f(...leaves)
  const values = inputs.map((x, i) => {
    const v = Float64Array.from(x.value)
    if (v.length !== sizeOf(x.shape)) throw new RangeError(`gradcheck: input '${names[i]}' has ${v.length} values, shape ${fmt(x.shape)} needs ${sizeOf(x.shape)}`)
    return v
  })
  const cot = input('__gc_cotangent', out.shape)
  const grads = vjp(out, leaves, cot)
  const m = sizeOf(out.shape)
  // by position, on the interpreter (the runner binds only what each graph reads: f may ignore an input)
  const noCotangent = new Float64Array(m)
  const fStep = stepFunction({ inputs: [...leaves, cot], state: [], outputs: [out] }, 'interpreter')
  const gStep = stepFunction({ inputs: [...leaves, cot], state: [], outputs: grads }, 'interpreter')
  const fOf = (vs: readonly Float64Array[]) => fStep([...vs, noCotangent], [])[0]!
  const gradsAt = (vs: readonly Float64Array[], c: Float64Array) => gStep([...vs, c], [])
  let worst: GradcheckWorst | undefined
  let worstScore = -1
  let failures = 0
  let checked = 0
  const record = (w: GradcheckWorst) => {
    checked++
    const score = w.absError / (atol + rtol * Math.abs(w.numeric))
    if (!(score <= 1)) failures++
    if (!(score <= worstScore) || worst === undefined) {
      worstScore = Number.isNaN(score) ? Infinity : score
      worst = w
    }
  }
  const entry = (name: string, index: number[], outputIndex: number, analytic: number, numeric: number): GradcheckWorst => {
    const absError = Math.abs(analytic - numeric)
    return { input: name, index, outputIndex, analytic, numeric, absError, relError: absError / Math.max(Math.abs(numeric), 1e-300) }
  }
  if (mode === 'full') {
    const jac = inputs.map((x) => new Float64Array(m * sizeOf(x.shape)))
    for (let j = 0; j < m; j++) {
      const e = new Float64Array(m)
      e[j] = 1
      const rows = gradsAt(values, e)
      rows.forEach((r, i) => r.forEach((v, k) => (jac[i]![j * r.length + k] = v)))
    }
    values.forEach((v, i) => {
      for (let k = 0; k < v.length; k++) {
        const x0 = v[k]!
        v[k] = x0 + eps
        const plus = fOf(values)
        v[k] = x0 - eps
        const minus = fOf(values)
        v[k] = x0
        for (let j = 0; j < m; j++)
          record(entry(names[i]!, unravel(k, inputs[i]!.shape), j, jac[i]![j * v.length + k]!, (plus[j]! - minus[j]!) / (2 * eps)))
      }
    })
  } else {
    const seed = options.seed ?? 0
    for (let p = 0; p < (options.projections ?? 4); p++) {
      const rand = (n: number, stream: number) => Float64Array.from({ length: n }, (_, i) => 2 * uniformAt(seed, p * 1000 + stream, i) - 1)
      const v = rand(m, 0)
      const us = values.map((x, i) => rand(x.length, i + 1))
      const shifted = (s: number) => values.map((x, i) => x.map((xv, k) => xv + s * eps * us[i]![k]!))
      const [plus, minus] = [fOf(shifted(1)), fOf(shifted(-1))]
      const numeric = v.reduce((acc, vj, j) => acc + (vj * (plus[j]! - minus[j]!)) / (2 * eps), 0)
      const gs = gradsAt(values, v)
      const analytic = gs.reduce((acc, g, i) => acc + g.reduce((s, gv, k) => s + gv * us[i]![k]!, 0), 0)
      record(entry('projection', [p], -1, analytic, numeric))
    }
  }
  const w = worst
  const summary =
    w === undefined
      ? 'gradcheck: nothing to check (no input elements)'
      : `gradcheck ${failures === 0 ? 'passed' : 'FAILED'} (${mode}, ${checked} checked, ${failures} failed, eps ${eps}, atol ${atol}, rtol ${rtol}); ` +
        `worst: ${w.input}${fmt(w.index)} output ${w.outputIndex}: analytic ${w.analytic}, numeric ${w.numeric}, abs error ${w.absError.toExponential(2)}, rel error ${w.relError.toExponential(2)}`
  return { ok: failures === 0, mode, checked, failures, worst, summary }
}

/**
 * Sum of `x * v`: the scalar whose gradient is `J^T v` (handy for checking non-scalar functions).
 * @example
 * import { project, constant, evaluate } from 'kiln'
 * evaluate([project(constant([1, 2]), constant([3, 4]))], {})[0] // Float64Array.of(11)
 */
export const project = (x: Tensor, v: Tensor): Tensor => sum(mul(x, v) as Tensor)

/**
 * Second-order check: the symbolic Hessian (the derivative of the symbolic gradient) against central
 * differences of the gradient, i.e. `gradcheck` applied to `x -> grad(f(x))`. A non-scalar `f` is reduced
 * by a fixed random projection first.
 * @example
 * import { gradgradcheck, mul, sum, tanh } from 'kiln'
 * gradgradcheck((x) => sum(tanh(mul(x, x))), [{ value: [0.3, -1.2], shape: [2] }]).ok // true
 */
export const gradgradcheck = (
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly GradcheckInput[],
  options: GradcheckOptions = {},
): GradcheckReport => {
  checkGradcheckOptions('gradgradcheck', options)
  return gradcheck(
    (...xs) => {
      const out = f(...xs)
      const size = sizeOf(out.shape)
      const weights = Float64Array.from({ length: size }, (_, i) => 2 * uniformAt(options.seed ?? 0, 7, i) - 1)
      const loss = size === 1 ? sum(out) : project(out, constant(weights, out.shape))
      const gs = vjp(loss, xs, onesLike(loss))
      return concat(gs.map((g) => reshape(g, [sizeOf(g.shape)])), 0)
    },
    inputs,
    options,
  )
}
