// test/ops/eltwise.test.ts — ReLU, LRN, dropout (train and eval), fully connected and flatten
// gradients against float64 finite differences, each after a convolution so that inputs and
// weights are both exercised.
import test from 'ava';
import { gradcheck } from '../helpers/gradcheck';

const conv = { type: 'conv', name: 'c', out: 6, kernel: 3 } as const;

test('relu', (t) => gradcheck(t, { input: [2, 6, 6], layers: [conv, { type: 'relu' }, { type: 'flatten' }] }));
test('lrn across channels (AlexNet parameters, exaggerated alpha)', (t) =>
  gradcheck(t, { input: [2, 5, 5], layers: [conv, { type: 'lrn', size: 5, alpha: 0.5, beta: 0.75, k: 2 }, { type: 'flatten' }] }));
test('lrn even size', (t) => gradcheck(t, { input: [2, 5, 5], layers: [conv, { type: 'lrn', size: 4, alpha: 1, beta: 0.5, k: 1 }] }));
test('dropout train', (t) =>
  gradcheck(t, { input: [2, 5, 5], layers: [conv, { type: 'dropout', p: 0.4 }, { type: 'flatten' }] }, { train: true }));
test('dropout eval', (t) => gradcheck(t, { input: [2, 5, 5], layers: [conv, { type: 'dropout', p: 0.4 }, { type: 'flatten' }] }));
test('linear after conv (implicit flatten) and after flatten', (t) => {
  gradcheck(t, { input: [2, 5, 5], layers: [conv, { type: 'linear', out: 7 }] });
  gradcheck(t, { input: [2, 5, 5], layers: [conv, { type: 'flatten' }, { type: 'linear', out: 4, bias: false }, { type: 'relu' }, { type: 'linear', out: 3 }] });
});
