// scripts/experiment.ts — `npm run experiment`: the paper's first experiment on this machine: DG-only against GG
// pre-training then DG, LeNet on MNIST and Fashion-MNIST, supervised and semi-supervised,
// several seeds, the same epochs and hyperparameters for both arms. Results accumulate in
// docs/experiment-runs.json (a rerun skips finished runs) and are rendered to docs/results.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type DatasetName } from '../lib/data/mnist';
import { train } from '../lib/train/trainer';
import type { LabelKeep } from '../lib/train/labels';
import { machineInfo } from '../bench/machine';

interface Cell { dataset: DatasetName; labels: LabelKeep; arm: string; phases: string; seed: number; lr: number }
interface Result extends Cell { top1Error: number; top5Error: number; ggLogLik: number; seconds: number; history: number[]; diverged?: string }

const root = path.resolve(__dirname, '..', '..');
const store = path.join(root, 'docs', 'experiment-runs.json');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const labelName = (l: LabelKeep) => (l === 'all' ? 'all labels' : 'perClass' in l ? `${l.perClass} per class` : `${l.fraction * 100}%`);
const key = (c: Cell) => `${c.dataset}|${labelName(c.labels)}|${c.arm}|${c.phases}|${c.seed}${(c.lr ?? 0.01) === 0.01 ? '' : `|lr${c.lr}`}`;

/** The main grid plus, with --ablation, GG weight and phase-length variants on one setting. */
function cells(): Cell[] {
  const epochs = Number(arg('epochs', '3'));
  const seeds = Number(arg('seeds', '3'));
  const datasets = arg('datasets', 'mnist,fashion-mnist').split(',') as DatasetName[];
  const settings: LabelKeep[] = arg('labels', 'all,100,10').split(',').map((s) => (s === 'all' ? 'all' : { perClass: Number(s) }));
  const arms = [
    { arm: 'DG only', phases: `dg:${epochs}` },
    { arm: 'GG then DG', phases: `gg:1,dg:${epochs - 1}` },
  ];
  if (process.argv.includes('--ablation')) {
    arms.push({ arm: 'mix0.5 then DG', phases: `mix0.5:1,dg:${epochs - 1}` }, { arm: 'GG x2 then DG', phases: `gg:2,dg:${epochs - 2}` });
  }
  const lr = Number(arg('lr', '0.01'));
  const out: Cell[] = [];
  for (const dataset of datasets) for (const labels of settings) for (const a of arms) for (let seed = 0; seed < seeds; seed++) out.push({ dataset, labels, ...a, seed, lr });
  return out;
}

/** One run; a diverged run is recorded as such (error NaN), never dropped. */
async function runCell(c: Cell): Promise<Result> {
  const started = Date.now();
  let out;
  try {
    out = await train({
      model: 'lenet', dataset: c.dataset, labels: c.labels, phases: c.phases, seed: c.seed,
      batch: 64, labelledPerBatch: 32, lr: c.lr ?? 0.01, schedule: 'cosine', warmupEpochs: 0.05, momentum: 0.9, weightDecay: 5e-4,
      maxStepsPerEpoch: process.argv.includes('--quick') ? 20 : undefined,
    });
  } catch (err) {
    if ((err as { code?: string }).code !== 'E_DIVERGED') throw err;
    return { ...c, top1Error: NaN, top5Error: NaN, ggLogLik: NaN, seconds: (Date.now() - started) / 1000, history: [], diverged: (err as Error).message };
  }
  const { net, history } = out;
  net.dispose();
  const last = history[history.length - 1].test;
  return { ...c, top1Error: last.top1Error, top5Error: last.top5Error, ggLogLik: last.ggLogLik, seconds: (Date.now() - started) / 1000, history: history.map((h) => h.test.top1Error) };
}

