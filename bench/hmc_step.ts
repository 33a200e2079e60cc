// bench/hmc_step.ts — times the sampler's native HMC iteration (lib/sample/chains.ts: one native
// call runs L leapfrog steps for all chains, Metropolis test in TypeScript), for bench/hmc.ts and
// bench/gpu/bench.ts. Nodes: one per chain (a layer-wide batch) or one for all.
import type { Network } from '../lib/network';
import type { Node } from '../lib/nodes';
import { Rng } from '../lib/rng';
import { ChainBatch } from '../lib/sample/chains';

export interface Stepper {
  /** Seconds per leapfrog step of one HMC iteration of L steps. */
  step(L: number): Promise<number>;
  dispose(): void;
}

export async function hmcStepper(net: Network, nodes: Node[], chains: number, eps: number, sigma = 1, seed = 2): Promise<Stepper> {
  const D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  const perChain = nodes.length === chains ? nodes : Array.from({ length: chains }, () => nodes[0]);
  const I = new Rng(seed).fillNormal(new Float32Array(chains * D), 0, sigma) as Float32Array;
  const batch = await ChainBatch.create(net, perChain, I, seed, sigma);
  batch.eps.fill(eps);
  return {
    async step(L: number) {
      const t0 = performance.now();
      await batch.iterate('hmc', L, false);
      return (performance.now() - t0) / 1e3 / L;
    },
    dispose: () => batch.dispose(),
  };
}
