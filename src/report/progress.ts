/**
 * A training progress reporter. On a terminal it redraws one line in place (`\r`) with a bar of
 * block characters; elsewhere (CI logs, files, pipes) it prints plain lines at epoch ends and at
 * most every few seconds in between, so logs stay readable. The default output is the console (plain
 * lines through `console.log`), so the same code runs in a browser. The clock is injectable.
 * @module
 */
import { checkOptionKinds, type OptionKinds } from '../options.js'

/** Where progress goes: anything with `write`, such as Node's stdout stream (tests pass a fake). */
export interface ProgressStream {
  write(chunk: string): unknown
  /** True for a terminal: redraw in place. Otherwise print plain lines. */
  readonly isTTY?: boolean | undefined
  /** Terminal width; lines are cut to fit so `\r` redraws do not wrap. */
  readonly columns?: number | undefined
}

/** Options of {@link progressBar}. */
export interface ProgressOptions {
  /** Default: the console, as plain lines (each line goes to `console.log` without its newline). */
  readonly stream?: ProgressStream
  /** Total number of steps (batches over all epochs). Default `epochs * batches` of each update. */
  readonly total?: number
  /** Printed first on every line. Default none. */
  readonly label?: string
  /** Clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number
  /** Plain mode: at most one line every this many seconds between epoch ends. Default 30. */
  readonly intervalSeconds?: number
  /** Terminal mode: at most one redraw every this many seconds, except at epoch ends. Default 0.1. */
  readonly redrawSeconds?: number
  /** Bar width in character cells. Default 20. */
  readonly width?: number
  /** Name printed before `devMetric`. Default `'dev'`. */
  readonly metricName?: string
}

const PROGRESS_OPTIONS: OptionKinds<ProgressOptions> = {
  stream: 'object', total: 'number', label: 'string', now: 'function', intervalSeconds: 'number', redrawSeconds: 'number', width: 'number', metricName: 'string',
}

/** Where training is. `epoch` counts from 1; `batch` is the number of batches done in it (0..batches). */
export interface ProgressUpdate {
  readonly epoch: number
  readonly epochs: number
  readonly batch: number
  readonly batches: number
  readonly loss: number
  readonly devMetric?: number
}

/** The functions returned by {@link progressBar}. */
export interface ProgressBar {
  /** Reports progress; draws or prints when due. Throws after `done()` or on a malformed update. */
  readonly update: (u: ProgressUpdate) => void
  /** Shows the last state if it was not shown, ends the line; idempotent. */
  readonly done: () => void
}

/** What {@link formatProgress} renders. */
export interface ProgressState extends ProgressUpdate {
  /** Milliseconds since the start. */
  readonly elapsed: number
}

/**
 * What a progress callback (`fit`'s `progress` option) receives: where training is (`devMetric` once
 * known), the milliseconds since it started, and the plain text line `formatProgress` renders for it
 * (`tty: false`; no terminal codes or markup, ready for a text node or a log). The last report of a run
 * repeats the final state with `done: true`; every other report has `done: false`.
 */
export interface ProgressReport extends ProgressState {
  readonly line: string
  readonly done: boolean
}

/** Rendering options of {@link formatProgress}. */
export interface FormatProgressOptions {
  readonly tty: boolean
  readonly label?: string
  readonly total?: number
  readonly width?: number
  readonly metricName?: string
}

const FORMAT_PROGRESS_OPTIONS: OptionKinds<FormatProgressOptions> = { tty: 'boolean', label: 'string', total: 'number', width: 'number', metricName: 'string' }

const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

/**
 * A bar of `width` cells filled to `fraction` (clamped to [0, 1]) with eighth-block precision.
 * @example
 * import { progressBarCells } from 'kiln'
 * progressBarCells(0.5, 8) // '████    '
 * progressBarCells(1 / 16, 2) // '▏ '
 */
export const progressBarCells = (fraction: number, width: number): string => {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0
  const eighths = Math.round(f * width * 8)
  const full = Math.floor(eighths / 8)
  const part = full < width ? PARTIAL[eighths % 8]! : ''
  return '█'.repeat(full) + part + ' '.repeat(width - full - (part === '' ? 0 : 1))
}

/**
 * Milliseconds as `m:ss`, or `h:mm:ss` from an hour on.
 * @example
 * import { formatDuration } from 'kiln'
 * formatDuration(65_000) // '1:05'
 * formatDuration(3_723_000) // '1:02:03'
 */
