// bench/soak.ts — memory soak: 10,000 training steps (LeNet; even steps the trainer's fused
// trainStep, odd steps the four public calls forward + objective + backward + SGD) and 2,000 HMC
// iterations (keep 'last'), resident memory sampled every 500 steps. It must stay flat: after the
// first sample (allocator and JIT warm), no sample rises more than 5% above the median. A fall (the
// allocator returning warm-up memory) is reported but is not growth. Prints a JSON report and exits
// 1 when memory grows. Not a test (minutes); see README.md.
// Usage: npm run build && nice -n 10 node dist/bench/soak.js [--steps 10000] [--hmc 2000] [--backend onednn]
import { availableBackends, type BackendName } from '../lib/backend';
import { loadMnist } from '../lib/data/mnist';
import { preprocess } from '../lib/data/preprocess';
import { Network } from '../lib/network';
import { sample } from '../lib/sample/hmc';
import { computeObjective } from '../lib/train/objectives';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const mib = () => process.memoryUsage().rss / 2 ** 20;
const t0 = Date.now();

/** One RSS sample, also printed as it is taken (a long run shows its figures as it goes). */
function progress(phase: string, step: number): { step: number; rssMiB: number } {
  const s = { step, rssMiB: mib() };
  process.stderr.write(`${phase} step ${step}: rss ${s.rssMiB.toFixed(1)} MiB (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  return s;
}

interface Phase {
  name: string;
  samples: { step: number; rssMiB: number }[];
  medianMiB: number;
  /** Largest rise above, and largest fall below, the median of the samples after the first. */
  maxRise: number;
  maxFall: number;
  flat: boolean;
}

function judge(name: string, samples: { step: number; rssMiB: number }[]): Phase {
  const settled = samples.slice(1).map((s) => s.rssMiB).sort((a, b) => a - b);
  const median = settled[Math.floor(settled.length / 2)] ?? samples[0].rssMiB;
  const maxRise = Math.max(0, ...settled.map((v) => (v - median) / median));
  const maxFall = Math.max(0, ...settled.map((v) => (median - v) / median));
  return { name, samples, medianMiB: median, maxRise, maxFall, flat: maxRise <= 0.05 };
}

async function trainSoak(backend: BackendName, steps: number, every: number): Promise<Phase> {
  const m = loadMnist();
  const pre = { mean: [0.1307], std: [0.3081], imageShape: [1, 28, 28] as [number, number, number], classNames: m.train.classes.slice() };
  const x = preprocess(m.train.images.subarray(0, 6400 * 784), [1, 28, 28], pre);
  const net = Network.create('lenet', { backend, seed: 1, preprocessing: pre });
  const batch = 64, per = 784, samples: Phase['samples'] = [];
  const labels = Int32Array.from(m.train.labels.subarray(0, 6400));
  const sgd = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
  for (let s = 0; s < steps; s++) {
    const off = (s % 100) * batch;
    const xs = x.subarray(off * per, (off + batch) * per), ys = labels.subarray(off, off + batch);
    if (s % 2 === 0) {
      await net.trainStep(xs, ys, { objective: { kind: 'mix', lambda: 0.5 }, optimizer: { kind: 'sgd', ...sgd } });
    } else {
      const scores = await net.forward(xs, { train: true });
      const r = computeObjective(scores, ys, 10, { kind: 'mix', lambda: 0.5 }, { backend: net.backend });
      await net.backward(r.grad);
      await net.sgdStep(sgd);
    }
    if ((s + 1) % every === 0) samples.push(progress('train', s + 1));
  }
  net.dispose();
  return judge('train', samples);
}

async function hmcSoak(backend: BackendName, iterations: number, every: number): Promise<Phase> {
  const net = Network.create('lenet', { backend, seed: 2 });
  const samples: Phase['samples'] = [];
  await sample(net, {
    node: 'fc2:3', chains: 16, draws: iterations, warmup: 0, leapfrog: 10, stepSize: 0.01, keep: 'last', seed: 3,
    onProgress: (i) => {
      if (i % every === 0) samples.push(progress('hmc', i));
    },
  });
  net.dispose();
  return judge('hmc', samples);
}

async function main(): Promise<void> {
  const backend = arg('backend', availableBackends()[0]) as BackendName;
  const steps = Number(arg('steps', '10000')), hmc = Number(arg('hmc', '2000')), every = 500;
  const started = Date.now();
  const phases = [await trainSoak(backend, steps, every), await hmcSoak(backend, hmc, every)];
  const report = { backend, node: process.version, steps, hmcIterations: hmc, seconds: (Date.now() - started) / 1000, phases };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  for (const p of phases)
    process.stderr.write(`${p.name}: median ${p.medianMiB.toFixed(1)} MiB, rise ${(100 * p.maxRise).toFixed(2)}%, fall ${(100 * p.maxFall).toFixed(2)}% over ${p.samples.length} samples: ${p.flat ? 'flat' : 'GROWS'}\n`);
  if (!phases.every((p) => p.flat)) process.exitCode = 1;
}

void main();
