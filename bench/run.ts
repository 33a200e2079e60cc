// bench/run.ts — `npm run bench`: runs every job at each thread count in child processes
// (ours.js and torch_peer.py, OMP_NUM_THREADS set per child, back to back in ABBA rounds), prints
// the markdown tables, and on a full run writes bench/results.md, the README's results section
// and bench/out/*.json. Options: `node dist/bench/run.js --help`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { availableBackends } from '../lib';
import { convFlops, makeJobs, passesOf, trainingFlops, type Job, type Timing } from './cases';
import { cpuSnapshot, machineInfo, othersCores, peerBlasProblem } from './machine';
import { gflops, imagesPerSecond, renderMarkdown, type Row, type RunInfo, type Side } from './report';
import { summarize, type Samples } from './timing';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const PEER = path.join(ROOT, 'bench', 'torch_peer.py');
const README_START = '<!-- results:start -->';
const README_END = '<!-- results:end -->';

const HELP = `Usage: node dist/bench/run.js [options]
  --backend <name>       genconvnet backend (default: the best compiled CPU backend)
  --threads <list>       thread counts, comma separated (default 1,2)
  --reps <n>             timed repetitions per cell, split over the rounds (default 16)
  --rounds <n>           child processes per side and cell, alternating which side runs first (default 4)
  --warmup <n>           untimed warm-up iterations, at least 0.5 s (default 3)
  --min-rep <seconds>    shortest repetition; short iterations are repeated inside it (default 0.25)
  --lenet-batch <n>      LeNet batch (default 128)
  --alexnet-batch <n>    AlexNet conv batch (default 32; 4 on the reference backend)
  --only <list>          job name prefixes, e.g. lenet,alexnet-conv2 (a partial run writes JSON only)
  --quick                3 short repetitions: a smoke test, not a measurement
  --no-torch             skip the PyTorch peer
  --help`;

interface Options {
  backend: string;
  threads: number[];
  timing: Timing;
  lenetBatch: number;
  alexnetBatch: number;
  only: string[];
  torch: boolean;
  quick: boolean;
  /** Each job and thread count runs this many times per side, alternating which side goes first. */
  rounds: number;
}

