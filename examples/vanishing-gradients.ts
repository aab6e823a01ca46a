// Vanishing and exploding gradients, measured: deep MLPs of width 64 on the 8x8 digits, at
// initialization, with the per-layer gradient norms of the cross-entropy loss on one batch
// (`gradientNorms`). With a small initialization (normal, std 0.01) the norms shrink by orders of
// magnitude from the last layer to the first (vanishing); with a large one (std 1) and tanh they grow
// (exploding); sigmoid vanishes even with Glorot's scale (its slope is at most 1/4); He initialization
// with ReLU and Glorot with tanh keep the norms within a small factor across depth.
//
// Measured (depth 20, first layer / last layer): tanh normal 0.01 2.7e-20, tanh normal 1 1.1e+6,
// tanh Glorot 1.2, sigmoid Glorot 2.1e-12, relu normal 0.01 1.9e-23, relu He 0.63.
// Writes `out/vanishing-gradients.svg` (norm per layer, log scale) when run as a script.
import { mkdirSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import {
  dense, formatTable, glorotNormal, gradientNorms, heNormal, key, layers, lineChart, normalInit, objectives, permutation, sequential,
  standardize, fitStandardizer, take, type ActivationName, type Initializer, type Layer,
} from '../src/index.js'
import { loadDigitsOrThrow, writeSvg } from '../src/node/index.js'

/** One network: its activation and initialization, by name. */
export interface Setting {
  readonly name: string
  readonly activation: ActivationName
  readonly init: Initializer
}

/** Settings of the example; the test suite runs it with small ones. */
export interface VanishingOptions {
  readonly depths: readonly number[]
  readonly width: number
  readonly batch: number
  readonly settings: readonly Setting[]
  /** Where to write the chart (undefined: none). */
  readonly svg: string | undefined
  readonly log: (line: string) => void
}

const SETTINGS: readonly Setting[] = [
  { name: 'tanh, normal 0.01', activation: 'tanh', init: normalInit(0.01) },
  { name: 'tanh, normal 1', activation: 'tanh', init: normalInit(1) },
  { name: 'tanh, Glorot', activation: 'tanh', init: glorotNormal },
  { name: 'sigmoid, Glorot', activation: 'sigmoid', init: glorotNormal },
  { name: 'relu, normal 0.01', activation: 'relu', init: normalInit(0.01) },
  { name: 'relu, He', activation: 'relu', init: heNormal },
]

const defaults: VanishingOptions = { depths: [5, 10, 20], width: 64, batch: 256, settings: SETTINGS, svg: 'out/vanishing-gradients.svg', log: (line) => console.log(line) }

/** The norms of one network, first layer first. */
export interface Measured {
  readonly setting: string
  readonly depth: number
  readonly norms: readonly number[]
}

const mlp = (depth: number, width: number, s: Setting): Layer =>
  sequential(layers.flatten(), ...Array.from({ length: depth - 1 }, () => [dense(width, { init: s.init }), layers.activation(s.activation)]).flat(), dense(10, { init: s.init }))

/** Runs the example and returns the norms of every network. */
export const main = (options: Partial<VanishingOptions> = {}): Measured[] => {
  const o = { ...defaults, ...options }
  const digits = loadDigitsOrThrow()
  const raw = take(digits, permutation(key(3), digits.n).subarray(0, o.batch))
  const batch = standardize(fitStandardizer(raw))(raw)
  const measured: Measured[] = []
  for (const depth of o.depths)
    for (const s of o.settings) {
      const model = mlp(depth, o.width, s)
      const v = model.init(key(depth), [o.batch, ...batch.featureShape])
      const n = gradientNorms({ model, featureShape: batch.featureShape, objective: objectives.softmaxCrossEntropy, ...v }, batch)
      measured.push({ setting: s.name, depth, norms: Object.values(n.layers) })
    }
  const rows = measured.map((m) => [m.depth, m.setting, m.norms[0]!.toExponential(2), m.norms[m.norms.length - 1]!.toExponential(2), (m.norms[0]! / m.norms[m.norms.length - 1]!).toExponential(1)])
  o.log(formatTable(['depth', 'network', 'first layer', 'last layer', 'first / last'], rows, { align: ['right', 'left', 'right', 'right', 'right'] }))
  if (o.svg !== undefined) {
    const deepest = Math.max(...o.depths)
    const series = measured.filter((m) => m.depth === deepest).map((m) => ({ name: m.setting, x: m.norms.map((_, i) => i + 1), y: m.norms }))
    mkdirSync('out', { recursive: true })
    const written = writeSvg(o.svg, lineChart({ series, logY: true, title: `Gradient norm per layer at initialization, depth ${deepest}`, xLabel: 'layer', yLabel: '||dL/dW||' }))
    o.log(written._tag === 'Right' ? `wrote ${o.svg}` : `could not write ${o.svg}: ${written.left.message}`)
  }
  return measured
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
