// lib/onnx/nodes.ts — the importer's node translators. Each reads the chain's current tensor,
// takes its other inputs from constants only, and either appends a layer, folds into the last
// layer (BatchNormalization, a bias Add), folds forward (a zero Pad into the next Conv or
// AveragePool) or passes through (Dropout, Identity, Flatten of a flat tensor, the final Softmax).
import { GenConvNetError } from '../errors';
import { poolOutSize, type LayerConfig, type Shape3 } from '../spec';
import { foldBatchNorm, gemmWeights, addBias } from './fold';
import { attributes, attrFloat, attrInt, attrInts, attrString, type ConstTensor, type onnx } from './proto';
import { matchEvenLrn } from './lrn';
import { convAxis, poolAxis, type OnnxAxis, type SpecAxis } from './window';

/** A translated layer, its parameters (PyTorch layout) and the tensor it produces. */
export interface Built {
  config: LayerConfig & { name: string };
  weight?: ConstTensor;
  bias?: ConstTensor;
  output: string;
}

/** The walk's state: where the chain is, its shape, and what has been built. */
export interface Chain {
  where: string;
  opset: number;
  consts: Map<string, ConstTensor>;
  current: string;
  /** [C, H, W]; a flat tensor (rank 2) is [K, 1, 1]. */
  shape: Shape3;
  rank: 2 | 4;
  built: Built[];
  names: Set<string>;
  /** Zeros of a Pad waiting for the next Conv or AveragePool: [h begin, w begin, h end, w end]. */
  pad: { node: string; zeros: number[] } | null;
  ended: boolean;
}

const SUPPORTED = 'Conv, Relu, MaxPool, AveragePool, Pad, LRN, Gemm, MatMul, Add, Flatten, Reshape, Dropout, Identity, BatchNormalization, Softmax';

interface Ctx {
  chain: Chain;
  node: onnx.INodeProto;
  attrs: Map<string, onnx.IAttributeProto>;
  label: string;
}

function fail(c: Ctx, what: string, received: string): never {
  throw new GenConvNetError('E_ONNX', `Expected ${what} for ${c.label} in ${c.chain.where} but received ${received}`);
}

function constInput(c: Ctx, i: number, what: string, optional = false): ConstTensor | undefined {
  const name = c.node.input?.[i];
  if (!name) return optional ? undefined : fail(c, `${what} as input ${i}`, 'no such input');
  const t = c.chain.consts.get(name);
  if (!t) fail(c, `a constant ${what} (an initializer) as input ${i}`, `tensor '${name}', computed by the graph`);
  return t;
}

function layerName(chain: Chain, node: onnx.INodeProto, type: string): string {
  let name = (node.name ?? '').replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z_]+/, '').replace(/^_+|_+$/g, '');
  if (!name) name = `${type}${chain.built.filter((b) => b.config.type === type).length + 1}`;
  let unique = name;
  for (let k = 2; chain.names.has(unique); k++) unique = `${name}_${k}`;
  chain.names.add(unique);
  return unique;
}

function push(c: Ctx, config: Record<string, unknown>, shape: Shape3, rank: 2 | 4, params: { weight?: ConstTensor; bias?: ConstTensor } = {}): void {
  const name = layerName(c.chain, c.node, config.type as string);
  c.chain.built.push({ config: { ...config, name } as Built['config'], ...params, output: c.node.output![0] });
  c.chain.shape = shape;
  c.chain.rank = rank;
}

const pairOf = (a: number, b: number): number | [number, number] => (a === b ? a : [a, b]);

function need4d(c: Ctx): void {
  if (c.chain.rank !== 4) fail(c, 'a 4-D input [N, C, H, W]', `a flat tensor of ${c.chain.shape[0]} features`);
}

function windowAttrs(c: Ctx, kernel: number[]): { strides: number[]; pads: number[] } {
  const dil = attrInts(c.attrs, 'dilations');
  if (dil && dil.some((d) => d !== 1)) fail(c, 'dilations 1', `dilations [${dil.join(', ')}]`);
  const auto = attrString(c.attrs, 'auto_pad') ?? 'NOTSET';
  if (auto !== 'NOTSET' && auto !== 'VALID') fail(c, "auto_pad NOTSET or VALID (explicit pads)", `auto_pad ${auto}`);
  if (kernel.length !== 2) fail(c, 'a 2-D kernel', `kernel_shape [${kernel.join(', ')}]`);
  const strides = attrInts(c.attrs, 'strides') ?? [1, 1];
  const pads = auto === 'VALID' ? [0, 0, 0, 0] : attrInts(c.attrs, 'pads') ?? [0, 0, 0, 0];
  if (strides.length !== 2 || pads.length !== 4 || strides.some((s) => s < 1) || pads.some((p) => p < 0))
    fail(c, '2 strides >= 1 and 4 pads >= 0', `strides [${strides.join(', ')}], pads [${pads.join(', ')}]`);
  return { strides, pads };
}

