// The functional-model examples (ResNet, Inception, LeNet-5) and the vanishing-gradients example, run
// in-process on small settings. Floors sit well below the full runs (README) but above what a broken
// block, merge or gradient would reach.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main as lenet } from '../../examples/lenet-fashion.js'
import { main as resnet } from '../../examples/resnet-digits.js'
import { main as vanishing } from '../../examples/vanishing-gradients.js'
import { main as augmentation } from '../../examples/augmentation-digits.js'

const quiet = () => {}
const fashion = '/usr/share/datasets/fashion-mnist'
const installed = existsSync(join(fashion, 'train-images-idx3-ubyte.gz')) || existsSync(join(fashion, 'train-images-idx3-ubyte'))

describe('resnet-digits', () => {
  it('a small ResNet with batch norm learns the digits', () => {
    const r = resnet({ filters: [8, 16], trainRows: 600, epochs: 5, learningRate: 1e-2, log: quiet })
    expect(r._tag).toBe('Trained')
    if (r._tag !== 'Trained') return
    expect(r.losses[4]!).toBeLessThan(r.losses[0]! / 4)
    expect(r.testAccuracy).toBeGreaterThan(0.8)
  })

  it('a network around one Inception block learns the digits', () => {
    const r = resnet({ architecture: 'inception', trainRows: 600, epochs: 5, learningRate: 1e-2, log: quiet })
    expect(r._tag).toBe('Trained')
    if (r._tag !== 'Trained') return
    expect(r.losses[4]!).toBeLessThan(r.losses[0]! / 2)
    expect(r.testAccuracy).toBeGreaterThan(0.5)
  })

  it.skipIf(!installed)('trains on a subset of Fashion-MNIST when it is installed', () => {
    const r = resnet({ dataset: 'fashion', filters: [8, 16], trainRows: 600, testRows: 200, epochs: 3, learningRate: 1e-2, log: quiet })
    expect(r._tag === 'Trained' && r.testAccuracy).toBeGreaterThan(0.4)
  })
})

describe('lenet-fashion', () => {
  it('says how to install Fashion-MNIST when it is missing', () => {
    const lines: string[] = []
    const r = lenet({ dir: '/no/such/dir', log: (l) => void lines.push(l) })
    expect(r._tag).toBe('Missing')
    expect(lines.join('\n')).toContain('apt-get install -y dataset-fashion-mnist')
  })

  it.skipIf(!installed)('LeNet-5 learns a subset of Fashion-MNIST padded to 32x32', () => {
    const r = lenet({ trainRows: 1000, testRows: 300, epochs: 2, activation: 'relu', learningRate: 3e-3, progress: false, log: quiet })
    expect(r._tag).toBe('Trained')
    if (r._tag !== 'Trained') return
    expect(r.parameters).toBe(61706)
    expect(r.testAccuracy).toBeGreaterThan(0.6)
  })
})

describe('vanishing-gradients', () => {
  it('shows vanishing gradients with small weights and sigmoid, exploding ones with large weights, and neither with Glorot or He', () => {
    const m = vanishing({ depths: [10], batch: 64, svg: undefined, log: quiet })
    const ratio = (name: string) => {
      const n = m.find((r) => r.setting === name)!.norms
      return n[0]! / n[n.length - 1]!
    }
    expect(ratio('tanh, normal 0.01')).toBeLessThan(1e-6)
    expect(ratio('relu, normal 0.01')).toBeLessThan(1e-6)
    expect(ratio('sigmoid, Glorot')).toBeLessThan(1e-3)
    expect(ratio('tanh, normal 1')).toBeGreaterThan(10)
    for (const good of ['tanh, Glorot', 'relu, He']) {
      expect(ratio(good)).toBeGreaterThan(0.1)
      expect(ratio(good)).toBeLessThan(10)
    }
  })
})

describe('augmentation-digits', () => {
  it('random shifts raise the test accuracy of a CNN trained on 300 digits', () => {
    const r = augmentation({ epochs: 30, log: quiet })
    expect(r.plain.trainAccuracy).toBeGreaterThan(0.98)
    expect(r.augmented.testAccuracy).toBeGreaterThan(r.plain.testAccuracy)
  })
})
