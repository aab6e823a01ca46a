/**
 * The error function in float64, for the `erf` op's scalar kernel and its reference evaluation
 * (JavaScript has no `Math.erf`).
 *
 * Kernels receive `erf` as a function value (the op record's helper `kErf`), so it is the same
 * function the reference interpreter runs; it calls only `Math.exp`, `Math.floor` and the two exact
 * product helpers below.
 *
 * Accuracy, measured against mpmath (spec/ops/erf-values.json and a 90,000-point random sample):
 * at most 1 ulp from the correctly rounded value over the whole float64 range. Every sampled point
 * with 2^-1000 <= |x| < 1 or |x| >= 3 is correctly rounded; 1-ulp misroundings occur for about 1%
 * of points with 1 <= |x| < 3 (the double-precision parts of the series and of 1 - erfc) and 7% of
 * those below 2^-1000 (the rescaled result is rounded twice).
 * @module
 */

/**
 * `2 / sqrt(pi)`, erf's slope at 0 (to the nearest double).
 * @example
 * import { TWO_OVER_SQRT_PI } from './erf.js'
 * TWO_OVER_SQRT_PI === 2 / Math.sqrt(Math.PI) // true
 */
export const TWO_OVER_SQRT_PI = 1.1283791670955126

/**
 * `1 / sqrt(pi)` (to the nearest double): erfc's continued fraction's factor.
 * @example
 * import { ONE_OVER_SQRT_PI } from './erf.js'
 * ONE_OVER_SQRT_PI === 1 / Math.sqrt(Math.PI) // true
 */
export const ONE_OVER_SQRT_PI = 0.5641895835477563

/** The high half of `v` in Veltkamp's split (factor 2^27 + 1): `v - hi(v)` is exact, and so are products of halves. */
const hi = (v: number): number => {
  const s = 134217729 * v
  return s - (s - v)
}

/** The exact rounding error of the product `p = a * b` (Dekker), from the split halves of `a` and `b`. */
const prodErr = (ah: number, al: number, bh: number, bl: number, p: number): number => ah * bh - p + ah * bl + al * bh + al * bl

/**
 * The error function `erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt`, to within 1 ulp
 * for every float64 `x`: odd (`erf(-x) === -erf(x)`, the sign of zero kept), exactly ±1 from
 * |x| = 6 on (where it rounds to ±1 anyway), `NaN` for `NaN`. Tiny and subnormal arguments keep
 * their digits: `erf(x)` is `x * 2/sqrt(pi)` rounded once (twice below 2^-1000, still within 1 ulp).
 *
 * Cost: a bounded number of steps. The worst case is 57 iterations of a one-division loop (the
 * continued fraction just above |x| = 1.5; about 280 ns a call measured under Node 20, against 20 ns
 * for Math.exp); the series below 1.5 runs at most 20 plain and 5 double-double steps (about 110 to
 * 130 ns); arguments below 2^-28 or from 6 on take no loop.
 *
 * @example
 * import { erf } from './erf.js'
 *
 * erf(0) // 0
 * Object.is(erf(-0), -0) // true
 * erf(0.5) // 0.5204998778130465
 * erf(-1) // -0.8427007929497149
 * erf(2) // 0.9953222650189527
 * erf(Infinity) // 1
 * erf(-6) // -1
 * erf(NaN) // NaN
 * // no underflow to 0 and no lost digits for tiny or subnormal arguments:
 * erf(1e-300) // 1.1283791670955126e-300
 * erf(1e-300) / 1e-300 === 2 / Math.sqrt(Math.PI) // true
 * erf(5e-324) // 5e-324
 */
