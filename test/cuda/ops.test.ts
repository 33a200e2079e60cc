// test/cuda/ops.test.ts — every CUDA op against the reference backend on random inputs: forward,
// parameter gradients and node input gradients. Ops without parameters sit behind a 1x1
// convolution whose weight is the identity (exact on both backends), so that a random score
// gradient reaches every element of their backward and shows up in that convolution's gradient.
// Skipped, with the reason logged, where the CUDA backend cannot run.
import type { ExecutionContext } from 'ava';
import type { LayerConfig, NetSpec } from '../../lib/spec';
import { close } from '../helpers/compare';
import { cudaTest, randomArray, randomInput, twins } from './helpers';

interface OpCase {
  name: string;
  input: [number, number, number];
  layer: LayerConfig;
  nodes: string[];
  train?: boolean;
  rtol?: number;
}

const withParams: OpCase[] = [
  { name: 'conv 3x3 pad 1', input: [3, 9, 9], layer: { type: 'conv', name: 'op', out: 5, kernel: 3, padding: 1 }, nodes: ['op:1@mean', 'op:4@0,8'] },
  { name: 'conv 5x5 stride 2', input: [4, 13, 13], layer: { type: 'conv', name: 'op', out: 6, kernel: 5, stride: 2 }, nodes: ['op:2@mean'] },
  { name: 'conv groups 2, rectangular', input: [4, 8, 9], layer: { type: 'conv', name: 'op', out: 6, kernel: [3, 2], stride: [1, 2], padding: [1, 0], groups: 2 }, nodes: ['op:5@mean', 'op:0@mean'] },
  { name: 'conv no bias stride 3 pad 2', input: [2, 11, 11], layer: { type: 'conv', name: 'op', out: 3, kernel: 4, stride: 3, padding: 2, bias: false }, nodes: ['op:1@mean'] },
  { name: 'conv 11x11 stride 4 (AlexNet conv1)', input: [3, 35, 35], layer: { type: 'conv', name: 'op', out: 8, kernel: 11, stride: 4 }, nodes: ['op:7@mean'] },
  { name: 'linear', input: [4, 3, 3], layer: { type: 'linear', name: 'op', out: 7 }, nodes: ['op:3'] },
  { name: 'linear no bias', input: [1, 1, 50], layer: { type: 'linear', name: 'op', out: 3, bias: false }, nodes: ['op:0'] },
];

const withoutParams: OpCase[] = [
  { name: 'relu', input: [3, 5, 7], layer: { type: 'relu', name: 'op' }, nodes: ['op:1@mean'] },
  { name: 'maxpool 3x3 stride 2 ceil (Caffe)', input: [3, 10, 10], layer: { type: 'maxpool', name: 'op', kernel: 3, stride: 2, ceil: true }, nodes: ['op:0@mean', 'op:2@4,4'] },
  { name: 'maxpool 3x3 stride 2 pad 1 ceil', input: [2, 9, 12], layer: { type: 'maxpool', name: 'op', kernel: 3, stride: 2, padding: 1, ceil: true }, nodes: ['op:1@mean'] },
  { name: 'maxpool 2x2 stride 2', input: [3, 8, 8], layer: { type: 'maxpool', name: 'op', kernel: 2, stride: 2 }, nodes: ['op:2@mean'] },
  { name: 'avgpool 3x3 stride 2 ceil (Caffe)', input: [3, 10, 10], layer: { type: 'avgpool', name: 'op', kernel: 3, stride: 2, ceil: true }, nodes: ['op:1@mean'] },
  { name: 'avgpool 3x3 stride 2 pad 1 ceil counting the padding', input: [2, 12, 13], layer: { type: 'avgpool', name: 'op', kernel: 3, stride: 2, padding: 1, ceil: true, countIncludePad: true }, nodes: ['op:1@mean', 'op:0@6,6'] },
  { name: 'avgpool 2x2 stride 1 pad 1', input: [2, 6, 7], layer: { type: 'avgpool', name: 'op', kernel: 2, stride: 1, padding: 1 }, nodes: ['op:0@mean', 'op:1@0,0'] },
  { name: 'lrn size 5 (AlexNet)', input: [8, 4, 5], layer: { type: 'lrn', name: 'op', size: 5, alpha: 0.5, beta: 0.75, k: 1 }, nodes: ['op:0@mean', 'op:7@mean', 'op:3@1,1'] },
  { name: 'lrn size 4 (even window)', input: [6, 3, 3], layer: { type: 'lrn', name: 'op', size: 4, alpha: 2, beta: 0.6, k: 2 }, nodes: ['op:5@mean', 'op:2@mean'] },
  { name: 'dropout in training', input: [3, 6, 6], layer: { type: 'dropout', name: 'op', p: 0.4 }, nodes: [], train: true },
  { name: 'dropout in evaluation', input: [3, 6, 6], layer: { type: 'dropout', name: 'op', p: 0.4 }, nodes: ['op:1@mean'] },
];

