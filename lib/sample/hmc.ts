// lib/sample/hmc.ts — generative visualization (SPEC 4): draw images for nodes of a trained net
// from pi_k(I) ∝ exp(F_k(I)/T_k) N(0, sigma^2) by HMC, MALA, unadjusted Langevin, or the MAP by
// gradient ascent. All chains of all nodes of one layer run as one native batch (chains.ts: one
// native call per iteration); TypeScript keeps the Metropolis tests, the step-size adaptation
// (per node and temperature rung), replica exchange (tempering.ts) and the diagnostics.
import { initDistributed, SOLO } from '../dist';
import { GenConvNetError, expected } from '../errors';
import type { Network } from '../network';
import { resolveNodes, type Node, type NodeRef } from '../nodes';
import { Rng } from '../rng';
import { DualAveraging } from './adapt';
import { ChainBatch, type Method } from './chains';
import { ChainShare } from './share';
import { effectiveSampleSize, splitRhat } from './diagnostics';
import { annealFactor, exchange, ladder } from './tempering';

export type { Method } from './chains';

export interface SampleOptions {
  /** A node, a list of nodes, or a layer wildcard such as 'conv2:*@mean'. */
  node: NodeRef | NodeRef[];
  /** Chains per node. */
  chains?: number;
  /** Iterations kept after warm-up. */
  draws?: number;
  /** Warm-up iterations (step-size adaptation, annealing, then discarded). */
  warmup?: number;
  /** Leapfrog steps per HMC iteration (MALA and ULA use 1; MAP: ascent steps per iteration). */
  leapfrog?: number;
  method?: Method;
  /** A fixed step size; when absent it is adapted during warm-up. */
  stepSize?: number;
  /** Adapt even when stepSize is given (it is then the starting point). */
  adapt?: boolean;
  targetAccept?: number;
  temperature?: number;
  /** Per node (or one for all): T_k = temperature * scale_k, e.g. the node's response std on data. */
  temperatureScale?: number | number[];
  /** Parallel tempering: `rungs` rungs targeting pi^(1/t), t from 1 to maxTemperature, swaps every iteration. */
  tempering?: { rungs: number; maxTemperature: number };
  /** Annealed warm-up: the target starts as pi^(1/anneal) and cools to pi over the first half of warm-up. */
  anneal?: number;
  /** Reference std; defaults to the model's stored sigma (else 1). */
  sigma?: number;
  /** The reference, zeros, or images (one for all, one per chain, or any number used in turn). */
  start?: 'reference' | 'zeros' | Float32Array;
  seed?: number;
  /** Keep every draw (chains x draws x D) or only the last state and mean of each chain. */
  keep?: 'all' | 'last';
  onProgress?: (iteration: number, total: number, info: { stepSize: number; acceptance: number }) => void;
  /**
   * Spread the chains over MPI ranks (launch every rank with mpirun and the same options): each rank
   * runs its share of every node's chains, all ranks get the same diagnostics, and rank 0 alone
   * gets the images (samples, last, means are empty on the others).
   */
  distributed?: 'mpi';
}

export interface SampleResult {
  node: string;
  method: Method;
  chains: number;
  draws: number;
  imageShape: [number, number, number];
  /** (chains, draws, C, H, W) in the model's input space, when keep = 'all'. */
  samples: Float32Array | null;
  /** (chains, C, H, W): the final state of each chain. */
  last: Float32Array;
  /** (chains, C, H, W): each chain's mean over its kept draws, an estimate of E[I] under the target. */
  means: Float32Array;
  stepSize: number;
  sigma: number;
  /** T_k, the temperature this node was sampled at (temperature x its scale). */
  temperature: number;
  temperatureScale: number;
  /** Per chain, over the kept iterations. */
  acceptance: number[];
  divergences: number[];
  /** Per chain and iteration (warm-up included): energy H, node response F_k, |I|. */
  traces: { energy: number[][]; value: number[][]; norm: number[][] };
  rhat: number;
  ess: number;
  /** Parallel tempering: the acceptance rate of swaps between adjacent rungs. */
  swapRate?: number[];
  seconds: number;
}

/**
 * The sampler's options checked, with their defaults filled in (sigma from the model's preprocessing).
 * @throws GenConvNetError E_INVALID_ARGUMENT naming the first option out of range.
 */
