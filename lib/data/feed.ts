// lib/data/feed.ts — what the trainer consumes: a TrainFeed hands out preprocessed batches (Float32Array
// images, Int32Array labels) for (epoch, step) and test batches, whichever native call consumes them.
// memoryFeed wraps an in-memory DatasetSplit (MNIST, Fashion-MNIST, ...) exactly as the trainer always
// batched it; lib/data/loader.ts streams a prepared store or an image folder through worker threads.
import { computeStats, type DatasetSplit } from './dataset';
import { preprocess } from './preprocess';
import type { EpochPlan } from '../train/batches';

export interface Batch {
  x: Float32Array;
  y: Int32Array;
}

export interface Normalization {
  mean: number[];
  std: number[];
}

/** The batches of one epoch; `next(step)` must be called with steps in increasing order. */
export interface EpochBatches {
  next(step: number): Promise<Batch>;
  /** Drops batches fetched ahead (after an error or an early stop); idempotent. */
  close(): void;
}

export interface TrainFeed {
  /** Dataset name recorded in checkpoints. */
  readonly name: string;
  /** Shape of one image of a batch (the model's input). */
  readonly shape: [number, number, number];
  readonly classes: string[];
  readonly trainLabels: Int32Array;
  readonly testLabels: Int32Array;
  /** Resolves once the labels, name and stats() are known (a folder feed reads its headers first); optional. */
  ready?(): Promise<void>;
  /** Images the source lists that the feed left out, with the reason (a folder feed's unreadable files). */
  readonly excluded?: readonly { split: string; name: string; reason: string }[];
  /** Per-channel mean and std of the raw training pixels in [0, 1]. */
  stats(): Normalization;
  /** Fixes the preprocessing applied to every batch; called once before the first batch. */
  begin(pre: Normalization): void;
  /** Batches of one epoch following `plan`; augmentation keyed by (seed, epoch, step). */
  epoch(plan: EpochPlan, seed: number, epoch: number, withUnlabelled: boolean): EpochBatches;
  /** The test split in order, `batch` images at a time (no augmentation). */
  testBatches(batch: number): AsyncIterable<Batch>;
  /** Releases workers and files; idempotent. */
  close(): Promise<void>;
}

/** Copies the images of `indices` into one batch buffer and their labels. */
export function gather(images: Float32Array, labels: Int32Array, per: number, indices: number[]): Batch {
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  indices.forEach((i, b) => {
    x.set(images.subarray(i * per, (i + 1) * per), b * per);
    y[b] = labels[i];
  });
  return { x, y };
}

/**
 * A feed over an in-memory split: preprocessed once in begin(), batches gathered on demand.
 * @throws never
 */
export function memoryFeed(data: DatasetSplit): TrainFeed {
  let x: { train: Float32Array; test: Float32Array } | undefined;
  const per = data.train.shape[0] * data.train.shape[1] * data.train.shape[2];
  const ready = () => x as { train: Float32Array; test: Float32Array };
  return {
    name: data.train.name,
    shape: data.train.shape,
    classes: data.train.classes,
    trainLabels: data.train.labels,
    testLabels: data.test.labels,
    stats: () => computeStats(data.train),
    begin(pre) {
      x = { train: preprocess(data.train.images, data.train.shape, pre), test: preprocess(data.test.images, data.test.shape, pre) };
    },
    epoch(plan, _seed, _epoch, withUnlabelled) {
      return { next: async (s) => gather(ready().train, data.train.labels, per, plan.batch(s, withUnlabelled)), close: () => undefined };
    },
    async *testBatches(batch) {
      const n = data.test.labels.length;
      for (let s = 0; s < n; s += batch) {
        const m = Math.min(batch, n - s);
        yield { x: ready().test.subarray(s * per, (s + m) * per), y: data.test.labels.subarray(s, s + m) };
      }
    },
    close: async () => undefined,
  };
}

/** True when `v` is a TrainFeed (rather than a DatasetSplit or a name). */
export function isFeed(v: unknown): v is TrainFeed {
  return typeof v === 'object' && v !== null && typeof (v as TrainFeed).epoch === 'function' && typeof (v as TrainFeed).testBatches === 'function';
}
