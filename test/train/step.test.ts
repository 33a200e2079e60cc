// test/train/step.test.ts — the fused native training step: after 20 steps it gives the weights of
// the four-call path (forward, computeObjective, backward, sgdStep/adamStep) within 1e-6 relative,
// on both CPU backends, for DG, GG and a mixture, with SGD and Adam; it is one native crossing per
// step (the binding's debug counter), and a trainer epoch is one crossing per step and eval batch.
import test from 'ava';
import type { BackendName } from '../../lib/backend';
import { loadNative } from '../../lib/native';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import type { NetSpec } from '../../lib/spec';
import { computeObjective, type Objective } from '../../lib/train/objectives';
import type { OptimizerOptions } from '../../lib/train/step';
import { train } from '../../lib/train/trainer';
import { backendTest } from '../helpers/skip';
import { maxRelDiff } from '../helpers/compare';

const spec: NetSpec = {
  input: [2, 12, 12],
  layers: [
    { type: 'conv', name: 'conv1', out: 6, kernel: 3, padding: 1 },
    { type: 'relu', name: 'relu1' },
    { type: 'maxpool', name: 'pool1', kernel: 2, stride: 2 },
    { type: 'conv', name: 'conv2', out: 8, kernel: 3 },
    { type: 'relu', name: 'relu2' },
    { type: 'flatten', name: 'flat' },
    { type: 'dropout', name: 'drop', p: 0.3 },
    { type: 'linear', name: 'fc', out: 5 },
  ],
};
const N = 16, CLASSES = 5, STEPS = 20;

function batch(step: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(1000 + step);
  const x = rng.fillNormal(new Float32Array(N * 2 * 12 * 12), 0, 1) as Float32Array;
  // a quarter of the rows unlabelled (-1): they join GG's reference set only
  const y = Int32Array.from({ length: N }, (_, i) => (i % 4 === 3 ? -1 : Math.floor(rng.uniform() * CLASSES)));
  return { x, y };
}

function optimizerAt(kind: 'sgd' | 'adam', step: number): OptimizerOptions {
  const lr = 0.05 / (1 + step * 0.1);
  return kind === 'sgd' ? { kind, lr, momentum: 0.9, weightDecay: 5e-4 } : { kind, lr: lr / 10, weightDecay: 1e-4, step: step + 1 };
}

async function fourCalls(net: Network, x: Float32Array, y: Int32Array, objective: Objective, opt: OptimizerOptions): Promise<void> {
  const scores = await net.forward(x, { train: true });
  const r = computeObjective(scores, y, CLASSES, objective);
  await net.backward(r.grad);
  if (opt.kind === 'adam') await net.adamStep(opt);
  else await net.sgdStep(opt);
}

/** max |a - b| / max |b| over every parameter. */
function paramsRelDiff(a: Network, b: Network): number {
  return maxRelDiff(b.parameters.map((p): [Float32Array, Float32Array] => [a.getParameter(p.name), b.getParameter(p.name)]));
}

const objectives: Objective[] = [{ kind: 'dg' }, { kind: 'gg' }, { kind: 'mix', lambda: 0.3 }];
const backends: BackendName[] = ['reference', 'onednn'];

for (const backend of backends)
  for (const objective of objectives)
    for (const kind of ['sgd', 'adam'] as const) {
      const title = `${backend} ${objective.kind} ${kind}: trainStep equals the four-call path after ${STEPS} steps`;
      backendTest(backend, title, async (t) => {
        const fused = Network.create(spec, { backend, seed: 7 });
        const split = Network.create(spec, { backend, seed: 7 });
        let ce = 0;
        for (let s = 0; s < STEPS; s++) {
          const { x, y } = batch(s);
          const r = await fused.trainStep(x, y, { objective, optimizer: optimizerAt(kind, s) });
          t.true(r.finite);
          t.is(r.labelled, 12);
          ce = r.crossEntropy;
          await fourCalls(split, x, y, objective, optimizerAt(kind, s));
        }
        t.true(Number.isFinite(ce));
        const d = paramsRelDiff(fused, split);
        t.true(d <= 1e-6, `relative difference ${d}`);
        fused.dispose();
        split.dispose();
      }, { serial: true }); // serial: oneDNN's threads spin
    }

