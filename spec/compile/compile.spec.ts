import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { BindingError } from '../../src/graph.js'
import { compile, compileStats, type Executable } from '../../src/compile/index.js'
import type { Tensor } from '../../src/tensor.js'
import { caught } from '../caught.js'

const ok = (outs: readonly Tensor[], opts = {}): Executable => {
  const r = compile(outs, opts)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

describe('compile API', () => {
  it('a structurally identical graph hits the cache: no new Function', () => {
    const build = () => {
      const x = K.input('cacheX', [7])
      return [K.sum(K.mul(K.sigmoid(x), K.tanh(x)))]
    }
    const before = compileStats().functionsCreated
    const a = ok(build())
    const mid = compileStats().functionsCreated
    expect(mid).toBeGreaterThan(before)
    const b = ok(build())
    expect(compileStats().functionsCreated).toBe(mid)
    const bind = { cacheX: Float64Array.from([1, 2, 3, 4, 5, 6, 7]) }
    expect(Array.from(b.run(bind)[0]!)).toEqual(Array.from(a.run(bind)[0]!))
    ok(build(), { fuse: false })
    expect(compileStats().functionsCreated).toBeGreaterThan(mid)
  })

  it('explain() names the kernels, the fused ops, the loop nest, the source and the buffers', () => {
    const x = K.input('x', [4, 3])
    const w = K.param('w', [3, 2])
    const exe = ok([K.relu(K.add(K.matmul(x, w), 1))])
    const text = exe.explain()
    expect(text).toContain('fused: matmul, relu, add')
    expect(text).toContain('kernel 0: matmul')
    expect(text).toContain('function kernel0')
    expect(text).toContain('Buffers:')
    expect(String(exe)).toBe(text)
  })

  it('generated source never contains leaf names', () => {
    const x = K.input('secretName', [4])
    const exe = ok([K.exp(x)])
    const sources = exe.explain().split('source:').slice(1).join('')
    expect(sources).not.toContain('secretName')
  })

  it('binding errors are the BindingErrors of evaluate', () => {
    const x = K.input('x', [3])
    const exe = ok([K.exp(x)])
    const missing = caught(() => exe.run({}))
    expect(missing).toBeInstanceOf(BindingError)
    expect((missing as BindingError).binding).toBe('x')
    expect((caught(() => exe.run({ x: [1, 2] })) as BindingError).message).toMatch(/'x' has 2 values/)
    expect((caught(() => exe.run({ x: [1, 2, 3], y: 1 })) as BindingError).binding).toBe('y')
    expect(Array.from(exe.run({ x: [0, 0, 0] })[0]!)).toEqual([1, 1, 1])
    expect(Array.from(exe.run({ x: Float64Array.of(0, 1, 0) })[0]!)).toEqual([1, Math.E, 1])
  })

  it('runInto validates output buffers: count, lengths and aliasing', () => {
    const x = K.input('x', [3])
    const exe = ok([K.exp(x), K.sum(x)])
    const bind = { x: Float64Array.of(1, 2, 3) }
    expect(caught(() => exe.runInto(bind, [new Float64Array(3)]))).toBeInstanceOf(BindingError)
    expect((caught(() => exe.runInto(bind, [new Float64Array(2), new Float64Array(1)])) as Error).message).toMatch(/length 3/)
    expect(caught(() => exe.runInto(bind, [bind.x, new Float64Array(1)]))).toBeInstanceOf(BindingError)
    const outs = [new Float64Array(3), new Float64Array(1)]
    exe.runInto(bind, outs)
    expect(outs[1]![0]).toBe(6)
  })

  it('clashing leaf names, bad options are CompileErrors', () => {
    const r = compile([K.add(K.input('a', [2]), K.param('a', [2]))])
    expect(E.isLeft(r) && r.left._tag === 'CompileError' && r.left.reason === 'LeafNameClash').toBe(true)
    const o = compile([K.input('a', [2])], { fusion: true } as never)
    expect(E.isLeft(o) && o.left.reason === 'BadOption').toBe(true)
  })

  it('steady-state runInto allocates no buffers: the arena is fixed at compile time', () => {
    const x = K.input('x', [8, 5])
    const w = K.param('w', [5, 6])
    const exe = ok([K.sum(K.tanh(K.matmul(x, w)), 0), K.softmax(K.matmul(x, w))])
    const arena = [...exe.arena]
    const bind = { x: new Float64Array(40).fill(0.5), w: new Float64Array(30).fill(0.1) }
    const outs = [new Float64Array(6), new Float64Array(48)]
    for (let i = 0; i < 5; i++) exe.runInto(bind, outs)
    expect(exe.arena.length).toBe(arena.length)
    exe.arena.forEach((b, i) => expect(b).toBe(arena[i]))
  })

  it('supports pad, concat, oneHot, uniform, where and comparisons', () => {
    const x = K.input('x', [2, 3])
    const lab = K.input('lab', [2])
    const outs = [
      K.pad(x, [1, 0], [0, 2], -1),
      K.concat([x, K.exp(x)], 1),
      K.oneHot(lab, 4),
      K.mul(x, K.uniformTensor(K.key(5), [2, 3])),
      K.where(K.greater(x, 0), x, K.neg(x)),
      K.add(K.lessEqual(x, 0.5), K.notEqual(x, 1)),
    ]
    const bind = { x: [0.5, -1, 2, 1, 0, -3], lab: [2, 7] }
    const want = K.evaluate(outs, bind)
    ok(outs).run(bind).forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want[i]!)))
  })

  it('outputs that are leaves or repeat are copied', () => {
    const x = K.input('x', [2])
    const y = K.exp(x)
    const res = ok([x, y, y, K.constant([1, 2], [2])]).run({ x: [0, 1] })
    expect(res.map((r) => Array.from(r))).toEqual([[0, 1], [1, Math.E], [1, Math.E], [1, 2]])
    expect(res[1]).not.toBe(res[2])
  })

  it('NaN and infinities propagate like the interpreter, wherever they sit in a reduction', () => {
    const x = K.input('x', [3, 4])
    const outs = [K.max(x, 1), K.sum(x, 1), K.softmax(x), K.logSumExp(x, 0), K.matmul(x, K.transpose(x))]
    const rows = [
      [NaN, 3, 1, 2],
      [1, 2, NaN, 0],
      [Infinity, -Infinity, 5, 1],
    ]
    for (let r = 0; r < 3; r++) {
      const bind = { x: [...rows[r]!, ...rows[(r + 1) % 3]!, ...rows[(r + 2) % 3]!] }
      const want = K.evaluate(outs, bind)
      ok(outs).run(bind).forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(want[i]!)))
    }
  })
})
