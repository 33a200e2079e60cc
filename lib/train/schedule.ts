// lib/train/schedule.ts — schedules: the phases of a run (which objective for how many
// epochs, e.g. 'gg:2,dg:8', 'mix0.5:3,dg:2', or a joint phase with lambda scheduled linearly
// over its steps, 'mix1-0:5') and the learning rate per step (constant, step decay or cosine,
// each with an optional linear warm-up).
import { expected, GenConvNetError } from '../errors';
import type { Objective } from './objectives';

export interface Phase {
  objective: Objective;
  epochs: number;
  /** Joint phases ('mix'): lambda moves linearly from objective.lambda to this over the phase's steps. */
  lambdaTo?: number;
}

const LAMBDA = '(?:0(?:\\.\\d+)?|1(?:\\.0*)?|\\.\\d+)';
const PHASE = new RegExp(`^(dg|gg|mix(${LAMBDA})(?:-(${LAMBDA}))?)\\s*:\\s*(\\d+)$`);

/** Renders phases back to the text form, e.g. 'gg:2,dg:8' or 'mix1-0:4'. */
export function formatPhases(phases: Phase[]): string {
  const name = (p: Phase) => (p.objective.kind === 'mix' ? `mix${p.objective.lambda}${p.lambdaTo !== undefined ? `-${p.lambdaTo}` : ''}` : p.objective.kind);
  return phases.map((p) => `${name(p)}:${p.epochs}`).join(',');
}

/**
 * Parses a phase schedule such as 'gg:2,dg:8' or 'mix0.5:3,dg:2' (or passes an array through after checking it).
 * @throws GenConvNetError E_INVALID_ARGUMENT naming the part that does not parse.
 */
export function parsePhases(spec: string | Phase[]): Phase[] {
  if (Array.isArray(spec)) {
    spec.forEach((p, i) => {
      if (!p || !['dg', 'gg', 'mix'].includes(p.objective?.kind) || !Number.isInteger(p.epochs) || p.epochs < 1)
        throw expected("{objective: {kind: 'dg'|'gg'|'mix', lambda?}, epochs >= 1}", `phases[${i}]`, p);
      if (p.lambdaTo !== undefined && (p.objective.kind !== 'mix' || !(p.lambdaTo >= 0 && p.lambdaTo <= 1)))
        throw expected("lambdaTo in [0, 1] on a 'mix' phase only", `phases[${i}].lambdaTo`, p.lambdaTo);
    });
    return spec;
  }
  if (typeof spec !== 'string' || spec.trim() === '') throw expected("a schedule like 'gg:2,dg:8'", 'phases', spec);
  return spec.split(',').map((part) => {
    const m = PHASE.exec(part.trim());
    if (!m || Number(m[4]) < 1)
      throw new GenConvNetError('E_INVALID_ARGUMENT', `Expected phases like 'gg:2,dg:8', 'mix0.5:3' or 'mix1-0:3' (objective dg, gg, mix<lambda> or mix<from>-<to> with lambdas in [0,1], then ':' and epochs >= 1) for phases but received ${JSON.stringify(part.trim())} in ${JSON.stringify(spec)}`);
    const objective: Objective = m[1] === 'dg' ? { kind: 'dg' } : m[1] === 'gg' ? { kind: 'gg' } : { kind: 'mix', lambda: Number(m[2]) };
    return m[3] === undefined ? { objective, epochs: Number(m[4]) } : { objective, epochs: Number(m[4]), lambdaTo: Number(m[3]) };
  });
}

export interface LrSchedule {
  type: 'constant' | 'step' | 'cosine';
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up from lr/warmupSteps to lr over this many steps. */
  warmupSteps?: number;
  /** step: multiply by gamma every stepSize steps. */
  stepSize?: number;
  gamma?: number;
  /** cosine: the floor reached at the last step. */
  minLr?: number;
}

/**
 * The learning rate at a step (0-based) of a run of totalSteps.
 * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown type or a non-positive rate.
 */
export function lrAt(s: LrSchedule, step: number, totalSteps: number): number {
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) throw expected('a learning rate > 0', 'lr', s.lr);
  const warm = s.warmupSteps ?? 0;
  if (step < warm) return (s.lr * (step + 1)) / warm;
  const t = step - warm, span = Math.max(1, totalSteps - warm);
  switch (s.type) {
    case 'constant':
      return s.lr;
    case 'step':
      return s.lr * Math.pow(s.gamma ?? 0.1, Math.floor(t / Math.max(1, s.stepSize ?? span)));
    case 'cosine': {
      const min = s.minLr ?? 0;
      return min + 0.5 * (s.lr - min) * (1 + Math.cos((Math.PI * Math.min(t, span)) / span));
    }
    default:
      throw expected("'constant', 'step' or 'cosine'", 'lr schedule type', (s as { type: unknown }).type);
  }
}
