// lib/sample/hmc.ts — generative visualization (SPEC 4): draw images for a node of a trained
// net from pi(I) ∝ exp(F_k(I)/T) N(0, sigma^2) by HMC, MALA or unadjusted Langevin. All chains
// run as one batch (one forward and one backward per leapfrog step), each with its own
// Metropolis test; the kick, drift and energy sums are the fused native leapfrog pass.
import { GenConvNetError, expected } from '../errors';
import { loadNative } from '../native';
import type { Network } from '../network';
import type { Node, NodeRef } from '../nodes';
import { Rng } from '../rng';
import { DualAveraging } from './adapt';
import { effectiveSampleSize, splitRhat } from './diagnostics';

export type Method = 'hmc' | 'mala' | 'ula';

export interface SampleOptions {
  node: NodeRef;
  chains?: number;
  /** Iterations kept after warm-up. */
  draws?: number;
  /** Warm-up iterations (step-size adaptation, then discarded). */
  warmup?: number;
  /** Leapfrog steps per HMC iteration (MALA and ULA use 1). */
  leapfrog?: number;
  method?: Method;
  /** A fixed step size; when absent it is adapted during warm-up. */
  stepSize?: number;
  /** Adapt even when stepSize is given (it is then the starting point). */
  adapt?: boolean;
  targetAccept?: number;
  temperature?: number;
  /** Reference std; defaults to the model's stored sigma (else 1). */
  sigma?: number;
  start?: 'reference' | 'zeros' | Float32Array;
  seed?: number;
  /** Keep every draw (chains x draws x D) or only the last state of each chain. */
  keep?: 'all' | 'last';
  onProgress?: (iteration: number, total: number, info: { stepSize: number; acceptance: number }) => void;
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
  temperature: number;
  /** Per chain, over the kept iterations. */
  acceptance: number[];
  divergences: number[];
  /** Per chain and iteration (warm-up included): energy H, node response F_k, |I|. */
  traces: { energy: number[][]; value: number[][]; norm: number[][] };
  rhat: number;
  ess: number;
  seconds: number;
}

interface State {
  I: Float32Array;
  value: Float32Array;
  grad: Float32Array;
  ii: Float64Array;
}

export function checkOptions(o: SampleOptions, net: Network) {
  const method = o.method ?? 'hmc';
  if (!['hmc', 'mala', 'ula'].includes(method)) throw expected("'hmc', 'mala' or 'ula'", 'method', method);
  const sigma = o.sigma ?? net.preprocessing?.sigma ?? 1;
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw expected('sigma > 0', 'sigma', sigma);
  const T = o.temperature ?? 1;
  if (!(T > 0) || !Number.isFinite(T)) throw expected('a temperature > 0', 'temperature', T);
  const ints: [string, number, number][] = [['chains', o.chains ?? 16, 1], ['draws', o.draws ?? 100, 1], ['warmup', o.warmup ?? 100, 0], ['leapfrog', method === 'hmc' ? (o.leapfrog ?? 20) : 1, 1]];
  for (const [k, v, min] of ints) if (!Number.isInteger(v) || v < min) throw expected(`an integer >= ${min}`, k, v);
  if (o.stepSize !== undefined && !(o.stepSize > 0 && Number.isFinite(o.stepSize))) throw expected('a step size > 0', 'stepSize', o.stepSize);
  // ULA never rejects; its step is adapted on the Metropolis probability towards a high target to keep its bias small
  const target = o.targetAccept ?? (method === 'hmc' ? 0.65 : method === 'mala' ? 0.57 : 0.9);
  if (!(target > 0 && target < 1)) throw expected('a target acceptance in (0, 1)', 'targetAccept', target);
  return { method, sigma, T, chains: ints[0][1], draws: ints[1][1], warmup: ints[2][1], L: ints[3][1], target };
}

/** @internal The batched HMC machinery; exported for the sampler tests. */
export class Sampler {
  readonly D: number;
  readonly lf: ReturnType<typeof loadNative>['leapfrog'];
  readonly rng: Rng;
  readonly p: Float32Array;
  readonly invT: number;
  readonly invS2: number;

  constructor(readonly net: Network, readonly node: Node, readonly cfg: ReturnType<typeof checkOptions>, seed: number) {
    this.D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
    const native = loadNative();
    this.lf = net.backend === 'cuda' && native.cudaLeapfrog ? native.cudaLeapfrog : native.leapfrog;
    this.rng = new Rng(seed);
    this.p = new Float32Array(cfg.chains * this.D);
    this.invT = 1 / cfg.T;
    this.invS2 = 1 / (cfg.sigma * cfg.sigma);
  }

