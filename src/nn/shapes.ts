/**
 * Static shapes for layers: a layer's type carries a phantom {@link ShapeFn} saying how it maps an input
 * shape to an output shape, so with literal shapes `sequential(layers.flatten(), dense(64), dense(10))`
 * applied to a `Tensor<readonly [32, 8, 8]>` gives a `Tensor<readonly [32, 10]>`. Types only.
 *
 * TypeScript has no higher-kinded types, so a shape function is an interface whose `Out` reads
 * `this['In']`; {@link ApplyShape} intersects it with a concrete `In` to "call" it. `In` is `unknown` in
 * the base interface (not `Shape`) so that `this['In']` is exactly the argument rather than an
 * intersection `readonly number[] & S`, which would not compare equal to `S`.
 *
 * Fallbacks follow `../typelevel.js`: `number` dims stay `number`, and a shape that is not a tuple
 * gives `readonly number[]`. Shape errors are left to the runtime checks of `spec` and `apply`.
 * @module
 */
import type { Shape } from '../shape.js'
import type { Product } from '../typelevel.js'

/**
 * A type-level function from an input shape `In` to an output shape `Out`.
 * @example
 * import type { ShapeFn, InputOf } from 'kiln'
 * interface Twice extends ShapeFn { readonly Out: readonly [...InputOf<this>, ...InputOf<this>] }
 */
export interface ShapeFn {
  readonly In: unknown
  readonly Out: Shape
}

/**
 * The input shape inside a {@link ShapeFn} declaration (write `InputOf<this>`).
 * @example
 * import type { ShapeFn, InputOf } from 'kiln'
 * interface Same extends ShapeFn { readonly Out: InputOf<this> }
 */
export type InputOf<F extends ShapeFn> = Extract<F['In'], Shape>

/**
 * The output shape of `F` for the input shape `S`.
 * @example
 * import { dense, type ApplyShape, type DenseShape } from 'kiln'
 * const out: ApplyShape<DenseShape<10>, readonly [32, 64]> = dense(10).spec([32, 64]).outputShape // readonly [32, 10]
 * out // [32, 10]
 */
export type ApplyShape<F extends ShapeFn, S extends Shape> = (F & { readonly In: S })['Out']

/**
 * Unknown mapping: any input gives `readonly number[]`. The default of `Layer`.
 * @example
 * import { defineLayer, input, type ApplyShape, type AnyShape, type Tensor } from 'kiln'
 * const id = defineLayer('id', (s) => ({ params: {}, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: x, state: ctx.state }))
 * const y: Tensor<ApplyShape<AnyShape, readonly [2, 3]>> = id.apply({}, input('x', [2, 3])).y // Tensor<readonly number[]>
 * y.shape // [2, 3]
 */
export interface AnyShape extends ShapeFn {
  readonly Out: Shape
}

/**
 * The identity (activations, dropout, batch normalization).
 * @example
 * import { layers, input, type ApplyShape, type SameShape, type Tensor } from 'kiln'
 * const y: Tensor<ApplyShape<SameShape, readonly [2, 3]>> = layers.relu().apply({}, input('x', [2, 3])).y
 * y.shape // [2, 3]
 */
export interface SameShape extends ShapeFn {
  readonly Out: InputOf<this>
}

/**
 * `[..., in] -> [..., U]` (dense layers).
 * @example
 * import { dense, type ApplyShape, type DenseShape } from 'kiln'
 * const n: number = 5
 * const out: ApplyShape<DenseShape<3>, readonly [number, 4]> = dense(3).spec([n, 4]).outputShape // readonly [number, 3]
 * out // [5, 3]
 */
export interface DenseShape<U extends number> extends ShapeFn {
  readonly Out: InputOf<this> extends readonly [...infer B extends Shape, number] ? readonly [...B, U] : Shape
}

/**
 * `[n, ...rest] -> [n, prod(rest)]`; the product is `number` unless every `rest` dim is a literal.
 * @example
 * import { layers, input, type ApplyShape, type FlattenShape, type Tensor } from 'kiln'
 * const y: Tensor<ApplyShape<FlattenShape, readonly [32, 8, 8]>> = layers.flatten().apply({}, input('x', [32, 8, 8])).y
 * y.shape // [32, 64]
 */
export interface FlattenShape extends ShapeFn {
  readonly Out: InputOf<this> extends readonly [infer N extends number, ...infer R extends Shape] ? readonly [N, Product<R>] : Shape
}

/** Applies `Fs` left to right; a list that is not a tuple (`Layer[]`) gives `readonly number[]`. */
type Fold<Fs extends readonly ShapeFn[], S extends Shape> = Fs extends readonly []
  ? S
  : Fs extends readonly [infer F extends ShapeFn, ...infer R extends readonly ShapeFn[]]
    ? Fold<R, ApplyShape<F, S>>
    : Shape

/**
 * The composition of `Fs`, first applied first (`sequential`).
 * @example
 * import { dense, layers, sequential, key, type ApplyShape, type SequentialShape, type DenseShape, type FlattenShape } from 'kiln'
 * const net = sequential(layers.flatten(), dense(10))
 * const out: ApplyShape<SequentialShape<[FlattenShape, DenseShape<10>]>, readonly [32, 8, 8]> = net.init(key(0), [32, 8, 8]).outputShape
 * out // [32, 10]
 */
export interface SequentialShape<Fs extends readonly ShapeFn[]> extends ShapeFn {
  readonly Out: Fold<Fs, InputOf<this>>
}
