// test/dist/mpi.test.ts — data parallelism over MPI on this machine (mpirun over loopback, two ranks
// oversubscribing two cores): 2 ranks x batch 32 train to the weights of 1 process x batch 64 (DG,
// GG, the mixture, a semi-supervised batch; both CPU backends), resume under MPI is exact, a killed
// rank ends the job with a clear error within 60 s, and 2 ranks sample what 1 does. Each rank runs
// test/dist/job.ts; skipped where Open MPI's mpirun is not installed.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Network } from '../../lib/network';
import { cpuBackends, testIf } from '../helpers/skip';
import { parametersOf, relativeDifference as relDiff, SMALL, type TrainJob } from './job';

const JOB = path.join(__dirname, 'job.js');
const hasMpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status === 0;
const reason = hasMpirun ? '' : 'Open MPI is not installed (apt-get install -y openmpi-bin libopenmpi-dev)';
const MPIRUN = ['--allow-run-as-root', '--oversubscribe', '--bind-to', 'none'];

interface Run {
  status: number | null;
  stderr: string;
  seconds: number;
}

/** Runs job.js as one process (np 0) or under mpirun with np ranks. */
function launch(np: number, args: string[], timeoutMs = 240_000): Promise<Run> {
  const [cmd, argv] = np === 0 ? [process.execPath, [JOB, ...args]] : ['mpirun', [...MPIRUN, '-np', String(np), process.execPath, JOB, ...args]];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let stderr = '';
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'gcn-mpi-'));

