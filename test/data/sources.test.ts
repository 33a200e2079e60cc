// test/data/sources.test.ts — the sources behind `prepare` (CIFAR-10/100 batches, the ILSVRC-2012 layout,
// IDX files) on small synthetic copies, and bad input: empty class folders, non-images, mixed sizes,
// unreadable files, a truncated or foreign prepared store, each skipped with a count or refused with E_DATA.
import test from 'ava';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharpDefault from 'sharp';
import { openFeed } from '../../lib/data/loader';
import { prepare } from '../../lib/data/prepare';
import { openSource } from '../../lib/data/sources';
import { openStore } from '../../lib/data/store';
import { Rng } from '../../lib/rng';
import { train } from '../../lib/train/trainer';
import { drawImage, writeImageFolder } from '../helpers/images';

const sharp = ((sharpDefault as unknown as { default?: typeof sharpDefault }).default ?? sharpDefault) as typeof sharpDefault;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'gcn-sources-'));
const rng = new Rng(9);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rng.uniform() * 256));

/** Writes n CIFAR records (labelBytes label bytes, then 3072 pixel bytes); returns them. */
function cifarBatch(file: string, n: number, labelBytes: number, classes: number): { labels: number[]; pixels: Uint8Array } {
  const rec = labelBytes + 3072, buf = Buffer.alloc(n * rec), labels: number[] = [], pixels = bytes(n * 3072);
  for (let i = 0; i < n; i++) {
    labels.push(i % classes);
    buf[i * rec + labelBytes - 1] = i % classes;
    if (labelBytes === 2) buf[i * rec] = 7; // the coarse label, ignored
    buf.set(pixels.subarray(i * 3072, (i + 1) * 3072), i * rec + labelBytes);
  }
  writeFileSync(file, buf);
  return { labels, pixels };
}

async function readAll(dir: string, split: 'train' | 'test'): Promise<{ labels: number[]; pixels: Uint8Array }> {
  const s = openStore(dir)[split];
  const out = new Uint8Array(s.n * s.recordBytes);
  for (let i = 0; i < s.n; i++) s.read(i, out.subarray(i * s.recordBytes, (i + 1) * s.recordBytes));
  s.close();
  return { labels: Array.from(s.labels), pixels: out };
}

