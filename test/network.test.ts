// test/network.test.ts — the Network API on the reference backend: float32 engine against the
// float64 reference, node input gradients against finite differences, parameter access, and
// every bad-input path (shape, non-finite values, unknown nodes, disposed and busy nets).
import test from 'ava';
import { GenConvNetError } from '../lib/errors';
import { Network } from '../lib/network';
import { cifar, lenet } from '../lib/presets';
import { Rng } from '../lib/rng';
import { relDiff } from './helpers/compare';
import { nodeGradcheck } from './helpers/gradcheck';
import { loadTestAddon } from './helpers/test-addon';

const tiny = {
  input: [2, 9, 9] as [number, number, number],
  layers: [
    { type: 'conv' as const, name: 'conv1', out: 4, kernel: 3, padding: 1 },
    { type: 'relu' as const, name: 'relu1' },
    { type: 'lrn' as const, name: 'norm1', size: 3, alpha: 0.1 },
    { type: 'maxpool' as const, name: 'pool1', kernel: 3, stride: 2, ceil: true },
    { type: 'conv' as const, name: 'conv2', out: 6, kernel: 3, groups: 2 },
    { type: 'relu' as const, name: 'relu2' },
    { type: 'avgpool' as const, name: 'pool2', kernel: 2, stride: 1, padding: 1 },
    { type: 'flatten' as const, name: 'flat' },
    { type: 'linear' as const, name: 'fc1', out: 8 },
    { type: 'dropout' as const, name: 'drop', p: 0.3 },
    { type: 'linear' as const, name: 'fc2', out: 5 },
  ],
};

function randomInput(net: Network, n: number, seed = 3): Float32Array {
  const [c, h, w] = net.inputShape;
  return new Rng(seed).fillNormal(new Float32Array(n * c * h * w)) as Float32Array;
}

for (const [name, spec] of [['tiny', tiny], ['lenet', lenet()], ['cifar', cifar()]] as const) {
  test(`float32 engine matches the float64 reference: ${name}`, async (t) => {
    const net = Network.create(spec, { backend: 'reference', seed: 5 });
    const n = 3;
    const x = randomInput(net, n);
    const scores = await net.forward(x);
    const dscores = new Rng(9).fillNormal(new Float32Array(scores.length)) as Float32Array;
    await net.backward(dscores);
    const params = net.parameters.map((p) => Float64Array.from(net.getParameter(p.name)));
    const ref = loadTestAddon().reference64(net.resolved.layers.map((l) => l.native), net.inputShape, params, Float64Array.from(x), n, { dscores: Float64Array.from(dscores) });
    t.true(relDiff(scores, ref.scores) < 1e-5, 'scores');
    net.parameters.forEach((p, i) => t.true(relDiff(net.getGradient(p.name), ref.paramGrads![i]) < 1e-4, p.name));
    net.dispose();
  });
}

for (const node of ['fc2:3', 'conv2:1@1,0', 'conv2:5@mean', 'relu1:2@4,4', 'norm1:0@mean']) {
  test(`node input gradient ${node}: float64 finite differences, and float32 agrees`, async (t) => {
    const net = Network.create(tiny, { backend: 'reference', seed: 1 });
    const resolved = net.node(node);
    nodeGradcheck(t, tiny, resolved);
    const x = randomInput(net, 2);
    const { values, grad } = await net.inputGradient(x, node);
    const params = net.parameters.map((p) => Float64Array.from(net.getParameter(p.name)));
    const ref = loadTestAddon().reference64(net.resolved.layers.map((l) => l.native), net.inputShape, params, Float64Array.from(x), 2, { node: resolved });
    t.true(relDiff(values, ref.nodeValues!) < 1e-5);
    t.true(relDiff(grad, ref.inputGrad!) < 1e-4);
    net.dispose();
  });
}

test('node names resolve, default to the center and refuse what does not exist', (t) => {
  const net = Network.create(lenet(), { backend: 'reference' });
  t.like(net.node('conv2:17'), { layer: 2, channel: 17, y: 4, x: 4, mean: false, name: 'conv2:17@4,4' });
  t.like(net.node('fc2:3'), { layer: 7, channel: 3, name: 'fc2:3' });
  t.like(net.node({ layer: 'conv1', channel: 0, position: 'mean' }), { layer: 0, mean: true });
  const unknown = t.throws(() => net.node('conv9:1'), { instanceOf: GenConvNetError });
  t.regex(unknown!.message, /conv1, pool1, conv2/);
  t.regex(t.throws(() => net.node('fc2:10'))!.message, /\[0, 9\]/);
  t.regex(t.throws(() => net.node('conv2:1@8,0'))!.message, /\[0, 7\] x \[0, 7\]/);
  t.regex(t.throws(() => net.node('fc2'))!.message, /fc2:3/);
  net.dispose();
});

