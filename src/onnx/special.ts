/**
 * Kiln's special functions as ONNX subgraphs of float64 arithmetic. ONNX Runtime has no float64 `Erf`
 * or `Atan`, ONNX has no `Log1p`, `Expm1` or `Atan2`, and `LeakyRelu`'s alpha is a float32 attribute,
 * so these are written out from operations ONNX Runtime runs in float64; they follow the forms of
 * Kiln's own scalar functions (src/ops/special.ts, special-derivs.ts), so the digits Kiln keeps
 * (tiny arguments, tails, zeros of derivatives) are kept here too. `spec/onnx/ops.spec.ts` checks each
 * against the interpreter to relative 1e-12 on its test domain and beyond.
 * @module
 */
import type { OnnxBuilder } from './builder.js'
import { ONE_OVER_SQRT_PI, TWO_OVER_SQRT_PI } from '../ops/erf.js'
import { SPECIAL_CONSTANTS, sigmoidTerms } from '../ops/special-derivs.js'

/** Float64 arithmetic on value names: a formula's operations, each one ONNX node. */
export interface Arith {
  readonly c: (v: number) => string
  readonly add: (a: string, b: string) => string
  readonly sub: (a: string, b: string) => string
  readonly mul: (a: string, b: string) => string
  readonly div: (a: string, b: string) => string
  readonly neg: (a: string) => string
  readonly abs: (a: string) => string
  readonly exp: (a: string) => string
  readonly log: (a: string) => string
  readonly max: (a: string, b: string) => string
  readonly min: (a: string, b: string) => string
  /** Booleans (ONNX `bool`) for `where`. */
  readonly less: (a: string, b: string) => string
  readonly greater: (a: string, b: string) => string
  readonly equal: (a: string, b: string) => string
  readonly or: (a: string, b: string) => string
  readonly where: (cond: string, a: string, b: string) => string
  /** True where `a` is below zero or is -0 (the sign bit, NaN aside). */
  readonly signBit: (a: string) => string
  /** Any other ONNX operation on float64 values. */
  readonly op: (opType: string, ...inputs: string[]) => string
}

/**
 * The arithmetic of `b`.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * arith(b).add('x', arith(b).c(1)) // 't1'
 * b.nodes.map((n) => n.opType) // ['Add']
 */
export const arith = (b: OnnxBuilder): Arith => {
  const bin = (op: string) => (x: string, y: string) => b.op(op, [x, y])
  const un = (op: string) => (x: string) => b.op(op, [x])
  const less = bin('Less')
  return {
    c: (v) => b.scalar(v),
    add: bin('Add'), sub: bin('Sub'), mul: bin('Mul'), div: bin('Div'), max: bin('Max'), min: bin('Min'),
    neg: un('Neg'), abs: un('Abs'), exp: un('Exp'), log: un('Log'),
    less, greater: bin('Greater'), equal: bin('Equal'), or: bin('Or'),
    where: (cond, x, y) => b.op('Where', [cond, x, y]),
    signBit: (x) => b.op('Or', [less(x, b.scalar(0)), less(b.op('Div', [b.scalar(1), x]), b.scalar(0))]),
    op: (opType, ...inputs) => b.op(opType, inputs),
  }
}

/**
 * `log(1 + x)` (Goldberg): `log(u) x / (u - 1)` with `u = 1 + x` carries the rounding of `1 + x` back.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, log1p } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * log1p(arith(b), 'x')
 * b.nodes.map((n) => n.opType) // ['Add', 'Sub', 'Equal', 'Log', 'Div', 'Mul', 'Where', 'Equal', 'Where']
 */
export const log1p = (A: Arith, x: string): string => {
  const u = A.add(A.c(1), x)
  const d = A.sub(u, A.c(1))
  const r = A.where(A.equal(d, A.c(0)), x, A.mul(A.log(u), A.div(x, d)))
  return A.where(A.equal(x, A.c(Infinity)), x, r)
}

/**
 * `exp(x) - 1` (Kahan): `(u - 1) x / log(u)` with `u = exp(x)`.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, expm1 } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * expm1(arith(b), 'x')
 * b.nodes.filter((n) => n.opType === 'Where').length // 3
 */
