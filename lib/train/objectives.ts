// lib/train/objectives.ts — the training objectives of SPEC 2-3 over a score matrix: the
// discriminative gradient (softmax along rows), the generative gradient (softmax down columns
// over the batch) and their mixture, computed by the fused native kernel in one call.
import { expected } from '../errors';
import { loadNative } from '../native';

/** Which gradient: 'dg', 'gg', or a mixture lambda*GG + (1-lambda)*DG. */
export type Objective = { kind: 'dg' } | { kind: 'gg' } | { kind: 'mix'; lambda: number };

export interface ObjectiveResult {
  /** dL/dF (n x C) of the loss L = -(lambda*GG + (1-lambda)*DG), ready for Network.backward. */
  grad: Float32Array;
  /** Mean cross-entropy over the labelled rows (NaN when none). */
  crossEntropy: number;
  /** Mean GG log-likelihood estimate f_c(I) - log Zhat_c over the labelled rows, R = the batch. */
  ggLogLik: number;
  labelled: number;
  correct: number;
}

/** The weight of GG in an objective. */
export function ggWeight(o: Objective): number {
  return o.kind === 'gg' ? 1 : o.kind === 'dg' ? 0 : o.lambda;
}

/**
 * Computes an objective's gradient and scalars for scores F (n x classes) and labels (-1 = unlabelled);
 * `backend: 'cuda'` runs the fused CUDA kernel.
 * @throws GenConvNetError E_SHAPE / E_INVALID_ARGUMENT for mis-sized arrays or labels out of range.
 */
export function computeObjective(scores: Float32Array, labels: Int32Array, classes: number, objective: Objective, options: { backend?: string } = {}): ObjectiveResult {
  if (!(labels instanceof Int32Array)) throw expected('an Int32Array', 'labels', labels);
  if (!Number.isInteger(classes) || classes < 1) throw expected('an integer >= 1', 'classes', classes);
  if (scores.length !== labels.length * classes)
    throw expected(`${labels.length} x ${classes} scores`, 'scores', scores, 'E_SHAPE');
  const lambda = ggWeight(objective);
  if (!(lambda >= 0 && lambda <= 1)) throw expected('a mixture weight in [0, 1]', 'lambda', lambda);
  for (let i = 0; i < labels.length; i++)
    if (labels[i] < -1 || labels[i] >= classes) throw expected(`a label in [-1, ${classes - 1}]`, `labels[${i}]`, labels[i]);
  const native = loadNative();
  // the CUDA kernel where the net runs on the GPU; the CPU kernel otherwise (same results)
  const kernel = options.backend === 'cuda' && native.cudaObjective ? native.cudaObjective : native.objective;
  return kernel(scores, labels, classes, lambda);
}
