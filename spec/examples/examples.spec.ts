// Every course example run in-process with small settings. Floors are set for those small settings
// (well below what the full runs reach) but high enough that a broken model, loss or split fails them.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { main as deepDigits } from '../../examples/deep-digits.js'
import { main as fashionMnist } from '../../examples/fashion-mnist.js'
import { main as kfoldIris } from '../../examples/kfold-iris.js'
import { main as logistic } from '../../examples/logistic-breast-cancer.js'
import { main as optimizers } from '../../examples/optimizers.js'
import { main as planar } from '../../examples/planar-shallow.js'
import { main as regularization } from '../../examples/regularization.js'
import { encodeIdx, key, normal, randomInt } from '../../src/index.js'

const tmp = mkdtempSync(join(tmpdir(), 'kiln-examples-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A log sink that keeps the lines for assertions. */
const capture = () => {
  const lines: string[] = []
  return { lines, log: (line: string) => void lines.push(line), text: () => lines.join('\n') }
}

const first = <A>(xs: readonly A[]): A => xs[0]!
const last = <A>(xs: readonly A[]): A => xs[xs.length - 1]!

describe('logistic-breast-cancer', () => {
  it('separates malignant from benign, reporting malignant as the positive class', () => {
    const out = capture()
    const r = logistic({ epochs: 30, log: out.log })
    expect(last(r.losses)).toBeLessThan(first(r.losses) / 2)
    expect(r.testAccuracy).toBeGreaterThan(0.92)
    // 114 test rows, 42 of them malignant (the stratified 37%).
    expect(r.malignant.tp + r.malignant.fn).toBe(42)
    expect(r.malignant.tp + r.malignant.fp + r.malignant.tn + r.malignant.fn).toBe(114)
    expect(r.malignant.recall).toBeGreaterThan(0.85)
    expect(r.malignant.precision).toBeGreaterThan(0.85)
    // Confusion row 0 is malignant: its diagonal cell is the malignant true positives.
    expect(r.confusion[0]).toBe(r.malignant.tp)
    expect(r.confusion[1]).toBe(r.malignant.fn)
    expect(out.text()).toMatch(/malignant as the positive class: precision 0\.\d+, recall 0\.\d+, F1 0\.\d+/)
    expect(out.text()).toContain('true \\ pred')
  })
})

describe('planar-shallow', () => {
  it('a hidden tanh layer fits the flower that logistic regression cannot', () => {
    const out = capture()
    const r = planar({ steps: 1500, hiddenSizes: [1, 5], log: out.log })
    expect(r.logistic.train).toBeLessThan(0.65)
    expect(r.shallow.train).toBeGreaterThan(0.85)
    expect(r.shallow.test).toBeGreaterThan(0.8)
    expect(last(r.shallow.losses)).toBeLessThan(first(r.shallow.losses) / 2)
    expect(r.byHidden.map((h) => h.hidden)).toEqual([1, 5])
    // One tanh unit is one bent line: it underfits the petals the 5-unit layer fits.
    expect(r.byHidden[1]!.train).toBeGreaterThan(r.byHidden[0]!.train + 0.1)
    expect(out.lines.filter((l) => /^\s+\d+\s+\d+\.\d+%\s+\d+\.\d+%$/.test(l))).toHaveLength(2)
  })
})

describe('deep-digits', () => {
  it('a 4-hidden-layer He-initialized ReLU network learns the digits', () => {
    const out = capture()
    const r = deepDigits({ hidden: [32, 32, 32, 32], epochs: 6, log: out.log })
    expect(r.testAccuracy).toBeGreaterThan(0.88)
    expect(last(r.losses)).toBeLessThan(first(r.losses) / 3)
    expect(r.report.perClass).toHaveLength(10)
    expect(r.report.perClass.reduce((a, c) => a + c.support, 0)).toBe(359)
    expect(Math.min(...r.report.perClass.map((c) => c.f1))).toBeGreaterThan(0.6)
    expect(out.text()).toContain('weighted avg')
  })
})

describe('optimizers', () => {
  it('compares four optimizers from the same start and writes the loss curves', () => {
    const out = capture()
    const svgPath = join(tmp, 'plots', 'optimizers.svg')
    const r = optimizers({ epochs: 300, svgPath, log: out.log })
    expect(r.runs.map((x) => x.name)).toEqual(['SGD', 'momentum', 'RMSprop', 'Adam'])
    const byName = Object.fromEntries(r.runs.map((x) => [x.name, x]))
    for (const run of r.runs) {
      expect(run.losses).toHaveLength(300)
      expect(run.losses.every(Number.isFinite)).toBe(true)
      expect(last(run.losses)).toBeLessThan(first(run.losses))
    }
    // Same initial weights: the first-epoch losses are close; the adaptive methods then pull ahead.
    expect(last(byName.Adam!.losses)).toBeLessThan(last(byName.SGD!.losses) - 0.05)
    expect(last(byName.RMSprop!.losses)).toBeLessThan(last(byName.SGD!.losses) - 0.05)
    expect(last(byName.momentum!.losses)).toBeLessThan(last(byName.SGD!.losses))
    expect(byName.Adam!.testAccuracy).toBeGreaterThan(0.75)
    expect(r.svgPath).toBe(svgPath)
    const svg = readFileSync(svgPath, 'utf8')
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
    for (const name of ['SGD', 'momentum', 'RMSprop', 'Adam']) expect(svg).toContain(name)
  })
})

describe('regularization', () => {
  it('shows overfitting without regularization and underfitting with a huge L2 lambda', () => {
    const out = capture()
    const runs = regularization({ trainSize: 100, devSize: 300, hidden: 64, epochs: 60, log: out.log })
    expect(runs.map((r) => r.name)).toEqual(['no regularization', 'L2 (lambda 0.03)', 'dropout (rate 0.5)', 'huge L2 (lambda 0.2)'])
    const [none, l2, drop, huge] = runs as [typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0]]
    // Variance: the unregularized network memorizes its 100 rows but not the dev set.
    expect(none.trainError).toBeLessThan(0.02)
    expect(none.devError).toBeGreaterThan(none.trainError + 0.03)
    // Mild regularization still fits and generalizes about as well (within noise at these settings).
    for (const r of [l2, drop]) {
      expect(r.trainError).toBeLessThan(0.1)
      expect(r.devError).toBeLessThan(0.25)
    }
    // Bias: the huge penalty cannot even fit the training rows.
    expect(huge.trainError).toBeGreaterThan(none.trainError + 0.1)
    expect(huge.devError).toBeGreaterThan(none.devError)
  })
})

describe('kfold-iris', () => {
  it('reports per-fold accuracy, mean and standard deviation over 5 stratified folds', () => {
    const out = capture()
    const r = kfoldIris({ epochs: 40, log: out.log })
    expect(r.accuracies).toHaveLength(5)
    expect(r.devSizes).toEqual([30, 30, 30, 30, 30])
    expect(Math.min(...r.accuracies)).toBeGreaterThan(0.8)
    expect(r.mean).toBeGreaterThan(0.9)
    expect(r.mean).toBeCloseTo(r.accuracies.reduce((a, b) => a + b, 0) / 5, 12)
    expect(r.std).toBeGreaterThanOrEqual(0)
    expect(r.std).toBeLessThan(0.1)
    expect(out.lines.filter((l) => /^fold \d: .*accuracy \d\.\d{4}$/.test(l))).toHaveLength(5)
    expect(out.text()).toMatch(/mean 0\.\d{4}, standard deviation 0\.\d{4}/)
  })
})

describe('fashion-mnist', () => {
  /**
   * Tiny IDX files: class c is a noisy 8x8 image whose row c (mod 8) and column floor(c / 8) * 4 are
   * bright, so a small MLP can learn them. Written gzipped or plain, as the Debian package may ship either.
   */
  const writeTiny = (dir: string, gzip: boolean): void => {
    const images = (n: number, labels: Float64Array, seed: number): number[] => {
      const noise = normal(key(seed), n * 64, 0, 20)
      return Array.from({ length: n * 64 }, (_, i) => {
        const c = labels[Math.floor(i / 64)]!
        const [r, col] = [Math.floor((i % 64) / 8), i % 8]
        const on = r === c % 8 || (c >= 8 && col === (c - 8) * 4)
        return Math.min(255, Math.max(0, Math.round((on ? 200 : 30) + noise[i]!)))
      })
    }
    const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes)
    for (const [prefix, n, seed] of [['train', 300, 1], ['t10k', 100, 2]] as const) {
      const labels = randomInt(key(seed + 10), n, 0, 10)
      write(`${prefix}-images-idx3-ubyte`, encodeIdx([n, 8, 8], images(n, labels, seed)))
      write(`${prefix}-labels-idx1-ubyte`, encodeIdx([n], labels))
    }
  }
  const small = { hidden: [32, 16], epochs: 15, batchSize: 32, learningRate: 3e-3, progress: false } as const

  for (const gzip of [true, false]) {
    it(`trains on tiny ${gzip ? 'gzipped' : 'plain'} IDX files written with encodeIdx`, () => {
      const dir = mkdtempSync(join(tmp, gzip ? 'gz-' : 'plain-'))
      writeTiny(dir, gzip)
      const out = capture()
      const r = fashionMnist({ ...small, dir, log: out.log })
      expect(r._tag).toBe('Trained')
      if (r._tag !== 'Trained') return
      expect([r.trainRows, r.testRows]).toEqual([300, 100])
      expect(r.testAccuracy).toBeGreaterThan(0.9)
      expect(last(r.losses)).toBeLessThan(first(r.losses) / 2)
      expect(out.text()).toContain('Ankle boot')
    })
  }

  it('says how to install the data set when it is missing, without throwing', () => {
    const out = capture()
    const r = fashionMnist({ ...small, dir: join(tmp, 'no-such-dir'), log: out.log })
    expect(r._tag).toBe('Missing')
    expect(out.text()).toContain('apt-get install -y dataset-fashion-mnist')
    expect(out.text()).toContain(join(tmp, 'no-such-dir'))
  })

  const real = '/usr/share/datasets/fashion-mnist'
  const installed = existsSync(join(real, 'train-images-idx3-ubyte.gz')) || existsSync(join(real, 'train-images-idx3-ubyte'))
  it.skipIf(!installed)('trains on a subset of the real data set when it is installed', () => {
    const out = capture()
    const r = fashionMnist({ dir: real, trainRows: 2000, testRows: 500, hidden: [64, 32], epochs: 3, batchSize: 64, progress: false, log: out.log })
    expect(r._tag).toBe('Trained')
    if (r._tag !== 'Trained') return
    expect([r.trainRows, r.testRows]).toEqual([2000, 500])
    expect(r.testAccuracy).toBeGreaterThan(0.7)
    expect(last(r.losses)).toBeLessThan(first(r.losses))
  })
})
