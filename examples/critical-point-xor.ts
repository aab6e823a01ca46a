// Saddles and minima of a tiny network, measured: the course's 2-2-1 network on XOR (inputs {0,1}^2,
// the 4 points, 2 tanh hidden units, a sigmoid output, binary cross-entropy on the logit) plus an L2
// term lambda/2 ||theta||^2 on all 9 parameters, biases included (lambda = 1e-3), so that critical
// points are isolated (no flat direction along which the loss does not change).
//
// (a) Symmetric weights: both hidden units identical (rows of W1 equal, entries of b1 equal, entries
// of W2 equal). The gradient of a symmetric point is symmetric, so gradient descent from a symmetric
// start stays symmetric (measured: the two units stay bit-identical) and finds the best network with
// one hidden unit used twice; Newton steps with the dense Hessian (which keep the symmetry too)
// polish it to a gradient norm below 1e-10. `criticalPoint` then finds one negative eigenvalue whose
// eigenvector is antisymmetric (it moves the two units apart): a saddle. Descending along it is what
// lets the two units specialize and solve XOR.
// (b) From a random (keyed) start, gradient descent and Newton reach a minimum: all eigenvalues > 0.
//
// Measured (default settings, `npx tsx examples/critical-point-xor.ts`, 2.7 s with tsx's start-up):
//   saddle:  loss 0.5187, gradient norm 1.1e-13 after 1 Newton step, the units bit-identical;
//            eigenvalues -1.034e-3 (its eigenvector's symmetric part is 8e-15: it only moves the
//            units apart), then 3.482e-3 4.788e-3 5.185e-3 6.510e-3 6.890e-3 3.282e-2 6.398e-2 0.4968
//   minimum: loss 0.0688, gradient norm 1.2e-17 after 2 Newton steps; eigenvalues 3.102e-3 3.630e-3
//            5.109e-3 7.280e-3 8.780e-3 1.319e-2 1.398e-2 5.381e-2 7.990e-2 (all 9 positive)
// The negative curvature is small (-1.0e-3 against a largest eigenvalue of 0.50): the saddle is
// nearly flat along the direction that separates the units. Writes `out/critical-point-xor.svg`: the change of the loss
// along the lowest-curvature eigenvector, loss(theta + t v) - loss(theta) for t in [-2, 2], at both
// (at the saddle it falls on both sides, and evenly since swapping the units maps v to -v: by
// -1.59e-3 at t = -2 and 2; at the minimum it rises by 6.89e-3 and 6.44e-3).
import * as E from 'fp-ts/lib/Either.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  add, binaryCrossEntropyWithLogits, constant, criticalPoint, grad, hessianMatrix, key, l2Penalty, lineChart, matmul, normal, packValues, param, readTree,
  stepFunction, symmetricEigen, tanh, transpose, type CriticalPointReport, type ParamValues,
} from '../src/index.js'
import { writeSvg } from '../src/node/index.js'

/** Settings of the example; the test suite runs it with its own output path. */
export interface CriticalXorOptions {
  /** The L2 coefficient. */
  readonly lambda: number
  readonly learningRate: number
  /** Full-batch gradient descent steps before Newton. */
  readonly steps: number
  /** Newton steps at most (stops once the gradient norm is below 1e-10). */
  readonly newtonSteps: number
  readonly seed: number
  /** Where to write the chart (undefined: none). */
  readonly svg: string | undefined
  readonly log: (line: string) => void
}

const defaults: CriticalXorOptions = { lambda: 1e-3, learningRate: 0.5, steps: 5000, newtonSteps: 20, seed: 1, svg: 'out/critical-point-xor.svg', log: (line) => console.log(line) }

/** One polished critical point. */
export interface Found {
  readonly values: ParamValues
  readonly report: CriticalPointReport
  /** All 9 eigenvalues, ascending. */
  readonly eigenvalues: readonly number[]
  readonly newtonSteps: number
  /** max |unit 1 - unit 2| over the hidden units' parameters (0: symmetric). */
  readonly asymmetry: number
  /** The norm of the symmetric part of the lowest eigenvector (0: it only moves the units apart). */
  readonly directionSymmetricPart: number
}

