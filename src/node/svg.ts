/**
 * Atomic file output for rendered charts.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { writeFileAtomic } from './atomic.js'

/**
 * Writes `svg` to `path` atomically: first to a temporary file in the same directory, then
 * renamed over `path`, so readers never see a half-written file. Returns the path, or the error
 * (the temporary file is removed on failure). Does not create directories.
 * @example
 * import { lineChart } from 'kiln'
 * import { writeSvg } from 'kiln/node'
 * import { rmSync } from 'node:fs'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * const target = join(tmpdir(), `kiln-example-svg.svg`)
 * writeSvg(target, lineChart({ series: [] }))._tag // 'Right'
 * writeSvg(join(tmpdir(), 'no-such-dir-kiln', 'x.svg'), '<svg/>')._tag // 'Left'
 * rmSync(target)
 */
export const writeSvg = (path: string, svg: string): E.Either<Error, string> => {
  if (typeof path !== 'string' || path === '')
    return E.left(new Error(`writeSvg: path = ${JSON.stringify(path)}; expected a non-empty file path`))
  if (typeof svg !== 'string') return E.left(new Error(`writeSvg: svg is ${typeof svg}; expected a string`))
  try {
    writeFileAtomic(path, svg)
    return E.right(path)
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e)
    return E.left(new Error(`writeSvg: could not write ${path}: ${reason}`, { cause: e }))
  }
}
