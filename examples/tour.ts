// The README's API tour, runnable as written: `npx tsx examples/tour.ts`.
import { input, param, matmul, add, relu, logSoftmax, takeAlong, mean, neg, grad, simplify, evaluate, show, gradcheck, sum, tanh, mul, compile, isRight } from '../src/index.js'

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

// Gradient checking: central differences in float64 against the symbolic gradient.
const report = gradcheck((v) => sum(tanh(mul(v, v))), [{ value: [0.3, -1.2, 2], shape: [3] }])
console.log(report.summary)
