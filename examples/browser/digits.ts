// Kiln in a browser page: the bundled digits arrive with fetch, an MLP trains with fitAsync (the page
// stays responsive: training yields to the event loop between batches) and reports progress through a
// callback, then the page shows the test accuracy. `bench/bundle-size.ts` bundles this file with
// esbuild; the test suite (`spec/browser/`) loads that bundle in headless Chromium, with and without a
// Content Security Policy that forbids eval. Imports come from the root entry only: no `kiln/node`.
import {
  adam, BUNDLED_FILES, dense, evaluateModel, fitAsync, key, layers, parseBundled, sequential, standardizeSplit, trainTestSplit, unwrap,
  type ProgressReport,
} from '../../src/index.js'

/** Settings of a run; the page reads them from its query string. */
export interface DigitsRunOptions {
  readonly epochs: number
  readonly hidden: number
  readonly onProgress?: (p: ProgressReport) => void
}

/** What a run measured. */
export interface DigitsRun {
  readonly accuracy: number
  readonly epochs: number
  readonly trainRows: number
  readonly testRows: number
  readonly finalLoss: number
}

/** Trains and evaluates on the digits file's bytes (`digits.csv.gz`, as fetched). */
export const trainDigits = async (bytes: Uint8Array, options: DigitsRunOptions): Promise<DigitsRun> => {
  const digits = unwrap(parseBundled('digits', bytes))
  const { train, test } = standardizeSplit(unwrap(trainTestSplit(key(42), digits, { test: 0.2, stratify: true })))
  const model = sequential(layers.flatten(), dense(options.hidden), layers.relu(), dense(10))
  const trained = unwrap(
    await fitAsync(model, train, {
      epochs: options.epochs, batchSize: 32, optimizer: adam(3e-3), key: key(7),
      ...(options.onProgress === undefined ? {} : { progress: options.onProgress }),
    }),
  )
  const { accuracy } = evaluateModel(trained, test)
  return { accuracy, epochs: trained.history.length, trainRows: train.n, testRows: test.n, finalLoss: trained.history.at(-1)!.trainLoss }
}

interface PageGlobals {
  kilnResult?: (DigitsRun & { readonly ticks: number; readonly lines: number }) | { readonly error: string }
}

/** The page: fetch, train, show; `window.kilnResult` is what the browser test reads. */
const page = async (): Promise<void> => {
  const out = document.getElementById('out')!
  const params = new URLSearchParams(location.search)
  const g = globalThis as PageGlobals
  // A timer that keeps ticking while training runs shows the event loop is not blocked.
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  try {
    const response = await fetch(BUNDLED_FILES.digits)
    const bytes = new Uint8Array(await response.arrayBuffer())
    let lines = 0
    const run = await trainDigits(bytes, {
      epochs: Number(params.get('epochs') ?? 10),
      hidden: Number(params.get('hidden') ?? 32),
      onProgress: (p) => {
        lines++
        out.textContent = p.line
      },
    })
    out.textContent = `test accuracy ${run.accuracy.toFixed(4)} after ${run.epochs} epochs`
    g.kilnResult = { ...run, ticks, lines }
  } catch (e) {
    g.kilnResult = { error: e instanceof Error ? e.message : String(e) }
  } finally {
    clearInterval(timer)
  }
}

if (typeof document !== 'undefined') void page()
