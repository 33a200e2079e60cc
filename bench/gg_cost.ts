// bench/gg_cost.ts — what the generative gradient costs: a LeNet training step (forward,
// objective, backward, SGD) with GG against the same step with DG, interleaved repetitions in
// one process, and the wall time of one full MNIST epoch. Rerun: npm run build && node dist/bench/gg_cost.js
import { loadMnist } from '../lib/data/mnist';
import { Network } from '../lib/network';
import { lenet } from '../lib/presets';
import { computeObjective, type Objective } from '../lib/train/objectives';
import { train } from '../lib/train/trainer';
import { measure, summarize } from './timing';

async function main(): Promise<void> {
  const batch = Number(process.argv[2] ?? 64);
  const { train: data } = loadMnist();
  const x = data.images.subarray(0, batch * 784).map((v) => (v - 0.1307) / 0.3081);
  const y = data.labels.slice(0, batch);
  const net = Network.create(lenet(), { seed: 1 });
  const step = (objective: Objective) => async () => {
    const t0 = performance.now();
    const scores = await net.forward(x, { train: true });
    await net.backward(computeObjective(scores, y, 10, objective).grad);
    await net.sgdStep({ lr: 1e-4, momentum: 0.9 });
    return (performance.now() - t0) / 1e3;
  };
  const timing = { warmup: 5, warmupSeconds: 0.3, minRepSeconds: 0.2, reps: 1 };
  const dg: number[] = [], gg: number[] = [];
  for (let r = 0; r < 9; r++) {
    // alternate which goes first so drifts in load hit both
    const pair = r % 2 ? [['gg', gg], ['dg', dg]] as const : [['dg', dg], ['gg', gg]] as const;
    for (const [kind, out] of pair) out.push(...(await measure(step({ kind }), timing)).seconds);
  }
  net.dispose();
  const ratios = gg.map((g, i) => g / dg[i]);
  const fmt = (s: ReturnType<typeof summarize>, k = 1e3) => `${(s.median * k).toFixed(3)} (${(s.min * k).toFixed(3)}–${(s.max * k).toFixed(3)})`;
  process.stdout.write(`backend ${net.backend}, LeNet, batch ${batch}, 9 interleaved repetitions\n`);
  process.stdout.write(`DG step ms: ${fmt(summarize(dg))}\nGG step ms: ${fmt(summarize(gg))}\nGG/DG ratio: ${fmt(summarize(ratios), 1)}\n`);
  const t0 = performance.now();
  const run = await train({ model: 'lenet', phases: 'gg:1', seed: 0 });
  run.net.dispose();
  const h = run.history[0];
  process.stdout.write(`one GG epoch of MNIST (60,000 images, batch 64) with evaluation: ${h.seconds.toFixed(1)} s (whole call ${((performance.now() - t0) / 1e3).toFixed(1)} s)\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
