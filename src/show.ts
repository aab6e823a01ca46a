/**
 * Readable formulas: infix arithmetic, named leaves, shared subexpressions bound once with `let`.
 * @module
 */
import { topoSort } from './graph.js'
import { fmt } from './shape.js'
import { constValue, type Tensor } from './tensor.js'

const infix: Readonly<Record<string, string>> = {
  add: '+', sub: '-', mul: '*', div: '/', pow: '^',
  greater: '>', greaterEqual: '>=', less: '<', lessEqual: '<=', equal: '==', notEqual: '!=',
}

const attrText = (t: Tensor): string => {
  const a = t.attrs as Record<string, unknown>
  switch (t.op) {
    case 'sum':
    case 'max':
      return `axes=${fmt(a['axes'] as number[])}${a['keepDims'] === true ? ', keepDims' : ''}`
    case 'reshape':
    case 'broadcastTo':
      return fmt(t.shape)
    case 'slice':
      return `begin=${fmt(a['begin'] as number[])}, size=${fmt(t.shape)}`
    default:
      return Object.entries(a)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? fmt(v as number[]) : String(v)}`)
        .join(', ')
  }
}

const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))

const leafText = (t: Tensor): string | undefined => {
  if (t.op === 'input' || t.op === 'param') return (t.attrs as { name: string }).name
  if (t.op === 'uniform') return `uniform${fmt(t.shape)}`
  if (t.op !== 'constant') return undefined
  const c = constValue(t)
  return c !== undefined ? (t.shape.length === 0 ? num(c) : `fill(${num(c)}, ${fmt(t.shape)})`) : `const${fmt(t.shape)}`
}

/**
 * `parts.join(', ')` by concatenation: `join` copies its parts into a flat string, which made printing a
 * deep chain quadratic; `+` links them (V8 flattens the final text once).
 */
const commaList = (parts: readonly string[]): string => {
  let out = parts[0] ?? ''
  for (let i = 1; i < parts.length; i++) out = out + ', ' + parts[i]!
  return out
}

/**
 * Prints an expression (or several) as a formula; nodes used more than once are named `t1, t2, ...`.
 * @example
 * import { show, add, mul, input } from 'kiln'
 * const x = input('x', [3])
 * const y = mul(x, 2)
 * show(add(y, y)) // "let t1 = (x * 2)\n(t1 + t1)"
 */
export const show = (outputs: Tensor | readonly Tensor[]): string => {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor]
  const order = topoSort(outs)
  const uses = new Map<number, number>()
  // an output that is also an operand elsewhere is printed once, so outputs count as uses
  for (const t of [...order.flatMap((n) => n.args), ...outs]) uses.set(t.id, (uses.get(t.id) ?? 0) + 1)
  const text = new Map<number, string>()
  const lets: string[] = []
  for (const t of order) {
    const leaf = leafText(t)
    const args = t.args.map((a) => text.get(a.id)!)
    const op = infix[t.op]
    const at = attrText(t)
    const body = leaf ?? (op !== undefined ? `(${args[0]} ${op} ${args[1]})` : `${t.op}(${commaList(at ? [...args, at] : args)})`)
    if (leaf === undefined && (uses.get(t.id) ?? 0) > 1) {
      const name = `t${lets.length + 1}`
      lets.push(`let ${name} = ${body}`)
      text.set(t.id, name)
    } else text.set(t.id, body)
  }
  return [...lets, ...outs.map((o) => text.get(o.id)!)].join('\n')
}
