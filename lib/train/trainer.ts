// lib/train/trainer.ts — the training loop: phases of DG / GG / mixture objectives, SGD or
// Adam with a learning-rate schedule, semi-supervised batches, evaluation and an atomic
// checkpoint after each epoch, exact --resume (weights, optimizer state, epoch; batch order
// and dropout masks depend only on seed and epoch), a divergence guard and a JSON-lines log.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { parseMeta, saveCheckpoint } from '../checkpoint';
import { cleanStaleTemps } from '../io/atomic';
import { readSafetensors } from '../io/safetensors';
import { checkNumericOptions, reconcile, type RunConfig } from './config';
import { type DatasetSplit } from '../data/dataset';
import { isFeed, memoryFeed, type TrainFeed } from '../data/feed';
import { openFeed, type LoaderOptions } from '../data/loader';
import { loadDataset, type DatasetName } from '../data/mnist';
import { GenConvNetError, expected } from '../errors';
import { loadCheckpoint, Network, type Preprocessing } from '../network';
import { preset } from '../presets';
import { type NetSpec, type ResolvedSpec, validateSpec } from '../spec';
import { epochSeed, epochSteps, planEpoch, shardPlan } from './batches';
import { initDistributed, onRoot, SOLO, type World } from '../dist';
import { evaluateBatches, type Evaluation } from './evaluate';
import { keepLabels, type LabelKeep } from './labels';
import { objectiveAt, phaseStart } from './joint';
import { ggWeight } from './objectives';
import { formatPhases, lrAt, parsePhases, type LrSchedule, type Phase } from './schedule';
import type { OptimizerOptions } from './step';
import type { BackendName, Device } from '../backend';

export interface TrainOptions {
  model?: NetSpec | string;
  /** A dataset name, an in-memory split, or a feed (e.g. {@link openFeed} over a prepared directory). */
  dataset?: DatasetName | DatasetSplit | TrainFeed;
  dataDir?: string;
  /** A prepared directory (`genconvnet prepare`) or an image folder decoded on the fly, streamed; overrides `dataset`. */
  data?: string;
  /** Streaming loader options for `data` (the crop defaults to the model's input side, a folder's channels to the model's). */
  loader?: LoaderOptions;
  /** e.g. 'gg:1,dg:3' (the paper's scheme: GG pre-training, then DG). */
  phases?: string | Phase[];
  labels?: LabelKeep;
  batch?: number;
  /** Semi-supervised: labelled images per batch; the rest of the batch is unlabelled. */
  labelledPerBatch?: number;
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  schedule?: LrSchedule['type'];
  /** 'step' schedule: epochs between the divisions by 10 (default a third of all epochs). */
  stepEpochs?: number;
  warmupEpochs?: number;
  momentum?: number;
  weightDecay?: number;
  seed?: number;
  /** Where model.safetensors and log.jsonl go; nothing is written without it. */
  outDir?: string;
  resume?: boolean;
  /** On resume, option keys (e.g. ['lr']) allowed to differ from the recorded run; others must match or be left out. */
  allowChanges?: string[];
  device?: Device;
  backend?: BackendName;
  evalBatch?: number;
  /** Per-channel mean and std of raw pixels; computed from the training set when absent. */
  normalization?: { mean: number[]; std: number[] };
  /** Caps the steps of every epoch (quick runs and tests). */
  maxStepsPerEpoch?: number;
  /**
   * Data parallelism over MPI (launch every rank with mpirun): each rank trains on its share of a
   * global batch of `batch` x ranks images, the GG normalizer and the gradients are reduced over the
   * ranks, and only rank 0 writes checkpoints, logs and events. `labelledPerBatch` is per rank too.
   */
  distributed?: 'mpi';
  /** With distributed: seconds a collective may wait for the other ranks before the job aborts (default 600). */
  distTimeout?: number;
  /** With distributed: the size of a gradient bucket in MB (default 1). */
  bucketMB?: number;
  onEvent?: (event: TrainEvent) => void;
}

export interface EpochRecord {
  epoch: number;
  phase: string;
  lr: number;
  trainLoss: number;
  trainGgLogLik: number;
  trainError: number;
  test: Evaluation;
  seconds: number;
}

export type TrainEvent =
  | { type: 'start'; epochs: number; stepsPerEpoch: number; startEpoch: number; backend: string; excluded?: TrainFeed['excluded'] }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; lr: number; lambda: number }
  | ({ type: 'epoch' } & EpochRecord)
  | { type: 'diverged'; epoch: number; step: number; message: string }
  | { type: 'end'; history: EpochRecord[]; seconds: number };

