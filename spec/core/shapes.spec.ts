/**
 * Shape rules: bad compositions throw a `ShapeError` naming the op, the shapes and the rule; scalars
 * and zero-size dimensions go through evaluate and grad.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as K from '../../src/index.js'
import { evaluate } from '../../src/evaluate.js'
import { grad } from '../../src/grad.js'
import { opTable } from '../../src/optable.js'
import { broadcastShapes, fmt, normAxes, ShapeError, sizeOf, tryBroadcast, type Shape } from '../../src/shape.js'
import { type Tensor } from '../../src/tensor.js'
import { constant, input, param } from '../../src/make.js'
import { broadcastShapesArb, randomValues, shapeArb } from '../arbitraries.js'
import { evaluateUsed, numericGradOf, relError } from '../finiteDiff.js'
import { caught } from '../caught.js'

/** `f` throws a ShapeError for `op` whose message names every shape and matches `rule`. */
const expectShapeError = (f: () => unknown, op: string, shapes: readonly Shape[], rule: RegExp): void => {
  const e = caught(f) as ShapeError
  expect(e).toBeInstanceOf(ShapeError)
  expect(e.op).toBe(op)
  expect(e.shapes).toEqual(shapes)
  expect(e.message.startsWith(`${op}: `)).toBe(true)
  for (const s of shapes) expect(e.message).toContain(fmt(s))
  expect(e.rule).toMatch(rule)
  expect(e.message).toContain(e.rule)
}

const x23 = input('x', [2, 3])
const y4 = input('y', [4])