test('CIFAR-10 and CIFAR-100 batches are stored bit for bit with their labels and class names', async (t) => {
  const ten = tmp();
  const parts = [1, 2, 3, 4, 5].map((i) => cifarBatch(path.join(ten, `data_batch_${i}.bin`), 4, 1, 10));
  const testPart = cifarBatch(path.join(ten, 'test_batch.bin'), 6, 1, 10);
  writeFileSync(path.join(ten, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
  const out = path.join(tmp(), 'p');
  const { meta } = await prepare(ten, out);
  t.is(meta.source.kind, 'cifar10');
  t.is(meta.size, 32);
  t.is(meta.classes[9], 'truck');
  const tr = await readAll(out, 'train');
  t.deepEqual(tr.labels, parts.flatMap((p) => p.labels));
  t.deepEqual(tr.pixels, Uint8Array.from(parts.flatMap((p) => Array.from(p.pixels))));
  t.deepEqual((await readAll(out, 'test')).pixels, testPart.pixels);
  const hundred = tmp();
  const c100 = cifarBatch(path.join(hundred, 'train.bin'), 5, 2, 100);
  cifarBatch(path.join(hundred, 'test.bin'), 3, 2, 100);
  const out100 = path.join(tmp(), 'p');
  t.is((await prepare(hundred, out100)).meta.classes.length, 100);
  t.deepEqual((await readAll(out100, 'train')).labels, c100.labels, 'the fine label');
  writeFileSync(path.join(hundred, 'test.bin'), Buffer.alloc(3075 * 2 + 7));
  t.throws(() => openSource(hundred), { code: 'E_DATA', message: /test\.bin/ });
});

test('the ILSVRC-2012 layout: classes from the wnid list, val labels from the ground truth', async (t) => {
  const root = tmp();
  const wnids = ['n02000002', 'n01000001'];
  for (const [label, w] of wnids.entries()) {
    mkdirSync(path.join(root, 'train', w), { recursive: true });
    for (let i = 0; i < 3; i++) await sharp(Buffer.from(drawImage(label * 2, 40, 30, rng)), { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toFile(path.join(root, 'train', w, `${w}_${i}.JPEG`));
  }
  mkdirSync(path.join(root, 'val'));
  for (let i = 1; i <= 5; i++) await sharp(Buffer.from(drawImage(0, 30, 40, rng)), { raw: { width: 30, height: 40, channels: 3 } }).jpeg().toFile(path.join(root, 'val', `ILSVRC2012_val_${String(i).padStart(8, '0')}.JPEG`));
  writeFileSync(path.join(root, 'synsets.txt'), wnids.map((w) => `${w} some name, other name`).join('\n') + '\n');
  writeFileSync(path.join(root, 'ILSVRC2012_validation_ground_truth.txt'), '2\n1\n1\n2\n'); // image 5 has none
  const src = openSource(root);
  t.is(src.kind, 'ilsvrc');
  t.deepEqual(src.classes, wnids);
  t.deepEqual(Array.from(src.splits.train.labels), [0, 0, 0, 1, 1, 1]);
  t.deepEqual(Array.from(src.splits.test.labels), [1, 0, 0, 1]);
  t.is(src.ignored.unlabelled.length, 1);
  const { meta } = await prepare(root, path.join(tmp(), 'p'), { size: 24 });
  t.is(meta.splits.test.count, 4);
  t.is(meta.ignored.unlabelled, 1);
  writeFileSync(path.join(root, 'val.txt'), 'ILSVRC2012_val_00000001.JPEG 1\nILSVRC2012_val_00000002.JPEG 1\n'); // Caffe's list wins
  t.deepEqual(Array.from(openSource(root).splits.test.labels), [1, 1]);
});

test('IDX files are stored bit for bit as 1-channel images', async (t) => {
  const dir = tmp();
  const idx = (magic: number, dims: number[], data: Uint8Array) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, data]);
  };
  const px = bytes(12 * 784), labels = Uint8Array.from({ length: 12 }, (_, i) => i % 3);
  for (const [img, lab] of [['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'], ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']]) {
    writeFileSync(path.join(dir, img), idx(0x803, [12, 28, 28], px));
    writeFileSync(path.join(dir, lab), idx(0x801, [12], labels));
  }
  const out = path.join(tmp(), 'p');
  const { meta } = await prepare(dir, out);
  t.deepEqual([meta.source.kind, meta.size, meta.channels, meta.classes.length], ['idx', 28, 1, 3]);
  t.deepEqual((await readAll(out, 'test')).pixels, px);
});

test('bad folders: empty class folders, non-images, mixed sizes and unreadable files are counted or skipped', async (t) => {
  const root = tmp();
  await writeImageFolder(root, { perClass: 4, oddFiles: false });
  mkdirSync(path.join(root, 'empty'));
  writeFileSync(path.join(root, 'README.md'), 'not a class');
  await sharp({ create: { width: 300, height: 7, channels: 3, background: '#808080' } }).png().toFile(path.join(root, 'disc', 'wide.png'));
  await sharp({ create: { width: 1, height: 1, channels: 4, background: '#ff000080' } }).png().toFile(path.join(root, 'disc', 'dot.png'));
  symlinkSync(path.join(root, 'nowhere.jpg'), path.join(root, 'disc', 'dangling.jpg'));
  const { meta } = await prepare(root, path.join(tmp(), 'p'), { size: 16, holdout: 0 });
  t.deepEqual(meta.ignored.emptyClasses, ['empty']);
  t.is(meta.ignored.nonImages, 1);
  t.deepEqual(meta.splits.train.skipped.map((s) => s.name), ['disc/dangling.jpg']);
  t.is(meta.splits.train.count, 4 * 4 + 3);
  t.is(meta.splits.test.count, 0);
  await t.throwsAsync(prepare(tmp(), path.join(tmp(), 'p')), { code: 'E_DATA', message: /class folders/ });
  await t.throwsAsync(prepare(path.join(root, 'missing'), path.join(tmp(), 'p')), { code: 'E_DATA', message: /does not exist/ });
  const busy = tmp();
  writeFileSync(path.join(busy, 'x'), 'y');
  await t.throwsAsync(prepare(root, busy), { code: 'E_DATA', message: /holds other files/ });
});

test('a truncated or foreign prepared store is refused with E_DATA naming the file', async (t) => {
  const src = tmp();
  await writeImageFolder(src, { perClass: 6, oddFiles: false });
  const fresh = async () => {
    const out = path.join(tmp(), 'p');
    await prepare(src, out, { size: 20 });
    return out;
  };
  const a = await fresh();
  truncateSync(path.join(a, 'train-00000.bin'), 100);
  t.throws(() => openStore(a), { code: 'E_DATA', message: /train-00000\.bin.*truncated/ });
  await t.throwsAsync(train({ model: 'lenet', data: a }), { code: 'E_DATA', message: /train-00000\.bin/ });
  const b = await fresh();
  truncateSync(path.join(b, 'test-labels.i32'), 3);
  t.throws(() => openStore(b), { code: 'E_DATA', message: /test-labels\.i32/ });
  const c = await fresh();
  writeFileSync(path.join(c, 'meta.json'), JSON.stringify({ format: 'something-else' }));
  t.throws(() => openStore(c), { code: 'E_DATA', message: /meta\.json.*format/ });
  writeFileSync(path.join(c, 'meta.json'), '{ not json');
  t.throws(() => openStore(c), { code: 'E_DATA', message: /meta\.json.*not JSON/ });
  t.throws(() => openStore(tmp()), { code: 'E_DATA', message: /meta\.json.*does not exist/ });
  const d = await fresh();
  t.throws(() => openFeed(d, { crop: 21 }), { code: 'E_INVALID_ARGUMENT', message: /crop/ });
});
