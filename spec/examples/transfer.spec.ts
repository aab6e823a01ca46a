// The transfer-learning example on small settings: pretraining, saving and loading, a frozen body, and
// the comparison lines. Floors are well below what these settings reach but far above chance (0.2).
import * as E from 'fp-ts/lib/Either.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../examples/transfer-digits.js'
import { loadValues } from '../../src/node/index.js'

const tmp = mkdtempSync(join(tmpdir(), 'kiln-transfer-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('transfer-digits', () => {
  it('pretrains on 0-4, saves and reloads, trains only a new head for 5-9, and compares with training from scratch', () => {
    const lines: string[] = []
    const valuesPath = join(tmp, 'sub', 'digits-0to4.json')
    const r = main({ hidden: [32, 32], pretrainEpochs: 10, epochs: 30, subsetSize: 50, valuesPath, log: (l) => void lines.push(l) })
    const out = lines.join('\n')
    expect(r.pretrainAccuracy).toBeGreaterThan(0.9)
    expect(r.frozenUnchanged).toBe(true)
    // Only the head trains: 32 * 5 weights + 5 biases = 165 of the 3301 parameters.
    expect(r.trainableParams).toBe(165)
    expect(r.totalParams).toBe(64 * 32 + 32 + 32 * 32 + 32 + 165)
    expect(r.transferAccuracy).toBeGreaterThan(0.35)
    expect(r.randomAccuracy).toBeGreaterThan(0.35)
    expect(r.fineTuneAccuracy).toBeGreaterThan(0.75)
    expect(r.scratchAccuracy).toBeGreaterThan(0.75)
    const saved = loadValues(valuesPath)
    expect(E.isRight(saved) && Object.keys(saved.right.params)).toEqual(['dense1', 'dense3', 'dense5'])
    expect(out).toMatch(/digits 0-4: \d+ train \/ \d+ test rows, network 64-32-32-5, 10 epochs: test accuracy 0\.9\d{3}/)
    expect(out).toMatch(/frozen dense1, dense3 \+ new head \(165 of 3301 trained\)\s+train accuracy \d\.\d{4}, test accuracy 0\.\d{4}/)
    expect(out).toMatch(/the same architecture from scratch\s+train accuracy \d\.\d{4}, test accuracy 0\.\d{4}/)
    expect(out).toContain('frozen layers unchanged bit for bit: true')
  })
})
