// bench/data.ts — `npm run bench:data`: the data pipeline measured in one run, sides interleaved and
// repeated (median, min–max): storage (flat shards by range vs LMDB), decode + augment per core (JPEG
// 256 -> random 227 crop), LeNet- and AlexNet-size training steps (the trainer's fused trainStep) fed
// from a prepared store, and for AlexNet straight from the JPEG folder, vs from memory, and the peak
// RSS of a run streaming a 100,000-image store. Writes bench/data-results.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryFeed, type TrainFeed } from '../lib/data/feed';
import { openFeed } from '../lib/data/loader';
import { loadSharp } from '../lib/data/decode';
import { prepare } from '../lib/data/prepare';
import { openStore } from '../lib/data/store';
import { Network } from '../lib/network';
import { alexnet, lenet } from '../lib/presets';
import { Rng } from '../lib/rng';
import { decodeAugment, flatRead, flatWrite, lmdbRead, lmdbWrite, records, trainSteps, writeCifarLike, writeJpegs } from './data_jobs';
import { summarize } from './timing';

const quick = process.argv.includes('--quick');
const REPS = quick ? 2 : 5;
const onlyArg = process.argv.indexOf('--only');
/** `--only storage,decode,training,memory` runs those parts (and writes no results file). */
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : ['storage', 'decode', 'training', 'memory'];
const work = mkdtempSync(path.join(os.tmpdir(), 'gcn-bench-data-'));
const lines: string[] = [];
const fmt = (v: number, d = 1) => v.toFixed(d);
const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);

/** Runs a and b alternately (a b b a ...), REPS times each; returns their samples. */
async function interleave(a: (r: number) => Promise<number> | number, b: (r: number) => Promise<number> | number): Promise<[number[], number[]]> {
  const sa: number[] = [], sb: number[] = [];
  for (let r = 0; r < REPS; r++) {
    if (r % 2 === 0) sa.push(await a(r)), sb.push(await b(r));
    else sb.push(await b(r)), sa.push(await a(r));
  }
  return [sa, sb];
}

const spread = (v: number[], scale: number) => {
  const s = summarize(v.map((x) => scale / x));
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
};
const ratio = (num: number[], den: number[]) => summarize(num).median / summarize(den).median;

async function storage(): Promise<void> {
  const lmdb = await import('lmdb').catch(() => null);
  const bytes = 3 * 256 * 256, n = quick ? 100 : 400, recs = records(n, bytes), rng = new Rng(4);
  lines.push('', `### Storage: ${n} records of 256x256x3 uint8, random order, page cache warm`, '', '| | flat file, pread (records/s) | LMDB (records/s) | flat / LMDB |', '|---|---|---|---|');
  if (!lmdb) return void lines.push('| (lmdb not installed: `npm install --no-save lmdb`) | | | |');
  const [fw, lw] = await interleave((r) => flatWrite(path.join(work, `flat-${r}.bin`), recs), (r) => lmdbWrite(lmdb, path.join(work, `lmdb-${r}`), recs));
  row(['write + sync', spread(fw, 1), spread(lw, 1), fmt(ratio(lw, fw), 2)]);
  const [fr, lr] = await interleave((r) => flatRead(path.join(work, `flat-${r}.bin`), bytes, rng.permutation(n)), (r) => lmdbRead(lmdb, path.join(work, `lmdb-${r}`), bytes, rng.permutation(n)));
  row(['random read', spread(fr, 1), spread(lr, 1), fmt(ratio(lr, fr), 2)]);
  const size = (p: string) => statSync(p).isDirectory() ? statSync(path.join(p, 'data.mdb')).size : statSync(p).size;
  row(['bytes on disk per record', String(size(path.join(work, 'flat-0.bin')) / n), String(size(path.join(work, 'lmdb-0')) / n), '']);
}

async function decode(): Promise<void> {
  const dir = path.join(work, 'jpegs');
  const files = await writeJpegs(dir, quick ? 16 : 48, 4);
  const jpegs = files.map((f) => readFileSync(f));
  loadSharp().concurrency(1);
  const samples: number[] = [];
  for (let r = 0; r < REPS; r++) samples.push(await decodeAugment(jpegs, r));
  loadSharp().concurrency(0);
  lines.push('', '### Decode + augment on one core (sharp with 1 libvips thread)', '', '| work | images/s per core |', '|---|---|');
  row(['JPEG 256x256 q90 -> random 227 crop, mirror, mean/std -> float32', spread(samples, 1)]);
}