describe('ShapeError on bad compositions', () => {
  const binaries = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual'] as const
  it.each(binaries)('%s: non-broadcastable operands', (op) => {
    expectShapeError(() => (K[op] as (a: Tensor, b: Tensor) => Tensor)(x23, y4), op, [[2, 3], [4]], /not broadcastable/)
  })

  it('where: three operands that do not broadcast', () => {
    expectShapeError(() => K.where(input('c', [2, 1]), x23, y4), 'where', [[2, 1], [2, 3], [4]], /not broadcastable/)
  })

  it('non-broadcastable shapes, property: tryBroadcast and the error agree', () => {
    fc.assert(
      fc.property(shapeArb({ maxDim: 4 }), shapeArb({ maxDim: 4 }), (a, b) => {
        const n = Math.min(a.length, b.length)
        const ok = [...Array(n).keys()].every((i) => {
          const [d, e] = [a[a.length - 1 - i]!, b[b.length - 1 - i]!]
          return d === e || d === 1 || e === 1
        })
        if (ok) return tryBroadcast([a, b]) !== undefined && K.add(input('a', a), input('b', b)).shape.length === Math.max(a.length, b.length)
        expectShapeError(() => K.add(input('a', a), input('b', b)), 'add', [a, b], /broadcastable/)
        return tryBroadcast([a, b]) === undefined
      }),
      { seed: 3, numRuns: 200 },
    )
  })

  it('matmul: inner mismatch, low rank, batch mismatch', () => {
    const mm = K.matmul as (a: Tensor, b: Tensor) => Tensor
    expectShapeError(() => mm(x23, input('w', [4, 5])), 'matmul', [[2, 3], [4, 5]], /inner dimensions must agree \(3 vs 4\)/)
    expectShapeError(() => mm(y4, input('w', [4, 5])), 'matmul', [[4], [4, 5]], /rank 2/)
    expectShapeError(() => mm(input('a', [2, 2, 3]), input('b', [3, 3, 4])), 'matmul', [[2, 2, 3], [3, 3, 4]], /batch/)
  })

  it('reshape: element count change and bad dimensions', () => {
    const rs = K.reshape as (x: Tensor, s: Shape) => Tensor
    expectShapeError(() => rs(x23, [4]), 'reshape', [[2, 3], [4]], /element counts differ \(6 vs 4\)/)
    expectShapeError(() => rs(x23, [-2, -3]), 'reshape', [[2, 3], [-2, -3]], /non-negative integers/)
    expectShapeError(() => rs(x23, [-1, -1, 6]), 'reshape', [[2, 3], [-1, -1, 6]], /non-negative integers/)
    expectShapeError(() => rs(x23, [4, -1]), 'reshape', [[2, 3], [4, -1]], /non-negative integers/)
    expect(rs(x23, [-1, 2]).shape).toEqual([3, 2])
  })

  it('reductions: bad axes name the reduction', () => {
    for (const [op, f] of [
      ['sum', K.sum], ['max', K.max], ['mean', K.mean], ['min', K.min], ['logSumExp', K.logSumExp],
    ] as const) {
      expectShapeError(() => (f as (x: Tensor, a: number) => Tensor)(x23, 2), op, [[2, 3]], /axis 2 is out of range for rank 2/)
      expectShapeError(() => (f as (x: Tensor, a: number[]) => Tensor)(x23, [0, -2]), op, [[2, 3]], /repeat an axis/)
      expectShapeError(() => (f as (x: Tensor, a: number) => Tensor)(x23, 0.5), op, [[2, 3]], /out of range/)
    }
    expectShapeError(() => K.softmax(x23, -3), 'softmax', [[2, 3]], /out of range/)
    expectShapeError(() => K.logSoftmax(x23, 2), 'logSoftmax', [[2, 3]], /out of range/)
    expectShapeError(() => K.softmax(input('s', [])), 'softmax', [[]], /out of range for rank 0/)
  })

  it('transpose: bad perm', () => {
    const tr = K.transpose as (x: Tensor, p: number[]) => Tensor
    expectShapeError(() => tr(x23, [0, 0]), 'transpose', [[2, 3]], /not a permutation/)
    expectShapeError(() => tr(x23, [0]), 'transpose', [[2, 3]], /perm \[0\]/)
    expectShapeError(() => tr(x23, [0, 2]), 'transpose', [[2, 3]], /not a permutation/)
    expectShapeError(() => K.swapLast(y4), 'swapLast', [[4]], /rank 2/)
  })

  it('slice: boxes that do not fit', () => {
    expectShapeError(() => K.slice(x23, [1, 0], [2, 3]), 'slice', [[2, 3]], /begin \[1,0\] size \[2,3\]/)
    expectShapeError(() => K.slice(x23, [0, 1], [2, 3]), 'slice', [[2, 3]], /does not fit/)
    expectShapeError(() => K.slice(x23, [-1, 0], [1, 3]), 'slice', [[2, 3]], /does not fit/)
    expectShapeError(() => K.slice(x23, [0], [1]), 'slice', [[2, 3]], /does not fit/)
    expectShapeError(() => K.slice(x23, [0, 0], [1, -1]), 'slice', [[2, 3]], /does not fit/)
  })

  it('concat: mismatched operands and axes', () => {
    expectShapeError(() => K.concat([x23, input('z', [3, 3])], 1), 'concat', [[2, 3], [3, 3]], /every axis but 1/)
    expectShapeError(() => K.concat([x23, y4], 0), 'concat', [[2, 3], [4]], /every axis but 0/)
    expectShapeError(() => K.concat([x23, x23], 2), 'concat', [[2, 3]], /out of range/)
    expectShapeError(() => K.concat([]), 'concat', [], /at least one/)
  })

  it('pad, broadcastTo, oneHot, uniform, constant, leaves, gather, takeAlong', () => {
    expectShapeError(() => K.pad(x23, [0, -1], [0, 0]), 'pad', [[2, 3]], /non-negative/)
    expectShapeError(() => K.pad(x23, [0, 0], [0]), 'pad', [[2, 3]], /one non-negative integer per axis/)
    expectShapeError(() => K.broadcastTo(y4, [2, 3]), 'broadcastTo', [[4], [2, 3]], /does not broadcast/)
    expectShapeError(() => K.broadcastTo(x23, [3]), 'broadcastTo', [[2, 3], [3]], /does not broadcast/)
    expectShapeError(() => K.oneHot(y4, 0), 'oneHot', [[4]], /depth 0/)
    expectShapeError(() => K.uniformTensor(y4, [2]), 'uniform', [[4], [2]], /\[2\]/)
    expectShapeError(() => constant([1, 2, 3], [2, 2]), 'constant', [[2, 2]], /3 values given/)
    expectShapeError(() => input('bad', [2, -1]), 'input', [[2, -1]], /non-negative integer/)
    expectShapeError(() => param('bad', [1.5]), 'param', [[1.5]], /non-negative integer/)
    expectShapeError(() => K.gather(y4, input('i', [2])), 'gather', [[4], [2]], /matrix/)
    expectShapeError(() => K.takeAlong(x23, input('l', [3])), 'takeAlong', [[2, 3], [3]], /without its last axis/)
  })

  it('the shape module helpers', () => {
    expect(broadcastShapes('add', [[4, 1], [3]])).toEqual([4, 3])
    expect(broadcastShapes('add', [[0, 1], [3]])).toEqual([0, 3])
    expect(tryBroadcast([[0], [2]])).toBeUndefined()
    expect(normAxes('sum', [2, 3, 4], [-1, 0])).toEqual([0, 2])
    expect(new ShapeError('matmul', [[2, 3], [4, 5]], 'r').message).toBe('matmul: shapes [2,3] and [4,5]: r')
    expect(new ShapeError('sum', [[2]], 'r').message).toBe('sum: shape [2]: r')
  })
})

/** Shapes with at least one zero dimension. */
const zeroShape = shapeArb({ minRank: 1, maxRank: 3, minDim: 0, maxDim: 2 }).filter((s) => s.includes(0))

