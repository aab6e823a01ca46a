import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  adam, dense, fit, flower, layers, sgd, foldIn, formatSearch, key, randomSearch, sampleSpace, searchChart, sequential, space, uniformBits,
  type Dimension, type FitResult, type SearchOptions, type TrialOptions,
} from '../../src/index.js'
import { right, sameBits, timeless } from './helpers.js'

const train = flower(key(1), 60)
const dev = flower(key(2), 40)
const tiny = (width: number) => sequential(dense(width, { activation: 'tanh' }), dense(2))

/** One real result, re-dressed with a chosen history: exact scores without training for each trial. */
const base = right(fit(tiny(2), train, { epochs: 1, batchSize: 30, optimizer: adam(0.01), key: key(0) }))
const withScores = (devAccuracy: readonly number[], bestEpoch = devAccuracy.length): FitResult => ({
  ...base,
  bestEpoch,
  history: devAccuracy.map((a, i) => ({ epoch: i + 1, trainLoss: 1 - a, devLoss: 2 - a, devAccuracy: a, seconds: 0 })),
})

const thrown = (f: () => unknown): Error => {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a throw')
}

describe('space', () => {
  it('refuses bad ranges, naming the function and the field', () => {
    expect(thrown(() => space.uniform(2, 1)).message).toBe('space.uniform: hi: expected hi > lo, got lo = 2, hi = 1')
    expect(thrown(() => space.logUniform(-1, 1)).message).toBe('space.logUniform: lo: expected a number > 0 (a log scale has no zero), got -1')
    expect(thrown(() => space.logUniform(1e-3, 1e-3)).message).toMatch(/^space\.logUniform: hi: expected hi > lo/)
    expect(thrown(() => space.uniform(0, Infinity)).message).toBe('space.uniform: hi: expected a finite number, got Infinity')
    expect(thrown(() => space.intUniform(1, 2.5)).message).toBe('space.intUniform: hi: expected an integer, got 2.5')
    expect(thrown(() => space.intUniform(3, 3)).message).toMatch(/^space\.intUniform: hi: expected hi > lo/)
    expect(thrown(() => space.choice([])).message).toBe('space.choice: values: expected a non-empty array of values, got an empty one')
    expect(thrown(() => space.uniform('0' as never, 1)).message).toBe('space.uniform: lo: expected a number, got the string "0"')
  })

  it('samples are reproducible by key, and each name draws its own counter of the key', () => {
    const s = { lr: space.logUniform(1e-4, 1), width: space.choice([16, 32, 64]), drop: space.uniform(0, 0.5) }
    expect(sampleSpace(s, key(3))).toEqual(sampleSpace(s, key(3)))
    expect(sampleSpace(s, key(3)).lr).not.toBe(sampleSpace(s, key(4)).lr)
    // The course's formula, r = -4 * rand(); alpha = 10^r, with rand() the key's counter 0 (r in (-4, 0]).
    const k = key(11)
    expect(sampleSpace(s, k).lr).toBe(10 ** (-4 + 4 * uniformBits(k, 0)))
    expect(sampleSpace(s, k).drop).toBe(0.5 * uniformBits(k, 2))
    // A hyperparameter added at the end leaves the others' values unchanged.
    expect(sampleSpace({ ...s, extra: space.intUniform(0, 9) }, k)).toMatchObject(sampleSpace(s, k))
  })

  it('logUniform puts equal fractions in each decade over 10,000 draws; uniform does not', () => {
    const draws = (d: Dimension) => Array.from({ length: 10_000 }, (_, i) => sampleSpace({ v: d }, foldIn(key(0), i)).v as number)
    const log = draws(space.logUniform(1e-4, 1))
    expect(log.every((v) => v >= 1e-4 && v < 1)).toBe(true)
    const decade = (xs: readonly number[], lo: number) => xs.filter((v) => v >= lo && v < lo * 10).length / xs.length
    for (const lo of [1e-4, 1e-3, 1e-2, 1e-1]) expect(Math.abs(decade(log, lo) - 0.25)).toBeLessThan(0.02) // sd 0.0043
    // The contrast that makes the check able to fail: a plain uniform draw puts ~90% in the top decade.
    expect(decade(draws(space.uniform(1e-4, 1)), 1e-1)).toBeGreaterThan(0.88)
  })

  it('intUniform covers lo..hi inclusive and choice covers every value, about equally often', () => {
    const ints = Array.from({ length: 6000 }, (_, i) => sampleSpace({ n: space.intUniform(1, 6) }, foldIn(key(1), i)).n)
    const picks = Array.from({ length: 6000 }, (_, i) => sampleSpace({ c: space.choice(['a', 'b', 'c']) }, foldIn(key(2), i)).c)
    for (const v of [1, 2, 3, 4, 5, 6]) expect(Math.abs(ints.filter((x) => x === v).length / 6000 - 1 / 6)).toBeLessThan(0.02)
    expect(new Set(ints)).toEqual(new Set([1, 2, 3, 4, 5, 6]))
    for (const v of ['a', 'b', 'c']) expect(Math.abs(picks.filter((x) => x === v).length / 6000 - 1 / 3)).toBeLessThan(0.025)
  })

  it('every sample lies in its range, whatever the bounds', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-9, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (lo, width, seed) => {
        const hi = lo + width
        fc.pre(lo < hi)
        const s = { u: space.uniform(lo, hi), l: space.logUniform(width, width * 1000), i: space.intUniform(Math.floor(lo), Math.floor(lo) + 3) }
        const v = sampleSpace(s, key(seed))
        return v.u >= lo && v.u < hi && v.l >= width && v.l < width * 1000 && Number.isInteger(v.i) && v.i >= Math.floor(lo) && v.i <= Math.floor(lo) + 3
      }),
      { seed: 1, numRuns: 300 },
    )
  })
})

