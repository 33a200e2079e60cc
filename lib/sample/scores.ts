// lib/sample/scores.ts — what a node's samples are worth, measured against data (issue 13):
// the node's responses on training images (mean, std, sorted values; the std is the node's own
// unit for `temperatureScale`), and per sampled node the z-score and percentile of the samples'
// mean response against them, and for class nodes the fraction of final states classified as the class.
import { expected } from '../errors';
import type { Network } from '../network';
import type { Node } from '../nodes';
import type { SampleResult } from './hmc';

export interface NodeDataStats {
  node: string;
  /** Number of images measured. */
  images: number;
  mean: number;
  std: number;
  /** The responses, sorted ascending (for percentiles). */
  sorted: Float32Array;
}

export interface NodeScores {
  /** (mean response of the kept draws - data mean) / data std. */
  z: number;
  /** Fraction of the data's responses below the samples' mean response (0..1). */
  percentile: number;
  /** Class nodes (the last layer): the fraction of final states the net classifies as this class. */
  classified?: number;
}

/**
 * Each node's responses on `images` (n x C x H x W, preprocessed), in batches.
 * @throws GenConvNetError E_SHAPE when images is not a whole number of images.
 */
export async function nodeDataStats(net: Network, nodes: Node[], images: Float32Array, batch = 250): Promise<NodeDataStats[]> {
  const D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  if (images.length === 0 || images.length % D !== 0) throw expected(`a multiple of ${D} values`, 'images', images.length, 'E_SHAPE');
  const n = images.length / D;
  return Promise.all(nodes.map(async () => new Float32Array(n))).then(async (values) => {
    for (let k = 0; k < nodes.length; k++)
      for (let i = 0; i < n; i += batch) {
        const m = Math.min(batch, n - i);
        values[k].set((await net.inputGradient(images.subarray(i * D, (i + m) * D), nodes[k])).values, i);
      }
    return nodes.map((node, k) => {
      const v = values[k];
      let mean = 0, sq = 0;
      for (const x of v) mean += x / n;
      for (const x of v) sq += (x - mean) ** 2 / Math.max(1, n - 1);
      return { node: node.name, images: n, mean, std: Math.sqrt(sq), sorted: v.slice().sort() };
    });
  });
}

/** Temperature scales from data: std_k, with a floor (a dead node gets 1e-6 of the largest std, not 0). */
export function dataScales(stats: NodeDataStats[]): number[] {
  const top = Math.max(...stats.map((s) => s.std), 1e-12);
  return stats.map((s) => Math.max(s.std, 1e-6 * top));
}

function percentileOf(sorted: Float32Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length ? lo / sorted.length : NaN;
}

/**
 * Scores a sampled node against its data statistics; class nodes also get the classified fraction.
 * @throws GenConvNetError from the network's forward.
 */
export async function scoreNode(net: Network, node: Node, r: SampleResult, stats: NodeDataStats | undefined): Promise<NodeScores> {
  const kept = r.traces.value.flatMap((v) => v.slice(v.length - r.draws));
  const meanF = kept.reduce((a, b) => a + b, 0) / Math.max(1, kept.length);
  const out: NodeScores = stats ? { z: (meanF - stats.mean) / (stats.std || 1e-12), percentile: percentileOf(stats.sorted, meanF) } : { z: NaN, percentile: NaN };
  if (node.layer === net.resolved.layers.length - 1 && net.classes > 1) {
    const f = await net.forward(r.last);
    let hits = 0;
    for (let k = 0; k < r.chains; k++) {
      let best = 0;
      for (let j = 1; j < net.classes; j++) if (f[k * net.classes + j] > f[k * net.classes + best]) best = j;
      hits += best === node.channel ? 1 : 0;
    }
    out.classified = hits / r.chains;
  }
  return out;
}
