/**
 * Prints the accuracy table of the README (`npx tsx spec/accuracy/table.ts`): the worst error in ulps of
 * each function's value, first and second derivative, and of each loss's value and gradient, for Kiln's
 * interpreter and compiled kernels and for PyTorch, against the 60-digit truth table.
 * @module
 */
import { BINARY_COLUMNS, loadTruth, measureBinary, measureLoss, measureRewrite, measureUnary, REWRITTEN, torchBinary, torchLoss, torchUnary, type BinaryErrors, type Worst } from './ulp.js'

const fmtU = (u: number): string => (u === Infinity ? 'inf' : u >= 1e5 ? u.toExponential(1) : String(u))
const three = (e: { value: Worst; d1: Worst; d2: Worst } | undefined): string =>
  e === undefined ? '- / - / -' : [e.value, e.d1, e.d2].map((w) => fmtU(w.ulps)).join(' / ')

const truth = loadTruth()
console.log('| function | points | Kiln interpreter | Kiln compiled | PyTorch 1.13 |')
console.log('| --- | --- | --- | --- | --- |')
for (const [name, t] of Object.entries(truth.ops)) {
  const i = measureUnary(name, t, 'interpreter')
  const c = measureUnary(name, t, 'compiled')
  console.log(`| \`${name}\` | ${t.x.length} | ${three(i)} | ${three(c)} | ${three(torchUnary(t))} |`)
}
console.log('\n| binary op | pairs | Kiln interpreter | Kiln compiled | PyTorch 1.13 |')
console.log('| --- | --- | --- | --- | --- |')
const six = (e: BinaryErrors): string => BINARY_COLUMNS.map((c) => fmtU(e[c].ulps)).join(' / ')
for (const [name, t] of Object.entries(truth.binary)) {
  console.log(`| \`${name}\` | ${t.a.length} | ${six(measureBinary(name, t, 'interpreter'))} | ${six(measureBinary(name, t, 'compiled'))} | ${six(torchBinary(t))} |`)
}
console.log('\n| loss | cases | Kiln interpreter | Kiln compiled | PyTorch 1.13 |')
console.log('| --- | --- | --- | --- | --- |')
const names = [...new Set(truth.losses.map((c) => c.loss))]
for (const n of names) {
  const cases = truth.losses.filter((c) => c.loss === n)
  const [i, c, p] = [measureLoss(cases, 'interpreter'), measureLoss(cases, 'compiled'), torchLoss(cases)]
  const two = (e: { value: number; grad: number }) => `${fmtU(e.value)} / ${fmtU(e.grad)}`
  console.log(`| \`${n}\` | ${cases.length} | ${two(i)} | ${two(c)} | ${two(p)} |  worst: ${i.worstCase} / ${p.worstCase}`)
}
console.log('\n| rewrite | as written | simplified | compiled |')
console.log('| --- | --- | --- | --- |')
for (const n of Object.keys(REWRITTEN)) {
  const [w, s, c] = (['interpreter', 'simplified', 'compiled'] as const).map((e) => fmtU(measureRewrite(n, e).ulps))
  console.log(`| \`${n}\` | ${w} | ${s} | ${c} |`)
}
