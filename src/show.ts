/**
 * Readable formulas: infix arithmetic, named leaves, shared subexpressions bound once with `let`.
 * @module
 */
import { leafName, topoSort } from './graph.js'
import { fmt } from './shape.js'
import { opDef } from './optable.js'
import { constValue, type NodeOf, type OpName, type Tensor } from './tensor.js'

/** The infix symbol of a binary op, from its record. */
const infixOf = (t: Tensor): string | undefined => {
  const def = opDef(t.op)
  return def.kind === 'elementwise' ? def.infix : undefined
}

/** The attributes as text: the record's `showAttrs`, else `name=value` pairs. */
const attrText = <K extends OpName>(t: NodeOf<K>): string => {
  const custom = opDef(t.op).showAttrs
  if (custom !== undefined) return custom(t)
  return Object.entries(t.attrs)
    .map(([k, v]: [string, unknown]) => `${k}=${Array.isArray(v) ? fmt(v) : String(v)}`)
    .join(', ')
}

const num = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))

const leafText = (t: Tensor): string | undefined => {
  const name = leafName(t)
  if (name !== undefined) return name
  if (opDef(t.op).kind === 'random') return `${t.op}${fmt(t.shape)}`
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
    const op = infixOf(t)
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
