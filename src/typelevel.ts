/**
 * Type-level shape arithmetic: with literal shapes (`readonly [64, 10]`), shape errors become
 * compile-time errors. Types only; nothing here exists at runtime.
 *
 * Conventions:
 * - Computed shapes are readonly tuples (`readonly [2, 3]`).
 * - Graceful fallback: a dimension typed `number` stays `number` in the result, and a shape that is
 *   not a fixed-length tuple (`readonly number[]`), or non-literal axes, give `readonly number[]`.
 *   A union dim (`2 | 3`) counts as `number`. Fallbacks never produce errors; the runtime checks
 *   in `./shape.js` cover those cases.
 * - `Check*` types are `unknown` when fine (or not checkable) and a {@link ShapeMismatch} brand
 *   otherwise; intersect them into a parameter type (see {@link CheckBroadcast}).
 * @module
 */
import type { Shape } from './shape.js'

/**
 * The error brand produced by the `Check*` types. A value of a plain tensor type is never
 * assignable to it, so the compiler reports the missing `__shapeError` property with its message.
 * @example
 * type E = ShapeMismatch<'shapes are not broadcastable', readonly [2, 3], readonly [4]>
 * // { readonly __shapeError: 'shapes are not broadcastable'; readonly left: readonly [2, 3]; readonly right: readonly [4] }
 */
export type ShapeMismatch<Msg extends string, L, R> = {
  readonly __shapeError: Msg
  readonly left: L
  readonly right: R
}

// ---------------------------------------------------------------- helpers (not exported)

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never
/** A single number literal (not `number`, not a union, not `never`). */
type IsLit<N> = [N] extends [never] ? false : number extends N ? false : true extends IsUnion<N> ? false : true
/** A tuple of known length (not `readonly number[]`, not `readonly [1, ...number[]]`). */
type IsFixed<S extends Shape> = number extends S['length'] ? false : true
type AllLit<S extends Shape> = S extends readonly [infer H, ...infer R extends Shape]
  ? IsLit<H> extends true ? AllLit<R> : false
  : true
type Tup<N extends number, A extends unknown[] = []> = A['length'] extends N ? A : Tup<N, [...A, unknown]>

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'
type DigitTup = {
  '0': []; '1': [0]; '2': [0, 0]; '3': [0, 0, 0]; '4': [0, 0, 0, 0]; '5': [0, 0, 0, 0, 0]
  '6': [0, 0, 0, 0, 0, 0]; '7': [0, 0, 0, 0, 0, 0, 0]; '8': [0, 0, 0, 0, 0, 0, 0, 0]; '9': [0, 0, 0, 0, 0, 0, 0, 0, 0]
}
type AllDigits<S extends string> = S extends '' ? true : S extends `${Digit}${infer R}` ? AllDigits<R> : false
/** A literal non-negative integer written in plain decimal (no `.`, `-` or exponent). */
type IsNat<N> = IsLit<N> extends true ? (N extends number ? ('' extends `${N}` ? false : AllDigits<`${N}`>) : false) : false

// Decimal arithmetic on digit strings stored least-significant digit first ('784' is '487').
type Rev<S extends string, Acc extends string = ''> = S extends `${infer H}${infer R}` ? Rev<R, `${H}${Acc}`> : Acc
type Head<S extends string> = S extends `${infer H extends Digit}${string}` ? H : '0'
type Tail<S extends string> = S extends `${Digit}${infer R}` ? R : ''
/** One column of an addition: [digit, carry]. */
type AddStep<A extends Digit, B extends Digit, C extends 0 | 1> =
  `${[...DigitTup[A], ...DigitTup[B], ...(C extends 1 ? [0] : [])]['length'] & number}` extends infer S
    ? S extends `1${infer D extends Digit}` ? [D, 1] : [S, 0]
    : never
type AddRev<A extends string, B extends string, C extends 0 | 1 = 0, Acc extends string = ''> =
  [A, B] extends ['', ''] ? (C extends 1 ? `${Acc}1` : Acc)
  : AddStep<Head<A>, Head<B>, C> extends [infer D extends string, infer C2 extends 0 | 1]
    ? AddRev<Tail<A>, Tail<B>, C2, `${Acc}${D}`>
    : never
/** A * d by repeated addition (d <= 9). */
type TimesDigit<A extends string, N extends unknown[], Acc extends string = ''> =
  N extends [unknown, ...infer R] ? TimesDigit<A, R, AddRev<Acc, A>> : Acc
/** Schoolbook multiplication: one `TimesDigit` per digit of B, shifted by prepending zeros. */
type MulRev<A extends string, B extends string, Shift extends string = '', Acc extends string = ''> =
  B extends `${infer D extends keyof DigitTup}${infer R}`
    ? MulRev<A, R, `0${Shift}`, AddRev<Acc, `${Shift}${TimesDigit<A, DigitTup[D]>}`>>
    : Acc
