/**
 * Expression emission: turns an `Expr` DAG into JS statements (one `const` per shared node, placed at
 * the loop level it depends on, so loop-invariant work is hoisted) and a final value string.
 * Only IR data and numeric literals reach the source: buffers are named by value id.
 * @module
 */
import { opDef } from '../optable.js'
import { intLit, lit } from './literal.js'
import type { Aff, Expr } from './ir.js'

/**
 * The JS name of a value's buffer in generated code.
 * @example
 * import { bufName } from './emit.js'
 * bufName(3) // 'b3'
 */
export const bufName = (v: number): string => `b${intLit(v)}`

/**
 * The JS of one elementwise op as an expression (the op table's form; sigmoid through a helper).
 * `Math.*` is written directly so V8 inlines it (a builtin called through a variable is not inlined).
 * @example
 * import { scalarOf } from './emit.js'
 * import { input, add } from 'kiln'
 * const t = add(input('x', [2]), 1)
 * scalarOf({ _tag: 'op', op: 'add', node: t, args: [] }, ['a', 'b']) // '(a+b)'
 */
export const scalarOf = (e: Extract<Expr, { _tag: 'op' }>, args: readonly string[]): string =>
  e.op === 'sigmoid' ? `kSigmoidFast(${args[0]})` : opDef(e.op).scalar!(args, e.node as never)

/** Where statements go and how indices print; supplied by the loop-nest or matmul generator. */
export interface EmitTarget {
  readonly affStr: (a: Aff) => string
  readonly levelOf: (e: Expr) => number
  readonly put: (level: number, line: string) => void
  readonly acc: string
}

/**
 * An emitter with its own locals (one per kernel, or per matmul epilogue element).
 * @example
 * import { emitter } from './emit.js'
 * const lines: string[] = []
 * const em = emitter({ affStr: () => 'i', levelOf: () => 0, put: (_l, s) => lines.push(s), acc: 'acc' }, 't')
 * em.value({ _tag: 'load', value: 2, off: { c: 0, k: [1] } }) // 't0'
 * lines // ['const t0 = b2[i];']
 */
export const emitter = (target: EmitTarget, prefix: string) => {
  const locals = new Map<Expr, string>()
  let n = 0
  const bind = (e: Expr, js: string, level = target.levelOf(e)): string => {
    const name = `${prefix}${n++}`
    target.put(level, `const ${name} = ${js};`)
    locals.set(e, name)
    return name
  }
  /** A pure expression string, creating no locals (for lazily evaluated branches). */
  const inline = (e: Expr): string => {
    const known = locals.get(e)
    if (known !== undefined) return known
    switch (e._tag) {
      case 'lit': return lit(e.v)
      case 'acc': return target.acc
      case 'load': return `${bufName(e.value)}[${target.affStr(e.off)}]`
      case 'op': return scalarOf(e, e.args.map(inline))
      case 'pad': return padJs(e, inline)
      case 'concat': return concatJs(e, inline)
      case 'oneHot': return `(${inline(e.label)} === ${target.affStr(e.j)} ? 1 : 0)`
      case 'uniform': return `uniformAt(${inline(e.k0)} >>> 0, ${inline(e.k1)} >>> 0, ${target.affStr(e.flat)})`
    }
  }
  const value = (e: Expr): string => {
    const known = locals.get(e)
    if (known !== undefined) return known
    switch (e._tag) {
      case 'lit': return lit(e.v)
      case 'acc': return target.acc
      case 'load': return bind(e, inline(e))
      case 'op': {
        const args = e.args.map(value)
        if (e.op !== 'sigmoid') return bind(e, scalarOf(e, args))
        // The reference formula with one exp: exp(-|x|) is exp(-x) for x >= 0 and exp(x) below.
        const x = args[0]!
        const ex = bind({ _tag: 'op', op: 'exp', node: e.node, args: e.args }, `Math.exp(-Math.abs(${x}))`, target.levelOf(e))
        return bind(e, `${x} >= 0 ? 1 / (1 + ${ex}) : ${ex} / (1 + ${ex})`)
      }
      case 'pad': return bind(e, padJs(e, inline))
      case 'concat': return bind(e, concatJs(e, inline))
      case 'oneHot': return bind(e, `(${value(e.label)} === ${target.affStr(e.j)} ? 1 : 0)`)
      case 'uniform': return bind(e, `uniformAt(${value(e.k0)} >>> 0, ${value(e.k1)} >>> 0, ${target.affStr(e.flat)})`)
    }
  }
  const padJs = (e: Extract<Expr, { _tag: 'pad' }>, sub: (e: Expr) => string): string => {
    const conds = e.checks.map((c) => {
      const a = target.affStr(c.a)
      return `${a} >= 0 && ${a} < ${intLit(c.n)}`
    })
    return conds.length === 0 ? sub(e.inner) : `(${conds.join(' && ')} ? ${sub(e.inner)} : ${lit(e.value)})`
  }
  const concatJs = (e: Extract<Expr, { _tag: 'concat' }>, sub: (e: Expr) => string): string => {
    const a = target.affStr(e.a)
    let js = sub(e.parts[e.parts.length - 1]!)
    for (let p = e.parts.length - 2; p >= 0; p--) js = `(${a} < ${intLit(e.cuts[p]!)} ? ${sub(e.parts[p]!)} : ${js})`
    return js
  }
  return { value }
}

/**
 * Each expression's loop level: the deepest level any index it reads depends on (memoized).
 * @example
 * import { levels } from './emit.js'
 * levels(() => 2, 3)({ _tag: 'lit', v: 1 }) // 0
 */
export const levels = (affLevel: (a: Aff) => number, accLevel: number) => {
  const memo = new Map<Expr, number>()
  const of = (e: Expr): number => {
    const hit = memo.get(e)
    if (hit !== undefined) return hit
    let l: number
    switch (e._tag) {
      case 'lit': l = 0; break
      case 'acc': l = accLevel; break
      case 'load': l = affLevel(e.off); break
      case 'op': l = Math.max(0, ...e.args.map(of)); break
      case 'pad': l = Math.max(of(e.inner), ...e.checks.map((c) => affLevel(c.a))); break
      case 'concat': l = Math.max(affLevel(e.a), ...e.parts.map(of)); break
      case 'oneHot': l = Math.max(of(e.label), affLevel(e.j)); break
      case 'uniform': l = Math.max(of(e.k0), of(e.k1), affLevel(e.flat)); break
    }
    memo.set(e, l)
    return l
  }
  return of
}
