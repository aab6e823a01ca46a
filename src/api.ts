/**
 * The ops users compose models from: plain functions over `Tensor`s, data first (`sum(x, axes)`,
 * `leakyRelu(x, alpha)`). Primitives build one node each through the op table (their names come from
 * the records' attribute interfaces); derived ops (mean, softmax, logSumExp, ...) are compositions.
 * @module
 */
import { ArgumentError, numberList, requireBoolean, requireNumber, requirePositiveInteger } from './options.js'
import { MAX_ORDER } from './ops/special-derivs.js'
import { inferDims, normAxes, ShapeError, shapeEq, sizeOf, tryBroadcast, type Shape } from './shape.js'
import { constValue, tensorList, type Tensor, type TensorLike } from './tensor.js'
import { lift, make, scalar, tensorArg } from './make.js'
import type { BinaryName, UnaryName } from './ops/elementwise.js'
import type { Broadcast, CheckBroadcast, CheckMatMul, CheckReshape, MatMul, Reduce, Transpose } from './typelevel.js'

export { input, param, constant, scalar, uniformTensor } from './make.js'

/** The static shape of a tensor-like operand (numbers are scalars). */
export type ShapeOf<T> = T extends Tensor<infer S> ? S : readonly []

type Un<T extends TensorLike> = Tensor<ShapeOf<T>>
type Bin<A extends TensorLike, B extends TensorLike> = Tensor<Broadcast<ShapeOf<A>, ShapeOf<B>>>
type Checked<A extends TensorLike, B extends TensorLike> = B & CheckBroadcast<ShapeOf<A>, ShapeOf<B>>

const un = (op: UnaryName | 'stopGradient') =>
  <T extends TensorLike>(x: T): Un<T> => make(op, [lift(x, op, 'x')], {}) as Un<T>

/** An optional `keepDims` flag: false when absent, else a primitive boolean. */
const keepDimsOf = (op: string, v: unknown): boolean => (v === undefined ? false : requireBoolean(op, 'keepDims', v))

/** Elementwise `-x`. @example import { neg, scalar } from 'kiln'; neg(scalar(2)).op // 'neg' */
export const neg = un('neg')
/** Elementwise `e^x`. @example import { exp, input } from 'kiln'; exp(input('x', [3])).shape // [3] */
export const exp = un('exp')
/** Elementwise natural logarithm. @example import { log, input } from 'kiln'; log(input('x', [3])).op // 'log' */
export const log = un('log')
/** Elementwise square root. @example import { sqrt, input } from 'kiln'; sqrt(input('x', [2])).op // 'sqrt' */
export const sqrt = un('sqrt')
/** Elementwise absolute value. @example import { abs, input } from 'kiln'; abs(input('x', [2])).op // 'abs' */
export const abs = un('abs')
/** Elementwise sign (-1, 0, 1); zero derivative. @example import { sign, input } from 'kiln'; sign(input('x', [2])).op // 'sign' */
export const sign = un('sign')
/** Elementwise hyperbolic tangent. @example import { tanh, input } from 'kiln'; tanh(input('x', [2])).op // 'tanh' */
export const tanh = un('tanh')
/** Elementwise logistic `1 / (1 + e^-x)`, stable for large |x|. @example import { sigmoid, input } from 'kiln'; sigmoid(input('x', [2])).op // 'sigmoid' */
export const sigmoid = un('sigmoid')
/** Elementwise `max(x, 0)`. @example import { relu, input } from 'kiln'; relu(input('x', [2])).op // 'relu' */
export const relu = un('relu')
/** Elementwise `log(1 + e^x)`, stable for large |x|. @example import { softplus, input } from 'kiln'; softplus(input('x', [2])).op // 'softplus' */
export const softplus = un('softplus')
/**
 * Elementwise error function `erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt`, to a few ulps.
 * @example
 * import { erf, input, evaluate } from 'kiln'
 * const [y] = evaluate([erf(input('x', [3]))], { x: [0, 1, -Infinity] })
 * Array.from(y!).map((v) => v.toFixed(6)) // ['0.000000', '0.842701', '-1.000000']
 */
