// lib/onnx/proto.ts — ONNX's protobuf schema (the onnx-proto package: onnx.proto compiled by
// protobufjs) and small helpers over it: tensors to and from typed arrays, attribute lookup,
// decoding with every protobuf failure turned into E_ONNX. No hand-written wire format here.
import { onnx } from 'onnx-proto';
import { GenConvNetError } from '../errors';

export { onnx };

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const INT32 = onnx.TensorProto.DataType.INT32;

/** A constant tensor of the graph as numbers, in row-major order. */
export interface ConstTensor {
  dims: number[];
  data: Float64Array;
}

const toNumber = (v: number | { toNumber(): number }): number => (typeof v === 'number' ? v : v.toNumber());

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A float32 initializer with raw little-endian data. */
export function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  let raw: Uint8Array;
  if (LITTLE_ENDIAN) raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  else {
    raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  }
  return { name, dims, dataType: FLOAT, rawData: raw };
}

/** An int64 initializer (shapes, pads). */
export function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

function rawValues(t: onnx.ITensorProto, count: number, bytes: number, read: (v: DataView, at: number) => number): Float64Array {
  const raw = t.rawData!;
  if (raw.length !== count * bytes) throw new GenConvNetError('E_ONNX', `Expected ${count * bytes} bytes of raw data for tensor '${t.name}' but received ${raw.length}`);
  if (LITTLE_ENDIAN && t.dataType === FLOAT) return new Float64Array(new Float32Array(new Uint8Array(raw).buffer)); // a copy: a Buffer from protobufjs may view a larger pool
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = read(view, i * bytes);
  return out;
}

/**
 * A tensor's values as float64 (FLOAT, DOUBLE, INT32 or INT64; raw or typed fields).
 * @throws GenConvNetError E_ONNX for another data type, external data or a size that does not match its dims.
 */
export function tensorValues(t: onnx.ITensorProto): ConstTensor {
  const dims = (t.dims ?? []).map(toNumber);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new GenConvNetError('E_ONNX', `Expected non-negative dims for tensor '${t.name}' but received [${dims.join(', ')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0)
    throw new GenConvNetError('E_ONNX', `Expected tensor '${t.name}' stored inside the model but it refers to external data`);
  const raw = t.rawData && t.rawData.length > 0;
  let data: Float64Array;
  switch (t.dataType) {
    case FLOAT: data = raw ? rawValues(t, count, 4, (v, a) => v.getFloat32(a, true)) : Float64Array.from(t.floatData ?? []); break;
    case DOUBLE: data = raw ? rawValues(t, count, 8, (v, a) => v.getFloat64(a, true)) : Float64Array.from(t.doubleData ?? []); break;
    case INT32: data = raw ? rawValues(t, count, 4, (v, a) => v.getInt32(a, true)) : Float64Array.from(t.int32Data ?? []); break;
    case INT64: data = raw ? rawValues(t, count, 8, (v, a) => Number(v.getBigInt64(a, true))) : Float64Array.from((t.int64Data ?? []).map(toNumber)); break;
    default: throw new GenConvNetError('E_ONNX', `Expected a float or integer tensor for '${t.name}' but received data type ${t.dataType}`);
  }
  if (data.length !== count) throw new GenConvNetError('E_ONNX', `Expected ${count} values for tensor '${t.name}' of dims [${dims.join(', ')}] but received ${data.length}`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new GenConvNetError('E_ONNX', `Expected finite values for tensor '${t.name}' but received ${data[bad]} at index ${bad}`);
  return { dims, data };
}

/** Attribute builders for the exporter. */
export const attr = {
  int: (name: string, i: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  ints: (name: string, ints: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  float: (name: string, f: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f }),
};

/** Attribute values of a node by name (numbers, number lists, strings, tensors). */
export function attributes(node: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}

export function attrInt(a: Map<string, onnx.IAttributeProto>, name: string, fallback: number): number {
  const v = a.get(name);
  return v && v.i !== undefined && v.i !== null ? toNumber(v.i) : fallback;
}

export function attrFloat(a: Map<string, onnx.IAttributeProto>, name: string, fallback: number): number {
  const v = a.get(name);
  return v && v.type === onnx.AttributeProto.AttributeType.FLOAT ? (v.f as number) : fallback;
}

export function attrInts(a: Map<string, onnx.IAttributeProto>, name: string): number[] | undefined {
  const v = a.get(name);
  return v && v.ints && v.ints.length > 0 ? v.ints.map(toNumber) : undefined;
}

export function attrString(a: Map<string, onnx.IAttributeProto>, name: string): string | undefined {
  const v = a.get(name);
  return v && v.s && v.s.length > 0 ? Buffer.from(v.s).toString('utf8') : undefined;
}

/**
 * Decodes a serialized ModelProto.
 * @throws GenConvNetError E_ONNX when the bytes are not a protobuf ModelProto with a graph.
 */
export function decodeModel(bytes: Uint8Array, where: string): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new GenConvNetError('E_ONNX', `Expected an ONNX model (protobuf ModelProto) in ${where} but it does not decode: ${(err as Error).message}`, { cause: err });
  }
  if (!model.graph) throw new GenConvNetError('E_ONNX', `Expected an ONNX model with a graph in ${where} but it has none (not an ONNX file, or truncated)`);
  return model;
}

/** Serializes a model. */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
