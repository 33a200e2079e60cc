// lib/train/config.ts — the trainer's options: their types and ranges (an upper bound wherever a run
// would be absurd), the configuration a checkpoint records, and the --resume comparison: an option
// not given adopts the recorded value, a given one that differs is refused unless allowed.
import { GenConvNetError, expected } from '../errors';
import type { LabelKeep } from './labels';

/** What a checkpoint records of the run that wrote it (older checkpoints hold a subset). */
export interface RunConfig {
  phases: string;
  seed: number;
  batch: number;
  optimizer: string;
  lr: number;
  labels: LabelKeep | undefined;
  dataset: string;
  labelledPerBatch?: number;
  schedule?: string;
  warmupEpochs?: number;
  momentum?: number;
  weightDecay?: number;
  maxStepsPerEpoch?: number | null;
  evalBatch?: number;
  /** MPI ranks the run trained on (absent: 1); `batch` is per rank. */
  world?: number;
}

/** Numeric trainer options: [min, max, integer?]. Bounds exclude runs that could never finish usefully. */
export const NUMERIC_OPTIONS: Readonly<Record<string, readonly [number, number, boolean]>> = {
  batch: [2, 65536, true],
  labelledPerBatch: [1, 65536, true],
  lr: [Number.MIN_VALUE, 1000, false],
  warmupEpochs: [0, 10000, false],
  momentum: [0, 0.999999, false],
  weightDecay: [0, 10, false],
  seed: [0, 2 ** 32 - 1, true],
  evalBatch: [1, 65536, true],
  maxStepsPerEpoch: [1, 1e9, true],
  distTimeout: [0, 1e6, false],
  bucketMB: [0.001, 1024, false],
};

/**
 * Checks every numeric trainer option that is set against its type and range.
 * @throws GenConvNetError E_INVALID_ARGUMENT naming the option, its range and the value.
 */
export function checkNumericOptions(o: Record<string, unknown>): void {
  for (const [key, [min, max, integer]] of Object.entries(NUMERIC_OPTIONS)) {
    const v = o[key];
    if (v === undefined) continue;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
    if (!ok) throw expected(`${integer ? 'an integer' : 'a number'} in [${min === Number.MIN_VALUE ? '>0' : min}, ${max}]`, key, v);
  }
}

/** The option keys compared on resume, with how a given option reads as a recorded value. */
const COMPARED = ['dataset', 'phases', 'labels', 'batch', 'labelledPerBatch', 'optimizer', 'lr', 'schedule', 'warmupEpochs', 'momentum', 'weightDecay', 'seed', 'maxStepsPerEpoch', 'evalBatch'] as const;

const show = (v: unknown) => (v === undefined ? '(default)' : JSON.stringify(v));

/**
 * Fills the options a resume did not give from the recorded configuration and refuses given options
 * that differ from it, unless their key is in `allowChanges`.
 * @param given the options as passed (undefined = not given); `normalize` turns a given value into its
 *   recorded form (e.g. phases objects into 'gg:1,dg:3', a dataset object into its name).
 * @returns the options to run with
 * @throws GenConvNetError E_CHECKPOINT listing every difference and how to allow it.
 */
export function reconcile<T extends Record<string, unknown>>(
  given: T,
  recorded: Partial<RunConfig>,
  allowChanges: readonly string[],
  normalize: (key: string, value: unknown) => unknown,
  file: string,
): T {
  const out: Record<string, unknown> = { ...given };
  const diffs: string[] = [];
  for (const key of COMPARED) {
    if (!(key in recorded)) continue;
    const was = (recorded as Record<string, unknown>)[key] ?? undefined;
    if (given[key] === undefined) {
      if (was !== undefined) out[key] = was;
      continue;
    }
    const now = normalize(key, given[key]);
    if (JSON.stringify(now) === JSON.stringify(was) || allowChanges.includes(key)) continue;
    diffs.push(`${key}: recorded ${show(was)}, given ${show(now)}`);
  }
  const unknown = allowChanges.filter((k) => !(COMPARED as readonly string[]).includes(k) && k !== 'world'); // world: checked by the trainer
  if (unknown.length) throw expected(`option names among ${COMPARED.join(', ')}`, 'allowChanges', unknown);
  if (diffs.length)
    throw new GenConvNetError(
      'E_CHECKPOINT',
      `Cannot resume from ${file}: the run was recorded with other options (${diffs.join('; ')}). ` +
        `Leave them out to continue the recorded run, or allow a change explicitly (CLI: --override key=value; API: allowChanges).`,
    );
  return out as T;
}