type StripZeros<S extends string> = S extends `0${infer R}` ? StripZeros<R> : S extends '' ? '0' : S
/** Reversed digits to a number literal; `number` beyond what round-trips exactly (> 2^53). */
type FromRev<S extends string> = StripZeros<Rev<S>> extends `${infer N extends number}` ? N : number
type ProductLoop<S extends Shape, Acc extends string> = S extends readonly [infer H extends number, ...infer R extends Shape]
  ? IsNat<H> extends true ? ProductLoop<R, MulRev<Acc, Rev<`${H}`>>> : number
  : FromRev<Acc>
type Sum<A extends number, B extends number> =
  [IsNat<A>, IsNat<B>] extends [true, true] ? FromRev<AddRev<Rev<`${A}`>, Rev<`${B}`>>> : number

/** Normalized axis index (negative counts from the end) or `never` when out of range. */
type NormAxis<A extends number, S extends Shape> = `${A}` extends keyof S ? A
  : `${A}` extends `-${infer K extends number}`
    ? `${K}` extends keyof [0, ...S] ? (S extends readonly [...infer F, ...Tup<K>] ? F['length'] : never) : never
    : never
/** All axes normalized, or `never` when any is out of range. */
type NormAxes<Axes extends Shape, S extends Shape, Acc extends number[] = []> =
  Axes extends readonly [infer A extends number, ...infer R extends Shape]
    ? [NormAxis<A, S>] extends [never] ? never : NormAxes<R, S, [...Acc, NormAxis<A, S>]>
    : Acc

// ---------------------------------------------------------------- broadcasting

/** One broadcast axis: `never` when both literal, different and neither is 1. */
type BDim<A extends number, B extends number> =
  IsLit<A> extends false ? (IsLit<B> extends true ? ([B] extends [1] ? number : B) : number)
  : IsLit<B> extends false ? ([A] extends [1] ? number : A)
  : [A] extends [B] ? A : [A] extends [1] ? B : [B] extends [1] ? A : never
type BroadcastLoop<A extends Shape, B extends Shape, Acc extends number[] = []> =
  A extends readonly [...infer AR extends Shape, infer X extends number]
    ? B extends readonly [...infer BR extends Shape, infer Y extends number]
      ? [BDim<X, Y>] extends [never] ? never : BroadcastLoop<AR, BR, [BDim<X, Y>, ...Acc]>
      : readonly [...A, ...Acc]
    : readonly [...B, ...Acc]

/**
 * NumPy broadcast shape of `A` and `B`: aligned from the right, each axis pair must be equal or
 * contain a 1. `never` when two literal dims differ and neither is 1.
 * A `number` dim against a literal `d != 1` gives `d` (the only size that can broadcast with it);
 * against `1` or `number` it gives `number`. Non-tuple shapes give `readonly number[]`.
 * @example
 * type A = Broadcast<readonly [4, 1], readonly [3]>       // readonly [4, 3]
 * type B = Broadcast<readonly [number, 1], readonly [5]>  // readonly [number, 5]
 * type C = Broadcast<readonly [2, 3], readonly [4]>       // never
 */
export type Broadcast<A extends Shape, B extends Shape> =
  [IsFixed<A>, IsFixed<B>] extends [true, true] ? BroadcastLoop<A, B> : readonly number[]

/**
 * `unknown` when `A` and `B` broadcast (or cannot be checked), else a {@link ShapeMismatch}.
 * Intersect it into the second operand's parameter type to reject bad literal shapes:
 * @example
 * declare function add<A extends Shape, B extends Shape>(
 *   a: Tensor<A>, b: Tensor<B> & CheckBroadcast<A, B>): Tensor<Broadcast<A, B>>
 * add(t([2, 3]), t([3]))  // ok: Tensor<readonly [2, 3]>
 * add(t([2, 3]), t([4]))  // error: property '__shapeError' is missing ... 'shapes are not broadcastable'
 */
export type CheckBroadcast<A extends Shape, B extends Shape> =
  [Broadcast<A, B>] extends [never] ? ShapeMismatch<'shapes are not broadcastable', A, B> : unknown

// ---------------------------------------------------------------- matmul

