// lib/sample/files.ts — a sampling run written to disk (issue 13): the nodes of a list or layer
// wildcard sampled in one batch per layer, optionally with temperatures in each node's own units
// (T_k = T * std_k measured on data), scored against data, each node's grids and diagnostics JSON
// (what `report` reads: one section per node), and one figure with a row per node: the MAP
// baseline (optional), the chains' means, then their final states, in pixels (clipped).
import * as path from 'node:path';
import { world } from '../dist';
import { GenConvNetError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import type { Network } from '../network';
import { resolveNodes } from '../nodes';
import { tileImages } from './grid';
import { sampleNodes, type SampleOptions, type SampleResult } from './hmc';
import { dataScales, nodeDataStats, scoreNode, type NodeDataStats } from './scores';
import { saveSamples, summarize, writeGrids, type SampleSummary } from './summary';

export interface FileOptions {
  trajectory?: number;
  scale?: number;
  saveSamples?: string;
  /** Preprocessed training images: the node statistics behind the scores (and the data temperature scale). */
  data?: Float32Array;
  /** 'data': T_k = T * std_k of the node's responses on `data` (SPEC 4 extended). */
  temperatureScale?: 'data' | 'none';
  /** Also run the MAP of each node's target (gradient ascent) and show it first in its row. */
  mapBaseline?: boolean;
  /** Chains shown per row of the figure (means, then final states). */
  perRow?: number;
}

export type NodeSummary = SampleSummary & { model: string; files: string[] };

const slug = (node: string) => node.replace(/[^A-Za-z0-9_-]+/g, '_');

/** The figure: per node (row), [MAP] + up to perRow chain means + as many final states, in pixels. */
export async function writeRows(net: Network, rs: SampleResult[], maps: SampleResult[] | undefined, file: string, perRow: number, scale: number): Promise<void> {
  const D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2], k = Math.min(perRow, rs[0].chains);
  const cols = 2 * k + (maps ? 1 : 0), tiles = new Float32Array(rs.length * cols * D);
  rs.forEach((r, g) => {
    let at = g * cols;
    if (maps) tiles.set(maps[g].last.subarray(0, D), at++ * D);
    tiles.set(r.means.subarray(0, k * D), at * D);
    tiles.set(r.last.subarray(0, k * D), (at + k) * D);
  });
  await writeFileAtomic(file, tileImages(tiles, net.inputShape, net.preprocessing, { cols, scale }).png);
}

/**
 * Samples `options.node` (one node, a list or a wildcard) and writes everything a run keeps. With one
 * node: `out` (final states), `<out>-mean.png`, `<out>.json`; with several: the row figure at `out`
 * and per node `<out>-<node>.png`, `-mean.png`, `.json`.
 * @throws GenConvNetError from sampleNodes for bad options; E_INVALID_ARGUMENT for a data scale without data; E_IO on write.
 */
export async function sampleNodesToFiles(net: Network, model: string, options: SampleOptions, out: string, extra: FileOptions = {})
  : Promise<{ results: SampleResult[]; maps?: SampleResult[]; summaries: NodeSummary[]; written: string[] }> {
  const nodes = resolveNodes(net.resolved, options.node);
  let stats: NodeDataStats[] | undefined;
  if (extra.data) stats = await nodeDataStats(net, nodes, extra.data);
  let temperatureScale = options.temperatureScale;
  if (extra.temperatureScale === 'data') {
    if (!stats) throw new GenConvNetError('E_INVALID_ARGUMENT', "Expected training images (data) for temperatureScale 'data' but received none");
    temperatureScale = dataScales(stats);
  }
  const keep = extra.saveSamples || extra.trajectory !== undefined ? 'all' : 'last';
  const results = await sampleNodes(net, { keep, ...options, temperatureScale });
  // MPI: the ranks ran their shares of the chains; rank 0 holds the images and writes everything
  if (options.distributed && world().rank !== 0) return { results, summaries: [], written: [] };
  const maps = extra.mapBaseline
    ? await sampleNodes(net, { ...options, distributed: undefined, method: 'map', chains: 1, warmup: 0, draws: 40, leapfrog: 10, stepSize: undefined, tempering: undefined, anneal: undefined, start: 'zeros', keep: 'last', temperatureScale, onProgress: undefined })
    : undefined;
  const single = nodes.length === 1, written: string[] = [], summaries: NodeSummary[] = [];
  for (const [g, r] of results.entries()) {
    const base = single ? out : out.replace(/(\.png)?$/i, `-${slug(r.node)}.png`);
    const files = await writeGrids(net, r, base, { trajectory: extra.trajectory, scale: extra.scale });
    const diag = base.replace(/(\.png)?$/i, '.json');
    const scores = await scoreNode(net, nodes[g], r, stats?.[g]);
    const data = stats ? { images: stats[g].images, mean: stats[g].mean, std: stats[g].std } : undefined;
    const summary = { ...summarize(r), scores, data, ...(maps ? { mapValue: maps[g].traces.value.map((v) => v[v.length - 1])[0] } : {}), model, files: files.map((f) => path.relative(path.dirname(diag), f)) };
    await writeFileAtomic(diag, JSON.stringify({ ...summary, traces: r.traces }));
    summaries.push(summary);
    written.push(...files, diag);
  }
  if (!single || extra.mapBaseline) {
    const rows = single ? out.replace(/(\.png)?$/i, '-rows.png') : out;
    await writeRows(net, results, maps, rows, extra.perRow ?? 8, extra.scale ?? 2);
    written.unshift(rows);
  }
  if (extra.saveSamples && single) await saveSamples(results[0], extra.saveSamples, path.resolve(model));
  if (extra.saveSamples && single) written.push(extra.saveSamples);
  return { results, maps, summaries, written };
}