  /** U(I) + |p|^2/2 per chain. */
  energy(value: number, ii: number, pp: number): number {
    return -value * this.invT + 0.5 * ii * this.invS2 + 0.5 * pp;
  }

  async evaluate(I: Float32Array): Promise<State> {
    const { values, grad } = await this.net.inputGradient(I, this.node);
    const ii = new Float64Array(this.cfg.chains);
    for (let c = 0; c < this.cfg.chains; c++) {
      let s = 0;
      for (let j = c * this.D; j < (c + 1) * this.D; j++) s += I[j] * I[j];
      ii[c] = s;
    }
    return { I, value: values, grad, ii };
  }

  /** Draws fresh momenta; returns |p|^2 per chain. */
  refresh(): Float64Array {
    const pp = new Float64Array(this.cfg.chains);
    for (let c = 0; c < this.cfg.chains; c++) {
      let s = 0;
      for (let j = c * this.D; j < (c + 1) * this.D; j++) {
        const v = this.rng.normal();
        this.p[j] = v;
        s += v * v;
      }
      pp[c] = s;
    }
    return pp;
  }

  /** One leapfrog trajectory of L steps from `s` with step eps; returns the proposal and its |p|^2. */
  // A chain whose trajectory leaves the finite numbers is marked diverged and parked at its
  // start (so the batch can still be evaluated); it is rejected and counted afterwards.
  park(I: Float32Array, from: Float32Array, diverged: boolean[]): void {
    for (let c = 0; c < this.cfg.chains; c++) {
      for (let j = c * this.D; j < (c + 1) * this.D; j++) {
        if (!diverged[c] && Number.isFinite(I[j]) && Number.isFinite(this.p[j])) continue;
        diverged[c] = true;
        I.set(from.subarray(c * this.D, (c + 1) * this.D), c * this.D);
        this.p.fill(0, c * this.D, (c + 1) * this.D);
        break;
      }
    }
  }

  async trajectory(s: State, eps: number, L: number): Promise<{ prop: State; pp: Float64Array; diverged: boolean[] }> {
    const I = s.I.slice();
    const diverged = new Array<boolean>(this.cfg.chains).fill(false);
    this.lf(I, this.p, s.grad, this.cfg.chains, eps / 2, eps, this.invT, this.invS2);
    this.park(I, s.I, diverged);
    let prop = await this.evaluate(I);
    for (let l = 1; l < L; l++) {
      this.lf(I, this.p, prop.grad, this.cfg.chains, eps, eps, this.invT, this.invS2);
      this.park(I, s.I, diverged);
      prop = await this.evaluate(I);
    }
    const { pp, ii } = this.lf(I, this.p, prop.grad, this.cfg.chains, eps / 2, 0, this.invT, this.invS2);
    return { prop: { ...prop, ii }, pp, diverged };
  }

  /**
   * One iteration for all chains: fresh momenta, a trajectory, and per chain the Metropolis
   * test (ULA takes every finite proposal; its probability still feeds the adaptation).
   * Updates `state` in place and appends to the traces.
   */
  async iterate(state: State, eps: number, L: number, method: Method, traces: SampleResult['traces']) {
    const chains = this.cfg.chains;
    const pp0 = this.refresh();
    const h0 = Array.from({ length: chains }, (_, c) => this.energy(state.value[c], state.ii[c], pp0[c]));
    const { prop, pp, diverged } = await this.trajectory(state, eps, L);
    let acceptSum = 0;
    const taken: boolean[] = [], bad: boolean[] = [];
    for (let c = 0; c < chains; c++) {
      const h1 = this.energy(prop.value[c], prop.ii[c], pp[c]);
      bad[c] = diverged[c] || !Number.isFinite(h1) || !Number.isFinite(prop.value[c]);
      const prob = bad[c] ? 0 : Math.min(1, Math.exp(h0[c] - h1));
      acceptSum += prob;
      taken[c] = !bad[c] && (method === 'ula' || this.rng.uniform() < prob);
      if (taken[c]) copyChain(state, prop, c, this.D);
      traces.energy[c].push(taken[c] ? h1 : h0[c]);
      traces.value[c].push(state.value[c]);
      traces.norm[c].push(Math.sqrt(state.ii[c]));
    }
    return { acceptSum, taken, bad };
  }
}

