/**
 * Stabilizing rewrites (PyTensor's "stabilize" phase): compositions that lose digits or overflow in
 * floating point, replaced by forms that keep them. Each rule changes values, always towards the
 * mathematically exact result, so none is `exact`; spec/accuracy measures each in ulps. They run in
 * `simplify` (so compiled graphs get them) and on the function `grad`, `vjp` and `jvp` differentiate,
 * since a derivative built from an unstable form is unstable too (the gradient of `log(sigmoid(x))`
 * divides 0 by 0 at x = -800; that of `-softplus(-x)` is `sigmoid(-x)`).
 * @module
 */
import { logSumExp } from '../softmax.js'
import { make } from '../make.js'
import { shapeEq } from '../shape.js'
import { constValue, isOp, type Tensor } from '../tensor.js'
import { rewriteWith, type Rule } from './rewrite.js'
import { topoSort } from '../graph.js'

/** The value of a constant whose elements all equal it, or of a broadcast of one. */
const fillOf = (t: Tensor): number | undefined => (isOp(t, 'broadcastTo') ? constValue(t.args[0]!) : constValue(t))
const isFill = (t: Tensor, v: number): boolean => fillOf(t) === v

const neg = (x: Tensor): Tensor => (isOp(x, 'neg') ? x.args[0]! : make('neg', [x], {}))
const un = (op: 'sigmoid' | 'softplus' | 'log1p' | 'expm1' | 'tanh', x: Tensor): Tensor => make(op, [x], {})

/** `x` when the binary node `t` is `v op x` (or `x op v`) with a fill `v`, and x already has t's shape. */
const besideFill = (t: Tensor, op: 'add' | 'sub', v: number, side: 'left' | 'right'): Tensor | undefined => {
  if (t.op !== op) return undefined
  const [a, b] = t.args as [Tensor, Tensor]
  const [c, x] = side === 'left' ? [a, b] : [b, a]
  return isFill(c, v) && shapeEq(x.shape, t.shape) ? x : undefined
}

const rule = (name: string, note: string, rewrite: (t: Tensor) => Tensor | undefined): Rule => ({ name, exact: false, note, rewrite })

// 1 - sigmoid(x) -> sigmoid(-x): the subtraction cancels for x > 0 (0 for x > 37, truth e^-x)
const oneMinusSigmoid = rule('one-minus-sigmoid', 'more accurate: no cancellation for x > 0', (t) => {
  const s = besideFill(t, 'sub', 1, 'left')
  return s !== undefined && isOp(s, 'sigmoid') ? un('sigmoid', neg(s.args[0]!)) : undefined
})

// log(sigmoid(x)) -> -softplus(-x): log of an underflowed 0 is -Infinity where the truth is x
const logSigmoid = rule('log-sigmoid', 'more accurate: finite where sigmoid underflows (x < -745)', (t) => {
  const s = isOp(t, 'log') ? t.args[0]! : undefined
  return s !== undefined && isOp(s, 'sigmoid') ? make('neg', [un('softplus', neg(s.args[0]!))], {}) : undefined
})

// log(1 + x) -> log1p(x), log(x + 1) -> log1p(x), log(1 - x) -> log1p(-x): 1 + x rounds x away when tiny
const logOnePlus = rule('log1p', 'more accurate: log(1 + x) is 0 for |x| < 1.1e-16, log1p(x) is x', (t) => {
  if (!isOp(t, 'log')) return undefined
  const a = t.args[0]!
  const x = besideFill(a, 'add', 1, 'left') ?? besideFill(a, 'add', 1, 'right')
  if (x !== undefined) return un('log1p', x)
  const y = besideFill(a, 'sub', 1, 'left')
  return y === undefined ? undefined : un('log1p', neg(y))
})

// exp(x) - 1 -> expm1(x), exp(x) + (-1) -> expm1(x): the subtraction cancels near x = 0
const expMinusOne = rule('expm1', 'more accurate: exp(x) - 1 cancels for |x| < 1', (t) => {
  const e = besideFill(t, 'sub', 1, 'right') ?? besideFill(t, 'add', -1, 'right') ?? besideFill(t, 'add', -1, 'left')
  return e !== undefined && isOp(e, 'exp') ? un('expm1', e.args[0]!) : undefined
})