export const formatDuration = (ms: number): string => {
  const s = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000))
  const two = (n: number): string => String(n).padStart(2, '0')
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`
}

/** 4 decimals in [1e-3, 1e4), else 4 significant digits in exponent form; NaN/Infinity as is. */
const num = (v: number): string =>
  !Number.isFinite(v) ? String(v) : v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4) ? v.toFixed(4) : v.toExponential(3)

/**
 * Fraction of training done: `((epoch - 1) * batches + batch) / total`, with `total` defaulting
 * to `epochs * batches`.
 * @example
 * import { progressFraction } from 'kiln'
 * progressFraction({ epoch: 2, epochs: 4, batch: 5, batches: 10 }) // 0.375
 */
export const progressFraction = (
  u: Pick<ProgressUpdate, 'epoch' | 'epochs' | 'batch' | 'batches'>,
  total?: number,
): number => {
  const t = total ?? u.epochs * u.batches
  return t > 0 ? Math.min(1, ((u.epoch - 1) * u.batches + u.batch) / t) : 1
}

/**
 * One progress line, without `\r` or newline. Terminal form: label, bar, percentage, epoch,
 * batch, loss, dev metric, elapsed and estimated time left. Plain form: the same without the
 * bar, elapsed spelled out.
 * @example
 * import { formatProgress } from 'kiln'
 * const s = { epoch: 2, epochs: 4, batch: 5, batches: 10, loss: 0.5, devMetric: 0.9, elapsed: 30_000 }
 * formatProgress(s, { tty: false, label: 'mlp' }) // 'mlp epoch 2/4 batch 5/10 (38%) loss 0.5000 dev 0.9000 elapsed 0:30'
 * formatProgress(s, { tty: true, width: 8 }) // '|███     |  38% epoch 2/4 batch 5/10 loss 0.5000 dev 0.9000 0:30<0:50'
 */
export const formatProgress = (state: ProgressState, options: FormatProgressOptions): string => {
  checkOptionKinds('formatProgress', options, FORMAT_PROGRESS_OPTIONS)
  const { tty, label = '', width = 20, metricName = 'dev' } = options
  const f = progressFraction(state, options.total)
  const pct = `${Math.round(f * 100)}%`
  const parts = [
    `epoch ${state.epoch}/${state.epochs}`,
    `batch ${state.batch}/${state.batches}`,
    ...(tty ? [] : [`(${pct})`]),
    `loss ${num(state.loss)}`,
    ...(state.devMetric === undefined ? [] : [`${metricName} ${num(state.devMetric)}`]),
  ]
  const head = label === '' ? [] : [label]
  if (!tty) return [...head, ...parts, `elapsed ${formatDuration(state.elapsed)}`].join(' ')
  const eta = f > 0 && f < 1 ? `<${formatDuration((state.elapsed * (1 - f)) / f)}` : ''
  return [...head, `|${progressBarCells(f, width)}|`, pct.padStart(4), ...parts, `${formatDuration(state.elapsed)}${eta}`].join(' ')
}

/** The default stream: plain lines, each handed to `console.log` (looked up on every write) without its newline. */
const consoleStream: ProgressStream = {
  write: (chunk: string): void => {
    console.log(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk)
  },
}

const checkUpdate = (u: ProgressUpdate): void => {
  const bad = (arg: string, v: number, expected: string): never => {
    throw new Error(`progressBar.update: ${arg} = ${String(v)}; expected ${expected}`)
  }
  if (!Number.isInteger(u.epochs) || u.epochs < 1) bad('epochs', u.epochs, 'a positive integer')
  if (!Number.isInteger(u.batches) || u.batches < 1) bad('batches', u.batches, 'a positive integer')
  if (!Number.isInteger(u.epoch) || u.epoch < 1 || u.epoch > u.epochs)
    bad('epoch', u.epoch, `an integer in [1, epochs = ${u.epochs}] (epochs count from 1)`)
  if (!Number.isInteger(u.batch) || u.batch < 0 || u.batch > u.batches)
    bad('batch', u.batch, `an integer in [0, batches = ${u.batches}] (batches done in this epoch)`)
  if (typeof u.loss !== 'number') bad('loss', u.loss, 'a number')
}

/**
 * Starts a progress reporter on `stream`. The default stream is the console: plain lines (it is not a
 * terminal), each passed to `console.log` without its trailing newline, which works in browsers and
 * in Node alike. Pass Node's stdout stream to get the redrawn bar on a terminal.
 *
 * - Terminal (`stream.isTTY`): each due `update` rewrites the line with `\r` (padded over the
 *   previous one, cut to `stream.columns`), at most every `redrawSeconds` except at epoch ends;
 *   `done()` ends the line.
 * - Otherwise: one plain line at each epoch end, on the first update of the epoch with
 *   `batch === batches` (pass `devMetric` in that update to have it logged; repeats are
 *   dropped), plus at most one line every `intervalSeconds` in between; `done()` prints the
 *   last state if it was not printed, then `done in m:ss`.
 *
 * Time is read from `now` (milliseconds) and measured from the call to `progressBar`.
 * @example
 * import { progressBar } from 'kiln'
 * const out: string[] = []
 * let t = 0
 * const bar = progressBar({ stream: { write: (s) => out.push(s) }, label: 'mlp', now: () => t })
 * t = 2000
 * bar.update({ epoch: 1, epochs: 2, batch: 1, batches: 2, loss: 0.75 })
 * bar.update({ epoch: 1, epochs: 2, batch: 2, batches: 2, loss: 0.5 })
 * bar.done()
 * out // ['mlp epoch 1/2 batch 2/2 (50%) loss 0.5000 elapsed 0:02\n', 'mlp done in 0:02\n']
 */
export const progressBar = (options: ProgressOptions = {}): ProgressBar => {
  checkOptionKinds('progressBar', options, PROGRESS_OPTIONS)
  const { stream = consoleStream, label = '', now = Date.now, intervalSeconds = 30, redrawSeconds = 0.1 } = options
  for (const [arg, v] of [['intervalSeconds', intervalSeconds], ['redrawSeconds', redrawSeconds]] as const)
    if (!(v >= 0)) throw new Error(`progressBar: options.${arg} = ${String(v)}; expected a number of seconds >= 0`)
  if (options.total !== undefined && !(options.total > 0))
    throw new Error(`progressBar: options.total = ${String(options.total)}; expected a positive number of steps`)
  const tty = stream.isTTY === true
  const start = now()
  const fmt: FormatProgressOptions = {
    tty,
    label,
    ...(options.total === undefined ? {} : { total: options.total }),
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.metricName === undefined ? {} : { metricName: options.metricName }),
  }
  let last: ProgressState | undefined
  let shown = true
  let lastWrite = start
  let lastEpochEnd = 0
  let drawnWidth = 0
  let finished = false

  const show = (s: ProgressState): void => {
    let line = formatProgress(s, fmt)
    if (tty) {
      const cols = stream.columns
      if (cols !== undefined && cols > 1) line = [...line].slice(0, cols - 1).join('')
      const len = [...line].length
      stream.write(`\r${line}${' '.repeat(Math.max(0, drawnWidth - len))}`)
      drawnWidth = len
    } else stream.write(`${line}\n`)
    lastWrite = now()
    shown = true
  }

  const update = (u: ProgressUpdate): void => {
    if (finished) throw new Error('progressBar.update: called after done(); expected no updates after done()')
    checkUpdate(u)
    const t = now()
    const s: ProgressState = { ...u, elapsed: t - start }
    last = s
    shown = false
    const atEnd = u.batch === u.batches
    if (tty) {
      if (atEnd || drawnWidth === 0 || t - lastWrite >= redrawSeconds * 1000) show(s)
    } else if (atEnd) {
      // Once per epoch end: a repeated end-of-epoch update is dropped, not printed later.
      if (u.epoch !== lastEpochEnd) show(s)
      shown = true
      lastEpochEnd = u.epoch
    } else if (t - lastWrite >= intervalSeconds * 1000) show(s)
  }

  const done = (): void => {
    if (finished) return
    finished = true
    if (last !== undefined && !shown) show({ ...last, elapsed: now() - start })
    if (tty) {
      if (drawnWidth > 0) stream.write('\n')
    } else stream.write(`${label === '' ? '' : `${label} `}done in ${formatDuration(now() - start)}\n`)
  }

  return { update, done }
}

/** Options of {@link progressCallback}: what the text line shows, and the clock. */
export interface ProgressCallbackOptions {
  /** Printed first on every line. Default none. */
  readonly label?: string
  /** Name printed before `devMetric`. Default `'dev'`. */
  readonly metricName?: string
  /** Clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number
}

const PROGRESS_CALLBACK_OPTIONS: OptionKinds<ProgressCallbackOptions> = { label: 'string', metricName: 'string', now: 'function' }

/**
 * A progress reporter that calls `callback` synchronously on every update with a {@link ProgressReport}
 * (the update, the elapsed milliseconds and its plain text line), and once more with `done: true` on the
 * first `done()` after an update. The structured twin of {@link progressBar}, for pages and UIs.
 * @example
 * import { progressCallback } from 'kiln'
 * const lines: string[] = []
 * let t = 0
 * const reporter = progressCallback((r) => lines.push(`${r.done ? 'done: ' : ''}${r.line}`), { label: 'mlp', now: () => t })
 * t = 1000
 * reporter.update({ epoch: 1, epochs: 1, batch: 1, batches: 1, loss: 0.5 })
 * reporter.done()
 * lines // ['mlp epoch 1/1 batch 1/1 (100%) loss 0.5000 elapsed 0:01', 'done: mlp epoch 1/1 batch 1/1 (100%) loss 0.5000 elapsed 0:01']
 */
export const progressCallback = (callback: (report: ProgressReport) => void, options: ProgressCallbackOptions = {}): ProgressBar => {
  checkOptionKinds('progressCallback', options, PROGRESS_CALLBACK_OPTIONS)
  const { now = Date.now } = options
  const fmt: FormatProgressOptions = {
    tty: false,
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(options.metricName === undefined ? {} : { metricName: options.metricName }),
  }
  const start = now()
  let last: ProgressUpdate | undefined
  let finished = false
  const report = (u: ProgressUpdate, done: boolean): void => {
    const elapsed = now() - start
    callback({ ...u, elapsed, line: formatProgress({ ...u, elapsed }, fmt), done })
  }
  return {
    update: (u) => {
      if (finished) throw new Error('progressCallback.update: called after done(); expected no updates after done()')
      checkUpdate(u)
      last = u
      report(u, false)
    },
    done: () => {
      if (finished) return
      finished = true
      if (last !== undefined) report(last, true)
    },
  }
}
