/**
 * The project's one doctest runner: it runs the JSDoc `@example` blocks of `src/` modules and checks
 * that every exported value has one.
 *
 * - Extraction: every `@example` tag of every JSDoc block, multi-line (`* @example` then the code,
 *   up to the next `@tag` or the end of the block) or inline (`/** Doc. @example code *\/`).
 * - Imports: `'kiln'` is `src/index.ts` and `'kiln/node'` is `src/node/index.ts` (what users get); `./x.js` and `../x/y.js` are the `src/`
 *   modules next to the documented file; `node:*` builtins and the package's runtime dependencies
 *   (fp-ts, io-ts) load normally. Anything else, or a named import the module does not export, fails
 *   the example with a message naming it.
 * - Checks: an expression statement followed on its last line by `// expected` asserts that the
 *   expression's value equals `expected` (any JavaScript expression). The statement is found with the
 *   TypeScript parser, so `//` inside strings and multi-line expressions are handled and declarations
 *   (`const x = f() // note`) are never checks. Values compare deeply: typed arrays as arrays, Maps and
 *   Sets by contents, Errors by name and message, numbers to 1e-12 relative (absolute below 1), NaN
 *   equals NaN.
 *
 * The example code is evaluated with `new Function`: that is acceptable only because it comes from
 * this repository's own `src/` files (the runner refuses any other folder) and can reach only the
 * modules listed above through its `require`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { inspect } from 'node:util'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import * as kiln from '../src/index.js'
import * as kilnNode from '../src/node/index.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SRC = join(ROOT, 'src')
const nodeRequire = createRequire(import.meta.url)
const PACKAGES: readonly string[] = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {},
)

type Module = Readonly<Record<string, unknown>>

/** One `@example` body and the 1-based source line of its tag. */
export interface Example {
  readonly code: string
  readonly line: number
}

// ---------- extraction ----------

const TAG = /(?:^|\s)@(\w+)/g

/** The `@example` bodies of every JSDoc block in `source`, with the line of each tag. */
export const extractExamples = (source: string): Example[] => {
  const out: Example[] = []
  for (const block of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const firstLine = source.slice(0, block.index).split('\n').length
    // Strip the comment's `*` gutters, keeping each line's own indentation.
    const lines = block[1]!.split('\n').map((l, i) => (i === 0 ? l : l.replace(/^\s*\* ?/, '')))
    const text = lines.join('\n')
    const tags = [...text.matchAll(TAG)].map((m) => ({ name: m[1]!, start: m.index + m[0].indexOf('@'), end: m.index + m[0].length }))
    tags.forEach((tag, i) => {
      if (tag.name !== 'example') return
      // A multi-line example ends at the next tag that starts a line; inline text runs to the block's end.
      const next = tags.slice(i + 1).find((t) => /(^|\n)\s*$/.test(text.slice(0, t.start)))
      const code = text.slice(tag.end, next?.start ?? text.length).replace(/^[ \t]*\n?/, '').replace(/\s+$/, '')
      out.push({ code, line: firstLine + text.slice(0, tag.start).split('\n').length - 1 })
    })
  }
  return out
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const bindingNames = (name: ts.BindingName): string[] =>
  ts.isIdentifier(name) ? [name.text] : name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)))

/** The value names a top-level statement exports (types and re-exports export no values here). */
const exportedNames = (st: ts.Statement): string[] => {
  if (!isExported(st)) return []
  if (ts.isVariableStatement(st)) return st.declarationList.declarations.flatMap((d) => bindingNames(d.name))
  if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name !== undefined) return [st.name.text]
  return []
}

const hasExample = (st: ts.Statement): boolean => {
  const node = ts.isVariableStatement(st) ? st.declarationList.declarations[0] ?? st : st
  return ts.getJSDocTags(node).some((t) => t.tagName.text === 'example')
}