export const erf = un('erf')
/**
 * Elementwise `log(1 + x)`, accurate for tiny x (where `log(add(1, x))` returns 0). The simplifier rewrites
 * `log(1 + x)` to it.
 * @example
 * import { log1p, constant, evaluate } from 'kiln'
 * evaluate([log1p(constant([1e-20, 0], [2]))], {})[0] // Float64Array.of(1e-20, 0)
 */
export const log1p = un('log1p')
/**
 * Elementwise `e^x - 1`, accurate for tiny x. The simplifier rewrites `exp(x) - 1` to it.
 * @example
 * import { expm1, constant, evaluate } from 'kiln'
 * evaluate([expm1(constant([1e-20, -Infinity], [2]))], {})[0] // Float64Array.of(1e-20, -1)
 */
export const expm1 = un('expm1')
/** The order of a derivative primitive: 1 to MAX_ORDER (32). */
const orderOf = (op: string, order: unknown): number => {
  const n = requirePositiveInteger(op, 'order', order)
  if (n > MAX_ORDER) throw new ArgumentError(op, 'order', `expected at most ${MAX_ORDER}, got ${n}`)
  return n
}
/**
 * Elementwise derivative of `sigmoid` of an order (default 1): `dsigmoid(x)` is `sigmoid(x) sigmoid(-x)`, the
 * logistic density, accurate in both tails (it is `e^-|x|` there; `y (1 - y)` would be 0); order 2 and 3 keep
 * their digits beside 0 and beside the zeros of `sigmoid'''`. `sigmoid`, `tanh` and `softplus` differentiate
 * into it, and it into the next order.
 * @example
 * import { dsigmoid, constant, evaluate } from 'kiln'
 * evaluate([dsigmoid(constant([0, 800], [2]))], {})[0] // Float64Array.of(0.25, 0)
 * evaluate([dsigmoid(constant([-40], [1]))], {})[0]![0]! / Math.exp(-40) // 1
 * evaluate([dsigmoid(constant([1e-300], [1]), 2)], {})[0] // Float64Array.of(-1.25e-301)
 */
export const dsigmoid = <T extends TensorLike>(x: T, order = 1): Un<T> =>
  make('dsigmoid', [lift(x, 'dsigmoid', 'x')], { order: orderOf('dsigmoid', order) }) as Un<T>
/**
 * Elementwise derivative of `erf` of an order (default 1): `derf(x)` is `2/sqrt(pi) e^(-x^2)`, with `x^2`
 * carried exactly into the exponential and subnormal results rounded once; `erf` differentiates into it.
 * @example
 * import { derf, constant, evaluate } from 'kiln'
 * evaluate([derf(constant([0, 30], [2]))], {})[0] // Float64Array.of(1.1283791670955126, 0)
 * evaluate([derf(constant([0], [1]), 3)], {})[0] // Float64Array.of(-2.256758334191025)
 */
export const derf = <T extends TensorLike>(x: T, order = 1): Un<T> =>
  make('derf', [lift(x, 'derf', 'x')], { order: orderOf('derf', order) }) as Un<T>
/** Identity whose derivative is zero. @example import { stopGradient, input } from 'kiln'; stopGradient(input('x', [2])).op // 'stopGradient' */
export const stopGradient = un('stopGradient')

/**
 * Elementwise `max(x, alpha * x)` for `alpha` in [0, 1]: an `alpha` that is not a primitive number
 * is an `ArgumentError`, one outside [0, 1] a `RangeError`.
 * @example
 * import { leakyRelu, input } from 'kiln'
 * leakyRelu(input('x', [2]), 0.01).op // 'leakyRelu'
 * try { leakyRelu(input('x', [2]), '0.1' as never) } catch (e) { (e as Error).message } // 'leakyRelu: alpha: expected a number, got the string "0.1"'
 */
export const leakyRelu = <T extends TensorLike>(x: T, alpha: number): Un<T> =>
  make('leakyRelu', [lift(x, 'leakyRelu', 'x')], { alpha: leakyReluAlpha(alpha) }) as Un<T>

/**
 * A checked `leakyRelu` slope: a primitive number in [0, 1] (else an `ArgumentError` or a `RangeError`).
 * @example
 * import { leakyReluAlpha } from 'kiln'
 * leakyReluAlpha(0.2) // 0.2
 * try { leakyReluAlpha(2) } catch (e) { (e as Error).message } // 'leakyRelu: alpha must be in [0, 1], got 2'
 */
