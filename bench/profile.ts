// bench/profile.ts — where a training step's time goes on the oneDNN backend: runs LeNet (or the wider
// LeNet of the step bench, bench/cases.ts) training steps in a child with ONEDNN_VERBOSE=1, sums oneDNN's own execution
// times per primitive, pass and shape, adds the engine's Winograd convolutions (their own timers,
// debugWinograd), and sets them against the step's wall time (the rest is the objective, the
// optimizer update, the host glue and the crossing). Not a test; see bench/README.md.
// Usage: npm run build && OMP_NUM_THREADS=2 node dist/bench/profile.js [lenet|wide] [batch]
import { execFileSync } from 'node:child_process';
import { loadNative } from '../lib/native';
import { Network } from '../lib/network';
import { lenet } from '../lib/presets';
import { wideLenet } from './cases';

const STEPS = 50;

async function child(which: string, n: number): Promise<void> {
  const net = Network.create(which === 'wide' ? wideLenet() : lenet(), { seed: 0 });
  if (net.backend !== 'onednn') throw new Error(`the profile reads oneDNN's verbose output; this build runs ${net.backend}`);
  const x = new Float32Array(n * 784).map((_, i) => Math.sin(i)), y = Int32Array.from({ length: n }, (_, i) => i % 10);
  const opt = { objective: { kind: 'dg' as const }, optimizer: { kind: 'sgd' as const, lr: 0.001, momentum: 0.9 } };
  for (let i = 0; i < 20; i++) await net.trainStep(x, y, opt); // primitives created, caches warm
  process.stdout.write('PROFILE-START\n');
  const w0 = loadNative().debugWinograd();
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) await net.trainStep(x, y, opt);
  process.stdout.write(`PROFILE-STEP-MS ${(performance.now() - t0) / STEPS}\n`);
  const w1 = loadNative().debugWinograd();
  process.stdout.write(`PROFILE-WINOGRAD ${1000 * (w1.forwardSeconds - w0.forwardSeconds)} ${1000 * (w1.backwardSeconds - w0.backwardSeconds)}\n`);
  net.dispose();
}

function main(): void {
  const which = process.argv[2] ?? 'lenet', n = Number(process.argv[3] ?? 128);
  const out = execFileSync(process.execPath, [__filename, '--child', which, String(n)], {
    env: { ...process.env, ONEDNN_VERBOSE: '1', GENCONVNET_QUIET: '1' }, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  const lines = out.slice(out.indexOf('PROFILE-START')).split('\n');
  const stepMs = Number(/PROFILE-STEP-MS ([\d.]+)/.exec(out)?.[1]);
  const byKey = new Map<string, number>();
  let total = 0;
  for (const l of lines) {
    const f = l.split(',');
    if (f[0] !== 'onednn_verbose' || f[1] !== 'exec') continue;
    const ms = Number(f[f.length - 1]), shape = f[f.length - 2].split('_').slice(0, 2).join('_');
    const key = `${f[3]} ${f[5] === 'undef' ? '' : f[5]} ${shape}`;
    byKey.set(key, (byKey.get(key) ?? 0) + ms);
    total += ms;
  }
  // the Winograd convolutions (native/ops/conv/winograd.h) are the engine's, not oneDNN primitives
  const wino = /PROFILE-WINOGRAD ([\d.e+-]+) ([\d.e+-]+)/.exec(out);
  if (wino && Number(wino[1]) + Number(wino[2]) > 0) {
    byKey.set('winograd convolution F(2x2,5x5) forward (engine)', Number(wino[1]));
    byKey.set('winograd convolution F(2x2,5x5) backward weights+data (engine)', Number(wino[2]));
    total += Number(wino[1]) + Number(wino[2]);
  }
  const rows = [...byKey].sort((a, b) => b[1] - a[1]);
  process.stdout.write(`${which}, batch ${n}, ${process.env.OMP_NUM_THREADS ?? 'default'} threads: ${stepMs.toFixed(2)} ms per step (with verbose logging on), ` +
    `oneDNN primitives and Winograd convolutions ${(total / STEPS).toFixed(2)} ms (${((100 * total) / STEPS / stepMs).toFixed(0)} %), the rest ${(stepMs - total / STEPS).toFixed(2)} ms\n\n` +
    '| primitive, pass, shape | ms per step | share of the step |\n|---|---:|---:|\n');
  for (const [k, ms] of rows.slice(0, 14)) process.stdout.write(`| ${k} | ${(ms / STEPS).toFixed(2)} | ${((100 * ms) / STEPS / stepMs).toFixed(1)} % |\n`);
}

if (process.argv[2] === '--child') void child(process.argv[3], Number(process.argv[4]));
else main();
