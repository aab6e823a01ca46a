import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { planMemory, schedule, type MemoryPlan, type Schedule } from '../../src/compile/index.js'
import { graphArb } from './arbitraries.js'
import { mlpStep } from './mlp.js'

/** Checks the plan: no two values share a buffer while both are live (in-place writes excepted). */
const sound = (s: Schedule, m: MemoryPlan): boolean => {
  const temps = s.values.filter((v) => v.kind === 'temp')
  for (const v of temps) if (m.bufferOf[v.id]! < 0 || m.buffers[m.bufferOf[v.id]!]! < v.size) return false
  for (const a of temps)
    for (const b of temps) {
      if (a.id >= b.id || m.bufferOf[a.id] !== m.bufferOf[b.id]) continue
      const [da, la] = m.live[a.id]!
      const [db, lb] = m.live[b.id]!
      const disjoint = la < db || lb < da
      const inPlace = m.inPlace.some((p) => (p.from === a.id && p.to === b.id && la === db) || (p.from === b.id && p.to === a.id && lb === da))
      if (!disjoint && !inPlace) return false
    }
  const consts = s.values.filter((v) => v.kind === 'const').map((v) => m.bufferOf[v.id]!)
  return new Set(consts).size === consts.length && consts.every((b) => !temps.some((t) => m.bufferOf[t.id] === b))
}

describe('memory plan', () => {
  it('never lets two simultaneously live values share a buffer (random graphs)', () => {
    fc.assert(
      fc.property(graphArb(true), fc.boolean(), (g, fuse) => {
        const s = schedule(g.outputs, { fuse })
        return sound(s, planMemory(s))
      }),
      { seed: 42, numRuns: 300 },
    )
  })

  it('reuses dead buffers in a training step and writes elementwise results in place', () => {
    const s = schedule(mlpStep({ sizes: [8, 16, 8, 4], batch: 6, lr: 0.1 }).outputs, { fuse: false })
    const m = planMemory(s)
    expect(sound(s, m)).toBe(true)
    expect(m.buffers.length).toBeLessThan(s.values.filter((v) => v.kind === 'temp').length)
    expect(m.inPlace.length).toBeGreaterThan(0)
  })

  it('an elementwise kernel writes over an operand that dies in it', () => {
    const x = K.input('x', [16])
    const s = schedule([K.sum(K.neg(K.exp(K.exp(x))))], { fuse: false })
    const m = planMemory(s)
    expect(m.inPlace.length).toBeGreaterThan(0)
    expect(sound(s, m)).toBe(true)
  })
})
