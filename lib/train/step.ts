// lib/train/step.ts — the options of one optimizer update and of a fused training step, checked
// once here and turned into what the engine receives. Network.sgdStep/adamStep and
// Network.trainStep all go through toNativeOptimizer, so their defaults and checks are one.
import { expected } from '../errors';
import type { NativeBatchStats, NativeOptimizer } from '../native';
import { ggWeight, type Objective } from './objectives';

/** PyTorch's SGD (momentum, L2 weight decay). */
export interface SgdOptions {
  kind: 'sgd';
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

/** PyTorch's Adam (AdamW when decoupled); `step` counts from 1 for bias correction. */
export interface AdamOptions {
  kind: 'adam';
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  decoupled?: boolean;
  step: number;
}

export type OptimizerOptions = SgdOptions | AdamOptions;

/** The scalars of one fused training step (scores only when asked for). */
export interface TrainStepResult {
  /** Mean cross-entropy over the labelled rows (NaN when none). */
  crossEntropy: number;
  /** Mean GG log-likelihood estimate over the labelled rows (SPEC 3, R = the batch). */
  ggLogLik: number;
  labelled: number;
  correct: number;
  /** false when a score or the loss was not finite; the weights were then left unchanged. */
  finite: boolean;
  scores?: Float32Array;
}

function nonNegative(values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values))
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw expected('a finite number >= 0', k, v);
}

/**
 * Checks optimizer options and fills PyTorch's defaults.
 * @throws GenConvNetError E_INVALID_ARGUMENT for a negative or non-finite number, betas >= 1 or an Adam step < 1.
 */
export function toNativeOptimizer(o: OptimizerOptions): NativeOptimizer {
  if (!o || (o.kind !== 'sgd' && o.kind !== 'adam')) throw expected("{kind: 'sgd' | 'adam', lr, ...}", 'optimizer', o);
  if (o.kind === 'sgd') {
    const { lr, momentum = 0, weightDecay = 0 } = o;
    nonNegative({ lr, momentum, weightDecay });
    return { kind: 'sgd', lr, momentum, weightDecay };
  }
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decoupled = false, step } = o;
  nonNegative({ lr, beta1, beta2, eps, weightDecay });
  if (beta1 >= 1 || beta2 >= 1) throw expected('betas below 1', 'beta1/beta2', [beta1, beta2]);
  if (!Number.isInteger(step) || step < 1) throw expected('an integer >= 1', 'step', step);
  return { kind: 'adam', lr, beta1, beta2, eps, weightDecay, decoupled, step };
}

/**
 * The mixture weight of GG the engine receives for an objective.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown objective or a weight outside [0, 1].
 */
export function lambdaOf(objective: Objective): number {
  if (!objective || !['dg', 'gg', 'mix'].includes(objective.kind)) throw expected("{kind: 'dg' | 'gg' | 'mix'}", 'objective', objective);
  const lambda = ggWeight(objective);
  if (!(lambda >= 0 && lambda <= 1)) throw expected('a mixture weight in [0, 1]', 'lambda', lambda);
  return lambda;
}

/** Drops the engine-only fields of a step's statistics. */
export function stepResult(s: NativeBatchStats): TrainStepResult {
  const r: TrainStepResult = { crossEntropy: s.crossEntropy, ggLogLik: s.ggLogLik, labelled: s.labelled, correct: s.correct, finite: s.finite };
  if (s.scores) r.scores = s.scores;
  return r;
}