function axes(c: Ctx, kernel: number[], strides: number[], pads: number[]): [OnnxAxis, OnnxAxis] {
  const z = c.chain.pad?.zeros ?? [0, 0, 0, 0];
  c.chain.pad = null;
  const axis = (i: 0 | 1): OnnxAxis => ({ size: c.chain.shape[i + 1], kernel: kernel[i], stride: strides[i], padBegin: pads[i], padEnd: pads[i + 2], zerosBegin: z[i], zerosEnd: z[i + 2] });
  return [axis(0), axis(1)];
}

function checked(c: Ctx, a: SpecAxis | string, axis: string): SpecAxis {
  return typeof a === 'string' ? fail(c, `a window the spec expresses exactly along ${axis}`, a) : a;
}

function conv(c: Ctx): void {
  need4d(c);
  const weight = constInput(c, 1, 'weight')!;
  const bias = constInput(c, 2, 'bias', true);
  const group = attrInt(c.attrs, 'group', 1);
  if (weight.dims.length !== 4) fail(c, 'a 4-D weight (2-D convolution)', `dims [${weight.dims.join(', ')}]`);
  const [oc, icg, kh, kw] = weight.dims;
  if (icg * group !== c.chain.shape[0]) fail(c, `a weight for ${c.chain.shape[0]} input channels in ${group} groups`, `dims [${weight.dims.join(', ')}]`);
  if (bias && bias.data.length !== oc) fail(c, `a bias of ${oc} values`, `${bias.data.length}`);
  const kernel = attrInts(c.attrs, 'kernel_shape') ?? [kh, kw];
  if (kernel[0] !== kh || kernel[1] !== kw) fail(c, `kernel_shape [${kh}, ${kw}] (the weight's)`, `[${kernel.join(', ')}]`);
  const { strides, pads } = windowAttrs(c, kernel);
  const [ah, aw] = axes(c, kernel, strides, pads);
  const h = checked(c, convAxis(ah), 'height'), w = checked(c, convAxis(aw), 'width');
  push(c, { type: 'conv', out: oc, kernel: pairOf(kh, kw), stride: pairOf(strides[0], strides[1]), padding: pairOf(h.padding, w.padding), groups: group, bias: bias !== undefined },
    [oc, h.out, w.out], 4, { weight, bias: bias && { dims: [oc], data: bias.data } });
}

function pool(c: Ctx, max: boolean): void {
  need4d(c);
  if ((c.node.output ?? []).length > 1 && c.node.output![1]) fail(c, 'no Indices output', `outputs ${c.node.output!.join(', ')}`);
  const kernel = attrInts(c.attrs, 'kernel_shape') ?? fail(c, 'a kernel_shape attribute', 'none');
  const { strides, pads } = windowAttrs(c, kernel);
  const include = !max && attrInt(c.attrs, 'count_include_pad', 0) === 1;
  const ceilAttr = attrInt(c.attrs, 'ceil_mode', 0) === 1;
  const [ah, aw] = axes(c, kernel, strides, pads);
  const h = checked(c, poolAxis(ah, max, include, ceilAttr), 'height'), w = checked(c, poolAxis(aw, max, include, ceilAttr), 'width');
  if ((h.counts === true && w.counts === false) || (h.counts === false && w.counts === true))
    fail(c, 'padding that counts in the average on both axes or on neither', 'a pool that counts it along one axis only');
  const ceil = [false, true].find((m) => poolOutSize(ah.size, kernel[0], strides[0], h.padding, m) === h.out && poolOutSize(aw.size, kernel[1], strides[1], w.padding, m) === w.out);
  if (ceil === undefined) fail(c, 'one rounding (floor or Caffe ceil) for both axes', `${h.out}x${w.out} outputs`);
  const config: Record<string, unknown> = { type: max ? 'maxpool' : 'avgpool', kernel: pairOf(kernel[0], kernel[1]), stride: pairOf(strides[0], strides[1]), padding: pairOf(h.padding, w.padding) };
  if (ceil) config.ceil = true;
  if (h.counts === true || w.counts === true) config.countIncludePad = true;
  push(c, config, [c.chain.shape[0], h.out, w.out], 4);
}

