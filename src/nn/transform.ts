/**
 * Optax-style gradient transformations as Kiln expressions. An optimizer maps gradient, state and
 * parameter tensors and the step tensor to update tensors and new state tensors; `applyUpdates` adds the
 * updates to the parameters. State is a named tree (`adam.m.dense0.w`) of `input` leaves, so one training
 * step is one graph whose outputs are the new parameters and the new state, fed back next step.
 * @module
 */
import type { LearningRate } from './schedules.js'
import { add, div, minimum, mul, sqrt, square, sum } from '../api.js'
import { hasOwn, requireNumber } from '../options.js'
import { type Tensor } from '../tensor.js'
import { scalar } from '../make.js'
import { inputLeaves, isSubtree, leafList, mapParams, mergeTrees, TreeError, zipParams, type ParamValues, type Params, type Tree } from './tree.js'

/** Updates and new state from one optimizer step. */
export interface Updated {
  readonly updates: Params
  readonly state: Params
}

/** An optimizer (gradient transformation). */
export interface Optimizer {
  readonly _tag: 'Optimizer'
  readonly name: string
  /** The top-level keys of its state tree (empty when stateless). */
  readonly stateKeys: readonly string[]
  /** Initial state values for parameter values, e.g. `{ adam: { m: zeros like params, v: ... } }`. */
  readonly init: (params: ParamValues) => ParamValues
  /** State `input` leaves named by path (`adam.m.dense0.w`), shaped like `params`. */
  readonly stateLeaves: (params: Params) => Params
  /** Updates (to add to the parameters) and the new state; `step` is the 0-based update count. */
  readonly update: (grads: Params, state: Params, params: Params, step: Tensor) => Updated
  /** The same optimizer keeping its state under another name (for `chain`). */
  readonly withName?: (name: string) => Optimizer
  /** The averaged parameters it keeps in its state (`emaParams`), read from a state tree; absent when it keeps none. */
  readonly averaged?: (state: ParamValues) => ParamValues | undefined
  /** The learning rate (or schedule) it was given, for `fit`'s per-step records; absent for transformations without one. */
  readonly learningRate?: LearningRate
}

/** A slot's initial value: a constant, or a copy of the parameters. */
export type SlotInit = number | 'params'

/** What a transformation rule sees: gradients, its slot trees, parameters and the step. */
export interface RuleInput {
  readonly grads: Params
  readonly slots: Readonly<Record<string, Params>>
  readonly params: Params
  readonly step: Tensor
}

/** What a rule returns: updates and the new slot trees. */
export interface RuleOutput {
  readonly updates: Params
  readonly slots: Readonly<Record<string, Params>>
}

const subtree = <L>(t: Tree<L>, k: string, who: string): Tree<L> => {
  const v = t[k]
  if (v === undefined || !isSubtree(v)) throw new TreeError(k, `${who}: the state has no subtree '${k}'; got keys ${Object.keys(t).map((x) => `'${x}'`).join(', ') || 'none'}`)
  return v as Tree<L>
}

/**
 * Defines an optimizer from its state slots and a rule over whole trees; the state of optimizer `name`
 * is `{ [name]: { [slot]: tree shaped like the parameters } }`.
 * @example
 * import { defineOptimizer, mapParams, mul } from 'kiln'
 * const plain = defineOptimizer('plain', {}, ({ grads }) => ({ updates: mapParams(grads, (g) => mul(g, -0.1)), slots: {} }))
 * plain.init({ w: Float64Array.of(1) }) // {}
 */
