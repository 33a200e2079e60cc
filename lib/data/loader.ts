// lib/data/loader.ts — the streaming TrainFeed over a prepared store or, decoding on the fly, an image
// folder: batches are read (or decoded), cropped, mirrored and normalized in worker threads, `prefetch`
// steps ahead of the one being trained, so host memory is bounded by (prefetch + 1) batches plus one image
// per worker whatever the dataset size. What a batch holds is a function of (seed, epoch, step) only, and
// the same from a folder as from its prepared store: workers may finish in any order, results are keyed by step.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { expected, GenConvNetError } from '../errors';
import { planCrops, preprocessLut, type AugmentMode, type CropPlan } from './augment';
import { loadSharp } from './decode';
import type { Batch, EpochBatches, Normalization, TrainFeed } from './feed';
import { openFolder, type Excluded } from './folder';
import { Pool } from './pool';
import { openSource, sourceKind, type SourceOptions } from './sources';
import { labelsPath, metaPath, openStore, readMeta, type SplitName, type StoreMeta } from './store';
import type { WorkerSource } from './loader_worker';
import type { EpochPlan } from '../train/batches';

export interface LoaderOptions extends SourceOptions {
  /** Side of the model's input (default: the stored size); training crops it at random when smaller. */
  crop?: number;
  /** Random horizontal mirror in training (default: when crop < stored size). */
  mirror?: boolean;
  /** Random crop position in training (default: when crop < stored size); test batches use the centre. */
  randomCrop?: boolean;
  /** Worker threads (default: min(4, cores)). More than 4 decoding workers need UV_THREADPOOL_SIZE raised. */
  workers?: number;
  /** Batches assembled ahead of the step being trained (default 2). */
  prefetch?: number;
  /** An image folder: side of the square images it is decoded to (shorter side, centre crop), default 256. A store has its own. */
  size?: number;
  /** An image folder: 1 (grey) or 3 (RGB), default 3. A store has its own. */
  channels?: 1 | 3;
  /** An image folder: training images decoded for the normalization statistics (default 1000; all when fewer). */
  statsImages?: number;
  /** An image folder: the splits to open (default both; evaluation needs only 'test'). */
  splits?: SplitName[];
}

/** What a feed serves, known once it is ready. */
export interface FeedContents {
  name: string;
  classes: string[];
  labels: Record<SplitName, Int32Array>;
  /** An image folder: the file of each image, per split (indexed like `labels`). */
  files?: Record<SplitName, string[]>;
  /** Per-channel mean and std in [0, 1]; undefined when the train split was not opened. */
  stats: Normalization | undefined;
  /** Images listed by the source and left out, with the reason. */
  excluded: Excluded[];
}

/** True when `dir` holds a prepared store (complete or not) rather than a source to decode. */
export const isPrepared = (dir: string) => existsSync(metaPath(dir)) || existsSync(labelsPath(dir, 'train'));

const slicePlan = (p: CropPlan, a: number, b: number): CropPlan => ({ y: p.y.slice(a, b), x: p.x.slice(a, b), mirror: p.mirror.slice(a, b) });

function intOption(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw expected(`an integer >= ${min}`, name, v);
  return v;
}

/** The streaming feed; see {@link openFeed}. */
export class StreamFeed implements TrainFeed {
  readonly shape: [number, number, number];
  /** The prepared store's meta.json; undefined for an image folder. */
  readonly meta: StoreMeta | undefined;
  /** The most batches held at once (requested and not yet handed out), over the feed's life. */
  maxInFlight = 0;
  private contents: FeedContents | undefined;
  private readonly opening: Promise<void>;
  private lut: Float32Array | undefined;
  private readonly pool: Pool;
  private readonly mode: AugmentMode;
  private readonly prefetch: number;
  private readonly size: number;
  /** Tasks one batch is split into: one for a store (reads are cheap), one per worker for decoding. */
  private readonly parts: number;
  private held = 0;

