// test/data/loader.test.ts — augmentation and the streaming loader: crops and mirrors are a function of
// (seed, epoch, step) only; worker batches equal in-thread assembly whatever the worker count; a small
// net trained from a prepared sharp-written folder reaches high accuracy; a resumed run equals an
// uninterrupted one; semi-supervised runs stream too; CLI train --data / eval --data work.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assembleImage, planCrops, preprocessLut } from '../../lib/data/augment';
import { openFeed } from '../../lib/data/loader';
import { prepare } from '../../lib/data/prepare';
import { preprocess } from '../../lib/data/preprocess';
import { openStore } from '../../lib/data/store';
import { planEpoch } from '../../lib/train/batches';
import { train, type TrainOptions } from '../../lib/train/trainer';
import type { NetSpec } from '../../lib/spec';
import { writeImageFolder } from '../helpers/images';

const root = mkdtempSync(path.join(os.tmpdir(), 'gcn-loader-'));
const store = path.join(root, 'prepared');
const ready = writeImageFolder(path.join(root, 'src'), { perClass: 48, seed: 5 }).then(() => prepare(path.join(root, 'src'), store, { size: 36, holdout: 0.25 }));

const small: NetSpec = {
  input: [3, 32, 32],
  layers: [
    { type: 'conv', name: 'conv1', out: 8, kernel: 5, init: { type: 'he' } },
    { type: 'relu', name: 'relu1' },
    { type: 'maxpool', name: 'pool1', kernel: 2, stride: 2 },
    { type: 'conv', name: 'conv2', out: 16, kernel: 3, init: { type: 'he' } },
    { type: 'relu', name: 'relu2' },
    { type: 'maxpool', name: 'pool2', kernel: 2, stride: 2 },
    { type: 'flatten', name: 'flat' },
    { type: 'dropout', name: 'drop', p: 0.2 },
    { type: 'linear', name: 'fc', out: 4 },
  ],
};
const base: TrainOptions = { model: small, data: store, batch: 16, lr: 0.02, schedule: 'constant', backend: 'reference', seed: 4, evalBatch: 25 };

test('crops and mirrors depend on (seed, epoch, step) only', (t) => {
  const mode = { random: true, mirror: true };
  const a = planCrops(1, 2, 3, 64, 256, 227, mode);
  t.deepEqual(planCrops(1, 2, 3, 64, 256, 227, mode), a, 'same key, same plan');
  for (const [s, e, k] of [[2, 2, 3], [1, 3, 3], [1, 2, 4]]) t.notDeepEqual(planCrops(s, e, k, 64, 256, 227, mode), a, `key (${s}, ${e}, ${k}) differs`);
  t.true(a.x.every((v) => v >= 0 && v <= 29) && a.y.every((v) => v >= 0 && v <= 29));
  t.true(new Set(a.x).size > 10 && a.mirror.some((m) => m === 1) && a.mirror.some((m) => m === 0));
  const centre = planCrops(1, 2, 3, 4, 256, 227, { random: false, mirror: false });
  t.deepEqual(Array.from(centre.x), [14, 14, 14, 14]);
  t.deepEqual(Array.from(centre.mirror), [0, 0, 0, 0]);
});

test('assembly crops, mirrors and normalizes exactly as preprocess()', (t) => {
  const C = 2, S = 5, crop = 3, rec = Uint8Array.from({ length: C * S * S }, (_, i) => (i * 37) % 256);
  const mean = [0.3, 0.6], std = [0.2, 0.25];
  const plan = { y: Int32Array.of(1), x: Int32Array.of(2), mirror: Uint8Array.of(1) };
  const out = new Float32Array(C * crop * crop);
  assembleImage(rec, C, S, crop, plan, 0, preprocessLut(mean, std), out);
  const manual = new Float32Array(C * crop * crop);
  for (let c = 0; c < C; c++) for (let y = 0; y < crop; y++) for (let x = 0; x < crop; x++) manual[(c * crop + y) * crop + x] = rec[c * S * S + (1 + y) * S + 2 + (crop - 1 - x)] / 255;
  t.deepEqual(out, preprocess(manual, [C, crop, crop], { mean, std }));
});