export const defineOptimizer = (
  name: string,
  slots: Readonly<Record<string, SlotInit>>,
  rule: (input: RuleInput) => RuleOutput,
  options: { readonly averages?: string; readonly learningRate?: LearningRate } = {},
): Optimizer => {
  const slotNames = Object.keys(slots)
  const stateful = slotNames.length > 0
  return {
    _tag: 'Optimizer',
    name,
    stateKeys: stateful ? [name] : [],
    init: (params) =>
      stateful
        ? { [name]: Object.fromEntries(slotNames.map((s) => [s, mapParams(params, (v) => (slots[s] === 'params' ? v.slice() : new Float64Array(v.length).fill(slots[s] as number)))])) }
        : {},
    stateLeaves: (params) =>
      stateful ? { [name]: Object.fromEntries(slotNames.map((s) => [s, inputLeaves(mapParams(params, (p) => p.shape), `${name}.${s}`)])) } : {},
    update: (grads, state, params, step) => {
      const who = `${name}.update`
      zipParams(params, grads, () => 0, `${who} (gradients vs parameters)`)
      const own = stateful ? subtree(state, name, who) : {}
      const slotTrees = Object.fromEntries(slotNames.map((s) => {
        const tree = subtree(own, s, who)
        zipParams(params, tree, () => 0, `${who} (state '${name}.${s}' vs parameters)`)
        return [s, tree]
      }))
      const out = rule({ grads, slots: slotTrees, params, step })
      return { updates: out.updates, state: stateful ? { [name]: out.slots } : {} }
    },
    withName: (n) => defineOptimizer(n, slots, rule, options),
    ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }),
    ...(options.averages === undefined ? {} : { averaged: (state: ParamValues) => subtreeOf(subtreeOf(state, name), options.averages!) }),
  }
}

/** The subtree `k` of a value tree, or undefined when there is none. */
const subtreeOf = (t: ParamValues | undefined, k: string): ParamValues | undefined => {
  const v = t === undefined || !hasOwn(t, k) ? undefined : t[k]
  return v === undefined || v instanceof Float64Array ? undefined : v
}

/**
 * A per-leaf rule: `f(g, slots, p, step)` for each parameter leaf, with the slot tensors of that leaf.
 * @example
 * import { perLeaf, defineOptimizer, mul } from 'kiln'
 * const plain = defineOptimizer('plain', {}, perLeaf((g) => ({ update: mul(g, -0.1), slots: {} })))
 * plain.name // 'plain'
 */
export const perLeaf =
  (f: (g: Tensor, slots: Readonly<Record<string, Tensor>>, p: Tensor, step: Tensor) => { readonly update: Tensor; readonly slots: Readonly<Record<string, Tensor>> }) =>
  ({ grads, slots, params, step }: RuleInput): RuleOutput => {
    const names = Object.keys(slots)
    const outs = zipParams(params, grads, (p, g, path) => {
      const here = Object.fromEntries(names.map((s) => [s, pathLeaf(slots[s]!, path)]))
      // tagged so that tree walks treat each result as a leaf
      return { _tag: 'LeafOut' as const, ...f(g, here, p, step) }
    })
    return {
      updates: mapParams(outs, (o) => o.update),
      slots: Object.fromEntries(names.map((s) => [s, mapParams(outs, (o) => o.slots[s]!)])),
    }
  }

const pathLeaf = (tree: Params, path: string): Tensor => {
  let node: Tensor | Params = tree
  for (const k of path.split('.')) node = (node as Params)[k]!
  return node as Tensor
}

/**
 * Adds updates to parameters leaf by leaf (structures must match).
 * @example
 * import { applyUpdates, param, mul } from 'kiln'
 * const w = param('w', [2])
 * applyUpdates({ w }, { w: mul(w, -0.1) }).w.op // 'add'
 */
export const applyUpdates = (params: Params, updates: Params): Params => zipParams(params, updates, (p, u) => add(p, u), 'applyUpdates')

/**
 * Transformations applied in order (each sees the previous one's updates). State keys must differ;
 * a repeated optimizer name gets its index appended (`sgd`, `sgd1`).
 * @example
 * import { chain, clipByGlobalNorm, adam } from 'kiln'
 * chain(clipByGlobalNorm(1), adam(1e-3)).stateKeys // ['adam']
 */
