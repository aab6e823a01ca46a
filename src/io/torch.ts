/**
 * PyTorch state dicts: the names and layouts of a torch `nn.Sequential`'s parameters, mapped to and
 * from a Kiln model's parameter and state trees, so weights move between the two (through
 * safetensors files: `torch.save` pickles are not read; in Python, `safetensors.torch.save_file(
 * model.state_dict(), path)` writes what `loadSafetensors` reads).
 *
 * Scope: `sequential(...)` models and single layers, with one torch module per Kiln layer at the same
 * index (Kiln `sequential(dense(8), layers.relu(), dense(3))` is torch `nn.Sequential(nn.Linear(4, 8),
 * nn.ReLU(), nn.Linear(8, 3))`, keys `0.weight`, `0.bias`, `2.weight`, `2.bias`; a single layer's keys
 * have no prefix). So a Kiln `dense(n, { activation })` needs no separate activation module, and a torch
 * model with extra modules (`nn.Unflatten`, `nn.AdaptiveAvgPool2d(1)` then `nn.Flatten()`) shifts the
 * indices: the error names the missing and the unexpected keys.
 *
 * | Kiln | torch | layout |
 * | --- | --- | --- |
 * | `dense` `w: [in, out]`, `b` | `Linear` `weight: [out, in]`, `bias` | transposed |
 * | `conv2d` `w: [kh, kw, C, F]`, `b` | `Conv2d` `weight: [F, C, kh, kw]`, `bias` | axes permuted |
 * | `batchNorm` `gamma`, `beta`; state `mean`, `var` | `BatchNorm1d`/`2d` `weight`, `bias`, `running_mean`, `running_var` (+ `num_batches_tracked`) | same |
 * | layers without parameters (activations, dropout, pooling, flatten) | the same module | none |
 *
 * Kiln is channels-last (NHWC) where torch is NCHW, so flattening an image orders features `[H, W, C]`
 * in Kiln and `[C, H, W]` in torch: the first `dense` (and any `batchNorm`) after a `flatten` of a
 * multi-channel image gets its input rows permuted, found by walking the model's layers with their
 * shapes from `featureShape` (the shape of one example, Kiln's layout: `[8, 8, 1]` for 8x8 grayscale).
 * Inputs must be transposed the same way (NCHW to NHWC) before a Kiln model sees them.
 *
 * What the parameters cannot show must match by construction: `conv2d` padding (`'same'` with stride 1
 * is torch `padding='same'`, or `k // 2` for odd k; with stride > 1 Kiln pads as TensorFlow, which
 * torch's symmetric padding may not equal), `batchNorm` eps (both default 1e-5) and momentum (Kiln's
 * default 0.9 weighs the old running value, which is torch's `momentum=0.1`). `num_batches_tracked` is
 * ignored on import (any dtype) and written as the float64 scalar 0 on export.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Layer, LayerSpec } from '../nn/layer.js'
import { layerSites } from '../nn/sequential.js'
import { flattenParams, isSubtree, unflatten, type ParamValues } from '../nn/tree.js'
import { ArgumentError, numberList } from '../options.js'
import { fmt, shapeEq, sizeOf, type Shape } from '../shape.js'
import type { TensorEntry } from './safetensors.js'

/** Why a state dict does not fit a model: the torch key (or layer prefix) and a message naming it, the shapes and what was expected. */
export interface TorchStateDictError {
  readonly _tag: 'TorchStateDictError'
  readonly key: string
  readonly message: string
}

/**
 * Builds a `TorchStateDictError`.
 * @example
 * import { torchStateDictError } from 'kiln'
 * torchStateDictError('0.weight', 'missing').key // '0.weight'
 */
export const torchStateDictError = (key: string, message: string): TorchStateDictError => ({ _tag: 'TorchStateDictError', key, message })

/**
 * The Kiln layers with parameters that have a torch mapping (every layer without parameters maps to itself).
 * @example
 * import { TORCH_LAYERS } from 'kiln'
 * TORCH_LAYERS // ['dense', 'conv2d', 'batchNorm']
 */
export const TORCH_LAYERS: readonly string[] = ['dense', 'conv2d', 'batchNorm']

