// Kiln in a real browser: the esbuild bundle of examples/browser/digits.ts trains an MLP in headless
// Chromium (Debian's package, driven by playwright-core; nothing downloads a browser), once with a
// normal page and once under a Content Security Policy without 'unsafe-eval', where Kiln must warn
// once and fall back to the reference interpreter instead of throwing. Skipped, with the reason
// printed, only where no Chromium is installed; .ci/run installs it.
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CODEGEN_REFUSED_WARNING } from '../../src/compile/probe.js'
import { bundleExample, ROOT } from '../../bench/bundle.js'

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
if (CHROMIUM === undefined) console.warn('spec/browser: skipped, no Chromium found (apt-get install chromium)')

interface PageResult {
  readonly accuracy?: number
  readonly epochs?: number
  readonly ticks?: number
  readonly lines?: number
  readonly where?: string
  readonly error?: string
}

/** Serves the example page on loopback, with the given CSP header (if any). */
const serve = (files: Readonly<Record<string, { body: string | Buffer; type: string }>>, csp: string | undefined): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      const f = files[new URL(req.url ?? '/', 'http://localhost').pathname]
      if (f === undefined) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': f.type, ...(csp === undefined ? {} : { 'content-security-policy': csp }) }).end(f.body)
    })
    server.listen(0, '127.0.0.1', () => resolve(server))
  })

describe.skipIf(CHROMIUM === undefined)('the browser example in headless Chromium', () => {
  let browser: Browser
  let files: Record<string, { body: string | Buffer; type: string }>
  beforeAll(async () => {
    const bundle = await bundleExample('esm')
    files = {
      '/': { body: readFileSync(join(ROOT, 'examples/browser/index.html')), type: 'text/html' },
      '/digits.js': { body: bundle.code, type: 'text/javascript' },
      '/digits.csv.gz': { body: readFileSync(join(ROOT, 'data/digits.csv.gz')), type: 'application/gzip' },
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
  })

  const run = async (query: string, csp: string | undefined) => {
    const server = await serve(files, csp)
    const page = await browser.newPage()
    const console: string[] = []
    const errors: string[] = []
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`))
    page.on('pageerror', (e) => errors.push(e.message))
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${query}`)
      await page.waitForFunction(() => (globalThis as { kilnResult?: unknown }).kilnResult !== undefined, undefined, { timeout: 120_000 })
      const result = (await page.evaluate(() => (globalThis as { kilnResult?: unknown }).kilnResult)) as PageResult
      const shown = await page.textContent('#out')
      return { result, shown, console, errors }
    } finally {
      await page.close()
      server.close()
    }
  }

  it('trains, reports progress through the callback and stays responsive', async () => {
    const { result, shown, console, errors } = await run('?epochs=8&hidden=32', undefined)
    process.stdout.write(`browser (compiled engine): ${JSON.stringify(result)}; page shows "${shown}"\n`)
    expect(errors).toEqual([])
    expect(result.error).toBeUndefined()
    expect(result.epochs).toBe(8)
    expect(result.accuracy).toBeGreaterThan(0.9)
    expect(result.lines).toBeGreaterThan(8)
    expect(result.ticks).toBeGreaterThan(0)
    expect(result.where).toBe('page')
    expect(shown).toMatch(/^test accuracy 0\.\d{4} after 8 epochs$/)
    expect(console.filter((l) => l.includes('refuses generated code'))).toEqual([])
  }, 180_000)

  it('trains in a module Web Worker running the same bundle', async () => {
    const { result, shown, errors } = await run('?epochs=4&hidden=32&worker=1', undefined)
    process.stdout.write(`browser (module worker): ${JSON.stringify(result)}; page shows "${shown}"\n`)
    expect(errors).toEqual([])
    expect(result.error).toBeUndefined()
    expect(result.where).toBe('worker')
    expect(result.epochs).toBe(4)
    expect(result.accuracy).toBeGreaterThan(0.9)
    expect(result.lines).toBeGreaterThan(4)
  }, 180_000)

  it("under a CSP without 'unsafe-eval', warns once and trains on the reference interpreter", async () => {
    const csp = "default-src 'self'; script-src 'self'"
    const { result, shown, console, errors } = await run('?epochs=2&hidden=16', csp)
    process.stdout.write(`browser (CSP ${csp}): ${JSON.stringify(result)}; page shows "${shown}"; warnings: ${console.filter((l) => l.startsWith('warning')).length}\n`)
    expect(errors).toEqual([])
    expect(result.error).toBeUndefined()
    expect(result.epochs).toBe(2)
    expect(result.accuracy).toBeGreaterThan(0.8)
    expect(console.filter((l) => l.includes('refuses generated code'))).toEqual([`warning: ${CODEGEN_REFUSED_WARNING}`])
  }, 180_000)
})
