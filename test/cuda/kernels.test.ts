// test/cuda/kernels.test.ts — the fused CUDA kernels against their CPU versions on random data:
// the DG/GG/mixture objective (native cudaObjective vs objective), the leapfrog pass (cudaLeapfrog
// vs leapfrog) and the SGD/Adam updates (a cuda net vs a reference net fed gradients that are
// exact in float32, so both must reach the same parameters and optimizer state).
import { loadNative } from '../../lib/native';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import type { NetSpec } from '../../lib/spec';
import { close } from '../helpers/compare';
import { cudaTest, hooks, randomArray } from './helpers';

const objectiveCases = [
  { name: 'small batch', n: 8, C: 5, scale: 1, unlabelled: 0, empty: [] as number[] },
  { name: 'empty classes and unlabelled rows', n: 64, C: 10, scale: 3, unlabelled: 0.4, empty: [2, 7] },
  { name: 'scores of +-1e4', n: 16, C: 6, scale: 1e4, unlabelled: 0.2, empty: [1] },
  { name: 'AlexNet scale (128 x 1000)', n: 128, C: 1000, scale: 2, unlabelled: 0.1, empty: [] as number[] },
  { name: 'all unlabelled', n: 12, C: 4, scale: 1, unlabelled: 1, empty: [] as number[] },
];

for (const c of objectiveCases)
  for (const lambda of [0, 0.3, 1])
    cudaTest(`cudaObjective matches objective: ${c.name}, lambda ${lambda}`, (t) => {
      const rng = new Rng(c.n * c.C + lambda * 10);
      const F = rng.fillNormal(new Float32Array(c.n * c.C), 0, c.scale) as Float32Array;
      const allowed = Array.from({ length: c.C }, (_, k) => k).filter((k) => !c.empty.includes(k));
      const labels = Int32Array.from({ length: c.n }, () => (rng.uniform() < c.unlabelled ? -1 : allowed[rng.int(allowed.length)]));
      const want = loadNative().objective(F, labels, c.C, lambda);
      const got = hooks().cudaObjective(F, labels, c.C, lambda);
      t.is(got.labelled, want.labelled);
      t.is(got.correct, want.correct);
      close(t, got.grad, want.grad, 'gradient', 1e-5, 1e-7);
      if (want.labelled === 0) {
        t.true(Number.isNaN(got.crossEntropy) && Number.isNaN(got.ggLogLik));
        t.true(got.grad.every((v) => v === 0));
      } else {
        close(t, [got.crossEntropy, got.ggLogLik], [want.crossEntropy, want.ggLogLik], 'objectives', 1e-9, 0);
      }
    });

for (const [chains, D] of [[3, 1000], [16, 3 * 227 * 227]] as const)
  for (const [kick, drift] of [[0.05, 0.1], [0.1, 0.1], [0.05, 0]] as const)
    cudaTest(`cudaLeapfrog matches leapfrog: ${chains} chains of ${D}, kick ${kick}, drift ${drift}`, (t) => {
      const I = randomArray(chains * D, 1), p = randomArray(chains * D, 2), g = randomArray(chains * D, 3, 5);
      const [I2, p2] = [I.slice(), p.slice()];
      const want = loadNative().leapfrog(I, p, g, chains, kick, drift, 0.5, 1 / 1.7);
      const got = hooks().cudaLeapfrog(I2, p2, g, chains, kick, drift, 0.5, 1 / 1.7);
      const exact = I2.every((v, i) => v === I[i]) && p2.every((v, i) => v === p[i]);
      t.log(`images and momenta bit-exact: ${exact}`);
      close(t, I2, I, 'images', 1e-6, 0);
      close(t, p2, p, 'momenta', 1e-6, 0);
      close(t, got.pp, want.pp, '|p|^2', 1e-10, 0);
      close(t, got.ii, want.ii, '|I|^2', 1e-10, 0);
    });

const fc: NetSpec = { input: [1, 1, 6], layers: [{ type: 'linear', name: 'fc', out: 4 }] };

/** Integer inputs and score gradients: the weight gradients are exact in float32 on both backends. */
function exactBatch(seed: number): { x: Float32Array; dscores: Float32Array } {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from({ length: 12 }, () => rng.int(7) - 3),
    dscores: Float32Array.from({ length: 8 }, () => rng.int(5) - 2),
  };
}

const optimizers: { name: string; step: (net: Network, k: number) => Promise<void> }[] = [
  { name: 'sgd', step: (net) => net.sgdStep({ lr: 0.1, weightDecay: 0.01 }) },
  { name: 'sgd with momentum', step: (net) => net.sgdStep({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }) },
  { name: 'adam', step: (net, k) => net.adamStep({ lr: 1e-2, weightDecay: 1e-3, step: k }) },
  { name: 'adamw', step: (net, k) => net.adamStep({ lr: 1e-2, weightDecay: 0.1, decoupled: true, step: k }) },
];

for (const o of optimizers)
  cudaTest(`cuda ${o.name} steps reach the reference's parameters and optimizer state`, async (t) => {
    const gpu = Network.create(fc, { backend: 'cuda', seed: 1 });
    const ref = Network.create(fc, { backend: 'reference', seed: 1 });
    try {
      for (const p of gpu.parameters) ref.setParameter(p.name, gpu.getParameter(p.name));
      for (let k = 1; k <= 4; k++) {
        const { x, dscores } = exactBatch(k);
        for (const net of [gpu, ref]) {
          await net.forward(x, { train: true });
          await net.backward(dscores);
          await o.step(net, k);
        }
      }
      for (const p of gpu.parameters) close(t, gpu.getParameter(p.name), ref.getParameter(p.name), p.name, 1e-6, 0);
      const [sg, sr] = [gpu.optimizerState(), ref.optimizerState()];
      for (const k of Object.keys(sr)) close(t, sg[k].data, sr[k].data, k, 1e-6, 0);
    } finally {
      gpu.dispose();
      ref.dispose();
    }
  });
