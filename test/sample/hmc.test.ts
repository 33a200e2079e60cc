// test/sample/hmc.test.ts — the samplers as statistics with known answers: a node linear in
// the image has target N(sigma^2 w / T, sigma^2 Id), matched by HMC and MALA within Monte
// Carlo error; the leapfrog is reversible; its energy error shrinks like eps^2; acceptance
// tends to 1 as eps -> 0; divergent chains are reset and counted; bad options are refused.
import test from 'ava';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import { MomentaMode } from '../../lib/native';
import { sample, type Method } from '../../lib/sample/hmc';
import type { NetSpec } from '../../lib/spec';

const linear: NetSpec = { input: [1, 4, 4], layers: [{ type: 'linear', name: 'fc', out: 2 }] };
const conv: NetSpec = { input: [2, 5, 5], layers: [{ type: 'conv', name: 'conv', out: 3, kernel: 3 }] };
const smooth: NetSpec = { input: [1, 6, 6], layers: [{ type: 'conv', name: 'conv', out: 3, kernel: 3, init: { type: 'gaussian', std: 0.8 } }, { type: 'lrn', name: 'norm', size: 3, alpha: 3, beta: 0.75, k: 1 }, { type: 'linear', name: 'fc', out: 1, init: { type: 'gaussian', std: 2 } }] };

/** Per-coordinate z-scores of the sample mean (standard error from the ESS) and the variance ratio. */
function moments(samples: Float32Array, D: number, mu: (j: number) => number, sigma: number, ess: number) {
  const n = samples.length / D;
  let maxZ = 0, varRatio = 0;
  for (let j = 0; j < D; j++) {
    let m = 0, v = 0;
    for (let k = 0; k < n; k++) m += samples[k * D + j];
    m /= n;
    for (let k = 0; k < n; k++) v += (samples[k * D + j] - m) ** 2;
    maxZ = Math.max(maxZ, Math.abs(m - mu(j)) / (sigma / Math.sqrt(ess)));
    varRatio += v / (n - 1) / (sigma * sigma) / D;
  }
  return { maxZ, varRatio };
}

for (const method of ['hmc', 'mala'] as Method[]) {
  test(`${method}: a linear node's target N(sigma^2 w / T, sigma^2) is matched`, async (t) => {
    const net = Network.create(linear, { backend: 'reference', seed: 1 });
    const w = net.getParameter('fc.weight').subarray(16, 32); // node fc:1
    const sigma = 1.5, T = 2;
    const r = await sample(net, { node: 'fc:1', method, chains: 32, warmup: 200, draws: 300, leapfrog: 8, sigma, temperature: T, seed: 11 });
    const { maxZ, varRatio } = moments(r.samples!, 16, (j) => (sigma * sigma * w[j]) / T, sigma, r.ess);
    t.log(`${method}: step ${r.stepSize.toFixed(3)}, ESS ${r.ess.toFixed(0)}, R-hat ${r.rhat.toFixed(3)}, max |z| ${maxZ.toFixed(2)}, variance ratio ${varRatio.toFixed(3)}`);
    t.true(maxZ < 4.5);
    t.true(Math.abs(varRatio - 1) < 0.1);
    t.true(r.rhat < 1.05);
    t.true(r.divergences.every((d) => d === 0));
    net.dispose();
  });
}

test('hmc: a conv channel at a position (linear in the patch) has the same Gaussian answer', async (t) => {
  const net = Network.create(conv, { backend: 'reference', seed: 2 });
  const w = net.getParameter('conv.weight'); // [3, 2, 3, 3]; channel 2 at (1, 2) sees rows 1..3, cols 2..4
  const mu = (j: number) => {
    const c = Math.floor(j / 25), y = Math.floor((j % 25) / 5), x = j % 5;
    if (y < 1 || y > 3 || x < 2 || x > 4) return 0;
    return w[((2 * 2 + c) * 3 + (y - 1)) * 3 + (x - 2)];
  };
  const r = await sample(net, { node: 'conv:2@1,2', chains: 24, warmup: 150, draws: 250, leapfrog: 8, sigma: 1, seed: 4 });
  const { maxZ, varRatio } = moments(r.samples!, 50, mu, 1, r.ess);
  t.true(maxZ < 4.5, `max |z| ${maxZ}`);
  t.true(Math.abs(varRatio - 1) < 0.1, `variance ratio ${varRatio}`);
  net.dispose();
});

