// test/dist/job.ts — the program each MPI rank runs in the distributed tests (test/dist/*.test.ts),
// and the same program run as one process for the single-process side of a comparison:
//   node job.js train <out.json> <jobs.json>   trains each job, rank 0 writes the final weights
//   node job.js sample <out.json> <job.json>   samples, rank 0 writes the diagnostics
//   node job.js world1 <out.json> <backend>    (under mpirun -np 1) a distributed net in a world of one
//                                              against a plain one: the single-GPU check of bench/gpu/dist.sh
//   node job.js compare <a.json> <b.json>      per job, the relative weight difference of two train outputs
// A small ConvNet on a seeded synthetic dataset keeps a job to seconds on two cores.
import { promises as fsp } from 'node:fs';
import { finalizeDistributed, initDistributed, launchedByMpi, world } from '../../lib/dist';
import type { DatasetSplit } from '../../lib/data/dataset';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import { sampleNodes } from '../../lib/sample/hmc';
import type { NetSpec } from '../../lib/spec';
import { train, type TrainOptions } from '../../lib/train/trainer';

export const SMALL: NetSpec = {
  name: 'small',
  input: [1, 12, 12],
  layers: [
    { type: 'conv', name: 'conv1', out: 6, kernel: 5 },
    { type: 'relu' },
    { type: 'maxpool', kernel: 2, stride: 2 },
    { type: 'linear', name: 'fc1', out: 24 },
    { type: 'relu' },
    { type: 'linear', name: 'fc2', out: 10 },
  ],
};

/** Images of 10 classes: a class-dependent bar and blob with noise, pixels in [0, 1]. */
export function synthetic(nTrain: number, nTest: number, seed = 7): DatasetSplit {
  const make = (n: number, rng: Rng, name: string) => {
    const images = new Float32Array(n * 144), labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 10;
      labels[i] = c;
      for (let p = 0; p < 144; p++) {
        const y = Math.floor(p / 12), x = p % 12;
        const on = (c < 5 ? y === 2 + c * 2 : x === 2 + (c - 5) * 2) ? 0.8 : 0;
        images[i * 144 + p] = Math.min(1, Math.max(0, on + 0.25 * rng.uniform()));
      }
    }
    return { name, images, labels, n, shape: [1, 12, 12] as [number, number, number], classes: Array.from({ length: 10 }, (_, k) => String(k)) };
  };
  return { train: make(nTrain, new Rng(seed), 'synthetic-train'), test: make(nTest, new Rng(seed + 1), 'synthetic-test') };
}

export interface TrainJob {
  name: string;
  options: Omit<TrainOptions, 'dataset' | 'model' | 'onEvent'>;
  /** This rank exits abruptly (MPI_Abort of the whole job) after the checkpoint of this epoch. */
  abortAfterEpoch?: number;
}

async function trainJobs(out: string, jobs: TrainJob[]): Promise<void> {
  const data = synthetic(1400, 200);
  const results: Record<string, Record<string, number[]>> = {};
  for (const job of jobs) {
    const { net } = await train({
      ...job.options, model: SMALL, dataset: data, distributed: launchedByMpi() ? 'mpi' : undefined,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.epoch === job.abortAfterEpoch) {
          process.stderr.write(`job ${job.name}: aborting after epoch ${e.epoch}\n`);
          process.exit(9); // rank 0 dies after its checkpoint; mpirun ends the other ranks
        }
      },
    });
    results[job.name] = parametersOf(net);
    net.dispose();
  }
  if (world().rank === 0) await fsp.writeFile(out, JSON.stringify({ world: world().size, results }));
}