export const chain = (...ts: readonly Optimizer[]): Optimizer => {
  const seen = new Set<string>()
  const parts = ts.map((t, i) => {
    const clash = t.stateKeys.some((k) => seen.has(k))
    const r = clash && t.withName !== undefined ? t.withName(`${t.name}${i}`) : t
    for (const k of r.stateKeys) {
      if (seen.has(k)) throw new TreeError(k, `chain: two transformations keep state under '${k}'`)
      seen.add(k)
    }
    return r
  })
  const pick = (state: Params, t: Optimizer): Params => Object.fromEntries(t.stateKeys.map((k) => [k, subtree(state, k, `chain (${t.name})`)]))
  return {
    _tag: 'Optimizer',
    name: `chain(${parts.map((p) => p.name).join(', ')})`,
    stateKeys: [...seen],
    init: (params) => mergeTrees(...parts.map((t) => t.init(params))),
    stateLeaves: (params) => mergeTrees(...parts.map((t) => t.stateLeaves(params))),
    averaged: (state) => parts.reduce<ParamValues | undefined>((found, t) => found ?? t.averaged?.(state), undefined),
    // The first part that has a learning rate sets the chain's (clipping and averaging have none).
    ...(parts.find((t) => t.learningRate !== undefined)?.learningRate === undefined ? {} : { learningRate: parts.find((t) => t.learningRate !== undefined)!.learningRate! }),
    update: (grads, state, params, step) => {
      let updates = grads
      const states: Params[] = []
      for (const t of parts) {
        const r = t.update(updates, pick(state, t), params, step)
        updates = r.updates
        states.push(r.state)
      }
      return { updates, state: mergeTrees(...states) }
    },
  }
}

/**
 * Rescales all gradients by `min(1, maxNorm / (norm + 1e-6))`, `norm` the global L2 norm over every
 * leaf (PyTorch's `clip_grad_norm_`). Stateless.
 * @example
 * import { clipByGlobalNorm, param, scalar, evaluate } from 'kiln'
 * const g = param('g', [2])
 * const { updates } = clipByGlobalNorm(1).update({ w: g }, {}, { w: param('w', [2]) }, scalar(0))
 * Array.from(evaluate([updates.w as never], { g: [3, 4] })[0]!).map((v) => v.toFixed(6)) // ['0.600000', '0.800000']
 */
export const clipByGlobalNorm = (maxNorm: number): Optimizer => {
  if (!(requireNumber('clipByGlobalNorm', 'maxNorm', maxNorm) > 0)) throw new RangeError(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`)
  return defineOptimizer('clipByGlobalNorm', {}, ({ grads }) => {
    const sq = leafList(grads).map((g): Tensor => sum(square(g)))
    const norm: Tensor = sqrt(sq.length === 0 ? scalar(0) : sq.reduce((a, b) => add(a, b)))
    const scale: Tensor = minimum(div(maxNorm, add(norm, 1e-6)), 1)
    return { updates: mapParams(grads, (g) => mul(g, scale)), slots: {} }
  })
}

/**
 * Exponential moving average of the parameters (Polyak averaging): passes updates through unchanged
 * and keeps `ema = decay * ema + (1 - decay) * (params + updates)` in slot `ema.params` (initialized to
 * the parameters). Put it last in a `chain` so it averages the parameters after the step.
 * @example
 * import { emaParams, chain, sgd } from 'kiln'
 * emaParams(0.99).init({ w: Float64Array.of(1, 2) }) // { ema: { params: { w: Float64Array.of(1, 2) } } }
 * // Where the averaged parameters sit in its state, also inside a chain (fit returns them as `ema`):
 * const opt = chain(sgd(0.1), emaParams(0.99))
 * opt.averaged?.(opt.init({ w: Float64Array.of(3) })) // { w: Float64Array.of(3) }
 */
export const emaParams = (decay: number): Optimizer => {
  if (!(requireNumber('emaParams', 'decay', decay) >= 0 && decay <= 1)) throw new RangeError(`emaParams: decay must be in [0, 1], got ${decay}`)
  return defineOptimizer(
    'ema',
    { params: 'params' },
    perLeaf((u, s, p) => ({ update: u, slots: { params: add(mul(s.params!, decay), mul(add(p, u), 1 - decay)) } })),
    { averages: 'params' },
  )
}
