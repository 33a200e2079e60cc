// lib/sample/chains.ts — the TypeScript half of one HMC iteration: ChainBatch drives a batch of
// native chains (one native call per iteration, only per-chain scalars back) and does the
// Metropolis test per chain, the bookkeeping of F_k and |I|^2, and replica exchange between chains.
// A verdict (and a swap) reaches the native state with the next call (or flush()).
import { expected } from '../errors';
import { MomentaMode, type ChainStepResult, type NativeChains } from '../native';
import type { Network } from '../network';
import type { Node } from '../nodes';
import { Rng } from '../rng';
import type { ChainShare } from './share';

export type Method = 'hmc' | 'mala' | 'ula' | 'map';

export interface IterationOutcome {
  /** Metropolis probability per chain (ULA: the same number, used only for adaptation; MAP: 1 when the objective rose). */
  prob: Float64Array;
  taken: Uint8Array;
  bad: Uint8Array;
  /** H of the state each chain holds after the verdict (MAP: U = -F/T + |I|^2 / 2 sigma^2). */
  energy: Float64Array;
}

export class ChainBatch {
  readonly eps: Float32Array;
  /** Per chain: 1/T_k and 1/sigma^2, both divided by a tempered rung's temperature (the whole target tempered). */
  readonly invT: Float32Array;
  readonly invS2: Float32Array;
  private pendingAccept: Uint8Array | null = null;
  private pendingPerm: Int32Array | null = null;
  private pendingAccumulate = false;
  private iteration = 0;
  readonly uniform: Rng;

  private constructor(readonly native: NativeChains, readonly n: number, readonly D: number, readonly seed: number, readonly invSigma2: number,
    public value: Float32Array, public ii: Float64Array, readonly share: ChainShare | null) {
    this.eps = new Float32Array(n);
    this.invT = new Float32Array(n).fill(1);
    this.invS2 = new Float32Array(n).fill(invSigma2);
    this.uniform = new Rng(seed ^ 0x5bd1e995);
  }

  /**
   * Chains for `nodes` (one per chain), started at `images` (n x D) and evaluated. With a share (MPI),
   * the native batch holds this rank's chains only, each drawing its momenta from its global number.
   * @throws GenConvNetError E_INVALID_ARGUMENT for nodes in several layers.
   */
  static async create(net: Network, nodes: Node[], images: Float32Array, seed: number, sigma: number, share: ChainShare | null = null): Promise<ChainBatch> {
    const D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
    if (images.length !== nodes.length * D) throw expected(`${nodes.length * D} start values`, 'start', images.length, 'E_SHAPE');
    const mine = share ? Array.from(share.local, (s) => nodes[s]) : nodes;
    const native = net.newChains(mine, mine.length);
    try {
      if (share) native.setStreams(Uint32Array.from(share.local));
      const local = await native.start(share ? share.pick(images, D) : images);
      const [value, ii] = share ? share.gatherScalars([local.value, local.ii]) : [local.value, local.ii];
      return new ChainBatch(native, nodes.length, D, seed, 1 / (sigma * sigma), Float32Array.from(value), Float64Array.from(ii), share);
    } catch (err) {
      native.dispose();
      throw err;
    }
  }

  /** U(I) + |p|^2/2 of chain c. */
  energy(c: number, value: number, ii: number, pp: number): number {
    return -value * this.invT[c] + 0.5 * ii * this.invS2[c] + 0.5 * pp;
  }

  /** One native trajectory for every chain (L leapfrog steps, or L ascent steps for MAP), then the verdicts. */
  async iterate(method: Method, L: number, accumulate: boolean): Promise<IterationOutcome> {
    const local = await this.native.step(this.mine(this.pendingAccept), this.pendingAccumulate,
      { L, momenta: method === 'map' ? MomentaMode.Ascent : MomentaMode.Fresh, seed: this.seed, iteration: this.iteration++, invSigma2: this.invSigma2 },
      this.mine(this.eps)!, this.mine(this.invT)!, this.minePerm(), this.mine(this.invS2));
    const r = this.share ? this.everyRank(local) : local;
    const n = this.n, prob = new Float64Array(n), taken = new Uint8Array(n), bad = new Uint8Array(n), energy = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const ascent = method === 'map';
      const h0 = this.energy(c, this.value[c], this.ii[c], ascent ? 0 : r.pp0[c]);
      const h1 = this.energy(c, r.value[c], r.ii[c], ascent ? 0 : r.pp[c]);
      bad[c] = r.diverged[c] || !Number.isFinite(h1) || !Number.isFinite(r.value[c]) ? 1 : 0;
      prob[c] = bad[c] ? 0 : ascent ? (h1 <= h0 ? 1 : 0) : Math.min(1, Math.exp(h0 - h1));
      taken[c] = !bad[c] && (method === 'ula' || (ascent ? prob[c] === 1 : this.uniform.uniform() < prob[c])) ? 1 : 0;
      if (taken[c]) {
        this.value[c] = r.value[c];
        this.ii[c] = r.ii[c];
      }
      energy[c] = taken[c] ? h1 : h0;
    }
    this.pendingAccept = taken;
    this.pendingAccumulate = accumulate;
    this.pendingPerm = null;
    return { prob, taken, bad, energy };
  }

  /** Chain c takes chain perm[c]'s state from now on (replica exchange); applied natively with the next call. */
  permute(perm: Int32Array): void {
    if (this.pendingPerm) throw new Error('ChainBatch.permute: one permutation per iteration');
    this.value = Float32Array.from(perm, (p) => this.value[p]);
    this.ii = Float64Array.from(perm, (p) => this.ii[p]);
    this.pendingPerm = perm;
  }

  /** Applies the pending verdict, swap and accumulation now. */
  flush(): void {
    if (!this.pendingAccept && !this.pendingPerm && !this.pendingAccumulate) return;
    this.native.settle(this.mine(this.pendingAccept), this.pendingAccumulate, this.minePerm());
    this.pendingAccept = null;
    this.pendingPerm = null;
    this.pendingAccumulate = false;
  }

  /** The chains' current images (n x D); with a share, on rank 0 only (null elsewhere). */
  state(): Float32Array | null {
    this.flush();
    const s = this.native.read(0);
    return this.share ? this.share.gatherRows(s, this.D) : s;
  }

  /** The running sum of accumulated states divided by `count`: the chains' means (rank 0 only with a share). */
  mean(count: number): Float32Array | null {
    this.flush();
    const local = this.native.read(1);
    const s = this.share ? this.share.gatherRows(local, this.D) : local;
    if (s) for (let j = 0; j < s.length; j++) s[j] /= Math.max(1, count);
    return s;
  }

  /** This rank's part of a per-chain array (all of it without a share). */
  private mine<T extends Float32Array | Uint8Array>(a: T | null): T | null {
    return a && this.share ? this.share.pick(a) : a;
  }

  private minePerm(): Int32Array | null {
    return this.pendingPerm && this.share ? this.share.localPerm(this.pendingPerm) : this.pendingPerm;
  }

  /** A step's per-chain scalars of every rank, in global order. */
  private everyRank(r: ChainStepResult): ChainStepResult {
    const [value, ii, pp0, pp, diverged] = this.share!.gatherScalars([r.value, r.ii, r.pp0, r.pp, r.diverged]);
    return { value: Float32Array.from(value), ii, pp0, pp, diverged: Uint8Array.from(diverged) };
  }

  dispose(): void {
    this.native.dispose();
  }
}
