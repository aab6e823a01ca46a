/**
 * Runs the JSDoc `@example` blocks of src/nn with `'kiln'` resolving to the core API plus src/nn (as it
 * will once src/index.ts re-exports src/nn), and checks every exported value has an example.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import * as core from '../../src/index.js'
import * as nn from '../../src/nn/index.js'
import { exportedValues, extractExamples } from '../metrics/doctest.js'

const DIR = fileURLToPath(new URL('../../src/nn/', import.meta.url))
const kiln: Record<string, unknown> = { ...core, ...nn }
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
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]))
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const [ka, kb] = [Object.keys(a), Object.keys(b)]
    return close(ka.sort(), kb.sort()) && ka.every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return Object.is(a, b)
}

const check = (actual: unknown, expected: unknown, line: string): void => {
  const [a, b] = [normalize(actual), normalize(expected)]
  if (!close(a, b)) expect(a, line).toEqual(b)
}

describe('src/nn examples', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts')).sort()) {
    const source = readFileSync(join(DIR, file), 'utf8')
    it(`${file}: every exported value has an @example`, () => {
      const { all, documented } = exportedValues(source)
      expect(all.filter((n) => !documented.includes(n))).toEqual([])
    })
    extractExamples(source).forEach((example, i) => {
      it(`${file} example ${i + 1}`, () => {
        const req = (spec: string): unknown => {
          if (spec === 'kiln') return kiln
          throw new Error(`example imports '${spec}'; use 'kiln'`)
        }
        const js = ts.transpileModule(instrument(example), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
        new Function('require', 'exports', '__check', js)(req, {}, check)
      })
    })
  }
})