function padNode(c: Ctx): void {
  need4d(c);
  const mode = attrString(c.attrs, 'mode') ?? 'constant';
  const pads = c.chain.opset >= 11 ? Array.from(constInput(c, 1, 'pads')!.data) : attrInts(c.attrs, 'pads') ?? [];
  const value = c.chain.opset >= 11 ? constInput(c, 2, 'constant_value', true)?.data[0] ?? 0 : attrFloat(c.attrs, 'value', 0);
  if (mode !== 'constant' || value !== 0) fail(c, 'padding with zeros', `mode ${mode}, value ${value}`);
  if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0))
    fail(c, 'non-negative pads on height and width only', `pads [${pads.join(', ')}]`);
  const prev = c.chain.pad?.zeros ?? [0, 0, 0, 0];
  c.chain.pad = { node: c.node.name ?? '', zeros: [pads[2] + prev[0], pads[3] + prev[1], pads[6] + prev[2], pads[7] + prev[3]] };
}

function lrn(c: Ctx): void {
  need4d(c);
  const size = attrInt(c.attrs, 'size', 0);
  if (size < 1) fail(c, 'a size attribute >= 1', String(size));
  push(c, { type: 'lrn', size, alpha: attrFloat(c.attrs, 'alpha', 1e-4), beta: attrFloat(c.attrs, 'beta', 0.75), k: attrFloat(c.attrs, 'bias', 1) }, c.chain.shape, 4);
}

function linear(c: Ctx, gemm: boolean): void {
  if (c.chain.rank !== 2) fail(c, 'a flat input [N, K] (a Flatten before it)', `a 4-D tensor [N, ${c.chain.shape.join(', ')}]`);
  if (gemm && attrInt(c.attrs, 'transA', 0) !== 0) fail(c, 'transA 0', 'transA 1');
  const b = constInput(c, 1, 'weight')!;
  const bias = gemm ? constInput(c, 2, 'bias', true) : undefined;
  const r = gemmWeights(b, bias, c.chain.shape[0], gemm ? attrInt(c.attrs, 'transB', 0) === 1 : false, attrFloat(c.attrs, 'alpha', 1), attrFloat(c.attrs, 'beta', 1));
  if (typeof r === 'string') fail(c, `weights for ${c.chain.shape[0]} input features`, r);
  push(c, { type: 'linear', out: r.weight.dims[0], bias: r.bias !== undefined }, [r.weight.dims[0], 1, 1], 2, r);
}

/** The last layer when it produced the current tensor and has parameters (for folding). */
function foldTarget(c: Ctx, what: string): Built {
  const last = c.chain.built[c.chain.built.length - 1];
  if (!last || last.output !== c.chain.current || (last.config.type !== 'conv' && last.config.type !== 'linear'))
    fail(c, `a Conv, Gemm or MatMul right before it (${what} is folded into it)`, last ? `it follows layer ${last.config.type} '${last.config.name}' or a pass-through op` : 'it comes first');
  return last;
}

function add(c: Ctx): void {
  const inputs = c.node.input ?? [];
  const other = inputs.find((n, i) => i < 2 && n !== c.chain.current);
  if (inputs.length !== 2 || !other) fail(c, 'an Add of the chain and a constant', `inputs ${inputs.join(', ')}`);
  const t = c.chain.consts.get(other!);
  if (!t) fail(c, 'an Add of the chain and a constant (a bias)', `an Add of two computed tensors ('${inputs.join("', '")}', a residual connection, which a sequential ConvNet has not)`);
  const target = foldTarget(c, 'the bias');
  const err = addBias(target, t!);
  if (err) fail(c, 'a bias of one value per output', err);
  target.output = c.node.output![0];
}

function batchNorm(c: Ctx): void {
  if (attrInt(c.attrs, 'training_mode', 0) !== 0) fail(c, 'inference mode', 'training_mode 1');
  const [scale, beta, mean, variance] = [1, 2, 3, 4].map((i) => constInput(c, i, ['scale', 'B', 'mean', 'var'][i - 1])!);
  const target = foldTarget(c, 'BatchNormalization');
  const err = foldBatchNorm(target, scale, beta, mean, variance, attrFloat(c.attrs, 'epsilon', 1e-5));
  if (err) fail(c, 'one statistic per output channel', err);
  target.output = c.node.output![0];
}