async function steps(name: string, net: Network, mem: TrainFeed, stream: TrainFeed, batch: number, n: number, folder?: TrainFeed): Promise<void> {
  for (const f of [mem, stream, ...(folder ? [folder] : [])]) f.begin({ mean: f.stats().mean, std: f.stats().std });
  await trainSteps(net, mem, batch, 99, 1); // warm-up
  await trainSteps(net, stream, batch, 99, 1);
  const [m, s] = await interleave((r) => trainSteps(net, mem, batch, r, n), (r) => trainSteps(net, stream, batch, r, n));
  const cells = [name, String(batch), spread(m, batch), spread(s, batch), fmt(ratio(s, m), 3)];
  if (folder) {
    // the folder side against memory again, interleaved the same way (decoding every image every epoch)
    await trainSteps(net, folder, batch, 99, 1);
    const [m2, d] = await interleave((r) => trainSteps(net, mem, batch, r, n), (r) => trainSteps(net, folder, batch, r, n));
    cells.push(spread(d, batch), fmt(ratio(d, m2), 3));
  } else cells.push('', '');
  row(cells);
}

async function training(): Promise<void> {
  lines.push('', `### Training step fed from a prepared store (worker threads) vs from memory (${net0()} backend)`, '',
    '| net | batch | from memory (images/s) | from prepared store (images/s) | prepared / memory step time | from the image folder, decoded on the fly (images/s) | folder / memory step time |', '|---|---|---|---|---|---|---|');
  // LeNet-size: 28x28x1, CIFAR-style raw batches of random pixels converted to grey by prepare
  const raw = path.join(work, 'raw');
  writeCifarLike(raw, quick ? 2000 : 6400);
  const small = path.join(work, 'small');
  await prepare(raw, small, { size: 28, channels: 1, chunk: 1024 });
  const lenetNet = Network.create(lenet(), { seed: 1 });
  await steps('LeNet', lenetNet, memoryFeedOf(small, 28), openFeed(small, { crop: 28 }), 64, quick ? 10 : 20);
  lenetNet.dispose();
  // AlexNet-size: 256x256 JPEGs prepared at 256, random 227 crops
  const big = path.join(work, 'big');
  await prepare(path.join(work, 'jpegs'), big, { size: 256, holdout: 0 });
  const alex = Network.create(alexnet({ classes: 4 }), { seed: 1 });
  const folder = openFeed(path.join(work, 'jpegs'), { crop: 227, size: 256 });
  await folder.ready();
  await steps('AlexNet', alex, memoryFeedOf(big, 227), openFeed(big, { crop: 227 }), 8, quick ? 1 : 2, folder);
  await folder.close();
  alex.dispose();
}

let backendName = '';
const net0 = () => backendName || (backendName = (() => { const n = Network.create(lenet()); const b = n.backend; n.dispose(); return b; })());

/** The store's training images centre-cropped to `crop`, as an in-memory split for memoryFeed. */
function memoryFeedOf(dir: string, crop: number): TrainFeed {
  const { meta, train } = openStore(dir);
  const C = meta.channels, S = meta.size, o = Math.floor((S - crop) / 2), per = C * crop * crop;
  const images = new Float32Array(train.n * per), rec = new Uint8Array(train.recordBytes);
  for (let i = 0; i < train.n; i++) {
    train.read(i, rec);
    for (let c = 0; c < C; c++) for (let y = 0; y < crop; y++) for (let x = 0; x < crop; x++)
      images[i * per + (c * crop + y) * crop + x] = rec[c * S * S + (o + y) * S + o + x] / 255;
  }
  train.close();
  const ds = { name: 'memory', images, labels: train.labels, n: train.n, shape: [C, crop, crop] as [number, number, number], classes: meta.classes };
  return memoryFeed({ train: ds, test: { ...ds, n: 0, images: new Float32Array(0), labels: new Int32Array(0) } });
}

async function memory(): Promise<void> {
  const n = quick ? 10000 : 100000;
  const raw = path.join(work, 'raw100k'), store = path.join(work, 'store100k');
  writeCifarLike(raw, n);
  await prepare(raw, store, { chunk: 4096 });
  rmSync(raw, { recursive: true });
  const out = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'data_memory.js'), store, quick ? '5' : '30'], { encoding: 'utf8' }));
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  lines.push('', `### Host memory streaming a ${n.toLocaleString('en')}-image prepared store (32x32x3, ${mb(n * 3072)} on disk, ${mb(n * 3072 * 4)} as float32)`, '',
    '| run | peak RSS |', '|---|---|');
  row([`one epoch through the loader (${out.images} images, batch 256, ${fmt(out.loaderSeconds)} s)`, mb(out.peakAfterLoaderBytes)]);
  row([`then training the cifar net from it (${out.trainSteps} steps of 256)`, mb(out.peakBytes)]);
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  lines.push(`## Data pipeline (${started}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}${quick ? ', --quick: not a measurement' : ''})`);
  if (only.includes('storage')) await storage();
  if (only.includes('decode') || only.includes('training')) await decode();
  if (only.includes('training')) await training();
  if (only.includes('memory')) await memory();
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  if (!quick && onlyArg < 0) writeFileSync(path.join(__dirname, '..', '..', 'bench', 'data-results.md'), text);
  rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  rmSync(work, { recursive: true, force: true });
  process.exitCode = 1;
});
