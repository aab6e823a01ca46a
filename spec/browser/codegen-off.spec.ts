// The same browser bundle in a Node VM realm with code generation from strings turned off (what a
// CSP without 'unsafe-eval' does to a page): Kiln must warn once and train on the interpreter. This
// covers the fallback on machines without Chromium; spec/browser/browser.spec.ts covers a real CSP.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createContext, runInContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { bundleExample, ROOT } from '../../bench/bundle.js'
import { CODEGEN_REFUSED_WARNING } from '../../src/compile/probe.js'
import { trainDigits } from '../../examples/browser/digits.js'

interface ExampleModule {
  trainDigits: typeof trainDigits
}

describe('a realm that refuses generated code', () => {
  it('warns once and trains on the reference interpreter', async () => {
    const bundle = await bundleExample('iife')
    const warnings: string[] = []
    const sandbox = {
      console: { warn: (m: string) => warnings.push(m), log: () => undefined },
      TextDecoder,
      setTimeout,
      clearTimeout,
      URLSearchParams,
    }
    const context = createContext(sandbox, { codeGeneration: { strings: false, wasm: false } })
    expect(() => runInContext('new Function("return 1")', context)).toThrow(/Code generation from strings disallowed/)
    runInContext(`${bundle.code};globalThis.KilnExample = KilnExample`, context)
    const example = (context as { KilnExample?: ExampleModule }).KilnExample!
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'data/digits.csv.gz')))
    const settings = { epochs: 2, hidden: 16 }
    const run = await example.trainDigits(bytes, settings)
    expect(warnings).toEqual([CODEGEN_REFUSED_WARNING])
    // The compiled engine in this realm agrees with the interpreter to 1e-12, so the runs agree.
    const compiled = await trainDigits(bytes, settings)
    expect(run.epochs).toBe(2)
    expect(run.accuracy).toBe(compiled.accuracy)
    expect(run.finalLoss).toBeCloseTo(compiled.finalLoss, 9)
    expect(run.accuracy).toBeGreaterThan(0.8)
  }, 120_000)
})
