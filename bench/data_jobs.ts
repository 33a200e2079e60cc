// bench/data_jobs.ts — the measured pieces of `npm run bench:data`: synthetic sources (JPEGs, raw
// CIFAR-style batches), the storage comparison (flat shards read by range vs LMDB), decode + augment
// on one core, and one training step fed from a prepared store vs from memory. Every function returns
// seconds per unit of work for one repetition; the runner interleaves and repeats them.
import { closeSync, mkdirSync, openSync, readSync, writeFileSync, writeSync, fsyncSync } from 'node:fs';
import * as path from 'node:path';
import { assembleImage, planCrops, preprocessLut } from '../lib/data/augment';
import { hwcToChw, loadSharp } from '../lib/data/decode';
import type { TrainFeed } from '../lib/data/feed';
import { Network } from '../lib/network';
import { Rng } from '../lib/rng';
import { planEpoch } from '../lib/train/batches';

/** Writes `n` 256x256 photo-like JPEGs (smooth gradients, shapes and noise) into dir/<class>/. */
export async function writeJpegs(dir: string, n: number, classes: number, side = 256): Promise<string[]> {
  const sharp = loadSharp(), rng = new Rng(1), files: string[] = [];
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(side * side * 3), k = i % classes, f = 3 + rng.uniform() * 20, phase = rng.uniform() * 6;
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) for (let c = 0; c < 3; c++)
      px[(y * side + x) * 3 + c] = Math.max(0, Math.min(255, 128 + 80 * Math.sin((x * (c + 1) + y * (k + 1)) / f + phase) + 30 * (rng.uniform() - 0.5)));
    const file = path.join(dir, `c${k}`, `${i}.jpg`);
    mkdirSync(path.dirname(file), { recursive: true });
    await sharp(px, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
    files.push(file);
  }
  return files;
}

/** CIFAR-10-style batches of random pixels: `n` images over 5 data_batch files and a small test_batch. */
export function writeCifarLike(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(2), per = Math.ceil(n / 5), rec = 3073;
  for (let b = 1; b <= 5; b++) {
    const m = Math.min(per, n - (b - 1) * per), buf = Buffer.alloc(m * rec);
    for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(rng.nextU32(), Math.min(i, buf.length - 4));
    for (let i = 0; i < m; i++) buf[i * rec] = i % 10;
    writeFileSync(path.join(dir, `data_batch_${b}.bin`), buf);
  }
  writeFileSync(path.join(dir, 'test_batch.bin'), Buffer.alloc(100 * rec));
}

/** Random records for the storage comparison. */
export function records(n: number, bytes: number): Uint8Array[] {
  const rng = new Rng(3);
  return Array.from({ length: n }, () => Uint8Array.from({ length: bytes }, () => rng.nextU32() & 255));
}

/** Seconds per record to write `recs` into one flat file and fsync it. */
export function flatWrite(file: string, recs: Uint8Array[]): number {
  const t0 = performance.now(), fd = openSync(file, 'w');
  recs.forEach((r, i) => writeSync(fd, r, 0, r.length, i * r.length));
  fsyncSync(fd);
  closeSync(fd);
  return (performance.now() - t0) / 1e3 / recs.length;
}

/** Seconds per record to read records in `order` from the flat file by range (pread). */
export function flatRead(file: string, bytes: number, order: Int32Array): number {
  const fd = openSync(file, 'r'), buf = new Uint8Array(bytes);
  const t0 = performance.now();
  let sum = 0;
  for (const i of order) (readSync(fd, buf, 0, bytes, i * bytes), (sum += buf[0]));
  closeSync(fd);
  return sum < 0 ? 0 : (performance.now() - t0) / 1e3 / order.length;
}

type Lmdb = typeof import('lmdb');
/** Seconds per record to write `recs` into a fresh LMDB (one transaction, synced) under `dir`. */
export async function lmdbWrite(lmdb: Lmdb, dir: string, recs: Uint8Array[]): Promise<number> {
  const t0 = performance.now();
  const db = lmdb.open({ path: dir, encoding: 'binary', compression: false });
  db.transactionSync(() => recs.forEach((r, i) => db.putSync(i, Buffer.from(r.buffer, r.byteOffset, r.length))));
  const s = (performance.now() - t0) / 1e3 / recs.length;
  await db.close();
  return s;
}

/** Seconds per record to read records in `order` from the LMDB, copied into a batch buffer as the loader does. */
export async function lmdbRead(lmdb: Lmdb, dir: string, bytes: number, order: Int32Array): Promise<number> {
  const db = lmdb.open({ path: dir, encoding: 'binary', compression: false, readOnly: true });
  const buf = new Uint8Array(bytes);
  const t0 = performance.now();
  for (const i of order) {
    const v = db.getBinary(i) as Buffer; // getBinaryFast gave views past their buffer here (lmdb 3.5, 196 KB values)
    if (v.length !== bytes) throw new Error(`lmdb returned ${v.length} bytes for key ${i}`);
    v.copy(buf);
  }
  const s = (performance.now() - t0) / 1e3 / order.length;
  await db.close();
  return s;
}

/** Seconds per image, on one thread, to decode a 256x256 JPEG and assemble its random 227 crop, mirrored and normalized. */
export async function decodeAugment(jpegs: Buffer[], step: number): Promise<number> {
  const sharp = loadSharp(), lut = preprocessLut([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]), out = new Float32Array(jpegs.length * 3 * 227 * 227);
  const plan = planCrops(1, 0, step, jpegs.length, 256, 227, { random: true, mirror: true });
  const t0 = performance.now();
  for (let b = 0; b < jpegs.length; b++) {
    const { data } = await sharp(jpegs[b]).raw().toBuffer({ resolveWithObject: true });
    assembleImage(hwcToChw(data, 3, 256, 256), 3, 256, 227, plan, b, lut, out);
  }
  return (performance.now() - t0) / 1e3 / jpegs.length;
}

/** Seconds per training step (forward, DG gradient, backward, SGD) over `steps` batches of a feed. */
export async function trainSteps(net: Network, feed: TrainFeed, batch: number, epoch: number, steps: number): Promise<number> {
  const plan = planEpoch(feed.trainLabels, batch, batch, 5, epoch, steps);
  const batches = feed.epoch(plan, 5, epoch, false);
  const t0 = performance.now();
  for (let s = 0; s < plan.steps; s++) {
    const { x, y } = await batches.next(s);
    await net.trainStep(x, y, { objective: { kind: 'dg' }, optimizer: { kind: 'sgd', lr: 1e-4, momentum: 0.9 } }); // as the trainer does
  }
  batches.close();
  return (performance.now() - t0) / 1e3 / plan.steps;
}
