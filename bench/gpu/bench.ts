// bench/gpu/bench.ts — genconvnet's cuda backend against PyTorch on the same GPU, in the same run:
// an AlexNet and a LeNet training step at batch 128 and an HMC leapfrog step on an AlexNet class
// node with 64 chains. Ours runs here through the public API; the peer is bench/gpu/torch_gpu.py,
// one child process per job with the same job JSON and repetition protocol (bench/timing.ts).
// Prints a table of medians and the ratio PyTorch / ours (above 1: genconvnet is faster) and
// writes gpu-bench.json and gpu-bench.md into --out. A benchmark, never a test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadNative } from '../../lib/native';
import { Network } from '../../lib/network';
import { alexnet, lenet } from '../../lib/presets';
import { Rng } from '../../lib/rng';
import { hmcStepper } from '../hmc_step';
import type { NetSpec } from '../../lib/spec';
import { computeObjective } from '../../lib/train/objectives';
import type { Timing } from '../cases';
import { measure, summarize, timed, type Samples, type Step } from '../timing';

export type GpuJob =
  | { kind: 'train-step'; name: string; spec: NetSpec; batch: number; lr: number; momentum: number; weightDecay: number; seed: number; tf32: boolean; timing: Timing }
  | { kind: 'hmc-step'; name: string; spec: NetSpec; chains: number; node: string; layer: number; channel: number; eps: number; sigma: number; leapfrog: number; seed: number; tf32: boolean; timing: Timing };

interface Result {
  job: string;
  ours: Record<string, Samples>;
  torch: Record<string, Samples> | null;
  torchInfo?: Record<string, unknown>;
  torchError?: string;
}

function jobs(tf32: boolean, quick: boolean): GpuJob[] {
  const timing: Timing = quick ? { warmup: 2, warmupSeconds: 0.2, reps: 3, minRepSeconds: 0.1 } : { warmup: 3, warmupSeconds: 1, reps: 7, minRepSeconds: 0.5 };
  const train = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, seed: 1, tf32, timing };
  return [
    { kind: 'train-step', name: 'alexnet-train-b128', spec: alexnet(), batch: 128, ...train },
    { kind: 'train-step', name: 'lenet-train-b128', spec: lenet(), batch: 128, ...train },
    { kind: 'hmc-step', name: 'alexnet-hmc-64chains', spec: alexnet(), chains: 64, node: 'fc8:3', layer: alexnet().layers.length - 1, channel: 3, eps: 0.01, sigma: 1, leapfrog: 4, seed: 2, tf32, timing },
  ];
}

/** Forward (training), the DG objective's gradient, backward and an SGD step on one fixed batch. */
function trainStep(job: Extract<GpuJob, { kind: 'train-step' }>, net: Network): Record<string, Step> {
  const rng = new Rng(job.seed);
  const x = Float32Array.from({ length: job.batch * net.inputShape.reduce((a, b) => a * b, 1) }, () => rng.uniform());
  const labels = Int32Array.from({ length: job.batch }, () => rng.int(net.classes));
  return {
    step: () => timed(async () => {
      const scores = await net.forward(x, { train: true });
      await net.backward(computeObjective(scores, labels, net.classes, { kind: 'dg' }).grad);
      await net.sgdStep({ lr: job.lr, momentum: job.momentum, weightDecay: job.weightDecay });
    }),
  };
}

/** One leapfrog step: the sampler's native chains (device-resident on CUDA), and nodeGrad plus the GPU leapfrog hook. */
async function hmcStep(job: Extract<GpuJob, { kind: 'hmc-step' }>, net: Network): Promise<Record<string, Step>> {
  const stepper = await hmcStepper(net, [net.node(job.node)], job.chains, job.eps, job.sigma, job.seed);
  const D = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  const I = new Rng(job.seed).fillNormal(new Float32Array(job.chains * D), 0, job.sigma) as Float32Array;
  const hook = loadNative().cudaLeapfrog;
  const J = I.slice(), p = new Float32Array(I.length);
  let grad = (await net.inputGradient(I, job.node)).grad;
  const steps: Record<string, Step> = {
    'step (native chains: one call per iteration)': () => stepper.step(job.leapfrog),
  };
  if (hook)
    steps['step (nodeGrad + cudaLeapfrog)'] = () => timed(async () => {
      hook(J, p, grad, job.chains, job.eps, job.eps, 1, 1 / (job.sigma * job.sigma));
      grad = (await net.inputGradient(J, job.node)).grad;
    });
  return steps;
}

