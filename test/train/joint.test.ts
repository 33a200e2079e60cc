// test/train/joint.test.ts — joint λ·GG + (1−λ)·DG phases: parsing 'mix1-0:3', λ along a phase,
// the weight gradient of a scheduled joint step (float32 net + fused objective) against the float64
// reference objective (objective64 backpropagated by reference64, itself checked by finite
// differences of the float64 loss), and the trainer applying the scheduled λ at every step.
import test from 'ava';
import { Network } from '../../lib/network';
import { lambdaAt, objectiveAt, phaseStart } from '../../lib/train/joint';
import { computeObjective, ggWeight } from '../../lib/train/objectives';
import { formatPhases, parsePhases } from '../../lib/train/schedule';
import { train } from '../../lib/train/trainer';
import type { Dataset } from '../../lib/data/dataset';
import type { NetSpec } from '../../lib/spec';
import { within, worstDiff } from '../helpers/compare';
import { setup } from '../helpers/gradcheck';
import { objective64 } from '../helpers/objective64';
import { loadTestAddon } from '../helpers/test-addon';

const spec: NetSpec = {
  name: 'tiny', input: [1, 5, 5],
  layers: [
    { type: 'conv', name: 'conv1', out: 3, kernel: 3 },
    { type: 'relu', name: 'relu1' },
    { type: 'flatten', name: 'flatten' },
    { type: 'linear', name: 'fc', out: 4 },
  ],
};

test('mix<from>-<to>:N parses, formats back and is checked', (t) => {
  const phases = parsePhases('gg:1,mix1-0:3,mix0.5:2,dg:1');
  t.deepEqual(phases[1], { objective: { kind: 'mix', lambda: 1 }, epochs: 3, lambdaTo: 0 });
  t.is(phases[2].lambdaTo, undefined);
  t.is(formatPhases(phases), 'gg:1,mix1-0:3,mix0.5:2,dg:1');
  t.throws(() => parsePhases('mix1-1.5:2'), { code: 'E_INVALID_ARGUMENT' });
  t.throws(() => parsePhases('gg-0:2'), { code: 'E_INVALID_ARGUMENT' });
  t.throws(() => parsePhases([{ objective: { kind: 'dg' }, epochs: 1, lambdaTo: 0.5 }]), { code: 'E_INVALID_ARGUMENT' });
});

test('lambda moves linearly over the phase; fixed phases keep their objective', (t) => {
  const [p] = parsePhases('mix1-0:2');
  t.deepEqual([0, 1, 2, 3, 4].map((s) => lambdaAt(p, s, 5)), [1, 0.75, 0.5, 0.25, 0]);
  t.deepEqual(objectiveAt(p, 2, 5), { kind: 'mix', lambda: 0.5 });
  const [g] = parsePhases('gg:1');
  t.is(objectiveAt(g, 3, 5), g.objective);
  t.is(lambdaAt(parsePhases('mix0.2-0.8:1')[0], 0, 1), 0.2);
  t.throws(() => lambdaAt(p, 5, 5), { code: 'E_INVALID_ARGUMENT' });
  const phases = parsePhases('gg:1,mix1-0:3,dg:2');
  t.deepEqual([0, 1, 2, 3, 4, 5].map((e) => phaseStart(phases, e)), [0, 1, 1, 1, 4, 4]);
});

test('the joint step gradient matches the float64 reference objective (and its finite differences)', async (t) => {
  const native = loadTestAddon();
  const n = 6, C = 4;
  const { resolved, layers, params, x } = setup(spec, n, 3);
  const labels = Int32Array.from([0, 2, -1, 3, 1, -1]); // two unlabelled images join the reference set
  const net = Network.create(spec, { backend: 'reference' });
  t.deepEqual(net.parameters.map((p) => p.shape.reduce((a, b) => a * b, 1)), params.map((p) => p.length));
  // both sides use the same float32-representable weights and input
  params.forEach((p, i) => { const f = Float32Array.from(p); p.set(f); net.setParameter(net.parameters[i].name, f); });
  const x32 = Float32Array.from(x);
  x.set(x32);
  const [phase] = parsePhases('mix0.9-0.1:1');
  for (const step of [0, 3, 7]) {
    const objective = objectiveAt(phase, step, 8);
    const lambda = ggWeight(objective);
    const scores = await net.forward(x32);
    await net.backward(computeObjective(scores, labels, C, objective).grad);
    const F = native.reference64(layers, resolved.input, params, x, n, {}).scores;
    const want = native.reference64(layers, resolved.input, params, x, n, { dscores: objective64(F, labels, C, lambda).grad }).paramGrads!;
    net.parameters.forEach((p, i) => {
      const got = net.getGradient(p.name);
      const { maxAbs: worst, scale } = worstDiff(got, want[i]);
      t.true(worst <= 1e-4 * scale + 1e-7, `step ${step} (lambda ${lambda}) ${p.name}: worst ${worst} of scale ${scale}`);
    });
    // the float64 gradient is that of L = lambda*(-GG log-lik) + (1 - lambda)*cross-entropy
    const loss = () => {
      const o = objective64(native.reference64(layers, resolved.input, params, x, n, {}).scores, labels, C, lambda);
      return -lambda * o.ggLogLik + (1 - lambda) * o.crossEntropy;
    };
    for (const [pi, k] of [[0, 4], [1, 1], [2, 17], [3, 2]]) {
      const keep = params[pi][k], h = 1e-6;
      params[pi][k] = keep + h;
      const up = loss();
      params[pi][k] = keep - h;
      const down = loss();
      params[pi][k] = keep;
      const fd = (up - down) / (2 * h);
      t.true(within(want[pi][k], fd, 1e-5, 1e-6), `param ${pi}[${k}]: ${want[pi][k]} vs ${fd}`);
    }
  }
  net.dispose();
});

function tinyDataset(name: string, n: number, seed: number): Dataset {
  const images = new Float32Array(n * 25), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = (i * 7 + seed) % 4;
    for (let k = 0; k < 25; k++) images[i * 25 + k] = ((k * (labels[i] + 1) + i) % 11) / 10;
  }
  return { name, images, labels, n, shape: [1, 5, 5], classes: ['a', 'b', 'c', 'd'] };
}

test('the trainer applies the scheduled lambda at every step of a joint phase', async (t) => {
  const lambdas: number[][] = [];
  const { net } = await train({
    model: spec, dataset: { train: tinyDataset('tiny', 32, 0), test: tinyDataset('tiny-test', 8, 1) }, phases: 'gg:1,mix1-0:2,dg:1', batch: 8, backend: 'reference',
    onEvent: (e) => { if (e.type === 'step') (lambdas[e.epoch] ??= []).push(e.lambda); },
  });
  net.dispose();
  t.deepEqual(lambdas[0], [1, 1, 1, 1]);
  t.deepEqual(lambdas[1].concat(lambdas[2]).map((v) => Math.round(v * 7 * 1e9) / 1e9), [7, 6, 5, 4, 3, 2, 1, 0]);
  t.deepEqual(lambdas[3], [0, 0, 0, 0]);
});