async function trainJobs(np: number, jobs: TrainJob[], dir: string, tag: string): Promise<Record<string, Record<string, number[]>>> {
  const spec = path.join(dir, `${tag}.jobs.json`), out = path.join(dir, `${tag}.out.json`);
  writeFileSync(spec, JSON.stringify(jobs));
  const r = await launch(np, ['train', out, spec]);
  if (r.status !== 0) throw new Error(`${tag} (np ${np}) exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')).results;
}

/** One job per objective (and a semi-supervised batch) on a backend, with a per-rank batch. */
function objectiveJobs(backend: string, batch: number): TrainJob[] {
  const base = { backend, batch, maxStepsPerEpoch: 20, lr: 0.05, evalBatch: 100 } as TrainJob['options'];
  return [
    { name: `${backend} dg sgd`, options: { ...base, phases: 'dg:1' } },
    { name: `${backend} gg sgd`, options: { ...base, phases: 'gg:1' } },
    { name: `${backend} mix0.5 adam`, options: { ...base, phases: 'mix0.5:1', optimizer: 'adam', lr: 0.002 } },
    // 20 labels per class; each global batch: 16 labelled + 48 unlabelled images (the reference set)
    { name: `${backend} semi-supervised gg`, options: { ...base, phases: 'gg:1', labels: { perClass: 20 }, labelledPerBatch: (16 * batch) / 64 } },
  ];
}

testIf('mpi', reason, '2 ranks x batch 32 train to the weights of 1 process x batch 64 (DG, GG, mixture, semi-supervised; CPU backends)', async (t) => {
  const dir = tmp();
  const backends = cpuBackends();
  const one = await trainJobs(0, backends.flatMap((b) => objectiveJobs(b, 64)), dir, 'one');
  const two = await trainJobs(2, backends.flatMap((b) => objectiveJobs(b, 32)), dir, 'two');
  for (const name of Object.keys(one)) {
    const d = relDiff(one[name], two[name]);
    t.log(`${name}: relative difference ${d.toExponential(2)}`);
    t.true(d <= 1e-5, `${name}: ${d}`);
  }
  // the weights moved: a no-op would also agree
  const init = Network.create(SMALL, { seed: 0 });
  const moved = relDiff(parametersOf(init), one[Object.keys(one)[0]]);
  init.dispose();
  t.true(moved > 1e-3, `training moved the weights by ${moved}`);
}, { serial: true });

testIf('mpi', reason, 'resume under MPI is exact, and a different number of ranks is refused with what to do', async (t) => {
  const dir = tmp();
  const options = { backend: 'reference', batch: 32, phases: 'gg:1,dg:1', maxStepsPerEpoch: 8, lr: 0.05, evalBatch: 100, optimizer: 'adam', momentum: 0.9 } as TrainJob['options'];
  const straight = await trainJobs(2, [{ name: 'run', options: { ...options, outDir: path.join(dir, 'a') } }], dir, 'straight');
  // the second run dies (rank 0 exits) right after its first checkpoint, then resumes on 2 ranks
  writeFileSync(path.join(dir, 'cut.jobs.json'), JSON.stringify([{ name: 'run', options: { ...options, outDir: path.join(dir, 'b') }, abortAfterEpoch: 1 }]));
  const cut = await launch(2, ['train', path.join(dir, 'cut.out.json'), path.join(dir, 'cut.jobs.json')]);
  t.not(cut.status, 0);
  t.true(existsSync(path.join(dir, 'b', 'model.safetensors')));
  const resumed = await trainJobs(2, [{ name: 'run', options: { outDir: path.join(dir, 'b'), resume: true, backend: 'reference' } }], dir, 'resumed');
  t.is(relDiff(straight.run, resumed.run), 0, 'bit-exact');
  // one process may not continue a 2-rank run unnoticed
  writeFileSync(path.join(dir, 'solo.jobs.json'), JSON.stringify([{ name: 'run', options: { outDir: path.join(dir, 'b'), resume: true, backend: 'reference' } }]));
  const solo = await launch(0, ['train', path.join(dir, 'solo.out.json'), path.join(dir, 'solo.jobs.json')]);
  t.is(solo.status, 2);
  t.regex(solo.stderr, /trained on 2 ranks.*mpirun -np 2\).*--override world=1/s);
}, { serial: true });

testIf('mpi', reason, 'killing one rank (kill -9) ends the job with a clear error within 60 s; the last checkpoint loads', async (t) => {
  const dir = tmp(), out = path.join(dir, 'long.out.json'), spec = path.join(dir, 'long.jobs.json');
  const model = path.join(dir, 'run', 'model.safetensors');
  writeFileSync(spec, JSON.stringify([{ name: 'long', options: { backend: 'reference', batch: 32, phases: 'dg:400', maxStepsPerEpoch: 4, lr: 0.01, evalBatch: 200, outDir: path.join(dir, 'run') } }]));
  const running = launch(2, ['train', out, spec], 180_000);
  const deadline = Date.now() + 120_000;
  while (!(existsSync(model) && existsSync(`${out}.pid1`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  t.true(existsSync(model), 'a checkpoint was written before the kill');
  const killedAt = Date.now();
  process.kill(Number(await fsp.readFile(`${out}.pid1`, 'utf8')), 'SIGKILL');
  const r = await running;
  const seconds = (Date.now() - killedAt) / 1000;
  t.log(`the job ended ${seconds.toFixed(1)} s after rank 1 was killed; exit status ${r.status}`);
  t.true(seconds < 60);
  t.not(r.status, 0);
  t.regex(r.stderr, /rank 1 .*(signal 9|Killed)/is);
  const net = await Network.load(model);
  t.true(net.getParameter('fc2.weight').every(Number.isFinite));
  net.dispose();
}, { serial: true });

testIf('mpi', reason, '2 ranks sample what 1 does: the same diagnostics, traces and images (tempering, unequal shares)', async (t) => {
  const dir = tmp();
  const job = { backend: 'reference', nodes: ['fc2:0', 'fc2:3'], chains: 5, draws: 12, warmup: 12, method: 'hmc', tempering: { rungs: 2, maxTemperature: 3 } };
  writeFileSync(path.join(dir, 'sample.json'), JSON.stringify(job));
  const results = [];
  for (const np of [0, 2]) {
    const out = path.join(dir, `sample${np}.out.json`);
    const r = await launch(np, ['sample', out, path.join(dir, 'sample.json')]);
    t.is(r.status, 0, r.stderr);
    results.push(JSON.parse(readFileSync(out, 'utf8')));
  }
  const [a, b] = results;
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(x));
  for (let g = 0; g < a.length; g++) {
    t.is(a[g].node, b[g].node);
    for (const k of ['rhat', 'ess', 'stepSize']) t.true(close(a[g][k], b[g][k]), `${a[g].node} ${k}: ${a[g][k]} vs ${b[g][k]}`);
    t.deepEqual(a[g].acceptance, b[g].acceptance);
    t.true(a[g].value.flat().every((v: number, i: number) => close(v, b[g].value.flat()[i])), `${a[g].node}: F traces`);
    for (const k of ['last', 'means', 'samples']) t.true(a[g][k].every((v: number, i: number) => close(v, b[g][k][i])), `${a[g].node}: ${k}`);
    t.is(a[g].samplesLength, b[g].samplesLength);
  }
}, { serial: true });

testIf('mpi', reason, 'a world of one: a distributed net (MPI, buckets of 1 KB) trains as a plain one on each CPU backend', async (t) => {
  const dir = tmp();
  for (const backend of cpuBackends()) {
    const out = path.join(dir, `${backend}.json`);
    const r = await launch(1, ['world1', out, backend]);
    t.is(r.status, 0, r.stderr);
    const got = JSON.parse(readFileSync(out, 'utf8'));
    t.log(`${backend}: relative difference ${got.relative.toExponential(2)}, ${got.buckets} buckets`);
    t.is(got.world, 1);
    t.true(got.relative <= 1e-6);
    t.true(got.buckets >= 2, 'buckets of 262 floats: fc2 with fc1, then conv1');
  }
}, { serial: true });