export const expm1 = (A: Arith, x: string): string => {
  const u = A.exp(x)
  const um1 = A.sub(u, A.c(1))
  const r = A.where(A.equal(u, A.c(1)), x, A.where(A.equal(um1, A.c(-1)), A.c(-1), A.mul(um1, A.div(x, A.log(u)))))
  // above 700, u - 1 = u and log(u) may be infinite: exp(x) - 1 is exp(x)
  return A.where(A.greater(x, A.c(700)), u, r)
}

/**
 * Kiln's sigmoid: `1 / (1 + e^-x)` from 0 up, `e^x / (1 + e^x)` below (no overflow, subnormals kept).
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, sigmoid } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * sigmoid(arith(b), 'x')
 * b.nodes.map((n) => n.opType) // ['Abs', 'Neg', 'Exp', 'Add', 'Less', 'Div', 'Div', 'Where']
 */
export const sigmoid = (A: Arith, x: string): string => {
  const e = A.exp(A.neg(A.abs(x)))
  const d = A.add(A.c(1), e)
  return A.where(A.less(x, A.c(0)), A.div(e, d), A.div(A.c(1), d))
}

/**
 * `max(x, 0) + log1p(exp(-|x|))`.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, softplus } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * softplus(arith(b), 'x')
 * b.nodes.length // 14
 */
export const softplus = (A: Arith, x: string): string =>
  A.add(A.max(x, A.c(0)), log1p(A, A.exp(A.neg(A.abs(x)))))

/**
 * `x > 0 ? x : alpha x` as Kiln's kernel `max(x, alpha x)` with a float64 alpha (ONNX's LeakyRelu takes a float32 one).
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, leakyRelu } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * leakyRelu(arith(b), 'x', 0.1)
 * b.nodes.map((n) => n.opType) // ['Mul', 'Max']
 * b.initializers[0]!.data // { _tag: 'double', values: Float64Array.of(0.1) }
 */
export const leakyRelu = (A: Arith, x: string, alpha: number): string => A.max(x, A.mul(A.c(alpha), x))

/** sigmoid' = `e / (1 + e)^2`, `e = exp(-|x|)`, with the rounding of `1 + e` carried (as special-derivs.ts). */
const sigmoid1 = (A: Arith, x: string): string => {
  const e = A.exp(A.neg(A.abs(x)))
  const d = A.add(A.c(1), e)
  const c = A.sub(e, A.sub(d, A.c(1)))
  const q = A.div(A.div(e, d), d)
  return A.sub(q, A.mul(q, A.div(A.mul(A.c(2), c), d)))
}

/** The constants of Kiln's forms (special-derivs.ts), written once there. */
const { L_HI, L_LO, R1, R2, C_HI, C_LO, SPLIT, LN2_HI, LN2_LO, SCALE } = SPECIAL_CONSTANTS

/** sigmoid''' with the factor that vanishes at |x| = ln(2 + sqrt 3) taken from expm1(L - |x|). */
const sigmoid3 = (A: Arith, x: string): string => {
  const a = A.abs(x)
  const e = A.exp(A.neg(a))
  const near = A.mul(A.c(R1), expm1(A, A.add(A.sub(A.c(L_HI), a), A.c(L_LO))))
  const d = A.add(A.c(1), e)
  return A.mul(sigmoid1(A, x), A.div(A.mul(near, A.sub(e, A.c(R2))), A.mul(d, d)))
}

/**
 * The n-th derivative of sigmoid (1 <= n <= 32, checked by the op's builder): orders 1-3 in Kiln's stable
 * forms, higher ones as the sum of `c y^i z^j` terms.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, dsigmoid } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * dsigmoid(arith(b), 'x', 2)
 * b.nodes.some((n) => n.opType === 'Tanh') // true
 */
