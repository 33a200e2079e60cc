// test/data/folder.test.ts — an image folder streamed without preparation (decoded in the loader's workers):
// its batches equal, bit for bit, those of its prepared store, and depend only on (seed, epoch, step); a
// corrupt header is left out and listed at open, an undecodable image met in a batch fails with E_DATA
// naming it (never a hang); a small net learns from a folder and resumes exactly; prefetch bounds memory.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openFeed, type LoaderOptions } from '../../lib/data/loader';
import { prepare } from '../../lib/data/prepare';
import type { Batch } from '../../lib/data/feed';
import { planEpoch, type EpochPlan } from '../../lib/train/batches';
import { train, type TrainOptions } from '../../lib/train/trainer';
import type { NetSpec } from '../../lib/spec';
import { ODD, writeImageFolder } from '../helpers/images';

const root = mkdtempSync(path.join(os.tmpdir(), 'gcn-folder-'));
const src = path.join(root, 'src'), store = path.join(root, 'prepared');
// 40 images per class, JPEG and PNG of 36..52 px, plus the odd files (a corrupt header, a truncated PNG, ...)
const ready = writeImageFolder(src, { perClass: 40, seed: 9 }).then(() => prepare(src, store, { size: 36, holdout: 0.25 }));
const folder: LoaderOptions = { crop: 32, size: 36, holdout: 0.25 };
const pre = { mean: [0.45, 0.4, 0.5], std: [0.3, 0.25, 0.3] };

const tiny: NetSpec = {
  input: [3, 32, 32],
  layers: [
    { type: 'conv', name: 'c1', out: 6, kernel: 5, stride: 2, init: { type: 'he' } },
    { type: 'relu', name: 'r1' },
    { type: 'conv', name: 'c2', out: 12, kernel: 3, stride: 2, init: { type: 'he' } },
    { type: 'relu', name: 'r2' },
    { type: 'maxpool', name: 'p2', kernel: 2, stride: 2 },
    { type: 'flatten', name: 'f' },
    { type: 'linear', name: 'fc', out: 4 },
  ],
};

/** The training batches of `steps` (in increasing order) of one epoch, then the feed closed. */
async function epochBatches(dir: string, o: LoaderOptions, plan: EpochPlan, seed: number, epoch: number, steps: number[]): Promise<Batch[]> {
  const feed = openFeed(dir, o);
  try {
    await feed.ready();
    feed.begin(pre);
    const batches = feed.epoch(plan, seed, epoch, false);
    const out: Batch[] = [];
    for (const s of steps) out.push(await batches.next(s));
    batches.close();
    return out;
  } finally {
    await feed.close();
  }
}

const range = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i);

test.serial('a folder decoded on the fly gives, bit for bit, the batches, labels and statistics of its prepared store', async (t) => {
  const { meta } = await ready;
  const a = openFeed(store, { crop: 32 }), b = openFeed(src, { ...folder, workers: 3 });
  await b.ready();
  t.regex(b.name, /^folder:folder:36x3:[0-9a-f]{12}$/);
  t.deepEqual(b.trainLabels, a.trainLabels);
  t.deepEqual(b.testLabels, a.testLabels);
  t.deepEqual(b.classes, a.classes);
  // the sample is the whole train split here (fewer than 1000 images), so the statistics are prepare's, exactly
  t.deepEqual(b.stats(), a.stats());
  const skipped = (['train', 'test'] as const).flatMap((split) => meta.splits[split].skipped.map((s) => ({ split, ...s })));
  t.deepEqual(b.excluded, skipped, 'the same images left out, with the same reasons');
  t.deepEqual(b.excluded.map((e) => e.name).sort(), [ODD.truncated, ODD.corrupt].sort());
  a.begin(pre), b.begin(pre);
  for (const epoch of [0, 3]) {
    const plan = planEpoch(a.trainLabels, 24, 12, 11, epoch);
    const ea = a.epoch(plan, 11, epoch, false), eb = b.epoch(plan, 11, epoch, false);
    for (let s = 0; s < plan.steps; s++) t.deepEqual(await eb.next(s), await ea.next(s), `epoch ${epoch} step ${s}`);
  }
  const tb = b.testBatches(10)[Symbol.asyncIterator]();
  for await (const x of a.testBatches(10)) t.deepEqual((await tb.next()).value, x, 'test batch');
  t.true((await tb.next()).done);
  await a.close(), await b.close();
});

test.serial('a folder batch depends only on (seed, epoch, step): not on workers, prefetch or the steps read before', async (t) => {
  await ready;
  const probe = openFeed(src, folder);
  await probe.ready();
  const labels = probe.trainLabels;
  await probe.close();
  const plan = planEpoch(labels, 16, 8, 5, 2);
  const all = await epochBatches(src, { ...folder, workers: 1, prefetch: 1 }, plan, 5, 2, range(plan.steps));
  const late = await epochBatches(src, { ...folder, workers: 2, prefetch: 4 }, plan, 5, 2, range(plan.steps, 3));
  t.deepEqual(late, all.slice(3), 'steps 3.. read without steps 0..2, with other workers and prefetch');
  const other = await epochBatches(src, folder, plan, 5, 3, [0]);
  t.notDeepEqual(other[0].x, all[0].x, 'another epoch crops and mirrors differently');
});

