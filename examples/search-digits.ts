// Hyperparameter search on the bundled 8x8 UCI digits: the learning rate of Adam sampled on a log scale
// (the course's `r = -4 * rand(); alpha = 10^r`, here `space.logUniform(1e-4, 1)`) and the hidden width
// from a list, for an MLP 64-width-10. Trials are ranked by dev accuracy (a stratified 70/15/15 split);
// the test set is touched once, by the winner. Then the same space again with successive halving: every
// trial trains 1 epoch, the best third continue (resumed, not retrained) to 3, the best third of those to 9.
// A plot of dev accuracy against the learning rate goes to `out/search-digits-lr.svg`.
//
// Measured (full settings, `npx tsx examples/search-digits.ts`, 2 cores, deterministic apart from seconds):
//   random search, 16 trials x 10 epochs (160 epochs): best lr 0.0140, width 128, dev accuracy 0.9815
//   (test 0.9778); the top 5 all have lr in [0.003, 0.03]; the worst, lr 0.000154, 0.6407 (too slow for
//   10 epochs); lr 0.738 still 0.9296. No trial diverged.
//   successive halving, 27 trials, rungs 27 x 1, 9 x 3, 3 x 9 epochs (63 epochs in all): best lr 0.00590,
//   width 64, dev accuracy 0.9741. One epoch favours larger rates (rung 0 dropped every lr below 0.0059),
//   the usual bias of short first rungs.
//   30.6 s wall in all on a loaded machine (15 s CPU).
import * as E from 'fp-ts/lib/Either.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  adam, dense, evaluateModel, fit, formatSearch, key, layers, randomSearch, searchChart, sequential, space, standardizeSplit, trainDevTestSplit,
  type Halving, type SearchResult, type SearchSpace, type TrialOptions,
} from '../src/index.js'
import { loadDigitsOrThrow, writeSvg } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with small ones. */
export interface SearchDigitsOptions {
  readonly trials: number
  readonly epochs: number
  readonly widths: readonly number[]
  /** The successive-halving search that follows (`undefined`: none). */
  readonly halving: (Halving & { readonly trials: number; readonly epochs: number }) | undefined
  readonly batchSize: number
  readonly svgPath: string
  readonly log: (line: string) => void
}

const defaults: SearchDigitsOptions = {
  trials: 16, epochs: 10, widths: [16, 32, 64, 128], halving: { trials: 27, minEpochs: 1, factor: 3, epochs: 9 }, batchSize: 32,
  svgPath: 'out/search-digits-lr.svg', log: (line) => console.log(line),
}

/** What the example measured. */
export interface SearchDigitsResult {
  readonly best: { readonly lr: number; readonly width: number; readonly devAccuracy: number; readonly testAccuracy: number }
  /** The worst successful trial's dev accuracy. */
  readonly worstDevAccuracy: number
  readonly failed: number
  readonly table: string
  /** Epochs trained in all (every trial's, resumed ones counted once). */
  readonly epochsTrained: number
  readonly halving?: { readonly best: { readonly lr: number; readonly width: number; readonly devAccuracy: number }; readonly epochsTrained: number; readonly table: string }
}

const epochsOf = <S extends SearchSpace>(r: SearchResult<S>): number => r.trials.reduce((a, t) => a + t.epochs, 0)

/** Runs the example and returns its measurements. */
export const main = (options: Partial<SearchDigitsOptions> = {}): SearchDigitsResult => {
  const o = { ...defaults, ...options }
  const t0 = Date.now()
  const split = trainDevTestSplit(key(42), loadDigitsOrThrow(), { dev: 0.15, test: 0.15, stratify: true })
  if (E.isLeft(split)) throw new Error(split.left.message)
  const { train, dev, test } = standardizeSplit(split.right)
  o.log(`digits: ${train.n} train, ${dev.n} dev, ${test.n} test rows`)

  const searchSpace = { lr: space.logUniform(1e-4, 1), width: space.choice(o.widths) }
  const model = (width: number) => sequential(layers.flatten(), dense(width, { activation: 'relu' }), dense(10))
  // Every trial builds its model and trains with the search's key and epochs (`trial`), resuming under halving.
  const run = (hp: { readonly lr: number; readonly width: number }, trial: TrialOptions) =>
    fit(model(hp.width), train, { ...trial, batchSize: o.batchSize, optimizer: adam(hp.lr), dev })

  const r = randomSearch({ space: searchSpace, trials: o.trials, epochs: o.epochs, key: key(2024), run })
  const table = formatSearch(r)
  o.log(`random search: ${o.trials} trials of ${o.epochs} epochs, ranked by dev accuracy`)
  o.log(table)
  if (r.best === undefined) throw new Error('every trial failed')
  const ok = r.trials.filter((t) => t.status === 'ok')
  const testAccuracy = evaluateModel(r.best.result, test).accuracy
  const best = { lr: r.best.hyperparameters.lr, width: r.best.hyperparameters.width, devAccuracy: r.best.score, testAccuracy }
  o.log(`best: lr ${best.lr.toPrecision(3)}, width ${best.width}: dev accuracy ${best.devAccuracy.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`)
  mkdirSync(dirname(o.svgPath), { recursive: true })
  const svg = writeSvg(o.svgPath, searchChart(r, 'lr', { groupBy: 'width' }))
  if (E.isLeft(svg)) throw svg.left
  o.log(`wrote ${o.svgPath}`)

  let halving: SearchDigitsResult['halving']
  if (o.halving !== undefined) {
    const { trials, epochs, ...rungs } = o.halving
    const h = randomSearch({ space: searchSpace, trials, epochs, key: key(2025), halving: rungs, run })
    const htable = formatSearch(h)
    o.log(`successive halving: ${trials} trials, rungs of ${h.rungs.map((g) => `${g.trials.length} x ${g.epochs}`).join(', ')} epochs`)
    o.log(htable)
    if (h.best === undefined) throw new Error('every halving trial failed')
    halving = { best: { lr: h.best.hyperparameters.lr, width: h.best.hyperparameters.width, devAccuracy: h.best.score }, epochsTrained: epochsOf(h), table: htable }
    o.log(`halving best: lr ${h.best.hyperparameters.lr.toPrecision(3)}, width ${h.best.hyperparameters.width}: dev accuracy ${h.best.score.toFixed(4)} ` +
      `after ${halving.epochsTrained} epochs in all (the random search: ${epochsOf(r)})`)
  }
  o.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return {
    best, worstDevAccuracy: ok[ok.length - 1]!.score, failed: r.trials.length - ok.length, table, epochsTrained: epochsOf(r),
    ...(halving === undefined ? {} : { halving }),
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
