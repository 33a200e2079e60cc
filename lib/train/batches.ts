// lib/train/batches.ts — seeded batching for one epoch. Supervised: a permutation of all
// images. Semi-supervised: every batch takes `labelledPerBatch` images from the labelled pool
// and fills the rest from the unlabelled pool (the reference set), each pool cycled through
// its own reshuffled order. The order depends only on (seed, epoch), so a resumed run replays it.
import { shareOf } from '../dist';
import { Rng } from '../rng';

/** A pool of indices drawn without replacement, reshuffled when exhausted. */
class Pool {
  private order: Int32Array;
  private pos = 0;
  constructor(private readonly items: Int32Array, private readonly rng: Rng) {
    this.order = this.shuffle();
  }
  private shuffle(): Int32Array {
    const p = this.rng.permutation(this.items.length);
    return p.map((j) => this.items[j]);
  }
  take(k: number, out: number[]): void {
    for (let j = 0; j < k; j++) {
      if (this.pos === this.order.length) (this.order = this.shuffle()), (this.pos = 0);
      out.push(this.order[this.pos++]);
    }
  }
}

export interface EpochPlan {
  steps: number;
  /** Indices of the images of step s; unlabelled ones are included only when `withUnlabelled`. */
  batch(step: number, withUnlabelled: boolean): number[];
  /** Data parallelism: where this rank's images sit in the step's global batch (augmentation draws for the whole batch). */
  position?(step: number, withUnlabelled: boolean): { offset: number; total: number };
}

/**
 * Rank `rank`'s share of each global batch of `plan` (contiguous, in rank order), so that the ranks
 * together see exactly the batches of one process with the global batch.
 */
export function shardPlan(plan: EpochPlan, rank: number, size: number): EpochPlan {
  if (size === 1) return plan;
  return {
    steps: plan.steps,
    batch: (s, u) => {
      const b = plan.batch(s, u), [a, e] = shareOf(b.length, rank, size);
      return b.slice(a, e);
    },
    position: (s, u) => {
      const total = plan.batch(s, u).length;
      return { offset: shareOf(total, rank, size)[0], total };
    },
  };
}

/**
 * Steps of an epoch over n images with a global batch of `batch` spread over `ranks`: a last partial
 * batch too small to give every rank an image is dropped (one process keeps every partial batch).
 */
export function epochSteps(n: number, batch: number, ranks: number, maxSteps = Infinity): number {
  const full = Math.floor(n / batch), rest = n % batch;
  return Math.min(maxSteps, full + (rest > 0 && rest >= ranks ? 1 : 0));
}

/** Mixes a seed and an epoch into a 32-bit seed. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

/** Plans the batches of one epoch over labels (with -1 for unlabelled images). */
export function planEpoch(labels: Int32Array, batch: number, labelledPerBatch: number, seed: number, epoch: number, maxSteps?: number): EpochPlan {
  const rng = new Rng(epochSeed(seed, epoch));
  const labelled: number[] = [], unlabelled: number[] = [];
  labels.forEach((y, i) => (y >= 0 ? labelled : unlabelled).push(i));
  const steps = Math.min(maxSteps ?? Infinity, Math.ceil(labels.length / batch));
  if (unlabelled.length === 0) {
    const perm = rng.permutation(labels.length);
    return { steps, batch: (s) => Array.from(perm.subarray(s * batch, Math.min((s + 1) * batch, perm.length))) };
  }
  const lp = new Pool(Int32Array.from(labelled), rng), up = new Pool(Int32Array.from(unlabelled), rng);
  const bl = Math.min(labelledPerBatch, labelled.length, batch);
  const drawn: { l: number[]; u: number[] }[] = [];
  for (let s = 0; s < steps; s++) {
    const l: number[] = [], u: number[] = [];
    lp.take(bl, l);
    up.take(batch - bl, u);
    drawn.push({ l, u });
  }
  return { steps, batch: (s, withU) => (withU ? drawn[s].l.concat(drawn[s].u) : drawn[s].l) };
}
