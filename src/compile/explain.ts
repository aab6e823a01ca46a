/**
 * The readable plan: each kernel with the ops it fused, its loop nest, notes on materialization and
 * copies, its generated source, then the fusion plan's decisions and the buffer plan.
 * @module
 */
import { fmt } from '../shape.js'
import type { KernelSource } from './codegen.js'
import type { FusionPlan } from './fusion.js'
import { kernelReads, kernelWrites, type Schedule } from './ir.js'
import type { MemoryPlan } from './memory.js'

const where = (s: Schedule, m: MemoryPlan, v: number): string => {
  const val = s.values[v]!
  const b = m.bufferOf[v]!
  return `v${v} ${val.label}${b >= 0 ? ` (buffer ${b})` : ''}`
}

const groupBy = <T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> => {
  const out = new Map<number, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = out.get(k)
    if (group === undefined) out.set(k, [item])
    else group.push(item)
  }
  return out
}

/**
 * The fusion plan's decisions, one line each (the `FusionPlan` the schedule was built from).
 * @example
 * import { explainFusion } from './explain.js'
 * import { decideFusion } from './fusion.js'
 * import { input, param, matmul, relu } from 'kiln'
 * const lines = explainFusion(decideFusion([relu(matmul(input('x', [8, 4]), param('w', [4, 3])))], { fuse: true }))
 * const shown = lines.filter((l) => l.startsWith('  epilogue') || l.startsWith('  tile')).map((l) => l.replace(/ #\d+/g, ''))
 * shown // ['  epilogue: matmul[8,3] runs in the kernel of relu[8,3]', '  tile: matmul[8,3] 4 x 4']
 */
export const explainFusion = (p: FusionPlan): string[] => [
  'Fusion plan:',
  ...p.materialized.map((m) => `  buffer: ${m.label} (${m.why})`),
  ...p.epilogues.map((e) => `  epilogue: ${e.matmul.label} runs in the kernel of ${e.root.label}`),
  ...p.sideReductions.map((r) => `  side reduction: ${r.reduce.label} in the pass that stores ${r.stored.label}`),
  ...p.online.map((o) => `  online: ${o.max.label} with ${o.sum.label}${o.guarded ? ' (guarded shift)' : ''}`),
  ...p.reduceForms.map((f) => `  loop order: ${f.label} ${f.form === 'register' ? 'reduced axes innermost, register accumulator' : 'row-major, accumulating in the output'}`),
  ...p.tiles.map((t) => `  tile: ${t.label} ${t.rows} x ${t.cols}`),
]

/**
 * Formats a plan.
 * @example
 * import { explainPlan } from './explain.js'
 * import { planMemory } from './memory.js'
 * import { schedule } from './schedule.js'
 * import { genLoopKernel } from './codegen.js'
 * import { input, exp } from 'kiln'
 * const s = schedule([exp(input('x', [3]))], { fuse: true })
 * explainPlan(s, planMemory(s), s.kernels.map((k) => genLoopKernel(k as never))).includes('fused: exp') // true
 */
export const explainPlan = (s: Schedule, m: MemoryPlan, sources: readonly KernelSource[]): string => {
  const lines: string[] = []
  const temps = s.values.filter((v) => v.kind === 'temp').length
  const bytes = m.buffers.reduce((a, c) => a + c * 8, 0)
  lines.push(`Executable: ${s.kernels.length} kernels, ${temps} intermediates in ${m.buffers.length} arena buffers (${bytes} bytes)`)
  for (const v of s.values) if (v.kind === 'input') lines.push(`  input  v${v.id} ${v.label}`)
  for (const v of s.values) if (v.kind === 'output') lines.push(`  output v${v.id} ${v.label}`)
  lines.push('', ...explainFusion(s.plan))
  // grouped once, so explaining a plan of n kernels and values stays linear in n
  const inPlaceAt = groupBy(m.inPlace, (ip) => ip.kernel)
  s.kernels.forEach((k, i) => {
    const src = sources[i]!
    lines.push('', `kernel ${k.id}: ${k._tag} -> ${where(s, m, k.out)}`)
    lines.push(`  fused: ${k.fused.join(', ') || '(copy)'}`)
    lines.push(`  reads: ${kernelReads(k).map((v) => `v${v}`).join(', ') || 'nothing'}`)
    for (const w of kernelWrites(k).slice(1)) lines.push(`  also writes: ${where(s, m, w)}`)
    lines.push(`  loops: ${src.loops}`)
    if (k._tag === 'reduce' && k.online !== undefined) lines.push(`  online max+sum: one kernel (v${k.out} max, then v${k.online.sum} sum of exp(x - max) in a second sweep of the same rows${k.online.guarded ? '; an infinite max shifts by 0' : ''})`)
    for (const n of k.notes) lines.push(`  note: ${n}`)
    for (const ip of inPlaceAt.get(i) ?? []) lines.push(`  in place: writes v${ip.to} over v${ip.from}, which dies here`)
    lines.push('  source:', ...src.source.split('\n').map((l) => `    ${l}`))
  })
  lines.push('', 'Buffers:')
  const usersOf = groupBy(s.values, (v) => m.bufferOf[v.id]!)
  m.buffers.forEach((cap, b) => {
    const users = usersOf.get(b) ?? []
    const desc = users.map((v) => {
      const live = m.live[v.id]
      return `v${v.id} ${v.kind === 'const' ? 'constant' : v.label} ${fmt(v.shape)}${live ? ` live k${live[0]}..k${live[1]}` : ''}`
    })
    lines.push(`  buffer ${b}: ${cap * 8} bytes, ${users.length > 1 ? 'shared by ' : ''}${desc.join('; ')}`)
  })
  return lines.join('\n')
}
