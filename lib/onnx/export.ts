// lib/onnx/export.ts — a network as an ONNX model (opset 13): one node per layer named after the
// layer, weights as float32 initializers, class names and preprocessing in metadata_props.
// Invariants: ONNX Runtime computes the same logits (conventions made explicit: pooling with
// floor rounding and explicit right padding, never ceil_mode; an average pool that counts its
// padding as a zero Pad then a pool that does not; an even LRN as elementary ops, lrn.ts);
// dropout is omitted; output bytes depend only
// on the spec, the weights and the preprocessing (an export is reproducible).
import { GenConvNetError } from '../errors';
import type { Preprocessing } from '../network';
import type { ResolvedLayer, ResolvedSpec } from '../spec';
import { evenLrnNodes } from './lrn';
import { attr, encodeModel, floatTensor, FLOAT, int64Tensor, onnx } from './proto';

export const OPSET = 13;
/** metadata_props keys (values are JSON). */
export const META = { classNames: 'class_names', mean: 'mean', std: 'std', imageShape: 'image_shape', sigma: 'sigma' } as const;

/** What the exporter reads from a network. */
export interface ExportSource {
  resolved: ResolvedSpec;
  stateDict(): Record<string, { shape: number[]; data: Float32Array }>;
  preprocessing?: Preprocessing;
}

interface Builder {
  nodes: onnx.INodeProto[];
  inits: onnx.ITensorProto[];
  current: string;
  rank: 2 | 4;
}

function emit(b: Builder, op: string, name: string, extraInputs: string[], attrs: onnx.IAttributeProto[] = []): void {
  b.nodes.push({ opType: op, name, input: [b.current, ...extraInputs], output: [name], attribute: attrs });
  b.current = name;
}

/** Extra right padding so that floor rounding gives `out` windows; the last must touch the image. */
function rightPad(l: ResolvedLayer, axis: 0 | 1, paddedIn: number, pad: number): number {
  const n = l.native as Record<string, number>;
  const [k, s] = axis === 0 ? [n.kernelH, n.strideH] : [n.kernelW, n.strideW];
  const out = l.outShape[axis + 1];
  const extra = Math.max(0, (out - 1) * s + k - paddedIn - 2 * pad);
  if (pad + extra >= k || Math.floor((paddedIn + 2 * pad + extra - k) / s) + 1 !== out)
    throw new GenConvNetError('E_ONNX', `Expected pooling windows that each hold an image element for layer '${l.name}' but its last window lies in the padding (ceil mode with stride > kernel); ONNX cannot express it`);
  return extra;
}

function to4d(b: Builder, l: ResolvedLayer): void {
  if (b.rank === 4) return;
  const shape = `${l.name}_shape`;
  b.inits.push(int64Tensor(shape, [0, l.inShape[0], 1, 1]));
  emit(b, 'Reshape', `${l.name}_reshape`, [shape]);
  b.rank = 4;
}

function flatten(b: Builder, name: string): void {
  if (b.rank === 2) return;
  emit(b, 'Flatten', name, [], [attr.int('axis', 1)]);
  b.rank = 2;
}

function pool(b: Builder, l: ResolvedLayer): void {
  const n = l.native as Record<string, number | boolean>;
  const [ph, pw] = [n.padH as number, n.padW as number];
  const include = n.countIncludePad === true && (ph > 0 || pw > 0);
  const geometry = [attr.ints('kernel_shape', [n.kernelH as number, n.kernelW as number]), attr.ints('strides', [n.strideH as number, n.strideW as number])];
  if (include) {
    // count_include_pad as PyTorch means it: zeros that count, then a pool over the padded image
    const pads = `${l.name}_pads`;
    b.inits.push(int64Tensor(pads, [0, 0, ph, pw, 0, 0, ph, pw]));
    emit(b, 'Pad', `${l.name}_pad`, [pads], []);
    const eh = rightPad(l, 0, l.inShape[1] + 2 * ph, 0), ew = rightPad(l, 1, l.inShape[2] + 2 * pw, 0);
    emit(b, 'AveragePool', l.name, [], [...geometry, attr.ints('pads', [0, 0, eh, ew]), attr.int('count_include_pad', 0)]);
    return;
  }
  const eh = rightPad(l, 0, l.inShape[1], ph), ew = rightPad(l, 1, l.inShape[2], pw);
  const attrs = [...geometry, attr.ints('pads', [ph, pw, ph + eh, pw + ew])];
  if (l.type === 'avgpool') attrs.push(attr.int('count_include_pad', 0));
  emit(b, l.type === 'maxpool' ? 'MaxPool' : 'AveragePool', l.name, [], attrs);
}

