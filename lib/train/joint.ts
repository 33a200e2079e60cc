// lib/train/joint.ts — joint training: the objective of one step of a phase. A 'mix' phase is
// lambda*GG + (1-lambda)*DG throughout (SPEC 3, mixture), with lambda fixed or moving linearly
// from objective.lambda to lambdaTo over the phase's steps; 'dg' and 'gg' phases are lambda 0 and 1.
// The result is always an Objective that computeObjective (and a native trainStep) accepts.
import { expected } from '../errors';
import { ggWeight, type Objective } from './objectives';
import type { Phase } from './schedule';

/**
 * The GG weight lambda at a step of a phase: `step` counts from the phase's first step, over
 * `phaseSteps` steps in all; a scheduled lambda reaches lambdaTo at the phase's last step.
 * @throws GenConvNetError E_INVALID_ARGUMENT for a step outside [0, phaseSteps).
 */
export function lambdaAt(phase: Phase, step: number, phaseSteps: number): number {
  if (!Number.isInteger(phaseSteps) || phaseSteps < 1) throw expected('an integer >= 1', 'phaseSteps', phaseSteps);
  if (!Number.isInteger(step) || step < 0 || step >= phaseSteps) throw expected(`a step in [0, ${phaseSteps - 1}]`, 'step', step);
  const from = ggWeight(phase.objective);
  if (phase.lambdaTo === undefined || phaseSteps === 1) return from;
  return from + ((phase.lambdaTo - from) * step) / (phaseSteps - 1);
}

/**
 * The objective of one step of a phase: the phase's own for 'dg', 'gg' and a fixed 'mix',
 * `{kind: 'mix', lambda: lambdaAt(...)}` for a scheduled one.
 * @throws GenConvNetError E_INVALID_ARGUMENT for a step outside [0, phaseSteps).
 */
export function objectiveAt(phase: Phase, step: number, phaseSteps: number): Objective {
  const lambda = lambdaAt(phase, step, phaseSteps);
  return phase.lambdaTo === undefined ? phase.objective : { kind: 'mix', lambda };
}

/** The epoch at which the phase holding `epoch` starts (phases laid end to end). */
export function phaseStart(phases: Phase[], epoch: number): number {
  let start = 0;
  for (const p of phases) {
    if (epoch < start + p.epochs) return start;
    start += p.epochs;
  }
  return start - phases[phases.length - 1].epochs;
}
