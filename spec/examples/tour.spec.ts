import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)

describe('README API tour', () => {
  it('is examples/tour.ts verbatim', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const tour = readFileSync(new URL('examples/tour.ts', root), 'utf8')
    expect(readme).toContain('```ts\n' + tour + '```')
  })

  it('runs as written and prints a passing gradient check', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/tour.ts'], { cwd: root, encoding: 'utf8' })
    const loss = /^loss (0\.\d+) dloss\/dw2\[0\] -?\d/m.exec(out)
    expect(loss).not.toBeNull()
    expect(out).toContain(`compiled loss ${loss![1]} (Executable:`)
    expect(out).toContain('gradcheck passed')
  })
})
