/**
 * `toOnnx`: any Kiln graph as an ONNX model (protobuf bytes), float64 throughout. The graph's input
 * leaves become graph inputs, its params initializers (with the values given) or graph inputs, and each
 * node is written by its op's rule (src/onnx/rules.ts). Bad options or an op ONNX cannot express are
 * an `OnnxError` value naming the field; nothing is written half.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { isFloat64Array } from '../attrs.js'
import { leavesOf, topoSort, type Leaf } from '../graph.js'
import { ArgumentError, describeValue, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import { fmt, sizeOf } from '../shape.js'
import { isTensor, type NodeOf, type Tensor } from '../tensor.js'
import { KILN_VERSION } from '../version.js'
import { OnnxBuilder } from './builder.js'
import { DataType, encodeOnnxModel, type ModelProto, type ValueInfo } from './proto.js'
import { OnnxUnsupported, onnxRules, type OnnxContext, type OnnxRule } from './rules.js'
import { arith } from './special.js'

/** Why an export failed: the field (an option, an op, a leaf) and what was expected. */
export interface OnnxError {
  readonly _tag: 'OnnxError'
  readonly field: string
  readonly message: string
}

/**
 * The opsets Kiln writes (ONNX Runtime 1.30 runs up to 23); the IR version each needs.
 * @example
 * import { ONNX_OPSETS } from 'kiln'
 * ONNX_OPSETS[18] // 8
 */
export const ONNX_OPSETS: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 }
/** Protobuf's limit on a message: an ONNX file's tensors beyond it need external data files. */
const MAX_PROTO_BYTES = 2 ** 31

/**
 * The opset written when none is asked for.
 * @example
 * import { DEFAULT_OPSET } from 'kiln'
 * DEFAULT_OPSET // 18
 */
export const DEFAULT_OPSET = 18

/** What `toOnnx` exports: one tensor, a list (named `output0`, ...) or a record of named outputs. */
export type OnnxOutputs = Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>

export interface ToOnnxOptions {
  /** The graph inputs in order (input leaves; default: every input the outputs read, in first-use order). Listed inputs the outputs do not read stay graph inputs. */
  readonly inputs?: readonly Tensor[]
  /** Params as initializers, from these values by name (the default, required when the graph has params), or `'inputs'`: params as graph inputs after the inputs. */
  readonly params?: Readonly<Record<string, Float64Array | readonly number[]>> | 'inputs'
  /** Input leaves stored as initializers with these values instead of being graph inputs (a model's layer state). */
  readonly fixedInputs?: Readonly<Record<string, Float64Array | readonly number[]>>
  /** Names of the outputs when they are a list (default `output0`, `output1`, ...; `output` for one tensor). */
  readonly outputNames?: readonly string[]
  /** 17 to 21 (default 18). */
  readonly opset?: number
  /** The graph's name (default `kiln`). */
  readonly name?: string
  /** The model's doc string. */
  readonly docString?: string
  /** Extra `metadata_props` entries. */
  readonly metadata?: Readonly<Record<string, string>>
}

const TO_ONNX_OPTIONS: OptionTable = {
  checks: {
    inputs: kindCheck('array'), params: kindCheck(['object', 'string']), fixedInputs: kindCheck('object'), outputNames: kindCheck('array'), opset: kindCheck('number'),
    name: kindCheck('string'), docString: kindCheck('string'), metadata: kindCheck('object'),
  },
}

