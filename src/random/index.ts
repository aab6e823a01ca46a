/**
 * Explicit splittable PRNG keys on counter-based Threefry-2x32 (see `threefry`, `key`, `sample`).
 * @module
 */

export { threefry2x32, uniformAt, normalAt } from './threefry.js'
export { type Key, key, keyFromWords, split, foldIn, uniformBits } from './key.js'
export {
  uniform,
  normal,
  truncatedNormal,
  bernoulli,
  randomInt,
  permutation,
  shuffleArray,
  choice,
} from './sample.js'
