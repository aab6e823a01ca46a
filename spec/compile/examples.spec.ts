/**
 * Runs the JSDoc `@example` blocks of the compiler's modules (src/compile, except the simplify pass's
 * files) and checks every exported value has one. `'kiln'` and `'../index.js'` resolve to the core API,
 * `'./x.js'` to the compiler module, `fp-ts/...` to fp-ts.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import * as core from '../../src/index.js'
import { exportedValues, extractExamples } from '../metrics/doctest.js'

const DIR = fileURLToPath(new URL('../../src/compile/', import.meta.url))
const OTHERS = new Set(['simplify.ts', 'rules.ts', 'rewrite.ts', 'simplifyPass.ts'])
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !OTHERS.has(f)).sort()
const CHECK = /^(?!\s*(?:const|let|var|import|\/\/))(\S.*?)\s+\/\/ (.+)$/
const req = createRequire(import.meta.url)

const instrument = (code: string): string =>
  code
    .split('\n')
    .map((line) => {
      const m = CHECK.exec(line)
      return m ? `__check(${m[1]}, ${m[2]}, ${JSON.stringify(line.trim())});` : line
    })
    .join('\n')

const normalize = (v: unknown): unknown =>
  ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : Array.isArray(v) ? v.map(normalize) : v

describe('src/compile examples', async () => {
  const modules = new Map<string, unknown>()
  for (const f of FILES) modules.set(`./${f.replace(/\.ts$/, '.js')}`, await import(pathToFileURL(join(DIR, f)).href))
  const resolve = (spec: string): unknown => {
    if (spec === 'kiln' || spec === '../index.js') return core
    const m = modules.get(spec)
    if (m !== undefined) return m
    if (spec.startsWith('fp-ts/')) return req(spec)
    throw new Error(`example imports '${spec}'`)
  }
  for (const file of FILES) {
    const source = readFileSync(join(DIR, file), 'utf8')
    it(`${file}: every exported value has an @example`, () => {
      const { all, documented } = exportedValues(source)
      expect(all.filter((n) => !documented.includes(n))).toEqual([])
    })
    extractExamples(source).forEach((example, i) => {
      it(`${file} example ${i + 1}`, () => {
        const check = (actual: unknown, expected: unknown, line: string) => expect(normalize(actual), line).toEqual(normalize(expected))
        const js = ts.transpileModule(instrument(example), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
        new Function('require', 'exports', '__check', js)(resolve, {}, check)
      })
    })
  }
})