describe('randomSearch', () => {
  const s = { x: space.uniform(0, 1), width: space.choice([2, 4]) }

  it("derives each trial's hyperparameters and key from the search key, and ranks by the returned epoch's dev accuracy", () => {
    const seen: { hp: unknown; trial: TrialOptions }[] = []
    const r = randomSearch({
      space: s, trials: 6, epochs: 2, key: key(9),
      // The returned epoch is the first (an early-stopping restore): its accuracy must rank, not the last one's.
      run: (hp, trial) => (seen.push({ hp, trial }), E.right(withScores([hp.x, 1 - hp.x], 1))),
    })
    seen.forEach(({ hp, trial }, i) => {
      expect(hp).toEqual(sampleSpace(s, foldIn(foldIn(key(9), i), 0)))
      expect(trial).toEqual({ key: foldIn(foldIn(key(9), i), 1), epochs: 2 })
    })
    const xs = seen.map(({ hp }) => (hp as { x: number }).x)
    expect(r.trials.map((t) => t.score)).toEqual(xs.slice().sort((a, b) => b - a))
    expect(r.trials.map((t) => t.index)).toEqual(xs.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i))
    expect(r.best).toBe(r.trials[0])
    expect(r.trials.every((t) => t.status === 'ok' && t.epochs === 2 && t.seconds >= 0 && t.rung === 0)).toBe(true)
    expect(r.rungs).toEqual([{ epochs: 2, trials: [0, 1, 2, 3, 4, 5] }])
    expect([r.scoreName, r.direction]).toEqual(['devAccuracy', 'maximize'])
  })

  it('ranks by a loss ascending, and by a score function in the given direction', () => {
    const byLoss = randomSearch({ space: s, trials: 5, epochs: 1, key: key(1), score: 'devLoss', run: (hp) => E.right(withScores([hp.x])) })
    expect(byLoss.direction).toBe('minimize')
    expect(byLoss.trials.map((t) => t.score)).toEqual(byLoss.trials.map((t) => t.score).sort((a, b) => a - b))
    const byFn = randomSearch({
      space: s, trials: 5, epochs: 1, key: key(1), score: (res) => res.history[0]!.devAccuracy * 10, direction: 'minimize', run: (hp) => E.right(withScores([hp.x])),
    })
    expect(byFn.scoreName).toBe('score')
    // devLoss = 2 - x ascending is x descending; 10 x ascending is the reverse.
    expect(byFn.trials.map((t) => t.index)).toEqual(byLoss.trials.map((t) => t.index).slice().reverse())
    expect(byFn.trials.map((t) => t.score)).toEqual(byFn.trials.map((t) => 10 * t.hyperparameters.x))
  })

  it('keeps failed trials (a Left, a throw, a non-Either, a NaN score) last with their messages, and goes on', () => {
    const outcomes: readonly ((hp: { x: number }) => ReturnType<SearchOptions<typeof s>['run']>)[] = [
      (hp) => E.right(withScores([hp.x])),
      () => E.left({ message: 'fit: loss: the training loss was NaN at epoch 1, batch 2' }),
      () => {
        throw new RangeError('boom')
      },
      (hp) => E.right(withScores([hp.x])),
      () => 42 as never,
      () => E.right({ ...withScores([0.5]), history: [{ epoch: 1, trainLoss: 1, devLoss: NaN, devAccuracy: NaN, seconds: 0 }] }),
    ]
    let i = 0
    const r = randomSearch({ space: s, trials: outcomes.length, epochs: 1, key: key(2), run: (hp) => outcomes[i++]!(hp) })
    expect(r.trials.map((t) => t.status)).toEqual(['ok', 'ok', 'failed', 'failed', 'failed', 'failed'])
    expect(r.trials.slice(2).map((t) => t.index)).toEqual([1, 2, 4, 5])
    const messages = r.trials.flatMap((t) => (t.status === 'failed' ? [t.message] : []))
    expect(messages[0]).toBe('fit: loss: the training loss was NaN at epoch 1, batch 2')
    expect(messages[1]).toBe('run threw RangeError: boom')
    expect(messages[2]).toBe('run returned 42; expected an Either (what fit returns)')
    expect(messages[3]).toMatch(/^devAccuracy is NaN: fit had no dev set/)
    expect(r.trials.slice(2).every((t) => Number.isNaN(t.score))).toBe(true)
    expect(r.best?.index).toBe(r.trials[0]!.index)
  })

  it('a real divergence is a failed trial with the epochs trained before it', () => {
    const r = randomSearch({
      space: { lr: space.choice([0.01, 1e300]) }, trials: 4, epochs: 2, key: key(0),
      run: (hp, trial) => fit(sequential(dense(4), layers.relu(), dense(2)), train, { ...trial, batchSize: 30, optimizer: sgd(hp.lr), dev }),
    })
    expect(new Set(r.trials.map((t) => t.hyperparameters.lr))).toEqual(new Set([0.01, 1e300]))
    const failed = r.trials.filter((t) => t.status === 'failed')
    expect(failed.length).toBeGreaterThan(0)
    // Diverged in the first batch of epoch 1 (the doc example of fit): no epoch finished.
    expect(failed.every((t) => t.hyperparameters.lr === 1e300 && t.status === 'failed' && /^fit: loss: /.test(t.message) && t.epochs === 0)).toBe(true)
    expect(r.trials.filter((t) => t.status === 'ok').every((t) => t.hyperparameters.lr === 0.01)).toBe(true)
    expect(formatSearch(r)).toMatch(/failed: fit: /)
  })

  it('refuses bad options before running any trial, naming the field', () => {
    let runs = 0
    const valid: SearchOptions<typeof s> = { space: s, trials: 2, epochs: 3, key: key(0), run: () => (runs++, E.right(withScores([0.5]))) }
    const cases: readonly [Record<string, unknown>, string][] = [
      [{ trails: 3 }, "randomSearch: trails: unknown option; did you mean 'trials'?"],
      [{ trials: 0 }, 'randomSearch: trials: expected an integer >= 1 (hyperparameter samples to try), got 0'],
      [{ trials: 1.5 }, 'randomSearch: trials: expected an integer >= 1'],
      [{ epochs: 0 }, 'randomSearch: epochs: expected an integer >= 1 (epochs per trial), got 0'],
      [{ key: 0 }, 'randomSearch: key: expected a Key such as key(0), got 0'],
      [{ space: { lr: 0.1 } }, 'randomSearch: space.lr: expected a dimension'],
      [{ direction: 'max' }, "randomSearch: direction: expected one of 'maximize', 'minimize', got the string \"max\"; did you mean 'maximize'?"],
      [{ score: 'accuracy' }, "randomSearch: score: expected one of 'devAccuracy', 'devLoss', 'trainLoss' or a function"],
      [{ score: () => 1 }, 'randomSearch: direction: missing; a score function needs a direction'],
      [{ halving: { minEpochs: 4 } }, 'randomSearch: halving.minEpochs: expected at most epochs (3), got 4'],
      [{ halving: { minEpochs: 1, factor: 1 } }, 'randomSearch: halving.factor: expected an integer >= 2, got 1'],
      [{ halving: { minEpoch: 1 } }, "randomSearch: halving.minEpoch: unknown option; did you mean 'minEpochs'?"],
      [{ run: undefined }, 'randomSearch: run: missing'],
    ]
    for (const [change, message] of cases) expect(thrown(() => randomSearch({ ...valid, ...change } as never)).message).toContain(message)
    expect(runs).toBe(0)
  })
})

