// test/helpers/compare.ts — the one comparison rule of the house for tests: |got - want| <=
// atol + rtol·|want| element-wise (atol a fraction of max |want|), and a whole-tensor relative
// L2 error for results that may differ by a rare flipped max-pool choice.
import type { ExecutionContext } from 'ava';

/** Asserts |got - want| <= atol + rtol * |want| everywhere, with atol = atolFrac * max |want|; reports the worst element. */
export function close(t: ExecutionContext, got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-4, atolFrac = 1e-5): boolean {
  if (got.length !== want.length) {
    t.fail(`${what}: ${got.length} values, expected ${want.length}`);
    return false;
  }
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const atol = atolFrac * (scale || 1);
  let worst = -1, excess = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]), bound = atol + rtol * Math.abs(want[i]);
    if (!(d <= bound) && (worst < 0 || d - bound > excess)) (worst = i), (excess = d - bound);
  }
  if (worst >= 0) t.fail(`${what}: element ${worst} is ${got[worst]}, reference ${want[worst]} (max |ref| ${scale})`);
  else t.pass();
  return worst < 0;
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
  for (const [got, want] of pairs)
    for (let i = 0; i < want.length; i++) (num = Math.max(num, Math.abs(got[i] - want[i]))), (den = Math.max(den, Math.abs(want[i])));
  return num / (den || 1);
}
