/**
 * Constants keyed by content hash, the byte-bounded compile cache and logSumExp's infinite rows (issue 9):
 * random constants from an alphabet of special values are one node exactly when equal by `Object.is`, a
 * cached artifact always computes with its own graph's constants, and logSumExp of random rows of
 * finite, infinite and NaN entries gives PyTorch's value, compiled or interpreted, with a finite gradient
 * on every row without +Infinity or NaN.
 */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, it } from 'vitest'
import * as K from '../../src/index.js'
import { compile } from '../../src/compile/index.js'
import { grad } from '../../src/grad.js'
import type { Tensor } from '../../src/tensor.js'

const quietNaN = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]!
const special = fc.constantFrom(0, -0, 1, 2, -1.5, 1e300, NaN, quietNaN, Infinity, -Infinity)

const run = (outs: readonly Tensor[], bind: K.Bindings): Float64Array[] => {
  const exe = compile(outs)
  if (E.isLeft(exe)) throw new Error(exe.left.message)
  return exe.right.run(bind)
}
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]))

/** PyTorch's logsumexp of one row. */
const lseRef = (row: readonly number[]): number => {
  if (row.some(Number.isNaN)) return NaN
  if (row.includes(Infinity)) return Infinity
  const m = Math.max(...row)
  if (m === -Infinity) return -Infinity
  return Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m
}
const near = (got: number, want: number): boolean => Object.is(got, want) || Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want))

describe('constants and the compile cache (fuzz)', () => {
  it('two constants are one node exactly when their values are equal by Object.is', () => {
    fc.assert(
      fc.property(fc.array(special, { minLength: 1, maxLength: 4 }), fc.array(special, { minLength: 1, maxLength: 4 }), (a, b) => {
        const equal = a.length === b.length && a.every((v, i) => Object.is(v, b[i]))
        return (K.constant(a) === K.constant(b)) === equal
      }),
      { seed: 91, numRuns: 400 },
    )
  })

  it('a compiled graph computes with its own constants, whatever was compiled and cached before', () => {
    const x = K.input('x', [3])
    const ones = { x: Float64Array.of(1, 1, 1) }
    fc.assert(
      fc.property(fc.array(fc.array(special, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }), (cs) => {
        for (const c of cs) {
          const y = K.mul(x, K.constant(c))
          if (!sameBits(run([y], ones)[0]!, K.evaluate([y], ones)[0]!)) return false
        }
        return true
      }),
      { seed: 92, numRuns: 100 },
    )
  })
})

describe('logSumExp of rows with infinite and NaN entries (fuzz)', () => {
  const entry = fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.constantFrom(-Infinity, -Infinity, Infinity, NaN))
  const rows = fc.array(fc.array(entry, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 })

  it("matches PyTorch's value along either axis, compiled and interpreted; the gradient is finite unless +Infinity or NaN", () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const n = rs.length
        const x = K.input('x', [n, 3])
        const xt = K.input('xt', [3, n])
        const bind = { x: Float64Array.from(rs.flat()), xt: Float64Array.from({ length: 3 * n }, (_, i) => rs[i % n]![Math.floor(i / n)]!) }
        const want = rs.map(lseRef)
        const outs = [K.logSumExp(x, 1), K.logSumExp(xt, 0), ...grad(K.sum(K.logSumExp(x, 1)), [x])]
        for (const got of [K.evaluate(outs, bind), run(outs, bind)]) {
          if (!want.every((w, i) => near(got[0]![i]!, w) && near(got[1]![i]!, w))) return false
          const finiteGrad = rs.every((r, i) => r.some((v) => Number.isNaN(v) || v === Infinity) || [0, 1, 2].every((j) => Number.isFinite(got[2]![3 * i + j]!)))
          if (!finiteGrad) return false
        }
        return true
      }),
      { seed: 93, numRuns: 150 },
    )
  })
})