  constructor(readonly dir: string, o: LoaderOptions = {}) {
    const workers = intOption('workers', o.workers ?? Math.min(4, availableParallelism()), 1);
    this.prefetch = intOption('prefetch', o.prefetch ?? 2, 1);
    const statsImages = intOption('statsImages', o.statsImages ?? 1000, 1);
    let source: WorkerSource, channels: 1 | 3, open: ((pool: Pool) => Promise<FeedContents>) | undefined;
    if (isPrepared(dir)) {
      const { meta, train, test } = openStore(dir);
      train.close(), test.close();
      this.meta = meta;
      (this.size = meta.size), (channels = meta.channels), (source = { kind: 'store', dir });
      const stats = { mean: meta.mean as number[], std: meta.std as number[] };
      this.contents = { name: `prepared:${meta.source.kind}:${meta.source.listing.slice(0, 12)}`, classes: meta.classes, labels: { train: train.labels, test: test.labels }, stats, excluded: [] };
    } else {
      const kind = sourceKind(dir);
      if (kind !== 'folder' && kind !== 'ilsvrc')
        throw new GenConvNetError('E_DATA', `Expected an image folder or a prepared directory in ${dir} but it holds ${kind} files: prepare them once with \`genconvnet prepare ${dir} --out DIR\` (raw batches are not streamed)`);
      const listed = openSource(dir, o);
      this.size = o.size ?? 256;
      if (!Number.isInteger(this.size) || this.size < 1 || this.size > 4096) throw expected('an integer in [1, 4096]', 'size', this.size);
      channels = o.channels ?? 3;
      if (channels !== 1 && channels !== 3) throw expected('1 or 3', 'channels', channels);
      const splits = o.splits ?? ['train', 'test'];
      if (!Array.isArray(splits) || !splits.every((s) => s === 'train' || s === 'test')) throw expected("a list of 'train' and 'test'", 'splits', splits);
      loadSharp(); // in the main thread first, so libvips stays loaded while workers start and end (sharp #2263)
      source = { kind: 'folder', size: this.size, channels };
      const fo = { size: this.size, channels, splits, statsImages };
      open = (pool) => openFolder(listed, pool, fo);
    }
    const crop = o.crop ?? this.size;
    if (!Number.isInteger(crop) || crop < 1 || crop > this.size) throw expected(`a crop side in [1, ${this.size}] (the ${this.meta ? 'stored size' : 'size the folder is decoded to'})`, 'crop', crop);
    this.mode = { random: o.randomCrop ?? crop < this.size, mirror: o.mirror ?? crop < this.size };
    this.shape = [channels, crop, crop];
    this.parts = this.meta ? 1 : workers;
    this.pool = new Pool(source, workers);
    this.opening = open ? open(this.pool).then((c) => void (this.contents = c)) : Promise.resolve();
    this.opening.catch(() => undefined); // surfaced by ready()
  }

  /**
   * Resolves once the feed knows its images (an image folder: headers read, statistics sampled).
   * @throws (rejects) GenConvNetError E_DATA when a worker failed
   */
  ready(): Promise<void> {
    return this.opening;
  }

  private get c(): FeedContents {
    if (!this.contents) throw new GenConvNetError('E_INTERNAL', `await feed.ready() before using the feed of ${this.dir} (a folder's images are known once their headers are read)`);
    return this.contents;
  }

  /** Dataset name recorded in checkpoints: `prepared:<kind>:<listing>` or `folder:<kind>:<size>x<channels>:<listing of the images kept>`. */
  get name(): string {
    return this.c.name;
  }

  get classes(): string[] {
    return this.c.classes;
  }

  get trainLabels(): Int32Array {
    return this.c.labels.train;
  }

  get testLabels(): Int32Array {
    return this.c.labels.test;
  }

  /** Images of an image folder left out when it was opened (unreadable header, or undecodable in the statistics sample). */
  get excluded(): Excluded[] {
    return this.c.excluded;
  }

  /** Batches requested from the workers and not yet handed out. */
  get inFlight(): number {
    return this.held;
  }

  private hold(d: number): void {
    this.held += d;
    this.maxInFlight = Math.max(this.maxInFlight, this.held);
  }

  /**
   * Per-channel mean and std of the training pixels in [0, 1]: a store's exact ones; an image folder's
   * from its statistics sample (exact, and equal to its store's, when the sample is the whole train split).
   * @throws GenConvNetError E_DATA for a folder opened without its train split
   */
  stats(): Normalization {
    const s = this.c.stats;
    if (!s) throw new GenConvNetError('E_DATA', `Expected the train split of ${this.dir} for normalization statistics but it was opened with splits: ['test']`);
    return { mean: s.mean.slice(), std: s.std.slice() };
  }

  begin(pre: Normalization): void {
    this.lut = preprocessLut(pre.mean, pre.std);
  }

