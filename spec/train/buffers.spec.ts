/**
 * fit allocates its buffers once: every step reads one of three preallocated buffer sets and writes the
 * next (three, so the values of the last finite loss survive a step that diverges). Observed by wrapping the runner module (the compiled executable's own `runInto` promises not to
 * allocate; heap measurements are too noisy to assert on, so this checks buffer identity instead).
 */
import { describe, expect, it, vi } from 'vitest'
import { adam } from '../../src/nn/optim.js'
import { key } from '../../src/random/key.js'
import { fit } from '../../src/train/fit.js'
import { bnDropoutMlp, right, smallFlower } from './helpers.js'

interface Call {
  readonly runner: number
  readonly inputs: readonly Float64Array[]
  readonly state: readonly Float64Array[]
  readonly outs: readonly Float64Array[]
}
const calls: Call[] = []
let runners = 0

vi.mock('../../src/run.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/run.js')>()
  return {
    ...real,
    stepRunner: (...args: Parameters<typeof real.stepRunner>) => {
      const inner = real.stepRunner(...args)
      const id = runners++
      return {
        reads: inner.reads,
        run: (inputs: readonly Float64Array[], state: readonly Float64Array[], outs: readonly Float64Array[]) => {
          calls.push({ runner: id, inputs: [...inputs], state: [...state], outs: [...outs] })
          inner.run(inputs, state, outs)
        },
      }
    },
  }
})

describe('fit: no per-step allocation', () => {
  it('steps rotate through three preallocated buffer sets, and data batches reuse two buffers', () => {
    calls.length = 0
    runners = 0
    const data = smallFlower(40)
    // 40 rows in batches of 12: 4 steps per epoch (the last one of 4 rows), 5 epochs.
    const r = right(fit(bnDropoutMlp(), data, { epochs: 5, batchSize: 12, optimizer: adam(0.01), key: key(0) }))
    expect(r.history.length).toBe(5)
    const steps = calls.filter((c) => c.outs.length > 2)
    expect(steps.length).toBe(20)
    expect(new Set(steps.map((c) => c.runner)).size).toBe(2) // one runner per batch size, built once
    expect(runners).toBe(2) // no dev set: no evaluation runners either
    const outBuffers = new Set(steps.flatMap((c) => c.outs))
    const width = steps[0]!.outs.length
    // One loss buffer plus three sets of parameter/optimizer/state buffers (the first set holds the
    // starting values, written from the third step on), for all 20 steps.
    expect(outBuffers.size).toBe(1 + 3 * (width - 1))
    steps.forEach((c, i) => {
      expect(c.outs.length).toBe(width)
      if (i === 0) return
      // The state a step reads is what the previous step wrote (the buffers rotate, nothing is copied).
      const prev = steps[i - 1]!
      const written = new Set(prev.outs.slice(1))
      const read = c.state
      expect(read.length).toBe(width - 1)
      expect(read.every((v) => written.has(v))).toBe(true)
      expect(c.outs.slice(1).some((o) => written.has(o))).toBe(false)
    })
    // inputs by position: x, y (one buffer per batch size), the step counter and the key (one each)
    expect([0, 1, 2, 3].map((i) => new Set(steps.map((c) => c.inputs[i])).size)).toEqual([2, 2, 1, 1])
  })
})
