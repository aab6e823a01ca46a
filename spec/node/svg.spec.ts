import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { lineChart } from '../../src/plot/lineChart.js'
import { writeSvg } from '../../src/node/index.js'

const dir = mkdtempSync(join(tmpdir(), 'kiln-writeSvg-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writeSvg', () => {
  it('writes the file and returns its path', () => {
    const svg = lineChart({ series: [{ name: 'a', x: [0, 1], y: [1, 0] }] })
    const path = join(dir, 'chart.svg')
    expect(writeSvg(path, svg)).toEqual(E.right(path))
    expect(readFileSync(path, 'utf8')).toBe(svg)
    expect(readdirSync(dir)).toEqual(['chart.svg']) // no temporary file left behind
  })

  it('replaces an existing file', () => {
    const path = join(dir, 'replace.svg')
    writeFileSync(path, 'old')
    expect(E.isRight(writeSvg(path, '<svg/>'))).toBe(true)
    expect(readFileSync(path, 'utf8')).toBe('<svg/>')
  })

  it('returns Left when the directory does not exist', () => {
    const r = writeSvg(join(dir, 'missing', 'x.svg'), '<svg/>')
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) expect(r.left.message).toMatch(/^writeSvg: could not write .*missing\/x\.svg: ENOENT/)
  })

  it('returns Left and removes the temporary file when the rename fails', () => {
    const sub = join(dir, 'rename')
    mkdirSync(join(sub, 'target.svg'), { recursive: true }) // a directory where the file should go
    const r = writeSvg(join(sub, 'target.svg'), '<svg/>')
    expect(E.isLeft(r)).toBe(true)
    expect(readdirSync(sub)).toEqual(['target.svg'])
  })

  it('returns Left for an empty path', () => {
    const r = writeSvg('', '<svg/>')
    expect(E.isLeft(r) && r.left.message).toBe('writeSvg: path = ""; expected a non-empty file path')
  })
})
