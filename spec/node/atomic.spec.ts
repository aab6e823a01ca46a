// writeFileAtomic under SIGKILL (issue 9): the target is always a whole version, and the next save
// removes the temporary files that killed saves left behind, but never a live writer's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanOrphans, tempName, writeFileAtomic } from '../../src/node/atomic.js'

const root = mkdtempSync(join(tmpdir(), 'kiln-atomic-spec-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SIZE = 8 * 2 ** 20
// Version v: a header naming v, then SIZE bytes of (v mod 251). Any mix of two versions shows.
const CONTENT = `(v) => { const b = Buffer.alloc(${SIZE}, v % 251); b.write('kiln v=' + String(v).padStart(8, '0') + '\\n'); return b }`
const content = new Function(`return ${CONTENT}`)() as (v: number) => Buffer

/** A child script (bundled once, so it starts in plain Node) that saves versions start, start+1, ... forever. */
const childScript = (): string => {
  const out = join(root, 'saver.mjs')
  const atomic = fileURLToPath(new URL('../../src/node/atomic.ts', import.meta.url))
  const source = `import { writeFileAtomic } from ${JSON.stringify(atomic)}
const content = ${CONTENT}
const [target, start, count] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a)))
process.stdout.write('ready\\n')
for (let v = start; v < start + count; v++) writeFileAtomic(target, content(v))
`
  const r = buildSync({ stdin: { contents: source, loader: 'ts', resolveDir: root }, bundle: true, platform: 'node', format: 'esm', write: false })
  writeFileSync(out, r.outputFiles[0]!.text)
  return out
}

const started = (child: ChildProcess): Promise<void> =>
  new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve())
    child.once('error', reject)
  })
const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))))

/** mulberry32: the kill moments from a fixed seed. */
const rng = (seed: number): (() => number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const versionOf = (bytes: Buffer): number => {
  const m = /^kiln v=(\d{8})\n/.exec(bytes.subarray(0, 16).toString('latin1'))
  return m === null ? -1 : Number(m[1])
}

const orphansIn = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'))

describe('writeFileAtomic killed mid-save (issue 9)', () => {
  it('20 SIGKILLs at random moments: the target is always a whole version, and the next save leaves no orphans', async () => {
    const script = childScript()
    const dir = join(root, 'kills')
    mkdirSync(dir)
    const target = join(dir, 'model.bin')
    writeFileAtomic(target, content(0))
    const random = rng(9)
    let next = 1
    let orphaned = 0
    // ~20 kills; a few more only if none has landed mid-save yet (about a quarter do)
    for (let kill = 0; kill < 20 || (orphaned === 0 && kill < 40); kill++) {
      const child = spawn(process.execPath, [script, target, String(next), '1000'], { stdio: ['ignore', 'pipe', 'inherit'] })
      await started(child)
      await new Promise((r) => setTimeout(r, random() * 80))
      child.kill('SIGKILL')
      await exited(child)
      const bytes = readFileSync(target)
      const v = versionOf(bytes)
      // a whole version the child (or an earlier one) could have written, never a mix or a part
      expect(v >= 0 && v < next + 1000 && bytes.equals(content(v)), `kill ${kill}: version ${v}, ${bytes.length} bytes`).toBe(true)
      if (orphansIn(dir).length > 0) orphaned++
      next += 1000
      // the next save, by this process, of the same target
      writeFileAtomic(target, content(next))
      expect(orphansIn(dir), `kill ${kill}`).toEqual([])
      expect(readdirSync(dir)).toEqual(['model.bin'])
      next++
    }
    // the kills did land mid-save (else this test would prove nothing)
    expect(orphaned).toBeGreaterThan(0)
  })

  it('two processes saving the same file at once do not remove each other\'s temporary files', async () => {
    const script = childScript()
    const dir = join(root, 'concurrent')
    mkdirSync(dir)
    const target = join(dir, 'shared.bin')
    const children = [1, 2].map((k) => spawn(process.execPath, [script, target, String(k * 100_000), '15'], { stdio: ['ignore', 'pipe', 'pipe'] }))
    const errors = children.map((c) => {
      let text = ''
      c.stderr!.on('data', (d: Buffer) => (text += d.toString()))
      return () => text
    })
    const codes = await Promise.all(children.map(exited))
    expect(codes, errors.map((e) => e()).join('\n')).toEqual([0, 0])
    expect(readdirSync(dir)).toEqual(['shared.bin'])
    const v = versionOf(readFileSync(target))
    expect([100_014, 200_014]).toContain(v)
  })
})

describe('cleanOrphans', () => {
  const base = 'values.json'
  const setup = (name: string): { dir: string; target: string } => {
    const dir = join(root, name)
    mkdirSync(dir)
    return { dir, target: join(dir, base) }
  }
  const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!
  /** The name a save of `name` by process `pid` on this host would use. */
  const withPid = (name: string, pid: number): string => {
    const t = tempName(name)
    const at = name.length + 2 + 8 // past '.', the name, '.' and the host hash
    return `${t.slice(0, at)}${pid.toString(16).padStart(8, '0')}${t.slice(at + 8)}`
  }
  const backdate = (file: string): void => utimesSync(file, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000))

  it('removes exactly the orphans: a dead writer\'s file, or any writer\'s file older than the grace period', () => {
    const { dir, target } = setup('rules')
    const live = tempName(base) // this process: alive
    const dead = withPid(base, deadPid())
    const elsewhere = `.${base}.00000000${dead.slice(base.length + 10)}` // another host: its pid means nothing here
    const legacy = `.${base}.0123456789ab.tmp` // the old naming, no writer named
    const oldLegacy = `.${base}.ba9876543210.tmp`
    const oldElsewhere = `.${base}.11111111${dead.slice(base.length + 10)}`
    const strangers = [`.${base}.xyz.tmp`, `.${base}.0123456789ab.tmp.bak`, `.other.json.0123456789ab.tmp`, `${base}.0123456789ab.tmp`, `.${base}.0123456789AB.tmp`]
    for (const n of [live, dead, elsewhere, legacy, oldLegacy, oldElsewhere, ...strangers]) writeFileSync(join(dir, n), 'x')
    backdate(join(dir, oldLegacy))
    backdate(join(dir, oldElsewhere))
    mkdirSync(join(dir, `.${base}.fedcba987654.tmp`)) // a folder is never removed
    backdate(join(dir, `.${base}.fedcba987654.tmp`))
    expect([...cleanOrphans(target)].sort()).toEqual([dead, oldElsewhere, oldLegacy].sort())
    expect(readdirSync(dir).sort()).toEqual([live, elsewhere, legacy, ...strangers, `.${base}.fedcba987654.tmp`].sort())
  })

  it('a save removes its own target\'s orphans only; the name is matched literally', () => {
    const { dir } = setup('literal')
    const name = 'a+b(1).json'
    const pid = deadPid()
    const other = withPid(base, pid)
    writeFileSync(join(dir, withPid(name, pid)), 'x')
    writeFileSync(join(dir, other), 'x')
    writeFileAtomic(join(dir, name), 'new')
    expect(readdirSync(dir).sort()).toEqual([other, name].sort())
    expect(readFileSync(join(dir, name), 'utf8')).toBe('new')
  })
})