async function runOurs(job: GpuJob): Promise<Record<string, Samples>> {
  const net = Network.create(job.spec, { backend: 'cuda', seed: job.seed });
  try {
    const steps = job.kind === 'train-step' ? trainStep(job, net) : await hmcStep(job, net);
    const out: Record<string, Samples> = {};
    for (const [pass, step] of Object.entries(steps)) out[pass] = await measure(step, job.timing);
    return out;
  } finally {
    net.dispose();
  }
}

function runTorch(job: GpuJob, python: string): { passes: Record<string, Samples> | null; info?: Record<string, unknown>; error?: string } {
  const script = path.join(__dirname, '..', '..', '..', 'bench', 'gpu', 'torch_gpu.py');
  const r = spawnSync(python, [script, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as { passes: Record<string, Samples>; info: Record<string, unknown> };
    return { passes: parsed.passes, info: parsed.info };
  } catch {
    return { passes: null, error: `${python} ${script} failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ').replace(/\|/g, '/')}` };
  }
}

const ms = (s: number) => (s * 1e3).toFixed(2);

/** Markdown table: one row per pass, medians in ms with min-max, and PyTorch / ours. */
function table(results: Result[]): string {
  const rows = ['| job | pass | genconvnet ms (min-max) | PyTorch pass | PyTorch ms (min-max) | PyTorch / ours |', '|---|---|---|---|---|---|'];
  for (const r of results) {
    const torchPasses = r.torch ? Object.entries(r.torch) : [];
    for (const [pass, samples] of Object.entries(r.ours)) {
      const o = summarize(samples.seconds);
      const peers = torchPasses.length ? torchPasses : [['-', null] as const];
      for (const [tp, ts] of peers) {
        const t = ts ? summarize(ts.seconds) : null;
        const ratio = t ? (t.median / o.median).toFixed(2) : '-';
        rows.push(`| ${r.job} | ${pass} | ${ms(o.median)} (${ms(o.min)}-${ms(o.max)}) | ${tp} | ${t ? `${ms(t.median)} (${ms(t.min)}-${ms(t.max)})` : r.torchError ?? '-'} | ${ratio} |`);
      }
    }
  }
  return rows.join('\n');
}

function argValue(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outDir = argValue(args, '--out', process.env.OUT ?? path.join('bench', 'out'));
  const python = argValue(args, '--python', process.env.BENCH_PYTHON ?? 'python3');
  const only = argValue(args, '--only', '');
  const tf32 = args.includes('--tf32');
  const native = loadNative();
  if (!native.backends().includes('cuda')) throw new Error(`the cuda backend is not usable here: ${JSON.stringify(native.cudaStatus?.() ?? 'not compiled in')}`);
  native.cudaSetOptions?.({ tf32 });
  const results: Result[] = [];
  for (const job of jobs(tf32, args.includes('--quick')).filter((j) => !only || only.split(',').some((p) => j.name.startsWith(p)))) {
    process.stderr.write(`${job.name}: genconvnet...\n`);
    const ours = await runOurs(job);
    process.stderr.write(`${job.name}: PyTorch...\n`);
    const t = runTorch(job, python);
    results.push({ job: job.name, ours, torch: t.passes, torchInfo: t.info, torchError: t.error });
  }
  const md = `GPU benchmark (${tf32 ? 'TF32 on' : 'TF32 off: full float32'} on both sides), ${new Date().toISOString()}\n` +
    `cuda: ${JSON.stringify(native.cudaStatus?.())}\nPyTorch: ${JSON.stringify(results.find((r) => r.torchInfo)?.torchInfo ?? null)}\n\n${table(results)}\n`;
  process.stdout.write(md);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'gpu-bench.md'), md);
  writeFileSync(path.join(outDir, 'gpu-bench.json'), JSON.stringify({ tf32, cuda: native.cudaStatus?.(), results }, null, 1));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
