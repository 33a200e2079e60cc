// test/cuda/train.test.ts — end to end on the GPU: a short GG training run (lib/train/trainer)
// raises the GG objective and follows the reference backend's run step for step (same data,
// batches and dropout masks), and HMC (lib/sample/hmc) on a cuda net matches the known Gaussian
// answer of a linear node and runs on an AlexNet class node. Synthetic data: no download needed.
import type { Dataset, DatasetSplit } from '../../lib/data/dataset';
import { Network } from '../../lib/network';
import { alexnet } from '../../lib/presets';
import { Rng } from '../../lib/rng';
import { sample } from '../../lib/sample/hmc';
import type { NetSpec } from '../../lib/spec';
import { train, type TrainOptions } from '../../lib/train/trainer';
import { cudaTest } from './helpers';

/** Ten classes of 1x28x28 images: a bright 7x7 square at a class-specific place, plus noise. */
function synthetic(n: number, seed: number, name: string): Dataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 784), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (labels[i] = rng.int(10));
    const y0 = 3 + 7 * Math.floor(c / 4), x0 = 3 + 6 * (c % 4);
    for (let j = 0; j < 784; j++) images[i * 784 + j] = Math.min(1, Math.max(0, 0.2 * rng.uniform()));
    for (let y = y0; y < y0 + 7; y++) for (let x = x0; x < x0 + 7; x++) images[i * 784 + y * 28 + x] = 0.6 + 0.4 * rng.uniform();
  }
  return { name, images, labels, n, shape: [1, 28, 28], classes: Array.from({ length: 10 }, (_, k) => String(k)) };
}

const data: DatasetSplit = { train: synthetic(600, 1, 'synthetic'), test: synthetic(200, 2, 'synthetic-test') };

const small: NetSpec = {
  input: [1, 28, 28],
  layers: [
    { type: 'conv', name: 'conv1', out: 8, kernel: 5, stride: 2 },
    { type: 'relu', name: 'relu1' },
    { type: 'maxpool', name: 'pool1', kernel: 3, stride: 2, ceil: true },
    { type: 'flatten', name: 'flat' },
    { type: 'dropout', name: 'drop', p: 0.2 },
    { type: 'linear', name: 'fc', out: 10 },
  ],
};

cudaTest('cuda: a GG run raises the GG objective and follows the reference run', async (t) => {
  const opts: TrainOptions = { model: small, dataset: data, phases: 'gg:3', batch: 50, lr: 0.02, seed: 3 };
  const gpu = await train({ ...opts, backend: 'cuda' });
  const ref = await train({ ...opts, backend: 'reference' });
  try {
    const gg = gpu.history.map((h) => h.trainGgLogLik);
    t.log(`GG log-likelihood per epoch, cuda ${gg.map((v) => v.toFixed(4))}, reference ${ref.history.map((h) => h.trainGgLogLik.toFixed(4))}`);
    t.is(gpu.net.backend, 'cuda');
    t.true(gg[2] > gg[0] + 0.1, 'the GG objective rises');
    gpu.history.forEach((h, e) => {
      t.true(Math.abs(h.trainGgLogLik - ref.history[e].trainGgLogLik) < 2e-2, `epoch ${e + 1} train GG log-likelihood`);
      t.true(Math.abs(h.test.ggLogLik - ref.history[e].test.ggLogLik) < 2e-2, `epoch ${e + 1} test GG log-likelihood`);
    });
  } finally {
    gpu.net.dispose();
    ref.net.dispose();
  }
});

cudaTest('cuda hmc: a linear node has the known target N(sigma^2 w / T, sigma^2)', async (t) => {
  const net = Network.create({ input: [1, 4, 4], layers: [{ type: 'linear', name: 'fc', out: 2 }] }, { backend: 'cuda', seed: 1 });
  try {
    const w = net.getParameter('fc.weight').subarray(16, 32);
    const sigma = 1.5, T = 2, D = 16;
    const r = await sample(net, { node: 'fc:1', chains: 32, warmup: 200, draws: 300, leapfrog: 8, sigma, temperature: T, seed: 11 });
    const n = r.samples!.length / D;
    let maxZ = 0, varRatio = 0;
    for (let j = 0; j < D; j++) {
      let m = 0, v = 0;
      for (let k = 0; k < n; k++) m += r.samples![k * D + j];
      m /= n;
      for (let k = 0; k < n; k++) v += (r.samples![k * D + j] - m) ** 2;
      maxZ = Math.max(maxZ, Math.abs(m - (sigma * sigma * w[j]) / T) / (sigma / Math.sqrt(r.ess)));
      varRatio += v / (n - 1) / (sigma * sigma) / D;
    }
    t.log(`step ${r.stepSize.toFixed(3)}, ESS ${r.ess.toFixed(0)}, max |z| ${maxZ.toFixed(2)}, variance ratio ${varRatio.toFixed(3)}`);
    t.true(maxZ < 4.5);
    t.true(Math.abs(varRatio - 1) < 0.1);
  } finally {
    net.dispose();
  }
});

cudaTest('cuda hmc: an AlexNet class node samples with finite energies', async (t) => {
  const net = Network.create(alexnet({ classes: 20 }), { backend: 'cuda', seed: 4 });
  try {
    const r = await sample(net, { node: 'fc8:3', chains: 4, warmup: 4, draws: 4, leapfrog: 3, sigma: 1, stepSize: 0.02, seed: 2, keep: 'last' });
    t.is(r.last.length, 4 * 3 * 227 * 227);
    t.true(r.traces.energy.every((e) => e.every(Number.isFinite)));
    t.true(r.last.every(Number.isFinite));
    t.log(`step ${r.stepSize.toExponential(2)}, acceptance ${r.acceptance.map((a) => a.toFixed(2))}, ${r.seconds.toFixed(1)} s`);
  } finally {
    net.dispose();
  }
});
