import { describe, expectTypeOf, test } from 'vitest'
import type { Shape } from '../src/shape.js'
import type {
  Broadcast,
  CheckBroadcast,
  CheckMatMul,
  CheckReshape,
  Concat,
  MatMul,
  Product,
  Reduce,
  ShapeMismatch,
  Transpose,
} from '../src/typelevel.js'

// A tiny mock of the ops API, to check the error brands the way callers will meet them.
interface T<S extends Shape> {
  readonly shape: S
}
declare function t<const S extends Shape>(s: S): T<S>
declare function add<A extends Shape, B extends Shape>(a: T<A>, b: T<B> & CheckBroadcast<A, B>): T<Broadcast<A, B>>
declare function matmul<A extends Shape, B extends Shape>(a: T<A>, b: T<B> & CheckMatMul<A, B>): T<MatMul<A, B>>
declare function reshape<A extends Shape, const B extends Shape>(a: T<A>, to: B & CheckReshape<A, B>): T<B>
declare const dyn: T<readonly number[]>
declare const batch: T<readonly [number, 784]>

describe('const inference', () => {
  test('t() infers readonly literal tuples', () => {
    expectTypeOf(t([2, 3]).shape).toEqualTypeOf<readonly [2, 3]>()
    expectTypeOf(t([]).shape).toEqualTypeOf<readonly []>()
  })
})

describe('Broadcast / CheckBroadcast', () => {
  test('literal shapes', () => {
    expectTypeOf<Broadcast<readonly [4, 1], readonly [3]>>().toEqualTypeOf<readonly [4, 3]>()
    expectTypeOf<Broadcast<readonly [2, 1, 5], readonly [7, 1]>>().toEqualTypeOf<readonly [2, 7, 5]>()
    expectTypeOf<Broadcast<readonly [], readonly [2, 3]>>().toEqualTypeOf<readonly [2, 3]>()
    expectTypeOf<Broadcast<readonly [0], readonly [1]>>().toEqualTypeOf<readonly [0]>()
    expectTypeOf<Broadcast<readonly [2, 3], readonly [4]>>().toBeNever()
    expectTypeOf<CheckBroadcast<readonly [2, 3], readonly [3]>>().toBeUnknown()
    expectTypeOf<CheckBroadcast<readonly [2, 3], readonly [4]>>().toEqualTypeOf<
      ShapeMismatch<'shapes are not broadcastable', readonly [2, 3], readonly [4]>
    >()
  })
  test('number dims and non-tuple shapes fall back', () => {
    expectTypeOf<Broadcast<readonly [number, 1], readonly [5]>>().toEqualTypeOf<readonly [number, 5]>()
    expectTypeOf<Broadcast<readonly [number], readonly [1]>>().toEqualTypeOf<readonly [number]>()
    expectTypeOf<Broadcast<readonly number[], readonly [3]>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Broadcast<readonly [2 | 3], readonly [4]>>().toEqualTypeOf<readonly [4]>()
  })
  test('through a function signature', () => {
    expectTypeOf(add(t([64, 10]), t([10]))).toEqualTypeOf<T<readonly [64, 10]>>()
    expectTypeOf(add(t([2, 1]), t([1, 3]))).toEqualTypeOf<T<readonly [2, 3]>>()
    expectTypeOf(add(batch, t([1, 784]))).toEqualTypeOf<T<readonly [number, 784]>>()
    expectTypeOf(add(dyn, t([5]))).toEqualTypeOf<T<readonly number[]>>()
    add(t([3, 4]), dyn)
    // @ts-expect-error 3 vs 4 on the last axis
    add(t([2, 3]), t([4]))
    // @ts-expect-error 5 vs 7 on the first axis
    add(t([5, 1]), t([7, 2]))
  })
})

