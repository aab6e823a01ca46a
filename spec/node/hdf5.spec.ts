// HDF5 through the optional h5wasm (issue 11): the course's data sets (readH5Dataset) and Keras 2 weight
// files (loadKerasWeights). The fixtures in spec/fixtures/hdf5 are written by make.py with h5py; edge cases
// are written here with h5wasm's Node build into a temporary folder.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { DataError } from '../../src/data/error.js'
import { evaluate } from '../../src/evaluate.js'
import { input } from '../../src/make.js'
import { conv2d } from '../../src/nn/conv.js'
import { defineLayer, variable, type Layer } from '../../src/nn/layer.js'
import { batchNorm, dense, dropout, flattenLayer } from '../../src/nn/layers.js'
import { zeros } from '../../src/nn/init.js'
import { sequential } from '../../src/nn/sequential.js'
import { bindValues, flattenParams, type ParamValues } from '../../src/nn/tree.js'
import { DEFAULT_MAX_FILE_BYTES } from '../../src/node/files.js'
import { readH5Dataset } from '../../src/node/hdf5.js'
import { loadKerasWeights } from '../../src/node/keras.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/hdf5/', import.meta.url))
const fixture = (name: string): string => join(FIXTURES, name)
const json = <T>(name: string): T => JSON.parse(readFileSync(fixture(name), 'utf8')) as T
const tmp = mkdtempSync(join(tmpdir(), 'kiln-hdf5-spec-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const right = <A>(r: E.Either<DataError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a Right, got ${r.left._tag}: ${r.left.message}`)
  return r.right
}
const left = <A>(r: E.Either<DataError, A>): DataError => {
  if (E.isRight(r)) throw new Error('expected a Left, got a Right')
  return r.left
}

type H5Node = typeof import('h5wasm/node')
type H5Group = InstanceType<H5Node['Group']>
let h5node: H5Node | undefined
/** Writes an HDF5 file with h5wasm's Node build: `build` fills the root group. */
const writeH5 = async (name: string, build: (root: H5Group, h5: H5Node) => void): Promise<string> => {
  h5node ??= await import('h5wasm/node')
  await h5node.ready
  const path = join(tmp, name)
  const f = new h5node.File(path, 'w')
  try {
    build(f, h5node)
  } finally {
    f.close()
  }
  return path
}

const CAT = { x: 'train_set_x', y: 'train_set_y', classes: 'list_classes' } as const
const cat = json<{ x: number[]; y: number[] }>('catvnoncat_small.json')

describe('readH5Dataset', () => {
  it("reads the course's layout: uint8 images as float64 rows, int64 labels, byte-string class names", async () => {
    const ds = right(await readH5Dataset(fixture('catvnoncat_small.h5'), CAT))
    expect(ds.n).toBe(6)
    expect(ds.featureShape).toEqual([4, 4, 3])
    expect(ds.classes).toEqual(['non-cat', 'cat'])
    expect(Array.from(ds.y)).toEqual(cat.y)
    expect(ds.x).toBeInstanceOf(Float64Array)
    expect(Array.from(ds.x)).toEqual(cat.x)
  })

  it('multiplies the features by scale', async () => {
    const ds = right(await readH5Dataset(fixture('catvnoncat_small.h5'), { ...CAT, scale: 1 / 255 }))
    expect(Array.from(ds.x)).toEqual(cat.x.map((v) => v * (1 / 255)))
    expect(Math.max(...ds.x)).toBeLessThanOrEqual(1)
  })

  it("without classes, integer labels imply '0'..max; without y, labels are 0 and there are no classes", async () => {
    const implied = right(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'train_set_x', y: 'train_set_y' }))
    expect(implied.classes).toEqual(['0', '1'])
    const bare = right(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'train_set_x' }))
    expect([bare.n, bare.classes, Array.from(bare.y)]).toEqual([6, [], [0, 0, 0, 0, 0, 0]])
  })

  it('names the missing dataset and lists those the file has', async () => {
    const e = left(await readH5Dataset(fixture('catvnoncat_small.h5'), { ...CAT, x: 'test_set_x' }))
    expect(e._tag).toBe('FormatError')
    expect(e.message).toBe(`${fixture('catvnoncat_small.h5')}: test_set_x not found; the file has datasets: list_classes, train_set_x, train_set_y`)
  })

  it('refuses strings where numbers belong and numbers where class names belong', async () => {
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'list_classes' })).message).toContain('list_classes: expected numbers (the features), got strings')
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { ...CAT, y: 'list_classes' })).message).toContain('list_classes: expected numbers (the labels), got strings')
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { ...CAT, classes: 'train_set_y' })).message).toContain('train_set_y: expected class names (strings), got int64 numbers')
    expect(left(await readH5Dataset(fixture('keras_mlp_weights.h5'), { x: 'dense' })).message).toContain('dense is a group, not a dataset; the file has datasets: dense/dense/bias:0')
  })

  it('accepts labels [1, m] and [m, 1], refuses other shapes and row counts that differ', async () => {
    const path = await writeH5('shapes.h5', (f) => {
      f.create_dataset({ name: 'x', data: Float64Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] })
      f.create_dataset({ name: 'row', data: new BigInt64Array([2n, 0n, 1n]), shape: [1, 3] })
      f.create_dataset({ name: 'col', data: Int32Array.of(1, 1, 0), shape: [3, 1] })
      f.create_dataset({ name: 'grid', data: Int32Array.of(1, 1, 0, 0, 1, 1), shape: [2, 3] })
      f.create_dataset({ name: 'short', data: Int32Array.of(1, 0), shape: [2] })
      f.create_dataset({ name: 'flat', data: Float64Array.of(1, 2, 3), shape: [3] })
    })
    const row = right(await readH5Dataset(path, { x: 'x', y: 'row' }))
    expect([Array.from(row.y), row.classes, row.featureShape]).toEqual([[2, 0, 1], ['0', '1', '2'], [2]])
    expect(Array.from(right(await readH5Dataset(path, { x: 'x', y: 'col' })).y)).toEqual([1, 1, 0])
    expect(left(await readH5Dataset(path, { x: 'x', y: 'grid' })).message).toBe(`${path}: grid: expected labels of shape [m], [1, m] or [m, 1], got [2,3]`)
    expect(left(await readH5Dataset(path, { x: 'x', y: 'short' })).message).toBe(`${path}: short has 2 labels but x has 3 rows`)
    expect(left(await readH5Dataset(path, { x: 'flat' })).message).toContain('flat: expected a shape [rows, ...features] with at least 2 axes')
  })

  it('refuses non-finite features naming the row, and labels outside the classes naming the row', async () => {
    const path = await writeH5('values.h5', (f) => {
      f.create_dataset({ name: 'x', data: Float64Array.of(1, 2, 3, NaN, 5, 6), shape: [3, 2] })
      f.create_dataset({ name: 'ok', data: Float64Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] })
      f.create_dataset({ name: 'y', data: Int32Array.of(0, 2, 1), shape: [3] })
      f.create_dataset({ name: 'neg', data: Int32Array.of(0, -1, 1), shape: [3] })
      f.create_dataset({ name: 'target', data: Float64Array.of(0.5, -1.25, 3), shape: [3] })
      f.create_dataset({ name: 'names', data: ['no', 'yes'] })
    })
    expect(left(await readH5Dataset(path, { x: 'x' })).message).toBe(`${path}: x: row 1 has the non-finite feature NaN at index 1`)
    expect(left(await readH5Dataset(path, { x: 'ok', scale: 1e308 })).message).toContain('row 0 has the non-finite feature Infinity at index 1 (after scale 1e+308)')
    const e = left(await readH5Dataset(path, { x: 'ok', y: 'y', classes: 'names' }))
    expect(e).toMatchObject({ _tag: 'LabelError', index: 1, label: 2 })
    expect(e.message).toBe(`${path}: y: row 1 has label 2, expected an integer in [0, 2) for the 2 classes`)
    expect(left(await readH5Dataset(path, { x: 'ok', y: 'neg' }))).toMatchObject({ _tag: 'LabelError', index: 1, label: -1 })
    // float targets without class names are a regression set
    const reg = right(await readH5Dataset(path, { x: 'ok', y: 'target' }))
    expect([Array.from(reg.y), reg.classes]).toEqual([[0.5, -1.25, 3], []])
  })

  it('checks its options before touching the file', async () => {
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { y: 'train_set_y' } as never))).toMatchObject({ _tag: 'OptionsError', field: 'x' })
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'train_set_x', scal: 2 } as never)).message).toContain("did you mean 'scale'?")
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'train_set_x', scale: NaN }))).toMatchObject({ _tag: 'OptionsError', field: 'scale' })
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'train_set_x', classes: 'list_classes' }))).toMatchObject({ _tag: 'OptionsError', field: 'classes' })
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'train_set_x', maxFileBytes: -1 }))).toMatchObject({ _tag: 'OptionsError', field: 'maxFileBytes' })
  })

  it('refuses a file larger than maxFileBytes by its size, before reading it (default: DEFAULT_MAX_FILE_BYTES)', async () => {
    expect(left(await readH5Dataset(fixture('catvnoncat_small.h5'), { ...CAT, maxFileBytes: 1000 })).message)
      .toBe(`${fixture('catvnoncat_small.h5')}: the file is 2398 bytes, more than maxFileBytes = 1000; raise maxFileBytes only for a file you trust`)
    // a sparse file just over the default: refused in no time, nothing allocated
    const big = join(tmp, 'big.h5')
    writeFileSync(big, '')
    truncateSync(big, DEFAULT_MAX_FILE_BYTES + 1)
    const started = performance.now()
    const e = left(await readH5Dataset(big, CAT))
    expect(e._tag).toBe('FileError')
    expect(e.message).toContain(`more than maxFileBytes = ${DEFAULT_MAX_FILE_BYTES}`)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('turns a file that is not HDF5, a truncated file, a folder and a missing path into Lefts; reading goes on', async () => {
    const text = left(await readH5Dataset(fixture('not_hdf5.h5'), CAT))
    expect(text).toMatchObject({ _tag: 'FormatError', message: `${fixture('not_hdf5.h5')}: cannot open it as HDF5: file signature not found` })
    const truncated = join(tmp, 'truncated.h5')
    writeFileSync(truncated, readFileSync(fixture('catvnoncat_small.h5')).subarray(0, 2000))
    expect(left(await readH5Dataset(truncated, CAT)).message).toBe(`${truncated}: cannot open it as HDF5: truncated file: eof = 2000, sblock->base_addr = 0, stored_eof = 2398`)
    const empty = join(tmp, 'empty.h5')
    writeFileSync(empty, '')
    expect(left(await readH5Dataset(empty, CAT))._tag).toBe('FormatError')
    const folder = join(tmp, 'folder.h5')
    mkdirSync(folder)
    expect(left(await readH5Dataset(folder, CAT))._tag).toBe('FileError')
    expect(left(await readH5Dataset(join(tmp, 'missing.h5'), CAT))).toMatchObject({ _tag: 'FileError', path: join(tmp, 'missing.h5') })
    expect(right(await readH5Dataset(fixture('catvnoncat_small.h5'), CAT)).n).toBe(6)
  })

  it.runIf(existsSync('/etc/passwd'))("never hands another host file's bytes over: a dataset kept in an external file is a Left", async () => {
    // The fixture really points at /etc/passwd: h5wasm's Node build, which reads through the host's file system, returns its bytes.
    const h5 = await import('h5wasm/node')
    await h5.ready
    const f = new h5.File(fixture('external_storage.h5'), 'r')
    const node = f.get('train_set_x')
    const leaked = node instanceof h5.Dataset ? node.value : null
    expect(leaked instanceof Uint8Array && Array.from(leaked)).toEqual(Array.from(readFileSync('/etc/passwd').subarray(0, 4)))
    f.close()
    const e = left(await readH5Dataset(fixture('external_storage.h5'), { x: 'train_set_x' }))
    expect(e.message).toBe(`${fixture('external_storage.h5')}: train_set_x: HDF5 could not read it: unable to open external raw data file`)
  })

  it('leaves no copy in h5wasm\'s in-memory file system and empties its error report, after good and bad reads', async () => {
    await readH5Dataset(fixture('not_hdf5.h5'), CAT)
    await readH5Dataset(fixture('catvnoncat_small.h5'), { x: 'nope' })
    await readH5Dataset(fixture('catvnoncat_small.h5'), CAT)
    const h5 = await import('h5wasm')
    const { FS } = await h5.ready
    expect(FS.readdir('/kiln')).toEqual(['.', '..', 'hdf5-errors.txt'])
    expect(FS.readFile('/kiln/hdf5-errors.txt', { encoding: 'utf8' })).toBe('')
  })

  it('prints nothing to stderr and keeps the process alive on bad files (a separate Node process)', () => {
    const script = join(tmp, 'bad-files.mts')
    const module = fileURLToPath(new URL('../../src/node/hdf5.ts', import.meta.url))
    writeFileSync(script, [
      `import { readH5Dataset } from ${JSON.stringify(module)}`,
      `const tags = []`,
      `for (const p of ${JSON.stringify([fixture('not_hdf5.h5'), join(tmp, 'truncated.h5'), join(tmp, 'empty.h5')])}) tags.push((await readH5Dataset(p, { x: 'train_set_x' }))._tag)`,
      `tags.push((await readH5Dataset(${JSON.stringify(fixture('catvnoncat_small.h5'))}, { x: 'train_set_x' }))._tag)`,
      `process.stdout.write(JSON.stringify(tags))`,
    ].join('\n'))
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))
    const stderr = join(tmp, 'stderr.txt')
    const out = execFileSync('sh', ['-c', `"$0" "$1" 2>"$2"`, tsx, script, stderr], { encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual(['Left', 'Left', 'Left', 'Right'])
    expect(readFileSync(stderr, 'utf8')).toBe('')
  })

  it('says how to install h5wasm when it is missing (both readers bundled into a folder without it)', () => {
    const dir = join(tmp, 'no-h5wasm')
    mkdirSync(dir)
    const src = fileURLToPath(new URL('../../src/node/', import.meta.url))
    const entry = `export { readH5Dataset } from ${JSON.stringify(join(src, 'hdf5.ts'))}\nexport { loadKerasWeights } from ${JSON.stringify(join(src, 'keras.ts'))}\nexport { sequential, dense } from ${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))}`
    buildSync({ stdin: { contents: entry, loader: 'ts', resolveDir: dir }, bundle: true, platform: 'node', format: 'esm', external: ['h5wasm'], outfile: join(dir, 'kiln.mjs') })
    writeFileSync(join(dir, 'main.mjs'), [
      "import { readH5Dataset, loadKerasWeights, sequential, dense } from './kiln.mjs'",
      `const a = await readH5Dataset(${JSON.stringify(fixture('catvnoncat_small.h5'))}, { x: 'train_set_x' })`,
      `const b = await loadKerasWeights(${JSON.stringify(fixture('keras_mlp_weights.h5'))}, sequential(dense(5), dense(3)), [4])`,
      'process.stdout.write(JSON.stringify([a.left, b.left.message]))',
    ].join('\n'))
    const [a, b] = JSON.parse(execFileSync(process.execPath, [join(dir, 'main.mjs')], { cwd: dir, encoding: 'utf8' })) as [DataError, string]
    expect(a).toEqual({ _tag: 'FileError', path: fixture('catvnoncat_small.h5'), message: 'readH5Dataset: reading HDF5 needs the optional package h5wasm: npm install h5wasm' })
    expect(b).toBe('loadKerasWeights: reading HDF5 needs the optional package h5wasm: npm install h5wasm')
  })

  it('says how to install h5wasm when a loader reports it missing as the cause of its own error', async () => {
    vi.resetModules()
    vi.doMock('h5wasm', () => {
      throw Object.assign(new Error("Cannot find package 'h5wasm' imported from src/node/hdf5.ts"), { code: 'ERR_MODULE_NOT_FOUND' })
    })
    try {
      const fresh = await import('../../src/node/hdf5.js')
      expect(left(await fresh.readH5Dataset(fixture('catvnoncat_small.h5'), CAT)).message).toBe('readH5Dataset: reading HDF5 needs the optional package h5wasm: npm install h5wasm')
    } finally {
      vi.doUnmock('h5wasm')
      vi.resetModules()
    }
  })
})

