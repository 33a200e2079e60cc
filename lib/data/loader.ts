// lib/data/loader.ts — the streaming TrainFeed over a prepared store: batches are read by range, cropped,
// mirrored and normalized in worker threads, `prefetch` steps ahead of the one being trained, so host
// memory is bounded by (prefetch + workers) batches whatever the dataset size. What a batch holds is a
// function of (seed, epoch, step) only: workers may finish in any order, results are keyed by step.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { expected, GenConvNetError, type ErrorCode } from '../errors';
import { planCrops, preprocessLut, type AugmentMode } from './augment';
import type { Batch, EpochBatches, Normalization, TrainFeed } from './feed';
import { openStore, type SplitName, type StoreMeta } from './store';
import type { EpochPlan } from '../train/batches';

export interface LoaderOptions {
  /** Side of the model's input (default: the stored size); training crops it at random when smaller. */
  crop?: number;
  /** Random horizontal mirror in training (default: when crop < stored size). */
  mirror?: boolean;
  /** Random crop position in training (default: when crop < stored size); test batches use the centre. */
  randomCrop?: boolean;
  /** Worker threads (default: min(4, cores)). */
  workers?: number;
  /** Batches assembled ahead of the step being trained (default 2). */
  prefetch?: number;
}

interface Pending {
  resolve: (x: Float32Array) => void;
  reject: (e: Error) => void;
}

/** A fixed pool of loader workers; tasks go to the least busy one. */
class Pool {
  private workers: Worker[];
  private busy: number[];
  private pending = new Map<number, Pending & { w: number }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(dir: string, count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(join(__dirname, 'loader_worker.js'), { workerData: { dir } }));
    this.busy = this.workers.map(() => 0);
    this.workers.forEach((w, i) => {
      w.on('message', (m: { id: number; x?: Float32Array; error?: { message: string; code?: string } }) => this.settle(m));
      w.on('error', (e) => this.fail(new GenConvNetError('E_DATA', `A data loader worker failed: ${e.message}`, { cause: e }), i));
      w.unref();
    });
  }

  private settle(m: { id: number; x?: Float32Array; error?: { message: string; code?: string } }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (--this.busy[p.w] === 0) this.workers[p.w]?.unref(); // an idle pool never keeps the process alive
    if (m.error) p.reject(new GenConvNetError((m.error.code as ErrorCode) ?? 'E_DATA', m.error.message));
    else p.resolve(m.x as Float32Array);
  }

  private fail(err: Error, w: number): void {
    this.failure = err;
    for (const [id, p] of this.pending) if (p.w === w) this.pending.delete(id), p.reject(err);
  }

  run(task: Omit<import('./loader_worker').WorkerTask, 'id'>): Promise<Float32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const w = this.busy.indexOf(Math.min(...this.busy));
    const id = this.nextId++;
    if (this.busy[w]++ === 0) this.workers[w].ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, w });
      this.workers[w].postMessage({ id, ...task });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

/** The streaming feed; see {@link openFeed}. */
export class StreamFeed implements TrainFeed {
  readonly name: string;
  readonly shape: [number, number, number];
  readonly classes: string[];
  readonly trainLabels: Int32Array;
  readonly testLabels: Int32Array;
  private lut: Float32Array | undefined;
  private pool: Pool;
  private readonly mode: AugmentMode;
  private readonly prefetch: number;

  readonly meta: StoreMeta;

  constructor(readonly dir: string, o: LoaderOptions = {}) {
    const { meta, train, test } = openStore(dir);
    train.close(), test.close();
    this.meta = meta;
    const crop = o.crop ?? meta.size;
    if (!Number.isInteger(crop) || crop < 1 || crop > meta.size) throw expected(`a crop side in [1, ${meta.size}] (the stored size)`, 'crop', crop);
    const workers = o.workers ?? Math.min(4, availableParallelism());
    if (!Number.isInteger(workers) || workers < 1) throw expected('an integer >= 1', 'workers', workers);
    this.prefetch = o.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1) throw expected('an integer >= 1', 'prefetch', this.prefetch);
    this.mode = { random: o.randomCrop ?? crop < meta.size, mirror: o.mirror ?? crop < meta.size };
    this.name = `prepared:${meta.source.kind}:${meta.source.listing.slice(0, 12)}`;
    this.shape = [meta.channels, crop, crop];
    this.classes = meta.classes;
    this.trainLabels = train.labels;
    this.testLabels = test.labels;
    this.pool = new Pool(dir, workers);
  }

  stats(): Normalization {
    return { mean: (this.meta.mean as number[]).slice(), std: (this.meta.std as number[]).slice() };
  }

  begin(pre: Normalization): void {
    this.lut = preprocessLut(pre.mean, pre.std);
  }

  private batch(split: SplitName, indices: ArrayLike<number>, seed: number, epoch: number, step: number, train: boolean): Promise<Batch> {
    if (!this.lut) throw new GenConvNetError('E_INTERNAL', 'StreamFeed.begin() must be called before the first batch');
    const mode = train ? this.mode : { random: false, mirror: false };
    const plan = planCrops(seed, epoch, step, indices.length, this.meta.size, this.shape[1], mode);
    const labels = split === 'train' ? this.trainLabels : this.testLabels;
    const idx = Int32Array.from(indices);
    return this.pool.run({ split, indices: idx, plan, crop: this.shape[1], lut: this.lut }).then((x) => ({ x, y: Int32Array.from(idx, (i) => labels[i]) }));
  }

  epoch(plan: EpochPlan, seed: number, epoch: number, withUnlabelled: boolean): EpochBatches {
    const ahead = new Map<number, Promise<Batch>>();
    let closed = false;
    const request = (s: number) => {
      if (s < plan.steps && !ahead.has(s)) {
        const p = this.batch('train', plan.batch(s, withUnlabelled), seed, epoch, s, true);
        p.catch(() => undefined); // surfaced when the step is taken
        ahead.set(s, p);
      }
    };
    return {
      next: async (step) => {
        if (closed) throw new GenConvNetError('E_INTERNAL', 'the epoch\'s batches were closed');
        for (const s of ahead.keys()) if (s < step) ahead.delete(s);
        for (let s = step; s < step + this.prefetch + 1; s++) request(s);
        const p = ahead.get(step) as Promise<Batch>;
        ahead.delete(step);
        return p;
      },
      close: () => {
        closed = true;
        ahead.clear();
      },
    };
  }

  async *testBatches(batch: number): AsyncIterable<Batch> {
    const n = this.testLabels.length, starts: number[] = [];
    for (let s = 0; s < n; s += batch) starts.push(s);
    const get = (k: number) => this.batch('test', Array.from({ length: Math.min(batch, n - starts[k]) }, (_, j) => starts[k] + j), 0, 0, k, false);
    const ahead: Promise<Batch>[] = [];
    let requested = 0;
    for (let k = 0; k < starts.length; k++) {
      while (requested < starts.length && requested <= k + this.prefetch) {
        const p = get(requested++);
        p.catch(() => undefined); // surfaced when its turn comes
        ahead.push(p);
      }
      yield await (ahead.shift() as Promise<Batch>);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * Opens a prepared directory (`genconvnet prepare`) as a streaming TrainFeed.
 * @throws GenConvNetError E_DATA naming the file for a missing, foreign, incomplete or truncated store;
 * E_INVALID_ARGUMENT for bad options (a crop larger than the stored images)
 */
export function openFeed(dir: string, options: LoaderOptions = {}): StreamFeed {
  return new StreamFeed(dir, options);
}