// sigmoid(-x) - sigmoid(x) -> -tanh(x/2), sigmoid(x) - sigmoid(-x) -> tanh(x/2): cancels near 0
const sigmoidDifference = rule('sigmoid-difference', 'more accurate: the difference is 0 near x = 0 where the truth is -x/2', (t) => {
  if (!isOp(t, 'sub') || !isOp(t.args[0]!, 'sigmoid') || !isOp(t.args[1]!, 'sigmoid') || !shapeEq(t.args[0].shape, t.shape)) return undefined
  const [a, b] = [t.args[0].args[0]!, t.args[1].args[0]!]
  const half = (x: Tensor): Tensor => un('tanh', make('mul', [x, make('constant', [], { values: Float64Array.of(0.5) }, [])], {}))
  if (isOp(a, 'neg') && a.args[0] === b) return make('neg', [half(b)], {})
  return isOp(b, 'neg') && b.args[0] === a ? half(a) : undefined
})

/** `x - m` with `m` a max (or logSumExp's guard of one), read through stopGradient: already shifted. */
const shifted = (x: Tensor): boolean => {
  if (!isOp(x, 'sub')) return false
  const m = isOp(x.args[1]!, 'stopGradient') ? x.args[1].args[0]! : x.args[1]!
  return isOp(m, 'max') || (isOp(m, 'where') && isOp(m.args[2]!, 'max'))
}

// log(sum(exp(x))) -> logSumExp(x): shifted by the maximum, finite for |x| up to 1e300 (exp overflows at 710)
const logSumExpRule = rule('log-sum-exp', 'overflow and underflow: finite where exp(x) overflows or every exp(x) underflows', (t) => {
  const s = isOp(t, 'log') ? t.args[0]! : undefined
  if (s === undefined || !isOp(s, 'sum') || !isOp(s.args[0]!, 'exp') || shifted(s.args[0].args[0]!)) return undefined
  return logSumExp(s.args[0].args[0]!, s.attrs.axes, s.attrs.keepDims)
})

/**
 * The stabilizing rules, in the order they are tried.
 * @example
 * import { stabilizeRules } from './stabilize.js'
 * stabilizeRules.map((r) => r.name) // ['one-minus-sigmoid', 'log-sigmoid', 'log1p', 'expm1', 'sigmoid-difference', 'log-sum-exp']
 */
export const stabilizeRules: readonly Rule[] = [oneMinusSigmoid, logSigmoid, logOnePlus, expMinusOne, sigmoidDifference, logSumExpRule]

/**
 * `outputs` with the stabilizing rules applied (and nothing else): what differentiation starts from.
 * @example
 * import { stabilize } from './stabilize.js'
 * import { log, add, input, show } from 'kiln'
 * show(stabilize([log(add(1, input('x', [2])))])[0]!) // 'log1p(x)'
 */
export const stabilize = (outputs: readonly Tensor[]): Tensor[] => rewriteWith(stabilizeRules, outputs)

/**
 * `outputs` stabilized before they are differentiated with respect to `wrt`, and their topological
 * order (what differentiation walks; computed once). Unchanged when some of `wrt` is not a leaf: a
 * rewrite could remove that intermediate node, and with it the derivative asked for.
 * @example
 * import { stabilizeFor } from './stabilize.js'
 * import { log, sigmoid, param, show } from 'kiln'
 * const w = param('w', [2])
 * show(stabilizeFor([log(sigmoid(w))], [w]).outputs[0]!) // 'neg(softplus(neg(w)))'
 * const s = sigmoid(w)
 * stabilizeFor([log(s)], [s]).outputs[0]!.op // 'log'
 */
export const stabilizeFor = (outputs: readonly Tensor[], wrt: readonly Tensor[]): { readonly outputs: readonly Tensor[]; readonly order: Tensor[] } => {
  const order = topoSort(outputs)
  if (!wrt.every((w) => w.args.length === 0) || !order.some((t) => TRIGGERS.has(t.op))) return { outputs, order }
  const outs = stabilize(outputs)
  return { outputs: outs, order: outs.every((o, i) => o === outputs[i]) ? order : topoSort(outs) }
}

/**
 * Every rule's pattern holds one of these ops: a graph with none has nothing to stabilize, so
 * differentiation skips the rewrite pass (a rebuild of the whole graph) for it. spec/accuracy checks
 * that each rule's expression is rewritten through this gate.
 * @example
 * import { TRIGGERS } from './stabilize.js'
 * TRIGGERS.has('log') // true
 */
export const TRIGGERS: ReadonlySet<string> = new Set(['log', 'sigmoid', 'exp'])
