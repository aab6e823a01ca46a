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
import { bufName, emitter, levels, scalarOf } from './emit.js'

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

/** Names of affine indices, each built up loop by loop (`partials[l]`: the statements of loop level l). */
const affNamer = (loops: readonly Loop[], partials: string[][]) => {
  const pos = new Map(loops.map((l, p) => [l.v, p]))
  const names = new Map<string, string>()
  const affLevel = (a: Aff): number => Math.max(0, ...a.k.flatMap((x, v) => (x !== 0 && pos.has(v) ? [pos.get(v)! + 1] : [])))
  const affStr = (a: Aff): string => {
    const key = aff.key(a)
    const hit = names.get(key)
    if (hit !== undefined) return hit
    const terms = loops.flatMap((l, p) => (a.k[l.v] === 0 ? [] : [{ p, k: a.k[l.v]! }]))
    let cur = intLit(a.c)
    const j = names.size
    for (const t of terms) {
      const name = `o${j}_${t.p}`
      partials[t.p + 1]!.push(`const ${name} = ${cur === '0' ? '' : `${cur} + `}${t.k === 1 ? `i${t.p}` : `i${t.p} * ${intLit(t.k)}`};`)
      cur = name
    }
    names.set(key, cur)
    return cur
  }
  return { affLevel, affStr }
}

/**
 * Source lines of a loop nest: `open(from, to)` opens the loops of levels `from..to` (level l's statements,
 * `stmts[l]`, sit inside loop l - 1), `close(from, to)` closes them, `put(l, text)` writes at level l. A
 * range of levels may be opened more than once (an online reduction sweeps its row twice).
 */
const nestWriter = (loops: readonly Loop[], stmts: readonly (readonly string[])[]) => {
  const lines: string[] = []
  const ind = (d: number) => '  '.repeat(d + 1)
  const put = (l: number, text: string) => lines.push(ind(l) + text)
  const open = (from: number, to: number) => {
    for (let l = from; l <= to; l++) {
      if (l > 0) put(l - 1, `for (let i${l - 1} = 0; i${l - 1} < ${intLit(loops[l - 1]!.n)}; i${l - 1}++) {`)
      for (const s of stmts[l]!) put(l, s)
    }
  }
  const close = (from: number, to: number) => {
    for (let l = from; l > to; l--) put(l - 1, '}')
  }
  return { lines, put, open, close }
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
  const natural = k.shape.map((n, v) => ({ v, n, red: k._tag === 'reduce' && form === 'register' && k.reduced[v]! }))
  const ordered = form === 'register' ? [...natural.filter((l) => !l.red), ...natural.filter((l) => l.red)] : natural
  const loops = mergeLoops(ordered.filter((l) => l.n !== 1), [...affsOf(k.body), k.outOff])
  const accLevel = form === 'register' ? loops.filter((l) => !l.red).length : loops.length
  const buckets: string[][] = Array.from({ length: loops.length + 1 }, () => [])
  const partials: string[][] = Array.from({ length: loops.length + 1 }, () => [])
  const { affLevel, affStr } = affNamer(loops, partials)
  const em = emitter({ affStr, levelOf: levels(affLevel, loops.length), put: (l, line) => buckets[l]!.push(line), acc: 'acc' }, 't')
  const root = em.value(k.body)
  const out = bufName(k.out)
  const o = affStr(k.outOff)
  const side = k._tag === 'reduce' && k.store !== undefined ? `${bufName(k.store.value)}[${affStr(k.store.off)}] = ${root}; ` : ''
  const w = nestWriter(loops, partials.map((p, l) => [...p, ...buckets[l]!]))
  const n = loops.length
  if (k._tag === 'map') {
    w.open(0, n)
    w.put(n, `${out}[${o}] = ${root};`)
    w.close(n, 0)
  } else {
    // A reduction sweeps the loops inside its accumulator's level (register), or all of them (scatter).
    const base = form === 'register' ? accLevel : 0
    const sweep = (inner: string) => {
      w.open(base + 1, n)
      w.put(n, inner)
      w.close(n, base)
    }
    const monoid = monoidOf(k.op)
    const on = k.online === undefined ? undefined : online(k, root, out, o)
    if (form === 'scatter') w.put(0, `${out}.fill(${lit(monoid.identity)});`)
    w.open(0, base)
    if (form === 'register') w.put(base, `let acc = ${lit(monoid.identity)};`)
    sweep(side + (form === 'register' ? `acc = ${monoid.combineJs('acc', root)};` : `{ const a = ${out}[${o}]; ${out}[${o}] = ${monoid.combineJs('a', root)}; }`))
    if (on !== undefined) {
      w.put(base, on.before)
      sweep(on.step)
    }
    if (form === 'register') w.put(base, `${out}[${o}] = acc;${on === undefined ? '' : ` ${on.store}`}`)
    w.close(base, 0)
  }
  const extra = k._tag === 'reduce' ? [...(k.store === undefined ? [] : [k.store.value]), ...(k.online === undefined ? [] : [k.online.sum])] : []
  const params = [k.out, ...extra, ...loadsOf(k.body).keys()]
  const source = `function kernel${intLit(k.id)}(${params.map(bufName).join(', ')}) {\n${w.lines.join('\n')}\n}`
  const desc = loops.map((l, p) => `${form === 'register' && p === accLevel ? 'acc: ' : ''}i${p}<${l.n}`).join(' > ') || 'scalar'
  const twice = k._tag === 'reduce' && k.online !== undefined ? ', twice: the max, then the sum of exp(x - max)' : ''
  return { params, source, loops: desc + (form === 'scatter' ? ' (accumulating into the output)' : '') + twice }
}

/** The JS of op `op` (no attributes) on `args`: its record's kernel, the operation the reference runs. */
const call = (op: 'sub' | 'exp' | 'abs' | 'equal' | 'where', args: readonly string[]): string =>
  scalarOf({ _tag: 'op', call: { op, attrs: {} }, args: [] }, args)

/**
 * Statements of the second sweep of an online max+sum, over element `r` once the max is known (`acc` in
 * registers, `out[o]` accumulating in the output): the sum of `exp(r - shift)` in the reference's order
 * from the sum's identity, where the shift is the max, or for `guarded` pairs logSumExp's
 * `where(equal(abs(max), Infinity), 0, max)`. Each value goes through the same op kernels as the
 * reference, so the sum is bit for bit the reference's, NaN and infinite rows included. (A one-sweep
 * streaming sum, rescaled by `exp(old max - new max)` on each new max, rounds differently.)
 */
const online = (k: Extract<KernelPlan, { _tag: 'reduce' }>, r: string, out: string, o: string) => {
  const sum = bufName(k.online!.sum)
  const plus = monoidOf('sum')
  const shift = (m: string) => (k.online!.guarded ? call('where', [call('equal', [call('abs', [m]), lit(Infinity)]), lit(0), m]) : m)
  const term = (sh: string) => call('exp', [call('sub', [r, sh])])
  if (k.form === 'register')
    return { before: `const sh = ${shift('acc')}; let acc2 = ${lit(plus.identity)};`, step: `acc2 = ${plus.combineJs('acc2', term('sh'))};`, store: `${sum}[${o}] = acc2;` }
  return {
    before: `${sum}.fill(${lit(plus.identity)});`,
    step: `{ const s = ${sum}[${o}]; ${sum}[${o}] = ${plus.combineJs('s', term(shift(`${out}[${o}]`)))}; }`,
    store: '',
  }
}
