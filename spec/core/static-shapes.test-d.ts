// Type-level tests of the public API: literal shapes catch shape errors at compile time.
import { describe, expectTypeOf, it } from 'vitest'
import { add, input, matmul, mean, param, reshape, sum, transpose, type Tensor } from '../../src/index.js'

describe('static shapes', () => {
  const x = input('x', [64, 10])
  const w = param('w', [10, 3])
  const b = param('b', [3])

  it('infers literal shapes through ops', () => {
    expectTypeOf(x).toEqualTypeOf<Tensor<readonly [64, 10]>>()
    expectTypeOf(matmul(x, w)).toEqualTypeOf<Tensor<readonly [64, 3]>>()
    expectTypeOf(add(matmul(x, w), b)).toEqualTypeOf<Tensor<readonly [64, 3]>>()
    expectTypeOf(sum(x, 1)).toEqualTypeOf<Tensor<readonly [64]>>()
    expectTypeOf(mean(x, 0, true)).toEqualTypeOf<Tensor<readonly [1, 10]>>()
    expectTypeOf(transpose(x)).toEqualTypeOf<Tensor<readonly [10, 64]>>()
    expectTypeOf(reshape(x, [640])).toEqualTypeOf<Tensor<readonly [640]>>()
  })

  it('rejects bad literal compositions', () => {
    // @ts-expect-error inner dimensions 10 and 3 differ
    matmul(x, param('v', [3, 10]))
    // @ts-expect-error [64,10] and [4] do not broadcast
    add(x, input('c', [4]))
    // @ts-expect-error 640 elements cannot become 600
    reshape(x, [60, 10])
  })

  it('falls back to runtime checks for dimensions typed as number', () => {
    const n: number = 5
    const dyn = input('d', [n, 10])
    expectTypeOf(matmul(dyn, w).shape).toMatchTypeOf<readonly number[]>()
    expectTypeOf(add(dyn, param('c', [10])).shape).toMatchTypeOf<readonly number[]>()
    expectTypeOf(add(input('e', [n]), b).shape).toMatchTypeOf<readonly number[]>()
    // @ts-expect-error the known trailing 10 still cannot broadcast with 3
    add(dyn, b)
  })
})