test('bad input is refused with a code', async (t) => {
  const net = Network.create(lenet(), { backend: 'reference' });
  await t.throwsAsync(net.forward(new Float32Array(100)), { code: 'E_SHAPE', message: /multiple of 784/ } as never);
  const x = new Float32Array(784);
  x[5] = NaN;
  await t.throwsAsync(net.forward(x), { code: 'E_NOT_FINITE', message: /index 5/ } as never);
  await t.throwsAsync(net.forward([1, 2] as never), { code: 'E_INVALID_ARGUMENT' } as never);
  t.throws(() => net.setParameter('fc2.bias', new Float32Array(3)), { code: 'E_SHAPE' } as never);
  t.throws(() => net.setParameter('nope', new Float32Array(3)), { message: /conv1\.weight/ });
  await net.forward(new Float32Array(784 * 2));
  await t.throwsAsync(net.backward(new Float32Array(5)), { code: 'E_SHAPE' } as never);
  const first = net.forward(new Float32Array(784));
  await t.throwsAsync(net.forward(new Float32Array(784)), { code: 'E_BUSY' } as never);
  await first;
  net.dispose();
  net.dispose();
  await t.throwsAsync(net.forward(new Float32Array(784)), { code: 'E_DISPOSED' } as never);
});

test('unknown backends and devices are refused with the available ones', (t) => {
  t.throws(() => Network.create(lenet(), { backend: 'tpu' as never }), { code: 'E_BACKEND', message: /reference/ } as never);
  t.throws(() => Network.create(lenet(), { device: 'cuda' }), { code: 'E_BACKEND', message: /CUDA/ } as never);
});

test('initialization follows the spec: He std, gaussian std, biasInit', (t) => {
  const net = Network.create({ input: [4, 10, 10], layers: [{ type: 'conv', name: 'a', out: 64, kernel: 5 }, { type: 'conv', name: 'b', out: 64, kernel: 3, init: { type: 'gaussian', std: 0.01 }, biasInit: 1 }] }, { backend: 'reference', seed: 2 });
  const std = (v: Float32Array) => Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
  t.true(Math.abs(std(net.getParameter('a.weight')) / Math.sqrt(2 / 100) - 1) < 0.05);
  t.true(Math.abs(std(net.getParameter('b.weight')) / 0.01 - 1) < 0.05);
  t.true(net.getParameter('b.bias').every((v) => v === 1));
  t.true(net.getParameter('a.bias').every((v) => v === 0));
  const again = Network.create(net.spec, { backend: 'reference', seed: 2 });
  t.deepEqual(again.getParameter('a.weight'), net.getParameter('a.weight'));
});

test('sgd step follows PyTorch semantics', async (t) => {
  const net = Network.create({ input: [1, 1, 2], layers: [{ type: 'linear', name: 'fc', out: 1 }] }, { backend: 'reference' });
  net.setParameter('fc.weight', Float32Array.from([1, 2]));
  net.setParameter('fc.bias', Float32Array.from([0]));
  await net.forward(Float32Array.from([3, 4]));
  await net.backward(Float32Array.from([1])); // dL/dw = x = [3, 4], dL/db = 1
  t.deepEqual(Array.from(net.getGradient('fc.weight')), [3, 4]);
  await net.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 0.5 });
  // v = g + wd*w = [3.5, 5]; w = w - 0.1 v
  t.true(Math.abs(net.getParameter('fc.weight')[0] - 0.65) < 1e-6);
  await net.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 0 });
  // v = 0.9*3.5 + 3 = 6.15; w = 0.65 - 0.615
  t.true(Math.abs(net.getParameter('fc.weight')[0] - 0.035) < 1e-6);
  await t.throwsAsync(net.sgdStep({ lr: -1 }), { code: 'E_INVALID_ARGUMENT' } as never);
});