describe('MatMul / CheckMatMul', () => {
  test('results', () => {
    expectTypeOf<MatMul<readonly [64, 784], readonly [784, 256]>>().toEqualTypeOf<readonly [64, 256]>()
    expectTypeOf<MatMul<readonly [8, 1, 2, 3], readonly [5, 3, 4]>>().toEqualTypeOf<readonly [8, 5, 2, 4]>()
    expectTypeOf<MatMul<readonly [number, 784], readonly [784, 10]>>().toEqualTypeOf<readonly [number, 10]>()
    expectTypeOf<MatMul<readonly [2, number], readonly [7, 10]>>().toEqualTypeOf<readonly [2, 10]>()
    expectTypeOf<MatMul<readonly number[], readonly [3, 4]>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<MatMul<readonly [2, 3], readonly [4, 5]>>().toBeNever()
    expectTypeOf<MatMul<readonly [2, 2, 3], readonly [5, 3, 4]>>().toBeNever()
    expectTypeOf<MatMul<readonly [3], readonly [3, 4]>>().toBeNever()
  })
  test('error brands', () => {
    expectTypeOf<CheckMatMul<readonly [2, 3], readonly [3, 5]>>().toBeUnknown()
    expectTypeOf<CheckMatMul<readonly [2, 3], readonly [4, 5]>>().toEqualTypeOf<
      ShapeMismatch<'matmul inner dimensions must agree (3 vs 4)', readonly [2, 3], readonly [4, 5]>
    >()
    expectTypeOf<CheckMatMul<readonly [2, 2, 3], readonly [5, 3, 4]>['__shapeError']>().toEqualTypeOf<'matmul batch dimensions are not broadcastable'>()
    expectTypeOf(matmul(batch, t([784, 256]))).toEqualTypeOf<T<readonly [number, 256]>>()
    matmul(dyn, t([3, 4]))
    // @ts-expect-error inner dims 784 vs 256
    matmul(t([64, 784]), t([256, 10]))
    // @ts-expect-error batch dims 2 vs 5
    matmul(t([2, 4, 3]), t([5, 3, 4]))
  })
})

describe('Product / CheckReshape', () => {
  test('products', () => {
    expectTypeOf<Product<readonly []>>().toEqualTypeOf<1>()
    expectTypeOf<Product<readonly [784, 256]>>().toEqualTypeOf<200704>()
    expectTypeOf<Product<readonly [128, 784]>>().toEqualTypeOf<100352>()
    expectTypeOf<Product<readonly [64, 3, 32, 32]>>().toEqualTypeOf<196608>()
    expectTypeOf<Product<readonly [1000, 1000, 1000]>>().toEqualTypeOf<1000000000>()
    expectTypeOf<Product<readonly [99999, 99999, 9999]>>().toEqualTypeOf<99988000209999>()
    expectTypeOf<Product<readonly [60000, 28, 28, 0]>>().toEqualTypeOf<0>()
    expectTypeOf<Product<readonly [number, 10]>>().toEqualTypeOf<number>()
    expectTypeOf<Product<readonly number[]>>().toEqualTypeOf<number>()
    expectTypeOf<Product<readonly [-1, 10]>>().toEqualTypeOf<number>()
    expectTypeOf<Product<readonly [99999999999, 99999999999]>>().toEqualTypeOf<number>()
  })
  test('reshape checks', () => {
    expectTypeOf<CheckReshape<readonly [2, 3], readonly [3, 2]>>().toBeUnknown()
    expectTypeOf<CheckReshape<readonly [2, 3], readonly [4, 2]>>().toEqualTypeOf<
      ShapeMismatch<'reshape must preserve the element count (6 vs 8)', readonly [2, 3], readonly [4, 2]>
    >()
    expectTypeOf(reshape(t([128, 784]), [128, 28, 28])).toEqualTypeOf<T<readonly [128, 28, 28]>>()
    reshape(t([64, 3, 32, 32]), [64, 3072])
    reshape(batch, [4, 196])
    reshape(t([6]), [-1, 2])
    // @ts-expect-error 100352 vs 100000
    reshape(t([128, 784]), [100, 1000])
  })
})

