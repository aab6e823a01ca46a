// The README's API tour, runnable as written: `npx tsx examples/tour.ts`.
import { input, param, matmul, add, relu, logSoftmax, takeAlong, mean, neg, grad, simplify, evaluate, show, gradcheck, formatGradcheck, constant, compile, isRight } from '../src/index.js'

// A two-layer network on a batch of 4 points with 3 features and 2 classes.
const x = input('x', [4, 3])
const y = input('y', [4])
const w1 = param('w1', [3, 5])
const b1 = param('b1', [5])
const w2 = param('w2', [5, 2])
const hidden = relu(add(matmul(x, w1), b1))
const logits = matmul(hidden, w2)
const loss = neg(mean(takeAlong(logSoftmax(logits), y)))

// Symbolic gradients are expressions too: print them (simplified), evaluate them, differentiate them again.
const [gw2] = grad(loss, [w2])
console.log(show(simplify([gw2!])))

const bindings = {
  x: [0.5, -1, 2, 1.5, 0.3, -0.7, -2, 0.1, 0.9, 0.4, 1.2, -0.5],
  y: [0, 1, 1, 0],
  w1: Array.from({ length: 15 }, (_, i) => Math.sin(i + 1) / 2),
  b1: [0.1, 0, -0.1, 0.2, 0.05],
  w2: Array.from({ length: 10 }, (_, i) => Math.cos(i) / 3),
}
const [lossValue, g] = evaluate([loss, gw2!], bindings)
console.log('loss', lossValue![0], 'dloss/dw2[0]', g![0])

// The compiler fuses the same graph into a few loop kernels over Float64Array; results match the interpreter.
const exe = compile([loss, gw2!])
if (isRight(exe)) console.log('compiled loss', exe.right.run(bindings)[0]![0], `(${exe.right.explain().split('\n')[0]})`)

// Gradient checking on the parameter tree itself: Richardson-extrapolated differences in float64 against the
// symbolic gradient, every element; the report names the worst elements (and any kinks, such as relu at 0).
const [xData, yData] = [constant(bindings.x, [4, 3]), constant(bindings.y, [4])]
const report = gradcheck(
  (p) => neg(mean(takeAlong(logSoftmax(matmul(relu(add(matmul(xData, p.w1), p.b1)), p.w2)), yData))),
  { w1: Float64Array.from(bindings.w1), b1: Float64Array.from(bindings.b1), w2: Float64Array.from(bindings.w2) },
  { shapes: { w1: [3, 5], b1: [5], w2: [5, 2] } },
)
console.log(formatGradcheck(report))
