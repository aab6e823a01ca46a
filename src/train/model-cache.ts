/**
 * Graphs built and compiled once per model and configuration, and dropped with the model: the one cache
 * behind `evaluateModel`/`predict` and `gradientNorms`.
 * @module
 */
import type { Layer } from '../nn/layer.js'

/**
 * A cache keyed by a model (weakly) and a configuration string; `make` runs on a miss only.
 * @example
 * import { perModel } from './model-cache.js'
 * import { dense } from 'kiln'
 * const cache = perModel<number>()
 * const m = dense(2)
 * cache(m, 'a', () => 1) // 1
 * cache(m, 'a', () => 2) // 1
 */
export const perModel = <V>() => {
  const byModel = new WeakMap<Layer, Map<string, V>>()
  return (model: Layer, key: string, make: () => V): V => {
    let byKey = byModel.get(model)
    if (byKey === undefined) byModel.set(model, (byKey = new Map()))
    let hit = byKey.get(key)
    if (hit === undefined) byKey.set(key, (hit = make()))
    return hit
  }
}