export const dsigmoid = (A: Arith, x: string, n: number): string => {
  if (n === 1) return sigmoid1(A, x)
  if (n === 2) return A.neg(A.mul(sigmoid1(A, x), A.op('Tanh', A.div(x, A.c(2)))))
  if (n === 3) return sigmoid3(A, x)
  const y = A.div(A.c(1), A.add(A.c(1), A.exp(A.neg(x))))
  const z = A.div(A.c(1), A.add(A.c(1), A.exp(x)))
  const pow = (v: string, k: number): string => (k === 0 ? A.c(1) : k === 1 ? v : A.op('Pow', v, A.c(k)))
  let s = A.c(0)
  for (const [c, i, j] of sigmoidTerms(n)) s = A.add(s, A.mul(A.mul(A.c(c), pow(y, i)), pow(z, j)))
  return s
}


/** `x^2` as `[hi, lo]` exactly (Dekker's product through Veltkamp's split). */
const exactSquare = (A: Arith, x: string): readonly [string, string] => {
  const hi = A.mul(x, x)
  const t = A.mul(A.c(SPLIT), x)
  const xh = A.sub(t, A.sub(t, x))
  const xl = A.sub(x, xh)
  const lo = A.add(A.add(A.sub(A.mul(xh, xh), hi), A.mul(A.mul(A.c(2), xh), xl)), A.mul(xl, xl))
  return [hi, lo]
}

/** Hermite's H_n(x) by H_(k+1) = 2x H_k - 2k H_(k-1). */
const hermite = (A: Arith, x: string, n: number): string => {
  let [h0, h1] = [A.c(1), A.mul(A.c(2), x)]
  if (n === 0) return h0
  for (let k = 1; k < n; k++) [h0, h1] = [h1, A.sub(A.mul(A.mul(A.c(2), x), h1), A.mul(A.c(2 * k), h0))]
  return h1
}

/** `(-1)^n H_n(x)`, with `x^2 - 1/2` and `x^2 - 3/2` formed from the exact square for n = 2, 3. */
const erfFactor = (A: Arith, x: string, n: number, sq: readonly [string, string]): string => {
  const [hi, lo] = sq
  if (n === 0) return A.c(1)
  if (n === 1) return A.mul(A.c(-2), x)
  if (n === 2) return A.mul(A.c(4), A.add(A.sub(hi, A.c(0.5)), lo))
  if (n === 3) return A.mul(A.mul(A.c(-8), x), A.add(A.sub(hi, A.c(1.5)), lo))
  return n % 2 === 0 ? hermite(A, x, n) : A.neg(hermite(A, x, n))
}

/**
 * The n-th derivative of erf: `(-1)^(n-1) H_(n-1)(x) 2/sqrt(pi) e^(-x^2)`, the Gaussian from the exact
 * square and, where it is near the subnormals, as `e^(512 ln 2 - x^2)` scaled by 2^-512 after the
 * polynomial factor (one rounding onto the subnormal grid).
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, derf } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * derf(arith(b), 'x', 1)
 * b.nodes.filter((n) => n.opType === 'Exp').length // 3
 */
export const derf = (A: Arith, x: string, n: number): string => {
  const sq = exactSquare(A, x)
  const [hi, lo] = sq
  const m0 = A.exp(A.neg(hi))
  const g0 = A.add(A.mul(m0, A.c(C_HI)), A.mul(m0, A.sub(A.c(C_LO), A.mul(A.c(C_HI), lo))))
  const m1 = A.exp(A.sub(A.c(SCALE * LN2_HI), hi))
  const s1 = expm1(A, A.sub(A.c(SCALE * LN2_LO), lo))
  const g1 = A.add(m1, A.mul(m1, s1))
  const g1c = A.add(A.mul(g1, A.c(C_HI)), A.mul(g1, A.c(C_LO)))
  const f = erfFactor(A, x, n - 1, sq)
  const near = A.less(hi, A.c(700))
  const v = A.where(near, A.mul(f, g0), A.mul(A.mul(f, g1c), A.c(2 ** -SCALE)))
  // beyond |x| = 28 the value is below every subnormal: a zero signed as (-1)^(n-1) (2x)^(n-1)
  const zero = n % 2 === 1 ? A.c(0) : A.where(A.less(x, A.c(0)), A.c(0), A.c(-0))
  return A.where(A.greater(A.abs(x), A.c(28)), zero, v)
}