/** Native chains of `smooth` started at I0, one L-step trajectory with momenta p0 (kept), and the energy errors. */
async function trajectoryPair(eps: number, L: number) {
  const net = Network.create(smooth, { backend: 'reference', seed: 3 });
  const node = net.node('fc:0');
  const ch = net.newChains([node], 4);
  const I0 = new Rng(8).fillNormal(new Float32Array(4 * 36)) as Float32Array;
  const p0 = new Rng(9).fillNormal(new Float32Array(4 * 36)) as Float32Array;
  const s0 = await ch.start(I0);
  ch.writeMomenta(p0);
  const opts = { L, momenta: MomentaMode.Keep, seed: 0, iteration: 0, invSigma2: 1 };
  const epsA = new Float32Array(4).fill(eps), invT = new Float32Array(4).fill(1);
  const out = await ch.step(null, false, opts, epsA, invT);
  const H = (v: number, ii: number, pp: number) => -v + 0.5 * ii + 0.5 * pp;
  const dH = Array.from({ length: 4 }, (_, c) => H(out.value[c], out.ii[c], out.pp[c]) - H(s0.value[c], s0.ii[c], out.pp0[c]));
  return { net, ch, I0, p0, out, dH, opts, epsA, invT };
}

test('the leapfrog is reversible: L steps, flip p, L steps back to the start', async (t) => {
  const { net, ch, I0, p0, opts, epsA, invT } = await trajectoryPair(0.05, 20);
  const moved = ch.read(0);
  await ch.step(null, false, { ...opts, momenta: MomentaMode.Negate }, epsA, invT);
  const back = ch.read(0), pBack = ch.read(2);
  let worstI = 0, worstP = 0;
  for (let j = 0; j < I0.length; j++) {
    worstI = Math.max(worstI, Math.abs(back[j] - I0[j]));
    worstP = Math.max(worstP, Math.abs(-pBack[j] - p0[j]));
  }
  t.true(worstI < 1e-4 && worstP < 1e-4, `max error I ${worstI}, p ${worstP}`);
  t.true(moved.some((v, j) => Math.abs(v - I0[j]) > 0.1), 'the trajectory moved');
  ch.dispose();
  net.dispose();
});

test('the energy error of one trajectory shrinks like eps^2', async (t) => {
  const errs: number[] = [];
  for (const [eps, L] of [[0.04, 10], [0.02, 20], [0.01, 40]]) {
    const { net, ch, dH } = await trajectoryPair(eps, L);
    errs.push(dH.reduce((a, b) => a + Math.abs(b), 0) / dH.length);
    ch.dispose();
    net.dispose();
  }
  const ratios = [errs[0] / errs[1], errs[1] / errs[2]];
  t.log(`mean |dH| ${errs.map((e) => e.toExponential(2)).join(', ')}; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
  for (const r of ratios) t.true(r > 3.2 && r < 4.8);
});

test('acceptance tends to 1 as eps goes to 0', async (t) => {
  const net = Network.create(smooth, { backend: 'reference', seed: 3 });
  const rates: number[] = [];
  for (const eps of [0.8, 0.2, 0.02]) {
    const r = await sample(net, { node: 'fc:0', stepSize: eps, chains: 16, warmup: 0, draws: 40, leapfrog: 5, sigma: 1, seed: 1 });
    rates.push(r.acceptance.reduce((a, b) => a + b, 0) / r.chains);
  }
  t.log(`acceptance ${rates.map((r) => r.toFixed(3)).join(', ')}`);
  t.true(rates[2] > 0.99);
  t.true(rates[0] < rates[1] && rates[1] <= rates[2]);
  net.dispose();
});

test('a diverging chain is reset and counted, never kept', async (t) => {
  const net = Network.create(linear, { backend: 'reference', seed: 1 });
  const r = await sample(net, { node: 'fc:0', method: 'ula', stepSize: 1e20, chains: 3, warmup: 0, draws: 5, sigma: 1e-10 });
  t.deepEqual(r.divergences, [5, 5, 5]);
  t.true(r.samples!.every(Number.isFinite));
  net.dispose();
});

test('bad options are refused with a clear message', async (t) => {
  const net = Network.create(linear, { backend: 'reference', seed: 1 });
  await t.throwsAsync(sample(net, { node: 'fc:7' }), { message: /\[0, 1\]/ });
  await t.throwsAsync(sample(net, { node: 'conv:0' }), { message: /layer name \(fc\)/ });
  await t.throwsAsync(sample(net, { node: 'fc:0', sigma: 0 }), { message: /sigma > 0 for sigma but received 0/ });
  await t.throwsAsync(sample(net, { node: 'fc:0', sigma: -1 }), { message: /sigma/ });
  await t.throwsAsync(sample(net, { node: 'fc:0', method: 'nuts' as Method }), { message: /'hmc', 'mala', 'ula' or 'map'/ });
  await t.throwsAsync(sample(net, { node: 'fc:0', stepSize: 500, warmup: 10, draws: 5, sigma: 1, chains: 4 }), { code: 'E_SAMPLER', message: /zero acceptance.*smaller step size/ } as never);
  net.dispose();
});
