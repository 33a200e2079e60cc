// test/backends/onednn.test.ts — the oneDNN backend against the reference backend with the same
// parameters: each layer type alone, LeNet, a 32x32 colour net and AlexNet at batch 2. Scores
// (evaluation and training, so dropout masks agree), every parameter gradient, node values and
// input gradients must agree within relative error 1e-4 (max |got - ref| / max |ref|); whole
// nets get a few independent draws for rare float-rounding flips (see check()). Without a oneDNN
// backend in the build every test is registered as skipped and one test logs why.
import { type ExecutionContext } from 'ava';
import { worstDiff } from '../helpers/compare';
import { backendTest, unavailableReason } from '../helpers/skip';
import { loadNative, type NativeBinding, type NativeLayer, type NativeNet, type NativeNode } from '../../lib/native';

const TOL = 1e-4;

const native: NativeBinding | undefined = unavailableReason('onednn') ? undefined : loadNative();

function dnnTest(title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  // Serial: the nets are large and oneDNN already uses every core.
  backendTest('onednn', title, fn, { serial: true });
}

// ---- layers ----

type Shape = [number, number, number];
let layerId = 0;
const name = (kind: string) => `${kind}${++layerId}`;

function conv(out: number, k: number | [number, number], o: { s?: number | [number, number]; p?: number; g?: number; bias?: boolean } = {}): NativeLayer {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const [sh, sw] = typeof o.s === 'number' || o.s === undefined ? [o.s ?? 1, o.s ?? 1] : o.s;
  return { type: 'conv', name: name('conv'), outChannels: out, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH: o.p ?? 0, padW: o.p ?? 0, groups: o.g ?? 1, bias: o.bias ?? true };
}
function pool(type: 'maxpool' | 'avgpool', k: number, s: number, o: { p?: number; ceil?: boolean; inc?: boolean } = {}): NativeLayer {
  return { type, name: name(type), kernelH: k, kernelW: k, strideH: s, strideW: s, padH: o.p ?? 0, padW: o.p ?? 0, ceilMode: o.ceil ?? false, countIncludePad: o.inc ?? false };
}
const linear = (out: number, bias = true): NativeLayer => ({ type: 'linear', name: name('fc'), outFeatures: out, bias });
const relu = (): NativeLayer => ({ type: 'relu', name: name('relu') });
const flatten = (): NativeLayer => ({ type: 'flatten', name: name('flatten') });
const dropout = (p: number): NativeLayer => ({ type: 'dropout', name: name('drop'), p });
const lrn = (size = 5, alpha = 1e-4, beta = 0.75, k = 1): NativeLayer => ({ type: 'lrn', name: name('lrn'), size, alpha, beta, k });
const node = (layer: number, channel: number, at: [number, number] | 'mean' = [0, 0]): NativeNode =>
  at === 'mean' ? { layer, channel, y: 0, x: 0, mean: true } : { layer, channel, y: at[0], x: at[1], mean: false };

// ---- random data (mulberry32: the test's numbers do not depend on other modules) ----

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let z = Math.imul(a ^ (a >>> 15), a | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(next: () => number, size: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) a[i] = lo + (hi - lo) * next();
  return a;
}

// Parameter draws: weights U(±sqrt(3/fanIn)), biases U(-0.5, 0.5), inputs U(-1, 1).
interface Twins {
  dnn: NativeNet;
  ref: NativeNet;
  next: () => number;
  dispose(): void;
}

function twins(layers: NativeLayer[], input: Shape, seed: number): Twins {
  const { NativeNet } = native!;
  const dnn = new NativeNet(layers, input, 'onednn', 17);
  const ref = new NativeNet(layers, input, 'reference', 17);
  const next = rng(seed);
  dnn.params().forEach((p, i) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const a = Math.sqrt(3 / (size / p.shape[0]));
    const v = p.shape.length > 1 ? uniform(next, size, -a, a) : uniform(next, size, -0.5, 0.5);
    dnn.writeParam(i, v);
    ref.writeParam(i, v);
  });
  return { dnn, ref, next, dispose: () => (dnn.dispose(), ref.dispose()) };
}

