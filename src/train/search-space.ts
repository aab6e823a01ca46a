/**
 * Hyperparameter search spaces as data: each hyperparameter is a dimension (`space.uniform`,
 * `space.logUniform`, `space.intUniform`, `space.choice`), and a space is an object of them. Sampling
 * draws every dimension from one key, so a trial's hyperparameters follow from the search key and the
 * trial's number alone.
 * @module
 */
import { ArgumentError, describeValue, requireNumber } from '../options.js'
import { uniformBits, type Key } from '../random/key.js'

/** A real number drawn uniformly from `[lo, hi)`. */
export interface UniformDimension {
  readonly _tag: 'Uniform'
  readonly lo: number
  readonly hi: number
}

/** A positive number whose logarithm is uniform: each decade of `[lo, hi)` is equally likely. */
export interface LogUniformDimension {
  readonly _tag: 'LogUniform'
  readonly lo: number
  readonly hi: number
}

/** An integer drawn uniformly from `lo, lo + 1, ..., hi` (both ends included). */
export interface IntUniformDimension {
  readonly _tag: 'IntUniform'
  readonly lo: number
  readonly hi: number
}

/** One of `values`, each equally likely. */
export interface ChoiceDimension<V> {
  readonly _tag: 'Choice'
  readonly values: readonly V[]
}

/** One hyperparameter's distribution. */
export type Dimension = UniformDimension | LogUniformDimension | IntUniformDimension | ChoiceDimension<unknown>

/** A search space: a dimension per hyperparameter name. */
export type SearchSpace = { readonly [name: string]: Dimension }

/** The value type a dimension draws: the choice's values, else a number. */
export type DimensionValue<D> = D extends ChoiceDimension<infer V> ? V : number

/** One sample of a space: a value per hyperparameter. */
export type Hyperparameters<S extends SearchSpace> = { readonly [K in keyof S]: DimensionValue<S[K]> }

const finite = (op: string, field: string, v: unknown): number => {
  const x = requireNumber(op, field, v)
  if (!Number.isFinite(x)) throw new ArgumentError(op, field, `expected a finite number, got ${describeValue(x)}`)
  return x
}

const range = (op: string, lo: unknown, hi: unknown): { readonly lo: number; readonly hi: number } => {
  const [l, h] = [finite(op, 'lo', lo), finite(op, 'hi', hi)]
  if (!(l < h)) throw new ArgumentError(op, 'hi', `expected hi > lo, got lo = ${l}, hi = ${h}`)
  return { lo: l, hi: h }
}

const uniformDim = (lo: number, hi: number): UniformDimension => ({ _tag: 'Uniform', ...range('space.uniform', lo, hi) })

const logUniformDim = (lo: number, hi: number): LogUniformDimension => {
  if (finite('space.logUniform', 'lo', lo) <= 0)
    throw new ArgumentError('space.logUniform', 'lo', `expected a number > 0 (a log scale has no zero), got ${lo}`)
  return { _tag: 'LogUniform', ...range('space.logUniform', lo, hi) }
}

const intUniformDim = (lo: number, hi: number): IntUniformDimension => {
  for (const [field, v] of [['lo', lo], ['hi', hi]] as const)
    if (!Number.isSafeInteger(v)) throw new ArgumentError('space.intUniform', field, `expected an integer, got ${describeValue(v)}`)
  return { _tag: 'IntUniform', ...range('space.intUniform', lo, hi) }
}

const choiceDim = <const V>(values: readonly V[]): ChoiceDimension<V> => {
  if (!Array.isArray(values)) throw new ArgumentError('space.choice', 'values', `expected a non-empty array of values, got ${describeValue(values)}`)
  if (values.length === 0) throw new ArgumentError('space.choice', 'values', 'expected a non-empty array of values, got an empty one')
  return { _tag: 'Choice', values: values.slice() }
}

