/**
 * Atomic file output: write a temporary file in the target's folder, then rename it over the target,
 * so a reader (or a crash) never sees half a file. A save killed before its rename leaves its
 * temporary file behind; the next save of the same target removes such orphans.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'

/**
 * How old (by modification time) another writer's temporary file must be before a save removes it
 * without knowing that its writer is dead: 60 s. Writing a file keeps touching its modification time,
 * so only a writer stalled this long between writes (or one on another host with a skewed clock)
 * could lose its file; its rename then fails and the target keeps its old content.
 * @example
 * import { ORPHAN_GRACE_MS } from './atomic.js'
 * ORPHAN_GRACE_MS // 60000
 */
export const ORPHAN_GRACE_MS = 60_000

// The name says who writes: 8 hex of the host name's hash, 8 hex of the pid, 12 random hex. Older
// versions wrote only the 12 random hex; such files are removed by age alone.
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
const OURS = /^[0-9a-f]{28}$/
const LEGACY = /^[0-9a-f]{12}$/

/**
 * The temporary file name a save of `base` by this process uses: `.${base}.${hex}.tmp`.
 * @example
 * import { tempName } from './atomic.js'
 * /^\.model\.json\.[0-9a-f]{28}\.tmp$/.test(tempName('model.json')) // true
 */
export const tempName = (base: string): string =>
  `.${base}.${HOST}${process.pid.toString(16).padStart(8, '0').slice(-8)}${randomBytes(6).toString('hex')}.tmp`

/** True unless the process is known to be gone (signal 0 probes without sending anything). */
const alive = (pid: number): boolean => {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return !(typeof e === 'object' && e !== null && 'code' in e && e.code === 'ESRCH')
  }
}

const isOrphan = (hex: string, mtimeMs: number, now: number): boolean => {
  if (now - mtimeMs > ORPHAN_GRACE_MS) return true
  // a pid names a live writer only on its own host (a shared network folder has others)
  return OURS.test(hex) && hex.slice(0, 8) === HOST && !alive(Number.parseInt(hex.slice(8, 16), 16))
}

/**
 * Removes the temporary files that interrupted saves of `path` left behind: exactly the names
 * `.${base}.${hex}.tmp` in its folder whose writer is dead (same host, pid gone) or that are older
 * than `ORPHAN_GRACE_MS`. A live writer's file is kept, so two concurrent saves do not break each
 * other. Best effort: returns the names removed, never throws.
 * @example
 * import { cleanOrphans } from './atomic.js'
 * cleanOrphans('/no/such/folder/model.json') // []
 */
export const cleanOrphans = (path: string): readonly string[] => {
  const dir = dirname(path)
  const prefix = `.${basename(path)}.`
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return removed
  }
  const now = Date.now()
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const hex = name.slice(prefix.length, -'.tmp'.length)
    if (!OURS.test(hex) && !LEGACY.test(hex)) continue
    const file = join(dir, name)
    try {
      const st = lstatSync(file)
      if (st.isFile() && isOrphan(hex, st.mtimeMs, now)) {
        rmSync(file, { force: true })
        removed.push(name)
      }
    } catch {
      // gone already (another save cleaned it, or its writer renamed it): nothing to do
    }
  }
  return removed
}

/**
 * Writes `path` atomically by streaming: opens a fresh temporary file in the same folder, lets
 * `write(fd)` write it piece by piece (`fs.writeSync`), flushes it to disk (`fsync`) and renames it
 * over `path`. Nothing is held in memory but what `write` holds, so a large file needs no second
 * copy. Any error (from `write` too) removes the temporary file, leaves `path` as it was, and is
 * thrown. After the rename, removes orphaned temporary files of the same target (see `cleanOrphans`).
 * @example
 * import { writeFileAtomicWith } from './atomic.js'
 * import { mkdtempSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-atomic-'))
 * writeFileAtomicWith(join(dir, 'a.txt'), (fd) => { writeSync(fd, 'ab'); writeSync(fd, 'c') })
 * readFileSync(join(dir, 'a.txt'), 'utf8') // 'abc'
 * try { writeFileAtomicWith(join(dir, 'a.txt'), (fd) => { writeSync(fd, 'x'); throw new Error('disk full') }) } catch (e) { (e as Error).message } // 'disk full'
 * readFileSync(join(dir, 'a.txt'), 'utf8') // 'abc'
 * readdirSync(dir) // ['a.txt']
 * rmSync(dir, { recursive: true })
 */
export const writeFileAtomicWith = (path: string, write: (fd: number) => void): void => {
  const tmp = join(dirname(path), tempName(basename(path)))
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx')
    write(fd)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, path)
  } catch (e) {
    try {
      if (fd !== undefined) closeSync(fd)
    } catch {
      // the write's error is the one to report; the descriptor is gone either way
    }
    rmSync(tmp, { force: true })
    throw e
  }
  cleanOrphans(path)
}

/**
 * Writes `data` to `path` atomically (`writeFileAtomicWith` writing it in one piece, so it is flushed
 * to disk before the rename); throws the file system's error (the temporary file removed). Does not
 * create folders. After the rename, removes orphaned temporary files of the same target (see `cleanOrphans`).
 * @example
 * import { writeFileAtomic } from './atomic.js'
 * import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-atomic-'))
 * writeFileAtomic(join(dir, 'a.txt'), 'new')
 * readFileSync(join(dir, 'a.txt'), 'utf8') // 'new'
 * readdirSync(dir) // ['a.txt']
 * rmSync(dir, { recursive: true })
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void =>
  writeFileAtomicWith(path, (fd) => writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data))

/**
 * The most bytes one `fs.readSync` or `fs.writeSync` call is asked to move: 1 GiB (they take at most 2 GiB).
 * @example
 * import { IO_CHUNK_BYTES } from './atomic.js'
 * IO_CHUNK_BYTES // 2 ** 30
 */
export const IO_CHUNK_BYTES = 2 ** 30

/**
 * Writes all of `bytes` to `fd` at its current position: `fs.writeSync` may write less than asked, and
 * takes at most 2 GiB per call, so this loops in chunks of at most `IO_CHUNK_BYTES`.
 * @example
 * import { writeAll } from './atomic.js'
 * import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-atomic-'))
 * const fd = openSync(join(dir, 'b.bin'), 'w')
 * writeAll(fd, Uint8Array.of(1, 2, 3))
 * closeSync(fd)
 * Array.from(readFileSync(join(dir, 'b.bin'))) // [1, 2, 3]
 * rmSync(dir, { recursive: true })
 */
export const writeAll = (fd: number, bytes: Uint8Array): void => {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, Math.min(bytes.length - at, IO_CHUNK_BYTES))
}