/** What the example measured. */
export interface CriticalXorResult {
  readonly saddle: Found
  readonly minimum: Found
  /** The SVG written, or undefined. */
  readonly svg: string | undefined
}

/** The network and its regularized loss on the 4 XOR points; W1 is [hidden, input] as in the course. */
const xorLoss = (lambda: number) => {
  const x = constant([0, 0, 0, 1, 1, 0, 1, 1], [4, 2])
  const y = constant([0, 1, 1, 0], [4, 1])
  const params = { W1: param('W1', [2, 2]), b1: param('b1', [2]), W2: param('W2', [1, 2]), b2: param('b2', [1]) }
  const hidden = tanh(add(matmul(x, transpose(params.W1)), params.b1))
  const logit = add(matmul(hidden, transpose(params.W2)), params.b2)
  return { params, loss: add(binaryCrossEntropyWithLogits(logit, y), l2Penalty(params, lambda)) }
}

type Net = ReturnType<typeof xorLoss>

/** Swapping the two hidden units: W1's rows, b1's and W2's entries (b2 stays). */
const swapUnits = (v: ParamValues): ParamValues => {
  const [w1, b1, w2] = [v['W1'] as Float64Array, v['b1'] as Float64Array, v['W2'] as Float64Array]
  return { W1: Float64Array.of(w1[2]!, w1[3]!, w1[0]!, w1[1]!), b1: Float64Array.of(b1[1]!, b1[0]!), W2: Float64Array.of(w2[1]!, w2[0]!), b2: v['b2'] as Float64Array }
}

const flat = (net: Net, v: ParamValues): Float64Array => Float64Array.from(packValues(net.params, v).flatMap((a) => Array.from(a)))
const tree = (net: Net, f: Float64Array): ParamValues => readTree(net.params, [f.slice(0, 4), f.slice(4, 6), f.slice(6, 8), f.slice(8, 9)])
const maxAbs = (f: Float64Array): number => f.reduce((m, x) => Math.max(m, Math.abs(x)), 0)

/** The flat gradient at a value tree, its graph compiled once. */
const gradientOf = (net: Net): ((v: ParamValues) => Float64Array) => {
  const leaves = [net.params.W1, net.params.b1, net.params.W2, net.params.b2]
  const step = stepFunction({ inputs: [], state: leaves, outputs: grad(net.loss, leaves) }, 'compiled')
  return (v) => Float64Array.from(step([], packValues(net.params, v)).flatMap((a) => Array.from(a)))
}

/** Full-batch gradient descent. */
const descend = (net: Net, gradient: (v: ParamValues) => Float64Array, start: ParamValues, steps: number, lr: number): ParamValues => {
  let theta = flat(net, start)
  for (let s = 0; s < steps; s++) {
    const g = gradient(tree(net, theta))
    theta = theta.map((x, i) => x - lr * g[i]!)
  }
  return tree(net, theta)
}

/** Newton steps `theta -= H^-1 g` (H^-1 from the eigendecomposition of the dense Hessian) until the gradient norm is below 1e-10. */
const polish = (net: Net, gradient: (v: ParamValues) => Float64Array, start: ParamValues, maxSteps: number): { values: ParamValues; steps: number } => {
  let cur = start
  for (let step = 0; step < maxSteps; step++) {
    const g = gradient(cur)
    if (Math.hypot(...g) < 1e-10) return { values: cur, steps: step }
    const h = hessianMatrix(net.loss, net.params, cur)
    const { values, vectors } = symmetricEigen(h.matrix, h.n)
    const theta = flat(net, cur)
    for (let j = 0; j < h.n; j++) {
      let c = 0
      for (let i = 0; i < h.n; i++) c += vectors[i * h.n + j]! * g[i]!
      for (let i = 0; i < h.n; i++) theta[i] = theta[i]! - (vectors[i * h.n + j]! * c) / values[j]!
    }
    cur = tree(net, theta)
  }
  return { values: cur, steps: maxSteps }
}

