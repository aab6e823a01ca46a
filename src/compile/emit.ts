/**
 * Expression emission: turns an `Expr` DAG into JS statements (one `const` per shared node, placed at
 * the loop level it depends on, so loop-invariant work is hoisted) and a final value string.
 * Only IR data and numeric literals reach the source: buffers are named by value id.
 * @module
 */
import { opDef } from '../optable.js'
import type { OpName } from '../ops/def.js'
import { intLit, lit } from './literal.js'
import type { Aff, Expr, OpCallOf, Range } from './ir.js'

/**
 * The JS name of a value's buffer in generated code.
 * @example
 * import { bufName } from './emit.js'
 * bufName(3) // 'b3'
 */
export const bufName = (v: number): string => `b${intLit(v)}`

/**
 * The JS of one op call: its record's kernel on the operand expressions. `Math.*` is written directly
 * by the records so V8 inlines it (a builtin called through a variable is not inlined).
 * @example
 * import { scalarOf } from './emit.js'
 * scalarOf({ _tag: 'op', call: { op: 'add', attrs: {} }, args: [] }, ['a', 'b']) // '(a+b)'
 * scalarOf({ _tag: 'op', call: { op: 'leakyRelu', attrs: { alpha: 0.5 } }, args: [] }, ['x']) // 'Math.max(x,(0.5)*x)'
 */
export const scalarOf = (e: Extract<Expr, { _tag: 'op' }>, args: readonly string[]): string => kernelJs(e.call, args)
const kernelJs = <K extends OpName>(e: OpCallOf<K>, args: readonly string[]): string => {
  const def = opDef(e.op)
  if (def.kind !== 'elementwise' && def.kind !== 'random') throw new Error(`internal: ${e.op} (${def.kind}) has no kernel expression`)
  return def.kernel(args, e.attrs)
}

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
      case 'index': return target.affStr(e.a)
      case 'load': return `${bufName(e.value)}[${target.affStr(e.off)}]`
      case 'op': return scalarOf(e, e.args.map(inline))
      case 'select': return selectJs(e)
    }
  }
  const value = (e: Expr): string => {
    const known = locals.get(e)
    if (known !== undefined) return known
    switch (e._tag) {
      case 'lit': return lit(e.v)
      case 'acc': return target.acc
      case 'index': return target.affStr(e.a)
      case 'load': return bind(e, inline(e))
      case 'op': return bind(e, scalarOf(e, e.args.map(value)))
      // branches stay inline: only the chosen one runs (a padded read outside its operand is never made)
      case 'select': return bind(e, selectJs(e))
    }
  }
  const check = (c: Range): string => {
    const a = target.affStr(c.a)
    return `${c.lo === undefined ? '' : `${a} >= ${intLit(c.lo)} && `}${a} < ${intLit(c.hi)}`
  }
  const selectJs = (e: Extract<Expr, { _tag: 'select' }>): string =>
    `(${e.checks.map(check).join(' && ')} ? ${inline(e.then)} : ${inline(e.else)})`
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
      case 'index': l = affLevel(e.a); break
      case 'op': l = Math.max(0, ...e.args.map(of)); break
      case 'select': l = Math.max(of(e.then), of(e.else), ...e.checks.map((c) => affLevel(c.a))); break
    }
    memo.set(e, l)
    return l
  }
  return of
}
