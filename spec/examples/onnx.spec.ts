// The ONNX example run in-process with small settings: the exported file's predictions in ONNX Runtime
// are Kiln's, and the same training on ONNX Runtime ends where Kiln's does.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main as onnxDigits } from '../../examples/onnx-digits.js'

const tmp = mkdtempSync(join(tmpdir(), 'kiln-onnx-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('onnx-digits', () => {
  it('exports a model ONNX Runtime runs with Kiln predictions, and trains the same on ONNX Runtime', async () => {
    const lines: string[] = []
    const onnxPath = join(tmp, 'digits.onnx')
    const r = await onnxDigits({ epochs: 3, hidden: 32, threads: 1, onnxPath, log: (line) => void lines.push(line) })
    expect(statSync(onnxPath).size).toBe(r.fileBytes)
    expect(r.exportedDifference).toBeLessThan(1e-12)
    expect(r.labelMismatches).toBe(0)
    expect(r.trainingDifference).toBeLessThan(1e-10)
    expect(r.testAccuracy).toBeGreaterThan(0.9)
    expect(Math.abs(r.ortTestAccuracy - r.testAccuracy)).toBeLessThan(0.01)
    expect(lines.join('\n')).toMatch(/ONNX Runtime \(1 threads\): [\d.]+ ms\/step/)
  })
})
