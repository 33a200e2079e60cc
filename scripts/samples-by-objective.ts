// scripts/samples-by-objective.ts — HMC class samples of nets trained with different objectives,
// side by side (docs/samples-by-objective.md and its PNGs): the same T, sigma, seed and sampler
// settings for every net, each class score at T_k = T x its std on test images (issue 13's data
// temperature scale, as the demo); for each class the fraction of chains whose final image the net
// classifies as that class, and the z-score of the class score against its values on test images.
// Usage: node dist/scripts/samples-by-objective.js [--steps-per-epoch 100]
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { subset } from '../lib/data/dataset';
import { loadDataset } from '../lib/data/mnist';
import { preprocess } from '../lib/data/preprocess';
import type { Network } from '../lib/network';
import { Rng } from '../lib/rng';
import { sample } from '../lib/sample/hmc';
import { tileImages } from '../lib/sample/grid';
import { scoresOf } from '../lib/train/assess';
import { argmaxRow } from '../lib/train/measures';
import { train } from '../lib/train/trainer';
import { machineInfo } from '../bench/machine';

const root = path.resolve(__dirname, '..', '..');
const ARMS = [
  { name: 'DG only', phases: 'dg:2', file: 'samples-dg.png' },
  { name: 'GG then DG', phases: 'gg:1,dg:1', file: 'samples-gg.png' },
  { name: 'joint λ=0.5', phases: 'mix0.5:2', file: 'samples-joint.png' },
];
/** T is in units of each class score's std on the test images (the demo's setting for its class rows). */
const HMC = { chains: 8, warmup: 100, draws: 100, leapfrog: 10, temperature: 0.005, seed: 7, method: 'hmc' as const };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

interface ClassRow { cls: number; classified: number; z: number; acceptance: number; stepSize: number; temperature: number; rhat: number }

/** Samples every class score of `net`; z-scores against the class score's values on `testX`. */
async function sampleClasses(net: Network, testX: Float32Array): Promise<{ rows: ClassRow[]; images: Float32Array; sigma: number }> {
  const C = net.classes, D = net.inputShape.reduce((a, b) => a * b, 1);
  const test = await scoresOf(net, testX);
  const m = test.length / C;
  const images = new Float32Array(C * HMC.chains * D);
  const rows: ClassRow[] = [];
  let sigma = 1;
  for (let k = 0; k < C; k++) {
    let mean = 0, sq = 0;
    for (let i = 0; i < m; i++) mean += test[i * C + k] / m;
    for (let i = 0; i < m; i++) sq += (test[i * C + k] - mean) ** 2 / (m - 1);
    const temperature = HMC.temperature * Math.sqrt(sq);
    const r = await sample(net, { node: `fc2:${k}`, keep: 'last', ...HMC, temperature });
    sigma = r.sigma;
    images.set(r.last, k * HMC.chains * D);
    const s = await net.forward(r.last);
    let hits = 0, z = 0;
    for (let c = 0; c < HMC.chains; c++) {
      if (argmaxRow(s, C, c) === k) hits++;
      z += (s[c * C + k] - mean) / Math.sqrt(sq) / HMC.chains;
    }
    rows.push({ cls: k, classified: hits / HMC.chains, z, acceptance: r.acceptance.reduce((a, b) => a + b, 0) / HMC.chains, stepSize: r.stepSize, temperature, rhat: r.rhat });
  }
  return { rows, images, sigma };
}

async function main(): Promise<void> {
  const steps = Number(arg('steps-per-epoch', '100'));
  const data = loadDataset('mnist');
  const testIdx = new Rng(20161).permutation(data.test.n).subarray(0, 2000);
  const test = subset(data.test, testIdx);
  const out: { arm: string; phases: string; error: number; rows: ClassRow[]; sigma: number }[] = [];
  for (const arm of ARMS) {
    process.stderr.write(`${arm.name}: training ... `);
    const { net, history, preprocessing } = await train({ model: 'lenet', dataset: { train: data.train, test }, phases: arm.phases, seed: 0, batch: 64, lr: 0.01, warmupEpochs: 0.05, maxStepsPerEpoch: steps });
    process.stderr.write(`test error ${(100 * history[history.length - 1].test.top1Error).toFixed(2)}%; sampling ...\n`);
    const { rows, images, sigma } = await sampleClasses(net, preprocess(test.images, test.shape, preprocessing));
    writeFileSync(path.join(root, 'docs', arm.file), tileImages(images, net.inputShape, preprocessing, { cols: HMC.chains, scale: 2 }).png);
    out.push({ arm: arm.name, phases: arm.phases, error: history[history.length - 1].test.top1Error, rows, sigma });
    net.dispose();
  }
  const info = machineInfo(root);
  const md = [
    '# HMC class samples by training objective',
    '',
    `LeNet on MNIST, ${2 * steps} steps of batch 64 per net (seed 0, SGD momentum 0.9, lr 0.01 cosine), then HMC on each class score fc2:k with the same settings for every net:`,
    `T_k = ${HMC.temperature} × the class score's std on the test images (so T means the same for every class and net; the demo's setting), σ = ${out[0].sigma} (the reference N(0, σ²) in preprocessed units), ${HMC.chains} chains from a reference draw, ${HMC.warmup} warm-up iterations (step size adapted to 0.65 acceptance), ${HMC.draws} kept, ${HMC.leapfrog} leapfrog steps, seed ${HMC.seed}.`,
    'Rows are classes 0–9, columns chains; each image is the final state of its chain.',
    '',
    `| ${out.map((o) => `${o.arm} (${o.phases}), test error ${(100 * o.error).toFixed(2)} %`).join(' | ')} |`,
    `|${out.map(() => '---|').join('')}`,
    `| ${ARMS.map((a) => `![${a.name}](${a.file})`).join(' | ')} |`,
    '',
    '"classified": fraction of the chains whose final image the net itself puts in the sampled class. "z": the class score of the final images, mean over chains, as a z-score against the same score on 2,000 test images of all classes. "R-hat": split R-hat of the class score over the kept draws (above 1.1: the chains have not mixed).',
    '',
    `| class | ${out.map((o) => `${o.arm}: classified | z | R-hat`).join(' | ')} |`,
    `|---:|${out.map(() => '---:|---:|---:|').join('')}`,
    ...out[0].rows.map((_, k) => `| ${k} | ${out.map((o) => `${(100 * o.rows[k].classified).toFixed(0)} % | ${o.rows[k].z.toFixed(2)} | ${o.rows[k].rhat.toFixed(2)}`).join(' | ')} |`),
    `| mean | ${out.map((o) => `${(100 * o.rows.reduce((a, r) => a + r.classified, 0) / o.rows.length).toFixed(0)} % | ${(o.rows.reduce((a, r) => a + r.z, 0) / o.rows.length).toFixed(2)} | ${(o.rows.reduce((a, r) => a + r.rhat, 0) / o.rows.length).toFixed(2)}`).join(' | ')} |`,
    '',
    `Produced by \`node dist/scripts/samples-by-objective.js --steps-per-epoch ${steps}\` at commit ${info.git ?? '?'} on ${info.cpu}, ${info.cores} cores.`,
    '',
  ].join('\n');
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  writeFileSync(path.join(root, 'docs', 'samples-by-objective.md'), md);
  process.stdout.write(md);
}

main().catch((err) => {
  process.stderr.write(`samples-by-objective failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