export function erf(x: number): number {
  const a = x < 0 ? -x : x
  if (!(a < 6)) return a === a ? (x < 0 ? -1 : 1) : NaN // erfc(6) < 2^-54: 1 - erfc rounds to 1

  if (a < 3.725290298461914e-9) {
    // |x| < 2^-28: erf(x) = c x (1 - x^2/3) with c = 2/sqrt(pi) = ch + cl (double-double); the next
    // term, x^4/10, is below 2^-115. x^2/3 < 2^-57 is under an ulp but still decides some roundings.
    // The product x*ch is formed exactly (Dekker) so that only the final addition rounds.
    // Below 2^-1000 the product's low part would fall into gradual underflow: scale by 2^64 first
    // (exact) and back at the end (one more rounding, onto the subnormal grid).
    if (x === 0) return x // -0 + 0 would be +0 below
    const scaled = a < 9.332636185032189e-302
    const s = scaled ? x * 1.8446744073709552e19 : x
    const ch = TWO_OVER_SQRT_PI
    const chh = hi(ch)
    const sh = hi(s)
    const p = s * ch
    const pe = prodErr(sh, s - sh, chh, ch - chh, p)
    const y = p + (pe + s * 1.533545961316588e-17 - p * ((x * x) / 3))
    return scaled ? y * 5.421010862427522e-20 : y
  }

  // Veltkamp split (factor 2^27 + 1) of |x| into 26-bit halves, so that x^2 = zh + zl exactly
  // (Dekker's product; the same split is used for every exact product below).
  // Rounding x^2 alone costs about 2^-53 relative in z, which exp(-z) turns into an error of z
  // times that: several ulps once z is large.
  const ah = hi(a)
  const al = a - ah
  const zh = a * a
  const zl = ah * ah - zh + 2 * ah * al + al * al

  if (a < 1.5) {
    // Maclaurin series erf(x) = (2/sqrt(pi)) x sum_n (-z)^n / (n! (2n+1)). It needs no exp, and for
    // |x| < 1.5 its alternating terms cancel by at most a factor 6. The first six terms carry the
    // result, so they are summed in double-double; times 83160 = lcm(1, 3, 10, 42, 216, 1320) their
    // coefficients are the exact integers 83160, -27720, 8316, -1980, 385, -63. The remaining tail
    // is below 2.5% of the sum and is summed in plain doubles, nested from the far end (Horner).
    // With only five terms in double-double the tail's rounding noise (0.3 ulp near x = 1.5) was
    // larger than erf's increase between neighbouring doubles: erf came out locally non-monotonic.
    //
    // The positive-term series x e^{-z} sum (2z)^n / (2n+1)!! was tried here first and measured
    // 4 to 16 ulps off: Math.exp's own error (up to 1 ulp) and the product's roundings add up.
    const last = zh < 0.25 ? 12 : zh < 1 ? 19 : 26 // first omitted term < 2^-62 of the sum
    let h = 1 / (2 * last + 1)
    for (let n = last - 1; n >= 6; n--) h = 1 / (2 * n + 1) - (zh / (n + 1)) * h
    // 83160 * sum_{n>=6} (-z)^n / (n! (2n+1)) = (83160/720) z^6 h
    const z3 = zh * zh * zh
    const tail = 115.5 * (z3 * z3) * h

    // Horner in double-double: p = 83160 + z(-27720 + z(8316 + z(-1980 + z(385 - 63 z)))), p = ph + pl.
    const zhh = hi(zh)
    const zhl = zh - zhh
    let ph = -63
    let pl = 0
    for (let i = 0; i < 5; i++) {
      const coef = i === 0 ? 385 : i === 1 ? -1980 : i === 2 ? 8316 : i === 3 ? -27720 : 83160
      const m = ph * zh
      const phh = hi(ph)
      const me = prodErr(phh, ph - phh, zhh, zhl, m) // m's exact rounding error
      const lo = me + ph * zl + pl * zh
      const s = coef + m // two-sum: s + e = coef + m exactly
      const bv = s - coef
      const e = coef - (s - bv) + (m - bv)
      const t = e + lo
      ph = s + t
      pl = t - (ph - s)
    }
    {
      const s = ph + tail
      const bv = s - ph
      const e = ph - (s - bv) + (tail - bv)
      const t = e + pl
      ph = s + t
      pl = t - (ph - s)
    }

    // erf = (k x) p with k = (2/sqrt(pi)) / 83160 as a double-double (a double alone is 0.5 ulp off);
    // both products are formed exactly so that only the final addition rounds at full weight.
    const kh0 = 1.3568773053096591e-5
    const khh = hi(kh0)
    const xh = x < 0 ? -ah : ah
    const xl = x < 0 ? -al : al
    const kh = x * kh0
    const kl = prodErr(xh, xl, khh, kh0 - khh, kh) + x * 4.140328328050364e-22
    const yh = kh * ph
    const k2h = hi(kh)
    const p2h = hi(ph)
    const ye = prodErr(k2h, kh - k2h, p2h, ph - p2h, yh)
    return yh + (ye + kh * pl + kl * ph)
  }

  // 1.5 <= |x| < 6: erf = 1 - erfc, erfc(x) = e^{-z} x / sqrt(pi) / (b0 - a1/(b1 - a2/(b2 - ...)))
  // with b_k = z + 2k + 1/2 and a_k = k (k - 1/2): the even part of erfc's Laplace continued
  // fraction (Legendre's for Gamma(1/2, z)), which converges twice as fast per step as the plain one.
  // erfc <= 0.034 here, so its few-ulp relative error shrinks to a small fraction of an ulp of erf.
  // Evaluated backwards from a fixed depth: measured on a 1/64 grid of [1.5, 6], depth 4 + 120/z
  // leaves a truncation error of erfc below 2^-60 of erf with 10 steps or more to spare near 1.5
  // (the depth needed is not monotonic in x, hence the margin); at most 57 steps, at x = 1.5.
  const depth = 4 + Math.floor(120 / zh)
  let t = zh + (2 * depth + 0.5)
  for (let k = depth; k >= 1; k--) t = zh + (2 * k - 1.5) - (k * (k - 0.5)) / t
  const ez = Math.exp(-zh)
  const erfc = (ez - ez * zl) * ((ONE_OVER_SQRT_PI * a) / (t + zl)) // e^{-zl} = 1 - zl to 2^-96
  const y = 1 - erfc
  return x < 0 ? -y : y
}