interface Resolved {
  o: Required<Pick<TrainOptions, 'batch' | 'optimizer' | 'lr' | 'schedule' | 'warmupEpochs' | 'momentum' | 'weightDecay' | 'seed' | 'evalBatch'>> & TrainOptions;
  spec: NetSpec;
  phases: Phase[];
  feed: TrainFeed;
  /** The feed was opened here and is closed at the end. */
  owned: boolean;
  /** The MPI world (SOLO in a single process). */
  world: World;
}

function resolveOptions(options: TrainOptions): Resolved {
  if (typeof options !== 'object' || options === null) throw expected('an options object', 'train options', options);
  checkNumericOptions(options as Record<string, unknown>);
  const o = { batch: 64, optimizer: 'sgd' as const, lr: 0.01, schedule: 'cosine' as const, warmupEpochs: 0, momentum: 0.9, weightDecay: 5e-4, seed: 0, evalBatch: 1000, ...options };
  if (!Number.isInteger(o.batch) || o.batch < 2) throw expected('an integer >= 2', 'batch', o.batch);
  if (!['sgd', 'adam'].includes(o.optimizer)) throw expected("'sgd' or 'adam'", 'optimizer', o.optimizer);
  if (!(o.lr > 0)) throw expected('a learning rate > 0', 'lr', o.lr);
  if (!['constant', 'step', 'cosine'].includes(o.schedule)) throw expected("'constant', 'step' or 'cosine'", 'schedule', o.schedule);
  if (o.distributed !== undefined && o.distributed !== 'mpi') throw expected("'mpi' (or leave it out)", 'distributed', o.distributed);
  const phases = parsePhases(o.phases ?? 'gg:1,dg:3');
  const spec = typeof o.model === 'object' ? o.model : preset(o.model ?? 'lenet');
  const owned = o.data !== undefined || !isFeed(o.dataset);
  const feed = o.data !== undefined ? openFeed(o.data, { crop: spec.input[1], channels: spec.input[0] === 1 ? 1 : 3, ...o.loader })
    : isFeed(o.dataset) ? o.dataset : memoryFeed(typeof o.dataset === 'object' ? o.dataset : loadDataset(o.dataset ?? 'mnist', { dir: o.dataDir }));
  const shape = feed.shape;
  if (shape.join() !== spec.input.join()) {
    if (owned) void feed.close();
    throw new GenConvNetError('E_DATA', `Expected images of shape [${spec.input.join(', ')}] for the model's input but dataset ${feed.name} has [${shape.join(', ')}]`);
  }
  const world = o.distributed === 'mpi' ? initDistributed({ timeout: o.distTimeout }) : SOLO;
  return { o, spec, phases, feed, owned, world };
}

function preprocessingOf(data: TrainFeed, given?: { mean: number[]; std: number[] }): Preprocessing {
  const C = data.shape[0];
  if (given && (given.mean?.length !== C || given.std?.length !== C || !given.std.every((s) => s > 0)))
    throw expected(`${C} means and ${C} positive stds`, 'normalization', given);
  const stats = given ?? data.stats();
  const std = stats.std.map((s) => (s > 0 ? s : 1));
  return { mean: stats.mean, std, imageShape: data.shape, classNames: data.classes.slice(), sigma: 1 };
}

/** The state a checkpoint carries for an exact resume. */
interface TrainerState {
  epoch: number; // epochs completed
  adamStep: number;
  config: RunConfig;
  history: EpochRecord[];
}

class Run {
  readonly log: string | undefined;
  readonly model: string | undefined;
  history: EpochRecord[] = [];
  adamStep = 0;
  constructor(readonly r: Resolved, readonly net: Network, readonly labels: Int32Array, readonly stepsPerEpoch: number) {
    this.log = r.o.outDir && r.world.rank === 0 ? path.join(r.o.outDir, 'log.jsonl') : undefined;
    this.model = r.o.outDir ? path.join(r.o.outDir, 'model.safetensors') : undefined;
  }

  get totalEpochs(): number {
    return this.r.phases.reduce((a, p) => a + p.epochs, 0);
  }

  phaseAt(epoch: number): Phase {
    let e = epoch;
    for (const p of this.r.phases) if ((e -= p.epochs) < 0) return p;
    return this.r.phases[this.r.phases.length - 1];
  }

