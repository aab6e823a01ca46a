/**
 * Issue 9: fit's options are checked before anything runs. A misspelled key is refused with the closest
 * valid one suggested (it used to be ignored: `epoch`, `regularisation`, `earlystopping` and `shufle`
 * silently trained with the defaults, `engine: 'interpeter'` ran the compiled engine); a wrongly typed
 * value is a Left before training (`onEpochEnd: 5` used to throw a TypeError after the first epoch); a
 * missing optimizer or key names the field (not "Cannot read properties of undefined" or `foldIn`).
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { adam, sgd } from '../../src/nn/optim.js'
import { key } from '../../src/random/key.js'
import { learningCurve } from '../../src/train/curves.js'
import { fit, fitAsync, type FitOptions } from '../../src/train/fit.js'
import { blobs, expectFitError, plainMlp, smallFlower, spy } from './helpers.js'

const data = smallFlower(24)
const base: FitOptions = { epochs: 2, batchSize: 8, optimizer: adam(0.01), key: key(0) }


const withExtra = (extra: Record<string, unknown>): FitOptions => ({ ...base, ...extra }) as FitOptions

describe('fit: unknown option keys', () => {
  it.each([
    ['epoch', 3, 'epochs'],
    ['regularisation', { l2: 0.1 }, 'regularization'],
    ['earlystopping', { patience: 1 }, 'earlyStopping'],
    ['shufle', false, 'shuffle'],
    ['batchsize', 8, 'batchSize'],
    ['onEpochEnds', () => undefined, 'onEpochEnd'],
  ])('%s is refused, suggesting %s', (name, value, suggestion) => {
    const s = spy()
    const r = fit(s.layer, data, withExtra({ [name]: value }))
    expectFitError(r, name, `${name}: unknown option`, `did you mean '${suggestion}'?`)
    expect(s.applied()).toBe(0)
  })

  it('a key far from every option is refused with the list of valid options', () => {
    expectFitError(fit(plainMlp(), data, withExtra({ colour: 'red' })), 'colour', /unknown option \(valid options: epochs, batchSize, optimizer/)
  })

  it('keys that objects inherit (__proto__, constructor, toString) are refused when they are own keys', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const options: Record<string, unknown> = { ...base }
      Object.defineProperty(options, name, { value: 1, enumerable: true })
      expectFitError(fit(plainMlp(), data, options as unknown as FitOptions), name, `${name}: unknown option`)
    }
  })

  it('nested option objects are checked too', () => {
    expectFitError(fit(plainMlp(), data, withExtra({ earlyStopping: { patince: 2 } })), 'earlyStopping', "earlyStopping.patince: unknown option; did you mean 'patience'?")
    expectFitError(fit(plainMlp(), data, withExtra({ regularization: { L2: 0.1 } })), 'regularization', "regularization.L2: unknown option; did you mean 'l2'?")
    expectFitError(fit(plainMlp(), data, withExtra({ initial: { param: {} } })), 'initial', "initial.param: unknown option; did you mean 'params'?")
    expectFitError(fit(plainMlp(), data, withExtra({ earlyStopping: { minDelta: 0.1 } })), 'earlyStopping', 'earlyStopping.patience: missing')
  })

  it("engine: 'interpeter' is refused, suggesting 'interpreter' (it used to run the compiled engine)", () => {
    const s = spy()
    expectFitError(fit(s.layer, data, withExtra({ engine: 'interpeter' })), 'engine', `expected 'compiled', 'interpreter' or an AsyncEngine (onnxEngine(ort)), got the string "interpeter"; did you mean 'interpreter'?`)
    expect(s.applied()).toBe(0)
  })

  it('a misspelled loss name suggests the closest objective', () => {
    expectFitError(fit(plainMlp(), data, withExtra({ loss: 'softmaxCrossEntropyy' })), 'loss', "unknown loss 'softmaxCrossEntropyy'", "did you mean 'softmaxCrossEntropy'?")
  })
})

describe('fit: wrongly typed values are a Left before training', () => {
  it.each([
    ['progress', 'yes', /^fit: progress: expected true, false, a stream .* got the string "yes"$/],
    ['onEpochEnd', 5, /^fit: onEpochEnd: expected a function .*, got 5$/],
    ['shuffle', 'no', /^fit: shuffle: expected true or false, got the string "no"$/],
    ['epochs', '3', /^fit: epochs: expected a positive integer, got the string "3"$/],
    ['batchSize', null, /^fit: batchSize: expected a positive integer, got null$/],
    ['optimizer', { name: 'adam' }, /^fit: optimizer: expected an optimizer such as adam\(0\.01\) or sgd\(0\.1\), got an object$/],
    ['key', 0, /^fit: key: expected a Key \(from key\(seed\), split or foldIn\), got 0$/],
    ['dev', [], /^fit: dev: expected a Dataset, got an array$/],
    ['freeze', 'dense0', /^fit: freeze: expected an array of parameter paths or a function/],
    ['stopOnNonFinite', 0, /^fit: stopOnNonFinite: expected true or false, got 0$/],
    ['regularization', { l2: '0.1' }, /^fit: regularization\.l2: expected a number >= 0, got the string "0\.1"$/],
    ['earlyStopping', { patience: 2, restoreBest: 'yes' }, /^fit: earlyStopping\.restoreBest: expected true or false/],
    ['loss', { name: 'mine' }, /^fit: loss: expected an objective name or an Objective/],
  ])('%s: %o', (field, value, pattern) => {
    const s = spy()
    let epochEnds = 0
    let reports = 0
    const watched = { onEpochEnd: () => void epochEnds++, progress: () => void reports++ }
    const r = fit(s.layer, data, withExtra({ ...(field === 'onEpochEnd' || field === 'progress' ? {} : watched), [field]: value }))
    expectFitError(r, field, pattern)
    expect([s.applied(), epochEnds, reports]).toEqual([0, 0, 0])
  })

  it('progress: "yes" and onEpochEnd: 5 never reach training (the spies of the other callback are never called)', () => {
    let reports = 0
    let epochEnds = 0
    expectFitError(fit(plainMlp(), data, withExtra({ progress: 'yes', onEpochEnd: () => void epochEnds++ })), 'progress')
    expectFitError(fit(plainMlp(), data, withExtra({ onEpochEnd: 5, progress: () => void reports++ })), 'onEpochEnd')
    expect([reports, epochEnds]).toEqual([0, 0])
  })

  it('options that are not an object, and a model or data set that is not one, name what is wrong', () => {
    expectFitError(fit(plainMlp(), data, undefined as never), 'options', 'expected an object of options, got undefined')
    expectFitError(fit(plainMlp(), data, [] as never), 'options', 'got an array')
    expectFitError(fit(plainMlp(), { x: [1] } as never, base), 'train', 'expected a Dataset, got an object')
    expectFitError(fit(5 as never, data, base), 'model', 'expected a Layer')
  })
})

describe('fit: missing required options name the field', () => {
  it('a missing optimizer says optimizer (not "Cannot read properties of undefined")', () => {
    const { optimizer: _, ...rest } = base
    const r = fit(plainMlp(), data, rest as FitOptions)
    expectFitError(r, 'optimizer', /^fit: optimizer: missing; expected an optimizer such as adam\(0\.01\) or sgd\(0\.1\)$/)
    if (E.isLeft(r)) expect(r.left.message).not.toMatch(/Cannot read properties/)
  })

  it('a missing key says key (not foldIn)', () => {
    const { key: _, ...rest } = base
    const r = fit(plainMlp(), data, rest as FitOptions)
    expectFitError(r, 'key', /^fit: key: missing; expected a Key such as key\(0\)/)
    if (E.isLeft(r)) expect(r.left.message).not.toMatch(/foldIn/)
  })

  it('missing epochs and batchSize name themselves', () => {
    const { epochs: _e, ...noEpochs } = base
    const { batchSize: _b, ...noBatch } = base
    expectFitError(fit(plainMlp(), data, noEpochs as FitOptions), 'epochs', 'epochs: missing')
    expectFitError(fit(plainMlp(), data, noBatch as FitOptions), 'batchSize', 'batchSize: missing')
  })
})

describe('fitAsync and learningCurve check the same options', () => {
  it('fitAsync refuses unknown keys (its own two are valid) and typed values before training', async () => {
    const s = spy()
    expectFitError(await fitAsync(s.layer, data, { ...withExtra({ shufle: false }), yieldEveryMs: 0 }), 'shufle', "did you mean 'shuffle'?")
    expectFitError(await fitAsync(s.layer, data, { ...base, signl: undefined } as never), 'signl', "did you mean 'signal'?")
    expectFitError(await fitAsync(s.layer, data, withExtra({ engine: 'interpeter' })), 'engine', "did you mean 'interpreter'?")
    expectFitError(await fitAsync(s.layer, data, withExtra({ onEpochEnd: 5 })), 'onEpochEnd')
    const { optimizer: _, ...rest } = base
    expectFitError(await fitAsync(s.layer, data, rest as FitOptions), 'optimizer', 'optimizer: missing')
    expect(s.applied()).toBe(0)
  })

  it('learningCurve checks the options before its first fit (a missing key names key, not foldIn)', () => {
    let built = 0
    const make = () => {
      built++
      return plainMlp(4, 3)
    }
    const ds = blobs(24, 3, 2, 3)
    const { key: _, ...rest } = base
    expectFitError(learningCurve(make, ds, ds, [8, 16], rest as FitOptions), 'key', 'key: missing')
    expectFitError(learningCurve(make, ds, ds, [8, 16], withExtra({ epoch: 2 })), 'epoch', "did you mean 'epochs'?")
    expect(built).toBe(0)
  })

  it('valid options still train', () => {
    const r = fit(plainMlp(), data, { ...base, optimizer: sgd(0.1), shuffle: false, engine: 'interpreter', stopOnNonFinite: true, regularization: { l2: 0.01 } })
    expect(E.isRight(r)).toBe(true)
  })
})
