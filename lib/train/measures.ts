// lib/train/measures.ts — measures of a classifier's scores F (n x C, before softmax), in float64:
// top-1 error, expected calibration error, negative log-likelihood, the per-class log Ẑ_c of
// SPEC 3's monitoring estimate, the three out-of-distribution scores, and AUROC / FPR at a TPR.
// Ties are explicit: argmax takes the lowest index, AUROC counts a tied pair as one half.
import { expected } from '../errors';

function checkScores(scores: ArrayLike<number>, classes: number, n?: number): number {
  if (!Number.isInteger(classes) || classes < 1) throw expected('an integer >= 1', 'classes', classes);
  if (scores.length % classes !== 0 || (n !== undefined && scores.length !== n * classes))
    throw expected(`${n ?? 'k'} x ${classes} scores`, 'scores', `${scores.length} values`, 'E_SHAPE');
  return scores.length / classes;
}

function checkLabels(labels: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < labels.length; i++)
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes) throw expected(`a label in [0, ${classes - 1}]`, `labels[${i}]`, labels[i]);
}

/** log Σ_c exp F[i,c] of row i, max-subtracted. */
export function rowLogSumExp(scores: ArrayLike<number>, classes: number, i: number): number {
  let m = -Infinity;
  for (let c = 0; c < classes; c++) m = Math.max(m, scores[i * classes + c]);
  let s = 0;
  for (let c = 0; c < classes; c++) s += Math.exp(scores[i * classes + c] - m);
  return m + Math.log(s);
}

/** Index of the largest score of row i (the lowest index among ties). */
export function argmaxRow(scores: ArrayLike<number>, classes: number, i: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
  return best;
}

export interface Calibration {
  top1Error: number;
  /** Expected calibration error: Σ_b (n_b/n)·|accuracy_b − mean confidence_b|. */
  ece: number;
  /** Mean −log softmax(F)[label]. */
  nll: number;
}

/**
 * Top-1 error, ECE and NLL. Confidence is the largest softmax probability and the prediction its
 * class (lowest index on ties); bin b of `bins` equal-width bins holds confidences in (b/B, (b+1)/B].
 * @throws GenConvNetError E_SHAPE / E_INVALID_ARGUMENT for mis-sized scores, labels out of range or bins < 1.
 */
export function calibration(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number, bins = 15): Calibration {
  const n = checkScores(scores, classes, labels.length);
  checkLabels(labels, classes);
  if (!Number.isInteger(bins) || bins < 1) throw expected('an integer >= 1', 'bins', bins);
  if (n === 0) throw expected('at least one image', 'labels', 'none');
  const count = new Float64Array(bins), conf = new Float64Array(bins), hits = new Float64Array(bins);
  let wrong = 0, nll = 0;
  for (let i = 0; i < n; i++) {
    const lse = rowLogSumExp(scores, classes, i);
    const top = argmaxRow(scores, classes, i);
    const p = Math.exp(scores[i * classes + top] - lse);
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    count[b]++;
    conf[b] += p;
    if (top === labels[i]) hits[b]++;
    else wrong++;
    nll += lse - scores[i * classes + labels[i]];
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(hits[b] - conf[b]) / n;
  return { top1Error: wrong / n, ece, nll: nll / n };
}

/**
 * log Ẑ_c = logsumexp_j F[j,c] − log m over m reference images (SPEC 3, monitoring), one per class.
 * @throws GenConvNetError E_SHAPE for mis-sized scores or no reference image.
 */
export function logZHat(scores: ArrayLike<number>, classes: number): Float64Array {
  const m = checkScores(scores, classes);
  if (m === 0) throw expected('at least one reference image', 'scores', 'none', 'E_SHAPE');
  const out = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let mx = -Infinity, s = 0;
    for (let j = 0; j < m; j++) mx = Math.max(mx, scores[j * classes + c]);
    for (let j = 0; j < m; j++) s += Math.exp(scores[j * classes + c] - mx);
    out[c] = mx + Math.log(s) - Math.log(m);
  }
  return out;
}