/** Trains from `start`, polishes with Newton and classifies the point. */
const find = (net: Net, start: ParamValues, o: CriticalXorOptions): Found => {
  const gradient = gradientOf(net)
  const trained = descend(net, gradient, start, o.steps, o.learningRate)
  const { values, steps } = polish(net, gradient, trained, o.newtonSteps)
  const report = criticalPoint(net.loss, net.params, values, { k: 9, method: 'dense' })
  const [theta, swapped] = [flat(net, values), flat(net, swapUnits(values))]
  const direction = flat(net, report.lowestDirection)
  const mirrored = flat(net, swapUnits(report.lowestDirection))
  return {
    values, report, eigenvalues: report.eigenvalues.lowest, newtonSteps: steps,
    asymmetry: maxAbs(theta.map((x, i) => x - swapped[i]!)),
    directionSymmetricPart: Math.hypot(...direction.map((x, i) => (x + mirrored[i]!) / 2)),
  }
}

/** loss(theta + t v) - loss(theta) along the lowest eigenvector, for t in [-2, 2]. */
const profile = (net: Net, f: Found): { x: number[]; y: number[] } => {
  const leaves = [net.params.W1, net.params.b1, net.params.W2, net.params.b2]
  const lossAt = stepFunction({ inputs: [], state: leaves, outputs: [net.loss] }, 'compiled')
  const [theta, v] = [flat(net, f.values), flat(net, f.report.lowestDirection)]
  const at = (t: number) => lossAt([], packValues(net.params, tree(net, theta.map((x, i) => x + t * v[i]!))))[0]![0]!
  const ts = Array.from({ length: 81 }, (_, i) => -2 + i * 0.05)
  return { x: ts, y: ts.map((t) => at(t) - f.report.loss) }
}

const lines = (name: string, f: Found): string[] => [
  `${name}: ${f.report.verdict}; loss ${f.report.loss.toFixed(4)}, gradient norm ${f.report.gradientNorm.toExponential(1)} after ${f.newtonSteps} Newton steps; unit asymmetry ${f.asymmetry.toExponential(1)}`,
  `  eigenvalues: ${f.eigenvalues.map((e) => e.toExponential(3)).join(' ')}`,
  `  lowest eigenvector: symmetric part ${f.directionSymmetricPart.toExponential(1)} (0 = moves the two hidden units apart)`,
]

/** Runs the example and returns both critical points. */
export const main = (options: Partial<CriticalXorOptions> = {}): CriticalXorResult => {
  const o = { ...defaults, ...options }
  const net = xorLoss(o.lambda)
  const [a, b, c, v, e] = normal(key(o.seed), 5)
  const symmetric: ParamValues = { W1: Float64Array.of(a!, b!, a!, b!), b1: Float64Array.of(c!, c!), W2: Float64Array.of(v!, v!), b2: Float64Array.of(e!) }
  const saddle = find(net, symmetric, o)
  const minimum = find(net, tree(net, normal(key(o.seed + 1), 9)), o)
  o.log(`XOR, 2 tanh units, L2 lambda = ${o.lambda}, ${o.steps} gradient steps (learning rate ${o.learningRate}) then Newton`)
  for (const line of [...lines('symmetric start', saddle), ...lines('random start', minimum)]) o.log(line)
  let written: string | undefined
  if (o.svg !== undefined) {
    const series = [{ name: 'saddle (symmetric units)', ...profile(net, saddle) }, { name: 'minimum', ...profile(net, minimum) }]
    o.log(`loss change at t = -2 and 2: ${series.map((c) => `${c.name} ${c.y[0]!.toExponential(2)}, ${c.y[c.y.length - 1]!.toExponential(2)}`).join('; ')}`)
    mkdirSync(dirname(o.svg), { recursive: true })
    const svg = lineChart({ series, title: 'XOR network: the loss along the lowest-curvature eigenvector', xLabel: 't', yLabel: 'loss(theta + t v) - loss(theta)', markers: false })
    const w = writeSvg(o.svg, svg)
    written = E.isRight(w) ? o.svg : undefined
    o.log(written === undefined ? `could not write ${o.svg}` : `wrote ${o.svg}`)
  }
  return { saddle, minimum, svg: written }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
