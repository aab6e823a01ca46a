/**
 * No import cycles under `src/`: a cycle makes module initialization order-dependent (a top-level
 * `const ONE = scalar(1)` in one module of the cycle throws "Cannot access before initialization"
 * when another module of it is imported first). Only run-time edges count: `import type`, `export
 * type` and imports whose every specifier is `type` are erased by the compiler, so they order nothing.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it, vi } from 'vitest'

const SRC = join(import.meta.dirname, '../../src')

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  )

/** The relative modules `file` imports at run time, as absolute `.ts` paths. */
const runtimeImports = (file: string): string[] => {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false)
  const out: string[] = []
  const add = (spec: ts.Expression | undefined) => {
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return
    out.push(normalize(join(dirname(file), spec.text.replace(/\.js$/, '.ts'))))
  }
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause
      if (clause?.isTypeOnly) continue
      const named = clause?.namedBindings
      const onlyTypes = clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)
      if (!onlyTypes) add(st.moduleSpecifier)
    } else if (ts.isExportDeclaration(st)) {
      const named = st.exportClause
      const onlyTypes = st.isTypeOnly || (named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly))
      if (!onlyTypes) add(st.moduleSpecifier)
    }
  }
  return out
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
const cycles = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const comp: string[] = []
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w)
      comp.push(relative(SRC, w))
      if (w === v) break
    }
    if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(comp.sort())
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

describe('imports', () => {
  it('src/ has no run-time import cycle', () => {
    const graph = new Map(sources(SRC).map((f) => [f, runtimeImports(f)]))
    expect(graph.size).toBeGreaterThan(50)
    expect(cycles(graph)).toEqual([])
  })

  it('finds a cycle when there is one (the checker can fail)', () => {
    const [a, b, c] = ['a.ts', 'b.ts', 'c.ts'].map((n) => join(SRC, n)) as [string, string, string]
    expect(cycles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([['a.ts', 'b.ts', 'c.ts']])
    expect(cycles(new Map([[a, [b]], [b, []]]))).toEqual([])
  })

  it('any module can be imported first (the op records before the API, the API alone)', async () => {
    for (const m of ['../../src/ops/elementwise.js', '../../src/optable.js', '../../src/api.js', '../../src/grad.js', '../../src/index.js']) {
      vi.resetModules()
      const mod = (await import(m)) as object
      expect(Object.keys(mod).length).toBeGreaterThan(0)
    }
  })
})
