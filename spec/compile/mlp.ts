/** A 2-hidden-layer MLP training step (softmax cross-entropy, SGD) shared by specs and the bench. */
import * as K from '../../src/index.js'
import type { Tensor } from '../../src/tensor.js'

/** Layer sizes, batch size, learning rate. */
export interface MlpSpec {
  readonly sizes: readonly [number, number, number, number]
  readonly batch: number
  readonly lr: number
}

/** The graph: outputs `[loss, ...new params]`, and the param names in order. */
export const mlpStep = ({ sizes: [i, h1, h2, o], batch, lr }: MlpSpec): { outputs: Tensor[]; params: { name: string; shape: number[] }[] } => {
  const params = [
    { name: 'w1', shape: [i, h1] }, { name: 'b1', shape: [h1] },
    { name: 'w2', shape: [h1, h2] }, { name: 'b2', shape: [h2] },
    { name: 'w3', shape: [h2, o] }, { name: 'b3', shape: [o] },
  ]
  const ps: Tensor[] = params.map((p) => K.param(p.name, p.shape))
  const [w1, b1, w2, b2, w3, b3] = ps as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]
  const x: Tensor = K.input('x', [batch, i])
  const y: Tensor = K.input('y', [batch])
  const a1: Tensor = K.relu(K.add(K.matmul(x, w1), b1))
  const a2: Tensor = K.relu(K.add(K.matmul(a1, w2), b2))
  const logits: Tensor = K.add(K.matmul(a2, w3), b3)
  const loss: Tensor = K.neg(K.mean(K.takeAlong(K.logSoftmax(logits), y)))
  const gs = K.grad(loss, ps)
  return { outputs: [loss, ...ps.map((p, k) => K.sub(p, K.mul(lr, gs[k]!)))], params }
}

/** Deterministic initial weights and a batch (no Math.random). */
export const mlpData = ({ sizes, batch }: MlpSpec, seed = 1): Record<string, Float64Array> => {
  let s = seed >>> 0
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296 - 0.5
  }
  const [i, h1, h2, o] = sizes
  const mat = (r: number, c: number) => Float64Array.from({ length: r * c }, () => rnd() * 2 * Math.sqrt(6 / (r + c)))
  return {
    w1: mat(i, h1), b1: new Float64Array(h1), w2: mat(h1, h2), b2: new Float64Array(h2), w3: mat(h2, o), b3: new Float64Array(o),
    x: Float64Array.from({ length: batch * i }, rnd),
    y: Float64Array.from({ length: batch }, (_, k) => k % o),
  }
}
