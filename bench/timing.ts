// bench/timing.ts — the repetition protocol (mirrored line for line in torch_peer.py) and the
// statistics of its samples. A sample is the mean seconds per iteration over one repetition;
// a summary is the median with min–max and the interquartile range, never a mean.
import type { Timing } from './cases';

/** One iteration of the measured work; resolves with the seconds of its timed part. */
export type Step = () => Promise<number>;

export interface Samples {
  /** Seconds per iteration, one entry per repetition. */
  seconds: number[];
  /** Iterations per repetition. */
  inner: number;
}

/** Warm-up, then `reps` repetitions of `inner` iterations, inner sized from the warm-up. */
export async function measure(step: Step, t: Timing): Promise<Samples> {
  const warm: number[] = [];
  const start = performance.now();
  while (warm.length < t.warmup || (performance.now() - start) / 1e3 < t.warmupSeconds) warm.push(await step());
  const recent = warm.slice(-3).sort((a, b) => a - b);
  const perIter = Math.max(recent[Math.floor(recent.length / 2)], 1e-6);
  const inner = Math.max(1, Math.ceil(t.minRepSeconds / perIter));
  const seconds: number[] = [];
  for (let r = 0; r < t.reps; r++) {
    let total = 0;
    for (let i = 0; i < inner; i++) total += await step();
    seconds.push(total / inner);
  }
  return { seconds, inner };
}

/** Seconds of a whole async call. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1e3;
}

/** Linear-interpolated quantile of sorted values (q in [0, 1]). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  n: number;
}

/** Median, extremes and quartiles of a set of values. */
export function summarize(values: number[]): Summary {
  const s = values.slice().sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}