function layer(b: Builder, l: ResolvedLayer, params: Record<string, { shape: number[]; data: Float32Array }>): void {
  const n = l.native as Record<string, number | boolean>;
  const weights = (): string[] => {
    const names = [`${l.name}.weight`];
    if (n.bias !== false) names.push(`${l.name}.bias`);
    for (const name of names) b.inits.push(floatTensor(name, params[name].shape, params[name].data));
    return names;
  };
  switch (l.type) {
    case 'conv': {
      to4d(b, l);
      const [kh, kw, sh, sw, ph, pw] = [n.kernelH, n.kernelW, n.strideH, n.strideW, n.padH, n.padW] as number[];
      emit(b, 'Conv', l.name, weights(), [attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [sh, sw]), attr.ints('pads', [ph, pw, ph, pw]),
        attr.ints('dilations', [1, 1]), attr.int('group', n.groups as number)]);
      return;
    }
    case 'linear':
      flatten(b, `${l.name}_flatten`);
      emit(b, 'Gemm', l.name, weights(), [attr.int('transB', 1)]);
      return;
    case 'maxpool':
    case 'avgpool':
      to4d(b, l);
      pool(b, l);
      return;
    case 'lrn':
      to4d(b, l);
      if ((n.size as number) % 2 === 0) {
        const even = evenLrnNodes(l, b.current);
        b.nodes.push(...even.nodes);
        b.inits.push(...even.inits);
        b.current = l.name;
        return;
      }
      emit(b, 'LRN', l.name, [], [attr.int('size', n.size as number), attr.float('alpha', n.alpha as number), attr.float('beta', n.beta as number), attr.float('bias', n.k as number)]);
      return;
    case 'relu':
      emit(b, 'Relu', l.name, []);
      return;
    case 'flatten':
      flatten(b, l.name);
      return;
    case 'dropout':
      return; // inference graph: dropout is the identity
    default: // a layer type added without its ONNX form must not be dropped from the graph silently
      throw new GenConvNetError('E_ONNX', `Expected a layer type with an ONNX form but layer ${l.name} is ${JSON.stringify((l as { type: string }).type)}, which lib/onnx/export.ts does not translate`);
  }
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

function metadata(p: Preprocessing | undefined): onnx.IStringStringEntryProto[] {
  if (!p) return [];
  const entries: [string, unknown][] = [[META.classNames, p.classNames], [META.mean, p.mean], [META.std, p.std], [META.imageShape, p.imageShape]];
  if (p.sigma !== undefined) entries.push([META.sigma, p.sigma]);
  return entries.map(([key, value]) => ({ key, value: JSON.stringify(value) }));
}

/**
 * The ONNX model of a network (opset 13) as bytes: input 'input' [N, C, H, W], output 'logits' [N, classes].
 * @throws GenConvNetError E_ONNX for a pooling layer whose last window lies wholly in the padding.
 */
export function exportOnnxBytes(net: ExportSource, version: string): Uint8Array {
  const r = net.resolved;
  const b: Builder = { nodes: [], inits: [], current: 'input', rank: 4 };
  const params = net.stateDict();
  for (const l of r.layers) layer(b, l, params);
  flatten(b, 'logits_flatten');
  if (b.nodes.length === 0) emit(b, 'Identity', 'logits', []);
  const last = b.nodes[b.nodes.length - 1];
  last.output = ['logits'];
  const model: onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'genconvnet',
    producerVersion: version,
    docString: 'Input: images preprocessed as (pixel in [0, 1] - mean) / std per channel (metadata_props mean, std); output: class scores (logits).',
    graph: {
      name: r.spec.name ?? 'genconvnet',
      node: b.nodes,
      initializer: b.inits,
      input: [valueInfo('input', ['N', ...r.input])],
      output: [valueInfo('logits', ['N', r.classes])],
    },
    metadataProps: metadata(net.preprocessing),
  };
  return encodeModel(model);
}