export function checkOptions(o: SampleOptions, net: Network) {
  const method = o.method ?? 'hmc';
  if (!['hmc', 'mala', 'ula', 'map'].includes(method)) throw expected("'hmc', 'mala', 'ula' or 'map'", 'method', method);
  const sigma = o.sigma ?? net.preprocessing?.sigma ?? 1;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw expected('sigma > 0', 'sigma', sigma);
  const T = o.temperature ?? 1;
  if (!(T > 0) || !Number.isFinite(T)) throw expected('a temperature > 0', 'temperature', T);
  // Upper bounds as on the command line: beyond them a run would take years or never fit in memory.
  const ints: [string, number, number, number][] = [['chains', o.chains ?? 16, 1, 4096], ['draws', o.draws ?? 100, 1, 1_000_000], ['warmup', o.warmup ?? 100, 0, 1_000_000],
    ['leapfrog', method === 'hmc' || method === 'map' ? (o.leapfrog ?? 20) : 1, 1, 10_000], ['rungs', o.tempering?.rungs ?? 1, 1, 256]];
  for (const [k, v, min, max] of ints) if (!Number.isInteger(v) || v < min || v > max) throw expected(`an integer in [${min}, ${max}]`, k, v);
  if (o.stepSize !== undefined && !(o.stepSize > 0 && Number.isFinite(o.stepSize))) throw expected('a step size > 0', 'stepSize', o.stepSize);
  // ULA never rejects; its step is adapted on the Metropolis probability towards a high target to keep its bias small
  const target = o.targetAccept ?? (method === 'hmc' ? 0.65 : method === 'mala' ? 0.57 : 0.9);
  if (!(target > 0 && target < 1)) throw expected('a target acceptance in (0, 1)', 'targetAccept', target);
  const maxT = o.tempering?.maxTemperature ?? 1;
  if (!(maxT >= 1 && Number.isFinite(maxT))) throw expected('a maxTemperature >= 1', 'tempering.maxTemperature', maxT);
  const anneal = o.anneal ?? 1;
  if (!(anneal >= 1 && Number.isFinite(anneal))) throw expected('an anneal factor >= 1', 'anneal', anneal);
  return { method, sigma, T, chains: ints[0][1], draws: ints[1][1], warmup: ints[2][1], L: ints[3][1], rungs: ints[4][1], maxT, anneal, target };
}
type Config = ReturnType<typeof checkOptions>;

/** The starting images of n chains: reference draws N(0, sigma^2), zeros, or given images used in turn. */
function startImages(o: SampleOptions, n: number, D: number, sigma: number, rng: Rng): Float32Array {
  const start = o.start ?? 'reference';
  if (start === 'zeros') return new Float32Array(n * D);
  if (start === 'reference') return rng.fillNormal(new Float32Array(n * D), 0, sigma) as Float32Array;
  if (!(start instanceof Float32Array) || start.length === 0 || start.length % D !== 0)
    throw expected(`'reference', 'zeros' or a Float32Array of a multiple of ${D} values`, 'start', start);
  const out = new Float32Array(n * D), k = start.length / D;
  for (let c = 0; c < n; c++) out.set(start.subarray((c % k) * D, (c % k + 1) * D), c * D);
  return out;
}

function scalesOf(o: SampleOptions, count: number): number[] {
  const s = o.temperatureScale ?? 1;
  const list = typeof s === 'number' ? new Array<number>(count).fill(s) : s;
  if (!Array.isArray(list) || list.length !== count || !list.every((v) => v > 0 && Number.isFinite(v)))
    throw expected(`a number > 0 or ${count} of them (one per node)`, 'temperatureScale', s);
  return list;
}

/**
 * Samples images for one node of a trained network.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown node, several nodes (use sampleNodes) or bad
 * options (sigma <= 0, ...); E_SAMPLER when a fixed step size gives zero acceptance (with the step size to try instead).
 */
export async function sample(net: Network, options: SampleOptions): Promise<SampleResult> {
  const nodes = resolveNodes(net.resolved, options.node);
  if (nodes.length !== 1) throw expected('one node (sampleNodes takes several)', 'node', options.node);
  return (await sampleNodes(net, options))[0];
}