/** Evaluates `y(x)` and the gradient of `sum(y * w)`, checking sizes and (on non-empty params) values. */
const runThrough = (shapes: readonly Shape[], build: (xs: readonly Tensor[]) => Tensor, seed: number): void => {
  const xs = shapes.map((s, i) => param(`z${i}`, s))
  const y = build(xs)
  const bindings = Object.fromEntries(shapes.map((s, i) => [`z${i}`, randomValues(seed + i, sizeOf(s), 0.5, 2)]))
  const [v] = evaluateUsed([y], bindings)
  expect(v!.length).toBe(sizeOf(y.shape))
  const loss = K.sum(K.mul(y, constant(randomValues(seed, sizeOf(y.shape)), y.shape)))
  const gs = evaluateUsed(grad(loss, xs), bindings)
  gs.forEach((g, i) => expect(g.length).toBe(sizeOf(shapes[i]!)))
  expect(relError(gs, numericGradOf(loss, xs, bindings), 1e-2)).toBeLessThan(1e-6)
}

describe('scalars and zero-size dimensions', () => {
  const unaries = [K.neg, K.exp, K.log, K.sqrt, K.abs, K.tanh, K.sigmoid, K.relu, K.softplus] as ((x: Tensor) => Tensor)[]

  it('scalars go through every elementwise op, reductions and broadcasting', () => {
    for (const f of unaries) runThrough([[]], ([x]) => f(x!), 1)
    runThrough([[], [3]], ([a, b]) => K.mul(a!, b!), 2)
    runThrough([[], []], ([a, b]) => K.pow(a!, b!), 3)
    runThrough([[]], ([a]) => K.sum(a!), 4)
    runThrough([[]], ([a]) => K.max(a!), 5)
    runThrough([[]], ([a]) => K.reshape(a!, [1, 1] as never), 6)
    runThrough([[]], ([a]) => K.broadcastTo(a!, [2, 2]), 7)
    expect(K.sum(input('s', [])).shape).toEqual([])
    expect(evaluate([K.add(input('s', []), 1)], { s: 2 })[0]).toEqual(Float64Array.of(3))
  })

  it('zero-size tensors go through elementwise ops, broadcasting, reductions and views', () => {
    fc.assert(
      fc.property(zeroShape, fc.integer(), (s, seed) => {
        for (const f of unaries) runThrough([s], ([x]) => f(x!), seed)
        runThrough([s, s.slice(1)], ([a, b]) => K.add(a!, b!), seed)
        runThrough([s], ([x]) => K.sum(x!, 0), seed)
        runThrough([s], ([x]) => K.mean(x!, -1, true), seed)
        runThrough([s], ([x]) => K.transpose(x!), seed)
        runThrough([s], ([x]) => K.reshape(x!, [0] as never), seed)
        runThrough([s], ([x]) => K.pad(x!, s.map(() => 1), s.map(() => 0), 3), seed)
        runThrough([s, s], ([a, b]) => K.concat([a!, b!], 0), seed)
        runThrough([s], ([x]) => K.slice(x!, s.map(() => 0), s.map(() => 0)), seed)
      }),
      { seed: 17, numRuns: 30 },
    )
  })

  it('reductions over an empty axis give their identities; matmul with k = 0 gives zeros', () => {
    const e = input('e', [2, 0])
    const [s, m, mn] = evaluate([K.sum(e, 1), K.max(e, 1), K.mean(e, 1)], { e: [] })
    expect(Array.from(s!)).toEqual([0, 0])
    expect(Array.from(m!)).toEqual([-Infinity, -Infinity])
    expect(Array.from(mn!).every(Number.isNaN)).toBe(true)
    const [mm] = evaluate([K.matmul(e, input('f', [0, 3]))], { e: [], f: [] })
    expect(Array.from(mm!)).toEqual([0, 0, 0, 0, 0, 0])
    runThrough([[2, 0], [0, 3]], ([a, b]) => K.matmul(a!, b! as never), 9)
    runThrough([[0, 2], [2, 3]], ([a, b]) => K.matmul(a!, b! as never), 10)
    expect(opTable.sum.shape([[2, 0]], { axes: [1], keepDims: true }, undefined)).toEqual([2, 1])
  })

  it('broadcasting with zero-size axes follows NumPy (0 with 1 gives 0)', () => {
    fc.assert(
      fc.property(broadcastShapesArb(2, zeroShape), fc.integer(), ({ out, shapes }, seed) => {
        const y = K.mul(input('a', shapes[0]!), input('b', shapes[1]!))
        expect(y.shape).toEqual(out)
        runThrough(shapes, ([a, b]) => K.sub(a!, b!), seed)
      }),
      { seed: 5, numRuns: 30 },
    )
  })
})