/** Collects every comparison that misses max |got - want| / max |want| < TOL. */
class Mismatches {
  readonly list: string[] = [];
  close(got: Float32Array, want: Float32Array, what: string): void {
    if (got.length !== want.length) return void this.list.push(`${what}: ${got.length} values, expected ${want.length}`);
    const { maxAbs, at, scale } = worstDiff(got, want);
    const rel = maxAbs / (scale || 1);
    if (!(rel < TOL))
      this.list.push(`${what}: relative error ${rel.toExponential(2)} (element ${at}: ${got[at]} vs reference ${want[at]}, max |ref| ${scale})`);
  }
}

interface Check {
  n: number;
  seed?: number;
  eval?: boolean;    // forward and backward in evaluation mode (default true)
  train?: boolean;   // forward and backward in training mode (dropout on)
  nodes?: NativeNode[];
  attempts?: number; // independent draws, see check()
}

async function backwardBoth(m: Mismatches, w: Twins, scores: Float32Array, mode: string): Promise<void> {
  const dscores = uniform(w.next, scores.length, -1, 1);
  await Promise.all([w.dnn.backward(dscores), w.ref.backward(dscores)]);
  w.dnn.params().forEach((p, i) => m.close(w.dnn.readGrad(i), w.ref.readGrad(i), `${mode} gradient of ${p.name}`));
}

async function compareOnce(layers: NativeLayer[], input: Shape, c: Check, seed: number): Promise<string[]> {
  const m = new Mismatches();
  const w = twins(layers, input, seed);
  try {
    const x = uniform(w.next, c.n * input[0] * input[1] * input[2], -1, 1);
    for (const train of [false, true]) {
      if (train ? !c.train : c.eval === false) continue;
      const mode = train ? 'training' : 'evaluation';
      const [got, want] = [await w.dnn.forward(x, c.n, train), await w.ref.forward(x, c.n, train)];
      m.close(got, want, `${mode} scores`);
      await backwardBoth(m, w, want, mode);
    }
    for (const nd of c.nodes ?? []) {
      const [got, want] = [await w.dnn.nodeGrad(x, c.n, nd), await w.ref.nodeGrad(x, c.n, nd)];
      m.close(got.values, want.values, `node ${JSON.stringify(nd)} values`);
      m.close(got.grad, want.grad, `node ${JSON.stringify(nd)} input gradient`);
    }
  } finally {
    w.dispose();
  }
  return m.list;
}

// Whole nets hold 10^5-10^6 relu inputs and max-pooling windows. Now and then one relu input
// lies within float rounding of 0, or a window's two largest inputs within rounding of each
// other, and the two backends take different sides: a legitimate float difference that moves
// a gradient by ~1e-2. Such a flip is rare on any one draw while a real error shows on every
// draw, so a net gets a few independent draws and must agree entirely on one of them.
async function check(t: ExecutionContext, layers: NativeLayer[], input: Shape, c: Check): Promise<void> {
  const attempts = c.attempts ?? 1;
  for (let k = 0; k < attempts; k++) {
    const bad = await compareOnce(layers, input, c, (c.seed ?? 3) + 7919 * k);
    if (bad.length === 0) return void t.pass();
    if (k + 1 === attempts) return void t.fail(bad.join('\n'));
    t.log(`draw ${k + 1}: ${bad.length} comparison(s) off, first: ${bad[0]}; trying another draw`);
  }
}

// ---- each layer type ----