/** The matmul result shape, or an error message string. */
type MatMulResult<A extends Shape, B extends Shape> =
  [IsFixed<A>, IsFixed<B>] extends [true, true]
    ? A extends readonly [...infer BA extends Shape, infer N extends number, infer K1 extends number]
      ? B extends readonly [...infer BB extends Shape, infer K2 extends number, infer M extends number]
        ? [IsLit<K1>, IsLit<K2>, [K1] extends [K2] ? true : false] extends [true, true, false]
          ? `matmul inner dimensions must agree (${K1} vs ${K2})`
          : [Broadcast<BA, BB>] extends [never] ? 'matmul batch dimensions are not broadcastable'
          : readonly [...Broadcast<BA, BB>, N, M]
        : 'matmul needs operands of rank >= 2'
      : 'matmul needs operands of rank >= 2'
    : readonly number[]

/**
 * Shape of `A @ B` for rank >= 2 operands: `readonly [...Broadcast<batchA, batchB>, A[n-2], B[m-1]]`.
 * `never` when literal inner dims (A's last, B's second-to-last) differ, the batch dims do not
 * broadcast, or a literal shape has rank < 2. Non-tuple shapes give `readonly number[]`.
 * @example
 * type A = MatMul<readonly [64, 784], readonly [784, 256]>          // readonly [64, 256]
 * type B = MatMul<readonly [8, 1, 2, 3], readonly [5, 3, 4]>        // readonly [8, 5, 2, 4]
 * type C = MatMul<readonly [2, 3], readonly [4, 5]>                 // never
 */
export type MatMul<A extends Shape, B extends Shape> = Extract<MatMulResult<A, B>, Shape>

/**
 * `unknown` when `A @ B` is well-shaped (or cannot be checked), else a {@link ShapeMismatch}
 * whose message names the rule (inner dims, with both sizes; batch dims; rank).
 * @example
 * declare function matmul<A extends Shape, B extends Shape>(
 *   a: Tensor<A>, b: Tensor<B> & CheckMatMul<A, B>): Tensor<MatMul<A, B>>
 * type E = CheckMatMul<readonly [2, 3], readonly [4, 5]>
 * // ShapeMismatch<'matmul inner dimensions must agree (3 vs 4)', readonly [2, 3], readonly [4, 5]>
 */
export type CheckMatMul<A extends Shape, B extends Shape> =
  MatMulResult<A, B> extends infer R ? (R extends string ? ShapeMismatch<R, A, B> : unknown) : never

// ---------------------------------------------------------------- element count, reshape

/**
 * Element count of a shape as a number literal (`1` for `[]`), computed by decimal multiplication
 * on digit strings, so realistic sizes are cheap. `number` when the shape is not a tuple, a dim is
 * not a literal non-negative integer, or the product exceeds 2^53.
 * @example
 * type A = Product<readonly [128, 784]>        // 100352
 * type B = Product<readonly [64, 3, 32, 32]>   // 196608
 * type C = Product<readonly [number, 10]>      // number
 */
export type Product<S extends Shape> = IsFixed<S> extends true ? ProductLoop<S, '1'> : number

/**
 * `unknown` unless both element counts are literals and differ; then a {@link ShapeMismatch}
 * whose message carries both counts. Dims like `-1` or `number` make it uncheckable (`unknown`).
 * @example
 * declare function reshape<A extends Shape, const B extends Shape>(
 *   a: Tensor<A>, to: B & CheckReshape<A, B>): Tensor<B>
 * type E = CheckReshape<readonly [2, 3], readonly [4, 2]>
 * // ShapeMismatch<'reshape must preserve the element count (6 vs 8)', readonly [2, 3], readonly [4, 2]>
 */
export type CheckReshape<From extends Shape, To extends Shape> =
  [IsLit<Product<From>>, IsLit<Product<To>>] extends [true, true]
    ? [Product<From>] extends [Product<To>] ? unknown
      : ShapeMismatch<`reshape must preserve the element count (${Product<From>} vs ${Product<To>})`, From, To>
    : unknown

// ---------------------------------------------------------------- reduce, transpose, concat

type ReduceLoop<S extends Shape, Ax extends number, Keep extends boolean, I extends unknown[] = [], Acc extends number[] = []> =
  S extends readonly [infer H extends number, ...infer R extends Shape]
    ? [I['length']] extends [Ax]
      ? ReduceLoop<R, Ax, Keep, [...I, unknown], Keep extends true ? [...Acc, 1] : Acc>
      : ReduceLoop<R, Ax, Keep, [...I, unknown], [...Acc, H]>
    : readonly [...Acc]
type AxesList<Axes> = Axes extends number ? readonly [Axes] : Axes

/**
 * Shape after reducing `Axes` of `S` (negative axes count from the end; `undefined` = all axes;
 * a single axis number is accepted too), dropping them or keeping them as 1 with `KeepDims`.
 * `readonly number[]` when the shape, the axes or `KeepDims` are not literal; `never` when a
 * literal axis is out of range.
 * @example
 * type A = Reduce<readonly [2, 3, 4], readonly [-1], false>     // readonly [2, 3]
 * type B = Reduce<readonly [2, 3, 4], readonly [0, 2], true>    // readonly [1, 3, 1]
 * type C = Reduce<readonly [2, 3], undefined, false>            // readonly []
 */