/** Terms of erf's Maclaurin series summed below |x| = 1.5 (the first omitted one is below 2^-62 of the sum). */
const SERIES_TERMS = 26
/** Depth of erfc's continued fraction from |x| = 1.5 up (Kiln's erf needs at most 57 there). */
const FRACTION_DEPTH = 57

/**
 * erf in float64 arithmetic, in the two forms Kiln's erf (src/ops/erf.ts) uses: the Maclaurin series
 * `2/sqrt(pi) x sum (-x^2)^n / (n! (2n+1))` below |x| = 1.5 and `1 - erfc` from the even part of erfc's
 * continued fraction above, ±1 from 6 on. Both are summed in plain doubles here (Kiln carries some
 * steps in double-double): a few ulps where Kiln's is within one.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, erf } from './special.js'
 * const b = new OnnxBuilder(['x'])
 * erf(arith(b), 'x')
 * b.nodes.length // 272
 */
export const erf = (A: Arith, x: string): string => {
  const a = A.abs(x)
  const z = A.mul(a, a)
  let h = A.c(1 / (2 * SERIES_TERMS + 1))
  for (let n = SERIES_TERMS - 1; n >= 0; n--) h = A.sub(A.c(1 / (2 * n + 1)), A.mul(A.mul(z, A.c(1 / (n + 1))), h))
  const series = A.mul(A.mul(A.c(TWO_OVER_SQRT_PI), x), h)
  let t = A.add(z, A.c(2 * FRACTION_DEPTH + 0.5))
  for (let k = FRACTION_DEPTH; k >= 1; k--) t = A.sub(A.add(z, A.c(2 * k - 1.5)), A.div(A.c(k * (k - 0.5)), t))
  const erfc = A.mul(A.exp(A.neg(z)), A.div(A.mul(A.c(ONE_OVER_SQRT_PI), a), t))
  const tail = A.sub(A.c(1), erfc)
  const signed = (v: string) => A.where(A.less(x, A.c(0)), A.neg(v), v)
  const far = A.where(A.less(a, A.c(6)), signed(tail), signed(A.c(1)))
  return A.where(A.less(a, A.c(1.5)), series, A.where(A.equal(a, a), far, x))
}

const PI = Math.PI
/** tan(pi/8): above it, atan(t) = pi/4 + atan((t - 1)/(t + 1)). */
const TAN_PI_8 = 0.41421356237309503
/** Terms of atan's series for |u| <= tan(pi/8) (the first omitted one below 2^-57 of the sum). */
const ATAN_TERMS = 22

/**
 * `atan2(a, b)` (the angle of the point (b, a)) as IEEE 754 defines it, signed zeros and infinities
 * included: t = min/max of |a|, |b| reduced below tan(pi/8), atan's series, then the octant.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { arith, atan2 } from './special.js'
 * const b = new OnnxBuilder(['a', 'b'])
 * atan2(arith(b), 'a', 'b')
 * b.nodes.length // 75
 */
export const atan2 = (A: Arith, a: string, b: string): string => {
  const [ay, ax] = [A.abs(a), A.abs(b)]
  const [mx, mn] = [A.max(ay, ax), A.min(ay, ax)]
  const ratio = A.div(mn, mx)
  // 0/0 (the origin) reads 0; inf/inf reads 1 (the diagonals)
  const t = A.where(A.equal(mx, A.c(0)), A.c(0), A.where(A.equal(mn, A.c(Infinity)), A.c(1), ratio))
  const big = A.greater(t, A.c(TAN_PI_8))
  const u = A.where(big, A.div(A.sub(t, A.c(1)), A.add(t, A.c(1))), t)
  const w = A.mul(u, u)
  let p = A.c(1 / (2 * ATAN_TERMS - 1))
  for (let k = ATAN_TERMS - 2; k >= 0; k--) p = A.sub(A.c(1 / (2 * k + 1)), A.mul(w, p))
  const r0 = A.add(A.where(big, A.c(PI / 4), A.c(0)), A.mul(u, p))
  const r1 = A.where(A.greater(ay, ax), A.sub(A.c(PI / 2), r0), r0)
  const r2 = A.where(A.signBit(b), A.sub(A.c(PI), r1), r1)
  return A.where(A.signBit(a), A.neg(r2), r2)
}
