// lib/cli/data.ts — how `genconvnet train` turns --data, --recipe and --workers into trainer options:
// a recipe's values apply except where an option was given on the command line, and a preset model
// (from --model or the recipe) is built with the prepared dataset's number of classes.
import type { Command } from 'commander';
import { openFeed } from '../data/loader';
import { readMeta } from '../data/store';
import type { Network } from '../network';
import { evaluateBatches, type Evaluation } from '../train/evaluate';
import { GenConvNetError } from '../errors';
import { preset, presets } from '../presets';
import { recipe, recipes } from '../train/recipes';
import type { TrainOptions } from '../train/trainer';

/** CLI option names of the trainer options a recipe may set. */
const RECIPE_KEYS: (keyof TrainOptions)[] = ['phases', 'batch', 'optimizer', 'lr', 'schedule', 'momentum', 'weightDecay'];

/**
 * The trainer options implied by --data / --recipe / --workers (empty when none is given).
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown recipe or --recipe without --data; E_DATA for a bad prepared directory
 */
export function dataTrainOptions(o: Record<string, unknown>, cmd: Command): Partial<TrainOptions> {
  if (o.data === undefined) {
    if (o.recipe !== undefined) throw new GenConvNetError('E_INVALID_ARGUMENT', `Expected --data DIR (a prepared dataset) for --recipe ${String(o.recipe)} but received none`);
    return {};
  }
  const classes = readMeta(String(o.data)).classes.length;
  const explicit = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const out: Partial<TrainOptions> = { data: String(o.data), loader: o.workers === undefined ? undefined : { workers: Number(o.workers) } };
  if (o.recipe !== undefined) {
    const r = recipe(String(o.recipe)).options(classes);
    for (const k of [...RECIPE_KEYS, 'stepEpochs', 'evalBatch'] as (keyof TrainOptions)[]) if (!explicit(k)) (out as Record<string, unknown>)[k] = r[k];
    if (!explicit('model')) out.model = r.model;
  }
  if (out.model === undefined && typeof o.model === 'string' && o.model in presets) out.model = preset(o.model, { classes });
  return out;
}

/** The recipes for `train --help`, with the commands a user with ImageNet and a GPU runs. */
export function recipeHelp(): string {
  const list = Object.entries(recipes).map(([name, r]) => `  ${name}: ${r.description}`).join('\n');
  return `\nRecipes (--recipe NAME --data DIR):\n${list}\n\nILSVRC-2012 on a GPU:\n` +
    '  genconvnet prepare /data/ILSVRC2012 --out /data/ilsvrc-256\n' +
    '  genconvnet train --recipe alexnet-imagenet --data /data/ilsvrc-256 --device cuda --out runs/alexnet\n' +
    '  genconvnet eval runs/alexnet/model.safetensors --data /data/ilsvrc-256 --device cuda\n';
}

/**
 * Evaluates `net` on the test split of a prepared directory, centre-cropped to the model's input.
 * @throws GenConvNetError E_DATA for a bad prepared directory; errors of the network
 */
export async function evalPrepared(net: Network, dir: string, batch: number): Promise<Evaluation> {
  const feed = openFeed(dir, { crop: net.inputShape[1] });
  try {
    feed.begin(net.preprocessing ?? feed.stats());
    return await evaluateBatches(net, feed.testBatches(batch));
  } finally {
    await feed.close();
  }
}