/** Exported values of `source` without an `@example` (an overload set needs one on any signature). */
export const undocumentedExports = (source: string): string[] => {
  const sf = ts.createSourceFile('module.ts', source, ts.ScriptTarget.Latest, true)
  const all = new Set<string>()
  const documented = new Set<string>()
  for (const st of sf.statements)
    for (const name of exportedNames(st)) {
      all.add(name)
      if (hasExample(st)) documented.add(name)
    }
  return [...all].filter((n) => !documented.has(n))
}

// ---------- instrumentation ----------

const parses = (expression: string): boolean =>
  (ts.transpileModule(`(${expression}\n);`, { reportDiagnostics: true }).diagnostics ?? []).length === 0

/**
 * The first place where a line starting with `[` or `(` continues the previous line (no automatic
 * semicolon there), which turns `f(x)` then `[a, b] // ...` into the index expression `f(x)[a, b]`.
 */
const continuedLine = (sf: ts.SourceFile): string | undefined => {
  const line = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line
  let found: string | undefined
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return
    if (ts.isElementAccessExpression(node) || ts.isCallExpression(node)) {
      const open = node.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.OpenBracketToken || c.kind === ts.SyntaxKind.OpenParenToken)
      const start = open?.getStart(sf) ?? -1
      const l = line(start)
      if (open !== undefined && l > line(node.expression.end) && sf.text.slice(sf.getPositionOfLineAndCharacter(l, 0), start).trim() === '')
        found = `example line ${l + 1} starts with '${open.getText(sf)}', so it continues the line before it ` +
          `(\`${node.expression.getText(sf).split('\n').at(-1)!.trim()}${open.getText(sf)}...\`); start it differently`
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

/**
 * Rewrites every `expr // expected` expression statement into `__check(() => (expr), () => (expected),
 * label)`. A trailing comment that is not a JavaScript expression is an error, not a silent no-op.
 */
export const instrument = (code: string): string => {
  const sf = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, true)
  const continued = continuedLine(sf)
  if (continued !== undefined) return `throw new Error(${JSON.stringify(continued)});`
  const edits: { start: number; end: number; text: string }[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      const comment = (ts.getTrailingCommentRanges(code, node.end) ?? []).find((c) => c.kind === ts.SyntaxKind.SingleLineCommentTrivia)
      if (comment !== undefined) {
        const expected = code.slice(comment.pos + 2, comment.end).trim()
        const expr = node.expression.getText(sf)
        const label = JSON.stringify(`${expr} // ${expected}`)
        const text = parses(expected)
          ? `__check(() => (${expr}), () => (${expected}\n), ${label});`
          : `throw new Error(${JSON.stringify(`the comment after \`${expr}\` is not a JavaScript expression: // ${expected}`)});`
        edits.push({ start: node.getStart(sf), end: comment.end, text })
        return
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return edits.reduceRight((acc, e) => acc.slice(0, e.start) + e.text + acc.slice(e.end), code)
}

// ---------- comparison ----------

const normalize = (v: unknown): unknown => {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>)
  if (Array.isArray(v)) return v.map(normalize)
  if (v instanceof Map) return { Map: [...v].map(normalize) }
  if (v instanceof Set) return { Set: [...v].map(normalize) }
  if (v instanceof Error) return { Error: v.name, message: v.message }
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]))
  return v
}

const close = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => close(x, b[i]))
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort()
    const kb = Object.keys(b).sort()
    return close(ka, kb) && ka.every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}

/** Whether two example values are equal under the doctest rules (see the module comment). */
export const sameValue = (actual: unknown, expected: unknown): boolean => close(normalize(actual), normalize(expected))

const attempt = <A>(what: string, label: string, f: () => A): A => {
  try {
    return f()
  } catch (e) {
    throw new Error(`${label}: evaluating the ${what} threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
}

const check = (actual: () => unknown, expected: () => unknown, label: string): void => {
  const [a, b] = [normalize(attempt('expression', label, actual)), normalize(attempt('expected value', label, expected))]
  if (close(a, b)) return
  expect(a, label).toEqual(b) // for vitest's readable diff
  throw new Error(`${label}: got ${inspect(a, { depth: 6 })}, expected ${inspect(b, { depth: 6 })}`)
}