export const leakyReluAlpha = (alpha: unknown): number => {
  const a = requireNumber('leakyRelu', 'alpha', alpha)
  if (!(a >= 0 && a <= 1)) throw new RangeError(`leakyRelu: alpha must be in [0, 1], got ${a}`)
  return a
}

const isOne = (t: Tensor): boolean => constValue(t) === 1 && t.shape.length === 0
const bin = (op: BinaryName) =>
  <A extends TensorLike, B extends TensorLike>(a: A, b: Checked<A, B>): Bin<A, B> =>
    make(op, [lift(a, op, 'a'), lift(b as TensorLike, op, 'b')], {}) as Bin<A, B>

/** Elementwise `a + b` with broadcasting. @example import { add, input } from 'kiln'; add(input('x', [2, 3]), 1).shape // [2, 3] */
export const add = bin('add')
/** Elementwise `a - b` with broadcasting. @example import { sub, input } from 'kiln'; sub(1, input('x', [3])).shape // [3] */
export const sub = bin('sub')
/**
 * Elementwise `a * b` with broadcasting (`x * 1` is `x` itself: exact in IEEE arithmetic).
 * @example
 * import { mul, input } from 'kiln'
 * mul(input('x', [4, 1]), input('y', [3])).shape // [4, 3]
 */
export const mul = <A extends TensorLike, B extends TensorLike>(a: A, b: Checked<A, B>): Bin<A, B> => {
  const [x, y] = [lift(a, 'mul', 'a'), lift(b as TensorLike, 'mul', 'b')]
  const out = tryBroadcast([x.shape, y.shape])
  if (out !== undefined && isOne(y) && shapeEq(out, x.shape)) return x as Bin<A, B>
  if (out !== undefined && isOne(x) && shapeEq(out, y.shape)) return y as Bin<A, B>
  return make('mul', [x, y], {}) as Bin<A, B>
}
/** Elementwise `a / b` with broadcasting. @example import { div, input } from 'kiln'; div(input('x', [3]), 2).shape // [3] */
export const div = bin('div')
/** Elementwise `a ^ b` with broadcasting. @example import { pow, input } from 'kiln'; pow(input('x', [3]), 2).op // 'pow' */
export const pow = bin('pow')
/** Elementwise maximum. @example import { maximum, input } from 'kiln'; maximum(input('x', [3]), 0).op // 'maximum' */
export const maximum = bin('maximum')
/** Elementwise minimum. @example import { minimum, input } from 'kiln'; minimum(input('x', [3]), 0).op // 'minimum' */
export const minimum = bin('minimum')
/**
 * Elementwise `atan2(a, b)`: the angle of the point (b, a), in (-pi, pi], broadcasting.
 * @example
 * import { atan2, input, evaluate } from 'kiln'
 * const [y] = evaluate([atan2(input('a', [2]), input('b', [2]))], { a: [1, 0], b: [1, -1] })
 * Array.from(y!).map((v) => v.toFixed(6)) // ['0.785398', '3.141593']
 */
export const atan2 = bin('atan2')
/** 1 where `a > b`, else 0. @example import { greater, input } from 'kiln'; greater(input('x', [3]), 0).op // 'greater' */
export const greater = bin('greater')
/** 1 where `a >= b`, else 0. @example import { greaterEqual, input } from 'kiln'; greaterEqual(input('x', [3]), 0).op // 'greaterEqual' */
export const greaterEqual = bin('greaterEqual')
/** 1 where `a < b`, else 0. @example import { less, input } from 'kiln'; less(input('x', [3]), 0).op // 'less' */
export const less = bin('less')
/** 1 where `a <= b`, else 0. @example import { lessEqual, input } from 'kiln'; lessEqual(input('x', [3]), 0).op // 'lessEqual' */
export const lessEqual = bin('lessEqual')
/** 1 where `a === b`, else 0. @example import { equal, input } from 'kiln'; equal(input('x', [3]), 0).op // 'equal' */
export const equal = bin('equal')
/** 1 where `a !== b`, else 0. @example import { notEqual, input } from 'kiln'; notEqual(input('x', [3]), 0).op // 'notEqual' */
export const notEqual = bin('notEqual')

