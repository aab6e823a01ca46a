import { describe, expectTypeOf, test } from 'vitest'
import * as K from '../../src/index.js'
import { evaluate, evaluateE } from '../../src/evaluate.js'
import { grad, hvp, vjp } from '../../src/grad.js'
import type { Bindings } from '../../src/graph.js'
import { gradcheck, type GradcheckReport } from '../../src/gradcheck.js'
import { show } from '../../src/show.js'
import type { Tensor } from '../../src/tensor.js'

const x = K.input('x', [64, 10])
const w = K.param('w', [10, 3])

describe('the core API keeps literal shapes and plain result types', () => {
  test('leaves and ops carry literal shapes', () => {
    expectTypeOf(x.shape).toEqualTypeOf<readonly [64, 10]>()
    expectTypeOf(K.matmul(x, w).shape).toEqualTypeOf<readonly [64, 3]>()
    expectTypeOf(K.sum(K.matmul(x, w), 1).shape).toEqualTypeOf<readonly [64]>()
    expectTypeOf(K.add(K.matmul(x, w), K.param('b', [3])).shape).toEqualTypeOf<readonly [64, 3]>()
    expectTypeOf(K.softmax(x).shape).toEqualTypeOf<readonly [64, 10]>()
    expectTypeOf(K.scalar(1).shape).toEqualTypeOf<readonly []>()
  })

  test('shape errors are compile errors with literal shapes', () => {
    // @ts-expect-error inner dimensions 10 vs 3
    K.matmul(x, K.param('v', [3, 3]))
    // @ts-expect-error [64,10] and [3] do not broadcast
    K.add(x, K.param('b', [3]))
  })

  test('grad, vjp, hvp, evaluate, show and gradcheck have plain types', () => {
    expectTypeOf(grad).returns.toEqualTypeOf<Tensor[]>()
    expectTypeOf(vjp).returns.toEqualTypeOf<Tensor[]>()
    expectTypeOf(hvp).returns.toEqualTypeOf<Tensor[]>()
    expectTypeOf(evaluate).returns.toEqualTypeOf<Float64Array[]>()
    expectTypeOf(evaluateE([x], {})).toHaveProperty('_tag')
    expectTypeOf(show).returns.toEqualTypeOf<string>()
    expectTypeOf(gradcheck((v) => K.sum(v), [{ value: [1], shape: [1] }])).toEqualTypeOf<GradcheckReport>()
    // a tree of values: f receives tensors at the same paths (a missing path is an error)
    const report = gradcheck((p) => {
      expectTypeOf(p.layer.w).toEqualTypeOf<Tensor>()
      // @ts-expect-error no leaf 'v' under 'layer'
      void p.layer.v
      return K.sum(p.layer.w)
    }, { layer: { w: new Float64Array(2) } })
    expectTypeOf(report).toEqualTypeOf<GradcheckReport>()
    expectTypeOf<{ x: number[]; s: number; f: Float64Array }>().toExtend<Bindings>()
  })
})

describe('annotations users write', () => {
  test('a mutable tuple annotation accepts what the ops return; a wrong shape is an error', () => {
    const a = K.input('a', [2, 3])
    const b = K.param('b', [3, 1])
    const y: Tensor<[2, 1]> = K.matmul(a, b)
    const z: Tensor<readonly [2, 1]> = K.relu(K.add(y, 1))
    expectTypeOf(z.shape).toEqualTypeOf<readonly [2, 1]>()
    // @ts-expect-error the shape is [2, 1], not [2, 2]
    const bad: Tensor<[2, 2]> = K.matmul(a, b)
    void bad
  })
})
