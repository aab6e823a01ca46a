/**
 * Issue 9: layer and optimizer options were read by name and anything else ignored, so `{ strides: 2 }`
 * quietly built a stride-1 convolution. Now an unknown key throws an `ArgumentError` at construction
 * naming it and suggesting the closest valid option, and a value of the wrong kind names the option.
 */
import { describe, expect, it } from 'vitest'
import { avgPool2d, conv2d, maxPool2d } from '../../src/nn/conv.js'
import { batchNorm, dense } from '../../src/nn/layers.js'
import { binaryCrossEntropy, l2Penalty, meanSquaredError } from '../../src/nn/losses.js'
import { adagrad, adam, adamw, rmsprop, sgd } from '../../src/nn/optim.js'
import { ArgumentError } from '../../src/options.js'
import { input } from '../../src/make.js'
import { caught } from '../caught.js'

const refused = (f: () => unknown, field: string, message: string | RegExp): void => {
  const thrown = caught(f)
  expect(thrown).toBeInstanceOf(ArgumentError)
  expect((thrown as ArgumentError).field).toBe(field)
  expect((thrown as ArgumentError).message).toMatch(message)
}

describe('layer options', () => {
  it("conv2d({ strides: 2 }) throws, suggesting 'stride' (it used to build a stride-1 layer)", () => {
    refused(() => conv2d(4, 3, { strides: 2 } as never), 'strides', /^conv2d: strides: unknown option; did you mean 'stride'\? \(valid options: stride, padding, init, biasInit, bias, activation\)$/)
    refused(() => conv2d(4, 3, { padding: 'same', activaton: 'relu' } as never), 'activaton', "did you mean 'activation'?")
    refused(() => conv2d(4, 3, { bias: 'no' } as never), 'bias', 'conv2d: bias: expected true or false, got the string "no"')
    refused(() => conv2d(4, 3, { init: 0.1 } as never), 'init', 'conv2d: init: expected a function, got 0.1')
  })

  it('dense, batchNorm and the pooling layers refuse misspelled options', () => {
    refused(() => dense(2, { bais: false } as never), 'bais', "dense: bais: unknown option; did you mean 'bias'?")
    refused(() => dense(2, { kernelInit: () => new Float64Array(0) } as never), 'kernelInit', 'dense: kernelInit: unknown option')
    refused(() => batchNorm({ momentun: 0.5 } as never), 'momentun', "batchNorm: momentun: unknown option; did you mean 'momentum'?")
    refused(() => batchNorm({ epsilon: 1e-3 } as never), 'epsilon', "did you mean 'eps'?")
    refused(() => maxPool2d(2, { strides: 1 } as never), 'strides', "maxPool2d: strides: unknown option; did you mean 'stride'?")
    refused(() => avgPool2d(2, { stride: '1' } as never), 'stride', 'avgPool2d: stride: expected a number or an array, got the string "1"')
  })

  it('options that are not an object are refused', () => {
    refused(() => dense(2, 5 as never), 'options', 'dense: options: expected an object of options, got 5')
    refused(() => batchNorm(null as never), 'options', 'got null')
  })

  it('valid options still build the layers they describe', () => {
    expect(conv2d(4, 3, { stride: 2 }).spec([1, 8, 8, 1]).outputShape).toEqual([1, 3, 3, 4])
    expect(dense(2, { bias: false }).spec([3, 5]).outputShape).toEqual([3, 2])
  })
})

describe('optimizer options', () => {
  it('misspelled hyper-parameters are refused with a suggestion', () => {
    refused(() => adam(0.01, { beta_1: 0.9 } as never), 'beta_1', "adam: beta_1: unknown option; did you mean 'beta1'?")
    refused(() => adamw(0.01, { weight_decay: 0.1 } as never), 'weight_decay', "did you mean 'weightDecay'?")
    refused(() => sgd(0.1, { nestrov: true } as never), 'nestrov', "sgd: nestrov: unknown option; did you mean 'nesterov'?")
    refused(() => rmsprop(0.1, { centred: true } as never), 'centred', "did you mean 'centered'?")
    refused(() => adagrad(0.1, { lr_decay: 0.1 } as never), 'lr_decay', "did you mean 'lrDecay'?")
  })

  it('a hyper-parameter of the wrong kind is refused before it is compared as a string', () => {
    refused(() => sgd(0.1, { momentum: '0.9' } as never), 'momentum', 'sgd: momentum: expected a number, got the string "0.9"')
    refused(() => adam('0.01' as never), 'lr', 'adam: lr: expected a number or a schedule (step) => Tensor, got the string "0.01"')
  })
})

describe('loss options', () => {
  it('losses and penalties refuse unknown options', () => {
    const x = input('x', [2])
    refused(() => meanSquaredError(x, x, { halve: true } as never), 'halve', "did you mean 'half'?")
    refused(() => binaryCrossEntropy(x, x, { epsilon: 1e-7 } as never), 'epsilon', "did you mean 'eps'?")
    refused(() => l2Penalty({ w: x }, 0.1, { excludeBias: true } as never), 'excludeBias', "did you mean 'excludeBiases'?")
  })
})
