// lib/onnx/import.ts — a sequential ConvNet from an ONNX model: a spec, its weights (PyTorch
// layouts) and the preprocessing from metadata_props. The graph is walked as a chain from its one
// input to its one output; anything that is not a supported op on that chain is refused with its op
// type, node name and position, and nothing is built until the whole graph has been translated.
import { readFile } from 'node:fs/promises';
import { GenConvNetError } from '../errors';
import type { Preprocessing } from '../network';
import { validateSpec, type LayerConfig, type NetSpec } from '../spec';
import { META } from './export';
import { type Built, type Chain, translateEvenLrn, translateNode } from './nodes';
import { decodeModel, FLOAT, onnx, tensorValues, type ConstTensor } from './proto';

/** What an ONNX file becomes: a validated spec, its parameters by name, the preprocessing if stored. */
export interface ImportedModel {
  spec: NetSpec;
  weights: Record<string, { shape: number[]; data: Float32Array }>;
  preprocessing?: Preprocessing;
}

function graphInput(g: onnx.IGraphProto, consts: Map<string, ConstTensor>, where: string): { name: string; shape: [number, number, number] } {
  const inputs = (g.input ?? []).filter((i) => !consts.has(i.name ?? ''));
  if (inputs.length !== 1) throw new GenConvNetError('E_ONNX', `Expected one graph input (the images) in ${where} but received ${inputs.length}: ${inputs.map((i) => i.name).join(', ')}`);
  const t = inputs[0].type?.tensorType;
  const dims = (t?.shape?.dim ?? []).map((d) => (d.dimValue === undefined || d.dimValue === null ? 0 : Number(d.dimValue)));
  if (!t || t.elemType !== FLOAT || dims.length !== 4 || dims.slice(1).some((d) => !(d >= 1)))
    throw new GenConvNetError('E_ONNX', `Expected a float input of shape [N, C, H, W] with C, H, W fixed for graph input '${inputs[0].name}' in ${where} but received ${dims.length} dims [${dims.map((d) => d || '?').join(', ')}]`);
  return { name: inputs[0].name!, shape: [dims[1], dims[2], dims[3]] };
}

function metaPreprocessing(model: onnx.IModelProto, shape: [number, number, number], classes: number, where: string): Preprocessing | undefined {
  const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  if (!props.has(META.mean) && !props.has(META.std) && !props.has(META.classNames)) return undefined;
  const parse = (key: string): unknown => {
    try {
      return props.has(key) ? JSON.parse(props.get(key)!) : undefined;
    } catch {
      throw new GenConvNetError('E_ONNX', `Expected JSON in metadata_props '${key}' of ${where} but received ${JSON.stringify(props.get(key)!.slice(0, 60))}`);
    }
  };
  const nums = (key: string, n: number, fallback: number): number[] => {
    const v = parse(key) ?? new Array(n).fill(fallback);
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      throw new GenConvNetError('E_ONNX', `Expected ${n} finite numbers in metadata_props '${key}' of ${where} but received ${JSON.stringify(v)}`);
    return v as number[];
  };
  const names = parse(META.classNames) ?? Array.from({ length: classes }, (_, i) => String(i));
  if (!Array.isArray(names) || names.length !== classes || !names.every((x) => typeof x === 'string'))
    throw new GenConvNetError('E_ONNX', `Expected ${classes} strings in metadata_props '${META.classNames}' of ${where} but received ${JSON.stringify(names)}`);
  const sigma = parse(META.sigma);
  const pre: Preprocessing = { mean: nums(META.mean, shape[0], 0), std: nums(META.std, shape[0], 1), imageShape: shape, classNames: names as string[] };
  if (typeof sigma === 'number' && sigma > 0) pre.sigma = sigma;
  return pre;
}

function constants(g: onnx.IGraphProto): Map<string, ConstTensor> {
  const consts = new Map<string, ConstTensor>();
  for (const t of g.initializer ?? []) consts.set(t.name ?? '', tensorValues(t));
  for (const n of g.node ?? []) {
    if (n.opType !== 'Constant') continue;
    const value = (n.attribute ?? []).find((a) => a.name === 'value' && a.t);
    if (!value) throw new GenConvNetError('E_ONNX', `Expected a tensor 'value' attribute for Constant node '${n.name}' but received ${(n.attribute ?? []).map((a) => a.name).join(', ') || 'none'}`);
    consts.set(n.output?.[0] ?? '', tensorValues(value.t!));
  }
  return consts;
}

function weightsOf(built: Built[]): ImportedModel['weights'] {
  const out: ImportedModel['weights'] = {};
  for (const b of built) {
    if (b.weight) out[`${b.config.name}.weight`] = { shape: b.weight.dims, data: new Float32Array(b.weight.data) };
    if (b.bias) out[`${b.config.name}.bias`] = { shape: b.bias.dims, data: new Float32Array(b.bias.data) };
  }
  return out;
}

/**
 * Translates a decoded ONNX model into a spec and weights.
 * @throws GenConvNetError E_ONNX naming the op type, node name and position of the first node that is not
 * part of a supported sequential ConvNet, or what else does not fit (inputs, shapes, attributes).
 */
export function importOnnxModel(model: onnx.IModelProto, where: string): ImportedModel {
  const g = model.graph!;
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opset) throw new GenConvNetError('E_ONNX', `Expected an opset_import of the default ONNX domain in ${where} but received ${JSON.stringify((model.opsetImport ?? []).map((o) => o.domain))} (truncated?)`);
  const consts = constants(g);
  const input = graphInput(g, consts, where);
  const chain: Chain = { where, opset: Number(opset.version), consts, current: input.name, shape: input.shape, rank: 4, built: [], names: new Set(), pad: null, ended: false };
  const all = g.node ?? [];
  for (let i = 0; i < all.length; i++) {
    if (all[i].opType === 'Constant') continue;
    const span = all[i].opType === 'Mul' ? translateEvenLrn(chain, all, i) : 0;
    if (span > 0) i += span - 1;
    else translateNode(chain, all[i], i, all.length);
  }
  const outputs = g.output ?? [];
  if (outputs.length !== 1 || outputs[0].name !== chain.current)
    throw new GenConvNetError('E_ONNX', `Expected the graph's one output to be the end of the chain ('${chain.current}') in ${where} but received outputs ${outputs.map((o) => `'${o.name}'`).join(', ') || 'none'}`);
  if (chain.pad) throw new GenConvNetError('E_ONNX', `Expected a Conv or AveragePool after Pad node '${chain.pad.node}' in ${where} but the graph ends`);
  if (chain.built.length === 0) throw new GenConvNetError('E_ONNX', `Expected at least one layer in ${where} but the graph computes the identity`);
  const spec: NetSpec = { name: g.name || undefined, input: input.shape, layers: chain.built.map((b) => b.config as LayerConfig) };
  let classes: number;
  try {
    classes = validateSpec(spec).classes;
  } catch (err) {
    throw new GenConvNetError('E_ONNX', `Expected the translated graph of ${where} to be a valid spec: ${(err as Error).message}`, { cause: err });
  }
  return { spec, weights: weightsOf(chain.built), preprocessing: metaPreprocessing(model, input.shape, classes, where) };
}

/**
 * Reads and translates an ONNX file.
 * @throws GenConvNetError E_IO when the file cannot be read, E_ONNX when it is not an ONNX model or not a supported one.
 */
export async function importOnnx(path: string): Promise<ImportedModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new GenConvNetError('E_IO', `Expected a readable ONNX file at ${path} but received ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return importOnnxModel(decodeModel(bytes, path), path);
}
