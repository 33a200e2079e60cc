// lib/sample/share.ts — chains spread over MPI ranks (data parallelism of sampling): rank r holds
// chains k in its share of [0, chains) of every node and rung, so replica exchange (which swaps
// rungs of one k) stays on one rank. Each iteration the ranks all-gather the per-chain scalars, so
// every rank runs the same Metropolis tests, adaptation and diagnostics on all chains; images reach
// rank 0 only, when a draw is kept and at the end.
import { allgather, gatherToRoot, shareOf, type World } from '../dist';

export class ChainShare {
  /** Global slot of each of this rank's chains, in order. */
  readonly local: Int32Array;
  /** The global slots of every rank, and the largest count (what each rank sends, padded). */
  private readonly byRank: Int32Array[];
  private readonly pad: number;
  /** Local index of a global slot held here, -1 elsewhere. */
  private readonly index: Int32Array;

  /** `n` slots in groups of `chains` (slot s is chain s mod chains of its group). */
  constructor(readonly n: number, chains: number, readonly world: World) {
    this.byRank = Array.from({ length: world.size }, (_, r) => {
      const [a, b] = shareOf(chains, r, world.size);
      const out: number[] = [];
      for (let s = 0; s < n; s++) if (s % chains >= a && s % chains < b) out.push(s);
      return Int32Array.from(out);
    });
    this.local = this.byRank[world.rank];
    this.pad = Math.max(...this.byRank.map((l) => l.length));
    this.index = new Int32Array(n).fill(-1);
    this.local.forEach((s, j) => (this.index[s] = j));
  }

  /** This rank's rows (or values) of a global array with `per` entries per slot. */
  pick<T extends Float32Array | Uint8Array>(global: T, per = 1): T {
    const out = new (global.constructor as new (n: number) => T)(this.local.length * per);
    this.local.forEach((s, j) => out.set(global.subarray(s * per, (s + 1) * per), j * per));
    return out;
  }

  /** A global permutation of slots as a permutation of this rank's chains (it must keep each chain on its rank). */
  localPerm(perm: Int32Array): Int32Array {
    return Int32Array.from(this.local, (s) => {
      const j = this.index[perm[s]];
      if (j < 0) throw new Error(`ChainShare: slot ${s} would take slot ${perm[s]} from another rank`);
      return j;
    });
  }

  /** Per-chain scalars of every rank, gathered into global arrays (the same on every rank). */
  gatherScalars(parts: ArrayLike<number>[]): Float64Array[] {
    const k = parts.length, send = new Float64Array(this.pad * k);
    parts.forEach((p, i) => {
      for (let j = 0; j < this.local.length; j++) send[j * k + i] = p[j];
    });
    const all = allgather(send), out = parts.map(() => new Float64Array(this.n));
    this.byRank.forEach((slots, r) => slots.forEach((s, j) => out.forEach((o, i) => (o[s] = all[(r * this.pad + j) * k + i]))));
    return out;
  }

  /** Rows of D values per local chain, gathered into the global (n, D) array on rank 0; null elsewhere. */
  gatherRows(rows: Float32Array, D: number): Float32Array | null {
    const send = new Float32Array(this.pad * D);
    send.set(rows.subarray(0, this.local.length * D));
    const all = gatherToRoot(send);
    if (!all) return null;
    const out = new Float32Array(this.n * D);
    this.byRank.forEach((slots, r) => slots.forEach((s, j) => out.set(all.subarray((r * this.pad + j) * D, (r * this.pad + j + 1) * D), s * D)));
    return out;
  }
}