const fail = (who: string, field: string, detail: string): OnnxError => ({ _tag: 'OnnxError', field, message: `${who}: ${field}: ${detail}` })
class Refused extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`)
  }
}
const refuse = (field: string, detail: string): never => {
  throw new Refused(field, detail)
}

/** The outputs as `[name, tensor]` pairs, names checked. */
const namedOutputs = (outputs: unknown, names: readonly string[] | undefined): (readonly [string, Tensor])[] => {
  const pairs: (readonly [string, unknown])[] = isTensor(outputs)
    ? [[names?.[0] ?? 'output', outputs]]
    : Array.isArray(outputs)
      ? outputs.map((t, i) => [names?.[i] ?? `output${i}`, t] as const)
      : typeof outputs === 'object' && outputs !== null
        ? // own data properties only: a getter is not run (it reads as no tensor)
          Object.keys(outputs).map((k) => [k, Object.getOwnPropertyDescriptor(outputs, k)?.value as unknown] as const)
        : refuse('outputs', `expected a tensor, a list of tensors or a record of tensors, got ${describeValue(outputs)}`)
  if (pairs.length === 0) refuse('outputs', 'expected at least one output')
  if (names !== undefined && (!Array.isArray(outputs) || names.length !== pairs.length))
    refuse('outputNames', `expected one name per output of a list (${pairs.length}), got ${names.length}`)
  const seen = new Set<string>()
  return pairs.map(([name, t]) => {
    if (typeof name !== 'string' || name.length === 0) refuse('outputNames', `expected non-empty strings, got ${describeValue(name)}`)
    if (seen.has(name)) refuse('outputNames', `the name '${name}' is used twice`)
    seen.add(name)
    if (!isTensor(t)) refuse(`outputs.${name}`, `expected a tensor, got ${describeValue(t)}`)
    return [name, t as Tensor] as const
  })
}

/** The graph inputs: the listed input leaves (checked) or every input read. */
const graphInputs = (listed: readonly unknown[] | undefined, read: ReadonlyMap<string, Leaf>, fixed: readonly Leaf[]): NodeOf<'input'>[] => {
  const reads = [...read.values()].filter((l): l is NodeOf<'input'> => l.op === 'input' && !fixed.includes(l))
  if (listed === undefined) return reads
  const out: NodeOf<'input'>[] = []
  listed.forEach((t, i) => {
    if (!isTensor(t) || t.op !== 'input') return refuse(`inputs[${i}]`, `expected an input leaf, got ${isTensor(t) ? `a ${t.op} node` : describeValue(t)}`)
    const other = read.get(t.attrs.name)
    if (other !== undefined && other !== t) refuse(`inputs[${i}]`, `the name '${t.attrs.name}' is also a ${other.op} ${fmt(other.shape)} of the graph`)
    if (out.some((o) => o.attrs.name === t.attrs.name)) refuse(`inputs[${i}]`, `'${t.attrs.name}' is listed twice`)
    if (fixed.includes(t)) refuse(`inputs[${i}]`, `'${t.attrs.name}' is also in fixedInputs`)
    out.push(t)
  })
  for (const leaf of reads) if (!out.includes(leaf)) refuse('inputs', `the graph reads input '${leaf.attrs.name}' ${fmt(leaf.shape)}, which is not listed`)
  return out
}

/** A leaf's initializer values from `values` (the option `field`), checked against its shape. */
const leafValues = (field: string, values: Readonly<Record<string, unknown>>, p: Leaf): Float64Array => {
  const name = p.attrs.name
  const raw = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined
  if (raw === undefined) return refuse(`${field}.${name}`, `missing: the graph reads ${p.op} '${name}' ${fmt(p.shape)}`)
  const v = isFloat64Array(raw) ? raw : Array.isArray(raw) && raw.every((x) => typeof x === 'number') ? Float64Array.from(raw as number[]) : undefined
  if (v === undefined) return refuse(`${field}.${name}`, `expected a Float64Array or an array of numbers, got ${describeValue(raw)}`)
  if (v.length !== sizeOf(p.shape)) refuse(`${field}.${name}`, `has ${v.length} values, its shape ${fmt(p.shape)} needs ${sizeOf(p.shape)}`)
  return v
}

/** The input leaves stored as initializers: each named one must be an input the graph reads. */
const fixedLeaves = (fixed: Readonly<Record<string, unknown>>, read: ReadonlyMap<string, Leaf>): NodeOf<'input'>[] =>
  Object.keys(fixed).map((name) => {
    const leaf = read.get(name)
    if (leaf === undefined || leaf.op !== 'input') return refuse(`fixedInputs.${name}`, `the graph reads no input named '${name}'`)
    return leaf
  })

/**
 * Gives each output its name: the node computing it writes to that name directly when the value is
 * its own (not a leaf, a shared constant or another output's), else an Identity copies it there.
 */
const nameOutputs = (b: OnnxBuilder, outs: readonly (readonly [string, string])[]): void => {
  const producer = new Map(b.nodes.map((n, i) => [n.outputs[0]!, i]))
  const initial = new Set(b.initializers.map((t) => t.name))
  const renamed = new Map<string, string>()
  for (const [name, value] of outs) {
    const at = producer.get(value)
    if (at === undefined || initial.has(value) || renamed.has(value)) b.op('Identity', [renamed.get(value) ?? value], {}, name)
    else {
      renamed.set(value, name)
      const n = b.nodes[at]!
      b.nodes[at] = { ...n, outputs: [name] }
    }
  }
  if (renamed.size === 0) return
  b.nodes.forEach((n, i) => {
    if (n.inputs.some((v) => renamed.has(v))) b.nodes[i] = { ...n, inputs: n.inputs.map((v) => renamed.get(v) ?? v) }
  })
}

const valueInfo = (name: string, t: Tensor): ValueInfo => ({ name, type: DataType.DOUBLE, dims: t.shape })

/**
 * The model as a value (`toOnnx` encodes it; `exportModel` compares three batch sizes' first). Refusals throw
 * (run it inside `catchOnnx`).
 * @example
 * import { exp, input } from 'kiln'
 * import { onnxModel } from './export.js'
 * const m = onnxModel(exp(input('x', [2])), {})
 * m.graph.nodes.map((n) => n.opType) // ['Exp']
 * m.graph.outputs[0]!.name // 'output'
 */
export const onnxModel = (outputs: unknown, options: ToOnnxOptions): ModelProto => {
  const opset = options.opset ?? DEFAULT_OPSET
  if (ONNX_OPSETS[opset] === undefined) refuse('opset', `expected one of ${Object.keys(ONNX_OPSETS).join(', ')}, got ${describeValue(opset)}`)
  const outs = namedOutputs(outputs, options.outputNames)
  const order = topoSort(outs.map(([, t]) => t))
  const read = leavesOf(order, 'toOnnx')
  const fixed = fixedLeaves(options.fixedInputs ?? {}, read)
  const inputs = graphInputs(options.inputs, read, fixed)
  const params = [...read.values()].filter((l): l is NodeOf<'param'> => l.op === 'param')
  const mode = options.params ?? (params.length === 0 ? 'inputs' : undefined)
  if (mode === undefined) refuse('params', `the graph reads params (${params.map((p) => `'${p.attrs.name}'`).join(', ')}): give their values, or 'inputs'`)
  if (typeof mode === 'string' && mode !== 'inputs') refuse('params', `expected a record of values or 'inputs', got ${describeValue(mode)}`)
  const leafNames = [...inputs, ...params, ...fixed].map((l) => l.attrs.name)
  const tensorBytes = [...(typeof mode === 'object' ? params : []), ...fixed].reduce((n, l) => n + 8 * sizeOf(l.shape), 0)
  if (tensorBytes >= MAX_PROTO_BYTES)
    refuse(typeof mode === 'object' ? 'params' : 'fixedInputs', `the tensors to store take ${tensorBytes} bytes; an ONNX file holds at most 2 GiB (protobuf's limit) without external data, which Kiln does not write: pass params: 'inputs'`)
  for (const [name] of outs) if (leafNames.includes(name)) refuse('outputNames', `'${name}' is also the name of a graph input or param`)
  const b = new OnnxBuilder([...leafNames, ...outs.map(([n]) => n)])
  if (typeof mode === 'object') for (const p of params) b.tensor(leafValues('params', mode, p), p.shape, p.attrs.name)
  for (const l of fixed) b.tensor(leafValues('fixedInputs', options.fixedInputs!, l), l.shape, l.attrs.name)
  const ctx: OnnxContext = { b, A: arith(b), opset, leaf: (node) => node.attrs.name, bools: new Map() }
  const names = new Map<number, string>()
  for (const node of order) {
    const rule = onnxRules[node.op] as OnnxRule<typeof node.op>
    try {
      names.set(node.id, rule(node, node.args.map((a) => names.get(a.id)!), ctx))
    } catch (e) {
      if (e instanceof OnnxUnsupported) refuse(`op ${e.op}`, e.detail)
      throw e
    }
  }
  nameOutputs(b, outs.map(([name, t]) => [name, names.get(t.id)!]))
  const graphInputInfo = [...inputs, ...(mode === 'inputs' ? params : [])].map((l) => valueInfo(l.attrs.name, l))
  const metadata = Object.entries(options.metadata ?? {})
  for (const [k, v] of metadata) if (typeof v !== 'string') refuse(`metadata.${k}`, `expected a string, got ${describeValue(v)}`)
  return {
    irVersion: ONNX_OPSETS[opset]!, opset, producerName: 'kiln', producerVersion: KILN_VERSION, metadata,
    graph: {
      name: options.name ?? 'kiln', nodes: b.nodes, initializers: b.initializers, inputs: graphInputInfo,
      outputs: outs.map(([name, t]) => valueInfo(name, t)), ...(options.docString === undefined ? {} : { docString: options.docString }),
    },
  }
}

