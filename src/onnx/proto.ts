/**
 * A minimal protocol-buffers writer for the ONNX messages Kiln emits (ModelProto and what it holds).
 * Written here rather than taken from protobufjs: the export needs only the encoding of eight message
 * types, where protobufjs would add a runtime schema compiler (and `eval`-built codecs) to the bundle.
 * Field numbers are onnx.proto's (ONNX 1.14); `spec/onnx/export.spec.ts` reads the bytes back with an
 * independent decoder, and ONNX Runtime loads them in every ONNX spec.
 * @module
 */
import { LITTLE_ENDIAN_HOST } from '../io/dtypes.js'

/**
 * ONNX tensor element types Kiln writes (onnx.proto `TensorProto.DataType`).
 * @example
 * import { DataType } from './proto.js'
 * DataType.DOUBLE // 11
 */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const
export type DataType = (typeof DataType)[keyof typeof DataType]

/** A tensor's data: doubles, or 64-bit integers (shapes, axes, indices), or booleans. */
export type TensorData =
  | { readonly _tag: 'double'; readonly values: Float64Array }
  | { readonly _tag: 'int64'; readonly values: readonly number[] }

/** A named tensor with its dims: an initializer or a `Constant` node's value. */
export interface TensorProto {
  readonly name: string
  readonly dims: readonly number[]
  readonly data: TensorData
}

/** A node attribute (onnx.proto `AttributeProto`): the kinds Kiln's rules use. */
export type Attribute =
  | { readonly _tag: 'int'; readonly name: string; readonly value: number }
  | { readonly _tag: 'ints'; readonly name: string; readonly value: readonly number[] }
  | { readonly _tag: 'float'; readonly name: string; readonly value: number }
  | { readonly _tag: 'string'; readonly name: string; readonly value: string }
  | { readonly _tag: 'tensor'; readonly name: string; readonly value: TensorProto }

export interface NodeProto {
  readonly opType: string
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  readonly name: string
  readonly attributes: readonly Attribute[]
}

/** A graph input or output: its name, element type and dims (a string dim is symbolic, e.g. `'batch'`). */
export interface ValueInfo {
  readonly name: string
  readonly type: DataType
  readonly dims: readonly (number | string)[]
}

export interface GraphProto {
  readonly name: string
  readonly nodes: readonly NodeProto[]
  readonly initializers: readonly TensorProto[]
  readonly inputs: readonly ValueInfo[]
  readonly outputs: readonly ValueInfo[]
  readonly docString?: string
}

export interface ModelProto {
  readonly irVersion: number
  readonly opset: number
  readonly producerName: string
  readonly producerVersion: string
  readonly graph: GraphProto
  readonly metadata: readonly (readonly [string, string])[]
}

/**
 * Writes protobuf wire-format fields as a list of byte chunks: a nested message's chunks are appended to its
 * parent's after its length, and tensor data is a view of the caller's array on little-endian hosts, so
 * the only copy of a model's values is the one `finish` makes into the result.
 */
class Writer {
  private readonly parts: Uint8Array[] = []
  private scratch = new Uint8Array(256)
  private used = 0
  /** Bytes written so far, chunks and scratch together. */
  length = 0

  private flush(): void {
    if (this.used === 0) return
    this.parts.push(this.scratch.subarray(0, this.used))
    this.scratch = new Uint8Array(256)
    this.used = 0
  }

  private byte(b: number): void {
    if (this.used === this.scratch.length) this.flush()
    this.scratch[this.used++] = b
    this.length++
  }

