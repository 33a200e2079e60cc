// bench/alexnet_step.ts — the whole AlexNet training step (227x227, batch 32: forward in train mode,
// the DG objective, backward, SGD with momentum) of this build against another build of the
// library (e.g. a worktree of the engine before issue 10, when a step was four native calls with
// the scores and their gradient passing through JavaScript). Alternating child processes, one per
// build and repetition, each timing `steps` steps after 2 of warm-up; median (min–max).
// Rerun: npm run build && node dist/bench/alexnet_step.js <other build's dist/lib> [repetitions=8] [steps=4]
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { summarize } from './timing';

const BATCH = 32;

/** One child: builds AlexNet from the library at `lib` and prints the median seconds of a step. */
async function child(lib: string, steps: number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const g = require(path.join(lib, 'index.js'));
  const net = g.Network.create(g.alexnet(), { seed: 1 });
  const D = 3 * 227 * 227;
  const x = new Float32Array(BATCH * D).map((_, i) => Math.sin(i * 0.013));
  const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 37) % 1000);
  const fused = typeof net.trainStep === 'function';
  const step = async () => {
    const t0 = performance.now();
    if (fused) await net.trainStep(x, y, { objective: { kind: 'dg' }, optimizer: { kind: 'sgd', lr: 1e-4, momentum: 0.9 } });
    else {
      const scores = await net.forward(x, { train: true });
      await net.backward(g.computeObjective(scores, y, 1000, { kind: 'dg' }).grad);
      await net.sgdStep({ lr: 1e-4, momentum: 0.9 });
    }
    return (performance.now() - t0) / 1e3;
  };
  for (let i = 0; i < 2; i++) await step();
  const s: number[] = [];
  for (let i = 0; i < steps; i++) s.push(await step());
  process.stdout.write(JSON.stringify({ fused, backend: net.backend, seconds: summarize(s).median }) + '\n');
  net.dispose();
}

function main(): void {
  const [other, repsArg, stepsArg] = process.argv.slice(2);
  if (!other) throw new Error('usage: node dist/bench/alexnet_step.js <other build dist/lib> [repetitions] [steps]');
  const reps = Number(repsArg ?? 8), steps = Number(stepsArg ?? 4);
  const builds = { ours: path.resolve(__dirname, '..', 'lib'), other: path.resolve(other) };
  const out: Record<string, number[]> = { ours: [], other: [] };
  let kinds: Record<string, string> = {};
  for (let r = 0; r < reps; r++)
    for (const name of (r % 2 ? ['other', 'ours'] : ['ours', 'other']) as ('ours' | 'other')[]) {
      const c = spawnSync(process.execPath, [__filename, '--child', builds[name], String(steps)], { encoding: 'utf8', timeout: 600_000 });
      if (c.status !== 0) throw new Error(`${name} failed: ${c.stderr}`);
      const res = JSON.parse(c.stdout.trim().split('\n').pop()!);
      out[name].push(res.seconds);
      kinds = { ...kinds, [name]: `${res.backend}, ${res.fused ? 'one trainStep call' : 'forward + computeObjective + backward + sgdStep'}` };
    }
  const fmt = (xs: number[]) => {
    const s = summarize(xs);
    return `${s.median.toFixed(3)} (${s.min.toFixed(3)}–${s.max.toFixed(3)}) s`;
  };
  const ratio = summarize(out.other.map((o, i) => o / out.ours[i]));
  process.stdout.write(`AlexNet training step, batch ${BATCH}, ${reps} alternating repetitions of ${steps} steps\n`);
  process.stdout.write(`ours  (${builds.ours}; ${kinds.ours}): ${fmt(out.ours)}\nother (${builds.other}; ${kinds.other}): ${fmt(out.other)}\n`);
  process.stdout.write(`other / ours: ${ratio.median.toFixed(3)} (${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)})\n`);
}

if (process.argv[2] === '--child') child(process.argv[3], Number(process.argv[4])).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
else main();