  private batch(split: SplitName, indices: ArrayLike<number>, seed: number, epoch: number, step: number, train: boolean, at?: { offset: number; total: number }): Promise<Batch> {
    if (!this.lut) throw new GenConvNetError('E_INTERNAL', 'StreamFeed.begin() must be called before the first batch');
    const n = indices.length, crop = this.shape[1], lut = this.lut;
    const mode = train ? this.mode : { random: false, mirror: false };
    // a rank's share of a global batch takes its slice of the whole batch's crops (lib/train/batches.ts shardPlan)
    const plan = at ? slicePlan(planCrops(seed, epoch, step, at.total, this.size, crop, mode), at.offset, at.offset + n) : planCrops(seed, epoch, step, n, this.size, crop, mode);
    const labels = this.c.labels[split], files = this.c.files?.[split];
    const idx = Int32Array.from(indices);
    const parts = Math.max(1, Math.min(this.parts, n));
    const tasks = Array.from({ length: parts }, (_, p) => {
      const a = Math.floor((p * n) / parts), b = Math.floor(((p + 1) * n) / parts);
      const part = parts === 1 ? { indices: idx, plan } : { indices: idx.slice(a, b), plan: slicePlan(plan, a, b) };
      return this.pool.run<Float32Array>({ op: 'batch', split, ...part, files: files && Array.from(part.indices, (i) => files[i]), crop, lut });
    });
    return Promise.all(tasks).then((xs) => {
      let x = xs[0];
      if (parts > 1) {
        x = new Float32Array(xs.reduce((s, p) => s + p.length, 0));
        xs.reduce((o, p) => (x.set(p, o), o + p.length), 0);
      }
      return { x, y: Int32Array.from(idx, (i) => labels[i]) };
    });
  }

  epoch(plan: EpochPlan, seed: number, epoch: number, withUnlabelled: boolean): EpochBatches {
    const ahead = new Map<number, Promise<Batch>>();
    let closed = false;
    const request = (s: number) => {
      if (s < plan.steps && !ahead.has(s)) {
        const p = this.batch('train', plan.batch(s, withUnlabelled), seed, epoch, s, true, plan.position?.(s, withUnlabelled));
        p.catch(() => undefined); // surfaced when the step is taken
        ahead.set(s, p);
        this.hold(1);
      }
    };
    return {
      next: async (step) => {
        if (closed) throw new GenConvNetError('E_INTERNAL', 'the epoch\'s batches were closed');
        for (const s of ahead.keys()) if (s < step) ahead.delete(s), this.hold(-1);
        for (let s = step; s < step + this.prefetch + 1; s++) request(s);
        const p = ahead.get(step) as Promise<Batch>;
        ahead.delete(step);
        this.hold(-1);
        return p;
      },
      close: () => {
        closed = true;
        this.hold(-ahead.size);
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
    try {
      for (let k = 0; k < starts.length; k++) {
        while (requested < starts.length && requested <= k + this.prefetch) {
          const p = get(requested++);
          p.catch(() => undefined); // surfaced when its turn comes
          ahead.push(p);
          this.hold(1);
        }
        const p = ahead.shift() as Promise<Batch>;
        this.hold(-1);
        yield await p;
      }
    } finally {
      this.hold(-ahead.length); // an evaluation stopped early
    }
  }

  /** Ends the workers (each finishes the image it is on); idempotent. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * Opens a prepared directory (`genconvnet prepare`) or an image folder (class folders, train/ + test|val/,
 * or an ILSVRC-2012 tree: see {@link openSource}) as a streaming TrainFeed. A folder is decoded on the fly,
 * every epoch, exactly as prepare would (a batch equals, bit for bit, the same batch from its store); when
 * opened, the workers read every listed file's header and leave out the unreadable ones (see `excluded`),
 * and decode a seeded sample of at most `statsImages` training images for stats(). Call `await ready()`
 * before using a folder's labels, name or statistics (the trainer does). Decoding workers set libvips to one
 * thread per image for the whole process (sharp.concurrency(1)); the workers are the parallelism.
 * @throws GenConvNetError E_DATA naming the file for a missing, foreign, incomplete or truncated store, a
 * source that is not an image folder, or a folder without class folders; E_INVALID_ARGUMENT for bad options
 * (a crop larger than the stored or decoded images)
 */
export function openFeed(dir: string, options: LoaderOptions = {}): StreamFeed {
  return new StreamFeed(dir, options);
}

/**
 * Class names of a prepared directory or an image folder (listing the folder, decoding nothing).
 * @throws GenConvNetError E_DATA as {@link openFeed}
 */
export function feedClasses(dir: string, options: SourceOptions = {}): string[] {
  return isPrepared(dir) ? readMeta(dir).classes : openSource(dir, options).classes;
}
