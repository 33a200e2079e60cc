// lib/cli/demo.ts — `genconvnet demo` and `genconvnet report`: the whole idea end to end on the
// embedded MNIST — LeNet trained with GG pre-training then DG, evaluated, every class and a
// few intermediate channels sampled by HMC — and the self-contained report.html of a run.
import { Command } from 'commander';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { buildReport } from '../report/report';
import { trainingImages } from '../sample/data';
import { sampleGallery } from '../sample/gallery';
import { formatSummary } from '../sample/summary';
import { train } from '../train/trainer';
import { int, oneOf, range } from './args';
import { ProgressBar } from './progress';
import { checkRunDir } from './rundir';
import { trainReporter } from './train';

export interface DemoOptions {
  out: string;
  force?: boolean;
  phases: string;
  chains: number;
  warmup: number;
  steps: number;
  leapfrog: number;
  temperature: number;
  channelTemperature: number;
  device: 'auto' | 'cpu' | 'cuda';
  quick?: boolean;
}


async function runDemo(o: DemoOptions): Promise<void> {
  const started = Date.now();
  checkRunDir(o.out, { force: o.force });
  if (o.force) await fsp.rm(o.out, { recursive: true, force: true });
  await fsp.mkdir(path.join(o.out, 'samples'), { recursive: true });
  process.stderr.write(`stage 1/3: training LeNet (${o.phases}) on MNIST\n`);
  const { net, history } = await train({ model: 'lenet', phases: o.phases, outDir: o.out, device: o.device, lr: 0.01, seed: 1, maxStepsPerEpoch: o.quick ? 60 : undefined, onEvent: trainReporter(false) });
  const model = path.join(o.out, 'model.safetensors');
  try {
    process.stderr.write(`stage 2/3: sampling every class and every conv channel (layer-wide batches, T = ${o.temperature} (classes) and ${o.channelTemperature} (channels) x each node's std on data, MAP baseline), then Langevin\n`);
    const bar = new ProgressBar();
    const data = trainingImages(net, 'mnist', o.quick ? 300 : 1000);
    const { rows, summaries } = await sampleGallery(net, model, path.join(o.out, 'samples'), data, {
      chains: o.chains, warmup: o.warmup, steps: o.steps, leapfrog: o.leapfrog, temperature: o.temperature, channelTemperature: o.channelTemperature, channelChains: o.quick ? 2 : 4,
      perLayer: { conv1: 2, conv2: 3 }, onStage: (what, total) => (bar.done(), bar.start(what, total)), onProgress: (i) => bar.update(i),
    });
    bar.done();
    for (const s of summaries.filter((x) => rows.some((r) => r.node === x.node) && x.method === 'hmc')) process.stderr.write(`  ${formatSummary(s)}\n`);
    } finally {
    net.dispose();
  }
  process.stderr.write('stage 3/3: writing the report\n');
  const report = await buildReport(o.out, { title: 'genconvnet demo: LeNet on MNIST, GG pre-training then DG, HMC samples' });
  const err = history[history.length - 1].test.top1Error;
  process.stdout.write(`demo done in ${((Date.now() - started) / 1000).toFixed(0)}s: test error ${(100 * err).toFixed(2)}%; report: ${report}\n`);
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('train LeNet with GG then DG on MNIST, sample every class and some channels, write report.html')
    .option('-o, --out <dir>', 'run directory', 'runs/demo')
    .option('--force', 'replace an existing run directory')
    .option('-p, --phases <schedule>', 'training phases', 'gg:1,dg:2')
    .option('-c, --chains <n>', 'HMC chains per node', int(1, 4096), 16)
    .option('--warmup <n>', 'warm-up iterations per node', int(0, 1_000_000), 100)
    .option('--steps <n>', 'kept iterations per node', int(1, 1_000_000), 100)
    .option('-L, --leapfrog <n>', 'leapfrog steps per iteration', int(1, 10000), 10)
    .option('-T, --temperature <t>', "class rows' sampling temperature in units of each node's response std on data (low T sharpens the tilt)", range(0, 1e6), 0.005)
    .option('--channel-temperature <t>', "channel rows' sampling temperature, same units", range(0, 1e6), 0.02)
    .option('--device <device>', 'auto, cpu or cuda', oneOf(['auto', 'cpu', 'cuda'] as const), 'auto')
    .option('--quick', 'a one-minute version (60 steps per epoch, fewer samples)')
    .action(async (o) => {
      if (o.quick) Object.assign(o, { chains: Math.min(o.chains, 8), warmup: Math.min(o.warmup, 30), steps: Math.min(o.steps, 20) });
      await runDemo(o as DemoOptions);
    });
}

export function reportCommand(): Command {
  return new Command('report')
    .description('build report.html from a run directory (train, sample or demo)')
    .argument('<run-dir>', 'directory holding log.jsonl and/or sample diagnostics (*.json)')
    .action(async (dir: string) => {
      process.stdout.write(`wrote ${await buildReport(dir)}\n`);
    });
}
