// The package as users get it: `npm pack` (which builds dist/ through prepack), publint and
// arethetypeswrong on the tarball, then a fresh project installs the tarball and imports it from Node
// ESM, CommonJS and Deno (training a tiny model in each) and type-checks TypeScript under node16,
// nodenext and bundler resolution. Dependencies install from npm's cache when it has them (npm ci fills it).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'node_modules/.bin')
const tmp = mkdtempSync(join(tmpdir(), 'kiln-package-'))
const project = join(tmp, 'consumer')

const sh = (cmd: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): string => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', ...env } })
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
  }
}

interface PackEntry {
  readonly filename: string
  readonly size: number
  readonly unpackedSize: number
  readonly files: readonly { readonly path: string }[]
}

let pack: PackEntry
let tarball: string

beforeAll(() => {
  const out = sh('npm', ['pack', '--json', '--pack-destination', tmp], ROOT)
  pack = (JSON.parse(out.slice(out.indexOf('[\n'))) as PackEntry[])[0]!
  tarball = join(tmp, pack.filename)
  process.stdout.write(`npm pack: ${pack.filename}, ${pack.size} bytes packed, ${pack.unpackedSize} unpacked, ${pack.files.length} files\n`)
  sh('mkdir', ['-p', project], tmp)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'kiln-consumer', version: '1.0.0', private: true, type: 'module' }))
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project)
}, 300_000)
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Writes `lines` to `file` in the consumer project, runs it with `command` and parses what it printed as JSON. */
const runScript = <T>(file: string, lines: readonly string[], command: readonly string[] = ['node'], env?: Readonly<Record<string, string>>): T => {
  writeFileSync(join(project, file), lines.join('\n'))
  return JSON.parse(sh(command[0]!, [...command.slice(1), file], project, env)) as T
}

/** The lines both Node consumers run once `kiln` and `kiln/node` are in scope, whichever way they import. */
const TRAIN_IRIS = [
  'const iris = loadIrisOrThrow()',
  'const trained = unwrap(fit(sequential(dense(8), layers.tanh(), dense(3)), iris, { epochs: 30, batchSize: 50, optimizer: adam(0.05), key: key(0) }))',
]