/** Thrown inside this module only: a torch key (or layer prefix) and what is wrong there. */
class Problem extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message)
  }
}

/** How a layer's input is laid out in torch: as in Kiln, an image (Kiln NHWC, torch NCHW), or flat features in another order (`perm[k]`: torch index of Kiln feature k). */
type Layout = { readonly kind: 'same' } | { readonly kind: 'image' } | { readonly kind: 'flat'; readonly perm: Int32Array }

/** One tensor of the mapping: where it is in torch and in Kiln, and the conversions both ways. */
interface Mapped {
  readonly torchKey: string
  readonly torchShape: Shape
  readonly part: 'params' | 'state'
  readonly path: string
  readonly kilnShape: Shape
  readonly what: string
  readonly toKiln: (v: Float64Array) => Float64Array
  readonly toTorch: (v: Float64Array) => Float64Array
  /** A torch key that follows this one: ignored on import, the float64 scalar 0 on export (`num_batches_tracked`). */
  readonly trailer?: string
}

/** Kiln `[H, W, C]` flattened, in torch's `[C, H, W]` order: `perm[(h*W + w)*C + c] = (c*H + h)*W + w`. */
const flattenPerm = (h: number, w: number, c: number): Int32Array => {
  const perm = new Int32Array(h * w * c)
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) perm[(i * w + j) * c + k] = (k * h + i) * w + j
  return perm
}

/** Both conversions of a tensor. */
type Convert = Pick<Mapped, 'toKiln' | 'toTorch'>

/**
 * Both conversions of a reordering, from one walk over it: `each(visit)` calls `visit(k, t)` for
 * every Kiln index k and the torch index t of the same value (so the index arithmetic is written once).
 */
const reorder = (each: (visit: (k: number, t: number) => void) => void): Convert => ({
  toKiln: (v) => {
    const out = new Float64Array(v.length)
    each((k, t) => (out[k] = v[t]!))
    return out
  },
  toTorch: (v) => {
    const out = new Float64Array(v.length)
    each((k, t) => (out[t] = v[k]!))
    return out
  },
})

/** A vector, in the same order (`perm` undefined) or with torch index `perm[k]` for Kiln index k. */
const vector = (perm: Int32Array | undefined): Convert =>
  // torch-bound values are only read (written to a file), so they may share memory; Kiln-bound ones are copies
  perm === undefined ? { toKiln: (v) => v.slice(), toTorch: (v) => v } : reorder((visit) => perm.forEach((t, k) => visit(k, t)))

/** Dense: Kiln `w[k, o]` is torch `weight[o, perm[k]]`. */
const denseWeight = (n: number, units: number, perm: Int32Array | undefined): Convert =>
  reorder((visit) => {
    for (let k = 0; k < n; k++) for (let o = 0; o < units; o++) visit(k * units + o, o * n + (perm === undefined ? k : perm[k]!))
  })

/** Conv2d: Kiln `w[i, j, c, f]` (`[kh, kw, C, F]`) is torch `weight[f, c, i, j]`. */
const convWeight = ([kh = 1, kw = 1, c = 1, f = 1]: Shape): Convert =>
  reorder((visit) => {
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++)
        for (let k = 0; k < c; k++) for (let g = 0; g < f; g++) visit(((i * kw + j) * c + k) * f + g, ((g * c + k) * kh + i) * kw + j)
  })

/** The keys of a layer's declared parameters (or state), which must be exactly `allowed` (`optional` may be absent). */
const declared = (tree: LayerSpec['params'], allowed: readonly string[], optional: readonly string[], where: string): string[] => {
  const keys = Object.keys(tree)
  const bad = keys.find((k) => !allowed.includes(k)) ?? allowed.find((k) => !optional.includes(k) && !keys.includes(k))
  if (bad !== undefined) throw new Problem(where, `${where}: expected the entries ${allowed.join(', ')}, got ${keys.join(', ') || 'none'}`)
  return keys
}

interface Site {
  readonly index: number
  readonly layer: Layer
  readonly torch: string
  readonly kiln: string
  readonly spec: LayerSpec
  readonly inShape: Shape
  readonly layout: Layout
}

