/**
 * Doctest runner for the JSDoc `@example` blocks of `src/random` and `src/data` (same conventions as
 * the project's other example runners): each example is transpiled with TypeScript and run;
 * `import ... from 'kiln'` resolves to the `random` and `data` barrels, `./x.js` to the folder's
 * modules, anything else to Node. A line `expr // expected` (not a declaration or comment) asserts
 * that `expr` deep-equals `expected`; typed arrays compare as arrays, numbers to 1e-12 relative.
 * Also asserts that every exported value of the folder has an `@example`.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import * as data from '../../src/data/index.js'
import * as random from '../../src/random/index.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const KILN: Record<string, unknown> = { ...random, ...data }

const examplesOf = (source: string): string[] => {
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

const undocumented = (source: string): string[] => {
  const all = [...source.matchAll(/^export (?:const|function|class) (\w+)/gm)].map((m) => m[1]!)
  const documented = [...source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export (?:const|function|class) (\w+)/g)]
    .filter((m) => m[1]!.includes('@example'))
    .map((m) => m[2]!)
  return all.filter((n) => !documented.includes(n))
}

const CHECK = /^(?!\s*(?:const|let|var|import|\/\/))(\S.*?)\s+\/\/ (.+)$/

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

/** Registers one test per `@example` of every `.ts` file in `dir` (relative to the repo root). */
export const runExamples = (dir: string): void => {
  const abs = join(ROOT, dir)
  const files = readdirSync(abs).filter((f) => f.endsWith('.ts')).sort()
  const nodeRequire = createRequire(import.meta.url)
  describe(`${dir} examples`, () => {
    for (const file of files) {
      const source = readFileSync(join(abs, file), 'utf8')
      it(`${file}: every exported value has an @example`, () => {
        expect(undocumented(source)).toEqual([])
      })
      examplesOf(source).forEach((example, i) => {
        it(`${file} example ${i + 1}`, async () => {
          const modules = new Map<string, Record<string, unknown>>()
          for (const f of files) modules.set(f, (await import(pathToFileURL(join(abs, f)).href)) as Record<string, unknown>)
          const req = (spec: string): unknown => {
            if (spec === 'kiln') return KILN
            if (spec.startsWith('./')) {
              const m = modules.get(spec.slice(2).replace(/\.js$/, '.ts'))
              if (m === undefined) throw new Error(`example imports unknown module ${spec}`)
              return m
            }
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