const layerCases: { title: string; layers: NativeLayer[]; input: Shape; n?: number; train?: boolean; nodes: NativeNode[] }[] = [
  { title: 'conv 3x3 pad 1', layers: [conv(6, 3, { p: 1 })], input: [3, 9, 9], nodes: [node(0, 2, [4, 0]), node(0, 5, 'mean')] },
  { title: 'conv 5x5 stride 2 pad 2', layers: [conv(8, 5, { s: 2, p: 2 })], input: [3, 13, 12], nodes: [node(0, 1, 'mean')] },
  { title: 'conv groups 2, rectangular, no bias', layers: [conv(8, [3, 2], { s: [1, 2], g: 2, bias: false })], input: [4, 7, 8], nodes: [node(0, 7, [2, 1])] },
  { title: 'conv on a 1-channel input', layers: [conv(20, 5)], input: [1, 28, 28], nodes: [node(0, 3, 'mean')] },
  { title: 'conv after conv (blocked input)', layers: [conv(16, 3), conv(24, 3, { p: 1, g: 2 })], input: [16, 8, 8], nodes: [node(1, 20, [3, 3]), node(0, 5, 'mean')] },
  { title: 'maxpool 3/2 ceil pad 1 after conv', layers: [conv(8, 3), pool('maxpool', 3, 2, { p: 1, ceil: true })], input: [3, 12, 13], nodes: [node(1, 3, [2, 2])] },
  { title: 'maxpool 2/2 floor, leftover row and column', layers: [pool('maxpool', 2, 2)], input: [3, 9, 7], nodes: [node(0, 1, [3, 2])] },
  { title: 'avgpool 3/2 ceil pad 1 after conv', layers: [conv(8, 3), pool('avgpool', 3, 2, { p: 1, ceil: true })], input: [3, 12, 13], nodes: [node(1, 3, 'mean')] },
  { title: 'avgpool 3/2 pad 1 counting the padding (oneDNN include_padding)', layers: [conv(8, 3), pool('avgpool', 3, 2, { p: 1, inc: true })], input: [3, 12, 13], nodes: [node(1, 3, [0, 0])] },
  { title: 'avgpool 3/2 ceil pad 1 counting the padding, window past the padding (host op)', layers: [conv(8, 3), pool('avgpool', 3, 2, { p: 1, ceil: true, inc: true }), relu()], input: [3, 12, 13], nodes: [node(1, 3, [4, 4]), node(2, 1, 'mean')] },
  { title: 'avgpool 3/2 ceil on the input', layers: [pool('avgpool', 3, 2, { ceil: true })], input: [2, 10, 11], nodes: [node(0, 1, [4, 4])] },
  { title: 'relu after conv (fused) and after pool', layers: [conv(8, 3), relu(), pool('maxpool', 2, 2), relu()], input: [3, 10, 10], nodes: [node(0, 2, [1, 1]), node(1, 2, 'mean'), node(3, 4, [1, 2])] },
  { title: 'relu first', layers: [relu(), conv(4, 3)], input: [2, 6, 6], nodes: [node(0, 1, [2, 3]), node(1, 1, 'mean')] },
  { title: 'lrn 5 after conv', layers: [conv(24, 3), lrn(5, 0.5, 0.75, 2)], input: [3, 8, 8], nodes: [node(1, 7, 'mean')] },
  { title: 'lrn 3 and even size 4', layers: [conv(20, 3), lrn(3, 0.3, 0.6, 1.5), lrn(4, 0.5, 0.75, 2)], input: [3, 8, 8], nodes: [node(2, 5, [2, 3])] },
  { title: 'dropout after conv (blocked)', layers: [conv(20, 3), dropout(0.3), flatten(), linear(5)], input: [3, 8, 8], train: true, nodes: [node(3, 2)] },
  { title: 'dropout after linear', layers: [flatten(), linear(50), relu(), dropout(0.5), linear(5)], input: [3, 4, 4], n: 3, train: true, nodes: [node(4, 1), node(1, 7)] },
  { title: 'linear on a 4-d input, no bias', layers: [linear(7, false)], input: [3, 4, 4], n: 3, nodes: [node(0, 6)] },
  { title: 'linear after conv and flatten', layers: [conv(32, 3), flatten(), linear(9), relu(), linear(4)], input: [3, 6, 6], n: 3, nodes: [node(4, 3), node(2, 8), node(1, 100)] },
  { title: 'flatten first, relu after flatten', layers: [flatten(), relu(), linear(7)], input: [3, 4, 4], n: 3, nodes: [node(1, 5)] },
  { title: 'conv after linear', layers: [linear(16), relu(), conv(8, 1), pool('maxpool', 1, 1)], input: [3, 4, 4], n: 3, nodes: [node(2, 5)] },
  // 5x5 stride 1 over >= 16 channels: Winograd F(2x2, 5x5) on AVX-512 CPUs (native/ops/conv/winograd.h)
  ...winogradCases(),
];

