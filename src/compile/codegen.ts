/**
 * Code generation for elementwise and reduction kernels: a loop nest over the iteration space with
 * adjacent axes merged where every index is contiguous across them, affine offsets built up loop by
 * loop (hoisted), and expression locals placed at the outermost loop they depend on. Numbers reach the
 * source only through `lit` / `intLit` (`./literal.js`); everything else is fixed text and IR names.
 * @module
 */
import { opDef } from '../optable.js'
import type { Monoid, OpName } from '../ops/def.js'
import { intLit, lit } from './literal.js'
import { aff, affsOf, loadsOf, type Aff, type KernelPlan } from './ir.js'
import { bufName, emitter, levels } from './emit.js'

/** Generated source of one kernel plus a one-line description of its loop nest. */
export interface KernelSource {
  /** Value ids passed as arguments, in order. */
  readonly params: readonly number[]
  readonly source: string
  readonly loops: string
}

interface Loop {
  readonly v: number
  n: number
  readonly red: boolean
}

/** Merges adjacent loops whose every index is contiguous across them (outer stride = inner stride * inner size). */
const mergeLoops = (loops: Loop[], affs: readonly Aff[]): Loop[] => {
  const out = [...loops]
  for (let p = out.length - 1; p >= 1; p--) {
    const u = out[p - 1]!
    const w = out[p]!
    if (u.red !== w.red) continue
    if (!affs.every((a) => a.k[u.v] === a.k[w.v]! * w.n)) continue
    w.n *= u.n
    out.splice(p - 1, 1)
  }
  return out
}

const monoidOf = (op: OpName): Monoid => {
  const def = opDef(op)
  if (def.kind !== 'reduce') throw new Error(`internal: reduce kernel of ${op} (${def.kind})`)
  return def.monoid
}

/**
 * Source of a map or reduce kernel.
 * @example
 * import { genLoopKernel } from './codegen.js'
 * import { schedule } from './schedule.js'
 * import { input, exp } from 'kiln'
 * const k = schedule([exp(input('x', [2, 3]))], { fuse: true }).kernels[0]!
 * genLoopKernel(k as never).loops // 'i0<6'
 */
export const genLoopKernel = (k: Extract<KernelPlan, { _tag: 'map' | 'reduce' }>): KernelSource => {
  const form = k._tag === 'reduce' ? k.form : 'map'
  const dims = k.shape
  const natural = dims.map((n, v) => ({ v, n, red: k._tag === 'reduce' && form === 'register' && k.reduced[v]! }))
  const ordered = form === 'register' ? [...natural.filter((l) => !l.red), ...natural.filter((l) => l.red)] : natural
  const loops = mergeLoops(ordered.filter((l) => l.n !== 1), [...affsOf(k.body), k.outOff])
  const pos = new Map(loops.map((l, p) => [l.v, p]))
  const accLevel = form === 'register' ? loops.filter((l) => !l.red).length : loops.length
  const buckets: string[][] = Array.from({ length: loops.length + 1 }, () => [])
  const partials: string[][] = Array.from({ length: loops.length + 1 }, () => [])
  const affNames = new Map<string, { name: string; level: number }>()
  const affLevel = (a: Aff): number => Math.max(0, ...a.k.flatMap((x, v) => (x !== 0 && pos.has(v) ? [pos.get(v)! + 1] : [])))
  const affStr = (a: Aff): string => {
    const key = aff.key(a)
    const hit = affNames.get(key)
    if (hit !== undefined) return hit.name
    const terms = loops.flatMap((l, p) => (a.k[l.v] === 0 ? [] : [{ p, k: a.k[l.v]! }]))
    let cur = intLit(a.c)
    const j = affNames.size
    for (const t of terms) {
      const name = `o${j}_${t.p}`
      partials[t.p + 1]!.push(`const ${name} = ${cur === '0' ? '' : `${cur} + `}${t.k === 1 ? `i${t.p}` : `i${t.p} * ${intLit(t.k)}`};`)
      cur = name
    }
    affNames.set(key, { name: cur, level: affLevel(a) })
    return cur
  }
  const levelOf = levels(affLevel, loops.length)
  const em = emitter({ affStr, levelOf, put: (l, line) => buckets[l]!.push(line), acc: 'acc' }, 't')
  const root = em.value(k.body)
  const out = bufName(k.out)
  const o = affStr(k.outOff)
  const monoid = k._tag === 'reduce' ? monoidOf(k.op) : undefined
  const init = monoid === undefined ? '' : lit(monoid.identity)
  const step = (a: string) => monoid!.combineJs(a, root)
  const side = k._tag === 'reduce' && k.store !== undefined ? `${bufName(k.store.value)}[${affStr(k.store.off)}] = ${root}; ` : ''
  const on = k._tag === 'reduce' && k.online !== undefined ? online(k, root, out, o) : undefined
  const inner = side +
    (on !== undefined ? on.step
    : form === 'map' ? `${out}[${o}] = ${root};`
    : form === 'register' ? `acc = ${step('acc')};`
    : `{ const a = ${out}[${o}]; ${out}[${o}] = ${step('a')}; }`)
  const lines: string[] = []
  const ind = (d: number) => '  '.repeat(d + 1)
  if (form === 'scatter') lines.push(`${ind(0)}${out}.fill(${init});`, ...(on === undefined ? [] : [ind(0) + on.fill]))
  for (let l = 0; l <= loops.length; l++) {
    if (l > 0) {
      const lp = loops[l - 1]!
      lines.push(`${ind(l - 1)}for (let i${l - 1} = 0; i${l - 1} < ${intLit(lp.n)}; i${l - 1}++) {`)
    }
    for (const s of [...partials[l]!, ...buckets[l]!]) lines.push(ind(l) + s)
    if (form === 'register' && l === accLevel) lines.push(`${ind(l)}let acc = ${init};`, ...(on === undefined ? [] : [ind(l) + on.init]))
  }
  lines.push(ind(loops.length) + inner)
  const store = `${out}[${o}] = acc;${on === undefined ? '' : ` ${on.store}`}`
  if (form === 'register' && accLevel === loops.length) lines.push(ind(accLevel) + store)
  for (let l = loops.length; l > 0; l--) {
    lines.push(`${ind(l - 1)}}`)
    if (form === 'register' && l - 1 === accLevel) lines.push(ind(l - 1) + store)
  }
  if (form === 'scatter' && on !== undefined) lines.push(ind(0) + on.fix)
  const extra = k._tag === 'reduce' ? [...(k.store === undefined ? [] : [k.store.value]), ...(k.online === undefined ? [] : [k.online.sum])] : []
  const params = [k.out, ...extra, ...loadsOf(k.body).keys()]
  const source = `function kernel${intLit(k.id)}(${params.map(bufName).join(', ')}) {\n${lines.join('\n')}\n}`
  const desc = loops.map((l, p) => `${form === 'register' && p === accLevel ? 'acc: ' : ''}i${p}<${l.n}`).join(' > ') || 'scalar'
  return { params, source, loops: desc + (form === 'scatter' ? ' (accumulating into the output)' : '') }
}

