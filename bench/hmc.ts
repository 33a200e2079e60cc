// bench/hmc.ts — HMC throughput (leapfrog steps x chains per second) of genconvnet's sampler (one
// native call per HMC iteration: L forward+backward passes of all chains and the fused leapfrog)
// against PyTorch doing the same with autograd (bench/torch_hmc.py), same machine, same run,
// interleaved child processes, 2 threads; cases: Caffe LeNet and a wider LeNet-style net (64
// chains), AlexNet 227x227 (16 chains); and a layer-wide run (all 50 channels of LeNet's conv2 in
// one batch) against 50 separate runs. Rerun: npm run build && nice node dist/bench/hmc.js [rounds]
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Network } from '../lib/network';
import { alexnet, lenet } from '../lib/presets';
import type { NetSpec } from '../lib/spec';
import { trainingFlops, wideLenet } from './cases';
import { measuredPeak } from './machine';
import { hmcStepper } from './hmc_step';
import { summarize } from './timing';

const root = path.resolve(__dirname, '..', '..');

const CASES: Record<string, { spec: () => NetSpec; node: string; chains: number; L: number }> = {
  lenet: { spec: lenet, node: 'fc2:3', chains: 64, L: 20 },
  'lenet-wide': { spec: () => wideLenet({ conv1: 50, conv2: 128, fc1: 1000 }), node: 'fc2:3', chains: 64, L: 20 },
  alexnet: { spec: alexnet, node: 'fc8:3', chains: 16, L: 4 },
};

/** Child mode: seconds per leapfrog step, one per repetition. */
async function ours(name: string, reps: number): Promise<number[]> {
  const c = CASES[name];
  const net = Network.create(c.spec(), { seed: 0 });
  const S = await hmcStepper(net, [net.node(c.node)], c.chains, 0.01);
  await S.step(2);
  const out: number[] = [];
  for (let r = 0; r < reps; r++) out.push(await S.step(c.L));
  S.dispose();
  net.dispose();
  return out;
}

/** Child mode: seconds per iteration (L = 10) for conv2's 50 channels x 8 chains: one batch, or 50 batches. */
async function layerWide(reps: number): Promise<{ batch: number[]; separate: number[] }> {
  const net = Network.create(lenet(), { seed: 0 });
  const nodes = Array.from({ length: 50 }, (_, c) => net.node(`conv2:${c}@mean`));
  const one = await hmcStepper(net, nodes.flatMap((n) => Array(8).fill(n)), 400, 0.01);
  const each = [];
  for (const n of nodes) each.push(await hmcStepper(net, [n], 8, 0.01)); // one native call at a time per net
  const batch: number[] = [], separate: number[] = [];
  for (let r = 0; r < reps; r++) {
    batch.push((await one.step(10)) * 10);
    let s = 0;
    for (const e of each) s += (await e.step(10)) * 10;
    separate.push(s);
  }
  one.dispose();
  each.forEach((e) => e.dispose());
  net.dispose();
  return { batch, separate };
}

function child(side: 'ours' | 'torch' | 'layer', name: string, threads: number): unknown {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), GENCONVNET_QUIET: '1' };
  const c = CASES[name];
  const cfg = JSON.stringify({ name, chains: c?.chains, steps: c?.L, reps: 3, threads, spec: c ? Network.create(c.spec(), { backend: 'reference' }).spec : null, node: c ? Number(c.node.split(':')[1]) : 0 });
  const out = side === 'torch'
    ? execFileSync(process.env.BENCH_PYTHON ?? '/usr/bin/python3', [path.join(root, 'bench', 'torch_hmc.py'), cfg], { env, encoding: 'utf8', maxBuffer: 1 << 24 })
    : execFileSync(process.execPath, [__filename, side === 'layer' ? '--layer' : '--child', cfg], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const f = (s: ReturnType<typeof summarize>, d = 0) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;

async function main(): Promise<void> {
  if (process.argv[2] === '--child' || process.argv[2] === '--layer') {
    const cfg = JSON.parse(process.argv[3]);
    const result = process.argv[2] === '--layer' ? await layerWide(cfg.reps) : { seconds: await ours(cfg.name, cfg.reps) };
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const rounds = Number(process.argv[2] ?? 3), threads = 2;
  const peak = measuredPeak(root);
  const rows = [
    `HMC, ${threads} threads: leapfrog steps x chains per second, median (min–max) of ${rounds} rounds x 3 repetitions, interleaved; ` +
      `GFLOP/s count a forward and an input-gradient pass per chain and step as direct convolution does them` +
      (peak ? `, against the measured fp32 peak of ${peak.toFixed(0)} GFLOP/s per core (bench/peak.cc)` : ''),
    '', '| net | chains | genconvnet | PyTorch autograd | genconvnet GFLOP/s (% of peak) | ratio |', '|---|---:|---:|---:|---:|---:|'];
  for (const name of Object.keys(CASES)) {
    const o: number[] = [], t: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const a = () => o.push(...(child('ours', name, threads) as { seconds: number[] }).seconds);
      const b = () => t.push(...(child('torch', name, threads) as { seconds: number[] }).seconds);
      if (round % 2) (b(), a());
      else (a(), b());
    }
    const chains = CASES[name].chains, rate = (xs: number[]) => summarize(xs.map((s) => chains / s));
    const ro = rate(o), rt = rate(t);
    const gflops = (ro.median * 2 * trainingFlops(CASES[name].spec()).forward) / 1e9;
    const pct = peak ? ` (${((100 * gflops) / (peak * threads)).toFixed(0)} %)` : '';
    rows.push(`| ${name} (${CASES[name].node}) | ${chains} | ${f(ro)} | ${f(rt)} | ${gflops.toFixed(1)}${pct} | **${(ro.median / rt.median).toFixed(2)}×** |`);
    process.stderr.write(rows[rows.length - 1] + '\n');
  }
  const b: number[] = [], s: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const r = child('layer', 'layer', threads) as { batch: number[]; separate: number[] };
    b.push(...r.batch), s.push(...r.separate);
  }
  const sb = summarize(b), ss = summarize(s);
  rows.push('', `Layer-wide: LeNet conv2, all 50 channels x 8 chains, seconds per HMC iteration (L = 10): one batch of 400 chains ${f(sb, 3)} s, 50 separate runs of 8 chains ${f(ss, 3)} s: **${(ss.median / sb.median).toFixed(2)}×** faster in one batch`);
  process.stdout.write(rows.join('\n') + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