/**
 * Samples every node of a list (or a layer wildcard) with `chains` chains each: the chains of all
 * nodes of one layer form one native batch (chains.ts), and each HMC iteration is one native call
 * that runs the whole leapfrog trajectory of every chain (native/engine/chains.cc;
 * native/backends/cuda_chains.cc on CUDA).
 * @throws GenConvNetError as sample() does.
 */
export async function sampleNodes(net: Network, options: SampleOptions): Promise<SampleResult[]> {
  const nodes = resolveNodes(net.resolved, options.node);
  const cfg = checkOptions(options, net);
  const scales = scalesOf(options, nodes.length);
  const out = new Array<SampleResult>(nodes.length);
  for (const layer of [...new Set(nodes.map((n) => n.layer))]) {
    const idx = nodes.flatMap((n, i) => (n.layer === layer ? [i] : []));
    const rs = await sampleLayer(net, idx.map((i) => nodes[i]), idx.map((i) => scales[i]), cfg, options);
    idx.forEach((i, k) => (out[i] = rs[k]));
  }
  return out;
}

/** Slot of chain k of node g at rung r. */
const slotOf = (cfg: Config, g: number, r: number, k: number) => (g * cfg.rungs + r) * cfg.chains + k;

/** Samples the nodes of one layer as one native chain batch (G nodes x rungs x chains slots), disposed at the end. */
async function sampleLayer(net: Network, nodes: Node[], scales: number[], cfg: Config, o: SampleOptions): Promise<SampleResult[]> {
  const started = Date.now();
  const { chains, draws, warmup, L, method, rungs } = cfg;
  const G = nodes.length, n = G * rungs * chains, D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  const seed = o.seed ?? 0, rng = new Rng(seed);
  const perSlot = Array.from({ length: n }, (_, s) => nodes[Math.floor(s / (rungs * chains))]);
  const world = o.distributed === 'mpi' ? initDistributed() : SOLO;
  if (chains < world.size) throw expected(`at least one chain per rank (${world.size} ranks)`, 'chains', chains);
  const share = world.size > 1 ? new ChainShare(n, chains, world) : null;
  // every rank draws the same start images (the same stream) and keeps its chains' rows
  const batch = await ChainBatch.create(net, perSlot, startImages(o, n, D, cfg.sigma, rng), seed, cfg.sigma, share);
  try {
    return await run(batch, net, nodes, scales, cfg, o, rng, started);
  } finally {
    batch.dispose();
  }
}

/**
 * The iterations of one batch: per iteration the tempered 1/T and 1/sigma^2 of every slot, one native
 * trajectory (ChainBatch.iterate), step-size adaptation, traces, replica exchange and kept draws.
 */
