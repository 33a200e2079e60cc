// lib/train/assess.ts — every measure of a trained net on a test set (lib/train/measures.ts):
// top-1 error, ECE, NLL, the GG log-likelihood estimate, and OOD detection against another
// dataset's test images with three scores. log Ẑ_c is estimated once, on training images (the
// reference set); every forward pass runs in eval mode, in batches that do not change the result.
import { loadDataset, type DatasetName } from '../data/mnist';
import { preprocess } from '../data/preprocess';
import { expected, GenConvNetError } from '../errors';
import type { Network } from '../network';
import { auroc, calibration, fprAtTpr, ggLogLikelihood, logZHat, oodScores, type Calibration, type OodScores } from './measures';

export interface OodDetection {
  auroc: number;
  /** False-positive rate at 95 % true-positive rate. */
  fpr95: number;
}

export interface OodResult {
  dataset: string;
  n: number;
  msp: OodDetection;
  logSumExp: OodDetection;
  classLogLik: OodDetection;
}

export interface Assessment extends Calibration {
  dataset: string;
  n: number;
  bins: number;
  /** Mean f_{c_i}(I_i) − log Ẑ_{c_i} on the test images, Ẑ from `referenceImages` training images. */
  ggLogLik: number;
  referenceImages: number;
  ood?: OodResult;
}

export interface AssessInput {
  /** Preprocessed test images (n x C x H x W) and their labels. */
  test: { name?: string; images: Float32Array; labels: Int32Array };
  /** Preprocessed training images: the reference set of log Ẑ_c. */
  reference: Float32Array;
  /** Preprocessed images of another dataset, all taken as out-of-distribution. */
  ood?: { name?: string; images: Float32Array };
  batch?: number;
  bins?: number;
}

/**
 * Scores (n x classes) of preprocessed images, forward in eval mode, `batch` images at a time.
 * @throws GenConvNetError from the network for mis-shaped images.
 */
export async function scoresOf(net: Network, images: Float32Array, batch = 1000): Promise<Float32Array> {
  const per = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  if (images.length % per !== 0) throw expected(`a multiple of ${per} values`, 'images', `${images.length} values`, 'E_SHAPE');
  const n = images.length / per;
  const out = new Float32Array(n * net.classes);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    out.set(await net.forward(images.subarray(s * per, (s + m) * per)), s * net.classes);
  }
  return out;
}

function detection(inS: OodScores, outS: OodScores, key: keyof OodScores): OodDetection {
  return { auroc: auroc(inS[key], outS[key]), fpr95: fprAtTpr(inS[key], outS[key], 0.95) };
}

/**
 * Every measure of `net` on preprocessed arrays: calibration (15 bins unless `bins`), NLL, the GG
 * log-likelihood with log Ẑ_c from `reference`, and OOD detection when `ood` is given.
 * @throws GenConvNetError E_INVALID_ARGUMENT / E_SHAPE for empty or mis-shaped inputs.
 */
export async function assess(net: Network, input: AssessInput): Promise<Assessment> {
  const batch = input.batch ?? 1000, bins = input.bins ?? 15;
  if (!Number.isInteger(batch) || batch < 1) throw expected('an integer >= 1', 'batch', batch);
  const C = net.classes;
  const test = await scoresOf(net, input.test.images, batch);
  const per = net.inputShape[0] * net.inputShape[1] * net.inputShape[2];
  if (test.length !== input.test.labels.length * C) throw expected(`${test.length / C} labels`, 'test labels', `${input.test.labels.length}`, 'E_SHAPE');
  const logZ = logZHat(await scoresOf(net, input.reference, batch), C);
  const out: Assessment = {
    dataset: input.test.name ?? 'test', n: input.test.labels.length, bins, ...calibration(test, input.test.labels, C, bins),
    ggLogLik: ggLogLikelihood(test, input.test.labels, logZ), referenceImages: input.reference.length / per,
  };
  if (input.ood) {
    const other = await scoresOf(net, input.ood.images, batch);
    const inS = oodScores(test, logZ), outS = oodScores(other, logZ);
    out.ood = { dataset: input.ood.name ?? 'ood', n: other.length / C, msp: detection(inS, outS, 'msp'), logSumExp: detection(inS, outS, 'logSumExp'), classLogLik: detection(inS, outS, 'classLogLik') };
  }
  return out;
}

export interface AssessDatasetsOptions {
  dataset: DatasetName;
  dataDir?: string;
  ood?: DatasetName;
  oodDataDir?: string;
  /** Training images of `dataset` used for log Ẑ_c: the first this many (default 10000). */
  referenceImages?: number;
  batch?: number;
  bins?: number;
}

/**
 * assess() on named datasets, preprocessed with the net's own preprocessing: the test split of
 * `dataset`, its first `referenceImages` training images, and the test split of `ood`.
 * @throws GenConvNetError E_INVALID_ARGUMENT for a net without preprocessing or a bad count; E_DATA from the loaders.
 */
export async function assessOnDatasets(net: Network, o: AssessDatasetsOptions): Promise<Assessment> {
  const pre = net.preprocessing;
  if (!pre) throw new GenConvNetError('E_INVALID_ARGUMENT', 'Expected a network that carries its preprocessing (one written by train) for assess but received one without');
  const k = o.referenceImages ?? 10000;
  if (!Number.isInteger(k) || k < 1) throw expected('an integer >= 1', 'referenceImages', k);
  const data = loadDataset(o.dataset, { dir: o.dataDir });
  const per = data.train.shape[0] * data.train.shape[1] * data.train.shape[2];
  const ref = data.train.images.subarray(0, Math.min(k, data.train.n) * per);
  const oodData = o.ood ? loadDataset(o.ood, { dir: o.oodDataDir }).test : undefined;
  return assess(net, {
    test: { name: data.test.name, images: preprocess(data.test.images, data.test.shape, pre), labels: data.test.labels },
    reference: preprocess(ref, data.train.shape, pre),
    ood: oodData ? { name: oodData.name, images: preprocess(oodData.images, oodData.shape, pre) } : undefined,
    batch: o.batch, bins: o.bins,
  });
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The text `genconvnet eval --ood` prints: one line of measures, then one line per OOD score. */
export function formatAssessment(model: string, a: Assessment): string {
  const lines = [`${model} on ${a.dataset} test (${a.n} images): top-1 error ${pct(a.top1Error)}, ECE (${a.bins} bins) ${pct(a.ece)}, NLL ${a.nll.toFixed(4)}, GG log-likelihood ${a.ggLogLik.toFixed(3)} (log Z from ${a.referenceImages} training images)`];
  if (a.ood) {
    lines.push(`OOD detection, ${a.dataset} (in) against ${a.ood.dataset} test (out, ${a.ood.n} images):`);
    for (const [name, d] of [['max softmax probability', a.ood.msp], ['log sum_c exp f_c', a.ood.logSumExp], ['max_c f_c - log Z_c', a.ood.classLogLik]] as const)
      lines.push(`  ${name.padEnd(24)} AUROC ${d.auroc.toFixed(4)}  FPR at 95% TPR ${pct(d.fpr95)}`);
  }
  return lines.join('\n') + '\n';
}
