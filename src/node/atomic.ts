/**
 * Atomic file output: write a temporary file in the target's folder, then rename it over the target,
 * so a reader (or a crash) never sees half a file.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `data` to `path` atomically; throws the file system's error (the temporary file removed).
 * Does not create folders.
 * @example
 * import { writeFileAtomic } from './atomic.js'
 * import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const dir = mkdtempSync(join(tmpdir(), 'kiln-atomic-'))
 * writeFileAtomic(join(dir, 'a.txt'), 'new')
 * readFileSync(join(dir, 'a.txt'), 'utf8') // 'new'
 * rmSync(dir, { recursive: true })
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void => {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(tmp, data, { flag: 'wx' })
    renameSync(tmp, path)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
}
