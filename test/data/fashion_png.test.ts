// test/data/fashion_png.test.ts — Fashion-MNIST (Debian's IDX files) exported as a PNG class-folder tree,
// prepared and streamed, trains LeNet (same schedule, seed and image order) to the same test error as
// the IDX path in memory, within 0.3 points. A fixed subset (2,000 train / 1,000 test) keeps it short.
import test from 'ava';
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharpDefault from 'sharp';
import { subset, type Dataset } from '../../lib/data/dataset';
import { loadFashionMnist } from '../../lib/data/mnist';
import { prepare } from '../../lib/data/prepare';
import { train, type TrainOptions } from '../../lib/train/trainer';

const sharp = ((sharpDefault as unknown as { default?: typeof sharpDefault }).default ?? sharpDefault) as typeof sharpDefault;
const NTRAIN = 2000, NTEST = 1000;

/** Writes `dir/<label>-<name>/<index>.png` for the first n images; returns the indices in folder order. */
async function exportPng(ds: Dataset, n: number, dir: string): Promise<number[]> {
  const folder = (c: number) => `${c}-${ds.classes[c].replace(/[^A-Za-z]+/g, '_')}`;
  ds.classes.forEach((_, c) => mkdirSync(path.join(dir, folder(c)), { recursive: true }));
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.from(Array.from(ds.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
    jobs.push(sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(dir, folder(ds.labels[i]), `${String(i).padStart(5, '0')}.png`)));
    if (jobs.length >= 64) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  // class folders in label order, files by index: the order prepare stores them in
  return ds.classes.flatMap((_, c) => Array.from({ length: n }, (__, i) => i).filter((i) => ds.labels[i] === c));
}

test('Fashion-MNIST through a PNG tree trains LeNet to the IDX path\'s test error within 0.3 points', async (t) => {
  const fm = loadFashionMnist();
  const root = mkdtempSync(path.join(os.tmpdir(), 'gcn-fashion-'));
  const trainOrder = await exportPng(fm.train, NTRAIN, path.join(root, 'png', 'train'));
  const testOrder = await exportPng(fm.test, NTEST, path.join(root, 'png', 'test'));
  const { meta } = await prepare(path.join(root, 'png'), path.join(root, 'prepared'), { size: 28, channels: 1 });
  t.is(meta.splits.train.count, NTRAIN);
  t.is(meta.splits.train.skipped.length + meta.splits.test.skipped.length, 0);
  const opts: TrainOptions = { model: 'lenet', phases: 'gg:1,dg:3', batch: 64, lr: 0.01, seed: 11 };
  const idx = await train({ ...opts, dataset: { train: subset(fm.train, trainOrder), test: subset(fm.test, testOrder) } });
  const png = await train({ ...opts, data: path.join(root, 'prepared') });
  const e1 = idx.history[3].test.top1Error, e2 = png.history[3].test.top1Error;
  t.is(png.history[3].test.n, NTEST);
  t.true(e1 < 0.3, `LeNet learned Fashion-MNIST (test error ${e1})`);
  t.true(Math.abs(e1 - e2) <= 0.003, `IDX ${(100 * e1).toFixed(2)}% vs PNG tree ${(100 * e2).toFixed(2)}%`);
  t.log(`test error: IDX ${(100 * e1).toFixed(2)}%, PNG tree ${(100 * e2).toFixed(2)}%`);
  idx.net.dispose();
  png.net.dispose();
});