const tensor = (site: Site, part: Mapped['part'], key: string, torchName: string, kilnShape: Shape, torchShape: Shape, to: Convert): Mapped => ({
  torchKey: `${site.torch}${torchName}`,
  torchShape,
  part,
  path: site.kiln === '' ? key : `${site.kiln}.${key}`,
  kilnShape,
  what: `${site.layer.name} layer ${site.index} ${part === 'params' ? '' : 'state '}'${key}'`,
  ...to,
})

/** The shape of a declared variable (`declared` checked that it is there). */
const varShape = (tree: LayerSpec['params'], k: string): Shape => {
  const v = tree[k]
  if (v === undefined || isSubtree(v)) throw new Problem(k, `expected a variable '${k}', got ${v === undefined ? 'none' : 'a subtree'}`)
  return v.shape
}

const permOf = (l: Layout): Int32Array | undefined => (l.kind === 'flat' ? l.perm : undefined)

/** The torch tensors of one layer with parameters. */
const layerTensors = (site: Site): Mapped[] => {
  const { layer, spec, inShape, layout } = site
  const where = site.torch || '(root)'
  if (layer.name === 'dense') {
    if (inShape.length === 4) throw new Problem(where, `layer ${site.index} (dense) acts on the channels of an NHWC image; torch's Linear would act on the width of NCHW: flatten first`)
    const keys = declared(spec.params, ['w', 'b'], ['b'], `layer ${site.index} (dense)`)
    const [n = 0, units = 0] = varShape(spec.params, 'w')
    const w = tensor(site, 'params', 'w', 'weight', [n, units], [units, n], denseWeight(n, units, permOf(layout)))
    return keys.includes('b') ? [w, tensor(site, 'params', 'b', 'bias', [units], [units], vector(undefined))] : [w]
  }
  if (layer.name === 'conv2d') {
    const keys = declared(spec.params, ['w', 'b'], ['b'], `layer ${site.index} (conv2d)`)
    const k = varShape(spec.params, 'w')
    const [kh = 0, kw = 0, c = 0, f = 0] = k
    const w = tensor(site, 'params', 'w', 'weight', k, [f, c, kh, kw], convWeight(k))
    return keys.includes('b') ? [w, tensor(site, 'params', 'b', 'bias', [f], [f], vector(undefined))] : [w]
  }
  if (layer.name === 'batchNorm') {
    if (inShape.length !== 2 && inShape.length !== 4)
      throw new Problem(where, `layer ${site.index} (batchNorm) on rank-${inShape.length} input normalizes the last axis; torch's BatchNorm1d normalizes axis 1 of [N, C, L]: only [N, C] and images map`)
    declared(spec.params, ['gamma', 'beta'], [], `layer ${site.index} (batchNorm)`)
    declared(spec.state, ['mean', 'var'], [], `layer ${site.index} (batchNorm) state`)
    const c = [inShape.at(-1)!]
    const v = vector(permOf(layout))
    const pairs = [['params', 'gamma', 'weight'], ['params', 'beta', 'bias'], ['state', 'mean', 'running_mean'], ['state', 'var', 'running_var']] as const
    const out = pairs.map(([part, key, name]) => tensor(site, part, key, name, c, c, v))
    return [...out.slice(0, 3), { ...out[3]!, trailer: `${site.torch}num_batches_tracked` }]
  }
  throw new Problem(where, `layer ${site.index} (${layer.name}) has parameters but no torch mapping; supported: ${TORCH_LAYERS.join(', ')}, and layers without parameters`)
}

/** The layout after a layer without parameters, from its input and output shapes. */
const nextLayout = (site: Site, out: Shape): Layout => {
  const { inShape: s, layout } = site
  const no = (why: string) => new Problem(site.torch || '(root)', `layer ${site.index} (${site.layer.name}) ${fmt(s)} -> ${fmt(out)}: ${why}`)
  if (shapeEq(s, out)) return layout
  if (out.length === 4) {
    if (s.length === 4) return { kind: 'image' }
    // [N, H*W] to [N, H, W, 1] is the same order in both; more channels would need a torch permute
    if (layout.kind === 'same' && out[3] === 1) return { kind: 'image' }
    throw no('reshaping features into a multi-channel image has no one-module torch equivalent (torch images are NCHW)')
  }
  if (s.length === 4) {
    const [, h = 0, w = 0, c = 0] = s
    if (out.length === 2 && out[1] === h * w * c) return c === 1 || h * w === 1 ? { kind: 'same' } : { kind: 'flat', perm: flattenPerm(h, w, c) }
    if (out.length === 2 && out[1] === c) return { kind: 'same' }
    throw no('only flattening or global pooling of an image maps to torch')
  }
  if (layout.kind === 'same') return layout
  throw no('reshaping a flattened multi-channel image changes the feature order torch sees')
}

