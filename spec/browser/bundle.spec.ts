// The bundle budget and the platform split, checked on the same bundles `npm run size` prints.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BUDGET_GZIP_BYTES, bundleExample } from '../../bench/bundle.js'

describe('browser bundles', () => {
  it('a training script bundles under the gzip budget, without kiln/node', async () => {
    const b = await bundleExample('esm')
    process.stdout.write(`training bundle: ${b.bytes} bytes minified, ${b.gzipBytes} gzipped (budget ${BUDGET_GZIP_BYTES})\n`)
    expect(b.gzipBytes).toBeLessThan(BUDGET_GZIP_BYTES)
    expect(b.inputs.filter((p) => p.startsWith('src/node/'))).toEqual([])
    expect(b.inputs).toContain('src/train/fit.ts')
  })

  it('the whole root entry bundles for the browser with no node: module, process or Buffer', async () => {
    // Every export kept (the entry itself is bundled), so nothing Node-only can hide behind tree-shaking.
    const b = await bundleExample('esm', fileURLToPath(new URL('../../src/index.ts', import.meta.url)))
    expect(b.inputs.filter((p) => p.startsWith('src/node/'))).toEqual([])
    expect(b.code).not.toMatch(/["'`]node:|\bprocess\.|\bBuffer\.|\brequire\(/)
  })
})
