/**
 * `exportModel`: a trained model as an ONNX inference model: input `x` (raw rows when its preprocessing
 * is folded in), output `probabilities` (or `logits`), parameters and layer state as initializers, the
 * classes and objective in the metadata. The batch axis is symbolic by default: the graph is exported
 * at three batch sizes and every difference between them must be a multiple of the batch size (a shape
 * entry), which then is computed from `x`'s shape at run time; anything else is refused.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { input } from '../make.js'
import { leafList, packValues, type ParamValues, type Params } from '../nn/tree.js'
import { leafName } from '../graph.js'
import { describeValue, kindCheck, optionTableProblem, type OptionTable } from '../options.js'
import * as K from '../api.js'
import type { Tensor } from '../tensor.js'
import type { Trained } from '../train/predict.js'
import { catchOnnx, onnxModel, refuseOnnx, type OnnxError } from './export.js'
import { OnnxBuilder } from './builder.js'
import { encodeOnnxModel, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto.js'

export interface ExportModelOptions {
  /** `'probabilities'` (the default: what `predict` returns) or `'logits'` (the model's own output). */
  readonly output?: 'probabilities' | 'logits'
  /** Fold the model's preprocessing (standardization or min-max scaling) into the graph, so `x` takes raw rows (default false). */
  readonly preprocess?: boolean
  /** A fixed batch size, or `'dynamic'` (the default): a symbolic first axis named `batch`. */
  readonly batch?: number | 'dynamic'
  /** 17 to 21 (default 18). */
  readonly opset?: number
  /** The graph's name (default `kiln`). */
  readonly name?: string
}

const EXPORT_MODEL_OPTIONS: OptionTable = {
  checks: {
    output: (v) => (v === 'probabilities' || v === 'logits' ? undefined : `expected 'probabilities' or 'logits', got ${describeValue(v)}`),
    preprocess: kindCheck('boolean'),
    batch: (v) => (v === 'dynamic' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) ? undefined : `expected a positive integer or 'dynamic', got ${describeValue(v)}`),
    opset: kindCheck('number'),
    name: kindCheck('string'),
  },
}

/** The inference graph's ONNX model at `batch` rows. */
const modelAt = (trained: Trained, batch: number, options: ExportModelOptions): ModelProto => {
  const { model, featureShape, objective, preprocess } = trained
  const x = input('x', [batch, ...featureShape])
  let fed: Tensor = x
  if (options.preprocess === true) {
    if (preprocess === undefined) refuseOnnx('preprocess', 'the model has no preprocessing to fold in')
    else {
      const [shift, scale] = preprocess._tag === 'Standardizer' ? [preprocess.mean, preprocess.std] : [preprocess.min, preprocess.range]
      fed = K.div(K.sub(x, K.constant(shift, featureShape)), K.constant(scale, featureShape))
    }
  }
  const leaves = model.leaves([batch, ...featureShape])
  const out = model.apply(leaves.params, fed, { training: false, state: leaves.state }).y
  const y = options.output === 'logits' ? out : objective.predict(out)
  const values = (tree: Params, v: ParamValues, what: string) => {
    const packed = packValues(tree, v, `exportModel ${what}`)
    return Object.fromEntries(leafList(tree).map((t, i) => [leafName(t) ?? `${i}`, packed[i]!]))
  }
  return onnxModel({ [options.output ?? 'probabilities']: y }, {
    inputs: [x], params: values(leaves.params, trained.params, 'params'), fixedInputs: values(leaves.state, trained.state, 'state'),
    ...(options.opset === undefined ? {} : { opset: options.opset }), name: options.name ?? 'kiln',
    metadata: {
      'kiln.objective': objective.name, 'kiln.classes': JSON.stringify(trained.classes),
      'kiln.featureShape': JSON.stringify(featureShape), 'kiln.preprocess': options.preprocess === true ? 'folded' : trained.preprocess === undefined ? 'none' : 'not folded: x takes preprocessed rows',
    },
  })
}