/**
 * Statements of an online max+sum over element `r`: running max `acc` (NaN sticky, like the reference
 * max) and running sum `acc2` of `exp(r - acc)`, rescaled by `exp(old - new)` on a new max. An element
 * equal to a -Infinity running max adds nothing here; instead a nonempty row whose max is infinite gets
 * the reference's NaN sum at the end (`exp(inf - inf)` is NaN there), so the loop never sees `inf - inf`.
 * A `guarded` shift (logSumExp's) is 0 for an infinite max: a -Infinity row keeps its sum 0 and a row
 * whose max is +Infinity gets the sum Infinity at the end.
 */
const online = (k: Extract<KernelPlan, { _tag: 'reduce' }>, r: string, out: string, o: string) => {
  const sum = bufName(k.online!.sum)
  const nonempty = k.shape.every((n, d) => !k.reduced[d] || n > 0)
  const rows = k.shape.reduce((a, n, d) => (k.reduced[d] ? a : a * n), 1)
  const upd = (m: string, s: string, setM: (v: string) => string, setS: (v: string) => string) =>
    `if (${r} > ${m}) { ${setS(`${s} * Math.exp(${m} - ${r}) + 1`)} ${setM(r)} } else if (${r} > -Infinity) ${setS(`${s} + Math.exp(${r} - ${m})`)} else if (${r} !== ${r}) { ${setM(r)} ${setS(r)} }`
  const guarded = k.online!.guarded
  const inf = (m: string) => (guarded ? `${m} === Infinity` : `${m} === Infinity || ${m} === -Infinity`)
  const patch = guarded ? 'Infinity' : 'NaN'
  const fixed = nonempty || guarded
  return {
    init: 'let acc2 = 0;',
    step: k.form === 'register'
      ? upd('acc', 'acc2', (v) => `acc = ${v};`, (v) => `acc2 = ${v};`)
      : `{ const a = ${out}[${o}]; const c = ${sum}[${o}]; ${upd('a', 'c', (v) => `${out}[${o}] = ${v};`, (v) => `${sum}[${o}] = ${v};`)} }`,
    store: `${sum}[${o}] = ${fixed ? `${inf('acc')} ? ${patch} : acc2` : 'acc2'};`,
    fill: `${sum}.fill(0);`,
    fix: fixed ? `for (let j = 0; j < ${intLit(rows)}; j++) if (${inf(`${out}[j]`)}) ${sum}[j] = ${patch};` : '',
  }
}