export type Reduce<S extends Shape, Axes extends number | readonly number[] | undefined, KeepDims extends boolean = false> =
  IsFixed<S> extends false ? readonly number[]
  : IsLit<KeepDims> extends false ? readonly number[]
  : [Axes] extends [undefined] ? (KeepDims extends true ? { readonly [K in keyof S]: 1 } : readonly [])
  : AxesList<Exclude<Axes, undefined>> extends infer L extends Shape
    ? [IsFixed<L>, AllLit<L>] extends [true, true]
      ? [NormAxes<L, S>] extends [never] ? never : ReduceLoop<S, NormAxes<L, S>[number], KeepDims>
      : readonly number[]
    : readonly number[]

type ReverseLoop<S extends Shape, Acc extends number[] = []> =
  S extends readonly [infer H extends number, ...infer R extends Shape] ? ReverseLoop<R, [H, ...Acc]> : readonly [...Acc]
type PickDims<S extends Shape, P extends number[], Acc extends number[] = []> =
  P extends [infer I extends number, ...infer R extends number[]] ? PickDims<S, R, [...Acc, S[I]]> : readonly [...Acc]

/**
 * Shape of `S` with axes permuted by `Perm` (result axis i is `S[Perm[i]]`, negative entries count
 * from the end); reversed when `Perm` is `undefined`. `never` when a literal `Perm` has the wrong
 * length or an out-of-range entry (repeated entries are left to the runtime check);
 * `readonly number[]` when the shape or `Perm` is not literal.
 * @example
 * type A = Transpose<readonly [2, 3, 4]>                        // readonly [4, 3, 2]
 * type B = Transpose<readonly [2, 3, 4], readonly [0, -1, 1]>   // readonly [2, 4, 3]
 */
export type Transpose<S extends Shape, Perm extends readonly number[] | undefined = undefined> =
  IsFixed<S> extends false ? readonly number[]
  : [Perm] extends [undefined] ? ReverseLoop<S>
  : Perm extends Shape
    ? [IsFixed<Perm>, AllLit<Perm>] extends [true, true]
      ? [Perm['length']] extends [S['length']]
        ? [NormAxes<Perm, S>] extends [never] ? never : PickDims<S, NormAxes<Perm, S>>
        : never
      : readonly number[]
    : readonly number[]

/** One non-concatenated axis: literals must agree; a literal wins over `number`. */
type SameDim<A extends number, B extends number> =
  IsLit<A> extends false ? B : IsLit<B> extends false ? A : [A] extends [B] ? A : never
type ConcatTwo<A extends Shape, B extends Shape, Ax extends number, Acc extends number[] = []> =
  A extends readonly [infer X extends number, ...infer AR extends Shape]
    ? B extends readonly [infer Y extends number, ...infer BR extends Shape]
      ? (Acc['length'] extends Ax ? Sum<X, Y> : SameDim<X, Y>) extends infer D extends number
        ? [D] extends [never] ? never : ConcatTwo<AR, BR, Ax, [...Acc, D]>
        : never
      : never
    : B extends readonly [] ? readonly [...Acc] : never
type ConcatLoop<Shapes extends readonly Shape[], Ax extends number, Acc extends Shape> =
  [Acc] extends [never] ? never
  : Shapes extends readonly [infer S extends Shape, ...infer R extends readonly Shape[]]
    ? IsFixed<S> extends true ? ConcatLoop<R, Ax, ConcatTwo<Acc, S, Ax>> : readonly number[]
    : Acc

/**
 * Shape of concatenating `Shapes` along `Axis` (negative counts from the end): the axis sizes add
 * up, every other axis must agree. `never` when literal ranks or dims disagree or the axis is out
 * of range; `readonly number[]` when a shape, the list or the axis is not literal.
 * @example
 * type A = Concat<readonly [readonly [2, 3], readonly [5, 3]], 0>   // readonly [7, 3]
 * type B = Concat<readonly [readonly [2, 3], readonly [2, 4]], -1>  // readonly [2, 7]
 */
export type Concat<Shapes extends readonly Shape[], Axis extends number = 0> =
  IsLit<Axis> extends false ? readonly number[]
  : Shapes extends readonly [infer F extends Shape, ...infer R extends readonly Shape[]]
    ? IsFixed<F> extends false ? readonly number[]
    : [NormAxis<Axis, F>] extends [never] ? never
    : ConcatLoop<R, NormAxis<Axis, F>, readonly [...F]>
    : readonly number[]