/**
 * Runs `f` for the exporter `who`, turning a refusal or an `ArgumentError` into an `OnnxError` value.
 * @example
 * import { catchOnnx, refuseOnnx } from './export.js'
 * catchOnnx('toOnnx', () => 1) // { _tag: 'Right', right: 1 }
 * catchOnnx('toOnnx', () => refuseOnnx('opset', 'no')) // { _tag: 'Left', left: { _tag: 'OnnxError', field: 'opset', message: 'toOnnx: opset: no' } }
 */
export const catchOnnx = <A>(who: string, f: () => A): E.Either<OnnxError, A> => {
  try {
    return E.right(f())
  } catch (e) {
    if (e instanceof Refused) return E.left(fail(who, e.field, e.detail))
    if (e instanceof ArgumentError) return E.left(fail(who, e.field, e.detail))
    throw e
  }
}

/**
 * Throws the refusal `catchOnnx` turns into an `OnnxError` (for the exporters built on `onnxModel`).
 * @example
 * import { catchOnnx, refuseOnnx } from './export.js'
 * catchOnnx('exportModel', () => refuseOnnx('batch', 'too big'))._tag // 'Left'
 */
export const refuseOnnx = (field: string, message: string): never => refuse(field, message)

/**
 * A Kiln graph as ONNX model bytes (float64 `DOUBLE` tensors, opset 17-21): inputs as graph inputs,
 * params as initializers from `params` (or as inputs with `params: 'inputs'`), outputs named.
 * @example
 * import { add, input, matmul, param, tanh, toOnnx } from 'kiln'
 * const x = input('x', [1, 2])
 * const y = tanh(add(matmul(x, param('w', [2, 3])), param('b', [3])))
 * const bytes = toOnnx(y, { params: { w: [1, 2, 3, 4, 5, 6], b: [0, 0, 0] } })
 * bytes._tag // 'Right'
 * toOnnx(y, {})._tag === 'Left' && toOnnx(y, {}).left.field // 'params'
 */
export const toOnnx = (outputs: OnnxOutputs, options: ToOnnxOptions = {}): E.Either<OnnxError, Uint8Array> => {
  const problem = optionTableProblem('toOnnx', options, TO_ONNX_OPTIONS)
  if (problem !== undefined) return E.left(fail('toOnnx', problem.field, problem.detail))
  return catchOnnx('toOnnx', () => encodeOnnxModel(onnxModel(outputs, options)))
}
