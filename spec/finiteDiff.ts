/**
 * Central finite differences in float64: the numeric side of every gradient test.
 * @module
 */
import { evaluate } from '../src/evaluate.js'
import { leavesOf, topoSort, type Bindings } from '../src/graph.js'
import type { Tensor } from '../src/tensor.js'

/** Default step: central differences have truncation error ~eps^2 and rounding error ~1e-16/eps. */
export const EPS = 1e-5

/**
 * Numeric gradient of a scalar function of several Float64Arrays by central differences.
 * The arrays are perturbed in place and restored.
 * @example
 * numericGrad(([x]) => x![0]! * x![0]!, [Float64Array.of(3)]) // [Float64Array [6.000000000...]]
 */
export const numericGrad = (f: (xs: readonly Float64Array[]) => number, xs: readonly Float64Array[], eps = EPS): Float64Array[] =>
  xs.map((x) => {
    const g = new Float64Array(x.length)
    for (let k = 0; k < x.length; k++) {
      const x0 = x[k]!
      x[k] = x0 + eps
      const plus = f(xs)
      x[k] = x0 - eps
      const minus = f(xs)
      x[k] = x0
      g[k] = (plus - minus) / (2 * eps)
    }
    return g
  })

const leafName = (t: Tensor): string => {
  if (t.op !== 'input' && t.op !== 'param') throw new Error(`finiteDiff: ${t.op} is not a named leaf`)
  return (t.attrs as { readonly name: string }).name
}

const withLeaves = (bindings: Bindings, leaves: readonly Tensor[], xs: readonly Float64Array[]): Bindings => ({
  ...bindings,
  ...Object.fromEntries(leaves.map((l, i) => [leafName(l), xs[i]!])),
})

const currentValues = (bindings: Bindings, leaves: readonly Tensor[]): Float64Array[] =>
  leaves.map((l) => {
    const raw = bindings[leafName(l)]
    if (raw === undefined) throw new Error(`finiteDiff: no binding for '${leafName(l)}'`)
    return typeof raw === 'number' ? Float64Array.of(raw) : Float64Array.from(raw)
  })

/**
 * `evaluate` fed only the bindings the outputs use: a gradient need not mention every leaf
 * (the gradient of a linear loss does not depend on its weights), and `evaluate` rejects unknown names.
 * @example
 * const x = param('x', [2])
 * evaluateUsed([scalar(1)], { x: [1, 2] }) // [Float64Array [1]]
 */
export const evaluateUsed = (outs: readonly Tensor[], bindings: Bindings): Float64Array[] => {
  const used = leavesOf(topoSort(outs))
  return evaluate(outs, Object.fromEntries(Object.entries(bindings).filter(([k]) => used.has(k))))
}

/**
 * Numeric gradient of a scalar Tensor expression with respect to named leaves (`param`/`input`),
 * evaluated by the reference interpreter at `bindings`.
 * @example
 * const x = param('x', [2])
 * numericGradOf(sum(mul(x, x)), [x], { x: [1, 2] }) // ~[[2, 4]]
 */
export const numericGradOf = (loss: Tensor, leaves: readonly Tensor[], bindings: Bindings, eps = EPS): Float64Array[] =>
  numericGrad((xs) => evaluateUsed([loss], withLeaves(bindings, leaves, xs))[0]![0]!, currentValues(bindings, leaves), eps)

/**
 * Central difference of several Tensor expressions along a direction `dirs` of the leaves:
 * `(F(x + eps v) - F(x - eps v)) / 2 eps`, e.g. the numeric Hessian-vector product when `outs` are gradients.
 * @example
 * const x = param('x', [1])
 * numericDirectional([mul(x, x)], [x], { x: [3] }, [Float64Array.of(1)]) // ~[[6]]
 */
export const numericDirectional = (
  outs: readonly Tensor[],
  leaves: readonly Tensor[],
  bindings: Bindings,
  dirs: readonly Float64Array[],
  eps = EPS,
): Float64Array[] => {
  const x0 = currentValues(bindings, leaves)
  const at = (s: number) => evaluateUsed(outs, withLeaves(bindings, leaves, x0.map((x, i) => x.map((v, k) => v + s * eps * dirs[i]![k]!))))
  const [plus, minus] = [at(1), at(-1)]
  return plus.map((p, j) => p.map((v, k) => (v - minus[j]![k]!) / (2 * eps)))
}

/**
 * Worst relative error between two lists of arrays: `|a - b| / max(floor, |a|, |b|)`, so values below
 * `floor` are compared absolutely. NaN anywhere gives Infinity; lengths must agree.
 * @example
 * relError([Float64Array.of(1)], [Float64Array.of(1 + 1e-9)]) // ~1e-9
 */
export const relError = (a: readonly Float64Array[], b: readonly Float64Array[], floor = 1): number => {
  if (a.length !== b.length) return Infinity
  let worst = 0
  a.forEach((x, i) => {
    const y = b[i]!
    if (x.length !== y.length) worst = Infinity
    x.forEach((v, k) => {
      const e = Math.abs(v - y[k]!) / Math.max(floor, Math.abs(v), Math.abs(y[k]!))
      worst = Number.isNaN(e) ? Infinity : Math.max(worst, e)
    })
  })
  return worst
}
