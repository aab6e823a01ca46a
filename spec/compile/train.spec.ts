import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/evaluate.js'
import { compile } from '../../src/compile/index.js'
import { same } from './arbitraries.js'
import { mlpData, mlpStep, type MlpSpec } from './mlp.js'

const spec: MlpSpec = { sizes: [12, 16, 8, 5], batch: 10, lr: 0.1 }

describe('compiled training step', () => {
  it('forward, softmax cross-entropy, gradients and SGD as ONE executable match the interpreter after 10 steps', () => {
    const { outputs, params } = mlpStep(spec)
    const exe = compile(outputs)
    if (E.isLeft(exe)) throw new Error(exe.left.message)
    const data = mlpData(spec)
    let ref = { ...data }
    let got = { ...data }
    const losses: number[] = []
    for (let step = 0; step < 10; step++) {
      const r = evaluate(outputs, ref)
      const c = exe.right.run(got)
      expect(same(c[0]!, r[0]!)).toBe(true)
      losses.push(c[0]![0]!)
      ref = { ...ref, ...Object.fromEntries(params.map((p, k) => [p.name, r[k + 1]!])) }
      got = { ...got, ...Object.fromEntries(params.map((p, k) => [p.name, c[k + 1]!])) }
    }
    for (const p of params) expect(same(got[p.name]!, ref[p.name]!)).toBe(true)
    expect(losses[9]!).toBeLessThan(losses[0]!)
  })

  it('runInto reuses caller buffers and gives the same step as run', () => {
    const { outputs, params } = mlpStep(spec)
    const exe = compile(outputs)
    if (E.isLeft(exe)) throw new Error(exe.left.message)
    const data = mlpData(spec, 3)
    const outs = [new Float64Array(1), ...params.map((p) => new Float64Array(p.shape.reduce((a, b) => a * b, 1)))]
    exe.right.runInto(data, outs)
    const fresh = exe.right.run(data)
    fresh.forEach((f, i) => expect(Array.from(outs[i]!)).toEqual(Array.from(f)))
  })
})
