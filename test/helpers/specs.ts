// test/helpers/specs.ts — random valid network specs that together use every layer option
// (kernel/stride/padding pairs, groups, no bias, floor and Caffe ceil pooling, average pooling
// counting its padding or not, odd and even LRN, dropout, linear on an unflattened input, conv
// after linear), for tests that must hold for any spec (ONNX export, round trips).
import type { Rng } from '../../lib/rng';
import { validateSpec, type LayerConfig, type NetSpec, type ResolvedLayer } from '../../lib/spec';

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function pairOr(rng: Rng, a: number, b: number): number | [number, number] {
  return rng.uniform() < 0.5 ? a : [a, b];
}

function randomWindowLayer(rng: Rng, channels: number): LayerConfig {
  const kind = pick(rng, ['conv', 'conv', 'maxpool', 'avgpool', 'avgpool', 'lrn', 'relu', 'dropout'] as const);
  const k = 1 + rng.int(3), k2 = 1 + rng.int(3);
  const stride = pairOr(rng, 1 + rng.int(2), 1 + rng.int(3));
  const padding = pairOr(rng, rng.int(k), rng.int(k2));
  switch (kind) {
    case 'conv': {
      const groups = pick(rng, [1, 1, 2]);
      const g = channels % groups === 0 ? groups : 1;
      return { type: 'conv', out: g * (1 + rng.int(3)), kernel: [k, k2], stride, padding: pairOr(rng, rng.int(3), rng.int(2)), groups: g, bias: rng.uniform() < 0.7 };
    }
    case 'maxpool':
      return { type: 'maxpool', kernel: [k, k2], stride, padding, ceil: rng.uniform() < 0.5 };
    case 'avgpool':
      return { type: 'avgpool', kernel: [k, k2], stride, padding, ceil: rng.uniform() < 0.5, countIncludePad: rng.uniform() < 0.5 };
    case 'lrn':
      return { type: 'lrn', size: 1 + rng.int(5), alpha: 1e-3 + rng.uniform(), beta: 0.5 + rng.uniform(), k: 0.5 + rng.uniform() * 2 };
    case 'dropout':
      return { type: 'dropout', p: 0.5 };
    default:
      return { type: 'relu' };
  }
}

/** Caffe's ceil rounding without padding can add a window wholly outside the image (stride > kernel). */
export function emptyWindow(l: ResolvedLayer): boolean {
  if (l.type !== 'maxpool' && l.type !== 'avgpool') return false;
  const n = l.native as Record<string, number>;
  return (l.outShape[1] - 1) * n.strideH - n.padH >= l.inShape[1] || (l.outShape[2] - 1) * n.strideW - n.padW >= l.inShape[2];
}

/** A random valid spec: window layers on a small image, then a tail of linear layers. */
export function randomSpec(rng: Rng): NetSpec {
  for (;;) {
    const input: [number, number, number] = [1 + rng.int(3), 5 + rng.int(6), 5 + rng.int(6)];
    const layers: LayerConfig[] = [];
    let channels = input[0];
    for (let i = 0, n = 2 + rng.int(4); i < n; i++) {
      const l = randomWindowLayer(rng, channels);
      if (l.type === 'conv') channels = l.out;
      layers.push(l);
    }
    if (rng.uniform() < 0.5) layers.push({ type: 'flatten' });
    layers.push({ type: 'linear', out: 2 + rng.int(6), bias: rng.uniform() < 0.8 });
    if (rng.uniform() < 0.3) layers.push({ type: 'relu' }, { type: 'conv', out: 3, kernel: 1 }); // conv after linear
    if (rng.uniform() < 0.5) layers.push({ type: 'relu' }, { type: 'dropout' }, { type: 'linear', out: 2 + rng.int(5) });
    const spec = { input, layers };
    try {
      if (!validateSpec(spec).layers.some(emptyWindow)) return spec;
    } catch {
      // a window did not fit the shrinking image: draw again
    }
  }
}
