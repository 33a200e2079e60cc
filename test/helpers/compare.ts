// test/helpers/compare.ts — the one comparison rule of the house for tests: |got - want| <=
// atol + rtol·|want| (per value, or element-wise with atol a fraction of max |want| and/or absolute),
// the whole-tensor max |got - want| / max |want|, and a relative L2 error for results that may differ
// by a rare flipped max-pool choice. A NaN anywhere is a mismatch.
import type { ExecutionContext } from 'ava';

/** |got - want| <= atol + rtol·|want| (false when either is NaN). */
export function within(got: number, want: number, rtol: number, atol: number): boolean {
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

/**
 * Asserts |got - want| <= atol + rtol * |want| everywhere, with atol = atolFrac * max |want| + atolAbs;
 * reports the worst element.
 */
export function close(t: ExecutionContext, got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-4, atolFrac = 1e-5, atolAbs = 0): boolean {
  if (got.length !== want.length) {
    t.fail(`${what}: ${got.length} values, expected ${want.length}`);
    return false;
  }
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const atol = atolFrac * (scale || 1) + atolAbs;
  let worst = -1, excess = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]), bound = atol + rtol * Math.abs(want[i]);
    if (!(d <= bound) && (worst < 0 || d - bound > excess)) (worst = i), (excess = d - bound);
  }
  if (worst >= 0) t.fail(`${what}: element ${worst} is ${got[worst]}, reference ${want[worst]} (max |ref| ${scale})`);
  else t.pass();
  return worst < 0;
}

/** The largest |got − want| (at `at`) and max |want| (`scale`); NaN propagates into `maxAbs`. */
export function worstDiff(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; at: number; scale: number } {
  let maxAbs = 0, at = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxAbs) && !Number.isNaN(maxAbs)) (maxAbs = d), (at = i);
  }
  return { maxAbs, at, scale };
}

/** max |got − want| / max |want| (Infinity when the lengths differ, NaN when a value is NaN). */
export function relDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  const w = worstDiff(got, want);
  return w.maxAbs / (w.scale || 1);
}

/** ‖got − want‖ / ‖want‖ (a whole-tensor error that tolerates a rare flipped max-pool choice). */
export function relL2(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) (num += (got[i] - want[i]) ** 2), (den += want[i] ** 2);
  return Math.sqrt(num / (den || 1));
}

/** max |got − want| / max |want| over several tensors (e.g. every parameter of two nets). */
export function maxRelDiff(pairs: Iterable<[ArrayLike<number>, ArrayLike<number>]>): number {
  let num = 0, den = 0;
  for (const [got, want] of pairs) {
    const w = worstDiff(got, want);
    (num = Math.max(num, w.maxAbs)), (den = Math.max(den, w.scale));
  }
  return num / (den || 1);
}