function winogradCases(): { title: string; layers: NativeLayer[]; input: Shape; n?: number; train?: boolean; nodes: NativeNode[] }[] {
  return [
    // plain NCHW input (reordered to nChw16c and its gradient back), channels padded to 32 and 64
    { title: 'Winograd conv 5x5 on the input, 20 -> 50 channels', layers: [conv(50, 5)], input: [20, 12, 12], n: 3, nodes: [node(0, 49, [7, 7]), node(0, 3, 'mean')] },
    // odd output (a last row and column of half tiles), padding, no bias, fused relu, nodeGrad before the relu
    { title: 'Winograd conv 5x5 pad 2 after conv, odd 9x9 output, fused relu, no bias', layers: [conv(16, 3, { p: 1 }), conv(24, 5, { p: 2, bias: false }), relu(), pool('maxpool', 2, 2)], input: [3, 9, 9], n: 5, nodes: [node(1, 23, [8, 8]), node(1, 0, 'mean'), node(3, 5, [1, 2])] },
    // several chunks of images per thread (128 tiles of 2x2 outputs per image), bias
    { title: 'Winograd conv 5x5 pad 2, 32 -> 48 channels, 16x16, batch 9', layers: [conv(32, 1), conv(48, 5, { p: 2 }), flatten(), linear(6)], input: [4, 16, 16], n: 9, nodes: [node(3, 2), node(1, 40, [15, 0])] },
  ];
}

for (const c of layerCases) {
  dnnTest(`layer: ${c.title}`, (t) => check(t, c.layers, c.input, { n: c.n ?? 2, train: c.train, nodes: c.nodes }));
}

dnnTest('5x5 convolutions over >= 16 channels take the Winograd path on AVX-512 CPUs, others do not', async (t) => {
  if (!native!.debugWinograd().available) return void t.log('this CPU has no AVX-512: oneDNN runs every convolution directly; nothing to check');
  const passesOf = async (layers: NativeLayer[], input: Shape) => {
    const w = twins(layers, input, 5);
    try {
      const before = native!.debugWinograd().passes;
      const x = uniform(w.next, 2 * input[0] * input[1] * input[2], -1, 1);
      const scores = await w.dnn.forward(x, 2, true);
      await w.dnn.backward(scores);
      await w.dnn.nodeGrad(x, 2, node(0, 1, 'mean'));
      return native!.debugWinograd().passes - before;
    } finally {
      w.dispose();
    }
  };
  t.is(await passesOf([conv(24, 5)], [16, 8, 8]), 4, 'forward, backward, nodeGrad forward and backward');
  t.is(await passesOf([conv(24, 5)], [15, 8, 8]), 0, 'fewer than 16 input channels: direct');
  t.is(await passesOf([conv(24, 5, { s: 2 })], [16, 9, 9]), 0, 'stride 2: direct');
  t.is(await passesOf([conv(24, 5, { g: 2 })], [16, 8, 8]), 0, 'two groups: direct');
  t.is(await passesOf([conv(24, 3)], [16, 8, 8]), 0, '3x3: direct');
  t.is(await passesOf([conv(16, 5)], [16, 132, 132]), 0, 'an image whose tiles need over 16 MB of scratch: direct');
});

// ---- whole nets ----

const lenet = (): NativeLayer[] => [conv(20, 5), pool('maxpool', 2, 2), conv(50, 5), pool('maxpool', 2, 2), flatten(), linear(500), relu(), linear(10)];

