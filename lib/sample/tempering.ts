// lib/sample/tempering.ts — parallel tempering (replica exchange, Swendsen & Wang 1986; Geyer 1991)
// and annealed warm-up for multimodal targets. Rung r of a node targets pi_k^(1/t_r), t_r = ladder[r]
// (the whole energy tempered, reference included, so barriers shrink); after each iteration adjacent
// rungs (even pairs, then odd pairs, alternating) propose to swap states with the Metropolis rule
// min(1, exp(U_a(x_a) + U_b(x_b) - U_a(x_b) - U_b(x_a))).
import type { Rng } from '../rng';
import type { ChainBatch } from './chains';

/** Geometric temperature ladder from 1 to maxT with `rungs` rungs. */
export function ladder(rungs: number, maxT: number): number[] {
  return Array.from({ length: rungs }, (_, r) => (rungs === 1 ? 1 : Math.pow(maxT, r / (rungs - 1))));
}

/** Temperature multiplier at warm-up iteration `it`: from `anneal` down to 1 geometrically over the first half of warm-up. */
export function annealFactor(anneal: number, it: number, warmup: number): number {
  const span = Math.floor(warmup / 2);
  return anneal <= 1 || it >= span ? 1 : Math.pow(anneal, 1 - it / span);
}

/**
 * Proposes swaps between adjacent rungs of every node and chain; slot (g * rungs + r) * chains + k.
 * Accepted swaps permute the batch's states (natively with its next call); counts go to swaps/tries per rung pair.
 */
export function exchange(batch: ChainBatch, groups: number, rungs: number, chains: number, it: number, rng: Rng, swaps: Float64Array, tries: Float64Array): void {
  const perm = Int32Array.from({ length: batch.n }, (_, s) => s);
  let any = false;
  for (let g = 0; g < groups; g++)
    for (let r = it % 2; r + 1 < rungs; r += 2)
      for (let k = 0; k < chains; k++) {
        const a = (g * rungs + r) * chains + k, b = a + chains;
        const U = (c: number, x: number) => batch.energy(c, batch.value[x], batch.ii[x], 0);
        const logA = U(a, a) + U(b, b) - U(a, b) - U(b, a);
        tries[r]++;
        if (Number.isFinite(logA) && Math.log(rng.uniform()) < logA) {
          perm[a] = b;
          perm[b] = a;
          swaps[r]++;
          any = true;
        }
      }
  if (any) batch.permute(perm);
}
