// test/cuda/presets.test.ts — whole presets (LeNet, AlexNet at a small batch, Caffe's CIFAR net) on
// the CUDA backend against the reference backend with the same parameters: scores in evaluation
// and training (dropout masks agree), every parameter gradient, node values and input gradients.
// A max-pooling window whose two largest inputs differ by float rounding can pick the other one on
// another backend (in AlexNet even oneDNN and the float64 reference disagree by up to a few percent
// on conv1's gradient), so gradients through max pooling are compared loosely (relative L2 error);
// the same nets with average pooling in its place are compared tightly.
import type { ExecutionContext } from 'ava';
import { alexnet, cifar, lenet } from '../../lib/presets';
import type { NetSpec } from '../../lib/spec';
import { close, relL2 } from '../helpers/compare';
import { cudaTest, randomArray, randomInput, twins } from './helpers';

interface PresetCase {
  name: string;
  spec: NetSpec;
  n: number;
  nodes: string[];
  /** Tolerance of the relative L2 error of gradients. */
  gradTol: number;
}

/** The spec with every max pooling replaced by average pooling of the same geometry. */
function averaged(spec: NetSpec): NetSpec {
  return { ...spec, layers: spec.layers.map((l) => (l.type === 'maxpool' ? { ...l, type: 'avgpool' as const } : l)) };
}

const presets: [string, NetSpec, number, string[]][] = [
  ['lenet', lenet(), 4, ['fc2:3', 'conv2:7@mean', 'conv1:0@12,12']],
  ['cifar', cifar(), 4, ['fc2:1', 'pool2:5@mean']],
  ['alexnet at batch 2', alexnet({ classes: 50 }), 2, ['fc8:7', 'conv5:11@mean', 'norm1:3@mean']],
];

const cases: PresetCase[] = presets.flatMap(([name, spec, n, nodes]) => [
  { name, spec, n, nodes, gradTol: 0.15 },
  { name: `${name} with average pooling`, spec: averaged(spec), n, nodes, gradTol: 5e-3 },
]);

async function checkPreset(t: ExecutionContext, c: PresetCase): Promise<void> {
  const { gpu, ref, dispose } = twins(c.spec, 9);
  try {
    const x = randomInput(gpu, c.n, 4);
    close(t, await gpu.forward(x), await ref.forward(x), 'scores (evaluation)', 1e-3, 1e-4);
    const [sg, sr] = [await gpu.forward(x, { train: true }), await ref.forward(x, { train: true })];
    close(t, sg, sr, 'scores (training, dropout on)', 1e-3, 1e-4);
    const dscores = randomArray(sr.length, 21);
    let worst = 0;
    await gpu.backward(dscores);
    await ref.backward(dscores);
    for (const p of gpu.parameters) {
      const err = relL2(gpu.getGradient(p.name), ref.getGradient(p.name));
      worst = Math.max(worst, err);
      t.true(err < c.gradTol, `gradient of ${p.name}: relative L2 error ${err}`);
    }
    for (const node of c.nodes) {
      const [a, b] = [await gpu.inputGradient(x, node), await ref.inputGradient(x, node)];
      close(t, a.values, b.values, `${node} values`, 1e-3, 1e-4);
      const err = relL2(a.grad, b.grad);
      worst = Math.max(worst, err);
      t.true(err < c.gradTol, `${node} input gradient: relative L2 error ${err}`);
    }
    t.log(`largest relative L2 error of a gradient: ${worst.toExponential(2)}`);
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
