// lib/data/loader_worker.ts — a worker thread of the streaming loader. Records come from one reader: the
// prepared store (read by range into one buffer) or the image decoder (sharp, one libvips thread: shorter
// side to `size`, centre crop, exactly as prepare), and are cropped / mirrored / normalized into a fresh
// Float32Array that is transferred back. Tasks run one at a time in arrival order; errors go back as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { assembleImage, type CropPlan } from './augment';
import { decodeImage, loadSharp, probeImage } from './decode';
import { GenConvNetError } from '../errors';
import { accumulate, zeroSums, type PixelSums } from './pixelstats';
import { readMeta, recordBytes, StoreSplit, type SplitName } from './store';

/** Where a worker's records come from. */
export type WorkerSource = { kind: 'store'; dir: string } | { kind: 'folder'; size: number; channels: 1 | 3 };

/** Images [from, from + plan length) of a batch: store indices (valid-image indices of the split) or files. */
export interface BatchTask {
  op: 'batch';
  split: SplitName;
  indices: Int32Array;
  /** A folder feed: the image files, one per index. */
  files?: string[];
  /** The crops and mirrors of these images only. */
  plan: CropPlan;
  crop: number;
  lut: Float32Array;
}

/** Header check of files (folder feeds): which cannot be opened (`{ failed }`). */
export interface ScanTask {
  op: 'scan';
  files: string[];
}

/** Decodes files and sums their pixels per channel (folder feeds' normalization statistics). */
export interface StatsTask {
  op: 'stats';
  files: string[];
}

export type WorkerTask = BatchTask | ScanTask | StatsTask;

/** A file of a scan or stats task that could not be read: its position in the task's list and why. */
export interface Failure {
  k: number;
  reason: string;
}

export interface StatsResult extends PixelSums {
  decoded: number;
  failed: Failure[];
}

interface RecordReader {
  size: number;
  channels: 1 | 3;
  /** Record b of a batch task: C x size x size uint8 (valid until the next call). */
  read(t: BatchTask, b: number): Uint8Array | Promise<Uint8Array>;
  close(): void;
}

function storeReader(dir: string): RecordReader {
  const meta = readMeta(dir);
  const splits: Partial<Record<SplitName, StoreSplit>> = {};
  const record = new Uint8Array(recordBytes(meta));
  return {
    size: meta.size,
    channels: meta.channels,
    read: (t, b) => (splits[t.split] ??= new StoreSplit(dir, meta, t.split)).read(t.indices[b], record),
    close: () => Object.values(splits).forEach((s) => s?.close()),
  };
}

const reasonOf = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

function folderReader(size: number, channels: 1 | 3): RecordReader {
  loadSharp().concurrency(1); // one libvips thread per image: the workers are the parallelism
  return {
    size,
    channels,
    read: (t, b) => {
      const file = (t.files as string[])[b];
      return decodeImage(file, size, channels).catch((err: unknown) => {
        throw new GenConvNetError('E_DATA', `Cannot decode ${file} (${reasonOf(err)}): its header was readable when the folder was opened, so it is in the batch; ` +
          'remove or replace it, or prepare the folder once with `genconvnet prepare`, which skips undecodable images');
      });
    },
    close: () => undefined,
  };
}

const source = workerData as WorkerSource;
const reader = source.kind === 'store' ? storeReader(source.dir) : folderReader(source.size, source.channels);

async function batch(t: BatchTask): Promise<Float32Array> {
  const n = t.plan.y.length, C = reader.channels;
  const out = new Float32Array(n * C * t.crop * t.crop);
  for (let b = 0; b < n; b++) assembleImage(await reader.read(t, b), C, reader.size, t.crop, t.plan, b, t.lut, out);
  return out;
}

async function scan(files: string[]): Promise<{ failed: Failure[] }> {
  const failed: Failure[] = [];
  for (let k = 0; k < files.length; k++) await probeImage(files[k]).catch((err: unknown) => failed.push({ k, reason: reasonOf(err) }));
  return { failed };
}

async function stats(files: string[]): Promise<StatsResult> {
  const out: StatsResult = { ...zeroSums(reader.channels), decoded: 0, failed: [] };
  for (let k = 0; k < files.length; k++) {
    const img = await decodeImage(files[k], reader.size, reader.channels).catch((err: unknown) => void out.failed.push({ k, reason: reasonOf(err) }));
    if (img) accumulate(img, reader.channels, out), out.decoded++;
  }
  return out;
}

let queue = Promise.resolve();
let closing = false;

async function handle(t: WorkerTask & { id: number }): Promise<void> {
  if (closing) return; // the pool rejected it when it closed
  try {
    const result = t.op === 'batch' ? await batch(t) : t.op === 'scan' ? await scan(t.files) : await stats(t.files);
    parentPort?.postMessage({ id: t.id, result }, result instanceof Float32Array ? [result.buffer as ArrayBuffer] : []);
  } catch (err) {
    const e = err as Error & { code?: string };
    parentPort?.postMessage({ id: t.id, error: { message: e.message, code: e.code } });
  }
}

// 'close' lets the task in progress finish (a libvips call is never cut short), drops the queued ones,
// and ends the thread.
parentPort?.on('message', (t: (WorkerTask & { id: number }) | 'close') => {
  if (t === 'close') {
    closing = true;
    void queue.then(() => (reader.close(), parentPort?.close()));
    return;
  }
  queue = queue.then(() => handle(t));
});
