// scripts/suite.ts — `npm run experiment -- --suite gg-joint`: what the generative gradient buys.
// Three schedules (DG only, GG then DG, joint λ·GG+(1−λ)·DG) x batch 64/128/256 x all labels and
// 100 per class x MNIST/Fashion-MNIST x LeNet and CIFAR-quick on 1x28x28, every run measured on
// test images (error, ECE, NLL, GG log-likelihood, OOD against the other dataset). Each run sees the
// same number of training images. Runs append one JSON line each to docs/gg-suite-runs.jsonl (a
// rerun skips finished runs; --shard k/K splits the grid between processes); --render writes the
// tables into docs/results.md between markers and the pretty store docs/gg-suite-runs.json.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { subset, type DatasetSplit } from '../lib/data/dataset';
import { loadDataset, type DatasetName } from '../lib/data/mnist';
import { preprocess } from '../lib/data/preprocess';
import { preset } from '../lib/presets';
import { Rng } from '../lib/rng';
import type { NetSpec } from '../lib/spec';
import { assess, type Assessment } from '../lib/train/assess';
import type { LabelKeep } from '../lib/train/labels';
import { train } from '../lib/train/trainer';

export interface SuiteCell { dataset: DatasetName; net: string; labels: 'all' | 100; batch: number; schedule: string; phases: string; seed: number }
export interface SuiteRun extends SuiteCell {
  suite: 'gg-joint'; imagesSeen: number; evalImages: number; seconds: number; git: string | null;
  measures?: Assessment; history: number[]; diverged?: string;
}

export const SCHEDULES = [
  { schedule: 'DG only', phases: 'dg:3' },
  { schedule: 'GG then DG', phases: 'gg:1,dg:2' },
  { schedule: 'joint λ=0.5', phases: 'mix0.5:3' },
];
export const NETS = ['lenet', 'cifar-quick'];
const root = path.resolve(__dirname, '..', '..');
export const JSONL = path.join(root, 'docs', 'gg-suite-runs.jsonl');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

export function netSpec(net: string): NetSpec {
  return net === 'cifar-quick' ? { ...preset('cifar'), name: 'cifar-quick-28', input: [1, 28, 28] } : preset('lenet');
}

export const cellKey = (c: SuiteCell) => `${c.dataset}|${c.net}|${c.labels}|${c.batch}|${c.phases}|${c.seed}`;

/** The grid, seed outermost so that a partial run holds whole tables for the first seeds. */
export function suiteCells(seeds: number): SuiteCell[] {
  const out: SuiteCell[] = [];
  for (let seed = 0; seed < seeds; seed++)
    for (const net of NETS) for (const dataset of ['mnist', 'fashion-mnist'] as DatasetName[])
      for (const labels of ['all', 100] as const) for (const batch of [64, 128, 256]) for (const s of SCHEDULES) out.push({ dataset, net, labels, batch, ...s, seed });
  return out;
}

export function readRuns(file = JSONL): SuiteRun[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as SuiteRun);
}

/** A fixed seeded subset of `k` images of a dataset's test split (the same for every run). */
function evalSubset(data: DatasetSplit, k: number) {
  const idx = new Rng(20161).permutation(data.test.n).subarray(0, Math.min(k, data.test.n));
  return subset(data.test, idx);
}

async function runCell(c: SuiteCell, images: number, evalImages: number, git: string | null): Promise<SuiteRun> {
  const started = Date.now();
  const data = loadDataset(c.dataset), other = loadDataset(c.dataset === 'mnist' ? 'fashion-mnist' : 'mnist');
  const test = evalSubset(data, evalImages), ood = evalSubset(other, evalImages);
  const steps = Math.round(images / (3 * c.batch));
  const base = { ...c, suite: 'gg-joint' as const, imagesSeen: 3 * steps * c.batch, evalImages, git };
  let out;
  try {
    out = await train({
      model: netSpec(c.net), dataset: { train: data.train, test: subset(test, Array.from({ length: Math.min(200, test.n) }, (_, i) => i)) },
      labels: (c.labels === 'all' ? 'all' : { perClass: c.labels }) as LabelKeep, phases: c.phases, seed: c.seed,
      batch: c.batch, labelledPerBatch: c.batch / 2, lr: 0.01, schedule: 'cosine', warmupEpochs: 0.05, momentum: 0.9, weightDecay: 5e-4,
      maxStepsPerEpoch: steps,
    });
  } catch (err) {
    if ((err as { code?: string }).code !== 'E_DIVERGED') throw err;
    return { ...base, seconds: (Date.now() - started) / 1000, history: [], diverged: (err as Error).message };
  }
  const { net, history, preprocessing: pre } = out;
  try {
    const per = data.train.shape[0] * data.train.shape[1] * data.train.shape[2];
    const measures = await assess(net, {
      test: { name: data.test.name, images: preprocess(test.images, test.shape, pre), labels: test.labels },
      reference: preprocess(data.train.images.subarray(0, evalImages * per), data.train.shape, pre),
      ood: { name: other.test.name, images: preprocess(ood.images, ood.shape, pre) },
    });
    return { ...base, seconds: (Date.now() - started) / 1000, measures, history: history.map((h) => h.test.top1Error) };
  } finally {
    net.dispose();
  }
}

/** Runs this shard's unfinished cells, one JSON line per finished run. */
export async function runSuite(git: string | null): Promise<void> {
  const seeds = Number(arg('seeds', '3')), images = Number(arg('images', '3840')), evalImages = Number(arg('eval-images', '1000'));
  const [k, K] = arg('shard', '0/1').split('/').map(Number);
  const store = arg('store', JSONL);
  const have = new Set(readRuns(store).map(cellKey));
  const todo = suiteCells(seeds).filter((c, i) => i % K === k && !have.has(cellKey(c))).slice(0, Number(arg('max-runs', 'Infinity')));
  for (const [i, c] of todo.entries()) {
    process.stderr.write(`[${i + 1}/${todo.length}] ${cellKey(c)} ... `);
    const r = await runCell(c, images, evalImages, git);
    appendFileSync(store, JSON.stringify(r) + '\n');
    const m = r.measures;
    process.stderr.write(m ? `err ${(100 * m.top1Error).toFixed(2)}% ECE ${(100 * m.ece).toFixed(2)}% AUROC ${m.ood!.classLogLik.auroc.toFixed(3)} (${r.seconds.toFixed(0)}s)\n` : `diverged (${r.seconds.toFixed(0)}s)\n`);
  }
}