// ---------- Keras ----------

const MLP = (): Layer => sequential(dense(5, { activation: 'relu' }), dropout(0.5), dense(3))
const mlp = json<{ weights: Record<string, number[]>; x: number[]; xShape: number[]; y: number[]; yShape: number[] }>('keras_mlp.json')

/** The model's outputs in evaluation mode for `x`, through the reference interpreter. */
const forward = (model: Layer, shape: readonly number[], x: readonly number[], v: { readonly params: ParamValues; readonly state: ParamValues }): Float64Array => {
  const leaves = model.leaves(shape)
  const { y } = model.apply(leaves.params, input('x', shape), { training: false, state: leaves.state })
  return evaluate([y], { x: [...x], ...bindValues(leaves.params, v.params), ...bindValues(leaves.state, v.state) })[0]!
}

const expectClose = (got: ArrayLike<number>, want: readonly number[], tol: number): void => {
  expect(got.length).toBe(want.length)
  const worst = Math.max(...Array.from(got, (g, i) => Math.abs(g - want[i]!)))
  expect(worst).toBeLessThanOrEqual(tol)
}

describe('loadKerasWeights', () => {
  it.each(['keras_mlp_weights.h5', 'keras_mlp_model.h5'])('loads %s (float32 widened exactly) and the forward pass matches numpy', async (name) => {
    const model = MLP()
    const w = right(await loadKerasWeights(fixture(name), model, [4]))
    expect(Object.fromEntries(flattenParams(w.params).map(([p, v]) => [p, Array.from(v)]))).toEqual(mlp.weights)
    expect(w.state).toEqual({})
    expect(w.converted).toEqual(['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0', 'dense_1/bias:0'])
    expectClose(forward(model, mlp.xShape, mlp.x, w), mlp.y, 1e-12)
  })

  it('loads Conv2D and BatchNormalization (moving statistics into the state) through Flatten', async () => {
    const cnn = json<{ x: number[]; xShape: number[]; y: number[] }>('keras_cnn.json')
    const model = sequential(conv2d(2, 3), batchNorm({ eps: 1e-3 }), flattenLayer(), dense(2))
    const w = right(await loadKerasWeights(fixture('keras_cnn_weights.h5'), model, [4, 4, 1]))
    expect(flattenParams(w.params).map(([p, v]) => [p, v.length])).toEqual([['conv2d0.w', 18], ['conv2d0.b', 2], ['batchNorm1.gamma', 2], ['batchNorm1.beta', 2], ['dense3.w', 16], ['dense3.b', 2]])
    expect(flattenParams(w.state).map(([p]) => p)).toEqual(['batchNorm1.mean', 'batchNorm1.var'])
    expect(w.converted).toHaveLength(8)
    expectClose(forward(model, cnn.xShape, cnn.x, w), cnn.y, 1e-12)
  })

  it('names the Keras weight, the shape found and the shape expected on a mismatch', async () => {
    const e = left(await loadKerasWeights(fixture('keras_mlp_weights.h5'), MLP(), [3]))
    expect(e.message).toBe(`${fixture('keras_mlp_weights.h5')}: Keras weight dense/kernel:0 of layer 'dense' has shape [4,5], but Kiln layer 'dense0' expects w of shape [3,5]`)
    const out = left(await loadKerasWeights(fixture('keras_mlp_model.h5'), sequential(dense(5), dense(4)), [4]))
    expect(out.message).toContain("Keras weight dense_1/kernel:0 of layer 'dense_1' has shape [5,3], but Kiln layer 'dense1' expects w of shape [5,4]")
  })

  it('refuses a different number of layers, a kind that does not pair, and a bias on one side only', async () => {
    expect(left(await loadKerasWeights(fixture('keras_mlp_weights.h5'), sequential(dense(5)), [4])).message)
      .toContain('the file has 2 Keras layers with weights (dense, dense_1) but the model has 1 layer with parameters (dense0)')
    expect(left(await loadKerasWeights(fixture('keras_cnn_weights.h5'), sequential(conv2d(2, 3), dense(3), flattenLayer(), dense(2)), [4, 4, 1])).message)
      .toContain("Keras layer 'batch_normalization' (a BatchNormalization layer: gamma, beta, moving_mean, moving_variance) pairs with Kiln layer 'dense1' (dense or conv2d: w, b)")
    expect(left(await loadKerasWeights(fixture('keras_mlp_weights.h5'), sequential(dense(5, { bias: false }), dense(3)), [4])).message)
      .toContain("Keras layer 'dense' has a bias but Kiln layer 'dense0' has none (built with bias: false)")
  })

  it('refuses a Keras layer Kiln has no counterpart for, naming it', async () => {
    const path = await writeH5('lstm.h5', (f) => {
      f.create_attribute('layer_names', ['lstm', 'dense'])
      const lstm = f.create_group('lstm')
      lstm.create_attribute('weight_names', ['lstm/kernel:0', 'lstm/recurrent_kernel:0', 'lstm/bias:0'])
      const g = lstm.create_group('lstm')
      for (const [name, shape] of [['kernel:0', [4, 8]], ['recurrent_kernel:0', [2, 8]], ['bias:0', [8]]] as const)
        g.create_dataset({ name, data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape: [...shape] })
      const d = f.create_group('dense')
      d.create_attribute('weight_names', ['dense/kernel:0'])
      d.create_group('dense').create_dataset({ name: 'kernel:0', data: new Float32Array(6), shape: [2, 3] })
    })
    expect(left(await loadKerasWeights(path, sequential(dense(2), dense(3)), [4])).message)
      .toContain("Keras layer 'lstm' has weights lstm/kernel:0, lstm/recurrent_kernel:0, lstm/bias:0, which no Kiln layer takes")
  })

  it('refuses a BatchNormalization without gamma (scale=False), naming what to change', async () => {
    const path = await writeH5('no-gamma.h5', (f) => {
      f.create_attribute('layer_names', ['batch_normalization'])
      const g = f.create_group('batch_normalization')
      g.create_attribute('weight_names', ['batch_normalization/beta:0', 'batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0'])
      const w = g.create_group('batch_normalization')
      for (const name of ['beta:0', 'moving_mean:0', 'moving_variance:0']) w.create_dataset({ name, data: new Float32Array(2), shape: [2] })
    })
    expect(left(await loadKerasWeights(path, sequential(batchNorm()), [2])).message)
      .toBe(`${path}: Keras layer 'batch_normalization' has no gamma (built with scale=False); Kiln's batchNorm always has gamma and beta`)
  })

  it("reads a nested model's group (several layers' weights under one layer name) and float64 weights", async () => {
    const k0 = Float64Array.from({ length: 8 }, (_, i) => i / 8 - 0.5)
    const k1 = Float64Array.of(1, -1)
    const path = await writeH5('nested.h5', (f) => {
      f.create_attribute('layer_names', ['input_1', 'sequential'])
      f.create_group('input_1').create_attribute('weight_names', new Float64Array(0), [0])
      const s = f.create_group('sequential')
      s.create_attribute('weight_names', ['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0'])
      const a = s.create_group('dense')
      a.create_dataset({ name: 'kernel:0', data: k0, shape: [4, 2] })
      a.create_dataset({ name: 'bias:0', data: Float64Array.of(0.25, -0.25), shape: [2] })
      s.create_group('dense_1').create_dataset({ name: 'kernel:0', data: k1, shape: [2, 1] })
    })
    const w = right(await loadKerasWeights(path, sequential(dense(2), dense(1, { bias: false })), [4]))
    expect(Array.from(flattenParams(w.params), ([p, v]) => [p, Array.from(v)])).toEqual([['dense0.w', Array.from(k0)], ['dense0.b', [0.25, -0.25]], ['dense1.w', [1, -1]]])
    expect(w.converted).toEqual([])
  })

  it('refuses a file without the Keras 2 layout, a model layer it cannot fill, and a featureShape the model does not take', async () => {
    expect(left(await loadKerasWeights(fixture('catvnoncat_small.h5'), MLP(), [4])).message)
      .toBe(`${fixture('catvnoncat_small.h5')}: not a Keras 2 HDF5 weights file: no attribute layer_names at the root or in a group model_weights (the root has list_classes, train_set_x, train_set_y; Keras 3's .weights.h5 layout is not read)`)
    const embedding = defineLayer('embedding', (s) => ({ params: { table: variable([10, 4], zeros) }, state: {}, outputShape: s }), (_p, x, ctx) => ({ y: x, state: ctx.state }))
    expect(left(await loadKerasWeights(fixture('keras_mlp_weights.h5'), sequential(embedding, dense(3)), [4]))).toMatchObject({ _tag: 'OptionsError', field: 'model' })
    expect(left(await loadKerasWeights(fixture('keras_mlp_weights.h5'), sequential(conv2d(2, 3)), [4]))).toMatchObject({ _tag: 'OptionsError', field: 'featureShape' })
    expect(left(await loadKerasWeights(fixture('keras_mlp_weights.h5'), MLP(), [4], { maxFileBytes: 10 }))._tag).toBe('FileError')
    expect(left(await loadKerasWeights(fixture('not_hdf5.h5'), MLP(), [4])).message).toContain('cannot open it as HDF5: file signature not found')
  })

  it('loads the same values from a copy of the file at another path (paths never reach h5wasm)', async () => {
    const copy = join(tmp, 'copy of weights.h5')
    copyFileSync(fixture('keras_mlp_weights.h5'), copy)
    const a = right(await loadKerasWeights(copy, MLP(), [4]))
    const b = right(await loadKerasWeights(fixture('keras_mlp_weights.h5'), MLP(), [4]))
    expect(a.params).toEqual(b.params)
  })
})
