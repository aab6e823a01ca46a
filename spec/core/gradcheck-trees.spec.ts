/**
 * gradcheck on parameter trees and models: one call on a tree of values (paths and multi-indices in the
 * report), `gradcheckModel` on a layer's parameters with its state held and dropout under a fixed key;
 * and bad input refused with an `ArgumentError` naming the function and the field, before anything runs.
 */
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { gradcheck, gradcheckModel, type GradcheckModelOptions, type GradcheckOptions } from '../../src/gradcheck.js'
import { ArgumentError } from '../../src/options.js'
import type { Tensor } from '../../src/tensor.js'

const w = Float64Array.of(0.5, -0.3, 0.8, 0.1, 0.2, -0.6)
const b = Float64Array.of(0.1, -0.2)
const x = K.constant([1, 2, -1, 0.5, 0.3, -0.7], [2, 3])

describe('gradcheck on a tree of values', () => {
  it('passes the tree of tensors to f and names elements by path and multi-index', () => {
    const r = gradcheck((p) => K.sum(K.tanh(K.add(K.matmul(x, p.dense.w), p.dense.b))), { dense: { w, b } }, { shapes: { dense: { w: [3, 2], b: [2] } }, top: 8 })
    expect(r.ok, r.summary).toBe(true)
    expect(r.checked).toBe(8)
    expect(r.worst.map((e) => `${e.input}${K.fmt(e.index)}`).sort()).toEqual(['dense.b[0]', 'dense.b[1]', 'dense.w[0,0]', 'dense.w[0,1]', 'dense.w[1,0]', 'dense.w[1,1]', 'dense.w[2,0]', 'dense.w[2,1]'])
  })

  it('leaves are flat without shapes; a wrong derivative is named by its path', () => {
    const r = gradcheck((p) => K.sum(K.mul(p.a, K.stopGradient(p.a))), { a: Float64Array.of(1, 2), c: { d: Float64Array.of(3) } })
    expect(r.ok).toBe(false)
    expect(r.worst[0]).toMatchObject({ input: 'a', index: [1], output: 'out' })
    expect(gradcheck((p) => K.sum(K.mul(p.a, p.c.d)), { a: Float64Array.of(1, 2), c: { d: Float64Array.of(3) } }).ok).toBe(true)
  })

  it('does not modify the values it is given', () => {
    const values = { w: w.slice() }
    gradcheck((p) => K.sum(K.exp(p.w)), values)
    expect(values.w).toEqual(w)
  })
})

describe('gradcheckModel', () => {
  const rows = K.flower(K.key(1), 6)
  const at = (model: K.Layer, seed = 0) => ({ model, featureShape: [2], objective: K.objectives.softmaxCrossEntropy, ...model.init(K.key(seed), [1, 2]) })

  it('checks every parameter of a network with dropout and batch norm, by path', () => {
    const model = K.sequential(K.dense(4), K.batchNorm(), K.layers.tanh(), K.layers.dropout(0.5), K.dense(2))
    const m = at(model)
    const r = gradcheckModel(m, rows, { key: K.key(3), top: 40 })
    expect(r.ok, r.summary).toBe(true)
    expect(r.checked).toBe(K.countParams(m.params))
    expect(new Set(r.worst.map((e) => e.input))).toEqual(new Set(['dense0.w', 'dense0.b', 'batchNorm1.gamma', 'batchNorm1.beta', 'dense4.w', 'dense4.b']))
    expect(r.worst.find((e) => e.input === 'dense0.w')!.index).toHaveLength(2)
    // another key is another mask, still one fixed function; evaluation mode reads the running statistics
    expect(gradcheckModel(m, rows, { key: K.key(4), mode: 'fast' }).ok).toBe(true)
    expect(gradcheckModel(m, rows, { training: false, mode: 'forward' }).ok).toBe(true)
  })

  it('finds a parameter gradient wrong by a relative 1e-4, naming it', () => {
    // g + 1e-4 (g - stopGradient(g)): the value of g, a gradient 1 + 1e-4 times the true one
    const scale = K.defineLayer('scale', (s) => ({ params: { g: K.variable([s[s.length - 1]!], K.ones) }, state: {}, outputShape: s }), (p, t, ctx) => {
      const g = p.g as Tensor
      return { y: K.mul(t, K.add(g, K.mul(1e-4, K.sub(g, K.stopGradient(g))))), state: ctx.state }
    })
    const r = gradcheckModel(at(K.sequential(K.dense(3), K.layers.tanh(), scale, K.dense(2))), rows)
    expect(r.ok).toBe(false)
    expect(r.worst[0]!.input).toBe('scale2.g')
    expect(r.worst[0]!.relError).toBeCloseTo(1e-4, 7)
  })

  it('second order on a model', () => {
    expect(gradcheckModel(at(K.sequential(K.dense(2), K.layers.sigmoid(), K.dense(2))), rows, { order: 2 }).ok).toBe(true)
  })
})

