// lib/data/prepare.ts — decode a source once into a prepared store (lib/data/store.ts). Work goes in
// chunks of slots; after each chunk the shard is fsynced and progress.json replaced atomically, so a
// run killed at any point resumes at the last finished chunk and the result is byte-identical to an
// uninterrupted run. Undecodable images are skipped (zero record, listed); pixel sums are exact (BigInt).
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { GenConvNetError, expected } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { accumulate, finalStats, type PixelSums } from './pixelstats';
import { openSource, type ImageSource, type SourceOptions, type SourceSplit } from './sources';
import { filesPath, labelsPath, metaPath, readMeta, recordBytes, SHARD_BYTES, shardPath, SPLITS, STORE_FORMAT, STORE_VERSION, type Skipped, type SplitName, type StoreMeta } from './store';

export interface PrepareOptions extends SourceOptions {
  /** Side of the stored square images (default: the source's own size for CIFAR/IDX, else 256). */
  size?: number;
  /** 1 (grey) or 3 (RGB); default the source's own for CIFAR/IDX, else 3. */
  channels?: 1 | 3;
  /** Images per chunk (the unit of resumption); default 64. */
  chunk?: number;
  /** Replace a directory holding another preparation or other files. */
  force?: boolean;
  /** Called after each chunk with images done and total, over both splits. */
  onProgress?: (done: number, total: number, split: SplitName) => void;
}

interface Progress {
  splits: Record<SplitName, { done: number; skipped: Skipped[] }>;
  /** Per-channel sums of train pixels and of their squares, as decimal BigInt strings. */
  sum: string[];
  sumSq: string[];
}

export interface PrepareResult {
  meta: StoreMeta;
  /** Images decoded by this call (0 when the store was already complete). */
  decoded: number;
  resumedFrom: number;
}

const progressPath = (dir: string) => `${dir}/progress.json`;

/**
 * SHA-256 (hex) of a listing: per split its count, then each image's path relative to `root` and its label.
 * @throws never
 */
export function listingHash(source: Pick<ImageSource, 'root'> & { splits: Record<SplitName, Pick<SourceSplit, 'names' | 'labels'>> }): string {
  const h = createHash('sha256');
  for (const s of SPLITS) {
    const sp = source.splits[s];
    h.update(`${s}:${sp.names.length}\n`);
    sp.names.forEach((n, i) => h.update(`${relative(source.root, n)}\t${sp.labels[i]}\n`));
  }
  return h.digest('hex');
}

function initialMeta(source: ImageSource, size: number, channels: 1 | 3): StoreMeta {
  const rec = channels * size * size;
  return {
    format: STORE_FORMAT, version: STORE_VERSION,
    source: { kind: source.kind, root: source.root, listing: listingHash(source) },
    size, channels, classes: source.classes, shardRecords: Math.max(1, Math.floor(SHARD_BYTES / rec)),
    splits: { train: { count: source.splits.train.names.length, skipped: [] }, test: { count: source.splits.test.names.length, skipped: [] } },
    ignored: { nonImages: source.ignored.nonImages.length, emptyClasses: source.ignored.emptyClasses.map((p) => relative(source.root, p)), unlabelled: source.ignored.unlabelled.length },
    complete: false,
  };
}

/** Starts a fresh store, or returns the progress of the compatible one already in `out`. */
async function startOrResume(out: string, meta: StoreMeta, source: ImageSource, force: boolean): Promise<Progress | 'complete'> {
  if (existsSync(metaPath(out)) && !force) {
    const old = readMeta(out, { allowIncomplete: true });
    const same = old.source.listing === meta.source.listing && old.size === meta.size && old.channels === meta.channels && old.shardRecords === meta.shardRecords;
    if (!same) throw new GenConvNetError('E_DATA', `Expected ${out} to hold a preparation of the same source, size and channels to resume but it holds ${old.source.root} (${old.source.kind}) at ${old.size}x${old.size}x${old.channels}; pass --force to replace it or choose another --out`);
    if (old.complete) return 'complete';
    if (existsSync(progressPath(out))) return JSON.parse(readFileSync(progressPath(out), 'utf8')) as Progress;
  } else if (existsSync(out) && readdirSync(out).length > 0 && !force) {
    throw new GenConvNetError('E_DATA', `Expected a new or empty directory for --out but ${out} holds other files; pass --force to replace them`);
  }
  if (force) await fsp.rm(out, { recursive: true, force: true });
  await fsp.mkdir(out, { recursive: true });
  for (const s of SPLITS) {
    const sp = source.splits[s];
    await writeFileAtomic(labelsPath(out, s), new Uint8Array(Int32Array.from(sp.labels).buffer));
    await writeFileAtomic(filesPath(out, s), sp.names.map((n) => relative(source.root, n) + '\n').join(''));
  }
  await writeFileAtomic(metaPath(out), JSON.stringify(meta, null, 1) + '\n');
  const zeros = Array.from({ length: meta.channels }, () => '0');
  return { splits: { train: { done: 0, skipped: [] }, test: { done: 0, skipped: [] } }, sum: zeros, sumSq: zeros.slice() };
}

