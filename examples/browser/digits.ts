// Kiln in a browser page: the bundled digits arrive with fetch, an MLP trains with fitAsync (the page
// stays responsive: training yields to the event loop between batches) and reports progress through a
// callback, then the page shows the test accuracy. With `?worker=1` the same bundle trains in a module
// Web Worker instead and posts its progress lines and result back to the page. `bench/bundle-size.ts` bundles this file with
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

type PageResult = (DigitsRun & { readonly ticks: number; readonly lines: number; readonly where: 'page' | 'worker' }) | { readonly error: string }

interface PageGlobals {
  kilnResult?: PageResult
}

/** What the worker posts: progress lines, then the run or an error. */
type WorkerMessage = { readonly line: string } | { readonly run: DigitsRun } | { readonly error: string }

const settingsOf = (params: URLSearchParams) => ({ epochs: Number(params.get('epochs') ?? 10), hidden: Number(params.get('hidden') ?? 32) })

/** Trains in a module worker running this same bundle; resolves with the run. */
const inWorker = (bytes: Uint8Array, settings: { epochs: number; hidden: number }, onLine: (line: string) => void): Promise<DigitsRun> =>
  new Promise((resolve, reject) => {
    const script = document.querySelector<HTMLScriptElement>('script[src]')!.src
    const worker = new Worker(script, { type: 'module' })
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data
      if ('line' in m) onLine(m.line)
      else {
        worker.terminate()
        if ('run' in m) resolve(m.run)
        else reject(new Error(m.error))
      }
    }
    worker.onerror = (e) => reject(new Error(e.message))
    worker.postMessage({ bytes, settings }, [bytes.buffer])
  })

/** The page: fetch, train (here or in a worker), show; `window.kilnResult` is what the browser test reads. */
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
    const show = (line: string) => {
      lines++
      out.textContent = line
    }
    const where = params.get('worker') === '1' ? 'worker' : 'page'
    const run = where === 'worker' ? await inWorker(bytes, settingsOf(params), show) : await trainDigits(bytes, { ...settingsOf(params), onProgress: (p) => show(p.line) })
    out.textContent = `test accuracy ${run.accuracy.toFixed(4)} after ${run.epochs} epochs`
    g.kilnResult = { ...run, ticks, lines, where }
  } catch (e) {
    g.kilnResult = { error: e instanceof Error ? e.message : String(e) }
  } finally {
    clearInterval(timer)
  }
}

/** What this script sees of its global scope: a page's window or a worker's scope. */
interface Scope {
  readonly document?: unknown
  readonly WorkerGlobalScope?: unknown
  onmessage?: ((e: MessageEvent<{ bytes: Uint8Array; settings: { epochs: number; hidden: number } }>) => void) | null
  readonly postMessage?: (m: WorkerMessage) => void
}

/** The worker: train on the bytes it is sent, posting progress lines and the result. */
const serveWorker = (scope: Scope, post: (m: WorkerMessage) => void): void => {
  scope.onmessage = (e) => {
    trainDigits(e.data.bytes, { ...e.data.settings, onProgress: (p) => post({ line: p.line }) }).then(
      (run) => post({ run }),
      (err: unknown) => post({ error: err instanceof Error ? err.message : String(err) }),
    )
  }
}

const scope = globalThis as unknown as Scope
if (scope.document !== undefined) void page()
else if (scope.WorkerGlobalScope !== undefined && scope.postMessage !== undefined) serveWorker(scope, (m) => scope.postMessage!(m))
