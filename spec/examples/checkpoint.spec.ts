// The checkpoint example in-process with small settings: interrupted in epoch 3 of 4, resumed from the
// file, and identical bit for bit to the straight run; the saved model file loads and predicts raw rows.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../examples/checkpoint-digits.js'

const dir = mkdtempSync(join(tmpdir(), 'kiln-checkpoint-example-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('checkpoint-digits', () => {
  it('trains, checkpoints, is interrupted and resumes to the identical result', async () => {
    const lines: string[] = []
    const r = await main({ epochs: 4, interruptIn: 3, hidden: 32, dir, keep: false, log: (l) => void lines.push(l) })
    expect(r.resumedFrom).toBe(2)
    expect(r.identical).toBe(true)
    expect(r.testAccuracy).toBeGreaterThan(0.85)
    expect(r.loadedAccuracy).toBe(r.testAccuracy)
    // 64*32 + 32 + 32*10 + 10 float64 values, plus the standardizer's 2*64, plus the header.
    expect(r.modelFileBytes).toBeGreaterThan(8 * (64 * 32 + 32 + 320 + 10 + 128))
    expect(lines.join('\n')).toMatch(/aborted by options\.signal at epoch 3, batch 1 of \d+; the checkpoint holds epoch 2/)
  })
})