/** Walks the model's layers with their shapes: every torch tensor, in torch's order. */
const mappingOf = (op: string, model: Layer, featureShape: unknown): Mapped[] => {
  const fs = numberList(op, 'featureShape', featureShape, true)
  let layout: Layout = fs.length === 3 ? { kind: 'image' } : { kind: 'same' }
  const tensors: Mapped[] = []
  layerSites(model, [1, ...fs]).forEach(({ index, layer, path, inputShape, spec }) => {
    const site: Site = { index, layer, spec, inShape: inputShape, layout, torch: path === '' ? '' : `${index}.`, kiln: path }
    const own = flattenParams(spec.params).length + flattenParams(spec.state).length
    if (own === 0) layout = nextLayout(site, spec.outputShape)
    else {
      tensors.push(...layerTensors(site))
      // batchNorm keeps its input's layout; dense and conv2d outputs are in the same order in both
      if (layer.name !== 'batchNorm') layout = spec.outputShape.length === 4 ? { kind: 'image' } : { kind: 'same' }
    }
  })
  return tensors
}

const list = (keys: readonly string[]): string =>
  keys.length === 0 ? 'none' : `${keys.slice(0, 8).map((k) => `'${k}'`).join(', ')}${keys.length > 8 ? `, ... (${keys.length} in all)` : ''}`

/**
 * A Kiln model's parameters and state from a PyTorch state dict (such as the tensors of a
 * safetensors file that `safetensors.torch.save_file(model.state_dict(), ...)` wrote), converting
 * layouts (see the module doc). Every key must be used (`num_batches_tracked` aside) and every shape
 * must agree: a missing key, an extra key or a wrong shape is a `Left` naming the key, the shape
 * found and the one expected; so is a layer with parameters but no mapping (naming the supported
 * ones). Only `sequential` models and single layers are mapped for now. The values are copies (so a
 * loaded file's buffer can be freed).
 * @example
 * import { fromTorchStateDict, sequential, dense, layers } from 'kiln'
 * const model = sequential(dense(2), layers.relu(), dense(1))
 * const dict = new Map([
 *   ['0.weight', { shape: [2, 3], values: Float64Array.of(1, 2, 3, 4, 5, 6) }], ['0.bias', { shape: [2], values: Float64Array.of(0, 1) }],
 *   ['2.weight', { shape: [1, 2], values: Float64Array.of(7, 8) }], ['2.bias', { shape: [1], values: Float64Array.of(9) }],
 * ])
 * const v = fromTorchStateDict(model, [3], dict)
 * v._tag === 'Right' && v.right.params // { dense0: { w: Float64Array.of(1, 4, 2, 5, 3, 6), b: Float64Array.of(0, 1) }, dense2: { w: Float64Array.of(7, 8), b: Float64Array.of(9) } }
 * const bad = fromTorchStateDict(model, [4], dict)
 * bad._tag === 'Left' && bad.left.message // "fromTorchStateDict: '0.weight' has shape [2,3], expected [2,4] (dense layer 0 'w')"
 */
