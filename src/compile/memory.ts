/**
 * The memory plan: liveness of intermediates over the kernel sequence, then greedy best-fit assignment
 * of arena buffers so dead values' buffers are reused. An elementwise kernel may write over an operand
 * that dies in it when it reads that operand only at the element it writes (in place).
 * @module
 */
import { aff, kernelReads, kernelWrites, loadsOf, type Schedule } from './ir.js'

/** Where every value lives. */
export interface MemoryPlan {
  /** Capacity (elements) of each arena buffer: temps share these; each constant has its own. */
  readonly buffers: readonly number[]
  /** Arena buffer of each value id, or -1 for bound inputs and caller-owned outputs. */
  readonly bufferOf: readonly number[]
  /** Kernel interval `[def, lastUse]` of each temp (undefined for other values). */
  readonly live: readonly (readonly [number, number] | undefined)[]
  /** Temps written over an operand that dies in the same kernel. */
  readonly inPlace: readonly { readonly kernel: number; readonly from: number; readonly to: number }[]
}

/** True when kernel `k` reads value `v` only at the position it writes, so it may write over it. */
const elementwiseUse = (s: Schedule, k: number, v: number): boolean => {
  const kern = s.kernels[k]!
  if (kern._tag !== 'map' || s.values[v]!.size !== s.values[kern.out]!.size) return false
  const offs = loadsOf(kern.body).get(v) ?? []
  const want = aff.key(kern.outOff)
  return offs.length > 0 && offs.every((o) => aff.key(o) === want)
}

/**
 * Plans buffers for a schedule. Constants get dedicated buffers; temps share by liveness.
 * @example
 * import { planMemory } from './memory.js'
 * import { schedule } from './schedule.js'
 * import { input, exp, sum } from 'kiln'
 * const p = planMemory(schedule([sum(exp(input('x', [8])))], { fuse: true }))
 * p.buffers.length // 0
 */
export const planMemory = (s: Schedule): MemoryPlan => {
  const n = s.values.length
  const def = new Array<number>(n).fill(-1)
  const last = new Array<number>(n).fill(-1)
  const reads = s.kernels.map(kernelReads)
  s.kernels.forEach((k, i) => {
    for (const w of kernelWrites(k)) def[w] = i
    for (const v of reads[i]!) last[v] = Math.max(last[v]!, i)
  })
  const buffers: number[] = []
  const bufferOf = new Array<number>(n).fill(-1)
  const live: ([number, number] | undefined)[] = new Array(n).fill(undefined)
  const inPlace: { kernel: number; from: number; to: number }[] = []
  for (const v of s.values) if (v.kind === 'const') bufferOf[v.id] = buffers.push(v.size) - 1
  const free: number[] = []
  const release = (v: number) => {
    if (s.values[v]!.kind === 'temp') free.push(bufferOf[v]!)
  }
  s.kernels.forEach((k, i) => {
    const dying = reads[i]!.filter((v) => last[v] === i && s.values[v]!.kind === 'temp')
    const outs = kernelWrites(k).map((w) => s.values[w]!).filter((v) => v.kind === 'temp')
    const reuse = outs.length === 1 ? dying.find((v) => elementwiseUse(s, i, v)) : undefined
    for (const out of outs) {
      live[out.id] = [i, Math.max(i, last[out.id]!)]
      if (reuse !== undefined) {
        bufferOf[out.id] = bufferOf[reuse]!
        inPlace.push({ kernel: i, from: reuse, to: out.id })
      } else bufferOf[out.id] = take(free, buffers, out.size)
    }
    dying.filter((v) => v !== reuse).forEach(release)
    for (const out of outs) if (last[out.id]! < i) release(out.id)
  })
  return { buffers, bufferOf, live, inPlace }
}

/** Best fit among free buffers (smallest that holds `size`, else the largest, grown), else a new one. */
const take = (free: number[], buffers: number[], size: number): number => {
  let best = -1
  for (let j = 0; j < free.length; j++) {
    const cap = buffers[free[j]!]!
    const cur = best < 0 ? undefined : buffers[free[best]!]!
    if (cur === undefined) best = j
    else if (cap >= size ? cur < size || cap < cur : cur < size && cap > cur) best = j
  }
  if (best < 0) return buffers.push(size) - 1
  const b = free.splice(best, 1)[0]!
  buffers[b] = Math.max(buffers[b]!, size)
  return b
}
