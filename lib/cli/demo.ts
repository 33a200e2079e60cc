// lib/cli/demo.ts — `genconvnet demo` and `genconvnet report`: the whole idea end to end on the
// embedded MNIST — LeNet trained with GG pre-training then DG, evaluated, every class and a
// few intermediate channels sampled by HMC — and the self-contained report.html of a run.
import { Command } from 'commander';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic';
import { buildReport } from '../report/report';
import { tileImages } from '../sample/grid';
import { formatSummary, sampleToFiles } from '../sample/summary';
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
  device: 'auto' | 'cpu' | 'cuda';
  quick?: boolean;
}

/** Intermediate nodes the demo visualizes besides the ten class scores. */
const CHANNELS = ['conv2:3@mean', 'conv2:17@mean', 'fc1:42', 'conv1:5@mean'];

async function runDemo(o: DemoOptions): Promise<void> {
  const started = Date.now();
  checkRunDir(o.out, { force: o.force });
  if (o.force) await fsp.rm(o.out, { recursive: true, force: true });
  await fsp.mkdir(path.join(o.out, 'samples'), { recursive: true });
  process.stderr.write(`stage 1/3: training LeNet (${o.phases}) on MNIST\n`);
  const { net, history } = await train({ model: 'lenet', phases: o.phases, outDir: o.out, device: o.device, lr: 0.01, seed: 1, maxStepsPerEpoch: o.quick ? 60 : undefined, onEvent: trainReporter(false) });
  const model = path.join(o.out, 'model.safetensors');
  try {
    const nodes = [...Array.from({ length: net.classes }, (_, c) => `fc2:${c}`), ...CHANNELS];
    process.stderr.write(`stage 2/3: sampling ${nodes.length} nodes by HMC (${o.chains} chains, ${o.warmup} + ${o.steps} iterations x ${o.leapfrog} leapfrog steps)\n`);
    const bar = new ProgressBar();
    const perRow = Math.min(8, o.chains), D = net.inputShape.reduce((a, b) => a * b, 1);
    const overview = new Float32Array(nodes.length * perRow * D);
    for (const [k, node] of nodes.entries()) {
      bar.start(`node ${k + 1}/${nodes.length} ${node}`, o.warmup + o.steps);
      const file = path.join(o.out, 'samples', `${node.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
      const { summary, result } = await sampleToFiles(net, model, {
        node, chains: o.chains, warmup: o.warmup, draws: o.steps, leapfrog: o.leapfrog, temperature: o.temperature, seed: k,
        onProgress: (i) => bar.update(i),
      }, file, { trajectory: 0 });
      bar.done();
      overview.set(result.last.subarray(0, perRow * D), k * perRow * D);
      process.stderr.write(`  ${formatSummary(summary)}\n`);
    }
    // one row per node: the ten digits, then the intermediate channels
    await writeFileAtomic(path.join(o.out, 'samples', 'overview.png'), tileImages(overview, net.inputShape, net.preprocessing, { cols: perRow, scale: 2 }).png);
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
    .option('-T, --temperature <t>', 'sampling temperature (low T sharpens the tilt)', range(0, 1e6), 0.03)
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
