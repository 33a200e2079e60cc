// lib/data/loader_worker.ts — a worker thread of the streaming loader: opens the prepared store's splits
// itself, and for each task reads the batch's records by range, crops / mirrors / normalizes them into a
// fresh Float32Array and transfers it back. It holds one record buffer; errors go back as messages.
import { parentPort, workerData } from 'node:worker_threads';
import { assembleImage, type CropPlan } from './augment';
import { readMeta, StoreSplit, type SplitName } from './store';

export interface WorkerTask {
  id: number;
  split: SplitName;
  /** Valid-image indices of the split. */
  indices: Int32Array;
  plan: CropPlan;
  crop: number;
  lut: Float32Array;
}

const dir = (workerData as { dir: string }).dir;
const meta = readMeta(dir);
const splits: Partial<Record<SplitName, StoreSplit>> = {};
const record = new Uint8Array(meta.channels * meta.size * meta.size);

function run(t: WorkerTask): Float32Array {
  const split = (splits[t.split] ??= new StoreSplit(dir, meta, t.split));
  const out = new Float32Array(t.indices.length * meta.channels * t.crop * t.crop);
  for (let b = 0; b < t.indices.length; b++) assembleImage(split.read(t.indices[b], record), meta.channels, meta.size, t.crop, t.plan, b, t.lut, out);
  return out;
}

parentPort?.on('message', (t: WorkerTask | 'close') => {
  if (t === 'close') {
    for (const s of Object.values(splits)) s?.close();
    parentPort?.close();
    return;
  }
  try {
    const x = run(t);
    parentPort?.postMessage({ id: t.id, x }, [x.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as Error & { code?: string };
    parentPort?.postMessage({ id: t.id, error: { message: e.message, code: e.code } });
  }
});