function flatten(c: Ctx): void {
  const axis = attrInt(c.attrs, 'axis', 1);
  if (axis !== 1) fail(c, 'axis 1 (flatten each image)', `axis ${axis}`);
  if (c.chain.rank === 4) push(c, { type: 'flatten' }, [c.chain.shape[0] * c.chain.shape[1] * c.chain.shape[2], 1, 1], 2);
}

function reshape(c: Ctx): void {
  const target = Array.from(constInput(c, 1, 'shape')!.data);
  const size = c.chain.shape[0] * c.chain.shape[1] * c.chain.shape[2];
  if (target.length === 2 && (target[1] === size || (target[1] === -1 && target[0] !== -1))) {
    if (c.chain.rank === 4) push(c, { type: 'flatten' }, [size, 1, 1], 2);
    return;
  }
  if (target.length === 4 && c.chain.rank === 2 && target[1] === size && target[2] === 1 && target[3] === 1) {
    c.chain.rank = 4;
    return;
  }
  fail(c, `a reshape to [N, ${size}] (flatten)${c.chain.rank === 2 ? ` or [N, ${size}, 1, 1]` : ''}`, `shape [${target.join(', ')}]`);
}

const HANDLERS: Record<string, (c: Ctx) => void> = {
  Conv: conv,
  MaxPool: (c) => pool(c, true),
  AveragePool: (c) => pool(c, false),
  Pad: padNode,
  LRN: lrn,
  Relu: (c) => push(c, { type: 'relu' }, c.chain.shape, c.chain.rank),
  Gemm: (c) => linear(c, true),
  MatMul: (c) => linear(c, false),
  Add: add,
  BatchNormalization: batchNorm,
  Flatten: flatten,
  Reshape: reshape,
  Dropout: () => undefined,
  Identity: () => undefined,
  Softmax: (c) => void (c.chain.ended = true),
};

/**
 * An even LRN as the exporter writes it (lrn.ts) starting at nodes[i]: appends the layer and
 * returns how many nodes it spans, or 0 when the nodes are something else.
 */
export function translateEvenLrn(chain: Chain, nodes: onnx.INodeProto[], i: number): number {
  if (chain.rank !== 4 || chain.pad || chain.ended) return 0;
  const m = matchEvenLrn(nodes.slice(i, i + 6), chain.current, chain.shape[0], chain.consts);
  if (!m) return 0;
  const div = nodes[i + 5];
  push({ chain, node: div, attrs: new Map(), label: '' }, { type: 'lrn', ...m }, chain.shape, 4);
  chain.current = div.output![0];
  return 6;
}

/**
 * Translates one node of the chain (position i of count, for messages).
 * @throws GenConvNetError E_ONNX for an op that is not supported, a node off the chain, or attributes the spec cannot express.
 */
export function translateNode(chain: Chain, node: onnx.INodeProto, i: number, count: number): void {
  const op = node.opType ?? '';
  const c: Ctx = { chain, node, attrs: attributes(node), label: `op ${op} (node '${node.name ?? ''}', #${i + 1} of ${count})` };
  const domain = node.domain ?? '';
  if (!(op in HANDLERS) || (domain !== '' && domain !== 'ai.onnx'))
    throw new GenConvNetError('E_ONNX', `Expected an op of a sequential ConvNet (${SUPPORTED}) in ${chain.where} but received op ${domain ? domain + '.' : ''}${op} (node '${node.name ?? ''}', #${i + 1} of ${count}); nothing was imported`);
  if (chain.ended) fail(c, 'nothing after the final Softmax', `op ${op}`);
  if (chain.pad && op !== 'Conv' && op !== 'AveragePool' && op !== 'Pad') fail(c, `a Conv or AveragePool after Pad node '${chain.pad.node}' (zero padding is folded into it)`, `op ${op}`);
  const inputs = node.input ?? [];
  if (!(op === 'Add' ? inputs.slice(0, 2) : inputs.slice(0, 1)).includes(chain.current))
    fail(c, `a node reading the chain's current tensor '${chain.current}' (a sequential graph)`, `inputs ${inputs.map((n) => `'${n}'`).join(', ')}`);
  if (!node.output?.[0]) fail(c, 'an output', 'none');
  HANDLERS[op](c);
  chain.current = node.output[0];
}
