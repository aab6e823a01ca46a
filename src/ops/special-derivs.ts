/**
 * The derivatives of sigmoid and erf of every order, as the `dsigmoid` and `derf` primitives compute
 * them: orders 1-3 in forms that neither cancel (beside the zeros of the third derivatives too) nor lose
 * the digits of a subnormal result; higher orders by recurrences, accurate away from their zeros.
 * @module
 */
import { TWO_OVER_SQRT_PI } from './erf.js'

/**
 * The highest order `dsigmoid` and `derf` compute (the recurrences cost order^2).
 * @example
 * import { MAX_ORDER } from './special-derivs.js'
 * MAX_ORDER // 32
 */
export const MAX_ORDER = 32

/** `sigmoid'(x) = e / (1 + e)^2`, `e = exp(-|x|)`, with the rounding of `1 + e` carried as a correction. */
const sigmoid1 = (x: number): number => {
  const e = Math.exp(-Math.abs(x))
  const d = 1 + e
  const c = e - (d - 1) // exact: 1 + e = d + c (Fast2Sum, e <= 1)
  const q = e / d / d
  return q - q * ((2 * c) / d)
}

/** ln(2 + sqrt 3) as the sum of two doubles: the zero of sigmoid''' is at |x| = L. */
const L_HI = 1.3169578969248168
const L_LO = -8.6822508448520214e-17
/** 2 -+ sqrt 3, each the double nearest to it (2 - Math.sqrt(3) would be 1.4 ulps off). */
const R1 = 0.2679491924311227
const R2 = 3.732050807568877

/**
 * `sigmoid'''(x) = sigmoid'(x) (1 - 6 sigmoid'(x)) = e (e - r1)(e - r2) / (1 + e)^4` with r1,2 = 2 -+ sqrt 3:
 * `e - r1 = r1 expm1(L - |x|)`, so the factor that vanishes at |x| = L is computed from `L - |x|` (exact
 * there) and keeps its digits beside the zero.
 */
const sigmoid3 = (x: number): number => {
  const a = Math.abs(x)
  const e = Math.exp(-a)
  const near = R1 * Math.expm1(L_HI - a + L_LO)
  const d = 1 + e
  return sigmoid1(x) * ((near * (e - R2)) / (d * d))
}

const termsByOrder: (readonly (readonly [number, number, number])[])[] = []

/**
 * The terms `[c, i, j]` of sigmoid's n-th derivative as `sum c y^i z^j` with y = sigmoid(x), z = sigmoid(-x),
 * from d/dx (y^i z^j) = i y^i z^(j+1) - j y^(i+1) z^j, in a fixed order (the ONNX export sums them in the
 * same order as the kernel); computed once per order.
 * @example
 * import { sigmoidTerms } from './special-derivs.js'
 * sigmoidTerms(1) // [[1, 1, 1]]
 * sigmoidTerms(2) // [[1, 1, 2], [-1, 2, 1]]
 */
export const sigmoidTerms = (n: number): readonly (readonly [number, number, number])[] => {
  const known = termsByOrder[n]
  if (known !== undefined) return known
  let terms = new Map<string, number>([['1,0', 1]])
  for (let k = 0; k < n; k++) {
    const next = new Map<string, number>()
    const add = (i: number, j: number, c: number) => next.set(`${i},${j}`, (next.get(`${i},${j}`) ?? 0) + c)
    for (const [key, c] of terms) {
      const [i, j] = key.split(',').map(Number) as [number, number]
      if (i > 0) add(i, j + 1, c * i)
      if (j > 0) add(i + 1, j, -c * j)
    }
    terms = next
  }
  const list = [...terms].map(([key, c]) => {
    const [i, j] = key.split(',').map(Number) as [number, number]
    return [c, i, j] as const
  })
  termsByOrder[n] = list
  return list
}

/** Order n of sigmoid from its terms (both y and z accurate). */
const sigmoidSeries = (x: number, n: number): number => {
  const y = 1 / (1 + Math.exp(-x))
  const z = 1 / (1 + Math.exp(x))
  let s = 0
  for (const [c, i, j] of sigmoidTerms(n)) s += c * y ** i * z ** j
  return s
}

/**
 * The n-th derivative of the logistic function (n >= 1; NaN for an order outside 1..MAX_ORDER).
 * @example
 * import { dsigmoid } from './special-derivs.js'
 * dsigmoid(0, 1) // 0.25
 * dsigmoid(700, 1) // Math.exp(-700)
 * dsigmoid(0, 2) // -0
 */
export const dsigmoid = (x: number, n = 1): number => {
  if (n === 1) return sigmoid1(x)
  if (n === 2) return -sigmoid1(x) * Math.tanh(x / 2)
  if (n === 3) return sigmoid3(x)
  return Number.isInteger(n) && n > 3 && n <= MAX_ORDER ? sigmoidSeries(x, n) : NaN
}

