/**
 * Expression emission: turns an `Expr` DAG into JS statements (one `const` per shared node, placed at
 * the loop level it depends on, so loop-invariant work is hoisted) and a final value string.
 * Only IR data and numeric literals reach the source: buffers are named by value id.
 * @module
 */
import { opDef } from '../optable.js'
import { lit } from '../ops/elementwise.js'
import type { Aff, Expr } from './ir.js'

/** The JS name of a value's buffer in generated code. */
export const bufName = (v: number): string => `b${v}`

/** The JS of one elementwise op; a few ops get forms that are faster and agree with the reference. */
export const scalarOf = (e: Extract<Expr, { _tag: 'op' }>, args: readonly string[]): string => {
  switch (e.op) {
    case 'exp':
      return `kExp(${args[0]})`
    case 'tanh':
      return `kTanh(${args[0]})`
    case 'sigmoid':
      return `kSigmoidFast(${args[0]})`
    default:
      return opDef(e.op).scalar!(args, e.node as never)
  }
}

/** Where statements go and how indices print; supplied by the loop-nest or matmul generator. */
export interface EmitTarget {
  readonly affStr: (a: Aff) => string
  readonly levelOf: (e: Expr) => number
  readonly put: (level: number, line: string) => void
  readonly acc: string
}

/** An emitter with its own locals (one per kernel, or per matmul epilogue element). */
export const emitter = (target: EmitTarget, prefix: string) => {
  const locals = new Map<Expr, string>()
  let n = 0
  const bind = (e: Expr, js: string): string => {
    const name = `${prefix}${n++}`
    target.put(target.levelOf(e), `const ${name} = ${js};`)
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
      case 'op': return bind(e, scalarOf(e, e.args.map(value)))
      case 'pad': return bind(e, padJs(e, inline))
      case 'concat': return bind(e, concatJs(e, inline))
      case 'oneHot': return bind(e, `(${value(e.label)} === ${target.affStr(e.j)} ? 1 : 0)`)
      case 'uniform': return bind(e, `uniformAt(${value(e.k0)} >>> 0, ${value(e.k1)} >>> 0, ${target.affStr(e.flat)})`)
    }
  }
  const padJs = (e: Extract<Expr, { _tag: 'pad' }>, sub: (e: Expr) => string): string => {
    const conds = e.checks.map((c) => {
      const a = target.affStr(c.a)
      return `${a} >= 0 && ${a} < ${c.n}`
    })
    return conds.length === 0 ? sub(e.inner) : `(${conds.join(' && ')} ? ${sub(e.inner)} : ${lit(e.value)})`
  }
  const concatJs = (e: Extract<Expr, { _tag: 'concat' }>, sub: (e: Expr) => string): string => {
    const a = target.affStr(e.a)
    let js = sub(e.parts[e.parts.length - 1]!)
    for (let p = e.parts.length - 2; p >= 0; p--) js = `(${a} < ${e.cuts[p]} ? ${sub(e.parts[p]!)} : ${js})`
    return js
  }
  return { value }
}

/** Each expression's loop level: the deepest level any index it reads depends on (memoized). */
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