/**
 * The dimensions of a search space. Each checks its range when built and throws an `ArgumentError`
 * naming the field: `lo` and `hi` finite with `lo < hi`, `logUniform`'s `lo > 0`, `intUniform`'s
 * bounds integers, `choice`'s values a non-empty array.
 * - `uniform(lo, hi)`: a real number in `[lo, hi)`.
 * - `logUniform(lo, hi)`: `10^r` with `r` uniform in `[log10 lo, log10 hi)`, the course's learning-rate
 *   sampling (`r = -4 * rand(); alpha = 10^r` is `logUniform(1e-4, 1)`): as many samples in
 *   `[1e-4, 1e-3)` as in `[0.1, 1)`, where a uniform draw would put 90% in the top decade.
 * - `intUniform(lo, hi)`: an integer from `lo` to `hi`, both included.
 * - `choice(values)`: one of the values (any kind: widths, activation names, optimizers).
 * @example
 * import { space } from 'kiln'
 * space.logUniform(1e-4, 1) // { _tag: 'LogUniform', lo: 1e-4, hi: 1 }
 * space.choice([16, 32, 64]).values // [16, 32, 64]
 * try { space.logUniform(0, 1) } catch (e) { (e as Error).message } // 'space.logUniform: lo: expected a number > 0 (a log scale has no zero), got 0'
 * try { space.uniform(1, 1) } catch (e) { (e as Error).message } // 'space.uniform: hi: expected hi > lo, got lo = 1, hi = 1'
 * try { space.choice([]) } catch (e) { (e as Error).message } // 'space.choice: values: expected a non-empty array of values, got an empty one'
 */
export const space = { uniform: uniformDim, logUniform: logUniformDim, intUniform: intUniformDim, choice: choiceDim } as const

const DIMENSION_TAGS: readonly string[] = ['Uniform', 'LogUniform', 'IntUniform', 'Choice']

/**
 * Throws an `ArgumentError` on `who`'s field `space` (or `space.<name>`) unless `s` is an object of
 * dimensions made by `space.*`.
 * @example
 * import { checkSpace } from './search-space.js'
 * import { space } from 'kiln'
 * checkSpace('randomSearch', { lr: space.uniform(0, 1) }) // undefined
 * try { checkSpace('randomSearch', { lr: 0.1 }) } catch (e) { (e as Error).message } // 'randomSearch: space.lr: expected a dimension (space.uniform, space.logUniform, space.intUniform or space.choice), got 0.1'
 */
export const checkSpace = (who: string, s: unknown): void => {
  if (typeof s !== 'object' || s === null || Array.isArray(s))
    throw new ArgumentError(who, 'space', `expected an object of dimensions such as { lr: space.logUniform(1e-4, 1) }, got ${describeValue(s)}`)
  for (const [name, d] of Object.entries(s)) {
    const tag: unknown = typeof d === 'object' && d !== null && '_tag' in d ? d._tag : undefined
    if (typeof tag !== 'string' || !DIMENSION_TAGS.includes(tag))
      throw new ArgumentError(who, `space.${name}`, `expected a dimension (space.uniform, space.logUniform, space.intUniform or space.choice), got ${describeValue(d)}`)
  }
}

/** The value of dimension `d` at the uniform number `u` in [0, 1). */
const valueAt = (d: Dimension, u: number): unknown => {
  switch (d._tag) {
    case 'Uniform': {
      const v = d.lo + u * (d.hi - d.lo)
      return v < d.hi ? v : d.lo // the rounding edge: keep the interval half-open, as `uniform` does
    }
    case 'LogUniform': {
      const [a, b] = [Math.log10(d.lo), Math.log10(d.hi)]
      const v = 10 ** (a + u * (b - a))
      return v >= d.hi ? d.lo : Math.max(v, d.lo)
    }
    case 'IntUniform':
      return Math.min(d.hi, d.lo + Math.floor(u * (d.hi - d.lo + 1)))
    case 'Choice':
      return d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))]
  }
}

/**
 * One sample of a space: the hyperparameter at position `i` of the space's keys takes the uniform
 * number at counter `i` of `k`'s stream (`uniformBits(k, i)`), so a sample depends only on the key,
 * and adding a hyperparameter at the end leaves the others' values unchanged.
 * @example
 * import { key, space, sampleSpace } from 'kiln'
 * const s = { lr: space.logUniform(1e-4, 1), width: space.choice([16, 32, 64]) }
 * const hp = sampleSpace(s, key(0))
 * hp.lr >= 1e-4 && hp.lr < 1 && [16, 32, 64].includes(hp.width) // true
 * sampleSpace(s, key(0)).lr === hp.lr // true
 */
export const sampleSpace = <S extends SearchSpace>(s: S, k: Key): Hyperparameters<S> => {
  checkSpace('sampleSpace', s)
  const out: Record<string, unknown> = {}
  Object.keys(s).forEach((name, i) => {
    out[name] = valueAt(s[name]!, uniformBits(k, i))
  })
  // Built key by key from `s` with each dimension's value type, which a Record cannot express.
  return out as Hyperparameters<S>
}