const SIZES = [2, 3, 5] as const
/** Nodes hold names, op types and small integer attributes: compared as JSON. */
const sameNodes = (a: readonly NodeProto[], b: readonly NodeProto[]): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Same name, dims and values (bit for bit; a trained model's parameter arrays are the same objects in every export). */
const sameTensor = (a: TensorProto, b: TensorProto): boolean => {
  if (a.name !== b.name || a.dims.join() !== b.dims.join() || a.data._tag !== b.data._tag) return false
  const [x, y] = [a.data.values, b.data.values]
  if (x === y) return true
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false
  return true
}

/** `k` when `vs[i] = k * SIZES[i]` for every size, else undefined. */
const batchMultiple = (vs: readonly number[]): number | undefined => {
  const k = vs[0]! / SIZES[0]
  return Number.isInteger(k) && vs.every((v, i) => v === k * SIZES[i]!) ? k : undefined
}

const notGeneric = (what: string): never =>
  refuseOnnx('batch', `the graph depends on the batch size beyond its shapes (${what}); export with a fixed batch size`)

/** An int64 initializer whose entries are constants or multiples of the batch: the nodes that compute it from `x`. */
const shapeNodes = (b: OnnxBuilder, batch: () => string, t: TensorProto, versions: readonly TensorProto[]): void => {
  const entries = versions.map((v) => (v.data._tag === 'int64' ? v.data.values : notGeneric(`initializer ${t.name}`)))
  const parts = entries[0]!.map((_, j) => {
    const vs = entries.map((e) => e[j]!)
    if (vs.every((v) => v === vs[0])) return b.ints([vs[0]!])
    const k = batchMultiple(vs)
    if (k === undefined) return notGeneric(`entry ${j} of ${t.name} is ${vs.join(', ')} at batch sizes ${SIZES.join(', ')}`)
    return k === 1 ? batch() : b.op('Mul', [batch(), b.ints([k])])
  })
  b.op('Concat', parts, { axis: 0 }, t.name)
}

/** The graph of `versions` (one per size in SIZES) with the batch symbolic, or a refusal. */
const generalize = (versions: readonly ModelProto[]): ModelProto => {
  const [first] = versions as [ModelProto, ...ModelProto[]]
  const graphs = versions.map((v) => v.graph)
  if (!graphs.every((g) => sameNodes(g.nodes, first.graph.nodes))) notGeneric('its operations differ between batch sizes')
  const taken = [...first.graph.nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...first.graph.initializers.map((t) => t.name), ...first.graph.inputs.map((v) => v.name)]
  const b = new OnnxBuilder(taken, 'batch_')
  let batchName: string | undefined
  const batch = () => (batchName ??= b.op('Shape', ['x'], { start: 0, end: 1 }))
  const kept: TensorProto[] = []
  first.graph.initializers.forEach((t, i) => {
    const all = graphs.map((g) => g.initializers[i])
    if (all.some((u) => u === undefined || u.name !== t.name)) notGeneric('its constants differ between batch sizes')
    if (all.every((u) => u !== undefined && sameTensor(u, t))) kept.push(t)
    else if (t.data._tag === 'double') notGeneric(`constant ${t.name} ${JSON.stringify(t.dims)} changes with it`)
    else shapeNodes(b, batch, t, all as TensorProto[])
  })
  const dims = (pick: (g: GraphProto) => GraphProto['inputs']) =>
    pick(first.graph).map((v, i) => ({
      ...v,
      dims: v.dims.map((d, j) => {
        const vs = graphs.map((g) => pick(g)[i]!.dims[j] as number)
        if (vs.every((u) => u === d)) return d
        return batchMultiple(vs) === 1 ? 'batch' : notGeneric(`axis ${j} of ${v.name}`)
      }),
    }))
  const nodes: NodeProto[] = [...b.nodes, ...first.graph.nodes]
  return { ...first, graph: { ...first.graph, nodes, initializers: [...kept, ...b.initializers], inputs: dims((g) => g.inputs), outputs: dims((g) => g.outputs) } }
}

/**
 * A trained model as ONNX bytes for serving: input `x` `[batch, ...featureShape]`, output
 * `probabilities` (what `predict` returns) or `logits`, parameters and layer state as initializers,
 * float64 throughout; the batch axis symbolic unless `batch` fixes it.
 * @example
 * import { adam, dense, exportModel, fit, flower, key, sequential } from 'kiln'
 * const r = fit(sequential(dense(2)), flower(key(1), 20), { epochs: 1, batchSize: 20, optimizer: adam(0.01), key: key(0) })
 * r._tag === 'Right' && exportModel(r.right)._tag // 'Right'
 * r._tag === 'Right' && exportModel(r.right, { batch: 0 })._tag === 'Left' && exportModel(r.right, { batch: 0 }).left.field // 'batch'
 */
export const exportModel = (trained: Trained, options: ExportModelOptions = {}): E.Either<OnnxError, Uint8Array> => {
  const problem = optionTableProblem('exportModel', options, EXPORT_MODEL_OPTIONS)
  if (problem !== undefined) return E.left({ _tag: 'OnnxError', field: problem.field, message: problem.message })
  return catchOnnx('exportModel', () => {
    const batch = options.batch ?? 'dynamic'
    return encodeOnnxModel(batch === 'dynamic' ? generalize(SIZES.map((n) => modelAt(trained, n, options))) : modelAt(trained, batch, options))
  })
}
