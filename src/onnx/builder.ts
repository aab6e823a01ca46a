/**
 * The ONNX graph under construction: nodes appended in order, value names made unique, scalar and
 * integer-list constants shared, so a rule reads like the formula it emits (`b.op('Mul', [x, y])`).
 * Only the export mutates a builder, and only while it runs.
 * @module
 */
import type { Attribute, NodeProto, TensorProto } from './proto.js'

/** Attribute values as rules write them: a number is an int unless listed as a float. */
export type Attrs = Readonly<Record<string, number | readonly number[] | string | { readonly float: number }>>

const toAttribute = (name: string, v: Attrs[string]): Attribute => {
  if (typeof v === 'string') return { _tag: 'string', name, value: v }
  if (typeof v === 'number') return { _tag: 'int', name, value: v }
  if ('float' in v) return { _tag: 'float', name, value: v.float }
  return { _tag: 'ints', name, value: v as readonly number[] }
}

/**
 * An ONNX graph being written; value names are the builder's own (`t0`, `t1`, ...) or reserved user names.
 * @example
 * import { OnnxBuilder } from './builder.js'
 * const b = new OnnxBuilder(['x', 't1'])
 * b.op('Mul', ['x', b.scalar(2)]) // 't2'
 * b.scalar(2) // 't0'
 * b.nodes[0]!.inputs // ['x', 't0']
 */
export class OnnxBuilder {
  readonly nodes: NodeProto[] = []
  readonly initializers: TensorProto[] = []
  private readonly taken: Set<string>
  private readonly scalars = new Map<string, string>()
  private readonly intLists = new Map<string, string>()
  private next = 0

  /**
   * `reserved`: the graph's input, parameter and output names, never reused for an intermediate value;
   * `prefix` starts every node's name (nodes of two builders merged into one graph stay apart).
   */
  constructor(
    reserved: Iterable<string>,
    private readonly prefix = '',
  ) {
    this.taken = new Set(reserved)
  }

  /** A fresh value name. */
  fresh(): string {
    for (;;) {
      const name = `t${this.next++}`
      if (!this.taken.has(name)) {
        this.taken.add(name)
        return name
      }
    }
  }

  /** Appends `opType(inputs)` and returns its output's name (or writes to `output` when given). */
  op(opType: string, inputs: readonly string[], attrs: Attrs = {}, output?: string): string {
    const out = output ?? this.fresh()
    const attributes = Object.entries(attrs).map(([k, v]) => toAttribute(k, v))
    this.nodes.push({ opType, inputs, outputs: [out], name: `${this.prefix}${opType}_${this.nodes.length}`, attributes })
    return out
  }

  /** A float64 initializer named `name` (a parameter or a constant tensor). */
  tensor(values: Float64Array, dims: readonly number[], name = this.fresh()): string {
    this.initializers.push({ name, dims, data: { _tag: 'double', values } })
    return name
  }

  /** A shared float64 scalar constant (`-0` and NaN kept apart from `0` by their bits). */
  scalar(v: number): string {
    const key = Object.is(v, -0) ? '-0' : String(v)
    let name = this.scalars.get(key)
    if (name === undefined) {
      name = this.tensor(Float64Array.of(v), [])
      this.scalars.set(key, name)
    }
    return name
  }

  /** An int64 scalar constant (Range's bounds). */
  scalarInt(v: number): string {
    const name = this.fresh()
    this.initializers.push({ name, dims: [], data: { _tag: 'int64', values: [v] } })
    return name
  }

  /** A shared 1-D int64 constant (shapes, axes, pads). */
  ints(vs: readonly number[]): string {
    const key = vs.join(',')
    let name = this.intLists.get(key)
    if (name === undefined) {
      name = this.fresh()
      this.initializers.push({ name, dims: [vs.length], data: { _tag: 'int64', values: vs } })
      this.intLists.set(key, name)
    }
    return name
  }
}
