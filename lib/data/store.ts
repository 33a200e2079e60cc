// lib/data/store.ts — the prepared-data format and its reader. A directory holds meta.json, and per split
// (train, test) fixed-size uint8 records (C x S x S, CHW) in shards `<split>-NNNNN.bin` of `shardRecords`
// records, the label of every slot in `<split>-labels.i32` and the source names in `<split>-files.txt`.
// Record i lives at byte (i mod shardRecords) * recordBytes of shard floor(i / shardRecords): no index.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { GenConvNetError } from '../errors';

export const STORE_FORMAT = 'genconvnet-prepared';
export const STORE_VERSION = 1;
/** Target shard size: 1 GiB of records. */
export const SHARD_BYTES = 1 << 30;

export type SplitName = 'train' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'test'];

export interface Skipped {
  index: number;
  name: string;
  reason: string;
}

export interface SplitMeta {
  /** Slots (images listed by the source), skipped ones included. */
  count: number;
  /** Images that could not be decoded (their slots hold zeros and are never read). */
  skipped: Skipped[];
}

export interface StoreMeta {
  format: typeof STORE_FORMAT;
  version: number;
  source: { kind: string; root: string; listing: string };
  size: number;
  channels: 1 | 3;
  classes: string[];
  shardRecords: number;
  splits: Record<SplitName, SplitMeta>;
  ignored: { nonImages: number; emptyClasses: string[]; unlabelled: number };
  complete: boolean;
  /** Per-channel mean and std of the valid training images' pixels, scaled to [0, 1] (set when complete). */
  mean?: number[];
  std?: number[];
}

export const shardPath = (dir: string, split: SplitName, shard: number) => join(dir, `${split}-${String(shard).padStart(5, '0')}.bin`);
export const labelsPath = (dir: string, split: SplitName) => join(dir, `${split}-labels.i32`);
export const filesPath = (dir: string, split: SplitName) => join(dir, `${split}-files.txt`);
export const metaPath = (dir: string) => join(dir, 'meta.json');
export const recordBytes = (m: Pick<StoreMeta, 'size' | 'channels'>) => m.channels * m.size * m.size;

const storeError = (file: string, why: string) => new GenConvNetError('E_DATA', `Expected a prepared dataset (written by \`genconvnet prepare\`) in ${file} but ${why}`);

/**
 * Reads and checks meta.json of a prepared directory.
 * @throws GenConvNetError E_DATA naming the file when it is missing, not JSON, foreign, of another version or incomplete
 */
export function readMeta(dir: string, options: { allowIncomplete?: boolean } = {}): StoreMeta {
  const file = metaPath(dir);
  if (!existsSync(file)) throw storeError(file, 'it does not exist');
  let meta: StoreMeta;
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as StoreMeta;
  } catch (err) {
    throw storeError(file, `it is not JSON (${(err as Error).message})`);
  }
  if (meta?.format !== STORE_FORMAT) throw storeError(file, `its format is ${JSON.stringify(meta?.format)}`);
  if (meta.version !== STORE_VERSION) throw storeError(file, `it is version ${meta.version}, this library reads ${STORE_VERSION}`);
  const ok = Number.isInteger(meta.size) && meta.size > 0 && (meta.channels === 1 || meta.channels === 3) && Array.isArray(meta.classes) &&
    Number.isInteger(meta.shardRecords) && meta.shardRecords > 0 && SPLITS.every((s) => Number.isInteger(meta.splits?.[s]?.count) && Array.isArray(meta.splits[s].skipped));
  if (!ok) throw storeError(file, 'its fields are malformed');
  if (!meta.complete && !options.allowIncomplete) throw storeError(dir, 'its preparation did not finish; rerun `genconvnet prepare` with the same SRC and --out to resume it');
  return meta;
}

/** One split of a prepared store, read by range (pread) from its shards; thread-safe to reopen in workers. */
export class StoreSplit {
  /** Slots of the images that were decoded (skipped ones removed), in storage order. */
  readonly slots: Int32Array;
  /** Label of each valid image (indexed like `slots`). */
  readonly labels: Int32Array;
  readonly recordBytes: number;
  private fds = new Map<number, number>();

  constructor(readonly dir: string, readonly meta: StoreMeta, readonly split: SplitName) {
    const sm = meta.splits[split];
    this.recordBytes = recordBytes(meta);
    const lp = labelsPath(dir, split);
    if (!existsSync(lp)) throw storeError(lp, 'it does not exist');
    const raw = readFileSync(lp);
    if (raw.length !== sm.count * 4) throw storeError(lp, `it holds ${raw.length} bytes for ${sm.count} labels (truncated or foreign)`);
    const all = new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const skipped = new Set(sm.skipped.map((s) => s.index));
    const slots: number[] = [];
    for (let i = 0; i < sm.count; i++) {
      if (skipped.has(i)) continue;
      if (!(all[i] >= 0 && all[i] < meta.classes.length)) throw storeError(lp, `label ${all[i]} of slot ${i} is outside [0, ${meta.classes.length})`);
      slots.push(i);
    }
    this.slots = Int32Array.from(slots);
    this.labels = Int32Array.from(slots, (s) => all[s]);
    this.checkShards();
  }

  get n(): number {
    return this.slots.length;
  }

  private checkShards(): void {
    const count = this.meta.splits[this.split].count, per = this.meta.shardRecords;
    for (let s = 0; s * per < count; s++) {
      const want = Math.min(per, count - s * per) * this.recordBytes;
      const fd = this.fd(s);
      const have = fstatSync(fd).size;
      if (have < want) throw storeError(shardPath(this.dir, this.split, s), `it holds ${have} bytes, expected ${want} (truncated)`);
    }
  }

  private fd(shard: number): number {
    let fd = this.fds.get(shard);
    if (fd === undefined) {
      const p = shardPath(this.dir, this.split, shard);
      try {
        fd = openSync(p, 'r');
      } catch (err) {
        throw storeError(p, `it cannot be opened (${(err as Error).message})`);
      }
      this.fds.set(shard, fd);
    }
    return fd;
  }

  /**
   * Reads valid image i (0 <= i < n) into `out` (recordBytes long).
   * @throws GenConvNetError E_DATA naming the shard when the read comes back short
   */
  read(i: number, out: Uint8Array): Uint8Array {
    const slot = this.slots[i], per = this.meta.shardRecords;
    const shard = Math.floor(slot / per);
    const got = readSync(this.fd(shard), out, 0, this.recordBytes, (slot % per) * this.recordBytes);
    if (got !== this.recordBytes) throw storeError(shardPath(this.dir, this.split, shard), `record ${slot} came back short (${got} bytes)`);
    return out;
  }

  /** Closes the shard files; idempotent. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/**
 * Opens a complete prepared directory.
 * @throws GenConvNetError E_DATA (naming the file) for a missing, foreign, incomplete or truncated store
 */
export function openStore(dir: string): { meta: StoreMeta; train: StoreSplit; test: StoreSplit } {
  const meta = readMeta(dir);
  const train = new StoreSplit(dir, meta, 'train');
  try {
    return { meta, train, test: new StoreSplit(dir, meta, 'test') };
  } catch (err) {
    train.close();
    throw err;
  }
}
