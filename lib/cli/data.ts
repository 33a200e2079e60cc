// lib/cli/data.ts — how `genconvnet train` turns --data, --recipe, --workers, --size, --holdout into trainer
// options: a recipe's values apply except where an option was given on the command line, and a preset
// model (from --model or the recipe) is built with the dataset's number of classes (prepared or a folder).
import type { Command } from 'commander';
import { feedClasses, openFeed, type LoaderOptions } from '../data/loader';
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
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown recipe or --recipe without --data; E_DATA for a bad prepared
 * directory or a folder without class folders
 */
export function dataTrainOptions(o: Record<string, unknown>, cmd: Command): Partial<TrainOptions> {
  if (o.data === undefined) {
    if (o.recipe !== undefined) throw new GenConvNetError('E_INVALID_ARGUMENT', `Expected --data DIR (a prepared dataset or an image folder) for --recipe ${String(o.recipe)} but received none`);
    return {};
  }
  const classes = feedClasses(String(o.data)).length;
  const explicit = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const out: Partial<TrainOptions> = { data: String(o.data), loader: loaderOptions(o) };
  if (o.recipe !== undefined) {
    const r = recipe(String(o.recipe)).options(classes);
    for (const k of [...RECIPE_KEYS, 'stepEpochs', 'evalBatch'] as (keyof TrainOptions)[]) if (!explicit(k)) (out as Record<string, unknown>)[k] = r[k];
    if (!explicit('model')) out.model = r.model;
  }
  if (out.model === undefined && typeof o.model === 'string' && o.model in presets) out.model = preset(o.model, { classes });
  return out;
}

/** --workers, --size and --holdout as loader options (undefined when none is given). */
function loaderOptions(o: Record<string, unknown>): LoaderOptions | undefined {
  const l: LoaderOptions = {};
  for (const k of ['workers', 'size', 'holdout'] as const) if (o[k] !== undefined) l[k] = Number(o[k]);
  return Object.keys(l).length ? l : undefined;
}

/** Writes a line to stderr naming the images a folder feed left out (the first five, then a count). */
export function reportExcluded(excluded: readonly { split: string; name: string; reason: string }[] | undefined): void {
  if (!excluded?.length) return;
  const shown = excluded.slice(0, 5).map((e) => `${e.name} (${e.reason})`).join('; ');
  process.stderr.write(`left out ${excluded.length} unreadable image${excluded.length > 1 ? 's' : ''}: ${shown}${excluded.length > 5 ? `; and ${excluded.length - 5} more` : ''}\n`);
}

/** The recipes for `train --help`, with the commands a user with ImageNet and a GPU runs. */
export function recipeHelp(): string {
  const list = Object.entries(recipes).map(([name, r]) => `  ${name}: ${r.description}`).join('\n');
  return `\nRecipes (--recipe NAME --data DIR):\n${list}\n\nILSVRC-2012 on a GPU:\n` +
    '  genconvnet prepare /data/ILSVRC2012 --out /data/ilsvrc-256\n' +
    '  genconvnet train --recipe alexnet-imagenet --data /data/ilsvrc-256 --device cuda --out runs/alexnet\n' +
    '  genconvnet eval runs/alexnet/model.safetensors --data /data/ilsvrc-256 --device cuda\n' +
    '  (or --data /data/ILSVRC2012 to decode on the fly every epoch: no preparation, slower)\n';
}

/**
 * Evaluates `net` on the test split of a prepared directory or an image folder (decoded to `folder.size`),
 * centre-cropped to the model's input.
 * @throws GenConvNetError E_DATA for a bad prepared directory or folder, or an undecodable test image; errors of the network
 */
export async function evalPrepared(net: Network, dir: string, batch: number, folder: Pick<LoaderOptions, 'size' | 'holdout'> = {}): Promise<Evaluation> {
  const feed = openFeed(dir, { crop: net.inputShape[1], channels: net.inputShape[0] === 1 ? 1 : 3, ...folder, splits: ['test'] });
  try {
    await feed.ready();
    reportExcluded(feed.excluded);
    feed.begin(net.preprocessing ?? feed.stats());
    return await evaluateBatches(net, feed.testBatches(batch));
  } finally {
    await feed.close();
  }
}