/** The identity as a 1x1 convolution weight [C, C, 1, 1]. */
function identity(c: number): Float32Array {
  const w = new Float32Array(c * c);
  for (let i = 0; i < c; i++) w[i * c + i] = 1;
  return w;
}

function specOf(c: OpCase, front: boolean): NetSpec {
  const layers: LayerConfig[] = front ? [{ type: 'conv', name: 'id', out: c.input[0], kernel: 1 }, c.layer] : [c.layer];
  if (c.layer.type !== 'linear') layers.push({ type: 'flatten', name: 'flat' });
  return { input: c.input, layers };
}

async function checkOp(t: ExecutionContext, c: OpCase, front: boolean): Promise<void> {
  const { gpu, ref, dispose } = twins(specOf(c, front));
  try {
    if (front)
      for (const net of [gpu, ref]) {
        net.setParameter('id.weight', identity(c.input[0]));
        net.setParameter('id.bias', new Float32Array(c.input[0]));
      }
    const n = 3, rtol = c.rtol ?? 1e-4;
    const x = randomInput(gpu, n, 7);
    const train = c.train === true;
    const [sg, sr] = [await gpu.forward(x, { train }), await ref.forward(x, { train })];
    close(t, sg, sr, 'forward', rtol);
    const dscores = randomArray(sr.length, 11);
    await gpu.backward(dscores);
    await ref.backward(dscores);
    for (const p of gpu.parameters) close(t, gpu.getGradient(p.name), ref.getGradient(p.name), `gradient of ${p.name}`, 10 * rtol, 1e-5);
    for (const node of c.nodes) {
      const [a, b] = [await gpu.inputGradient(x, node), await ref.inputGradient(x, node)];
      close(t, a.values, b.values, `${node} values`, rtol);
      close(t, a.grad, b.grad, `${node} input gradient`, 10 * rtol, 1e-5);
    }
  } finally {
    dispose();
  }
}

for (const c of withParams) cudaTest(`cuda ${c.name}: forward, weight and input gradients match the reference`, (t) => checkOp(t, c, false));
for (const c of withoutParams) cudaTest(`cuda ${c.name}: forward and backward match the reference`, (t) => checkOp(t, c, true));

cudaTest('cuda: a net is re-planned when the batch size changes, with the same per-image results', async (t) => {
  const spec: NetSpec = { input: [2, 9, 9], layers: [{ type: 'conv', name: 'c', out: 4, kernel: 3 }, { type: 'relu', name: 'r' }, { type: 'maxpool', name: 'p', kernel: 3, stride: 2, ceil: true }, { type: 'flatten', name: 'f' }, { type: 'linear', name: 'fc', out: 3 }] };
  const { gpu, dispose } = twins(spec);
  try {
    const x = randomInput(gpu, 3, 2);
    const all = await gpu.forward(x);
    const one = await gpu.forward(x.subarray(162, 324));
    const again = await gpu.forward(x);
    t.deepEqual(Array.from(again), Array.from(all));
    close(t, one, all.subarray(3, 6), 'image 1 alone', 1e-5);
  } finally {
    dispose();
  }
});
