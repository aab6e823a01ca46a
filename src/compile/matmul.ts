/**
 * Matmul code generation: a 4x4 register-blocked micro-kernel (16 local accumulators, operands read
 * through their strides so transposed views cost nothing) with the elementwise epilogue applied to each
 * accumulator before the single store. Accumulation runs over k in order from 0, like the reference.
 * Every number in the source (sizes, strides, offsets, loop limits) is written by `intLit`.
 * @module
 */
import { aff, loadsOf, type Aff, type KernelPlan } from './ir.js'
import { bufName, emitter } from './emit.js'
import { intLit } from './literal.js'
import type { KernelSource } from './codegen.js'

type MatmulPlan = Extract<KernelPlan, { _tag: 'matmul' }>

/** Row/column/batch strides of an operand read, aligned to the output's batch axes. */
const strides = (op: MatmulPlan['a'], nb: number) => {
  const r = op.shape.length
  const lead = nb - (r - 2)
  const batch = Array.from({ length: nb }, (_, d) => {
    const q = d - lead
    return q < 0 || op.shape[q] === 1 ? 0 : op.off.k[q]!
  })
  return { c: op.off.c, batch, row: op.off.k[r - 2]!, col: op.off.k[r - 1]! }
}

const plus = (terms: readonly string[]): string => terms.filter((t) => t !== '0').join(' + ') || '0'
const times = (v: string, k: number): string => (k === 0 ? '0' : k === 1 ? v : `${v} * ${intLit(k)}`)

/**
 * Source of a matmul kernel with its epilogue.
 * @example
 * import { genMatmul } from './matmul.js'
 * import { schedule } from './schedule.js'
 * import { input, param, matmul, relu } from 'kiln'
 * const k = schedule([relu(matmul(input('x', [8, 4]), param('w', [4, 8])))], { fuse: true }).kernels[0]!
 * genMatmul(k as never).loops // 'i<8 step 4 > j<8 step 4 > p<4'
 */
export const genMatmul = (k: MatmulPlan, rows = k.tile.rows, cols = k.tile.cols): KernelSource => {
  const r = k.shape.length
  const nb = r - 2
  const [n, m] = [k.shape[r - 2]!, k.shape[r - 1]!]
  const A = strides(k.a, nb)
  const B = strides(k.b, nb)
  const lines: string[] = []
  const ind = (d: number) => '  '.repeat(d + 1)
  const q = (d: number) => `q${d}`
  let depth = 0
  for (let d = 0; d < nb; d++) lines.push(`${ind(depth++)}for (let ${q(d)} = 0; ${q(d)} < ${intLit(k.shape[d]!)}; ${q(d)}++) {`)
  const batchTerms = (c: number, ks: readonly number[]) => plus([intLit(c), ...ks.map((x, d) => times(q(d), x))])
  lines.push(`${ind(depth)}const aB = ${batchTerms(A.c, A.batch)}, bB = ${batchTerms(B.c, B.batch)};`)

  /** One R x C block at rows i.., cols j.. (i, j are JS expressions). */
  const block = (R: number, C: number, i: string, j: string, d: number): void => {
    const acc = (a: number, b: number) => `c${a}${b}`
    const all = (f: (a: number, b: number) => string) => Array.from({ length: R }, (_, a) => Array.from({ length: C }, (_, b) => f(a, b))).flat()
    lines.push(`${ind(d)}let ${all((a, b) => `${acc(a, b)} = 0`).join(', ')};`)
    lines.push(`${ind(d)}let pa = aB + ${times(i, A.row)}, pb = bB + ${times(j, B.col)};`)
    lines.push(`${ind(d)}for (let p = 0; p < ${intLit(k.k)}; p++) {`)
    const aLoads = Array.from({ length: R }, (_, a) => `x${a} = ${bufName(k.a.value)}[${plus(['pa', intLit(a * A.row)])}]`)
    const bLoads = Array.from({ length: C }, (_, b) => `y${b} = ${bufName(k.b.value)}[${plus(['pb', intLit(b * B.col)])}]`)
    lines.push(`${ind(d + 1)}const ${[...aLoads, ...bLoads].join(', ')};`)
    lines.push(`${ind(d + 1)}${all((a, b) => `${acc(a, b)} += x${a} * y${b};`).join(' ')}`)
    lines.push(`${ind(d + 1)}pa += ${intLit(A.col)}; pb += ${intLit(B.row)};`)
    lines.push(`${ind(d)}}`)
    // Epilogue: index bases shared by the block, then one expression per accumulator.
    const bases = new Map<string, string>()
    const base = (x: Aff): string => {
      const key = aff.key({ c: 0, k: x.k })
      let name = bases.get(key)
      if (name === undefined) {
        name = `e${bases.size}`
        bases.set(key, name)
        lines.push(`${ind(d)}const ${name} = ${plus([...x.k.slice(0, nb).map((v, dd) => times(q(dd), v)), times(i, x.k[nb]!), times(j, x.k[nb + 1]!)])};`)
      }
      return name
    }
    for (let a = 0; a < R; a++)
      for (let b = 0; b < C; b++) {
        const affStr = (x: Aff) => plus([base(x), intLit(x.c + a * x.k[nb]! + b * x.k[nb + 1]!)])
        const body: string[] = []
        const em = emitter({ affStr, levelOf: () => 0, put: (_l, line) => body.push(line), acc: acc(a, b) }, `t${a}${b}_`)
        const v = em.value(k.epilogue)
        const o = affStr(k.outOff)
        lines.push(...body.map((s) => ind(d) + s), `${ind(d)}${bufName(k.out)}[${o}] = ${v};`)
      }
  }
  const n4 = n - (n % rows)
  const m4 = m - (m % cols)
  const jBlocks = (R: number, i: string, d: number) => {
    if (m4 > 0) {
      lines.push(`${ind(d)}for (let j = 0; j < ${intLit(m4)}; j += ${intLit(cols)}) {`)
      block(R, cols, i, 'j', d + 1)
      lines.push(`${ind(d)}}`)
    }
    if (m4 < m) {
      lines.push(`${ind(d)}for (let j = ${intLit(m4)}; j < ${intLit(m)}; j++) {`)
      block(R, 1, i, 'j', d + 1)
      lines.push(`${ind(d)}}`)
    }
  }
  if (n4 > 0) {
    lines.push(`${ind(depth)}for (let i = 0; i < ${intLit(n4)}; i += ${intLit(rows)}) {`)
    jBlocks(rows, 'i', depth + 1)
    lines.push(`${ind(depth)}}`)
  }
  if (n4 < n) {
    lines.push(`${ind(depth)}for (let i = ${intLit(n4)}; i < ${intLit(n)}; i++) {`)
    jBlocks(1, 'i', depth + 1)
    lines.push(`${ind(depth)}}`)
  }
  while (depth > 0) lines.push(`${ind(--depth)}}`)
  const params = [...new Set([k.out, k.a.value, k.b.value, ...loadsOf(k.epilogue).keys()])]
  const source = `function kernel${intLit(k.id)}(${params.map(bufName).join(', ')}) {\n${lines.join('\n')}\n}`
  const batch = k.shape.slice(0, nb).map((s, d) => `q${d}<${s} > `).join('')
  return { params, source, loops: `${batch}i<${n} step ${rows} > j<${m} step ${cols} > p<${k.k}` }
}
