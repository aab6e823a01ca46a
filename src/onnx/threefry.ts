/**
 * Kiln's `uniform` as ONNX: the Threefry-2x32 (20 rounds) counter-based generator of
 * src/random/threefry.ts written out in int64 arithmetic, so an exported training step draws exactly
 * the dropout masks Kiln draws. 32-bit words live in int64 values in [0, 2^32): an addition is masked
 * back to 32 bits, a left rotation by r is (x 2^r mod 2^32) | floor(x / 2^(32 - r)). Needs the bitwise
 * operators of opset 18.
 * @module
 */
import type { OnnxBuilder } from './builder.js'
import { DataType } from './proto.js'
import { THREEFRY } from '../random/threefry.js'

const { parity: PARITY32, rotations: ROTATIONS } = THREEFRY
const MASK = 0xffffffff

/**
 * Element i of `uniform(key, shape)` for i < n: `(w0 2^21 + floor(w1 / 2^11)) 2^-53` with
 * `[w0, w1] = threefry2x32(k0, k1, 0, i)`, as float64 (exact: the integer has 53 bits).
 * @example
 * import { OnnxBuilder } from './builder.js'
 * import { uniformNodes } from './threefry.js'
 * const b = new OnnxBuilder(['key'])
 * uniformNodes(b, 'key', 10)
 * b.nodes.filter((n) => n.opType === 'BitwiseXor').length // 22
 */
export const uniformNodes = (b: OnnxBuilder, key: string, n: number): string => {
  const int = (v: number) => b.ints([v])
  const add = (x: string, y: string) => b.op('BitwiseAnd', [b.op('Add', [x, y]), int(MASK)])
  const xor = (x: string, y: string) => b.op('BitwiseXor', [x, y])
  const rotl = (x: string, r: number) =>
    b.op('BitwiseOr', [b.op('BitwiseAnd', [b.op('Mul', [x, int(2 ** r)]), int(MASK)]), b.op('Div', [x, int(2 ** (32 - r))])])
  const words = b.op('BitwiseAnd', [b.op('Cast', [key], { to: DataType.INT64 }), int(MASK)])
  const k0 = b.op('Slice', [words, int(0), int(1)])
  const k1 = b.op('Slice', [words, int(1), int(2)])
  const k2 = xor(xor(int(PARITY32), k0), k1)
  const schedule = [k0, k1, k2]
  const counter = b.op('Range', [b.scalarInt(0), b.scalarInt(n), b.scalarInt(1)])
  let x0 = k0
  let x1 = add(counter, k1)
  for (let group = 0; group < 5; group++) {
    for (let r = 0; r < 4; r++) {
      x0 = add(x0, x1)
      x1 = xor(rotl(x1, ROTATIONS[(group % 2) * 4 + r]!), x0)
    }
    // key injection after every four rounds: words s+1, s+2 of the schedule plus the injection count
    x0 = add(x0, schedule[(group + 1) % 3]!)
    x1 = add(x1, add(schedule[(group + 2) % 3]!, int(group + 1)))
  }
  const bits = b.op('Add', [b.op('Mul', [x0, int(2 ** 21)]), b.op('Div', [x1, int(2 ** 11)])])
  return b.op('Mul', [b.op('Cast', [bits], { to: DataType.DOUBLE }), b.scalar(2 ** -53)])
}