export const fromTorchStateDict = (
  model: Layer,
  featureShape: readonly number[],
  tensors: ReadonlyMap<string, TensorEntry>,
): E.Either<TorchStateDictError, { readonly params: ParamValues; readonly state: ParamValues }> => {
  const op = 'fromTorchStateDict'
  let mapping: Mapped[]
  try {
    mapping = mappingOf(op, model, featureShape)
  } catch (e) {
    return E.left(torchStateDictError(e instanceof Problem ? e.key : '(model)', `${op}: ${(e as Error).message}`))
  }
  const expected = new Set(mapping.map((m) => m.torchKey))
  const ignored = new Set(mapping.flatMap((m) => (m.trailer === undefined ? [] : [m.trailer])))
  const extra = [...tensors.keys()].filter((k) => !expected.has(k) && !ignored.has(k))
  const out: Record<Mapped['part'], [string, Float64Array][]> = { params: [], state: [] }
  for (const m of mapping) {
    const t = tensors.get(m.torchKey)
    if (t === undefined)
      return E.left(torchStateDictError(m.torchKey, `${op}: missing '${m.torchKey}' of shape ${fmt(m.torchShape)} (${m.what}); keys the model does not expect: ${list(extra)}`))
    if (!shapeEq(t.shape, m.torchShape) || t.values.length !== sizeOf(m.torchShape))
      return E.left(torchStateDictError(m.torchKey, `${op}: '${m.torchKey}' has shape ${fmt(t.shape)}, expected ${fmt(m.torchShape)} (${m.what})`))
    out[m.part].push([m.path, m.toKiln(t.values)])
  }
  if (extra.length > 0) return E.left(torchStateDictError(extra[0]!, `${op}: unexpected key${extra.length > 1 ? 's' : ''} ${list(extra)}; the model's keys are ${list([...expected])}`))
  return E.right({ params: unflatten(out.params), state: unflatten(out.state) })
}

/**
 * A PyTorch state dict of a Kiln model's values, in torch's key order and layouts (see the module
 * doc), ready for `saveSafetensors` or `encodeSafetensors` (then `model.load_state_dict(
 * safetensors.torch.load_file(path))` in Python; float64 values, so `model.double()` first or let
 * `load_state_dict` cast). Batch-norm layers also get `num_batches_tracked` as the float64 scalar 0.
 * Vectors that need no reordering are the model's own arrays (not copies: they are only read). Only
 * `sequential` models and single layers are mapped for now. Throws an `ArgumentError` naming the value
 * that is missing, extra or of the wrong size, or the layer that has no mapping.
 * @example
 * import { toTorchStateDict, sequential, dense, layers, key } from 'kiln'
 * const model = sequential(dense(2), layers.batchNorm())
 * const v = model.init(key(0), [1, 3])
 * toTorchStateDict(model, [3], v).map(([k, t]) => `${k} [${t.shape}]`) // ['0.weight [2,3]', '0.bias [2]', '1.weight [2]', '1.bias [2]', '1.running_mean [2]', '1.running_var [2]', '1.num_batches_tracked []']
 */
export const toTorchStateDict = (
  model: Layer,
  featureShape: readonly number[],
  values: { readonly params: ParamValues; readonly state: ParamValues },
): ReadonlyArray<readonly [string, TensorEntry]> => {
  const op = 'toTorchStateDict'
  let mapping: Mapped[]
  try {
    mapping = mappingOf(op, model, featureShape)
  } catch (e) {
    throw e instanceof Problem ? new ArgumentError(op, e.key, e.message) : e
  }
  const given = { params: new Map(flattenParams(values.params)), state: new Map(flattenParams(values.state)) }
  const out: (readonly [string, TensorEntry])[] = []
  for (const m of mapping) {
    const v = given[m.part].get(m.path)
    if (!(v instanceof Float64Array) || v.length !== sizeOf(m.kilnShape))
      throw new ArgumentError(op, `${m.part}.${m.path}`, `expected a Float64Array of ${sizeOf(m.kilnShape)} values (shape ${fmt(m.kilnShape)}, ${m.what}), got ${v instanceof Float64Array ? `${v.length} values` : 'none'}`)
    given[m.part].delete(m.path)
    out.push([m.torchKey, { shape: m.torchShape, values: m.toTorch(v) }])
    if (m.trailer !== undefined) out.push([m.trailer, { shape: [], values: Float64Array.of(0) }])
  }
  for (const part of ['params', 'state'] as const) {
    const left = [...given[part].keys()]
    if (left.length > 0) throw new ArgumentError(op, `${part}.${left[0]}`, `the model has no such ${part === 'params' ? 'parameter' : 'state'} (extra: ${list(left)})`)
  }
  return out
}