describe('Reduce', () => {
  test('literal axes', () => {
    expectTypeOf<Reduce<readonly [2, 3, 4], readonly [1], false>>().toEqualTypeOf<readonly [2, 4]>()
    expectTypeOf<Reduce<readonly [2, 3, 4], readonly [-1], false>>().toEqualTypeOf<readonly [2, 3]>()
    expectTypeOf<Reduce<readonly [2, 3, 4], readonly [-3, 2], false>>().toEqualTypeOf<readonly [3]>()
    expectTypeOf<Reduce<readonly [2, 3, 4], -2, true>>().toEqualTypeOf<readonly [2, 1, 4]>()
    expectTypeOf<Reduce<readonly [2, 3, 4], readonly [0, 2], true>>().toEqualTypeOf<readonly [1, 3, 1]>()
    expectTypeOf<Reduce<readonly [2, 3], readonly [], false>>().toEqualTypeOf<readonly [2, 3]>()
    expectTypeOf<Reduce<readonly [number, 3], readonly [1], false>>().toEqualTypeOf<readonly [number]>()
  })
  test('all axes, fallbacks, out of range', () => {
    expectTypeOf<Reduce<readonly [2, 3], undefined, false>>().toEqualTypeOf<readonly []>()
    expectTypeOf<Reduce<readonly [2, 3], undefined, true>>().toEqualTypeOf<readonly [1, 1]>()
    expectTypeOf<Reduce<readonly [2, 3], number[], false>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Reduce<readonly [2, 3], readonly [number], true>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Reduce<readonly [2, 3], readonly [0], boolean>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Reduce<readonly number[], readonly [0], false>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Reduce<readonly [2, 3], readonly [2], false>>().toBeNever()
    expectTypeOf<Reduce<readonly [2, 3], readonly [-3], false>>().toBeNever()
  })
})

describe('Transpose / Concat', () => {
  test('transpose', () => {
    expectTypeOf<Transpose<readonly [2, 3, 4]>>().toEqualTypeOf<readonly [4, 3, 2]>()
    expectTypeOf<Transpose<readonly [2, 3, 4], undefined>>().toEqualTypeOf<readonly [4, 3, 2]>()
    expectTypeOf<Transpose<readonly [2, 3, 4], readonly [0, 2, 1]>>().toEqualTypeOf<readonly [2, 4, 3]>()
    expectTypeOf<Transpose<readonly [2, 3, 4], readonly [-1, 0, -2]>>().toEqualTypeOf<readonly [4, 2, 3]>()
    expectTypeOf<Transpose<readonly [number, 3]>>().toEqualTypeOf<readonly [3, number]>()
    expectTypeOf<Transpose<readonly number[]>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Transpose<readonly [2, 3], number[]>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Transpose<readonly [2, 3], readonly [0]>>().toBeNever()
    expectTypeOf<Transpose<readonly [2, 3], readonly [0, 2]>>().toBeNever()
  })
  test('concat', () => {
    expectTypeOf<Concat<readonly [readonly [2, 3], readonly [5, 3]], 0>>().toEqualTypeOf<readonly [7, 3]>()
    expectTypeOf<Concat<readonly [readonly [2, 3], readonly [2, 4], readonly [2, 1]], -1>>().toEqualTypeOf<readonly [2, 8]>()
    expectTypeOf<Concat<readonly [readonly [number, 3], readonly [2, 3]]>>().toEqualTypeOf<readonly [number, 3]>()
    expectTypeOf<Concat<readonly [readonly [number, 3], readonly [2, number]], 1>>().toEqualTypeOf<readonly [2, number]>()
    expectTypeOf<Concat<readonly [readonly [2, 3], readonly number[]]>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Concat<readonly [readonly [2, 3]], number>>().toEqualTypeOf<readonly number[]>()
    expectTypeOf<Concat<readonly [readonly [2, 3], readonly [2, 4]], 0>>().toBeNever()
    expectTypeOf<Concat<readonly [readonly [2, 3], readonly [2]], 0>>().toBeNever()
    expectTypeOf<Concat<readonly [readonly [2, 3]], 2>>().toBeNever()
  })
})