function copyChain(dst: State, src: State, c: number, D: number): void {
  dst.I.set(src.I.subarray(c * D, (c + 1) * D), c * D);
  dst.grad.set(src.grad.subarray(c * D, (c + 1) * D), c * D);
  dst.value[c] = src.value[c];
  dst.ii[c] = src.ii[c];
}

/** The starting images: reference draws N(0, sigma^2), zeros, or given images (one per chain or one for all). */
function startImages(o: SampleOptions, chains: number, D: number, sigma: number, rng: Rng): Float32Array {
  const start = o.start ?? 'reference';
  if (start === 'zeros') return new Float32Array(chains * D);
  if (start === 'reference') return rng.fillNormal(new Float32Array(chains * D), 0, sigma) as Float32Array;
  if (!(start instanceof Float32Array) || (start.length !== D && start.length !== chains * D))
    throw expected(`'reference', 'zeros' or a Float32Array of ${D} or ${chains * D} values`, 'start', start);
  if (start.length === chains * D) return start.slice();
  const out = new Float32Array(chains * D);
  for (let c = 0; c < chains; c++) out.set(start, c * D);
  return out;
}

/**
 * Samples images for a node of a trained network.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown node or bad options (sigma <= 0, ...);
 * E_SAMPLER when a fixed step size gives zero acceptance (with the step size to try instead).
 */
export async function sample(net: Network, options: SampleOptions): Promise<SampleResult> {
  const started = Date.now();
  const node = net.node(options.node);
  const cfg = checkOptions(options, net);
  const S = new Sampler(net, node, cfg, options.seed ?? 0);
  const { chains, draws, warmup, L, method } = cfg;
  const D = S.D;
  const state = await S.evaluate(startImages(options, chains, D, cfg.sigma, S.rng));
  const adapt = options.adapt ?? options.stepSize === undefined;
  let eps = options.stepSize ?? 0.1 * cfg.sigma;
  const da = new DualAveraging(eps, cfg.target);
  const keepAll = (options.keep ?? 'all') === 'all';
  const samples = keepAll ? new Float32Array(chains * draws * D) : null;
  const means = new Float32Array(chains * D);
  const accepted = new Array<number>(chains).fill(0), divergences = new Array<number>(chains).fill(0);
  const traces = { energy: [...Array(chains)].map(() => [] as number[]), value: [...Array(chains)].map(() => [] as number[]), norm: [...Array(chains)].map(() => [] as number[]) };
  const total = warmup + draws;
  let warmAccept = 0;
  for (let it = 0; it < total; it++) {
    if (it === warmup && adapt && warmup > 0) eps = da.final();
    const { acceptSum, taken, bad } = await S.iterate(state, eps, L, method, traces);
    for (let c = 0; c < chains; c++) {
      if (bad[c] && it >= warmup) divergences[c]++;
      if (taken[c] && it >= warmup) accepted[c]++;
    }
    if (it < warmup) {
      warmAccept += acceptSum / chains;
      if (adapt) eps = da.update(acceptSum / chains);
    } else {
      for (let j = 0; j < chains * D; j++) means[j] += state.I[j] / draws;
      if (samples) for (let c = 0; c < chains; c++) samples.set(state.I.subarray(c * D, (c + 1) * D), (c * draws + (it - warmup)) * D);
    }
    if (it === warmup - 1 && !adapt && warmAccept === 0 && method !== 'ula') zeroAcceptance(eps, warmup);
    options.onProgress?.(it + 1, total, { stepSize: eps, acceptance: acceptSum / chains });
  }
  const acceptance = accepted.map((a) => a / draws);
  if (method !== 'ula' && acceptance.every((a) => a === 0)) zeroAcceptance(eps, draws);
  const kept = traces.value.map((v) => v.slice(warmup));
  return {
    node: node.name, method, chains, draws, imageShape: net.inputShape, samples, last: state.I, means, stepSize: eps, sigma: cfg.sigma, temperature: cfg.T,
    acceptance, divergences, traces, rhat: splitRhat(kept), ess: effectiveSampleSize(kept), seconds: (Date.now() - started) / 1000,
  };
}

function zeroAcceptance(eps: number, iterations: number): never {
  throw new GenConvNetError('E_SAMPLER', `Expected some accepted proposals but step size ${eps.toPrecision(3)} gave zero acceptance over ${iterations} iterations; use a smaller step size (try ${(eps / 10).toPrecision(2)}) or let it adapt (omit the step size)`);
}