// ---------- module resolution ----------

const importSpecs = (code: string): { spec: string; names: string[] }[] =>
  ts
    .createSourceFile('example.ts', code, ts.ScriptTarget.Latest)
    .statements.filter(ts.isImportDeclaration)
    .filter((d) => !d.importClause?.isTypeOnly)
    .map((d) => {
      const b = d.importClause?.namedBindings
      const named = b !== undefined && ts.isNamedImports(b) ? b.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text) : []
      return { spec: (d.moduleSpecifier as ts.StringLiteral).text, names: d.importClause?.name !== undefined ? [...named, 'default'] : named }
    })

/** Loads what an example in `fromDir` may import, or says why it may not. */
const load = async (spec: string, fromDir: string): Promise<Module> => {
  if (spec === 'kiln') return kiln
  if (spec === 'kiln/node') return kilnNode
  if (spec.startsWith('.')) {
    const file = resolve(fromDir, spec.replace(/\.js$/, '.ts'))
    if (!file.startsWith(SRC + sep) || !existsSync(file)) throw new Error(`example imports '${spec}', which is not a module of src/`)
    return (await import(pathToFileURL(file).href)) as Module
  }
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
  if (spec.startsWith('node:') || PACKAGES.includes(pkg)) return nodeRequire(spec) as Module
  throw new Error(`example imports '${spec}'; examples may import 'kiln', 'kiln/node', src/ modules, node:* and ${PACKAGES.join(', ')}`)
}

/** Runs one example (already extracted) of a file in `fromDir`; throws on a failed check. */
export const runExample = async (code: string, fromDir: string): Promise<void> => {
  const modules = new Map<string, Module>()
  for (const { spec, names } of importSpecs(code)) {
    const m = modules.get(spec) ?? (await load(spec, fromDir))
    modules.set(spec, m)
    const missing = names.filter((n) => !(n in m))
    const where = spec === 'kiln' ? "'kiln' (src/index.ts)" : spec === 'kiln/node' ? "'kiln/node' (src/node/index.ts)" : `'${spec}'`
    if (missing.length > 0) throw new Error(`example imports ${missing.join(', ')} from ${where}, which does not export ${missing.length > 1 ? 'them' : 'it'}`)
  }
  const js = ts.transpileModule(instrument(code), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
  }).outputText
  const req = (spec: string): Module => {
    const m = modules.get(spec)
    if (m === undefined) throw new Error(`example requires '${spec}' outside an import declaration`)
    return m
  }
  new Function('require', 'exports', '__check', js)(req, {}, check)
}

// ---------- registration ----------

/** Which files of a folder to run: all `.ts` files by default. */
export interface RunOptions {
  readonly only?: readonly string[]
  readonly exclude?: readonly string[]
}

/**
 * Registers, for every `.ts` file of `dir` (a folder under `src/`, relative to the repository root),
 * a test that its exported values have examples and one test per example.
 */
export const runExamples = (dir: string, options: RunOptions = {}): void => {
  const abs = resolve(ROOT, dir)
  if (abs !== SRC && !abs.startsWith(SRC + sep)) throw new Error(`runExamples: '${dir}' is not a folder of src/`)
  const files = readdirSync(abs)
    .filter((f) => f.endsWith('.ts') && (options.only?.includes(f) ?? true) && !(options.exclude?.includes(f) ?? false))
    .sort()
  for (const f of options.only ?? []) if (!files.includes(f)) throw new Error(`runExamples: ${dir}/${f} does not exist`)
  describe(`${relative(ROOT, abs)} examples`, () => {
    for (const file of files) {
      const source = readFileSync(join(abs, file), 'utf8')
      it(`${file}: every exported value has an @example`, () => {
        expect(undocumentedExports(source)).toEqual([])
      })
      extractExamples(source).forEach((example, i) => {
        it(`${file} example ${i + 1} (line ${example.line})`, () => runExample(example.code, dirname(join(abs, file))))
      })
    }
  })
}
