// bench/hmc.ts — HMC throughput on LeNet: leapfrog steps x chains per second for genconvnet's
// sampler (one forward+backward of all chains and the fused leapfrog pass per step) against
// PyTorch doing the same with autograd (bench/torch_hmc.py), same machine, same run, 1 and 2
// threads, interleaved repetitions. Rerun: npm run build && node dist/bench/hmc.js [chains]
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Network } from '../lib/network';
import { lenet } from '../lib/presets';
import { hmcStepper } from './hmc_step';
import { summarize } from './timing';

const root = path.resolve(__dirname, '..', '..');

/** Child mode: time our leapfrog steps (one native HMC iteration of `steps` leapfrog steps per repetition). */
async function ours(chains: number, steps: number, reps: number): Promise<number[]> {
  const net = Network.create(lenet(), { seed: 0 });
  const S = await hmcStepper(net, [net.node('fc2:3')], chains, 0.01);
  await S.step(5);
  const out: number[] = [];
  for (let r = 0; r < reps; r++) out.push(await S.step(steps));
  S.dispose();
  net.dispose();
  return out;
}

function child(side: 'ours' | 'torch', chains: number, threads: number): number[] {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), GENCONVNET_QUIET: '1' };
  const cfg = JSON.stringify({ chains, steps: 40, reps: 3, threads });
  const out = side === 'ours'
    ? execFileSync(process.execPath, [__filename, '--child', cfg], { env, encoding: 'utf8' })
    : execFileSync(process.env.BENCH_PYTHON ?? '/usr/bin/python3', [path.join(root, 'bench', 'torch_hmc.py'), cfg], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!).seconds;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const cfg = JSON.parse(process.argv[3]);
    process.stdout.write(JSON.stringify({ seconds: await ours(cfg.chains, cfg.steps, cfg.reps) }) + '\n');
    return;
  }
  const chains = Number(process.argv[2] ?? 64);
  const rows = [`HMC on LeNet node fc2:3, ${chains} chains: leapfrog steps x chains per second, median (min–max) of 3 rounds x 3 repetitions`, '', '| threads | genconvnet | PyTorch autograd | ratio |', '|---:|---:|---:|---:|'];
  for (const threads of [1, 2]) {
    const o: number[] = [], t: number[] = [];
    for (let round = 0; round < 3; round++) {
      if (round % 2) (t.push(...child('torch', chains, threads)), o.push(...child('ours', chains, threads)));
      else (o.push(...child('ours', chains, threads)), t.push(...child('torch', chains, threads)));
    }
    const rate = (xs: number[]) => summarize(xs.map((s) => chains / s));
    const ro = rate(o), rt = rate(t);
    const f = (s: ReturnType<typeof summarize>) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
    rows.push(`| ${threads} | ${f(ro)} | ${f(rt)} | **${(ro.median / rt.median).toFixed(2)}×** |`);
  }
  process.stdout.write(rows.join('\n') + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