/**
 * `a` where `cond` is nonzero, else `b`; all three broadcast.
 * @example
 * import { where, greater, input } from 'kiln'
 * const x = input('x', [3])
 * where(greater(x, 0), x, 0).shape // [3]
 */
export const where = (cond: TensorLike, a: TensorLike, b: TensorLike): Tensor =>
  make('where', [lift(cond, 'where', 'cond'), lift(a, 'where', 'a'), lift(b, 'where', 'b')], {})

/** Axes of a reduction: one, a list, or all (undefined). */
export type Axes = number | readonly number[] | undefined
/** The static shape of a reduction's result. */
export type Reduced<T extends Tensor, A, KD extends boolean> = Tensor<
  Reduce<ShapeOf<T>, A extends number ? readonly [A] : A extends readonly number[] ? A : undefined, KD>
>

const reduce = (op: 'sum' | 'max') =>
  <T extends Tensor, const A extends Axes = undefined, KD extends boolean = false>(x: T, axes?: A, keepDims?: KD): Reduced<T, A, KD> =>
    make(op, [x], { axes: normAxes(op, tensorArg(op, 'x', x).shape, axes), keepDims: keepDimsOf(op, keepDims) }) as Reduced<T, A, KD>

/**
 * Sum over `axes` (all by default), dropping them unless `keepDims`.
 * @example
 * import { sum, input } from 'kiln'
 * sum(input('x', [2, 3]), 1).shape // [2]
 * sum(input('x', [2, 3]), -1, true).shape // [2, 1]
 */
export const sum = reduce('sum')
/**
 * Maximum over `axes` (all by default); the gradient is shared among ties.
 * @example
 * import { max, input } from 'kiln'
 * max(input('x', [2, 3]), 0).shape // [3]
 */
export const max = reduce('max')

/**
 * Mean over `axes` (all by default).
 * @example
 * import { mean, input } from 'kiln'
 * mean(input('x', [4, 5]), 0).shape // [5]
 */
export const mean = <T extends Tensor, const A extends Axes = undefined, KD extends boolean = false>(
  x: T,
  axes?: A,
  keepDims?: KD,
): Reduced<T, A, KD> => {
  const ax = normAxes('mean', tensorArg('mean', 'x', x).shape, axes)
  const n = ax.reduce((p, a) => p * x.shape[a]!, 1)
  return mul(sum(x as Tensor, ax, keepDimsOf('mean', keepDims)) as Tensor, 1 / n) as Tensor as Reduced<T, A, KD>
}

/**
 * Minimum over `axes`, as `-max(-x)`.
 * @example
 * import { min, input } from 'kiln'
 * min(input('x', [2, 3])).shape // []
 */
export const min = <T extends Tensor, const A extends Axes = undefined, KD extends boolean = false>(
  x: T,
  axes?: A,
  keepDims?: KD,
): Reduced<T, A, KD> =>
  neg(max(neg(x) as Tensor, normAxes('min', tensorArg('min', 'x', x).shape, axes), keepDimsOf('min', keepDims)) as Tensor) as Reduced<T, A, KD>

/**
 * Matrix product `[..., n, k] x [..., k, m] -> [..., n, m]`; batch axes broadcast.
 * @example
 * import { matmul, input, param } from 'kiln'
 * matmul(input('x', [64, 10]), param('w', [10, 3])).shape // [64, 3]
 */
export const matmul = <SA extends Shape, SB extends Shape>(a: Tensor<SA>, b: Tensor<SB> & CheckMatMul<SA, SB>): Tensor<MatMul<SA, SB>> =>
  make('matmul', [a, b], {}) as Tensor<MatMul<SA, SB>>

/**
 * Permutes axes (reverses them by default).
 * @example
 * import { transpose, input } from 'kiln'
 * transpose(input('x', [2, 3, 4]), [0, 2, 1]).shape // [2, 4, 3]
 */
export const transpose = <S extends Shape, const P extends readonly number[] | undefined = undefined>(
  x: Tensor<S>,
  perm?: P,
): Tensor<Transpose<S, P>> =>
  make('transpose', [x], {
    perm: perm === undefined ? tensorArg('transpose', 'x', x).shape.map((_, i) => x.shape.length - 1 - i) : numberList('transpose', 'perm', perm, false),
  }) as Tensor<Transpose<S, P>>