test('trainStep returns the scores only when asked, and the step statistics of computeObjective', async (t) => {
  const a = Network.create(spec, { backend: 'reference', seed: 2 });
  const b = Network.create(spec, { backend: 'reference', seed: 2 });
  const { x, y } = batch(0);
  const optimizer: OptimizerOptions = { kind: 'sgd', lr: 0.01 };
  const r = await a.trainStep(x, y, { objective: { kind: 'gg' }, optimizer, scores: true });
  const scores = await b.forward(x, { train: true });
  t.deepEqual(r.scores, scores);
  const want = computeObjective(scores, y, CLASSES, { kind: 'gg' });
  t.is(r.correct, want.correct);
  t.is(r.crossEntropy, want.crossEntropy);
  t.is(r.ggLogLik, want.ggLogLik);
  t.is((await a.trainStep(x, y, { objective: { kind: 'dg' }, optimizer })).scores, undefined);
  a.dispose();
  b.dispose();
});

test('trainStep refuses bad labels, options and batches with coded errors', async (t) => {
  const net = Network.create(spec, { backend: 'reference', seed: 2 });
  const { x, y } = batch(0);
  const optimizer: OptimizerOptions = { kind: 'sgd', lr: 0.01 };
  await t.throwsAsync(net.trainStep(x, y.subarray(1), { objective: { kind: 'dg' }, optimizer }), { code: 'E_SHAPE' } as never);
  await t.throwsAsync(net.trainStep(x, Int32Array.from(y, () => CLASSES), { objective: { kind: 'dg' }, optimizer }), { code: 'E_INVALID_ARGUMENT', message: /labels\[0\]/ } as never);
  await t.throwsAsync(net.trainStep(x, y, { objective: { kind: 'mix', lambda: 2 }, optimizer }), { code: 'E_INVALID_ARGUMENT' } as never);
  await t.throwsAsync(net.trainStep(x, y, { objective: { kind: 'dg' }, optimizer: { kind: 'adam', lr: 0.1, step: 0 } }), { code: 'E_INVALID_ARGUMENT' } as never);
  await t.throwsAsync(net.trainStep(x.subarray(1), y, { objective: { kind: 'dg' }, optimizer }), { code: 'E_SHAPE' } as never);
  const before = net.getParameter('fc.weight');
  net.setParameter('fc.weight', before.map((v) => (v > 0 ? 3e38 : -3e38)));
  const conv = net.getParameter('conv1.weight');
  const r = await net.trainStep(x, y, { objective: { kind: 'dg' }, optimizer });
  t.false(r.finite);
  t.deepEqual(net.getParameter('conv1.weight'), conv, 'no update after a non-finite loss');
  net.dispose();
});

test.serial('a training step is one native crossing; an epoch is one per step and per eval batch', async (t) => {
  const native = loadNative();
  const net = Network.create(spec, { backend: 'reference', seed: 2 });
  const { x, y } = batch(0);
  let before = native.debugCrossings();
  await net.trainStep(x, y, { objective: { kind: 'mix', lambda: 0.5 }, optimizer: { kind: 'adam', lr: 1e-3, step: 1 } });
  t.is(native.debugCrossings() - before, 1);
  before = native.debugCrossings();
  await net.evaluateBatch(x, Int32Array.from(y, (v) => Math.max(v, 0)));
  t.is(native.debugCrossings() - before, 1);
  net.dispose();

  const images = (n: number, seed: number) => {
    const rng = new Rng(seed);
    return { images: Float32Array.from({ length: n * 144 * 2 }, () => rng.uniform()), labels: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * CLASSES)) };
  };
  const tr = images(64, 1), te = images(40, 2);
  const split = (d: { images: Float32Array; labels: Int32Array }, name: string) => ({ name, n: d.labels.length, shape: [2, 12, 12] as [number, number, number], classes: ['a', 'b', 'c', 'd', 'e'], ...d });
  before = native.debugCrossings();
  const { net: trained } = await train({ model: spec, dataset: { train: split(tr, 'tr'), test: split(te, 'te') }, phases: 'dg:1', batch: 16, backend: 'reference', evalBatch: 20, seed: 1 });
  // 4 steps + 2 eval batches; setSeed, readParam and writeParam are accessors, not counted
  t.is(native.debugCrossings() - before, 4 + 2);
  trained.dispose();
});