describe('bad input: an ArgumentError naming the function and the field, and nothing runs', () => {
  let calls = 0
  const f = (t: Tensor) => {
    calls++
    return K.sum(t)
  }
  const ok = [{ value: [1, 2], shape: [2] }]
  const refuses = (run: () => unknown, who: string, field: string, message: RegExp) => {
    calls = 0
    let caught: unknown
    try {
      run()
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(ArgumentError)
    expect(caught).toMatchObject({ op: who, field })
    expect((caught as Error).message).toMatch(message)
    expect(calls).toBe(0)
  }

  it('unknown, misspelled and wrongly typed options; values out of range', () => {
    const bad: [GradcheckOptions, string, RegExp][] = [
      [{ rtool: 1e-3 } as GradcheckOptions, 'rtool', /unknown option; did you mean 'rtol'\?/],
      [{ richardsen: false } as GradcheckOptions, 'richardsen', /did you mean 'richardson'\?/],
      [{ eps: '1e-3' } as unknown as GradcheckOptions, 'eps', /expected a number, got the string "1e-3"/],
      [{ mode: 'fastest' } as unknown as GradcheckOptions, 'mode', /expected 'full' or 'fast' or 'forward', got the string "fastest"/],
      [{ order: 3 } as unknown as GradcheckOptions, 'order', /expected 1 or 2, got 3/],
      [{ eps: 0 }, 'eps', /expected a finite number > 0, got 0/],
      [{ atol: Number.NaN }, 'atol', /expected a finite number >= 0, got NaN/],
      [{ rtol: -1 }, 'rtol', /expected a finite number >= 0, got -1/],
      [{ top: 1.5 }, 'top', /expected an integer >= 0/],
      [{ mode: 'fast', projections: 0 }, 'projections', /expected a positive integer, got 0/],
      [{ projections: 3 }, 'projections', /applies to mode 'fast' and to mode 'forward' with directions 'random' only/],
      [{ directions: 'random' }, 'directions', /applies to mode 'forward' only/],
      [{ shapes: { x0: [2] } }, 'shapes', /applies to a tree of values only/],
    ]
    for (const [o, field, message] of bad) refuses(() => gradcheck(f, ok, o), 'gradcheck', field, message)
  })

  it('inputs of the wrong size, non-finite values, repeated names, a non-function', () => {
    refuses(() => gradcheck(f, [{ value: [1, 2, 3], shape: [2], name: 'q' }]), 'gradcheck', 'inputs[0].value', /has 3 values, shape \[2\] needs 2/)
    refuses(() => gradcheck(f, [{ value: [1, Number.POSITIVE_INFINITY], shape: [2] }]), 'gradcheck', 'inputs[0].value', /expected finite values, got Infinity at \[1\]/)
    refuses(() => gradcheck(f, [{ value: [1], shape: [-1] }]), 'gradcheck', 'inputs[0].shape', /expected a size >= 0/)
    refuses(() => gradcheck(f, [{ value: [1], shape: [1], name: 'a' }, { value: [1], shape: [1], name: 'a' }]), 'gradcheck', 'inputs[1].name', /used by an earlier input/)
    refuses(() => gradcheck(f, [3 as unknown as K.GradcheckInput]), 'gradcheck', 'inputs[0]', /expected \{ value, shape, name\? \}, got 3/)
    refuses(() => gradcheck('f' as unknown as typeof f, ok), 'gradcheck', 'f', /expected a function/)
    expect(() => gradcheck(() => 3 as unknown as Tensor, ok)).toThrow(/gradcheck: f: expected the function to return a Tensor, got 3/)
  })

  it('trees: non-finite values, leaves that are not Float64Arrays, shapes that do not match', () => {
    const g = (p: K.Params) => f(p.w as Tensor)
    refuses(() => gradcheck(g, { w: Float64Array.of(1, Number.NaN) }), 'gradcheck', 'w', /expected finite values, got NaN at \[1\]/)
    refuses(() => gradcheck(g, { w: [1, 2] as unknown as Float64Array }), 'gradcheck', 'w', /expected a Float64Array, got an array/)
    refuses(() => gradcheck(g, { d: { w: Float64Array.of(1, 2, 3) } }, { shapes: { d: { w: [2, 2] } } }), 'gradcheck', 'd.w', /has 3 values, shape \[2,2\] needs 4/)
    refuses(() => gradcheck(g, { w: Float64Array.of(1) }, { shapes: { v: [1] } }), 'gradcheck', 'shapes.v', /unexpected entry 'v'/)
    refuses(() => gradcheck(g, { w: Float64Array.of(1), u: Float64Array.of(1) }, { shapes: { w: [1] } }), 'gradcheck', 'shapes.u', /missing entry 'u'/)
    refuses(() => gradcheck(g, 5 as unknown as K.ParamValues), 'gradcheck', 'values', /expected a tree of Float64Array values or a list of inputs, got 5/)
  })

  it('gradcheckModel: values that do not match the model, a batch of the wrong size, a bad key or option', () => {
    let applied = 0
    const inner = K.sequential(K.dense(2), K.layers.tanh(), K.dense(2))
    const spy = K.defineLayer('spy', inner.spec, (p, t, ctx) => {
      applied++
      return inner.apply(p, t, ctx)
    })
    const v = spy.init(K.key(0), [1, 2])
    const m = { model: spy, featureShape: [2], objective: K.objectives.softmaxCrossEntropy, ...v }
    const rows = K.flower(K.key(1), 3)
    const refusesModel = (run: () => unknown, field: string, message: RegExp) => {
      applied = 0
      refuses(run, 'gradcheckModel', field, message)
      expect(applied).toBe(0)
    }
    const params = v.params as { dense0: { w: Float64Array; b: Float64Array }; dense2: K.ParamValues }
    refusesModel(() => gradcheckModel({ ...m, params: { dense0: params.dense0 } }, rows), 'params.dense2', /missing entry 'dense2'/)
    refusesModel(() => gradcheckModel({ ...m, params: { ...params, dense0: { ...params.dense0, w: Float64Array.of(1) } } }, rows), 'params.dense0.w', /has 1 elements, its shape \[2,2\] needs 4/)
    refusesModel(() => gradcheckModel({ ...m, params: { ...params, dense0: { ...params.dense0, b: Float64Array.of(0, Number.NaN) } } }, rows), 'params.dense0.b', /expected finite values, got NaN at \[1\]/)
    refusesModel(() => gradcheckModel(m, { ...rows, n: 4 }), 'batch', /expected at least one row of 2 features and 1 target/)
    refusesModel(() => gradcheckModel(m, rows, { key: { k0: 1 } as unknown as K.Key }), 'key', /expected a Key/)
    refusesModel(() => gradcheckModel(m, rows, { shapes: {} } as GradcheckModelOptions), 'shapes', /unknown option/)
    refusesModel(() => gradcheckModel(m, rows, { trainning: true } as GradcheckModelOptions), 'trainning', /did you mean 'training'\?/)
    expect(gradcheckModel(m, rows).ok).toBe(true)
  })
})
