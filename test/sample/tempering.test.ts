// test/sample/tempering.test.ts — parallel tempering on a two-mode target with a known answer: the
// relu node F(I) = relu(8 I_0 - 32) with sigma = T = 1 gives I_0 the energy x^2/2 - relu(8x - 32),
// symmetric about x = 4 (modes at 0 and 8 of equal mass, barrier 8): P(I_0 > 4) = 1/2 and E[I_0] = 4
// by quadrature. Chains started in both modes: plain HMC stays where it starts (R-hat flags it);
// parallel tempering at the same budget matches the quadrature within Monte Carlo error.
import test from 'ava';
import { Network } from '../../lib/network';
import { sample, type SampleOptions } from '../../lib/sample/hmc';
import type { NetSpec } from '../../lib/spec';

const spec: NetSpec = { input: [1, 2, 2], layers: [{ type: 'linear', name: 'fc', out: 1 }, { type: 'relu', name: 'r' }] };

function quadrature() {
  let z = 0, m = 0, hi = 0;
  for (let x = -12; x < 20; x += 1e-4) {
    const p = Math.exp(-x * x / 2 + Math.max(0, 8 * x - 32));
    (z += p), (m += p * x), (hi += x > 4 ? p : 0);
  }
  return { mean: m / z, upper: hi / z };
}

async function run(options: Partial<SampleOptions>) {
  const net = Network.create(spec, { backend: 'reference', seed: 1 });
  net.setParameter('fc.weight', Float32Array.from([8, 0, 0, 0]));
  net.setParameter('fc.bias', Float32Array.from([-32]));
  const chains = 16, start = new Float32Array(chains * 4);
  for (let k = 1; k < chains; k += 2) start[k * 4] = 8; // odd chains start in the upper mode
  const r = await sample(net, { node: 'r:0', chains, warmup: 150, draws: 400, leapfrog: 10, sigma: 1, start, seed: 5, ...options });
  net.dispose();
  const x = Array.from({ length: chains }, (_, k) => Array.from({ length: r.draws }, (_, d) => r.samples![(k * r.draws + d) * 4]));
  const all = x.flat();
  return { r, mean: all.reduce((a, b) => a + b, 0) / all.length, upper: all.filter((v) => v > 4).length / all.length };
}

test('parallel tempering matches the quadrature of a two-mode relu target where plain HMC is flagged by R-hat', async (t) => {
  const q = quadrature();
  const plain = await run({});
  const pt = await run({ tempering: { rungs: 6, maxTemperature: 12 } });
  // Monte Carlo error of P(x > 4) from the ESS of F (a monotone function of the mode indicator)
  const se = Math.sqrt(0.25 / pt.r.ess);
  t.log(`quadrature P(x>4) ${q.upper.toFixed(4)}, E[x] ${q.mean.toFixed(3)}`);
  t.log(`plain HMC: P ${plain.upper.toFixed(3)}, E[x] ${plain.mean.toFixed(3)}, R-hat ${plain.r.rhat.toFixed(2)}`);
  t.log(`tempering: P ${pt.upper.toFixed(3)} (se ${se.toFixed(3)}), E[x] ${pt.mean.toFixed(3)}, R-hat ${pt.r.rhat.toFixed(3)}, ESS ${pt.r.ess.toFixed(0)}, swaps ${pt.r.swapRate!.map((s) => s.toFixed(2)).join(' ')}`);
  t.true(Math.abs(q.upper - 0.5) < 1e-3 && Math.abs(q.mean - 4) < 1e-3);
  t.true(plain.r.rhat > 1.2, 'plain HMC is flagged');
  t.true(pt.r.rhat < 1.1, 'tempering mixes');
  t.true(Math.abs(pt.upper - q.upper) < 4 * se);
  t.true(Math.abs(pt.mean - q.mean) < 4 * 4 * se); // |x - 4| ~ 4 in either mode: the mean's error is about 4x the mode fraction's
});

test('annealed warm-up and MAP options are validated', async (t) => {
  const net = Network.create(spec, { backend: 'reference', seed: 1 });
  await t.throwsAsync(sample(net, { node: 'r:0', anneal: 0.5 }), { message: /anneal factor >= 1/ });
  await t.throwsAsync(sample(net, { node: 'r:0', tempering: { rungs: 3, maxTemperature: 0.5 } }), { message: /maxTemperature >= 1/ });
  await t.throwsAsync(sample(net, { node: 'r:0', temperatureScale: [1, 2] }), { message: /one per node/ });
  const r = await sample(net, { node: 'r:0', anneal: 20, chains: 2, warmup: 20, draws: 5, leapfrog: 3, keep: 'last' });
  t.is(r.draws, 5);
  net.dispose();
});
