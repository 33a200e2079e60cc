// test/train/config.test.ts — trainer options and resume (lib/train/config.ts, trainer.ts): --resume
// refuses a changed optimizer, dataset, labels or learning rate and lists them (#12 case 8), adopts
// the recorded options when left out, accepts an allowed change; a diverging run (large lr) never
// writes NaN weights nor replaces a good checkpoint (case 7); absurd options are refused (case 11).
import test from 'ava';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { subset, type DatasetSplit } from '../../lib/data/dataset';
import { loadMnist } from '../../lib/data/mnist';
import { Network } from '../../lib/network';
import type { NetSpec } from '../../lib/spec';
import { reconcile } from '../../lib/train/config';
import { evaluate } from '../../lib/train/evaluate';
import { train, type TrainOptions } from '../../lib/train/trainer';

const small: NetSpec = {
  input: [1, 28, 28],
  layers: [
    { type: 'conv', name: 'conv1', out: 4, kernel: 5, stride: 2 },
    { type: 'relu' },
    { type: 'maxpool', kernel: 2, stride: 2 },
    { type: 'flatten' },
    { type: 'linear', name: 'fc', out: 10 },
  ],
};

let cached: DatasetSplit | undefined;
function data(): DatasetSplit {
  const m = loadMnist();
  cached ??= { train: subset(m.train, Array.from({ length: 200 }, (_, i) => i)), test: subset(m.test, Array.from({ length: 50 }, (_, i) => i)) };
  return cached;
}

const tmp = () => fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-config-'));
const base = (): TrainOptions => ({ model: small, dataset: data(), batch: 20, lr: 0.02, backend: 'reference', seed: 3, phases: 'dg:1', maxStepsPerEpoch: 2 });

test('reconcile adopts, refuses and allows', (t) => {
  const recorded = { phases: 'dg:1', seed: 3, batch: 20, optimizer: 'sgd', lr: 0.02, labels: undefined, dataset: 'mnist', momentum: 0.9 };
  const id = (_k: string, v: unknown) => v;
  t.deepEqual(reconcile({ lr: undefined }, recorded, [], id, 'f'), { lr: 0.02, phases: 'dg:1', seed: 3, batch: 20, optimizer: 'sgd', dataset: 'mnist', momentum: 0.9 });
  const err = t.throws(() => reconcile({ lr: 30, optimizer: 'adam', dataset: 'fashion-mnist', labels: { perClass: 5 } }, recorded, [], id, 'f'));
  t.is((err as unknown as { code: string }).code, 'E_CHECKPOINT');
  for (const part of ['labels: recorded (default), given {"perClass":5}', 'optimizer: recorded "sgd", given "adam"', 'lr: recorded 0.02, given 30', 'dataset: recorded "mnist", given "fashion-mnist"'])
    t.true(err!.message.includes(part), `${part} in ${err!.message}`);
  t.is(reconcile({ lr: 30 }, recorded, ['lr'], id, 'f').lr, 30);
  t.throws(() => reconcile({}, recorded, ['colour'], id, 'f'), { code: 'E_INVALID_ARGUMENT' } as never);
});

test('case 8: resume refuses another optimizer, dataset, labels or lr, and continues with the recorded ones', async (t) => {
  const dir = await tmp();
  (await train({ ...base(), outDir: dir })).net.dispose();
  const fashion = { train: { ...data().train, name: 'fashion-train' }, test: data().test };
  for (const [change, pattern] of [
    [{ optimizer: 'adam' }, /optimizer: recorded "sgd", given "adam"/],
    [{ dataset: fashion }, /dataset: recorded "mnist-train|dataset: recorded ".*", given "fashion-train"/],
    [{ labels: { perClass: 5 } }, /labels: recorded "all", given \{"perClass":5\}/],
    [{ lr: 0.5 }, /lr: recorded 0\.02, given 0\.5/],
  ] as const) {
    const err = await t.throwsAsync(train({ ...base(), ...change, phases: 'dg:2', outDir: dir, resume: true } as TrainOptions));
    t.is((err as unknown as { code: string }).code, 'E_CHECKPOINT');
    t.regex(err!.message, pattern);
  }
  // Left out, the recorded options apply; an allowed change applies.
  const more = await train({ dataset: data(), backend: 'reference', phases: 'dg:2', outDir: dir, resume: true, allowChanges: ['phases'] });
  t.is(more.history.length, 2);
  more.net.dispose();
  const adam = await train({ ...base(), phases: 'dg:3', optimizer: 'adam', lr: 1e-3, outDir: dir, resume: true, allowChanges: ['phases', 'optimizer', 'lr'] });
  t.is(adam.history.length, 3);
  adam.net.dispose();
});

test('case 7: training at lr 20 diverges without writing NaN; resuming a good run at lr 30 keeps its checkpoint', async (t) => {
  const dir = await tmp();
  const err = await t.throwsAsync(train({ ...base(), lr: 20, momentum: 0.9, phases: 'dg:4', maxStepsPerEpoch: 10, outDir: dir }));
  t.is((err as unknown as { code: string }).code, 'E_DIVERGED', err?.message);
  const files = await fsp.readdir(dir);
  if (files.includes('model.safetensors')) {
    const net = await Network.load(path.join(dir, 'model.safetensors'), { backend: 'reference' });
    for (const p of net.parameters) t.true(net.getParameter(p.name).every(Number.isFinite));
    net.dispose();
  }
  const good = await tmp();
  (await train({ ...base(), outDir: good })).net.dispose();
  const before = await fsp.readFile(path.join(good, 'model.safetensors'));
  await t.throwsAsync(train({ ...base(), lr: 30, phases: 'dg:4', outDir: good, resume: true }), { code: 'E_CHECKPOINT' } as never);
  const over = await t.throwsAsync(train({ ...base(), lr: 30, phases: 'dg:4', maxStepsPerEpoch: 10, outDir: good, resume: true, allowChanges: ['lr', 'phases', 'maxStepsPerEpoch'] }));
  t.is((over as unknown as { code: string }).code, 'E_DIVERGED', over?.message);
  // The run's checkpoint survives the divergence: either the good one untouched, or one written by
  // an epoch of the resumed run that ended with finite weights; never NaN, always loadable.
  const after = await fsp.readFile(path.join(good, 'model.safetensors'));
  if (!after.equals(before)) {
    const net = await Network.load(path.join(good, 'model.safetensors'), { backend: 'reference' });
    for (const p of net.parameters) t.true(net.getParameter(p.name).every(Number.isFinite), p.name);
    net.dispose();
  }
});

test('case 11: maxStepsPerEpoch 0, absurd options and evaluation on no images are refused', async (t) => {
  for (const bad of [{ maxStepsPerEpoch: 0 }, { lr: 1e9 }, { batch: 1e7 }, { seed: -1 }, { momentum: 1 }, { phases: 'dg:100000' }, { evalBatch: 0.5 }])
    await t.throwsAsync(train({ ...base(), ...bad } as TrainOptions), { code: 'E_INVALID_ARGUMENT' } as never, JSON.stringify(bad));
  const net = Network.create(small, { backend: 'reference' });
  await t.throwsAsync(evaluate(net, new Float32Array(0), new Int32Array(0)), { code: 'E_DATA' } as never);
  await t.throwsAsync(evaluate(net, new Float32Array(784), new Int32Array(2)), { code: 'E_DATA' } as never);
  net.dispose();
});