  /** An unsigned varint; negative int64 values are written as their 10-byte two's complement. */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new Error(`onnx: ${v} is not a safe integer`)
    if (v >= 0) {
      // below 2^53: 7-bit groups with plain arithmetic (>>> works on 32 bits only)
      while (v >= 0x80) {
        this.byte((v % 0x80) | 0x80)
        v = Math.floor(v / 0x80)
      }
      this.byte(v)
      return
    }
    let big = BigInt.asUintN(64, BigInt(v))
    while (big >= 0x80n) {
      this.byte(Number(big & 0x7fn) | 0x80)
      big >>= 7n
    }
    this.byte(Number(big))
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint(field * 8 + wire)
  }

  /** A length-delimited field holding `data` (kept by reference until `finish`). */
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2)
    this.varint(data.length)
    this.flush()
    this.parts.push(data)
    this.length += data.length
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s))
  }

  int(field: number, v: number): void {
    this.tag(field, 0)
    this.varint(v)
  }

  float32(field: number, v: number): void {
    this.tag(field, 5)
    const four = new Uint8Array(4)
    new DataView(four.buffer).setFloat32(0, v, true)
    for (const b of four) this.byte(b)
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer()
    write(inner)
    inner.flush()
    this.tag(field, 2)
    this.varint(inner.length)
    this.flush()
    for (const p of inner.parts) this.parts.push(p)
    this.length += inner.length
  }

  packedInts(field: number, vs: readonly number[]): void {
    this.message(field, (inner) => {
      for (const v of vs) inner.varint(v)
    })
  }

  finish(): Uint8Array {
    this.flush()
    const out = new Uint8Array(this.length)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}

/** Little-endian bytes of doubles (TensorProto `raw_data`): a view on a little-endian host, else a swapped copy. */
const rawDoubles = (values: Float64Array): Uint8Array => {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const out = new Uint8Array(values.length * 8)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true)
  return out
}

const writeTensor = (w: Writer, t: TensorProto): void => {
  w.packedInts(1, t.dims)
  if (t.data._tag === 'double') {
    w.int(2, DataType.DOUBLE)
    w.string(8, t.name)
    w.bytes(9, rawDoubles(t.data.values))
  } else {
    w.int(2, DataType.INT64)
    w.packedInts(7, t.data.values)
    w.string(8, t.name)
  }
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, ints: 7 } as const

const writeAttribute = (w: Writer, a: Attribute): void => {
  w.string(1, a.name)
  switch (a._tag) {
    case 'float': w.float32(2, a.value); break
    case 'int': w.int(3, a.value); break
    case 'string': w.string(4, a.value); break
    case 'tensor': w.message(5, (m) => writeTensor(m, a.value)); break
    case 'ints': w.packedInts(8, a.value); break
  }
  w.int(20, ATTRIBUTE_TYPE[a._tag])
}

const writeNode = (w: Writer, n: NodeProto): void => {
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  w.string(3, n.name)
  w.string(4, n.opType)
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a))
}

const writeValueInfo = (w: Writer, v: ValueInfo): void => {
  w.string(1, v.name)
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type)
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)))
      })
    }),
  )
}

const writeGraph = (w: Writer, g: GraphProto): void => {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n))
  w.string(2, g.name)
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t))
  if (g.docString !== undefined) w.string(10, g.docString)
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v))
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v))
}

/**
 * The protobuf bytes of an ONNX model.
 * @example
 * import { encodeOnnxModel } from './proto.js'
 * const bytes = encodeOnnxModel({
 *   irVersion: 8, opset: 17, producerName: 'kiln', producerVersion: '0', metadata: [],
 *   graph: { name: 'g', nodes: [], initializers: [], inputs: [], outputs: [] },
 * })
 * Array.from(bytes.subarray(0, 2)) // [8, 8]
 */
export const encodeOnnxModel = (m: ModelProto): Uint8Array => {
  const w = new Writer()
  w.int(1, m.irVersion)
  w.string(2, m.producerName)
  w.string(3, m.producerVersion)
  w.message(7, (g) => writeGraph(g, m.graph))
  w.message(8, (o) => {
    o.string(1, '')
    o.int(2, m.opset)
  })
  for (const [key, value] of m.metadata)
    w.message(14, (e) => {
      e.string(1, key)
      e.string(2, value)
    })
  return w.finish()
}
