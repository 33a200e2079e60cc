// test/onnx/fixtures.test.ts — ONNX files written by PyTorch's torch.onnx.export
// (scripts/make-onnx-fixtures.py, Debian's PyTorch 1.13) import and give ONNX Runtime's logits on
// the same file within 1e-5 relative: LeNet, an AlexNet-style net with BatchNorm (folded) and
// average pooling counting its padding (a Pad node) and not, MatMul + Add with a final Softmax.
// A residual Add is refused with E_ONNX naming the op, the node and its position.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Network } from '../../lib/network';
import { relDiff } from '../helpers/compare';
import { ortRun, randomBatch } from '../helpers/ort';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'onnx');
const TOL = 1e-5;

function softmaxRows(scores: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let r = 0; r < scores.length / classes; r++) {
    const row = scores.subarray(r * classes, (r + 1) * classes);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => (out[r * classes + c] = v / z));
  }
  return out;
}

for (const [file, layers, softmax] of [
  ['lenet.onnx', ['conv', 'maxpool', 'conv', 'maxpool', 'flatten', 'linear', 'relu', 'linear'], false],
  ['alexnet_bn.onnx', ['conv', 'relu', 'maxpool', 'conv', 'relu', 'avgpool', 'conv', 'relu', 'avgpool', 'flatten', 'linear', 'relu', 'linear'], false],
  ['matmul_softmax.onnx', ['conv', 'relu', 'flatten', 'linear'], true],
] as const) {
  test(`${file}: imports and matches ONNX Runtime`, async (t) => {
    const path = join(FIXTURES, file);
    const net = await Network.fromOnnx(path);
    try {
      t.deepEqual(net.spec.layers.map((l) => l.type), [...layers]);
      const x = randomBatch(net, 3, 7);
      const ours = await net.forward(x);
      const want = await ortRun(readFileSync(path), x, [3, ...net.inputShape]);
      const got = softmax ? softmaxRows(ours, net.classes) : ours;
      const err = relDiff(got, want);
      t.log(`relative error ${err.toExponential(2)}`);
      t.true(err <= TOL, `relative error ${err}`);
    } finally {
      net.dispose();
    }
  });
}

test('lenet.onnx: layers are named after the PyTorch modules', async (t) => {
  const net = await Network.fromOnnx(join(FIXTURES, 'lenet.onnx'));
  t.deepEqual(net.spec.layers.map((l) => l.name), ['conv1', 'pool1', 'conv2', 'pool2', 'flatten1', 'fc1', 'relu1', 'fc2']);
  net.dispose();
});

test('alexnet_bn.onnx: PyTorch conventions arrive as the spec states them', async (t) => {
  const net = await Network.fromOnnx(join(FIXTURES, 'alexnet_bn.onnx'));
  const pools = net.spec.layers.filter((l) => l.type === 'maxpool' || l.type === 'avgpool');
  t.deepEqual(pools.map((p) => ({ ...p, name: undefined })), [
    { type: 'maxpool', name: undefined, kernel: 3, stride: 2, padding: 0, ceil: true },
    { type: 'avgpool', name: undefined, kernel: 3, stride: 2, padding: 1, ceil: true, countIncludePad: true },
    { type: 'avgpool', name: undefined, kernel: 2, stride: 2, padding: 1 },
  ]);
  const convs = net.spec.layers.filter((l) => l.type === 'conv');
  t.deepEqual(convs.map((c) => (c as { bias?: boolean }).bias), [true, true, true], 'BatchNorm folding gives every conv a bias');
  t.is((convs[1] as { groups?: number }).groups, 2);
  net.dispose();
});

test('residual.onnx: a residual Add is refused, naming op, node and position', async (t) => {
  const err = await t.throwsAsync(Network.fromOnnx(join(FIXTURES, 'residual.onnx')), { code: 'E_ONNX' } as never);
  t.regex(err!.message, /Add/);
  t.regex(err!.message, /node '\/Add'/);
  t.regex(err!.message, /#4 of 6/);
  t.regex(err!.message, /residual/);
  t.log(err!.message);
});
