// lib/onnx/fold.ts — parameter arithmetic of the importer, in float64: Gemm/MatMul weights to the
// spec's (out, in) layout, a bias Add and an inference BatchNormalization folded into the conv or
// linear layer before them. Each returns a reason string instead of changing anything when the
// constants do not have one value per output unit.
import type { Built } from './nodes';
import type { ConstTensor } from './proto';

const outsOf = (b: Built): number => b.weight!.dims[0];

/** Per-output values of a constant broadcast over the activation: a scalar, [K] or [1, K] for a linear layer, [K, 1, 1] or [1, K, 1, 1] for a conv. */
function perOutput(t: ConstTensor, outs: number, conv: boolean): Float64Array | string {
  if (t.data.length === 1) return new Float64Array(outs).fill(t.data[0]);
  const axis = t.dims.length - (conv ? 3 : 1); // channels of [N, C, H, W], features of [N, K]
  if (axis >= 0 && t.dims[axis] === outs && t.dims.every((d, i) => i === axis || d === 1)) return Float64Array.from(t.data);
  return `dims [${t.dims.join(', ')}] for ${outs} outputs`;
}

/** Weight (out, in) and bias (out) of Gemm (alpha, beta, transB) or MatMul (alpha = beta = 1). */
export function gemmWeights(b: ConstTensor, c: ConstTensor | undefined, inFeatures: number, transB: boolean, alpha: number, beta: number): { weight: ConstTensor; bias?: ConstTensor } | string {
  if (b.dims.length !== 2) return `a weight of dims [${b.dims.join(', ')}]`;
  const [rows, cols] = b.dims;
  const [outs, ins] = transB ? [rows, cols] : [cols, rows];
  if (ins !== inFeatures) return `a weight of dims [${b.dims.join(', ')}]${transB ? ' (transB)' : ''}`;
  let w: Float64Array;
  if (transB) w = alpha === 1 ? new Float64Array(b.data) : b.data.map((v) => alpha * v);
  else {
    w = new Float64Array(outs * ins);
    for (let o = 0; o < outs; o++) for (let i = 0; i < ins; i++) w[o * ins + i] = alpha * b.data[i * outs + o];
  }
  const weight = { dims: [outs, ins], data: w };
  if (!c) return { weight };
  const bias = perOutput(c, outs, false);
  if (typeof bias === 'string') return `a bias of ${bias}`;
  return { weight, bias: { dims: [outs], data: bias.map((v) => beta * v) } };
}

/** Adds a constant to the layer's bias (creating it). */
export function addBias(target: Built, t: ConstTensor): string | undefined {
  const outs = outsOf(target);
  const add = perOutput(t, outs, target.config.type === 'conv');
  if (typeof add === 'string') return add;
  const bias = target.bias?.data ?? new Float64Array(outs);
  target.bias = { dims: [outs], data: bias.map((v, o) => v + add[o]) };
  (target.config as { bias?: boolean }).bias = true;
  return undefined;
}

/** y = scale * (x - mean) / sqrt(var + eps) + B folded into the weights and bias that made x. */
export function foldBatchNorm(target: Built, scale: ConstTensor, beta: ConstTensor, mean: ConstTensor, variance: ConstTensor, eps: number): string | undefined {
  const outs = outsOf(target);
  for (const [name, t] of [['scale', scale], ['B', beta], ['mean', mean], ['var', variance]] as const)
    if (t.data.length !== outs) return `${name} of ${t.data.length} values for ${outs} outputs`;
  const factor = scale.data.map((g, o) => g / Math.sqrt(variance.data[o] + eps));
  const w = target.weight!;
  const per = w.data.length / outs;
  target.weight = { dims: w.dims, data: w.data.map((v, i) => v * factor[Math.floor(i / per)]) };
  const bias = target.bias?.data ?? new Float64Array(outs);
  target.bias = { dims: [outs], data: bias.map((b, o) => (b - mean.data[o]) * factor[o] + beta.data[o]) };
  (target.config as { bias?: boolean }).bias = true;
  return undefined;
}
