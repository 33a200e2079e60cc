// test/cuda/presets.test.ts — whole presets (LeNet, AlexNet at a small batch, Caffe's CIFAR net) on
// the CUDA backend against the reference backend with the same parameters: scores in evaluation
// and training (dropout masks agree), every parameter gradient, node values and input gradients.
// Gradients are compared as whole tensors (relative L2 error): a max-pooling window whose two
// largest inputs differ by float rounding may pick the other one on the GPU, which moves one term.
import type { ExecutionContext } from 'ava';
import { alexnet, cifar, lenet } from '../../lib/presets';
import type { NetSpec } from '../../lib/spec';
import { close, cudaTest, randomArray, randomInput, relL2, reportSkipped, twins } from './helpers';

reportSkipped('presets');

const cases: { name: string; spec: NetSpec; n: number; nodes: string[] }[] = [
  { name: 'lenet', spec: lenet(), n: 4, nodes: ['fc2:3', 'conv2:7@mean', 'conv1:0@12,12'] },
  { name: 'cifar', spec: cifar(), n: 4, nodes: ['fc2:1', 'pool2:5@mean'] },
  { name: 'alexnet at batch 2', spec: alexnet({ classes: 50 }), n: 2, nodes: ['fc8:7', 'conv5:11@mean', 'norm1:3@mean'] },
];

const GRAD_TOL = 5e-3;

async function checkPreset(t: ExecutionContext, c: (typeof cases)[number]): Promise<void> {
  const { gpu, ref, dispose } = twins(c.spec, 9);
  try {
    const x = randomInput(gpu, c.n, 4);
    close(t, await gpu.forward(x), await ref.forward(x), 'scores (evaluation)', 1e-3, 1e-4);
    const [sg, sr] = [await gpu.forward(x, { train: true }), await ref.forward(x, { train: true })];
    close(t, sg, sr, 'scores (training, dropout on)', 1e-3, 1e-4);
    const dscores = randomArray(sr.length, 21);
    await gpu.backward(dscores);
    await ref.backward(dscores);
    for (const p of gpu.parameters) {
      const err = relL2(gpu.getGradient(p.name), ref.getGradient(p.name));
      t.true(err < GRAD_TOL, `gradient of ${p.name}: relative L2 error ${err}`);
    }
    for (const node of c.nodes) {
      const [a, b] = [await gpu.inputGradient(x, node), await ref.inputGradient(x, node)];
      close(t, a.values, b.values, `${node} values`, 1e-3, 1e-4);
      const err = relL2(a.grad, b.grad);
      t.true(err < GRAD_TOL, `${node} input gradient: relative L2 error ${err}`);
    }
  } finally {
    dispose();
  }
}

for (const c of cases) cudaTest(`cuda ${c.name}: scores, parameter gradients and node input gradients match the reference`, (t) => checkPreset(t, c));

cudaTest('cuda: parameters round-trip, and optimizer state reads, writes and resets', async (t) => {
  const { gpu, dispose } = twins(lenet());
  try {
    const w = randomArray(500 * 800, 3);
    gpu.setParameter('fc1.weight', w);
    t.deepEqual(gpu.getParameter('fc1.weight'), w);
    const state = gpu.optimizerState();
    t.true(state['fc1.weight.opt0'].data.every((v) => v === 0), 'an unused slot reads as zeros');
    const m = randomArray(500, 5);
    gpu.loadOptimizerState({ 'fc1.bias.opt1': { data: m } });
    t.deepEqual(gpu.optimizerState()['fc1.bias.opt1'].data, m);
    gpu.loadOptimizerState({});
    t.true(gpu.optimizerState()['fc1.bias.opt1'].data.every((v) => v === 0), 'reset');
  } finally {
    dispose();
  }
});
