// lib/onnx/lrn.ts — LRN with an even window. ONNX's LRN window for size n is the spec's
// [c - floor((n-1)/2), c + ceil((n-1)/2)], but ONNX Runtime accepts odd sizes only, so an even LRN
// is written as elementary ops: y = x / (k + alpha/n * Conv(x*x, band))^beta, where the 1x1 Conv's
// 0/1 band matrix sums each channel's window. The importer recognizes exactly this chain of six nodes.
import type { ResolvedLayer } from '../spec';
import { floatTensor, type ConstTensor, type onnx } from './proto';

/** The band matrix (C, C, 1, 1): row c sums the channels of c's window. */
function band(channels: number, size: number): Float32Array {
  const w = new Float32Array(channels * channels), half = Math.floor((size - 1) / 2);
  for (let c = 0; c < channels; c++)
    for (let j = Math.max(0, c - half); j < Math.min(channels, c - half + size); j++) w[c * channels + j] = 1;
  return w;
}

/** The six nodes and four initializers of an even LRN, reading `input`; the last node is named `l.name`. */
export function evenLrnNodes(l: ResolvedLayer, input: string): { nodes: onnx.INodeProto[]; inits: onnx.ITensorProto[] } {
  const n = l.native as Record<string, number>;
  const c = l.inShape[0], p = l.name;
  const scalar = (suffix: string, v: number) => floatTensor(`${p}.${suffix}`, [], new Float32Array([v]));
  const inits = [floatTensor(`${p}.band`, [c, c, 1, 1], band(c, n.size)), scalar('scale', n.alpha / n.size), scalar('k', n.k), scalar('beta', n.beta)];
  const node = (op: string, name: string, inputs: string[]): onnx.INodeProto => ({ opType: op, name, input: inputs, output: [name], attribute: [] });
  const nodes = [
    node('Mul', `${p}_square`, [input, input]),
    node('Conv', `${p}_sum`, [`${p}_square`, `${p}.band`]),
    node('Mul', `${p}_scale`, [`${p}_sum`, `${p}.scale`]),
    node('Add', `${p}_k`, [`${p}_scale`, `${p}.k`]),
    node('Pow', `${p}_pow`, [`${p}_k`, `${p}.beta`]),
    node('Div', p, [input, `${p}_pow`]),
  ];
  return { nodes, inits };
}

/**
 * Whether nodes[0..5] are an even LRN written by evenLrnNodes on tensor `input` with `channels`
 * channels; returns the LRN's parameters, or undefined when they are anything else.
 */
export function matchEvenLrn(nodes: onnx.INodeProto[], input: string, channels: number, consts: Map<string, ConstTensor>): { size: number; alpha: number; beta: number; k: number } | undefined {
  if (nodes.length < 6) return undefined;
  const ops = nodes.slice(0, 6).map((n) => n.opType).join(' ');
  if (ops !== 'Mul Conv Mul Add Pow Div') return undefined;
  const ins = nodes.slice(0, 6).map((n) => n.input ?? []);
  const outs = nodes.slice(0, 6).map((n) => n.output?.[0]);
  const scalar = (name: string | undefined): number | undefined => {
    const t = name === undefined ? undefined : consts.get(name);
    return t && t.data.length === 1 ? t.data[0] : undefined;
  };
  const chained = ins[0][0] === input && ins[0][1] === input && ins[1][0] === outs[0] && ins[1].length === 2 && (nodes[1].attribute ?? []).length === 0 &&
    ins[2][0] === outs[1] && ins[3][0] === outs[2] && ins[4][0] === outs[3] && ins[5][0] === input && ins[5][1] === outs[4];
  const w = chained ? consts.get(ins[1][1]) : undefined;
  const [scale, k, beta] = [scalar(ins[2][1]), scalar(ins[3][1]), scalar(ins[4][1])];
  if (!w || scale === undefined || k === undefined || beta === undefined || w.dims.join() !== [channels, channels, 1, 1].join()) return undefined;
  for (let size = 2; size <= 2 * channels + 2; size += 2) {
    const b = band(channels, size);
    if (b.every((v, i) => v === w.data[i])) return { size, alpha: scale * size, beta, k };
  }
  return undefined;
}
