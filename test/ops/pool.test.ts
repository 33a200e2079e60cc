// test/ops/pool.test.ts — max and average pooling input gradients against float64 finite
// differences, floor and Caffe ceil rounding, with and without padding.
import test from 'ava';
import { availableBackends } from '../../lib/backend';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import { poolOutSize, validateSpec } from '../../lib/spec';
import { within } from '../helpers/compare';
import { gradcheck } from '../helpers/gradcheck';
import { loadTestAddon } from '../helpers/test-addon';

for (const type of ['maxpool', 'avgpool'] as const) {
  for (const [name, cfg] of [
    ['2x2 stride 2', { kernel: 2, stride: 2 }],
    ['3x3 stride 2 ceil', { kernel: 3, stride: 2, ceil: true }],
    ['3x3 stride 2 pad 1 ceil', { kernel: 3, stride: 2, padding: 1, ceil: true }],
    ['3x2 stride 1', { kernel: [3, 2], stride: 1 }],
  ] as const) {
    test(`${type} ${name}`, (t) => {
      gradcheck(t, { input: [2, 7, 7], layers: [{ type, name: 'p', ...cfg } as never, { type: 'flatten' }] });
    });
  }
}

// countIncludePad: floor and ceil, a ceil window overhanging the padded image (6 = 5 + 1 < 8).
for (const [name, cfg] of [
  ['3x3 stride 2 pad 1', { kernel: 3, stride: 2, padding: 1 }],
  ['3x3 stride 2 pad 1 ceil', { kernel: 3, stride: 2, padding: 1, ceil: true }],
  ['4x3 stride [3,2] pad [1,1] ceil', { kernel: [4, 3], stride: [3, 2], padding: [1, 1], ceil: true }],
] as const) {
  test(`avgpool counting the padding ${name}`, (t) => {
    gradcheck(t, { input: [2, 6, 7], layers: [{ type: 'avgpool', name: 'p', countIncludePad: true, ...cfg } as never, { type: 'flatten' }] });
  });
}

test('avgpool countIncludePad divides by the extent within the padded image (PyTorch)', (t) => {
  // 1 channel 4x4 of ones, kernel 3 stride 2 pad 1 ceil: windows [-1,2), [1,4), [3,6) along each axis
  // hold 2, 3, 1 image elements; within the padded image [-1,5) they extend 3, 3, 2 (the last overhangs).
  const native = loadTestAddon();
  const layers = (inc: boolean) => validateSpec({ input: [1, 4, 4], layers: [{ type: 'avgpool', kernel: 3, stride: 2, padding: 1, ceil: true, countIncludePad: inc }] }).layers.map((l) => l.native);
  const ones = new Float64Array(16).fill(1);
  const image = [2, 3, 1], extent = [3, 3, 2];
  const want = image.flatMap((iy, y) => image.map((ix, x) => (iy * ix) / (extent[y] * extent[x])));
  t.deepEqual(Array.from(native.reference64(layers(false), [1, 4, 4], [], ones, 1, {}).scores), new Array(9).fill(1));
  const got = Array.from(native.reference64(layers(true), [1, 4, 4], [], ones, 1, {}).scores);
  t.true(got.every((v, i) => within(v, want[i], 0, 1e-12)), `${got} vs ${want}`);
  t.throws(() => validateSpec({ input: [1, 4, 4], layers: [{ type: 'maxpool', kernel: 2, countIncludePad: true } as never] }), { message: /countIncludePad/ });
});

test('Caffe ceil rounding matches AlexNet sizes', (t) => {
  t.is(poolOutSize(55, 3, 2, 0, true), 27);
  t.is(poolOutSize(27, 3, 2, 0, true), 13);
  t.is(poolOutSize(13, 3, 2, 0, true), 6);
  t.is(poolOutSize(32, 3, 2, 0, true), 16); // cifar: floor would give 15
  t.is(poolOutSize(32, 3, 2, 0, false), 15);
  t.is(poolOutSize(6, 3, 2, 1, true), 4);
  t.is(poolOutSize(5, 2, 2, 1, true), 3); // the window starting in the right padding is dropped
});

// #12 case 1: kernel 2, stride 3, ceil on 24 gave a 9th window starting at 24, wholly outside the
// image: NaN from forward and heap corruption in inputGradient. PyTorch's rule drops it.
test('ceil mode never makes a window that lies wholly outside the image', (t) => {
  t.is(poolOutSize(24, 2, 3, 0, true), 8);
  t.is(poolOutSize(24, 2, 2 ** 31 - 1, 0, true), 1);
  for (let size = 1; size <= 20; size++)
    for (let k = 1; k <= size; k++)
      for (let s = 1; s <= 6; s++)
        for (let p = 0; p < k; p++) {
          const out = poolOutSize(size, k, s, p, true);
          t.true((out - 1) * s - p < size, `last window of size ${size} k ${k} s ${s} p ${p} starts at ${(out - 1) * s - p}`);
        }
});

for (const backend of availableBackends())
  test(`${backend}: max-pool kernel 2 stride 3 ceil on 24x24 is finite and its input gradient sound (case 1)`, async (t) => {
    for (const stride of [3, 2 ** 31 - 1]) {
      const net = Network.create({ input: [1, 24, 24], layers: [{ type: 'maxpool', kernel: 2, stride, ceil: true }, { type: 'flatten' }] }, { backend });
      const x = new Rng(1).fillNormal(new Float32Array(2 * 24 * 24)) as Float32Array;
      const scores = await net.forward(x);
      t.true(scores.every(Number.isFinite));
      const { grad } = await net.inputGradient(x, `flatten1:${net.classes - 1}`);
      t.is(grad.reduce((a, b) => a + b, 0), 2);
      net.dispose();
    }
  });
