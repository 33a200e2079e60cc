// lib/sample/gallery.ts — the demo's pictures (issue 13): every class of a trained net and every
// channel of each conv layer sampled layer-wide in one batch per layer, with temperatures in the
// nodes' own units (T_k = T * std_k on training images) and a MAP baseline; the channels that show
// the most (highest z-score) join the classes in the overview, one row per node; a Langevin (MALA)
// gallery of the classes beside it. Every row's scores go to `overview.json` (the caption).
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import type { Network } from '../network';
import { sampleNodesToFiles, writeRows, type NodeSummary } from './files';
import type { SampleResult } from './hmc';

export interface GalleryOptions {
  chains: number;
  warmup: number;
  steps: number;
  leapfrog: number;
  /** Temperature of the class rows, in units of each node's response std on data. */
  temperature: number;
  /**
   * Temperature of the channel rows, same units (default: `temperature`). A class score's std on
   * data is wide (it separates the classes), a channel's narrow, so the classes need a lower T.
   */
  channelTemperature?: number;
  /** Channels of each conv layer shown in the overview (highest z first). */
  perLayer: Record<string, number>;
  /** Chains per channel in the layer-wide runs. */
  channelChains: number;
  onStage?: (what: string, total: number) => void;
  onProgress?: (iteration: number) => void;
}

export interface OverviewRow {
  node: string;
  z: number;
  percentile: number;
  classified?: number;
  rhat: number;
  acceptance: number;
}

/**
 * Samples the gallery into `dir` and writes `overview.png`, `overview.json` and `langevin.png`.
 * @throws GenConvNetError from the sampler, E_IO on write.
 */
export async function sampleGallery(net: Network, model: string, dir: string, data: Float32Array, o: GalleryOptions): Promise<{ rows: OverviewRow[]; summaries: NodeSummary[] }> {
  const last = net.resolved.layers[net.resolved.layers.length - 1].name;
  const common = { warmup: o.warmup, draws: o.steps, leapfrog: o.leapfrog, temperature: o.temperature, keep: 'last' as const, onProgress: o.onProgress };
  const files = { data, temperatureScale: 'data' as const, mapBaseline: true };
  const channelT = o.channelTemperature ?? o.temperature;
  const picked: { r: SampleResult; map: SampleResult; s: NodeSummary }[] = [];
  const summaries: NodeSummary[] = [];
  o.onStage?.(`${last}:* (every class)`, o.warmup + o.steps);
  const cls = await sampleNodesToFiles(net, model, { ...common, node: `${last}:*`, chains: o.chains, seed: 1 }, path.join(dir, 'classes.png'), files);
  cls.results.forEach((r, g) => picked.push({ r, map: cls.maps![g], s: cls.summaries[g] }));
  summaries.push(...cls.summaries);
  for (const [layer, count] of Object.entries(o.perLayer)) {
    o.onStage?.(`${layer}:*@mean (every channel, one batch)`, o.warmup + o.steps);
    const run = await sampleNodesToFiles(net, model, { ...common, temperature: channelT, node: `${layer}:*@mean`, chains: o.channelChains, seed: 2 }, path.join(dir, `${layer}.png`), files);
    summaries.push(...run.summaries);
    const order = run.summaries.map((s, g) => [s.scores?.z ?? -Infinity, g] as const).sort((a, b) => b[0] - a[0]).slice(0, count);
    for (const [, g] of order) picked.push({ r: run.results[g], map: run.maps![g], s: run.summaries[g] });
  }
  o.onStage?.(`${last}:* by Langevin (MALA)`, o.warmup + o.steps);
  const lang = await sampleNodesToFiles(net, model, { ...common, node: `${last}:*`, chains: o.chains, method: 'mala', leapfrog: 1, seed: 3 }, path.join(dir, 'langevin.png'), { data, temperatureScale: 'data' });
  summaries.push(...lang.summaries);
  await writeRows(net, picked.map((p) => p.r), picked.map((p) => p.map), path.join(dir, 'overview.png'), 4, 2);
  const rows = picked.map(({ r, s }) => ({
    node: r.node, z: s.scores?.z ?? NaN, percentile: s.scores?.percentile ?? NaN, ...(s.scores?.classified !== undefined ? { classified: s.scores.classified } : {}),
    rhat: r.rhat, acceptance: s.acceptance.mean,
  }));
  await writeFileAtomic(path.join(dir, 'overview.json'), JSON.stringify({ columns: 'MAP, 4 chain means, 4 final states', temperature: o.temperature, channelTemperature: channelT, rows }, null, 1));
  return { rows, summaries };
}
