/**
 * A small doctest runner for the JSDoc `@example` blocks of a source folder.
 *
 * Each example is transpiled with TypeScript and run. `import ... from 'kiln'` resolves to the
 * merged `index.ts` barrels of `src/metrics`, `src/report` and `src/plot`, relative imports to the folder's modules, `node:*` to Node. A line of the
 * form `expr // expected` (not a declaration) asserts that `expr` deep-equals `expected`, both
 * evaluated as JavaScript; typed arrays compare as arrays and numbers to 1e-12 relative.
 * It also asserts that every exported value (`export const|function|class`) has an `@example`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The `@example` bodies of every JSDoc block in `source`. */
export const extractExamples = (source: string): string[] => {
  const out: string[] = []
  for (const block of source.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    const lines = block.split('\n').slice(1, -1).map((l) => l.replace(/^\s*\* ?/, ''))
    const start = lines.findIndex((l) => l.trim() === '@example')
    if (start < 0) continue
    const body: string[] = []
    for (const l of lines.slice(start + 1)) {
      if (l.trim().startsWith('@')) break
      body.push(l)
    }
    out.push(body.join('\n'))
  }
  return out
}

/** Names of exported values, and of those whose preceding JSDoc has an `@example`. */
export const exportedValues = (source: string): { all: string[]; documented: string[] } => {
  const all = [...source.matchAll(/^export (?:const|function|class) (\w+)/gm)].map((m) => m[1]!)
  const documented = [
    ...source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export (?:const|function|class) (\w+)/g),
  ]
    .filter((m) => m[1]!.includes('@example'))
    .map((m) => m[2]!)
  return { all, documented }
}

const CHECK = /^(?!\s*(?:const|let|var|import|\/\/))(\S.*?)\s+\/\/ (.+)$/

/** Rewrites `expr // expected` lines into `__check(...)` calls. */
const instrument = (code: string): string =>
  code
    .split('\n')
    .map((line) => {
      const m = CHECK.exec(line)
      return m ? `__check(${m[1]}, ${m[2]}, ${JSON.stringify(line.trim())});` : line
    })
    .join('\n')

const normalize = (v: unknown): unknown =>
  ArrayBuffer.isView(v) && !(v instanceof DataView)
    ? Array.from(v as unknown as ArrayLike<number>)
    : Array.isArray(v)
      ? v.map(normalize)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]))
        : v

const close = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number')
    return Object.is(a, b) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]))
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort()
    const kb = Object.keys(b).sort()
    return close(ka, kb) && ka.every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return Object.is(a, b)
}

const check = (actual: unknown, expected: unknown, line: string): void => {
  const [a, b] = [normalize(actual), normalize(expected)]
  if (!close(a, b)) expect(a, line).toEqual(b)
}

const BARRELS = ['src/metrics/index.ts', 'src/report/index.ts', 'src/plot/index.ts']

/** The public names the examples import from 'kiln': the barrels above, merged. */
const loadKiln = async (): Promise<Record<string, unknown>> => {
  const merged: Record<string, unknown> = {}
  for (const b of BARRELS)
    if (existsSync(join(ROOT, b))) Object.assign(merged, await import(pathToFileURL(join(ROOT, b)).href))
  return merged
}

/** Registers one test per `@example` of every `.ts` file in `dir` (relative to the repo root). */
export const runExamples = (dir: string): void => {
  const abs = join(ROOT, dir)
  const files = readdirSync(abs).filter((f) => f.endsWith('.ts')).sort()
  const load = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(abs, file)).href)
  const nodeRequire = createRequire(import.meta.url)
  describe(`${dir} examples`, () => {
    for (const file of files) {
      const source = readFileSync(join(abs, file), 'utf8')
      it(`${file}: every exported value has an @example`, () => {
        const { all, documented } = exportedValues(source)
        expect(all.filter((n) => !documented.includes(n))).toEqual([])
      })
      extractExamples(source).forEach((example, i) => {
        it(`${file} example ${i + 1}`, async () => {
          const modules = new Map<string, Record<string, unknown>>()
          for (const f of files) modules.set(f, await load(f))
          const kiln = await loadKiln()
          const req = (spec: string): unknown => {
            if (spec === 'kiln') return kiln
            if (spec.startsWith('./')) return modules.get(spec.slice(2).replace(/\.js$/, '.ts'))
            return nodeRequire(spec)
          }
          const js = ts.transpileModule(instrument(example), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
          }).outputText
          new Function('require', 'exports', '__check', js)(req, {}, check)
        })
      })
    }
  })
}
