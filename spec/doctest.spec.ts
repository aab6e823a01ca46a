// The doctest runner must be able to fail: wrong values, prose after an expression, ASI traps, bad imports.
import { describe, expect, it } from 'vitest'
import { extractExamples, instrument, runExample, sameValue, undocumentedExports } from './doctest.js'

const SRC = new URL('../src/', import.meta.url).pathname

describe('doctest runner', () => {
  it('extracts multi-line and inline examples with their lines', () => {
    const source = ['/**', ' * Doc.', ' * @example', ' * f() // 1', ' * @see g', ' */', '/** Inline. @example g() // 2 */'].join('\n')
    expect(extractExamples(source)).toEqual([
      { code: 'f() // 1', line: 3 },
      { code: 'g() // 2', line: 7 },
    ])
  })

  it('finds exported values without an example, including let, enum and destructured names', () => {
    const source = [
      '/** @example f() */ export function f() {}',
      'export let a = 1',
      'export const { b, c } = { b: 1, c: 2 }',
      'export enum E { X }',
      '/** Doc only. */ export class K {}',
      'export type T = number',
    ].join('\n')
    expect(undocumentedExports(source)).toEqual(['a', 'b', 'c', 'E', 'K'])
  })

  it('compares typed arrays as arrays, NaN as equal, numbers to 1e-12, Maps and Errors by contents', () => {
    expect(sameValue(Float64Array.of(1, NaN), [1, NaN])).toBe(true)
    expect(sameValue(0.1 + 0.2, 0.3)).toBe(true)
    expect(sameValue(1, 1 + 1e-9)).toBe(false)
    expect(sameValue(new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false)
    expect(sameValue(new Error('x'), new Error('y'))).toBe(false)
    expect(sameValue({ a: 1, b: undefined }, { a: 1 })).toBe(false)
    expect(sameValue([1, 2], { 0: 1, 1: 2 })).toBe(false)
  })

  it('checks only expression statements, and handles // inside strings', () => {
    expect(instrument("const x = 1 // 2\nx // 1")).toContain('__check(() => (x)')
    expect(instrument("const x = 1 // 2")).not.toContain('__check')
    expect(instrument("'a // b' // 'a // b'")).toContain(`__check(() => ('a // b'), () => ('a // b'`)
  })

  const run = (code: string) => runExample(code, SRC)
  it('passes true examples and fails wrong ones with the line', async () => {
    await expect(run("import { sizeOf } from 'kiln'\nsizeOf([2, 3]) // 6")).resolves.toBeUndefined()
    await expect(run("import { sizeOf } from 'kiln'\nsizeOf([2, 3]) // 7")).rejects.toThrow('sizeOf([2, 3]) // 7')
    await expect(run('[1, 2].map((x) => {\n  x > 0 // false\n})')).rejects.toThrow('x > 0 // false')
  })

  it('fails prose after an expression, lines continued by ASI, and unknown imports', async () => {
    await expect(run('Math.max(1, 2) // the larger one')).rejects.toThrow('not a JavaScript expression')
    await expect(run('const p = [2, 1]\n[...p].sort() // [1, 2]')).rejects.toThrow("line 2 starts with '['")
    await expect(run("import { nope } from 'kiln'")).rejects.toThrow("nope from 'kiln' (src/index.ts)")
    await expect(run("import { x } from '../spec/arbitraries.js'")).rejects.toThrow('not a module of src/')
    await expect(run("import { x } from 'vitest'")).rejects.toThrow("example imports 'vitest'")
  })
})
