// lib/sample/summary.ts — what a sampling run leaves behind: its diagnostics summarized for
// people and machines, the PNG grids (final states, one chain's trajectory) and the raw
// samples as safetensors ([chains, draws, C, H, W] in the model's input space).
import { writeSafetensors } from '../io/safetensors';
import { writeFileAtomic } from '../io/atomic';
import type { Network } from '../network';
import { tileImages } from './grid';
import * as path from 'node:path';
import type { SampleOptions, SampleResult } from './hmc';
import { sampleNodesToFiles, type FileOptions } from './files'; // a call-time cycle: files.ts uses this file's helpers
import type { NodeScores } from './scores';

export interface SampleSummary {
  node: string;
  method: string;
  chains: number;
  draws: number;
  stepSize: number;
  sigma: number;
  temperature: number;
  acceptance: { mean: number; min: number; max: number; perChain: number[] };
  divergences: number;
  rhat: number;
  ess: number;
  /** Mean node response over the kept iterations, all chains. */
  meanValue: number;
  seconds: number;
  /** T_k / T: the node's temperature scale (its response std on data with --temperature-scale data). */
  temperatureScale?: number;
  /** Parallel tempering: swap acceptance between adjacent rungs. */
  swapRate?: number[];
  /** Scores against the node's responses on data (files.ts). */
  scores?: NodeScores;
  /** The node's responses on data: how many images, their mean and std. */
  data?: { images: number; mean: number; std: number };
  /** The MAP's response (files.ts with a MAP baseline). */
  mapValue?: number;
}

export function summarize(r: SampleResult): SampleSummary {
  const kept = r.traces.value.flatMap((v) => v.slice(v.length - r.draws));
  return {
    node: r.node, method: r.method, chains: r.chains, draws: r.draws, stepSize: r.stepSize, sigma: r.sigma, temperature: r.temperature,
    acceptance: { mean: r.acceptance.reduce((a, b) => a + b, 0) / r.chains, min: Math.min(...r.acceptance), max: Math.max(...r.acceptance), perChain: r.acceptance },
    divergences: r.divergences.reduce((a, b) => a + b, 0), rhat: r.rhat, ess: r.ess, meanValue: kept.reduce((a, b) => a + b, 0) / kept.length, seconds: r.seconds,
    temperatureScale: r.temperatureScale, ...(r.swapRate ? { swapRate: r.swapRate } : {}),
  };
}

export function formatSummary(s: SampleSummary): string {
  const sc = s.scores && Number.isFinite(s.scores.z) ? `, z ${s.scores.z.toFixed(1)} (percentile ${(100 * s.scores.percentile).toFixed(1)})` : '';
  const cls = s.scores?.classified !== undefined ? `, classified as its class ${(100 * s.scores.classified).toFixed(0)}%` : '';
  return `${s.node} (${s.method}, ${s.chains} chains x ${s.draws} draws, T ${s.temperature.toPrecision(3)}): step ${s.stepSize.toPrecision(3)}, acceptance ${s.acceptance.mean.toFixed(2)} [${s.acceptance.min.toFixed(2)}, ${s.acceptance.max.toFixed(2)}], divergences ${s.divergences}, R-hat ${s.rhat.toFixed(3)}, ESS ${s.ess.toFixed(0)}, mean F ${s.meanValue.toFixed(2)}${sc}${cls}, ${s.seconds.toFixed(1)}s`;
}

/** Writes the grids of final states and of per-chain means (and optionally one chain's trajectory) as PNG files. */
export async function writeGrids(net: Network, r: SampleResult, file: string, options: { trajectory?: number; scale?: number } = {}): Promise<string[]> {
  const written = [file, file.replace(/(\.png)?$/i, '-mean.png')];
  await writeFileAtomic(written[0], tileImages(r.last, r.imageShape, net.preprocessing, { scale: options.scale ?? 2 }).png);
  await writeFileAtomic(written[1], tileImages(r.means, r.imageShape, net.preprocessing, { scale: options.scale ?? 2 }).png);
  if (options.trajectory !== undefined && r.samples) {
    const D = r.imageShape[0] * r.imageShape[1] * r.imageShape[2];
    const c = Math.min(Math.max(0, options.trajectory), r.chains - 1);
    const picks = Math.min(r.draws, 32), step = r.draws / picks;
    const frames = new Float32Array(picks * D);
    for (let k = 0; k < picks; k++) frames.set(r.samples.subarray((c * r.draws + Math.floor(k * step)) * D, (c * r.draws + Math.floor(k * step) + 1) * D), k * D);
    const tfile = file.replace(/(\.png)?$/i, '-trajectory.png');
    await writeFileAtomic(tfile, tileImages(frames, r.imageShape, net.preprocessing, { cols: 8, scale: options.scale ?? 2 }).png);
    written.push(tfile);
  }
  return written;
}

/** Saves the raw samples: tensor `samples` [chains, draws, C, H, W], settings in the metadata. */
export async function saveSamples(r: SampleResult, file: string, model: string): Promise<void> {
  if (!r.samples) return;
  await writeSafetensors(file, { samples: { dtype: 'F32', shape: [r.chains, r.draws, ...r.imageShape], data: r.samples } }, {
    genconvnet_samples: JSON.stringify({ model, node: r.node, method: r.method, stepSize: r.stepSize, sigma: r.sigma, temperature: r.temperature }),
  });
}

/**
 * Samples a node and writes everything a run keeps: the PNG grid(s), `<out>.json` with the
 * diagnostics and traces (what `report` reads), and optionally the raw samples (files.ts for lists).
 * @throws GenConvNetError from sample() for bad options, E_IO when a file cannot be written.
 */
export async function sampleToFiles(
  net: Network,
  model: string,
  options: SampleOptions,
  out: string,
  extra: FileOptions = {},
): Promise<{ result: SampleResult; summary: SampleSummary & { model: string; files: string[] }; written: string[] }> {
  const { results, summaries, written } = await sampleNodesToFiles(net, model, options, out, extra);
  return { result: results[0], summary: summaries[0], written };
}