// Caffe's CIFAR-10 "quick" net: pooling in ceil mode, average pooling.
const cifar = (): NativeLayer[] => [
  conv(32, 5, { p: 2 }), relu(), pool('maxpool', 3, 2, { ceil: true }),
  conv(32, 5, { p: 2 }), relu(), pool('avgpool', 3, 2, { ceil: true }),
  conv(64, 5, { p: 2 }), relu(), pool('avgpool', 3, 2, { ceil: true }),
  flatten(), linear(64), relu(), linear(10),
];

const alexnet = (): NativeLayer[] => [
  conv(96, 11, { s: 4 }), relu(), lrn(), pool('maxpool', 3, 2, { ceil: true }),
  conv(256, 5, { p: 2, g: 2 }), relu(), lrn(), pool('maxpool', 3, 2, { ceil: true }),
  conv(384, 3, { p: 1 }), relu(), conv(384, 3, { p: 1, g: 2 }), relu(), conv(256, 3, { p: 1, g: 2 }), relu(),
  pool('maxpool', 3, 2, { ceil: true }), flatten(),
  linear(4096), relu(), dropout(0.5), linear(4096), relu(), dropout(0.5), linear(1000),
];

dnnTest('net: lenet', (t) =>
  check(t, lenet(), [1, 28, 28], { n: 3, attempts: 3, nodes: [node(7, 3), node(2, 17, [3, 4]), node(2, 7, 'mean'), node(0, 1, 'mean')] }));

dnnTest('net: cifar 32x32 colour', (t) =>
  check(t, cifar(), [3, 32, 32], { n: 2, attempts: 3, nodes: [node(12, 3), node(3, 5, [3, 4]), node(4, 7, 'mean'), node(8, 30, 'mean')] }));

dnnTest('net: alexnet at batch 2', (t) =>
  check(t, alexnet(), [3, 227, 227], { n: 2, attempts: 5, eval: false, train: true, nodes: [node(22, 3), node(12, 200, [6, 7]), node(9, 7, 'mean')] }));

// ---- state across calls ----

dnnTest('batch size changes between calls', async (t) => {
  const w = twins(lenet(), [1, 28, 28], 5), m = new Mismatches();
  try {
    for (const n of [3, 5, 1, 3]) {
      const x = uniform(w.next, n * 784, -1, 1);
      const want = await w.ref.forward(x, n, true);
      m.close(await w.dnn.forward(x, n, true), want, `scores at n=${n}`);
      await backwardBoth(m, w, want, `n=${n}`);
    }
  } finally {
    w.dispose();
  }
  t.deepEqual(m.list, []);
});

dnnTest('parameters changed by sgdStep, adamStep and writeParam are used', async (t) => {
  const w = twins([conv(16, 3, { p: 1 }), relu(), pool('maxpool', 2, 2), conv(16, 3, { g: 2 }), flatten(), linear(10)], [3, 10, 10], 7), m = new Mismatches();
  try {
    const n = 2, x = uniform(w.next, n * 300, -1, 1);
    const round = async (what: string) => {
      const want = await w.ref.forward(x, n, false);
      m.close(await w.dnn.forward(x, n, false), want, `scores after ${what}`);
      await backwardBoth(m, w, want, what);
    };
    await round('init');
    await Promise.all([w.dnn.sgdStep(0.1, 0.9, 1e-3), w.ref.sgdStep(0.1, 0.9, 1e-3)]);
    await round('sgdStep');
    await Promise.all([w.dnn.adamStep(0.01, 0.9, 0.999, 1e-8, 0, false, 1), w.ref.adamStep(0.01, 0.9, 0.999, 1e-8, 0, false, 1)]);
    await round('adamStep');
    const v = uniform(w.next, w.dnn.params()[0].shape.reduce((a, b) => a * b, 1), -0.3, 0.3);
    w.dnn.writeParam(0, v);
    w.ref.writeParam(0, v);
    await round('writeParam');
  } finally {
    w.dispose();
  }
  t.deepEqual(m.list, []);
});
