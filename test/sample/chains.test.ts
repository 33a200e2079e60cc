// test/sample/chains.test.ts — the native chains (native/engine/chains.h via lib/sample/chains.ts):
// one native crossing per HMC iteration, host memory that does not grow with the draws for
// keep 'last', per-image nodes equal to separate nodeGrad calls, the same chains on both CPU
// backends for one seed, Philox momenta that are standard normal and reproducible, layer-wide
// batches, the MAP baseline and per-node temperature scales against their analytic answers.
import test from 'ava';
import { loadNative, MomentaMode } from '../../lib/native';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import { sample, sampleNodes } from '../../lib/sample/hmc';
import type { NetSpec } from '../../lib/spec';
import { close, within, worstDiff } from '../helpers/compare';
import { backendTest, cpuBackends } from '../helpers/skip';

const linear: NetSpec = { input: [1, 4, 4], layers: [{ type: 'linear', name: 'fc', out: 3 }] };
const small: NetSpec = { input: [3, 12, 12], layers: [{ type: 'conv', name: 'conv', out: 4, kernel: 3 }, { type: 'relu', name: 'r' }, { type: 'maxpool', name: 'p', kernel: 2, stride: 2 }, { type: 'flatten', name: 'f' }, { type: 'linear', name: 'fc', out: 3 }] };
const cpu = cpuBackends();

test.serial('an HMC iteration is one native crossing (keep last)', async (t) => {
  const net = Network.create(small, { backend: 'reference', seed: 1 });
  const count = async (draws: number) => {
    const before = loadNative().debugCrossings();
    await sample(net, { node: 'fc:1', chains: 4, warmup: 3, draws, leapfrog: 3, keep: 'last', seed: 1 });
    return loadNative().debugCrossings() - before;
  };
  const [a, b] = [await count(5), await count(25)];
  t.log(`crossings: ${a} for 8 iterations, ${b} for 28`);
  t.is(b - a, 20);
  net.dispose();
});

test.serial('host memory of keep: last does not grow with the draws (keep: all does)', async (t) => {
  const net = Network.create({ input: [3, 32, 32], layers: [{ type: 'linear', name: 'fc', out: 2 }] }, { backend: 'reference', seed: 1 });
  const growth = async (keep: 'last' | 'all') => {
    let first = 0, peak = 0;
    await sample(net, { node: 'fc:0', chains: 32, warmup: 5, draws: 150, leapfrog: 2, keep, seed: 2, onProgress: (i) => {
      const m = process.memoryUsage().arrayBuffers;
      if (i === 6) first = m;
      if (i > 6) peak = Math.max(peak, m - first);
    } });
    return peak;
  };
  const last = await growth('last'), all = await growth('all');
  t.log(`array buffer growth over 150 draws: keep last ${(last / 1e6).toFixed(2)} MB, keep all ${(all / 1e6).toFixed(2)} MB`);
  t.true(last < 2e6);
  t.true(all > 10e6); // a read of 32 x 3072 floats per draw: the measurement can see growth
  net.dispose();
});

for (const backend of cpu)
  test(`${backend}: per-image nodes give what separate nodeGrad calls give`, async (t) => {
    const net = Network.create(small, { backend, seed: 3 });
    const D = 3 * 144, names = ['conv:0@mean', 'conv:3@5,4', 'conv:2@mean', 'conv:1@0,0'];
    const x = new Rng(4).fillNormal(new Float32Array(4 * D)) as Float32Array;
    const both = await net.inputGradient(x, names.map((n) => net.node(n)));
    for (let i = 0; i < 4; i++) {
      const one = await net.inputGradient(x.slice(i * D, (i + 1) * D), names[i]);
      t.true(within(both.values[i], one.values[0], 1e-5, 1e-5));
      close(t, both.grad.subarray(i * D, (i + 1) * D), one.grad, `image ${i} input gradient`, 0, 0, 1e-5);
    }
    await t.throwsAsync(net.inputGradient(x, [net.node('conv:0'), net.node('fc:0'), net.node('fc:1'), net.node('fc:2')]), { message: /one layer/ });
    net.dispose();
  });

// needs both CPU backends: reference and oneDNN
backendTest('onednn', 'the CPU backends give the same chains for the same seed', async (t) => {
  const runs = await Promise.all(cpu.map(async (backend) => {
    const net = Network.create(small, { backend, seed: 5 });
    const r = await sampleNodes(net, { node: ['conv:*@mean', 'fc:*'], chains: 3, warmup: 0, draws: 8, leapfrog: 5, stepSize: 0.05, seed: 9, keep: 'last' });
    net.dispose();
    return r;
  }));
  let worst = 0;
  for (let g = 0; g < runs[0].length; g++) worst = Math.max(worst, worstDiff(runs[0][g].last, runs[1][g].last).maxAbs);
  t.log(`max |difference| of final states ${worst.toExponential(2)}`);
  t.true(worst < 1e-3);
  t.deepEqual(runs[0].map((r) => r.acceptance), runs[1].map((r) => r.acceptance));
});

