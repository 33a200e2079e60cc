// test/ops/conv.test.ts — convolution gradients (weights, bias, input) against float64
// finite differences: stride, padding, groups, rectangular kernels, no bias.
import test from 'ava';
import { gradcheck } from '../helpers/gradcheck';

const cases = [
  { name: '3x3 pad 1', input: [2, 6, 6], conv: { out: 3, kernel: 3, padding: 1 } },
  { name: '5x5 stride 2', input: [3, 9, 9], conv: { out: 4, kernel: 5, stride: 2 } },
  { name: 'groups 2 rect kernel', input: [4, 7, 8], conv: { out: 6, kernel: [3, 2], stride: [1, 2], padding: [1, 0], groups: 2 } },
  { name: 'no bias stride 3 pad 2', input: [1, 10, 10], conv: { out: 2, kernel: 4, stride: 3, padding: 2, bias: false } },
] as const;

for (const c of cases) {
  test(`conv ${c.name}`, (t) => {
    gradcheck(t, { input: [...c.input] as [number, number, number], layers: [{ type: 'conv', name: 'c', ...c.conv } as never, { type: 'flatten' }] });
  });
}