/**
 * Swaps the last two axes (matrix transpose of each batch element).
 * @example
 * import { swapLast, input } from 'kiln'
 * swapLast(input('x', [5, 2, 3])).shape // [5, 3, 2]
 */
export const swapLast = (x: Tensor): Tensor => {
  const r = x.shape.length
  if (r < 2) throw new ShapeError('swapLast', [x.shape], 'needs rank 2 or more')
  return transpose(x, [...x.shape.keys()].map((i) => (i < r - 2 ? i : i === r - 2 ? r - 1 : r - 2)))
}

/**
 * Same elements in a new shape (equal element count); one `-1` is inferred.
 * @example
 * import { reshape, input } from 'kiln'
 * reshape(input('x', [2, 3]), [3, 2]).shape // [3, 2]
 */
export const reshape = <S extends Shape, const T extends Shape>(x: Tensor<S>, shape: T & CheckReshape<S, T>): Tensor<T> => {
  const target = inferDims(sizeOf(tensorArg('reshape', 'x', x).shape), numberList('reshape', 'shape', shape, false))
  if (shapeEq(target, x.shape)) return x as Tensor as Tensor<T>
  return make('reshape', [x], {}, target) as Tensor<T>
}

/**
 * Broadcasts `x` to `shape` explicitly.
 * @example
 * import { broadcastTo, input } from 'kiln'
 * broadcastTo(input('b', [3]), [4, 3]).shape // [4, 3]
 */
export const broadcastTo = <const T extends Shape>(x: TensorLike, shape: T): Tensor<T> => {
  const t = lift(x, 'broadcastTo', 'x')
  const dims = numberList('broadcastTo', 'shape', shape, false)
  return (shapeEq(t.shape, dims) ? t : make('broadcastTo', [t], {}, dims)) as Tensor<T>
}

/**
 * The box `[begin, begin + size)` of `x`.
 * @example
 * import { slice, input } from 'kiln'
 * slice(input('x', [4, 5]), [1, 0], [2, 5]).shape // [2, 5]
 */
export const slice = <const T extends Shape>(x: Tensor, begin: readonly number[], size: T): Tensor<T> => {
  const [b, s] = [numberList('slice', 'begin', begin, false), numberList('slice', 'size', size, false)]
  return (shapeEq(s, tensorArg('slice', 'x', x).shape) && b.length === s.length && b.every((v) => v === 0) ? x : make('slice', [x], { begin: b }, s)) as Tensor<T>
}

/**
 * Constant padding of each axis by `before[k]` and `after[k]` elements, filled with `value` (any
 * number, NaN and infinities included; anything else is an `ArgumentError`).
 * @example
 * import { pad, input } from 'kiln'
 * pad(input('x', [2, 2]), [1, 1], [1, 1]).shape // [4, 4]
 * try { pad(input('x', [2]), [1], [0], '0' as never) } catch (e) { (e as Error).message } // 'pad: value: expected a number, got the string "0"'
 */
export const pad = (x: Tensor, before: readonly number[], after: readonly number[], value = 0): Tensor => {
  const [b, a] = [numberList('pad', 'before', before, false), numberList('pad', 'after', after, false)]
  requireNumber('pad', 'value', value)
  const rank = tensorArg('pad', 'x', x).shape.length
  return [...b, ...a].every((p) => p === 0) && b.length === rank && a.length === rank ? x : make('pad', [x], { before: b, after: a, value })
}

/**
 * Joins tensors along `axis` (negative counts from the end).
 * @example
 * import { concat, input } from 'kiln'
 * concat([input('a', [2, 3]), input('b', [2, 1])], 1).shape // [2, 4]
 */
export const concat = (xs: readonly Tensor[], axis = 0): Tensor => {
  const ts = tensorList('concat', 'xs', xs)
  if (ts.length === 0) throw new ShapeError('concat', [], 'needs at least one operand')
  const ax = normAxes('concat', ts[0]!.shape, requireNumber('concat', 'axis', axis), 'axis')[0]!
  return ts.length === 1 ? ts[0]! : make('concat', ts, { axis: ax })
}