/** Decodes slots [from, to) of a split and writes them into their shard(s); returns the skipped ones. */
async function writeChunk(out: string, meta: StoreMeta, split: SplitName, sp: SourceSplit, root: string, from: number, to: number, stats: PixelSums | null): Promise<Skipped[]> {
  const rec = recordBytes(meta), per = meta.shardRecords;
  const attempt = (k: number) => sp.decode(from + k, meta.size, meta.channels).then(
    (img) => ({ img, reason: '' }),
    (err: Error) => ({ img: new Uint8Array(rec), reason: String(err?.message ?? err).split('\n')[0] }),
  );
  const results = await Promise.all(Array.from({ length: to - from }, (_, k) => attempt(k)));
  // a failure is retried alone: libvips' error text is only reliable without concurrent decodes
  for (let k = 0; k < results.length; k++) if (results[k].reason) results[k] = await attempt(k);
  const skipped: Skipped[] = [];
  const handles = new Map<number, fsp.FileHandle>();
  try {
    for (let k = 0; k < results.length; k++) {
      const slot = from + k, shard = Math.floor(slot / per);
      if (results[k].reason) skipped.push({ index: slot, name: relative(root, sp.names[slot]), reason: results[k].reason });
      else if (stats) accumulate(results[k].img, meta.channels, stats);
      if (!handles.has(shard)) handles.set(shard, await fsp.open(shardPath(out, split, shard), existsSync(shardPath(out, split, shard)) ? 'r+' : 'w+'));
      await (handles.get(shard) as fsp.FileHandle).write(results[k].img, 0, rec, (slot % per) * rec);
    }
    for (const h of handles.values()) await h.sync();
  } finally {
    for (const h of handles.values()) await h.close();
  }
  return skipped;
}

/**
 * Prepares `src` (see {@link openSource}) into `out`, resuming an interrupted preparation of the same
 * source; a complete one is left as it is.
 * @throws GenConvNetError E_INVALID_ARGUMENT for bad options; E_DATA for an unreadable source or an `out`
 * that holds something else (without force); E_IO when writing fails
 */
export async function prepare(src: string, out: string, options: PrepareOptions = {}): Promise<PrepareResult> {
  const source = openSource(src, options);
  const size = options.size ?? source.native?.size ?? 256, channels = options.channels ?? source.native?.channels ?? 3, chunk = options.chunk ?? 64;
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw expected('an integer in [1, 4096]', 'size', size);
  if (channels !== 1 && channels !== 3) throw expected('1 or 3', 'channels', channels);
  if (!Number.isInteger(chunk) || chunk < 1) throw expected('an integer >= 1', 'chunk', chunk);
  const meta = initialMeta(source, size, channels);
  const state = await startOrResume(out, meta, source, Boolean(options.force));
  if (state === 'complete') return { meta: readMeta(out), decoded: 0, resumedFrom: meta.splits.train.count + meta.splits.test.count };
  const stats = { sum: state.sum.map(BigInt), sumSq: state.sumSq.map(BigInt) };
  const total = meta.splits.train.count + meta.splits.test.count;
  const resumedFrom = state.splits.train.done + state.splits.test.done;
  let decoded = 0;
  for (const split of SPLITS) {
    const sp = source.splits[split], st = state.splits[split], offset = split === 'train' ? 0 : meta.splits.train.count;
    while (st.done < sp.names.length) {
      const to = Math.min(sp.names.length, st.done + chunk);
      st.skipped.push(...(await writeChunk(out, meta, split, sp, source.root, st.done, to, split === 'train' ? stats : null)));
      decoded += to - st.done;
      st.done = to;
      const progress: Progress = { splits: state.splits, sum: stats.sum.map(String), sumSq: stats.sumSq.map(String) };
      await writeFileAtomic(progressPath(out), JSON.stringify(progress));
      options.onProgress?.(offset + st.done, total, split);
    }
    meta.splits[split].skipped = st.skipped;
  }
  const valid = BigInt(meta.splits.train.count - meta.splits.train.skipped.length) * BigInt(size * size);
  Object.assign(meta, finalStats(stats, valid), { complete: true });
  await writeFileAtomic(metaPath(out), JSON.stringify(meta, null, 1) + '\n');
  await fsp.rm(progressPath(out), { force: true });
  return { meta, decoded, resumedFrom };
}