async function run(batch: ChainBatch, net: Network, nodes: Node[], scales: number[], cfg: Config, o: SampleOptions, rng: Rng, started: number): Promise<SampleResult[]> {
  const { chains, draws, warmup, L, method, rungs } = cfg;
  const G = nodes.length, D = batch.D, total = warmup + draws;
  const temps = ladder(rungs, cfg.maxT);
  const adapt = o.adapt ?? (o.stepSize === undefined && method !== 'map');
  const eps0 = o.stepSize ?? (method === 'map' ? 0.5 : 0.1) * cfg.sigma;
  const da = Array.from({ length: G * rungs }, () => new DualAveraging(eps0, cfg.target));
  batch.eps.fill(eps0);
  const keepAll = (o.keep ?? 'all') === 'all';
  const samples = keepAll && (!batch.share || batch.share.world.rank === 0) ? nodes.map(() => new Float32Array(chains * draws * D)) : null;
  const acc = new Float64Array(batch.n), div = new Float64Array(batch.n), swaps = new Float64Array(Math.max(1, rungs - 1)), tries = new Float64Array(swaps.length);
  const traces = nodes.map(() => ({ energy: [...Array(chains)].map(() => [] as number[]), value: [...Array(chains)].map(() => [] as number[]), norm: [...Array(chains)].map(() => [] as number[]) }));
  const warmAccept = new Float64Array(G);
  for (let it = 0; it < total; it++) {
    if (it === warmup && adapt && warmup > 0) da.forEach((d, gr) => batch.eps.fill(d.final(), gr * chains, (gr + 1) * chains));
    const heat = it < warmup ? annealFactor(cfg.anneal, it, warmup) : 1;
    for (let s = 0; s < batch.n; s++) {
      const t = temps[Math.floor(s / chains) % rungs] * heat; // the whole target tempered: pi^(1/t)
      batch.invT[s] = 1 / (cfg.T * scales[Math.floor(s / (rungs * chains))] * t);
      batch.invS2[s] = 1 / (cfg.sigma * cfg.sigma * t);
    }
    const out = await batch.iterate(method, L, it >= warmup);
    let meanProb = 0;
    for (let gr = 0; gr < G * rungs; gr++) {
      let p = 0;
      for (let k = 0; k < chains; k++) p += out.prob[gr * chains + k] / chains;
      meanProb += p / (G * rungs);
      if (gr % rungs === 0 && it < warmup) warmAccept[gr / rungs] += p;
      if (it < warmup && adapt) batch.eps.fill(da[gr].update(p), gr * chains, (gr + 1) * chains);
    }
    if (method === 'map') for (let s = 0; s < batch.n; s++) batch.eps[s] *= out.taken[s] ? 1.2 : 0.5; // backtracking ascent
    for (let s = 0; s < batch.n && it >= warmup; s++) (acc[s] += out.taken[s]), (div[s] += out.bad[s]);
    for (let g = 0; g < G; g++)
      for (let k = 0; k < chains; k++) {
        const s = slotOf(cfg, g, 0, k);
        traces[g].energy[k].push(out.energy[s]);
        traces[g].value[k].push(batch.value[s]);
        traces[g].norm[k].push(Math.sqrt(batch.ii[s]));
      }
    if (rungs > 1) exchange(batch, G, rungs, chains, it, rng, swaps, tries);
    const st = keepAll && it >= warmup ? batch.state() : null; // every rank calls it; with a share only rank 0 gets images
    if (samples && st) {
      for (let g = 0; g < G; g++)
        for (let k = 0; k < chains; k++) samples[g].set(st.subarray(slotOf(cfg, g, 0, k) * D, (slotOf(cfg, g, 0, k) + 1) * D), (k * draws + it - warmup) * D);
    }
    if (it === warmup - 1 && !adapt && method !== 'ula' && method !== 'map') warmAccept.forEach((a, g) => a === 0 && zeroAcceptance(nodes[g], batch.eps[slotOf(cfg, g, 0, 0)], warmup));
    o.onProgress?.(it + 1, total, { stepSize: batch.eps[0], acceptance: meanProb });
  }
  const last = batch.state(), mean = batch.mean(draws);
  const pick = (src: Float32Array | null, g: number) => {
    if (!src) return new Float32Array(0); // MPI ranks other than 0 hold no images
    const a = new Float32Array(chains * D);
    for (let k = 0; k < chains; k++) a.set(src.subarray(slotOf(cfg, g, 0, k) * D, (slotOf(cfg, g, 0, k) + 1) * D), k * D);
    return a;
  };
  return nodes.map((node, g) => {
    const acceptance = Array.from({ length: chains }, (_, k) => acc[slotOf(cfg, g, 0, k)] / draws);
    if (method !== 'ula' && method !== 'map' && acceptance.every((a) => a === 0)) zeroAcceptance(node, batch.eps[slotOf(cfg, g, 0, 0)], draws);
    const kept = traces[g].value.map((v) => v.slice(warmup));
    return {
      node: node.name, method, chains, draws, imageShape: net.inputShape, samples: samples ? samples[g] : null, last: pick(last, g), means: pick(mean, g),
      stepSize: batch.eps[slotOf(cfg, g, 0, 0)], sigma: cfg.sigma, temperature: cfg.T * scales[g], temperatureScale: scales[g],
      acceptance, divergences: Array.from({ length: chains }, (_, k) => div[slotOf(cfg, g, 0, k)]), traces: traces[g],
      rhat: splitRhat(kept), ess: effectiveSampleSize(kept), ...(rungs > 1 ? { swapRate: Array.from(swaps, (s, i) => s / Math.max(1, tries[i])) } : {}),
      seconds: (Date.now() - started) / 1000,
    };
  });
}

function zeroAcceptance(node: Node, eps: number, iterations: number): never {
  throw new GenConvNetError('E_SAMPLER', `Expected some accepted proposals but step size ${eps.toPrecision(3)} gave zero acceptance over ${iterations} iterations for ${node.name}; use a smaller step size (try ${(eps / 10).toPrecision(2)}) or let it adapt (omit the step size)`);
}