  /** Logged and passed to onEvent on rank 0 only. */
  async emit(event: TrainEvent): Promise<void> {
    if (this.r.world.rank !== 0) return;
    if (this.log && event.type !== 'step') await ioStep(`append to ${this.log}`, () => fsp.appendFile(this.log!, JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n'));
    this.r.o.onEvent?.(event);
  }

  lr(globalStep: number): number {
    const o = this.r.o;
    return lrAt({ type: o.schedule, lr: o.lr, warmupSteps: Math.round(o.warmupEpochs * this.stepsPerEpoch), stepSize: Math.round(this.stepsPerEpoch * (o.stepEpochs ?? Math.max(1, Math.floor(this.totalEpochs / 3)))), gamma: 0.1 }, globalStep, this.totalEpochs * this.stepsPerEpoch);
  }

  /** The optimizer of the next step (Adam's step counter advances). */
  optimizer(lr: number): OptimizerOptions {
    const o = this.r.o;
    if (o.optimizer === 'adam') return { kind: 'adam', lr, weightDecay: o.weightDecay, step: ++this.adamStep };
    return { kind: 'sgd', lr, momentum: o.momentum, weightDecay: o.weightDecay };
  }

  async save(epoch: number): Promise<void> {
    if (!this.model) return;
    const o = this.r.o;
    const state: TrainerState = {
      epoch, adamStep: this.adamStep, history: this.history,
      config: {
        phases: formatPhases(this.r.phases), seed: o.seed, batch: o.batch, optimizer: o.optimizer, lr: o.lr, labels: o.labels ?? 'all', dataset: datasetName(o, this.r.feed),
        labelledPerBatch: o.labelledPerBatch, schedule: o.schedule, warmupEpochs: o.warmupEpochs, momentum: o.momentum, weightDecay: o.weightDecay,
        maxStepsPerEpoch: o.maxStepsPerEpoch ?? null, evalBatch: o.evalBatch, world: this.r.world.size,
      },
    };
    // Divergence guard on the parameters themselves: relu and max-pool could hide NaN weights from the
    // loss, and a non-finite checkpoint would replace the last good one (#12 case 7).
    for (const p of this.net.parameters)
      if (!this.net.getParameter(p.name).every(Number.isFinite)) await diverged(this, epoch - 1, this.stepsPerEpoch - 1, `parameter ${p.name} is no longer finite`);
    const model = this.model;
    await onRoot(() => saveCheckpoint(this.net, model, { extra: { trainer: state }, tensors: this.net.optimizerState() }));
  }
}

/** The dataset as a run records it: the name it was given, or the split's own name. */
function datasetName(o: TrainOptions, feed: TrainFeed): string {
  return o.data === undefined && typeof o.dataset === 'string' ? o.dataset : o.data === undefined && o.dataset === undefined ? 'mnist' : feed.name;
}

/** Runs a file-system step; its failure (ENOTDIR, EROFS, ENOSPC, …) becomes E_IO naming what was done. */
async function ioStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof GenConvNetError) throw err;
    throw new GenConvNetError('E_IO', `Cannot ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** On resume: options not given adopt the recorded run's, and given ones must match unless allowed. */
async function withRecordedConfig(options: TrainOptions, file: string): Promise<TrainOptions> {
  const content = await readSafetensors(file);
  const meta = parseMeta(file, content.metadata.genconvnet);
  const recorded = (meta.extra as { trainer?: TrainerState } | undefined)?.trainer?.config;
  if (!recorded) throw new GenConvNetError('E_CHECKPOINT', `Cannot resume from ${file}: it holds no trainer state (it was not written by train)`);
  const normalize = (key: string, v: unknown) =>
    key === 'phases' ? formatPhases(parsePhases(v as string | Phase[])) : key === 'dataset' ? (typeof v === 'string' ? v : isFeed(v) ? v.name : (v as DatasetSplit).train.name) : v;
  const merged = reconcile(options as Record<string, unknown>, recorded, options.allowChanges ?? [], normalize, file) as TrainOptions;
  return { ...merged, model: options.model ?? meta.spec };
}

async function diverged(run: Run, epoch: number, step: number, what: string): Promise<never> {
  const last = run.history.length ? `the last good checkpoint is ${run.model ?? '(none: no outDir)'} after epoch ${run.history.length}` : 'no epoch had completed, so no checkpoint was written';
  const message = `Training diverged at epoch ${epoch + 1}, step ${step + 1}: ${what}; ${last}. Lower the learning rate (now ${run.r.o.lr}) or check the data.`;
  await run.emit({ type: 'diverged', epoch, step, message });
  throw new GenConvNetError('E_DIVERGED', message);
}

/** A network call whose non-finite result (E_NOT_FINITE) means the run diverged. */
function orDiverged<T>(run: Run, epoch: number, step: number, what: string, call: Promise<T>): Promise<T> {
  return call.catch((err) => (err instanceof GenConvNetError && err.code === 'E_NOT_FINITE' ? diverged(run, epoch, step, what) : Promise.reject(err)));
}

async function runEpoch(run: Run, epoch: number): Promise<EpochRecord> {
  const { o } = run.r;
  const started = Date.now();
  const phase = run.phaseAt(epoch);
  const withUnlabelled = phase.objective.kind !== 'dg';
  // the global batch of batch x ranks images, of which this rank takes its share (one process: all of it)
  const { rank, size } = run.r.world;
  const plan = shardPlan(planEpoch(run.labels, o.batch * size, (o.labelledPerBatch ?? Math.ceil(o.batch / 2)) * size, o.seed, epoch, run.stepsPerEpoch), rank, size);
  run.net.setSeed((epochSeed(o.seed, epoch) ^ Math.imul(rank, 0x9e3779b9)) >>> 0); // dropout masks independent across ranks
  let loss = 0, gg = 0, wrong = 0, seen = 0, lr = 0;
  const batches = run.r.feed.epoch(plan, o.seed, epoch, withUnlabelled);
  const first = (epoch - phaseStart(run.r.phases, epoch)) * plan.steps;
  for (let s = 0; s < plan.steps; s++) {
    const { x } = await batches.next(s);
    const y = Int32Array.from(plan.batch(s, withUnlabelled), (i) => run.labels[i]); // kept labels: -1 = unlabelled
    const objective = objectiveAt(phase, first + s, phase.epochs * plan.steps);
    lr = run.lr(epoch * run.stepsPerEpoch + s);
    // one native call: forward, objective, backward and update (no update when not finite)
    const r = await orDiverged(run, epoch, s, 'the loss is not finite (the scores overflowed float32)', run.net.trainStep(x, y, { objective, optimizer: run.optimizer(lr) }));
    const value = phase.objective.kind === 'gg' ? -r.ggLogLik : r.crossEntropy;
    if (!Number.isFinite(value) || !r.finite) await diverged(run, epoch, s, `the loss is ${value}`);
    loss += r.crossEntropy * r.labelled;
    gg += r.ggLogLik * r.labelled;
    wrong += r.labelled - r.correct;
    seen += r.labelled;
    o.onEvent?.({ type: 'step', epoch, step: s, steps: plan.steps, loss: value, lr, lambda: ggWeight(objective) });
  }
  batches.close();
  const test = await orDiverged(run, epoch, plan.steps - 1, 'the loss is not finite on the test set', evaluateBatches(run.net, run.r.feed.testBatches(o.evalBatch), { world: run.r.world }));
  return { epoch: epoch + 1, phase: formatPhases([{ ...phase, epochs: 1 }]).replace(/:1$/, ''), lr, trainLoss: loss / seen, trainGgLogLik: gg / seen, trainError: wrong / seen, test, seconds: (Date.now() - started) / 1000 };
}

async function resumeFrom(r: Resolved, file: string, pre: Preprocessing): Promise<{ net: Network; state: TrainerState }> {
  const asked = validateSpec(r.spec); // on resume no net is built from it: it is checked here
  const { net, meta, tensors } = await loadCheckpoint(file, { device: r.o.device, backend: r.o.backend, preprocessing: pre });
  const state = (meta.extra as { trainer?: TrainerState } | undefined)?.trainer;
  const fail = (why: string) => {
    net.dispose();
    return new GenConvNetError('E_CHECKPOINT', `Cannot resume from ${file}: ${why}`);
  };
  if (!state) throw fail('it holds no trainer state (it was not written by train)');
  if (!sameModel(net.resolved, asked)) throw fail('it is a checkpoint of another model');
  // streamed data: the feed's name hashes its listing, so a folder that changed since is caught here
  if (r.o.data !== undefined && state.config.dataset !== r.feed.name && !(r.o.allowChanges ?? []).includes('dataset'))
    throw fail(`its run read ${state.config.dataset} but ${r.o.data} is now ${r.feed.name} (images added, removed, renamed or relabelled); allowChanges: ['dataset'] resumes anyway`);
  // The recorded options were reconciled before (withRecordedConfig); the optimizer must match its state.
  const ranks = state.config.world ?? 1;
  if (ranks !== r.world.size && !(r.o.allowChanges ?? []).includes('world'))
    throw fail(`its run trained on ${ranks} rank${ranks > 1 ? 's' : ''} (a global batch of ${state.config.batch * ranks}) and this one has ${r.world.size}: ` +
      `resume it with the same number of ranks (mpirun -np ${ranks}) to continue exactly, or allow the change (CLI: --override world=${r.world.size}; API: allowChanges: ['world']) ` +
      `to continue with a global batch of ${state.config.batch * r.world.size} (not the recorded run's batches)`);
  if (state.config.optimizer !== r.o.optimizer && !(r.o.allowChanges ?? []).includes('optimizer'))
    throw fail(`its run used optimizer ${state.config.optimizer}, not ${r.o.optimizer}`);
  if (state.config.optimizer !== r.o.optimizer) {
    net.loadOptimizerState({}); // a changed optimizer starts from fresh state: momentum is not Adam's moment
    return { net, state: { ...state, adamStep: 0 } };
  }
  net.loadOptimizerState(tensors as Record<string, { data: ArrayLike<number> }>);
  return { net, state };
}

/** Whether two validated specs are the same model: the same input and layers (default names filled in), whatever their names. */
function sameModel(a: ResolvedSpec, b: ResolvedSpec): boolean {
  return JSON.stringify([a.spec.input, a.spec.layers]) === JSON.stringify([b.spec.input, b.spec.layers]);
}

/**
 * Trains a network following a schedule of phases and returns it with its per-epoch history.
 * @throws GenConvNetError E_INVALID_ARGUMENT / E_DATA before any work for bad options, labels out of
 * range, or a dataset that does not fit the model; E_CHECKPOINT for a resume from another run;
 * E_DIVERGED when the loss stops being finite (the last good checkpoint is kept).
 */
export async function train(options: TrainOptions = {}): Promise<{ net: Network; history: EpochRecord[]; preprocessing: Preprocessing }> {
  const started = Date.now();
  if (options?.resume && options.outDir) options = await withRecordedConfig(options, path.join(options.outDir, 'model.safetensors'));
  const r = resolveOptions(options);
  try {
    return await trainOn(r, started);
  } finally {
    if (r.owned) await r.feed.close();
  }
}

async function trainOn(r: Resolved, started: number): Promise<{ net: Network; history: EpochRecord[]; preprocessing: Preprocessing }> {
  await r.feed.ready?.();
  const pre = preprocessingOf(r.feed, r.o.normalization);
  const trainLabels = keepLabels(r.feed.trainLabels, r.feed.classes.length, r.o.labels ?? 'all', r.o.seed);
  r.feed.begin(pre);
  const outDir = r.o.outDir;
  if (outDir)
    await onRoot(async () => {
      await ioStep(`create the run directory ${outDir}`, () => fsp.mkdir(outDir, { recursive: true }));
      await cleanStaleTemps(outDir);
    });
  const model = r.o.outDir ? path.join(r.o.outDir, 'model.safetensors') : undefined;
  let net: Network, state: TrainerState | undefined;
  if (r.o.resume) {
    if (!model) throw expected('an outDir holding model.safetensors', 'resume', r.o.outDir);
    ({ net, state } = await resumeFrom(r, model, pre));
  } else {
    net = Network.create(r.spec, { device: r.o.device, backend: r.o.backend, seed: r.o.seed, preprocessing: pre });
  }
  const maxLabel = r.feed.trainLabels.reduce((a, b) => Math.max(a, b), 0);
  if (maxLabel >= net.classes) {
    net.dispose();
    throw expected(`labels in [0, ${net.classes - 1}] for a model with ${net.classes} classes`, 'dataset labels', maxLabel);
  }
  const steps = epochSteps(r.feed.trainLabels.length, r.o.batch * r.world.size, r.world.size, r.o.maxStepsPerEpoch);
  if (r.world.size > 1) net.distribute(true, { bucketMB: r.o.bucketMB });
  const run = new Run(r, net, trainLabels, steps);
  if (state) (run.history = state.history), (run.adamStep = state.adamStep);
  const startEpoch = state?.epoch ?? 0;
  const excluded = r.feed.excluded?.length ? { excluded: r.feed.excluded } : {};
  await run.emit({ type: 'start', epochs: run.totalEpochs, stepsPerEpoch: steps, startEpoch, backend: net.backend, ...excluded });
  try {
    for (let e = startEpoch; e < run.totalEpochs; e++) {
      const record = await runEpoch(run, e);
      run.history.push(record);
      await run.save(e + 1);
      await run.emit({ type: 'epoch', ...record });
    }
  } catch (err) {
    net.dispose();
    throw err;
  }
  await run.emit({ type: 'end', history: run.history, seconds: (Date.now() - started) / 1000 });
  return { net, history: run.history, preprocessing: pre };
}