test('worker batches equal in-thread assembly, for 1 or 3 workers and any prefetch', async (t) => {
  await ready;
  const { train: split } = openStore(store);
  const pre = { mean: [0.4, 0.5, 0.45], std: [0.3, 0.3, 0.3] };
  const plan = planEpoch(split.labels, 10, 5, 7, 1, 4);
  const lut = preprocessLut(pre.mean, pre.std);
  const got: Float32Array[][] = [];
  for (const o of [{ workers: 1, prefetch: 1 }, { workers: 3, prefetch: 3 }]) {
    const feed = openFeed(store, { crop: 32, ...o });
    feed.begin(pre);
    const epoch = feed.epoch(plan, 7, 1, false);
    const xs: Float32Array[] = [];
    for (let s = 0; s < plan.steps; s++) xs.push((await epoch.next(s)).x);
    got.push(xs);
    await feed.close();
  }
  t.deepEqual(got[0], got[1]);
  const rec = new Uint8Array(split.recordBytes);
  for (let s = 0; s < plan.steps; s++) {
    const idx = plan.batch(s, false), crops = planCrops(7, 1, s, idx.length, 36, 32, { random: true, mirror: true });
    const want = new Float32Array(idx.length * 3 * 32 * 32);
    idx.forEach((i, b) => assembleImage(split.read(i, rec), 3, 36, 32, crops, b, lut, want));
    t.deepEqual(got[0][s], want, `step ${s}`);
  }
  split.close();
});

test.serial('a small net trained from the prepared folder reaches high accuracy; resuming equals an uninterrupted run', async (t) => {
  await ready;
  const opts: TrainOptions = { ...base, phases: 'gg:1,dg:5' };
  const full = await train({ ...opts, outDir: mkdtempSync(path.join(root, 'full-')) });
  const last = full.history[full.history.length - 1];
  t.true(last.test.top1Error <= 0.1, `test error ${last.test.top1Error} on ${last.test.n} images`);
  const dir = mkdtempSync(path.join(root, 'resumed-'));
  const stop = new Error('stop after epoch 3');
  await t.throwsAsync(train({ ...opts, outDir: dir, onEvent: (e) => { if (e.type === 'epoch' && e.epoch === 3) throw stop; } }), { is: stop });
  const resumed = await train({ ...opts, outDir: dir, resume: true });
  for (const p of full.net.parameters) t.deepEqual(resumed.net.getParameter(p.name), full.net.getParameter(p.name), p.name);
  t.deepEqual(resumed.history.map((h) => h.test), full.history.map((h) => h.test));
  full.net.dispose();
  resumed.net.dispose();
});

test.serial('semi-supervised training streams labelled and unlabelled images', async (t) => {
  await ready;
  const { net, history } = await train({ ...base, phases: 'gg:2,dg:1', labels: { perClass: 8 }, labelledPerBatch: 8 });
  t.is(history.length, 3);
  t.true(history.every((h) => Number.isFinite(h.trainLoss)));
  net.dispose();
});

test.serial('CLI: train --data and eval --data', async (t) => {
  await ready;
  const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
  const out = path.join(root, 'cli-run');
  const spec = path.join(root, 'small.json');
  require('node:fs').writeFileSync(spec, JSON.stringify(small));
  const tr = spawnSync(process.execPath, [cli, 'train', '--data', store, '--model', spec, '--phases', 'dg:2', '--batch', '16', '--workers', '2', '--out', out, '--json'], { encoding: 'utf8' });
  t.is(tr.status, 0, tr.stderr);
  const ev = spawnSync(process.execPath, [cli, 'eval', path.join(out, 'model.safetensors'), '--data', store, '--json'], { encoding: 'utf8' });
  t.is(ev.status, 0, ev.stderr);
  const r = JSON.parse(ev.stdout);
  t.is(r.n, openStore(store).test.n);
  t.is(r.top1Error, JSON.parse(tr.stdout).history[1].test.top1Error);
  const bad = spawnSync(process.execPath, [cli, 'train', '--recipe', 'alexnet-imagenet', '--out', path.join(root, 'x')], { encoding: 'utf8' });
  t.regex(bad.stderr, /E_INVALID_ARGUMENT.*--data/);
});
