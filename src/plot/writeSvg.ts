/**
 * Atomic file output for rendered charts.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'

/**
 * Writes `svg` to `path` atomically: first to a temporary file in the same directory, then
 * renamed over `path`, so readers never see a half-written file. Returns the path, or the error
 * (the temporary file is removed on failure). Does not create directories.
 * @example
 * import { writeSvg, lineChart } from 'kiln'
 * import { rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const target = join(tmpdir(), `kiln-example-${process.pid}.svg`)
 * writeSvg(target, lineChart({ series: [] }))._tag // 'Right'
 * writeSvg(join(tmpdir(), 'no-such-dir-kiln', 'x.svg'), '<svg/>')._tag // 'Left'
 * rmSync(target)
 */
export const writeSvg = (path: string, svg: string): E.Either<Error, string> => {
  if (typeof path !== 'string' || path === '')
    return E.left(new Error(`writeSvg: path = ${JSON.stringify(path)}; expected a non-empty file path`))
  if (typeof svg !== 'string') return E.left(new Error(`writeSvg: svg is ${typeof svg}; expected a string`))
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    writeFileSync(tmp, svg, { encoding: 'utf8', flag: 'wx' })
    renameSync(tmp, path)
    return E.right(path)
  } catch (e) {
    try {
      unlinkSync(tmp)
    } catch {
      // the temporary file was never created
    }
    const reason = e instanceof Error ? e.message : String(e)
    return E.left(new Error(`writeSvg: could not write ${path}: ${reason}`, { cause: e }))
  }
}