test('Philox momenta are standard normal, reproducible, and new every iteration', async (t) => {
  const net = Network.create(small, { backend: 'reference', seed: 1 });
  const draw = async (iteration: number) => {
    const ch = net.newChains([net.node('fc:0')], 8);
    await ch.start(new Float32Array(8 * 432));
    await ch.step(null, false, { L: 1, momenta: MomentaMode.Fresh, seed: 77, iteration, invSigma2: 1 }, new Float32Array(8), new Float32Array(8).fill(1));
    const p = ch.read(2);
    ch.dispose();
    return p;
  };
  const [a, b, c] = [await draw(3), await draw(3), await draw(4)];
  t.deepEqual(a, b);
  let m = 0, v = 0, same = 0;
  for (let j = 0; j < a.length; j++) (m += a[j] / a.length), (same += a[j] === c[j] ? 1 : 0);
  for (let j = 0; j < a.length; j++) v += (a[j] - m) ** 2 / a.length;
  t.log(`mean ${m.toFixed(4)}, variance ${v.toFixed(4)} over ${a.length}`);
  t.true(Math.abs(m) < 4 / Math.sqrt(a.length) && Math.abs(v - 1) < 0.05 && same === 0);
  net.dispose();
});

/** Max |z| of the chains' mean against mu (standard error from the ESS) and the variance ratio against sigma^2. */
function gaussianFit(samples: Float32Array, D: number, mu: (j: number) => number, sigma: number, ess: number) {
  const n = samples.length / D;
  let maxZ = 0, varRatio = 0;
  for (let j = 0; j < D; j++) {
    let m = 0, v = 0;
    for (let k = 0; k < n; k++) m += samples[k * D + j] / n;
    for (let k = 0; k < n; k++) v += (samples[k * D + j] - m) ** 2 / (n - 1);
    maxZ = Math.max(maxZ, Math.abs(m - mu(j)) / (sigma / Math.sqrt(ess)));
    varRatio += v / (sigma * sigma) / D;
  }
  return { maxZ, varRatio };
}

test('a layer-wide batch with per-node temperature scales: node k follows N(sigma^2 w_k / (T s_k), sigma^2)', async (t) => {
  const net = Network.create(linear, { backend: 'reference', seed: 1 });
  const w = net.getParameter('fc.weight'), sigma = 1.2, T = 0.5, scale = [1, 2, 4];
  const rs = await sampleNodes(net, { node: 'fc:*', chains: 16, warmup: 150, draws: 200, leapfrog: 8, sigma, temperature: T, temperatureScale: scale, seed: 3 });
  t.deepEqual(rs.map((r) => r.node), ['fc:0', 'fc:1', 'fc:2']);
  rs.forEach((r, k) => {
    const { maxZ, varRatio } = gaussianFit(r.samples!, 16, (j) => (sigma * sigma * w[k * 16 + j]) / (T * scale[k]), sigma, r.ess);
    t.log(`${r.node}: T_k ${r.temperature}, step ${r.stepSize.toFixed(3)}, max |z| ${maxZ.toFixed(2)}, variance ratio ${varRatio.toFixed(3)}, R-hat ${r.rhat.toFixed(3)}`);
    t.true(maxZ < 4.5 && Math.abs(varRatio - 1) < 0.12 && r.temperature === T * scale[k]);
  });
  net.dispose();
});

test('MAP converges to the analytic mode sigma^2 w / T of a linear node', async (t) => {
  const net = Network.create(linear, { backend: 'reference', seed: 2 });
  const w = net.getParameter('fc.weight').subarray(32, 48), sigma = 0.7, T = 0.2;
  const r = await sample(net, { node: 'fc:2', method: 'map', chains: 3, warmup: 0, draws: 30, leapfrog: 5, sigma, temperature: T, seed: 1, keep: 'last' });
  let worst = 0;
  for (let c = 0; c < 3; c++) for (let j = 0; j < 16; j++) worst = Math.max(worst, Math.abs(r.last[c * 16 + j] - (sigma * sigma * w[j]) / T));
  t.log(`max |I - mode| ${worst.toExponential(2)}`);
  t.true(worst < 1e-4);
  net.dispose();
});

test('absurd run lengths are refused with E_INVALID_ARGUMENT before any work (#12 case 6, API side)', async (t) => {
  const net = Network.create({ input: [1, 4, 4], layers: [{ type: 'linear', name: 'fc', out: 2 }] }, { backend: 'reference', seed: 1 });
  for (const bad of [{ draws: 1e12 }, { warmup: 1e9 }, { chains: 1e6 }, { leapfrog: 1e7 }, { draws: 2.5 }])
    await t.throwsAsync(sample(net, { node: 'fc:0', ...bad }), { code: 'E_INVALID_ARGUMENT' } as never, JSON.stringify(bad));
  net.dispose();
});