async function sampleJob(out: string, job: { backend: 'reference' | 'onednn' | 'cuda'; nodes: string[]; chains: number; draws: number; warmup: number; method: 'hmc' | 'mala'; tempering?: { rungs: number; maxTemperature: number } }): Promise<void> {
  const net = Network.create(SMALL, { backend: job.backend, seed: 3 });
  const r = await sampleNodes(net, { node: job.nodes, chains: job.chains, draws: job.draws, warmup: job.warmup, method: job.method, leapfrog: 5, seed: 11, tempering: job.tempering, keep: 'all', distributed: launchedByMpi() ? 'mpi' : undefined });
  if (world().rank === 0)
    await fsp.writeFile(out, JSON.stringify(r.map((s) => ({ node: s.node, rhat: s.rhat, ess: s.ess, stepSize: s.stepSize, acceptance: s.acceptance, divergences: s.divergences, value: s.traces.value, last: Array.from(s.last), means: Array.from(s.means), samples: s.samples ? Array.from(s.samples.subarray(0, 4096)) : null, samplesLength: s.samples?.length ?? 0 }))));
  net.dispose();
}

/** A net's parameters by name, as plain arrays (what train jobs write). */
export function parametersOf(net: Network): Record<string, number[]> {
  return Object.fromEntries(net.parameters.map((p) => [p.name, Array.from(net.getParameter(p.name))]));
}

/**
 * ||a - b|| / ||a|| over all parameters together (a tensor whose gradient is zero in exact arithmetic,
 * such as the last bias under GG, holds rounding noise of ~1e-10 that a per-tensor ratio would inflate).
 */
export function relativeDifference(a: Record<string, number[]>, b: Record<string, number[]>): number {
  let d = 0, n = 0;
  for (const k of Object.keys(a)) a[k].forEach((v, i) => ((d += (v - b[k][i]) ** 2), (n += v * v)));
  return Math.sqrt(d / Math.max(n, 1e-30));
}

/** Ten steps of a distributed net (tiny buckets) and a plain one from the same weights: their relative difference. */
async function worldOfOne(out: string, backend: 'reference' | 'onednn' | 'cuda'): Promise<void> {
  const data = synthetic(256, 10).train;
  const x = data.images.slice(0, 64 * 144), y = data.labels.slice(0, 64);
  const nets = [0, 1].map(() => Network.create(SMALL, { backend, seed: 5 }));
  nets[1].distribute(true, { bucketMB: 0.001 });
  for (let s = 0; s < 10; s++)
    for (const net of nets) await net.trainStep(x, y, { objective: { kind: s % 2 ? 'gg' : 'dg' }, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } });
  const t = nets[1].distTimes();
  const relative = relativeDifference(parametersOf(nets[0]), parametersOf(nets[1]));
  await fsp.writeFile(out, JSON.stringify({ world: world().size, backend, relative, buckets: t.buckets, bytes: t.bytes }));
  nets.forEach((net) => net.dispose());
}

/** Prints, per job, the relative weight difference between two train outputs (bench/gpu/dist.sh). */
async function compare(a: string, b: string): Promise<void> {
  const [x, y] = await Promise.all([a, b].map(async (f) => JSON.parse(await fsp.readFile(f, 'utf8')).results));
  for (const name of Object.keys(x)) process.stdout.write(`${name}: relative weight difference ${relativeDifference(x[name], y[name]).toExponential(2)}\n`);
}

async function main(): Promise<void> {
  const [what, out, spec] = process.argv.slice(2);
  if (what === 'compare') return compare(out, spec);
  if (launchedByMpi()) initDistributed({ timeout: 120 });
  await fsp.writeFile(`${out}.pid${world().rank}`, String(process.pid));
  if (what === 'world1') await worldOfOne(out, spec as 'reference' | 'onednn' | 'cuda');
  else if (what === 'train') await trainJobs(out, JSON.parse(await fsp.readFile(spec, 'utf8')));
  else if (what === 'sample') await sampleJob(out, JSON.parse(await fsp.readFile(spec, 'utf8')));
  else throw new Error(`unknown job ${what}`);
  finalizeDistributed();
}

if (require.main === module)
  main().catch((err) => {
    process.stderr.write(`rank ${world().rank}: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