/**
 * Mean f_{c_i}(I_i) − log Ẑ_{c_i}: the GG log-likelihood estimate of labelled images.
 * @throws GenConvNetError E_SHAPE / E_INVALID_ARGUMENT for mis-sized inputs or labels out of range.
 */
export function ggLogLikelihood(scores: ArrayLike<number>, labels: ArrayLike<number>, logZ: ArrayLike<number>): number {
  const classes = logZ.length;
  const n = checkScores(scores, classes, labels.length);
  checkLabels(labels, classes);
  let s = 0;
  for (let i = 0; i < n; i++) s += scores[i * classes + labels[i]] - logZ[labels[i]];
  return s / n;
}

/** The three out-of-distribution scores of each image: higher means more in-distribution. */
export interface OodScores {
  /** max_c softmax(F)[c] (the usual baseline). */
  msp: Float64Array;
  /** log Σ_c exp f_c(I). */
  logSumExp: Float64Array;
  /** max_c [f_c(I) − log Ẑ_c]: the best class-conditional log-likelihood up to log q(I). */
  classLogLik: Float64Array;
}

/**
 * The three OOD scores of every row of F, with log Ẑ_c from logZHat on training images.
 * @throws GenConvNetError E_SHAPE for scores that are not rows of logZ.length classes.
 */
export function oodScores(scores: ArrayLike<number>, logZ: ArrayLike<number>): OodScores {
  const classes = logZ.length;
  const n = checkScores(scores, classes);
  const msp = new Float64Array(n), logSumExp = new Float64Array(n), classLogLik = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lse = rowLogSumExp(scores, classes, i);
    let best = -Infinity;
    for (let c = 0; c < classes; c++) best = Math.max(best, scores[i * classes + c] - logZ[c]);
    msp[i] = Math.exp(scores[i * classes + argmaxRow(scores, classes, i)] - lse);
    logSumExp[i] = lse;
    classLogLik[i] = best;
  }
  return { msp, logSumExp, classLogLik };
}

function checkSets(inScores: ArrayLike<number>, outScores: ArrayLike<number>): void {
  if (inScores.length === 0) throw expected('at least one in-distribution score', 'inScores', 'none');
  if (outScores.length === 0) throw expected('at least one out-of-distribution score', 'outScores', 'none');
  for (const [name, xs] of [['inScores', inScores], ['outScores', outScores]] as const)
    for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i])) throw expected('scores that are not NaN', `${name}[${i}]`, xs[i]);
}

/**
 * Area under the ROC curve of in-distribution (positive, higher score) against OOD images:
 * P(s_in > s_out) + ½·P(s_in = s_out), by mid-ranks (Mann–Whitney U).
 * @throws GenConvNetError E_INVALID_ARGUMENT for an empty set or a NaN score.
 */
export function auroc(inScores: ArrayLike<number>, outScores: ArrayLike<number>): number {
  checkSets(inScores, outScores);
  const all = [...Array.from(inScores, (v) => ({ v, pos: true })), ...Array.from(outScores, (v) => ({ v, pos: false }))];
  all.sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) j++;
    const mid = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let k = i; k < j; k++) if (all[k].pos) rankSum += mid;
    i = j;
  }
  const p = inScores.length, q = outScores.length;
  return (rankSum - (p * (p + 1)) / 2) / (p * q);
}

/**
 * False-positive rate at a true-positive rate: the threshold t is the k-th largest in-distribution
 * score, k = ceil(tpr·n_in), images with score >= t are called in-distribution (ties at t included,
 * so the achieved TPR may exceed tpr), and the result is the fraction of OOD scores >= t.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an empty set, a NaN score or tpr outside (0, 1].
 */
export function fprAtTpr(inScores: ArrayLike<number>, outScores: ArrayLike<number>, tpr = 0.95): number {
  checkSets(inScores, outScores);
  if (!(tpr > 0 && tpr <= 1)) throw expected('a rate in (0, 1]', 'tpr', tpr);
  const sorted = Float64Array.from(inScores).sort().reverse();
  const k = Math.ceil(tpr * sorted.length - 1e-9);
  const t = sorted[Math.max(1, k) - 1];
  let fp = 0;
  for (let i = 0; i < outScores.length; i++) if (outScores[i] >= t) fp++;
  return fp / outScores.length;
}
