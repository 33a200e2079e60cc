// test/data/prepare.test.ts — preparation of a class-folder tree written with sharp (JPEG and PNG, a
// corrupt and a truncated file, grayscale, CMYK, 16-bit, a text file): odd formats decoded to RGB,
// undecodable files skipped and reported, bit-exact on rerun, and resumed after `kill -9` to the same bytes.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepare } from '../../lib/data/prepare';
import { openStore, readMeta } from '../../lib/data/store';
import { ODD, writeImageFolder } from '../helpers/images';

const root = mkdtempSync(path.join(os.tmpdir(), 'gcn-prepare-'));
const src = path.join(root, 'src');
const cli = path.join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
const ready = writeImageFolder(src, { perClass: 30 });

/** Every file of two prepared directories, byte for byte. */
function sameFiles(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void; true: (v: boolean, m?: string) => void }, a: string, b: string): void {
  t.deepEqual(readdirSync(a).sort(), readdirSync(b).sort(), 'the same files');
  for (const f of readdirSync(a)) t.true(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), `${f} is bit-identical`);
}

test.serial('odd formats are decoded, corrupt and truncated files skipped and listed, non-images counted', async (t) => {
  await ready;
  const out = path.join(root, 'a');
  const { meta, decoded } = await prepare(src, out, { size: 40 });
  t.is(decoded, meta.splits.train.count + meta.splits.test.count);
  const skipped = [...meta.splits.train.skipped, ...meta.splits.test.skipped].map((s) => s.name).sort();
  t.deepEqual(skipped, [ODD.truncated, ODD.corrupt].sort());
  t.is(meta.ignored.nonImages, 1);
  t.deepEqual(meta.classes, ['checker', 'disc', 'hstripes', 'vstripes']);
  t.is(meta.channels, 3);
  const { train, test: testSplit } = openStore(out);
  t.is(train.n + testSplit.n, 4 * 30 + 3);
  const files = readFileSync(path.join(out, 'train-files.txt'), 'utf8').trim().split('\n');
  const rec = new Uint8Array(3 * 40 * 40), plane = 40 * 40;
  const slotOf = (name: string) => Array.from(train.slots).findIndex((s) => files[s] === name);
  const grey = train.read(slotOf(ODD.grey), rec);
  t.deepEqual(grey.subarray(0, plane), grey.subarray(plane, 2 * plane), 'a grey PNG becomes R = G = B');
  for (const odd of [ODD.cmyk, ODD.deep]) {
    const img = train.read(slotOf(odd), rec);
    t.true(img.some((v) => v > 100) && img.some((v) => v < 100), `${odd} decodes to an image with contrast`);
  }
  // the mean is over the valid training images: recompute it from the records
  let sum = 0;
  for (let i = 0; i < train.n; i++) for (const v of train.read(i, rec).subarray(0, plane)) sum += v;
  t.true(Math.abs(sum / (train.n * plane) / 255 - (meta.mean as number[])[0]) < 1e-9);
  train.close(), testSplit.close();
});

test.serial('a rerun is bit-exact, and a completed preparation is left alone', async (t) => {
  await ready;
  const a = path.join(root, 'r1'), b = path.join(root, 'r2');
  await prepare(src, a, { size: 40, chunk: 7 });
  await prepare(src, b, { size: 40, chunk: 64 });
  sameFiles(t, a, b);
  const again = await prepare(src, a, { size: 40 });
  t.is(again.decoded, 0);
  await t.throwsAsync(prepare(src, a, { size: 32 }), { code: 'E_DATA', message: /same source, size and channels/ });
});

test.serial('a preparation killed with SIGKILL resumes where it stopped and ends bit-exact', async (t) => {
  await ready;
  const clean = path.join(root, 'clean'), killed = path.join(root, 'killed');
  await prepare(src, clean, { size: 48, chunk: 2 });
  const child = spawn(process.execPath, [cli, 'prepare', src, '--out', killed, '--size', '48', '--chunk', '2'], { stdio: 'ignore' });
  const progress = path.join(killed, 'progress.json');
  let done = 0;
  for (let i = 0; i < 2000 && done < 10; i++) {
    await new Promise((r) => setTimeout(r, 5));
    if (existsSync(progress)) done = JSON.parse(readFileSync(progress, 'utf8')).splits.train.done;
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const meta = readMeta(killed, { allowIncomplete: true });
  t.false(meta.complete, `killed part-way (after ${done} training images)`);
  t.throws(() => openStore(killed), { code: 'E_DATA', message: /did not finish/ });
  const resumed = await prepare(src, killed, { size: 48, chunk: 2 });
  t.true(resumed.resumedFrom >= done && resumed.resumedFrom > 0, `resumed from ${resumed.resumedFrom}`);
  t.true(resumed.decoded < meta.splits.train.count + meta.splits.test.count, 'did not start over');
  sameFiles(t, clean, killed);
});

test.serial('the CLI prints what it skipped', async (t) => {
  await ready;
  const out = path.join(root, 'cli');
  const child = spawn(process.execPath, [cli, 'prepare', src, '--out', out, '--size', '32']);
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  const code = await new Promise((r) => child.once('exit', r));
  t.is(code, 0);
  t.regex(text, /2 skipped/);
  t.regex(text, /skipped disc\/corrupt\.jpg: /);
  t.regex(text, /1 non-image files/);
});
