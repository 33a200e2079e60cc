// test/ops/pool.test.ts — max and average pooling input gradients against float64 finite
// differences, floor and Caffe ceil rounding, with and without padding.
import test from 'ava';
import { poolOutSize } from '../../lib/spec';
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

test('Caffe ceil rounding matches AlexNet sizes', (t) => {
  t.is(poolOutSize(55, 3, 2, 0, true), 27);
  t.is(poolOutSize(27, 3, 2, 0, true), 13);
  t.is(poolOutSize(13, 3, 2, 0, true), 6);
  t.is(poolOutSize(32, 3, 2, 0, true), 16); // cifar: floor would give 15
  t.is(poolOutSize(32, 3, 2, 0, false), 15);
  t.is(poolOutSize(6, 3, 2, 1, true), 4);
  t.is(poolOutSize(5, 2, 2, 1, true), 3); // the window starting in the right padding is dropped
});
