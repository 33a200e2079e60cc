// bench/ours.ts — child process that times one job on genconvnet through its public API
// (`node dist/bench/ours.js <backend> '<job json>'`); run.ts sets OMP_NUM_THREADS for it.
// Prints one JSON line: seconds per iteration for each pass. Mirrors bench/torch_peer.py.
import { Network, Rng, type NetSpec } from '../lib';
import type { Job } from './cases';
import { measure, timed, type Samples, type Step } from './timing';

function randomBatch(rng: Rng, n: number, shape: number[]): Float32Array {
  return rng.fillNormal(new Float32Array(n * shape.reduce((a, b) => a * b, 1))) as Float32Array;
}

/**
 * Forward, loss gradient, backward and SGD update on one fixed batch, timed as one step: one
 * fused native call (Network.trainStep, DG = softmax cross-entropy).
 * Pixels are uniform in [0, 1) like Caffe's scaled MNIST (std-1 noise diverges at lr 0.01).
 */
function lenetStep(job: Extract<Job, { kind: 'lenet-step' }>, net: Network): Record<string, Step> {
  const rng = new Rng(job.seed);
  const x = Float32Array.from({ length: job.batch * net.inputShape.reduce((a, b) => a * b, 1) }, () => rng.uniform());
  const labels = Int32Array.from({ length: job.batch }, () => rng.int(net.classes));
  const optimizer = { kind: 'sgd' as const, lr: job.lr, momentum: job.momentum, weightDecay: job.weightDecay };
  const step: Step = () => timed(() => net.trainStep(x, labels, { objective: { kind: 'dg' }, optimizer }));
  return { step };
}

/** A net of one convolution; backward is timed alone after an untimed forward. */
function convPasses(job: Extract<Job, { kind: 'conv' }>, net: Network): Record<string, Step> {
  const rng = new Rng(job.seed);
  const x = randomBatch(rng, job.batch, job.conv.inShape);
  const dy = randomBatch(rng, job.batch, job.conv.outShape);
  return {
    fwd: () => timed(() => net.forward(x, { train: true })),
    bwd: async () => {
      await net.forward(x, { train: true });
      return timed(() => net.backward(dy));
    },
  };
}

function specOf(job: Job): NetSpec {
  if (job.kind === 'lenet-step') return job.spec;
  const c = job.conv;
  return {
    name: job.name,
    input: c.inShape,
    layers: [
      { type: 'conv', name: c.name, out: c.out, kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups, init: { type: 'he' } },
      { type: 'flatten', name: 'flatten' },
    ],
  };
}

async function main(): Promise<void> {
  const [backend, jobJson] = process.argv.slice(2);
  const job = JSON.parse(jobJson) as Job;
  const net = Network.create(specOf(job), { backend: backend as 'reference' | 'onednn', seed: job.seed });
  try {
    const steps = job.kind === 'lenet-step' ? lenetStep(job, net) : convPasses(job, net);
    const passes: Record<string, Samples> = {};
    for (const [pass, step] of Object.entries(steps)) passes[pass] = await measure(step, job.timing);
    const threads = Number(process.env.OMP_NUM_THREADS ?? 0) || null;
    process.stdout.write(JSON.stringify({ side: 'ours', job: job.name, backend: net.backend, threads, passes }) + '\n');
  } finally {
    net.dispose();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
