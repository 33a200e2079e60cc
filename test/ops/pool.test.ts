// test/ops/pool.test.ts — max and average pooling input gradients against float64 finite
// differences, floor and Caffe ceil rounding, with and without padding.
import test from 'ava';
import { loadNative } from '../../lib/native';
import { poolOutSize, validateSpec } from '../../lib/spec';
import { gradcheck } from '../helpers/gradcheck';

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
  const native = loadNative();
  const layers = (inc: boolean) => validateSpec({ input: [1, 4, 4], layers: [{ type: 'avgpool', kernel: 3, stride: 2, padding: 1, ceil: true, countIncludePad: inc }] }).layers.map((l) => l.native);
  const ones = new Float64Array(16).fill(1);
  const image = [2, 3, 1], extent = [3, 3, 2];
  const want = image.flatMap((iy, y) => image.map((ix, x) => (iy * ix) / (extent[y] * extent[x])));
  t.deepEqual(Array.from(native.reference64(layers(false), [1, 4, 4], [], ones, 1, {}).scores), new Array(9).fill(1));
  const got = Array.from(native.reference64(layers(true), [1, 4, 4], [], ones, 1, {}).scores);
  t.true(got.every((v, i) => Math.abs(v - want[i]) < 1e-12), `${got} vs ${want}`);
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