/**
 * One-hot encoding along a new last axis; labels outside [0, depth) give a zero row.
 * @example
 * import { oneHot, input } from 'kiln'
 * oneHot(input('y', [64]), 10).shape // [64, 10]
 */
export const oneHot = <S extends Shape, const D extends number>(labels: Tensor<S>, depth: D): Tensor<readonly [...S, D]> =>
  make('oneHot', [tensorArg('oneHot', 'labels', labels)], { depth: requireNumber('oneHot', 'depth', depth) }) as Tensor<readonly [...S, D]>

/**
 * Row `labels[i]` of `x` for each i (gather along axis 0), as `oneHot(labels) @ x`.
 * An infinite or NaN entry of `x` makes its whole column NaN in the result (0 * Inf is NaN).
 * @example
 * import { gather, input, param } from 'kiln'
 * gather(param('emb', [10, 4]), input('ids', [6])).shape // [6, 4]
 */
export const gather = (x: Tensor, labels: Tensor): Tensor => {
  if (x.shape.length !== 2) throw new ShapeError('gather', [x.shape, labels.shape], 'x must be a matrix')
  const flat = reshape(labels, [sizeOf(labels.shape), 1] as const)
  const picked = matmul(reshape(oneHot(flat, x.shape[0]!), [sizeOf(labels.shape), x.shape[0]!]), x)
  return reshape(picked, [...labels.shape, x.shape[1]!])
}

/**
 * `x[..., labels[...]]`: picks one entry of the last axis per row, e.g. the log-probability of each label.
 * Computed as `sum(x * oneHot(labels))`, so an infinite or NaN entry anywhere in a row makes that row's result NaN.
 * @example
 * import { takeAlong, input } from 'kiln'
 * takeAlong(input('logp', [64, 10]), input('y', [64])).shape // [64]
 */
export const takeAlong = (x: Tensor, labels: Tensor): Tensor => {
  const depth = x.shape[x.shape.length - 1]
  if (depth === undefined || !shapeEq(labels.shape, x.shape.slice(0, -1)))
    throw new ShapeError('takeAlong', [x.shape, labels.shape], 'labels must have the shape of x without its last axis')
  return sum(mul(x, oneHot(labels, depth)), -1)
}

/**
 * Elementwise `x * x`.
 * @example
 * import { square, input } from 'kiln'
 * square(input('x', [3])).op // 'mul'
 */
export const square = <T extends Tensor>(x: T): T => mul(x as Tensor, x as Tensor) as Tensor as T

/**
 * Clips into `[lo, hi]` (bounds are primitive numbers; anything else is an `ArgumentError`).
 * @example
 * import { clip, input } from 'kiln'
 * clip(input('p', [3]), 1e-7, 1 - 1e-7).shape // [3]
 */
export const clip = <T extends Tensor>(x: T, lo: number, hi: number): T => {
  const [l, h] = [requireNumber('clip', 'lo', lo), requireNumber('clip', 'hi', hi)]
  return minimum(maximum(tensorArg('clip', 'x', x), l) as Tensor, h) as Tensor as T
}

/**
 * Zeros / ones of a tensor's shape.
 * @example
 * import { zerosLike, input } from 'kiln'
 * zerosLike(input('x', [2])).shape // [2]
 */
export const zerosLike = (x: Tensor): Tensor => broadcastTo(scalar(0), x.shape)
/** Ones of a tensor's shape. @example import { onesLike, input } from 'kiln'; onesLike(input('x', [2])).shape // [2] */
export const onesLike = (x: Tensor): Tensor => broadcastTo(scalar(1), x.shape)

/**
 * Sums a broadcast cotangent back to an operand's shape (the adjoint of broadcasting).
 * @example
 * import { unbroadcast, input } from 'kiln'
 * unbroadcast(input('g', [4, 3]), [3]).shape // [3]
 */
export const unbroadcast = (g: Tensor, shape: Shape): Tensor => {
  if (shapeEq(g.shape, shape)) return g
  const lead = g.shape.length - shape.length
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []))
  const s = axes.length === 0 ? g : sum(g, axes, true)
  return reshape(s, shape)
}
