// lib/data/folder.ts — what an image folder streamed without preparation serves. When opened, the workers
// read every listed file's header (sharp metadata) and the unreadable ones are left out; then a seeded
// sample of at most `statsImages` training images is decoded for the per-channel mean and std, and a sampled
// file that fails to decode is left out too. The result depends only on the files, never on timing.
import { relative } from 'node:path';
import type { FeedContents } from './loader';
import type { Failure, StatsResult } from './loader_worker';
import { finalStats, zeroSums } from './pixelstats';
import type { Pool } from './pool';
import { listingHash } from './prepare';
import type { ImageSource } from './sources';
import type { Skipped, SplitName } from './store';
import { Rng } from '../rng';

/** An image left out of a folder feed: its split, its index in the source's listing, its name and why. */
export interface Excluded extends Skipped {
  split: SplitName;
}

export interface FolderOptions {
  size: number;
  channels: 1 | 3;
  splits: SplitName[];
  statsImages: number;
}

/** Seed of the statistics sample: fixed, so a folder always gives the same statistics. */
export const STATS_SEED = 0x5eed5;
const SCAN_CHUNK = 256, STATS_CHUNK = 16;

const chunks = (n: number, size: number) => Array.from({ length: Math.ceil(n / size) }, (_, c) => c * size);

/**
 * Runs `op` over `files` in chunks on every worker, then once more on one worker, alone, over the files
 * that failed: libvips' error text is only reliable without concurrent calls (prepare retries likewise),
 * and a file that reads the second time is kept. Returns every part's result and the failures (position in `files`).
 */
async function inWorkers<R extends { failed: Failure[] }>(pool: Pool, op: 'scan' | 'stats', files: string[], chunk: number): Promise<{ parts: R[]; failed: Map<number, string> }> {
  const starts = chunks(files.length, chunk);
  const parts = await pool.map<number, R>(starts, (s) => ({ op, files: files.slice(s, s + chunk) }));
  const first = parts.flatMap((p, c) => p.failed.map((f) => starts[c] + f.k));
  if (first.length === 0) return { parts, failed: new Map() };
  const again = await pool.run<R>({ op, files: first.map((k) => files[k]) });
  return { parts: [...parts, again], failed: new Map(again.failed.map((f) => [first[f.k], f.reason])) };
}

/** The sample of k of n positions, in increasing order (all n when k >= n). */
function sample(n: number, k: number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return new Rng(STATS_SEED).permutation(n).slice(0, k).sort();
}

/** Decodes the sampled files; returns their pixel sums and the listing indices that failed. */
async function sampleStats(pool: Pool, names: string[], kept: number[], o: FolderOptions): Promise<{ stats: FeedContents['stats']; failed: Map<number, string> }> {
  const picked = Array.from(sample(kept.length, o.statsImages), (j) => kept[j]);
  const { parts, failed } = await inWorkers<StatsResult>(pool, 'stats', picked.map((i) => names[i]), STATS_CHUNK);
  const sums = zeroSums(o.channels);
  let decoded = 0;
  for (const p of parts) {
    p.sum.forEach((v, ch) => ((sums.sum[ch] += v), (sums.sumSq[ch] += p.sumSq[ch])));
    decoded += p.decoded;
  }
  return { stats: finalStats(sums, BigInt(decoded) * BigInt(o.size * o.size)), failed: new Map([...failed].map(([k, reason]) => [picked[k], reason])) };
}

/**
 * Reads the headers of the listed images of `o.splits` and samples the training statistics, in the workers of `pool`.
 * @throws (rejects) GenConvNetError E_DATA when a worker fails
 */
export async function openFolder(source: ImageSource, pool: Pool, o: FolderOptions): Promise<FeedContents> {
  const excluded: Excluded[] = [];
  const kept = { train: [] as number[], test: [] as number[] };
  let stats: FeedContents['stats'];
  for (const split of o.splits) {
    const names = source.splits[split].names;
    const drop = (await inWorkers<{ failed: Failure[] }>(pool, 'scan', names, SCAN_CHUNK)).failed;
    kept[split] = names.map((_, i) => i).filter((i) => !drop.has(i));
    if (split === 'train') {
      const s = await sampleStats(pool, names, kept.train, o);
      for (const [i, reason] of s.failed) drop.set(i, reason);
      kept.train = kept.train.filter((i) => !s.failed.has(i));
      stats = s.stats;
    }
    for (const [index, reason] of [...drop].sort((a, b) => a[0] - b[0])) excluded.push({ split, index, name: relative(source.root, names[index]), reason });
  }
  const files = { train: kept.train.map((i) => source.splits.train.names[i]), test: kept.test.map((i) => source.splits.test.names[i]) };
  const labels = { train: Int32Array.from(kept.train, (i) => source.splits.train.labels[i]), test: Int32Array.from(kept.test, (i) => source.splits.test.labels[i]) };
  const listing = listingHash({ root: source.root, splits: { train: { names: files.train, labels: labels.train }, test: { names: files.test, labels: labels.test } } });
  return { name: `folder:${source.kind}:${o.size}x${o.channels}:${listing.slice(0, 12)}`, classes: source.classes, labels, files, stats, excluded };
}