test.serial('a corrupt header is left out and listed at open; an undecodable image met in a batch fails with E_DATA naming it', async (t) => {
  t.timeout(120_000); // never a hang
  await ready;
  // a one-image statistics sample does not decode the truncated PNG (its header is fine), so it stays listed
  const loader: LoaderOptions = { size: 36, holdout: 0.25, statsImages: 1, workers: 2 };
  const feed = openFeed(src, { ...loader, crop: 32 });
  await feed.ready();
  t.deepEqual(feed.excluded.map((e) => e.name), [ODD.corrupt]);
  t.regex(feed.excluded[0].reason, /header|JPEG/i);
  await feed.close();
  const events: string[] = [];
  const run = train({ model: tiny, data: src, loader, phases: 'dg:1', batch: 16, lr: 0.01, backend: 'reference', seed: 1, onEvent: (e) => void events.push(e.type) });
  await t.throwsAsync(run, { code: 'E_DATA', message: new RegExp(`${ODD.truncated.replace('.', '\\.')}.*genconvnet prepare`) });
  t.is(events[0], 'start');
  t.false(events.includes('epoch'), 'failed in the first epoch, at the batch holding the file');
});

test('raw batches (CIFAR, IDX) are prepared, not streamed; a crop larger than the decoded size is refused', async (t) => {
  await ready;
  const cifar = mkdtempSync(path.join(root, 'cifar-'));
  writeFileSync(path.join(cifar, 'data_batch_1.bin'), Buffer.alloc(3073));
  writeFileSync(path.join(cifar, 'test_batch.bin'), Buffer.alloc(3073));
  t.throws(() => openFeed(cifar), { code: 'E_DATA', message: /cifar10.*genconvnet prepare/ });
  t.throws(() => openFeed(src, { ...folder, crop: 37 }), { code: 'E_INVALID_ARGUMENT', message: /crop.*\[1, 36\]/ });
  t.throws(() => openFeed(src, { ...folder, channels: 2 as 1 }), { code: 'E_INVALID_ARGUMENT', message: /channels/ });
});

test.serial('a small net trained from a folder learns, and resuming it equals an uninterrupted run', async (t) => {
  await ready;
  const opts: TrainOptions = { model: tiny, data: src, loader: { size: 36, holdout: 0.25 }, phases: 'dg:4', batch: 16, lr: 0.03, schedule: 'constant', backend: 'reference', seed: 3, evalBatch: 40 };
  const full = await train({ ...opts, outDir: mkdtempSync(path.join(root, 'full-')) });
  const errors = full.history.map((h) => h.test.top1Error);
  t.log(`test errors per epoch ${errors.join(', ')}`);
  t.true(errors[errors.length - 1] <= 0.2, `test errors per epoch ${errors.join(', ')} (chance 0.75)`);
  const dir = mkdtempSync(path.join(root, 'resumed-'));
  const stop = new Error('stop after epoch 2');
  await t.throwsAsync(train({ ...opts, outDir: dir, onEvent: (e) => { if (e.type === 'epoch' && e.epoch === 2) throw stop; } }), { is: stop });
  const resumed = await train({ ...opts, outDir: dir, resume: true });
  for (const p of full.net.parameters) t.deepEqual(resumed.net.getParameter(p.name), full.net.getParameter(p.name), p.name);
  t.deepEqual(resumed.preprocessing, full.preprocessing);
  await t.throwsAsync(train({ ...opts, loader: { size: 40, holdout: 0.25 }, outDir: dir, resume: true }), { code: 'E_CHECKPOINT', message: /folder:folder:36x3.*folder:folder:40x3/ });
  full.net.dispose();
  resumed.net.dispose();
});

test.serial('batches held in memory are bounded by prefetch, however slowly the steps are taken', async (t) => {
  await ready;
  const feed = openFeed(src, { ...folder, workers: 2, prefetch: 2 });
  await feed.ready();
  feed.begin(pre);
  const plan = planEpoch(feed.trainLabels, 8, 4, 1, 0);
  const batches = feed.epoch(plan, 1, 0, false);
  for (let s = 0; s < plan.steps; s++) {
    await batches.next(s);
    t.true(feed.inFlight <= 2, `step ${s}: ${feed.inFlight} batches held after handing one out`);
    await new Promise((r) => setTimeout(r, 30)); // a slow training step: the workers run ahead, up to prefetch
  }
  batches.close();
  t.is(feed.maxInFlight, 3, 'prefetch 2: the batch being taken and two ahead, never more');
  t.is(feed.inFlight, 0);
  for await (const b of feed.testBatches(5)) t.true(feed.inFlight <= 3 && b.y.length <= 5);
  t.is(feed.maxInFlight, 3);
  await feed.close();
});

test.serial('CLI: train --data and eval --data on a folder report what they leave out', async (t) => {
  await ready;
  const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
  const spec = path.join(root, 'tiny.json'), out = path.join(root, 'cli-run');
  writeFileSync(spec, JSON.stringify(tiny));
  const data = ['--data', src, '--size', '36', '--holdout', '0.25'];
  const tr = spawnSync(process.execPath, [cli, 'train', ...data, '--model', spec, '--phases', 'dg:1', '--batch', '16', '--max-steps-per-epoch', '3', '--workers', '2', '--out', out, '--json'], { encoding: 'utf8' });
  t.is(tr.status, 0, tr.stderr);
  t.regex(tr.stderr, /left out 2 unreadable images: .*corrupt\.jpg/);
  const ev = spawnSync(process.execPath, [cli, 'eval', path.join(out, 'model.safetensors'), ...data, '--json'], { encoding: 'utf8' });
  t.is(ev.status, 0, ev.stderr);
  t.is(JSON.parse(ev.stdout).top1Error, JSON.parse(tr.stdout).history[0].test.top1Error);
});
