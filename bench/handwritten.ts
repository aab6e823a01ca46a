/**
 * Hand-written float64 yardsticks: fused loops and a 4x4 register-blocked matmul (strided operands,
 * so transposed reads cost nothing), the fair target for compiled Kiln kernels.
 */

/** `C[n,m] = A[n,k] B[k,m]` with operand strides (element units), 4x4 register blocking. */
export const gemm = (
  A: Float64Array, sai: number, sak: number,
  B: Float64Array, sbk: number, sbj: number,
  C: Float64Array, n: number, m: number, k: number,
): void => {
  const n4 = n - (n % 4)
  const m4 = m - (m % 4)
  for (let i = 0; i < n4; i += 4) {
    for (let j = 0; j < m4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      let pa = i * sai
      let pb = j * sbj
      for (let p = 0; p < k; p++) {
        const a0 = A[pa]!, a1 = A[pa + sai]!, a2 = A[pa + 2 * sai]!, a3 = A[pa + 3 * sai]!
        const b0 = B[pb]!, b1 = B[pb + sbj]!, b2 = B[pb + 2 * sbj]!, b3 = B[pb + 3 * sbj]!
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3
        pa += sak
        pb += sbk
      }
      const o = i * m + j
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03
      C[o + m] = c10; C[o + m + 1] = c11; C[o + m + 2] = c12; C[o + m + 3] = c13
      C[o + 2 * m] = c20; C[o + 2 * m + 1] = c21; C[o + 2 * m + 2] = c22; C[o + 2 * m + 3] = c23
      C[o + 3 * m] = c30; C[o + 3 * m + 1] = c31; C[o + 3 * m + 2] = c32; C[o + 3 * m + 3] = c33
    }
    for (let j = m4; j < m; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0
      let pa = i * sai
      let pb = j * sbj
      for (let p = 0; p < k; p++) {
        const b0 = B[pb]!
        c0 += A[pa]! * b0; c1 += A[pa + sai]! * b0; c2 += A[pa + 2 * sai]! * b0; c3 += A[pa + 3 * sai]! * b0
        pa += sak
        pb += sbk
      }
      C[i * m + j] = c0; C[(i + 1) * m + j] = c1; C[(i + 2) * m + j] = c2; C[(i + 3) * m + j] = c3
    }
  }
  for (let i = n4; i < n; i++)
    for (let j = 0; j < m; j++) {
      let c = 0
      let pa = i * sai
      let pb = j * sbj
      for (let p = 0; p < k; p++) {
        c += A[pa]! * B[pb]!
        pa += sak
        pb += sbk
      }
      C[i * m + j] = c
    }
}

/** W4: `sum(sigmoid(x*w + b) * tanh(x))` in one loop. */
export const w4 = (x: Float64Array, w: number, b: number): number => {
  let acc = 0
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!
    const z = v * w + b
    const e = Math.exp(-Math.abs(z))
    const s = z >= 0 ? 1 / (1 + e) : e / (1 + e)
    acc += s * Math.tanh(v)
  }
  return acc
}

/** Buffers of a hand-written MLP training step (allocated once). */
export interface MlpWork {
  readonly sizes: readonly [number, number, number, number]
  readonly batch: number
  readonly z1: Float64Array; readonly z2: Float64Array; readonly z3: Float64Array
  readonly d1: Float64Array; readonly d2: Float64Array; readonly d3: Float64Array
  readonly g: readonly Float64Array[]
}

/** Allocates the work buffers for `mlpTrainStep`. */
export const mlpWork = (sizes: readonly [number, number, number, number], batch: number): MlpWork => {
  const [i, h1, h2, o] = sizes
  const f = (n: number) => new Float64Array(n)
  return { sizes, batch, z1: f(batch * h1), z2: f(batch * h2), z3: f(batch * o), d1: f(batch * h1), d2: f(batch * h2), d3: f(batch * o), g: [f(i * h1), f(h1), f(h1 * h2), f(h2), f(h2 * o), f(o)] }
}

const biasRelu = (z: Float64Array, b: Float64Array, n: number, m: number, relu: boolean): void => {
  for (let r = 0; r < n; r++)
    for (let c = 0, o = r * m; c < m; c++, o++) {
      const v = z[o]! + b[c]!
      z[o] = relu ? (v > 0 ? v : 0) : v
    }
}
const colSum = (d: Float64Array, n: number, m: number, out: Float64Array): void => {
  out.fill(0)
  for (let r = 0; r < n; r++) for (let c = 0, o = r * m; c < m; c++, o++) out[c] += d[o]!
}
const reluMask = (d: Float64Array, z: Float64Array): void => {
  for (let q = 0; q < d.length; q++) d[q] = z[q]! > 0 ? d[q]! : 0
}

/**
 * One SGD step of the MLP (relu, softmax cross-entropy): params `[w1,b1,w2,b2,w3,b3]` in,
 * new params out (`next`), returns the loss. z1/z2 keep post-relu activations.
 */
export const mlpTrainStep = (W: MlpWork, p: readonly Float64Array[], x: Float64Array, y: Float64Array, lr: number, next: readonly Float64Array[]): number => {
  const [ni, h1, h2, no] = W.sizes
  const B = W.batch
  const [w1, b1, w2, b2, w3, b3] = p as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  gemm(x, ni, 1, w1, h1, 1, W.z1, B, h1, ni)
  biasRelu(W.z1, b1, B, h1, true)
  gemm(W.z1, h1, 1, w2, h2, 1, W.z2, B, h2, h1)
  biasRelu(W.z2, b2, B, h2, true)
  gemm(W.z2, h2, 1, w3, no, 1, W.z3, B, no, h2)
  biasRelu(W.z3, b3, B, no, false)
  let loss = 0
  for (let r = 0; r < B; r++) {
    const o = r * no
    let mx = -Infinity
    for (let c = 0; c < no; c++) mx = Math.max(mx, W.z3[o + c]!)
    let s = 0
    for (let c = 0; c < no; c++) {
      const e = Math.exp(W.z3[o + c]! - mx)
      W.d3[o + c] = e
      s += e
    }
    const lse = Math.log(s) + mx
    loss += lse - W.z3[o + y[r]!]!
    const inv = 1 / (s * B)
    for (let c = 0; c < no; c++) W.d3[o + c] = W.d3[o + c]! * inv - (c === y[r] ? 1 / B : 0)
  }
  const [g1, gb1, g2, gb2, g3, gb3] = W.g as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  gemm(W.z2, 1, h2, W.d3, no, 1, g3, h2, no, B)
  colSum(W.d3, B, no, gb3)
  gemm(W.d3, no, 1, w3, 1, no, W.d2, B, h2, no)
  reluMask(W.d2, W.z2)
  gemm(W.z1, 1, h1, W.d2, h2, 1, g2, h1, h2, B)
  colSum(W.d2, B, h2, gb2)
  gemm(W.d2, h2, 1, w2, 1, h2, W.d1, B, h1, h2)
  reluMask(W.d1, W.z1)
  gemm(x, 1, ni, W.d1, h1, 1, g1, ni, h1, B)
  colSum(W.d1, B, h1, gb1)
  for (let q = 0; q < 6; q++) {
    const src = p[q]!
    const g = W.g[q]!
    const dst = next[q]!
    for (let e = 0; e < src.length; e++) dst[e] = src[e]! - lr * g[e]!
  }
  return loss / B
}
