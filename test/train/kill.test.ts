// test/train/kill.test.ts — kill -9 at random moments, and while a checkpoint is being written (a
// temp file appears), then load and --resume, until the run completes: the final weights and
// optimizer state equal an uninterrupted run's bit for bit, the checkpoint always loads, and no
// temp file is left behind. Each training run is its own process (SIGKILL cannot be caught).
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp, watch } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSafetensors } from '../../lib/io/safetensors';
import { Network } from '../../lib/network';

const lib = path.resolve(__dirname, '..', '..', 'lib');

// One run: a small net, 5 epochs of 4 steps; each epoch ends with an evaluation and a checkpoint.
const script = (outDir: string, resume: boolean) => `
  const { train } = require(${JSON.stringify(path.join(lib, 'train', 'trainer.js'))});
  const { loadMnist } = require(${JSON.stringify(path.join(lib, 'data', 'mnist.js'))});
  const { subset } = require(${JSON.stringify(path.join(lib, 'data', 'dataset.js'))});
  const m = loadMnist();
  const range = (n) => Array.from({ length: n }, (_, i) => i);
  const dataset = { train: subset(m.train, range(400)), test: subset(m.test, range(100)) };
  const model = { input: [1, 28, 28], layers: [{ type: 'conv', name: 'conv1', out: 6, kernel: 5, stride: 2 }, { type: 'relu' },
    { type: 'maxpool', kernel: 2, stride: 2 }, { type: 'flatten' }, { type: 'dropout', p: 0.2 }, { type: 'linear', name: 'fc', out: 10 }] };
  train({ model, dataset, phases: 'gg:2,dg:3', batch: 20, maxStepsPerEpoch: 4, optimizer: 'adam', lr: 0.002, seed: 11, backend: 'reference',
    outDir: ${JSON.stringify(outDir)}, resume: ${resume} }).then((r) => { r.net.dispose(); process.exit(0); }, (e) => { console.error(e); process.exit(2); });
`;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs one training process; `killWhen` decides when to SIGKILL it (or never). */
function runOnce(outDir: string, resume: boolean, mode: 'none' | 'write' | 'random', delayMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script(outDir, resume)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let watcher: ReturnType<typeof watch> | undefined;
    const kill = () => child.kill('SIGKILL');
    if (mode === 'write') {
      // Kill while a checkpoint is being written: its temp file has just appeared (after delayMs).
      watcher = watch(outDir, (_e, name) => {
        if (name && String(name).includes('.tmp-')) setTimeout(kill, delayMs);
      });
    } else if (mode === 'random') setTimeout(kill, delayMs);
    child.on('exit', (code, signal) => {
      watcher?.close();
      resolve({ code, signal });
    });
  });
}

async function finalState(file: string): Promise<Record<string, Buffer>> {
  const { tensors } = await readSafetensors(file);
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}

test('kill -9 at random moments and during checkpoint writes, then resume: bit-identical final weights', async (t) => {
  const ref = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-kill-ref-'));
  const began = Date.now();
  t.is((await runOnce(ref, false, 'none', 0)).code, 0);
  const fullMs = Date.now() - began;
  const want = await finalState(path.join(ref, 'model.safetensors'));

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-kill-'));
  const model = path.join(dir, 'model.safetensors');
  const plan: string[] = [];
  let kills = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const mode = kills >= 8 ? 'none' : attempt % 2 === 0 ? 'write' : 'random';
    const delay = mode === 'write' ? Math.floor(Math.random() * 3) : Math.floor(200 + Math.random() * fullMs);
    const resume = existsSync(model);
    if (resume) {
      // Whatever moment the last run died at, the checkpoint on disk loads (checksum verified).
      const net = await Network.load(model, { backend: 'reference' });
      net.dispose();
    }
    const r = await runOnce(dir, resume, mode, delay);
    plan.push(`${mode}${mode === 'none' ? '' : `+${delay}ms`}${resume ? ' (resumed)' : ''}: ${r.signal ?? r.code}`);
    if (r.signal === 'SIGKILL') kills++;
    else if (r.code === 0 && kills >= 3) break;
    else if (r.code === 0) {
      // The run finished before enough kills landed (a resumed run is shorter than the full one):
      // start the lineage again so that the final weights always come through >= 3 kills.
      await fsp.rm(dir, { recursive: true, force: true });
      await fsp.mkdir(dir);
      kills = 0;
      plan.push('(finished early: restarted)');
    } else t.fail(`run exited with ${r.code}: ${plan.join('; ')}`);
  }
  t.log(`full run ${fullMs} ms; ${kills} kills: ${plan.join('; ')}`);
  t.true(kills >= 3, plan.join('; '));
  const got = await finalState(model);
  t.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const k of Object.keys(want)) t.true(got[k].equals(want[k]), `tensor ${k} differs after ${kills} kills`);
  t.deepEqual((await fsp.readdir(dir)).filter((n) => n.includes('.tmp-')), []);
});