/** 2 / sqrt(pi) as the sum of two doubles (the high part is the double nearest to it). */
const C_HI = TWO_OVER_SQRT_PI
const C_LO = 1.5335459613165881e-17
/** Veltkamp's splitting constant 2^27 + 1: splits a double into two 26-bit halves. */
const SPLIT = 134217729

/** `x^2` as `hi + lo` exactly (Dekker's product through Veltkamp's split). */
const exactSquare = (x: number): readonly [number, number] => {
  const hi = x * x
  const t = SPLIT * x
  const xh = t - (t - x)
  const xl = x - xh
  return [hi, xh * xh - hi + 2 * xh * xl + xl * xl]
}
/** fdlibm's ln 2 split: LN2_HI has 32 significant bits, so k LN2_HI is exact for the k used here. */
const LN2_HI = 6.93147180369123816490e-1
const LN2_LO = 1.90821492927058770002e-10
const SCALE = 512
const TWO_M512 = 2 ** -512

/**
 * `2/sqrt(pi) e^(-x^2)` as `[m, k]` with the value `m 2^-k`: `x^2 = hi + lo` exactly (Dekker's product),
 * since the rounding of `x^2` alone would be multiplied by `x^2` in the exponential; where the value is
 * near or below the smallest normal, it is computed as `e^(-x^2 + 512 ln 2)` and scaled by 2^-512 by
 * the caller, after the polynomial factor, so that a subnormal result is rounded once.
 */
const gaussian = (x: number): readonly [number, number] => {
  const [hi, lo] = exactSquare(x)
  if (hi < 700) {
    const m = Math.exp(-hi)
    return [m * C_HI + m * (C_LO - C_HI * lo), 0]
  }
  // SCALE LN2_HI - hi is exact (both multiples of 2^-43 and the result below 512)
  const m = Math.exp(SCALE * LN2_HI - hi)
  const s = Math.expm1(SCALE * LN2_LO - lo)
  const g = m + m * s
  return [g * C_HI + g * C_LO, SCALE]
}

/** Hermite polynomials by their recurrence, H_(k+1) = 2x H_k - 2k H_(k-1). */
const hermite = (x: number, n: number): number => {
  let [h0, h1] = [1, 2 * x]
  if (n === 0) return h0
  for (let k = 1; k < n; k++) [h0, h1] = [h1, 2 * x * h1 - 2 * k * h0]
  return h1
}

/**
 * The polynomial factor of erf's derivative of order n + 1, `(-1)^n H_n(x)`; for n = 2 and 3 with
 * `x^2 - 1/2` and `x^2 - 3/2` formed from the exact square, so they keep their digits beside their zeros.
 */
const erfFactor = (x: number, n: number): number => {
  if (n === 0) return 1
  if (n === 1) return -2 * x
  const [hi, lo] = exactSquare(x)
  if (n === 2) return 4 * (hi - 0.5 + lo)
  if (n === 3) return -8 * x * (hi - 1.5 + lo)
  return n % 2 === 0 ? hermite(x, n) : -hermite(x, n)
}

/**
 * The n-th derivative of erf (n >= 1; NaN for an order outside 1..MAX_ORDER): `erf'(x) = 2/sqrt(pi) e^(-x^2)`.
 * @example
 * import { derf } from './special-derivs.js'
 * derf(0, 1) // 1.1283791670955126
 * derf(30, 1) // 0
 * derf(1, 2) === -2 * derf(1, 1) // true
 */
export const derf = (x: number, n = 1): number => {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_ORDER)) return NaN
  if (Number.isNaN(x)) return NaN
  // e^-784 is below every subnormal: 0, signed as the leading term (-1)^(n-1) (2x)^(n-1)
  if (Math.abs(x) > 28) return x < 0 || n % 2 === 1 ? 0 : -0
  const [m, k] = gaussian(x)
  const v = erfFactor(x, n - 1) * m
  return k === 0 ? v : v * TWO_M512
}

/**
 * The constants of the forms above (split ln 2, 2/sqrt(pi), ln(2 + sqrt 3), Veltkamp's splitter, the
 * 2^-512 scaling), for back ends that write the same forms (the ONNX export), so each is written once.
 * @example
 * import { SPECIAL_CONSTANTS } from './special-derivs.js'
 * SPECIAL_CONSTANTS.SPLIT // 134217729
 * Math.abs(SPECIAL_CONSTANTS.L_HI + SPECIAL_CONSTANTS.L_LO - Math.log(2 + Math.sqrt(3))) < 1e-15 // true
 */
export const SPECIAL_CONSTANTS = Object.freeze({ L_HI, L_LO, R1, R2, C_HI, C_LO, SPLIT, LN2_HI, LN2_LO, SCALE })
