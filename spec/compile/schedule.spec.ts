import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { schedule } from '../../src/compile/index.js'
import type { Tensor } from '../../src/tensor.js'

const plan = (outs: readonly Tensor[]) => schedule(outs, { fuse: true })

describe('schedule (fusion decisions)', () => {
  it('a chain of elementwise ops and broadcasts is one kernel with no intermediate', () => {
    const x = K.input('x', [5, 4])
    const b = K.input('b', [4])
    const s = plan([K.tanh(K.mul(K.add(x, b), K.sigmoid(x)))])
    expect(s.kernels.length).toBe(1)
    expect(s.values.filter((v) => v.kind === 'temp').length).toBe(0)
  })

  it('a reduction absorbs its elementwise producers: sum((y - t)^2) is one pass', () => {
    const y = K.input('y', [100])
    const t = K.input('t', [100])
    const s = plan([K.sum(K.square(K.sub(y, t)))])
    expect(s.kernels.length).toBe(1)
    expect(s.kernels[0]!._tag).toBe('reduce')
    expect(s.kernels[0]!.fused).toEqual(['sum', 'mul', 'sub'])
  })

  it('softmax / log-softmax over rows: one online max+sum pass, then the output pass (log-softmax: two sums for log1p first)', () => {
    const x = K.input('x', [8, 10])
    for (const [y, tags] of [[K.softmax(x), ['reduce', 'map']], [K.logSoftmax(x), ['reduce', 'reduce', 'reduce', 'map']]] as const) {
      const s = plan([y])
      const passes = s.kernels.filter((k) => k.shape.length === 2 && k.shape[1] === 10)
      expect(passes.map((k) => k._tag)).toEqual(tags)
      const first = passes[0]!
      if (first._tag !== 'reduce') throw new Error('unreachable')
      expect(first.op).toBe('max')
      expect(first.online).toBeDefined()
      expect(first.fused).toEqual(expect.arrayContaining(['max', 'sum', 'exp']))
    }
    // No [8, 10] buffer for softmax's exp: the division recomputes it from x and the row max.
    expect(plan([K.softmax(x)]).values.filter((v) => v.kind === 'temp' && v.size === 80)).toEqual([])
  })

  it('matmul reads transposed operands through strides and fuses its epilogue', () => {
    const x = K.input('x', [6, 3])
    const g = K.input('g', [6, 4])
    const w = K.param('w', [4, 3])
    const b = K.param('b', [4])
    const s = plan([K.matmul(K.transpose(x), g), K.relu(K.add(K.mul(K.matmul(g, w), 2), K.sum(b)))])
    const mm = s.kernels.filter((k) => k._tag === 'matmul')
    expect(mm.length).toBe(2)
    expect(s.kernels.filter((k) => k._tag === 'map').length).toBe(0)
    const first = mm[0]!
    if (first._tag !== 'matmul') throw new Error('unreachable')
    expect(first.a.off.k).toEqual([1, 3])
    expect(mm[1]!.fused).toEqual(['matmul', 'relu', 'add', 'mul'])
  })

  it('a value with several consumers is computed once unless cheap', () => {
    const x = K.input('x', [10])
    const e = K.exp(x)
    const s = plan([K.add(e, 1), K.mul(e, 2)])
    expect(s.kernels.length).toBe(3)
    expect(s.kernels[0]!.notes.join()).toMatch(/2 consumers/)
    const c = K.add(x, 1)
    expect(plan([K.mul(c, 3), K.sub(c, 2)]).kernels.length).toBe(2)
  })

  it('a reshape that merges axes of a computed strided value copies, and says why', () => {
    const x = K.input('x', [3, 4])
    const s = plan([K.reshape(K.transpose(K.exp(x)), [12]), K.matmul(K.reshape(K.transpose(x), [2, 6]), K.input('w', [6, 2]))])
    const notes = s.kernels.flatMap((k) => k.notes).join('\n')
    expect(notes).toMatch(/copy: reshape/)
  })

  it('fuse: false gives one kernel per op', () => {
    const x = K.input('x', [3])
    expect(schedule([K.exp(K.neg(K.abs(x)))], { fuse: false }).kernels.length).toBe(3)
  })
})