describe('the npm package', () => {
  it('ships dist with declarations and maps, the sources they map to, the data, LICENSE, CHANGELOG and SECURITY; no tests or examples', () => {
    const paths = pack.files.map((f) => f.path)
    for (const p of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md', 'dist/index.js', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/index.js.map',
      'dist/node/index.js', 'dist/node/index.d.ts', 'src/index.ts', 'src/node/index.ts', 'data/digits.csv.gz', 'data/README.md'])
      expect(paths, p).toContain(p)
    expect(paths.filter((p) => /^(spec|examples|bench|\.ci|node_modules)\//.test(p) || p.startsWith('tsconfig'))).toEqual([])
    expect(statSync(tarball).size).toBe(pack.size)
  })

  it('passes publint (strict) and arethetypeswrong (ESM-only profile)', () => {
    expect(sh(join(BIN, 'publint'), ['--strict', tarball], ROOT)).toContain('All good')
    // esm-only: Kiln ships one ESM build (see the README); CommonJS loads it through Node's require(esm),
    // which the CommonJS test below checks for real. attw exits non-zero on any other problem.
    const attw = sh(join(BIN, 'attw'), ['--profile', 'esm-only', '--no-emoji', '--format', 'table-flipped', tarball], ROOT)
    const problems = attw.split('\n').filter((l) => /resolved to an ESM|failed to resolve|Masquerad|incorrect|missing/i.test(l))
    expect(problems.every((l) => l.includes('(ignored per resolution)')), problems.join('\n')).toBe(true)
  })

  it('imports and trains from Node ESM, root and kiln/node', () => {
    const r = runScript<{ accuracy: number; csv: boolean }>('esm.mjs', [
      "import { adam, dense, evaluateModel, fit, key, layers, sequential, unwrap, isRight, parseCsv } from 'kiln'",
      "import { loadIrisOrThrow } from 'kiln/node'",
      ...TRAIN_IRIS,
      "console.log(JSON.stringify({ accuracy: evaluateModel(trained, iris).accuracy, csv: isRight(parseCsv('1,2,0\\n')) }))",
    ])
    expect(r.accuracy).toBeGreaterThan(0.9)
    expect(r.csv).toBe(true)
  })

  it("runs the README's library example as written", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Using Kiln as a library'))
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    expect(code).toContain("from 'kiln/node'")
    writeFileSync(join(project, 'readme.mjs'), code!)
    // The accuracy of the trained model, then of the model loaded from its file: the same number.
    const [trained, loaded] = sh('node', ['readme.mjs'], project).trim().split('\n').map(Number)
    expect(trained).toBeGreaterThan(0.9)
    expect(loaded).toBe(trained)
    expect(existsSync(join(project, 'iris.safetensors'))).toBe(true)
  })

  it('requires and trains from CommonJS (Node require of ESM), and refuses deep imports', () => {
    const r = runScript<{ accuracy: number; deep: string }>('cjs.cjs', [
      "const { adam, dense, evaluateModel, fit, key, layers, sequential, unwrap } = require('kiln')",
      "const { loadIrisOrThrow } = require('kiln/node')",
      ...TRAIN_IRIS,
      "let deep = 'imported'",
      "try { require('kiln/dist/api.js') } catch (e) { deep = e.code }",
      'console.log(JSON.stringify({ accuracy: evaluateModel(trained, iris).accuracy, deep }))',
    ])
    expect(r.accuracy).toBeGreaterThan(0.9)
    expect(r.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED')
  })

  it('runs the root entry under Deno, with no permission but reading the project (no env, net, sys or write)', () => {
    const env = { DENO_DIR: join(tmp, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1' }
    const deno = [join(BIN, 'deno'), 'run', '--node-modules-dir=manual', '--no-prompt', '--allow-read=.']
    const r = runScript<{ accuracy: number; compiled: number[] }>('deno.mjs', [
      "import { adam, add, compile, dense, evaluateModel, fit, flower, input, key, layers, mul, sequential, unwrap } from 'kiln'",
      'const data = flower(key(1), 200)',
      'const trained = unwrap(fit(sequential(dense(8), layers.tanh(), dense(2)), data, { epochs: 200, batchSize: 200, optimizer: adam(0.05), key: key(0) }))',
      "const x = input('x', [2])",
      'const exe = unwrap(compile([add(mul(x, x), 1)]))',
      'console.log(JSON.stringify({ accuracy: evaluateModel(trained, data).accuracy, compiled: Array.from(exe.run({ x: [2, 3] })[0]) }))',
    ], deno, env)
    expect(r.compiled).toEqual([5, 10])
    expect(r.accuracy).toBeGreaterThan(0.85)
  })

  it('type-checks a TypeScript user of the public types under node16, nodenext and bundler resolution', () => {
    writeFileSync(join(project, 'consumer.ts'), [
      "import { input, param, matmul, relu, add, fit, sequential, dense, layers, adam, key, flower, unwrap, isLeft, type Tensor, type FitResult, type Dataset, type Either, type FitError } from 'kiln'",
      "import { loadIris, type ReadOptions } from 'kiln/node'",
      "const x = input('x', [2, 3])",
      "const w = param('w', [3, 1])",
      'const y: Tensor<[2, 1]> = relu(add(matmul(x, w), 1))',
      'const data: Dataset = flower(key(1), 40)',
      'const r: Either<FitError, FitResult> = fit(sequential(dense(4), layers.tanh(), dense(2)), data, { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })',
      'const trained: FitResult = unwrap(r)',
      'const opts: ReadOptions = { maxInflatedBytes: 1024 }',
      'export const out = [y.shape[0], trained.history.length, isLeft(loadIris()), opts] as const',
      '// @ts-expect-error the product is [2, 1]',
      'export const wrong: Tensor<[3, 1]> = matmul(x, w)',
    ].join('\n'))
    const configs = {
      'tsconfig.node16.json': { module: 'node16', moduleResolution: 'node16', types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      'tsconfig.nodenext.json': { module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      'tsconfig.bundler.json': { module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] },
    }
    for (const [file, options] of Object.entries(configs)) {
      writeFileSync(join(project, file), JSON.stringify({ compilerOptions: { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, ...options }, files: ['consumer.ts'] }))
      expect(sh(join(BIN, 'tsc'), ['-p', file], project), file).toBe('')
    }
  })
})