function meanStd(all: number[]): string {
  const xs = all.filter(Number.isFinite);
  if (!xs.length) return 'all diverged';
  const lost = all.length - xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${(100 * m).toFixed(2)} ± ${(100 * sd).toFixed(2)}${lost ? ` (${lost} diverged)` : ''}`;
}

function table(results: Result[]): string[] {
  const groups = new Map<string, Map<string, Result[]>>();
  for (const r of results) {
    const row = `${r.dataset} | ${labelName(r.labels)}`;
    if (!groups.has(row)) groups.set(row, new Map());
    const arm = `${r.arm} (${r.phases}${(r.lr ?? 0.01) === 0.01 ? '' : `, lr ${r.lr}`})`;
    groups.get(row)!.set(arm, [...(groups.get(row)!.get(arm) ?? []), r]);
  }
  const arms = [...new Set(results.map((r) => `${r.arm} (${r.phases}${(r.lr ?? 0.01) === 0.01 ? '' : `, lr ${r.lr}`})`))];
  const lines = [`| dataset | labels | ${arms.join(' | ')} |`, `|---|---|${arms.map(() => '---|').join('')}`];
  for (const [row, m] of groups) lines.push(`| ${row} | ${arms.map((a) => (m.get(a) ? `${meanStd(m.get(a)!.map((r) => r.top1Error))} (n=${m.get(a)!.length})` : '')).join(' | ')} |`);
  return lines;
}

/** The main grid's table, then every other stored run (ablations, other schedules) in a second one. */
function render(results: Result[], others: Result[], wall: number): string {
  const lines = table(results);
  const more = others.length ? ['', '## Other runs in the store (ablations: GG weight, phase lengths, epochs, learning rate)', '', ...table(others)] : [];
  const info = machineInfo(root);
  const runSeconds = [...results, ...others].reduce((a, r) => a + r.seconds, 0);
  return [
    '# GG pre-training against DG alone: results',
    '',
    'Test top-1 error in %, mean ± standard deviation over seeds, LeNet (Caffe layout), after the same',
    'number of epochs for every arm. Produced by `npm run experiment` (see below); raw numbers per run, with',
    'each epoch\'s test error, are in `docs/experiment-runs.json`.',
    '',
    ...lines,
    ...more,
    '',
    `Machine: ${info.cpu}, ${info.cores} cores, Node ${info.node}, oneDNN package ${info.onednnPackage ?? 'none'}, git ${info.git ?? '?'}.`,
    `Sum of run times: ${(runSeconds / 60).toFixed(1)} min on that machine${wall > 60 ? `; this invocation ran for ${(wall / 60).toFixed(1)} min` : ''}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--suite')) return require('./suite-report').suiteMain(machineInfo(root));
  const started = Date.now();
  mkdirSync(path.dirname(store), { recursive: true });
  const done: Result[] = existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : [];
  const have = new Set(done.map(key));
  const todo = cells().filter((c) => !have.has(key(c)));
  for (const [i, c] of todo.entries()) {
    process.stderr.write(`[${i + 1}/${todo.length}] ${key(c)} ... `);
    const r = await runCell(c);
    process.stderr.write(r.diverged ? `diverged (${r.seconds.toFixed(0)}s)\n` : `top-1 error ${(100 * r.top1Error).toFixed(2)}% (${r.seconds.toFixed(0)}s)\n`);
    done.push(r);
    writeFileSync(store, JSON.stringify(done, null, 1));
  }
  const wanted = new Set(cells().map(key));
  const md = render(done.filter((r) => wanted.has(key(r))), done.filter((r) => !wanted.has(key(r))), (Date.now() - started) / 1000);
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  const notes = path.join(root, 'docs', 'results-notes.md');
  writeFileSync(path.join(root, 'docs', 'results.md'), md + (existsSync(notes) ? '\n' + readFileSync(notes, 'utf8') : ''));
  if (existsSync(path.join(root, 'docs', 'gg-suite-runs.jsonl'))) await require('./suite-report').renderSuite(machineInfo(root)); // keep the suite's section
  process.stdout.write(md);
}

main().catch((err) => {
  process.stderr.write(`experiment failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