describe('successive halving', () => {
  /** A run whose score grows with x and the epochs, recording each call. */
  const recorder = () => {
    const calls: { epochs: number; resume: FitResult | undefined; key: unknown }[] = []
    const results = new Map<FitResult, number>()
    const run = (hp: { x: number }, trial: TrialOptions) => {
      const res = withScores(Array.from({ length: trial.epochs }, (_, e) => hp.x * (e + 1) / trial.epochs))
      calls.push({ epochs: trial.epochs, resume: trial.resume, key: trial.key })
      results.set(res, calls.length - 1)
      return E.right(res)
    }
    return { calls, results, run }
  }

  it.each([
    [9, 1, 3, 9, [[1, 9], [3, 3], [9, 1]]],
    [10, 1, 3, 9, [[1, 10], [3, 3], [9, 1]]],
    [27, 1, 2, 4, [[1, 27], [2, 13], [4, 6]]],
    [4, 1, 3, 27, [[1, 4], [27, 1]]],
    [5, 3, 3, 3, [[3, 5]]],
  ] as const)('%i trials, minEpochs %i, factor %i, epochs %i: trials per rung', (trials, minEpochs, factor, epochs, want) => {
    const { run } = recorder()
    const r = randomSearch({ space: { x: space.uniform(0, 1) }, trials, epochs, key: key(4), halving: { minEpochs, factor }, run })
    expect(r.rungs.map((g) => [g.epochs, g.trials.length])).toEqual(want)
    // Each rung's trials are the best of the rung before (by their score there).
    for (let g = 1; g < r.rungs.length; g++) {
      const before = r.trials.filter((t) => r.rungs[g - 1]!.trials.includes(t.index)).sort((a, b) => b.scores[g - 1]! - a.scores[g - 1]!)
      expect(new Set(r.rungs[g]!.trials)).toEqual(new Set(before.slice(0, r.rungs[g]!.trials.length).map((t) => t.index)))
    }
    // Ranked by the rung reached first; the epochs each trial trained are its last rung's.
    expect(r.trials.map((t) => t.rung)).toEqual(r.trials.map((t) => t.rung).sort((a, b) => b - a))
    expect(r.trials.every((t) => t.epochs === r.rungs[t.rung]!.epochs && t.scores.length === t.rung + 1)).toBe(true)
    expect(r.best!.rung).toBe(r.rungs.length - 1)
  })

  it('continues a trial from its own previous result with its own key', () => {
    const { calls, results, run } = recorder()
    randomSearch({
      space: { x: space.uniform(0, 1) }, trials: 6, epochs: 4, key: key(5), halving: { minEpochs: 1, factor: 2 },
      run: (hp, trial) => {
        const r = run(hp, trial)
        if (trial.resume !== undefined) {
          const previous = calls[results.get(trial.resume)!]!
          expect(trial.key).toEqual(previous.key)
          expect(previous.epochs).toBe(trial.epochs / 2)
        }
        return r
      },
    })
    expect(calls.map((c) => c.epochs)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 4])
    expect(calls.slice(6).every((c) => c.resume !== undefined)).toBe(true)
    expect(calls.slice(0, 6).every((c) => c.resume === undefined)).toBe(true)
  })

  it.each([[5, 3], [2, 2], [0, undefined]] as const)('failed trials never continue (%i of 9 succeed in rung 0)', (succeed, next) => {
    let calls = 0
    const r = randomSearch({
      space: { x: space.uniform(0, 1) }, trials: 9, epochs: 3, key: key(6), halving: { minEpochs: 1 },
      run: (hp, trial) => (calls++ >= succeed && trial.epochs === 1 ? E.left({ message: 'no' }) : E.right(withScores(Array.from({ length: trial.epochs }, () => hp.x)))),
    })
    expect(r.rungs[1]?.trials.length).toBe(next)
    expect(r.rungs[1]?.trials.every((i) => i < succeed) ?? true).toBe(true)
    expect(r.trials.filter((t) => t.status === 'failed').map((t) => t.index)).toEqual(Array.from({ length: 9 - succeed }, (_, i) => succeed + i))
    expect(r.best?.epochs).toBe(succeed === 0 ? undefined : 3)
  })

  it("the winner's continued training equals a straight fit of the total epochs, bit for bit", () => {
    const options = { batchSize: 20, dev }
    const r = randomSearch({
      space: { lr: space.logUniform(1e-3, 1e-1), width: space.choice([3, 5]) }, trials: 4, epochs: 4, key: key(8), halving: { minEpochs: 1, factor: 2 },
      run: (hp, trial) => fit(tiny(hp.width), train, { ...trial, ...options, optimizer: adam(hp.lr) }),
    })
    expect(r.rungs.map((g) => [g.epochs, g.trials.length])).toEqual([[1, 4], [2, 2], [4, 1]])
    const best = r.best!
    expect(best.epochs).toBe(4)
    const straight = right(fit(tiny(best.hyperparameters.width), train, { ...options, epochs: 4, key: foldIn(foldIn(key(8), best.index), 1), optimizer: adam(best.hyperparameters.lr) }))
    expect(sameBits(best.result.params, straight.params)).toBe(true)
    expect(sameBits(best.result.state, straight.state)).toBe(true)
    expect(sameBits(best.result.training.optState, straight.training.optState)).toBe(true)
    expect(timeless(best.result.history)).toEqual(timeless(straight.history))
    expect(best.score).toBe(straight.history[3]!.devAccuracy)
  })
})

