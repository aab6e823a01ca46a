import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { makeDataset } from '../../src/data/dataset.js'
import { dense } from '../../src/nn/layers.js'
import { ArgumentError } from '../../src/options.js'
import { positiveScores, predictLabels } from '../../src/train/labels.js'
import { objectives } from '../../src/train/objective.js'
import { evaluateModel, predict, type Trained } from '../../src/train/predict.js'
import { caught } from '../caught.js'

// Logistic regression with w = 1, b = 0: p(class 1) = sigmoid(x), p(class 0) = 1 - sigmoid(x).
const logistic: Trained = {
  model: dense(1), featureShape: [1], objective: objectives.binaryCrossEntropyWithLogits, classes: ['neg', 'pos'],
  params: { w: Float64Array.of(1), b: Float64Array.of(0) }, state: {}, engine: 'compiled',
}
const xs = [-2, -0.5, 0, 0.5, 3]
const ds = makeDataset(Float64Array.from(xs), Float64Array.of(0, 1, 0, 1, 1), [1], ['neg', 'pos'])
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

// Three classes: logits [x, 0, -x].
const softmax3: Trained = {
  model: dense(3), featureShape: [1], objective: objectives.softmaxCrossEntropy, classes: ['a', 'b', 'c'],
  params: { w: Float64Array.of(1, 0, -1), b: Float64Array.of(0, 0, 0) }, state: {}, engine: 'compiled',
}
const ds3 = makeDataset(Float64Array.from(xs), Float64Array.of(0, 1, 1, 0, 0), [1], ['a', 'b', 'c'])

describe('positiveScores', () => {
  it('is the chosen column of the predicted probabilities', () => {
    const s1 = positiveScores(logistic, ds, 1)
    xs.forEach((x, i) => expect(s1[i]).toBeCloseTo(sigmoid(x), 14))
    const s0 = positiveScores(logistic, ds, 0)
    s0.forEach((v, i) => expect(v + s1[i]!).toBeCloseTo(1, 14))
    const p3 = predict(softmax3, ds3)
    expect(Array.from(positiveScores(softmax3, ds3, 2))).toEqual(xs.map((_, i) => p3[i * 3 + 2]))
  })

  it('refuses a class out of range and a regression model', () => {
    const e = caught(() => positiveScores(logistic, ds, 2))
    expect(e).toBeInstanceOf(ArgumentError)
    expect((e as Error).message).toBe('positiveScores: positiveClass: expected a class index in [0, 2), got 2')
    expect(() => positiveScores(softmax3, ds3, 1.5)).toThrow(/^positiveScores: positiveClass: expected a class index in \[0, 3\), got 1.5$/)
    const regression: Trained = { ...logistic, objective: objectives.meanSquaredError, classes: [] }
    expect(() => positiveScores(regression, ds, 0)).toThrow(/^positiveScores: the model is a regression model \(objective meanSquaredError\); expected a classifier$/)
  })
})

describe('predictLabels', () => {
  it('without options gives the argmax labels of evaluateModel', () => {
    expect(Array.from(predictLabels(logistic, ds))).toEqual(Array.from(evaluateModel(logistic, ds).labels))
    expect(Array.from(predictLabels(softmax3, ds3))).toEqual([2, 2, 0, 0, 0])
  })

  it('labels a row positive when its probability of the positive class reaches the threshold', () => {
    // p(pos) = 0.119, 0.378, 0.5, 0.622, 0.953. At 0.5 the middle row (p exactly 0.5) is positive,
    // where argmax breaks the tie toward class 0.
    expect(Array.from(predictLabels(logistic, ds, { threshold: 0.5, positiveClass: 1 }))).toEqual([0, 0, 1, 1, 1])
    expect(Array.from(predictLabels(logistic, ds))).toEqual([0, 0, 0, 1, 1])
    expect(Array.from(predictLabels(logistic, ds, { threshold: 0.3, positiveClass: 1 }))).toEqual([0, 1, 1, 1, 1])
    // Class 0 as positive: p(neg) = 0.881, 0.622, 0.5, 0.378, 0.047.
    expect(Array.from(predictLabels(logistic, ds, { threshold: 0.6, positiveClass: 0 }))).toEqual([0, 0, 1, 1, 1])
    expect(Array.from(predictLabels(logistic, ds, { threshold: 0, positiveClass: 0 }))).toEqual([0, 0, 0, 0, 0])
    expect(Array.from(predictLabels(logistic, ds, { threshold: 1, positiveClass: 1 }))).toEqual([0, 0, 0, 0, 0])
  })

  it('flags fewer rows as the threshold rises, and matches the scores row by row', () => {
    const scores = positiveScores(logistic, ds, 1)
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        const atLo = predictLabels(logistic, ds, { threshold: lo, positiveClass: 1 })
        const atHi = predictLabels(logistic, ds, { threshold: hi, positiveClass: 1 })
        atHi.forEach((l, i) => expect(l <= atLo[i]!).toBe(true))
        atLo.forEach((l, i) => expect(l).toBe(scores[i]! >= lo ? 1 : 0))
      }),
      { seed: 1, numRuns: 50 },
    )
  })

  it('refuses bad options, naming them', () => {
    const message = (f: () => unknown) => {
      const e = caught(f)
      expect(e).toBeInstanceOf(ArgumentError)
      return (e as Error).message
    }
    expect(message(() => predictLabels(logistic, ds, { threshold: 1.5, positiveClass: 1 }))).toBe('predictLabels: threshold: expected a probability in [0, 1], got 1.5')
    expect(message(() => predictLabels(logistic, ds, { threshold: NaN, positiveClass: 1 }))).toBe('predictLabels: threshold: expected a probability in [0, 1], got NaN')
    expect(message(() => predictLabels(logistic, ds, { threshold: 0.5 }))).toMatch(/^predictLabels: positiveClass: missing; expected the class \(0 or 1\)/)
    expect(message(() => predictLabels(logistic, ds, { positiveClass: 1 }))).toMatch(/^predictLabels: threshold: missing; positiveClass is only used with a threshold/)
    expect(message(() => predictLabels(logistic, ds, { threshold: 0.5, positiveClass: 2 }))).toBe('predictLabels: positiveClass: expected a class index in [0, 2), got 2')
    expect(message(() => predictLabels(softmax3, ds3, { threshold: 0.5, positiveClass: 1 }))).toMatch(/^predictLabels: threshold: a threshold needs a binary model \(2 classes\), this one has 3/)
    expect(message(() => predictLabels(logistic, ds, { treshold: 0.5 } as never))).toMatch(/^predictLabels: treshold: unknown option; did you mean 'threshold'\?/)
    expect(message(() => predictLabels(logistic, ds, { threshold: '0.5' } as never))).toBe('predictLabels: threshold: expected a number, got the string "0.5"')
  })
})