function positiveInt(v: string | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected a positive integer for --${name} but received ${v}`);
  return n;
}

function parseOptions(argv: string[]): Options | null {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string' }, threads: { type: 'string' }, reps: { type: 'string' }, rounds: { type: 'string' }, warmup: { type: 'string' },
      'min-rep': { type: 'string' }, 'lenet-batch': { type: 'string' }, 'alexnet-batch': { type: 'string' },
      only: { type: 'string' }, quick: { type: 'boolean' }, 'no-torch': { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (v.help) return null;
  const have = availableBackends().filter((b) => b !== 'cuda');
  const backend = v.backend ?? have[0];
  if (!have.includes(backend as never)) throw new Error(`Expected one of ${have.join(', ')} for --backend but received ${backend}`);
  const minRep = v['min-rep'] === undefined ? 0.25 : Number(v['min-rep']);
  if (!(minRep > 0)) throw new Error(`Expected seconds > 0 for --min-rep but received ${v['min-rep']}`);
  const rounds = v.quick ? 1 : positiveInt(v.rounds, 4, 'rounds');
  const reps = Math.ceil(positiveInt(v.reps, 16, 'reps') / rounds);
  const timing: Timing = v.quick
    ? { warmup: 1, warmupSeconds: 0, reps: 3, minRepSeconds: 0.02 }
    : { warmup: positiveInt(v.warmup, 3, 'warmup'), warmupSeconds: 0.5, reps, minRepSeconds: minRep };
  return {
    backend,
    threads: (v.threads ?? '1,2').split(',').map((t) => positiveInt(t.trim(), 1, 'threads')),
    timing,
    lenetBatch: positiveInt(v['lenet-batch'], 128, 'lenet-batch'),
    alexnetBatch: positiveInt(v['alexnet-batch'], backend === 'reference' ? 4 : 32, 'alexnet-batch'),
    only: v.only ? v.only.split(',').map((s) => s.trim()).filter(Boolean) : [],
    torch: !v['no-torch'],
    quick: v.quick === true,
    rounds,
  };
}

interface ChildResult {
  side: Side;
  job: string;
  threads: number | null;
  backend?: string;
  passes: Record<string, Samples>;
  versions?: { torch: string; onednn: string | null; python: string; blas?: string | null };
}

/** Runs one child with OMP_NUM_THREADS=threads; resolves with its last stdout line as JSON. */
function runChild(cmd: string, args: string[], threads: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, OMP_NUM_THREADS: String(threads), GENCONVNET_QUIET: '1' };
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) return resolve(JSON.parse(last) as ChildResult);
      reject(new Error(`${path.basename(args[0])} ${code === null ? `killed by ${signal}` : `exited with ${code}`}: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}`));
    });
  });
}

function flopsOf(job: Job): number {
  return job.kind === 'lenet-step' ? trainingFlops(job.spec).step : convFlops(job.conv);
}

function rowsOf(job: Job, threads: number, side: Side, result: ChildResult): Row[] {
  return passesOf(job).map((pass) => ({
    job: job.name, pass, threads, side, batch: job.batch, flopsPerImage: flopsOf(job),
    seconds: result.passes[pass].seconds.slice(), inner: [result.passes[pass].inner],
  }));
}

function progress(rows: Row[]): void {
  for (const r of rows) {
    const ips = summarize(imagesPerSecond(r));
    const gf = summarize(gflops(r));
    process.stderr.write(`  ${r.job} ${r.pass} ${r.threads} thr ${r.side.padEnd(5)} ${ips.median.toFixed(1)} images/s, ${gf.median.toFixed(1)} GFLOP/s (${r.inner.join('+')} iter/rep)\n`);
  }
}

/** Checks that the peer's Python can import torch; says why not otherwise. */
async function torchWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', 'import torch'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', () => resolve(false));
    child.on('close', (code) => {
      if (code !== 0) process.stderr.write(`bench: ${PYTHON} cannot import torch (${err.trim().split('\n').pop()}); skipping the peer. Try: apt-get install -y python3-torch\n`);
      resolve(code === 0);
    });
  });
}

/** One job at one thread count on both sides; odd rounds run the peer first (ABBA order). */
async function measurePair(job: Job, t: number, o: Options, round: number): Promise<{ rows: Row[]; peer: ChildResult | null }> {
  const json = JSON.stringify(job);
  const runOurs = async () => rowsOf(job, t, 'ours', await runChild(process.execPath, [path.join(__dirname, 'ours.js'), o.backend, json], t));
  let peer: ChildResult | null = null;
  const runPeer = async () => (o.torch ? rowsOf(job, t, 'torch', (peer = await runChild(PYTHON, [PEER, json], t))) : []);
  const rows = round % 2 === 0 ? [...(await runOurs()), ...(await runPeer())] : [...(await runPeer()), ...(await runOurs())];
  return { rows, peer };
}

/** Appends a round's samples to the row of the same job, pass, threads and side. */
function merge(into: Row[], rows: Row[]): void {
  for (const r of rows) {
    const same = into.find((x) => x.job === r.job && x.pass === r.pass && x.threads === r.threads && x.side === r.side);
    if (same) {
      same.seconds.push(...r.seconds);
      same.inner.push(...r.inner);
    } else into.push(r);
  }
}

async function measureAll(jobs: Job[], o: Options): Promise<{ rows: Row[]; torch: RunInfo['torch'] }> {
  const rows: Row[] = [];
  let torch: RunInfo['torch'] = null;
  for (const job of jobs) {
    for (const t of o.threads) {
      const pairRows: Row[] = [];
      for (let round = 0; round < o.rounds; round++) {
        const { rows: got, peer } = await measurePair(job, t, o, round);
        torch = peer?.versions ?? torch;
        // a ratio against a crippled peer is void: refuse it rather than report it
        const problem = peer ? peerBlasProblem(peer.versions?.blas) : null;
        if (problem) throw new Error(`refusing to report ratios: ${problem}`);
        merge(pairRows, got);
      }
      progress(pairRows);
      rows.push(...pairRows);
    }
  }
  return { rows, torch };
}

function replaceReadmeSection(markdown: string): void {
  const file = path.join(ROOT, 'bench', 'README.md');
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(README_START);
  const b = text.indexOf(README_END);
  if (a < 0 || b < a) return;
  fs.writeFileSync(file, `${text.slice(0, a + README_START.length)}\n${markdown.trim()}\n${text.slice(b)}`);
}

function writeOutputs(markdown: string, info: RunInfo, rows: Row[], full: boolean): void {
  const outDir = path.join(ROOT, 'bench', 'out');
  fs.mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify({ info, rows }, null, 1);
  const stamp = info.machine.date.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(outDir, `bench-${stamp}.json`), json);
  fs.writeFileSync(path.join(outDir, 'latest.json'), json);
  if (full) {
    fs.writeFileSync(path.join(ROOT, 'bench', 'results.md'), `# genconvnet vs PyTorch on the CPU (written by \`npm run bench\`)\n\n${markdown}`);
    replaceReadmeSection(markdown);
  }
  process.stderr.write(`bench: wrote bench/out/bench-${stamp}.json${full ? ', bench/results.md and the README section' : ' (partial, quick or peerless run: results.md untouched)'}\n`);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!o) return void process.stdout.write(HELP + '\n');
  const jobs = makeJobs({ lenetBatch: o.lenetBatch, alexnetBatch: o.alexnetBatch, timing: o.timing, only: o.only });
  if (jobs.length === 0) throw new Error(`Expected --only to match a job (lenet, alexnet-conv1..5) but received ${o.only.join(',')}`);
  if (o.torch) o.torch = await torchWorks();
  const machine = machineInfo(ROOT);
  const before = cpuSnapshot();
  process.stderr.write(`bench: backend ${o.backend}, threads ${o.threads.join(',')}, ${jobs.length} jobs, load ${machine.loadavg.join(' ')}\n`);
  const { rows, torch } = await measureAll(jobs, o);
  const info: RunInfo = { machine, backend: o.backend, torch, lenetBatch: o.lenetBatch, alexnetBatch: o.alexnetBatch, reps: o.timing.reps * o.rounds, rounds: o.rounds, threads: o.threads,
    othersCores: othersCores(before, cpuSnapshot(), machine.cores) };
  const markdown = renderMarkdown(rows, info);
  process.stdout.write(markdown + '\n');
  writeOutputs(markdown, info, rows, o.only.length === 0 && o.torch && !o.quick);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