describe('formatSearch and searchChart', () => {
  const r = randomSearch({
    space: { lr: space.logUniform(1e-4, 1), opt: space.choice(['adam', 'sgd']) }, trials: 5, epochs: 1, key: key(3),
    run: (hp) => (hp.opt === 'sgd' ? E.left({ message: 'too\nlarge' }) : E.right(withScores([Math.log10(hp.lr) / -4]))),
  })
  const failed = r.trials.filter((t) => t.status === 'failed').length

  it('the table lists every trial best first, with its hyperparameters, score, epochs and the failures last', () => {
    expect(failed).toBeGreaterThan(0)
    expect(failed).toBeLessThan(r.trials.length)
    const lines = formatSearch(r).split('\n')
    expect(lines[0]!.split(/ +/)).toEqual(['rank', 'trial', 'lr', 'opt', 'devAccuracy', 'epochs', 'seconds', 'note'])
    expect(lines).toHaveLength(2 + 5)
    r.trials.forEach((t, i) => {
      const cells = lines[2 + i]!.trim().split(/ +/)
      expect(cells[1]).toBe(String(t.index))
      expect(Number(cells[2])).toBeCloseTo(t.hyperparameters.lr, 1 - Math.floor(Math.log10(t.hyperparameters.lr)))
      expect(cells[3]).toBe(t.hyperparameters.opt)
      if (t.status === 'ok') expect([cells[0], cells[4]]).toEqual([String(i + 1), t.score.toFixed(4)])
      else expect(lines[2 + i]).toMatch(/^ +- +\d+ .* - +0 +\d+\.\d  failed: too large$/)
    })
  })

  it('the chart has one dot per successful trial on a log x axis, and names failures', () => {
    const ok = r.trials.length - failed
    const svg = searchChart(r, 'lr')
    // One dot per trial, plus the legend's.
    expect((svg.match(/<circle cx/g) ?? []).length).toBe(ok + 1)
    expect(svg).not.toMatch(/<path d/)
    expect(svg).toContain('lr (log scale)')
    expect(svg).toContain(`devAccuracy by lr (${failed} failed, not shown)`)
    expect(searchChart(r, 'opt')).toContain('opt (1 = adam, 2 = sgd)')
    const grouped = searchChart(r, 'lr', { groupBy: 'opt' })
    // Only adam trials succeed here: one group, its dots the successful trials'.
    expect(grouped).toContain('data-name="opt adam"')
    expect(grouped).not.toContain('data-name="opt sgd"')
    expect((grouped.match(/<circle cx/g) ?? []).length).toBe(ok + 1)
    expect(thrown(() => searchChart(r, 'lr', { groupBy: 'optimizer' })).message).toMatch(/^searchChart: groupBy: 'optimizer' is not in the space; did you mean 'opt'\?/)
    expect(thrown(() => searchChart(r, 'Lr')).message).toBe("searchChart: hyperparameter: 'Lr' is not in the space; did you mean 'lr'? (the space has: lr, opt)")
    expect(thrown(() => searchChart(r, 'lr', { widht: 300 } as never)).message).toMatch(/^searchChart: widht: unknown option; did you mean 'width'\?/)
  })

  it('with halving, dots are grouped by the epochs each trial reached', () => {
    const h = randomSearch({
      space: { x: space.uniform(0, 1) }, trials: 9, epochs: 9, key: key(1), halving: { minEpochs: 1 },
      run: (hp, trial) => E.right(withScores(Array.from({ length: trial.epochs }, () => hp.x))),
    })
    const svg = searchChart(h, 'x')
    for (const name of ['1 epoch', '3 epochs', '9 epochs']) expect(svg).toContain(`data-name="${name}"`)
    expect((svg.match(/<circle cx/g) ?? []).length).toBe(9 + 3)
  })
})
