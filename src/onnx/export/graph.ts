/**
 * A small ONNX graph builder: named initializers, nodes whose outputs are named for their op and
 * a counter, graph inputs/outputs with symbolic dims, and the ModelProto bytes. Only what the
 * exporter needs; tensors are stored as little-endian raw data.
 */
import { DTYPE, IR_VERSION, type OnnxTypes, OPSET, onnx } from './proto.js';

export type DType = keyof typeof DTYPE;
/** A dimension: a fixed size, or a symbolic name such as `batch`. */
export type Dim = number | string;
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

const AttributeType = onnx.AttributeProto.AttributeType;

function rawBytes(values: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  // Copy: the view may be a window on a larger buffer; ONNX raw data is little-endian, as is every
  // platform Node runs on.
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

function attribute(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for ${value}`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

function valueInfo(name: string, dtype: DType, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPE[dtype],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dtype, dims));
    return name;
  }

  /** Marks `value` as a graph output named `name` (through an Identity when the names differ). */
  output(value: string, name: string, dtype: DType, dims: readonly Dim[]): string {
    if (value !== name) this.node('Identity', [value], { name });
    this.outputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** A named weight. */
  initializer(
    name: string,
    values: Float32Array | Int32Array | BigInt64Array,
    dims: readonly number[],
  ): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length) {
      throw new Error(`ONNX initializer ${name}: ${values.length} values for dims [${dims.join(', ')}]`);
    }
    const dataType =
      values instanceof Float32Array ? DTYPE.float : values instanceof Int32Array ? DTYPE.int32 : DTYPE.int64;
    this.initializers.push({ name: this.claim(name), dims: [...dims], dataType, rawData: rawBytes(values) });
    return name;
  }

  /** An int64 constant (shapes, axes, indices), shared between uses. */
  ints(values: readonly number[], scalar = false): string {
    const key = `i64:${scalar}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.initializer(
        `const.${this.constants.size}`,
        BigInt64Array.from(values, (v) => BigInt(v)),
        scalar ? [] : [values.length],
      );
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float32 scalar constant, shared between uses. */
  scalar(value: number): string {
    const key = `f32:${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.initializer(`const.${this.constants.size}`, Float32Array.of(value), []);
      this.constants.set(key, name);
    }
    return name;
  }

  /**
   * Adds a node; returns its output names (`opts.outputs` of them, default 1), named
   * `<opType>_<n>` unless `opts.name` names the (single) output.
   */
  nodeN(
    opType: string,
    inputs: readonly string[],
    opts: { outputs?: number; name?: string; attrs?: Record<string, AttrValue> } = {},
  ): string[] {
    const n = this.counter++;
    const count = opts.outputs ?? 1;
    const outputs = Array.from({ length: count }, (_, i) =>
      this.claim(opts.name && count === 1 ? opts.name : `${opType}_${n}${count > 1 ? `_${i}` : ''}`),
    );
    this.nodes.push({
      opType,
      name: `${opType}_${n}`,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** A single-output node. */
  node(
    opType: string,
    inputs: readonly string[],
    opts: { name?: string; attrs?: Record<string, AttrValue> } = {},
  ): string {
    return this.nodeN(opType, inputs, opts)[0]!;
  }

  /** The ModelProto, serialised. */
  encode(options: {
    graphName: string;
    docString: string;
    producerVersion: string;
    metadata: Record<string, string>;
  }): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'mmner',
      producerVersion: options.producerVersion,
      docString: options.docString,
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
