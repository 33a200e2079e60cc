// bench/dist.ts — data-parallel training on this machine: 1 process against 2 MPI ranks for the
// same global batch (Caffe's LeNet on MNIST, GG and DG steps), and where a distributed step's
// time goes: the objective's all-reduces (the GG normalizer: per-class maxima, sums and counts)
// against the gradient all-reduce (in buckets, overlapped with backward) and what of it backward
// did not hide. Alternating launches of `mpirun -np 1` (2 oneDNN threads) and `mpirun -np 2` (1
// thread per rank), median (min–max) over the repetitions.
// Rerun: npm run build && node dist/bench/dist.js [repetitions=8] [steps=60]
// Elsewhere (bench/gpu/dist.sh): GCN_DIST_RANKS=1,2,4,8 (launches), GCN_DIST_BATCH (global batch, 64),
// GCN_DIST_BACKEND (onednn; cuda: one GPU per rank, NCCL), GCN_DIST_MODEL (lenet; or alexnet on random images).
import { spawnSync } from 'node:child_process';
import { initDistributed } from '../lib/dist';
import { loadMnist } from '../lib/data/mnist';
import { Network } from '../lib/network';
import { preset } from '../lib/presets';
import type { BackendName } from '../lib/backend';
import type { NativeDistTimes } from '../lib/native';
import { summarize } from './timing';

const GLOBAL_BATCH = Number(process.env.GCN_DIST_BATCH ?? 64);
const RANKS = (process.env.GCN_DIST_RANKS ?? '1,2').split(',').map(Number);
const BACKEND = (process.env.GCN_DIST_BACKEND ?? 'onednn') as BackendName;
const MODEL = process.env.GCN_DIST_MODEL ?? 'lenet';

interface RankResult {
  ranks: number;
  objective: string;
  /** Per step, medians over the timed steps. */
  step: number;
  allreduceObjective: number;
  allreduceGradients: number;
  wait: number;
  buckets: number;
  bytes: number;
}

/** One launch: every rank trains `steps` steps on its share of one global batch; rank 0 prints JSON. */
async function rank(objective: 'gg' | 'dg', steps: number): Promise<void> {
  const w = initDistributed({ timeout: 120 });
  const spec = preset(MODEL);
  const per = GLOBAL_BATCH / w.size, at = w.rank * per, D = spec.input[0] * spec.input[1] * spec.input[2];
  let x: Float32Array, y: Int32Array;
  if (MODEL === 'lenet') {
    const { train } = loadMnist();
    x = train.images.slice(at * D, (at + per) * D).map((v) => (v - 0.1307) / 0.3081);
    y = train.labels.slice(at, at + per);
  } else {
    x = new Float32Array(per * D).map((_, i) => Math.sin(i * 0.37 + w.rank));
    y = Int32Array.from({ length: per }, (_, i) => (at + i) % 10);
  }
  const net = Network.create(spec, { seed: 1, backend: BACKEND });
  net.distribute(true);
  const times: number[] = [], dist: NativeDistTimes[] = [];
  for (let s = 0; s < steps + 5; s++) {
    const t0 = performance.now();
    await net.trainStep(x, y, { objective: { kind: objective }, optimizer: { kind: 'sgd', lr: 1e-4, momentum: 0.9 } });
    if (s < 5) continue; // warm-up
    times.push((performance.now() - t0) / 1e3);
    dist.push(net.distTimes());
  }
  net.dispose();
  const med = (f: (d: NativeDistTimes) => number) => summarize(dist.map(f)).median;
  const r: RankResult = {
    ranks: w.size, objective, step: summarize(times).median, allreduceObjective: med((d) => d.objective),
    allreduceGradients: med((d) => d.gradients), wait: med((d) => d.wait), buckets: med((d) => d.buckets), bytes: med((d) => d.bytes),
  };
  if (w.rank === 0) process.stdout.write(JSON.stringify(r) + '\n');
}

function launch(ranks: number, objective: string, steps: number): RankResult {
  const r = spawnSync('mpirun', ['--allow-run-as-root', '--oversubscribe', '--bind-to', 'none', '-np', String(ranks), process.execPath, __filename, 'rank', objective, String(steps)], {
    encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(Math.max(1, Math.floor(2 / ranks))) }, timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`mpirun -np ${ranks} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function driver(reps: number, steps: number): void {
  const fmt = (xs: number[], k = 1e3, d = 2) => {
    const s = summarize(xs);
    return `${(s.median * k).toFixed(d)} (${(s.min * k).toFixed(d)}–${(s.max * k).toFixed(d)})`;
  };
  process.stdout.write(`${MODEL}, global batch ${GLOBAL_BATCH}, ${BACKEND}, ${steps} timed steps per launch, ${reps} alternating launches per configuration\n`);
  process.stdout.write('| objective | ranks x threads | ms per step | images/s | objective all-reduce ms | gradient all-reduce ms (buckets, MB) | not overlapped ms |\n|---|---|---:|---:|---:|---:|---:|\n');
  for (const objective of ['gg', 'dg']) {
    const runs: Record<number, RankResult[]> = Object.fromEntries(RANKS.map((n) => [n, []]));
    for (let i = 0; i < reps; i++) for (const n of i % 2 ? [...RANKS].reverse() : RANKS) runs[n].push(launch(n, objective, steps));
    for (const n of RANKS) {
      const rs = runs[n];
      const comm = n === 1 ? '–' : undefined;
      process.stdout.write(`| ${objective} | ${n} x ${BACKEND === 'cuda' ? 'GPU' : Math.max(1, Math.floor(2 / n))} | ${fmt(rs.map((r) => r.step))} | ${fmt(rs.map((r) => GLOBAL_BATCH / r.step), 1, 0)} | ${comm ?? fmt(rs.map((r) => r.allreduceObjective), 1e3, 3)} | ` +
        `${comm ?? `${fmt(rs.map((r) => r.allreduceGradients), 1e3, 3)} (${rs[0].buckets}, ${(rs[0].bytes / 2 ** 20).toFixed(2)})`} | ${comm ?? fmt(rs.map((r) => r.wait), 1e3, 3)} |\n`);
    }
  }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === 'rank') rank(a as 'gg' | 'dg', Number(b)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
else driver(Number(mode ?? 8), Number(a ?? 60));
