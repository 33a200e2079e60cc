// lib/train/trainer.ts — the training loop: phases of DG / GG / mixture objectives, SGD or
// Adam with a learning-rate schedule, semi-supervised batches, evaluation and an atomic
// checkpoint after each epoch, exact --resume (weights, optimizer state, epoch; batch order
// and dropout masks depend only on seed and epoch), a divergence guard and a JSON-lines log.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint';
import { computeStats, type DatasetSplit } from '../data/dataset';
import { loadDataset, type DatasetName } from '../data/mnist';
import { preprocess } from '../data/preprocess';
import { GenConvNetError, expected } from '../errors';
import { Network, type Preprocessing } from '../network';
import { preset } from '../presets';
import { type NetSpec } from '../spec';
import { epochSeed, planEpoch } from './batches';
import { evaluate, type Evaluation } from './evaluate';
import { keepLabels, type LabelKeep } from './labels';
import { objectiveAt, phaseStart } from './joint';
import { computeObjective, ggWeight } from './objectives';
import { formatPhases, lrAt, parsePhases, type LrSchedule, type Phase } from './schedule';
import type { BackendName, Device } from '../backend';

export interface TrainOptions {
  model?: NetSpec | string;
  dataset?: DatasetName | DatasetSplit;
  dataDir?: string;
  /** e.g. 'gg:1,dg:3' (the paper's scheme: GG pre-training, then DG). */
  phases?: string | Phase[];
  labels?: LabelKeep;
  batch?: number;
  /** Semi-supervised: labelled images per batch; the rest of the batch is unlabelled. */
  labelledPerBatch?: number;
  optimizer?: 'sgd' | 'adam';
  lr?: number;
  schedule?: LrSchedule['type'];
  warmupEpochs?: number;
  momentum?: number;
  weightDecay?: number;
  seed?: number;
  /** Where model.safetensors and log.jsonl go; nothing is written without it. */
  outDir?: string;
  resume?: boolean;
  device?: Device;
  backend?: BackendName;
  evalBatch?: number;
  /** Per-channel mean and std of raw pixels; computed from the training set when absent. */
  normalization?: { mean: number[]; std: number[] };
  /** Caps the steps of every epoch (quick runs and tests). */
  maxStepsPerEpoch?: number;
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
  | { type: 'start'; epochs: number; stepsPerEpoch: number; startEpoch: number; backend: string }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; lr: number; lambda: number }
  | ({ type: 'epoch' } & EpochRecord)
  | { type: 'diverged'; epoch: number; step: number; message: string }
  | { type: 'end'; history: EpochRecord[]; seconds: number };

interface Resolved {
  o: Required<Pick<TrainOptions, 'batch' | 'optimizer' | 'lr' | 'schedule' | 'warmupEpochs' | 'momentum' | 'weightDecay' | 'seed' | 'evalBatch'>> & TrainOptions;
  spec: NetSpec;
  phases: Phase[];
  data: DatasetSplit;
}

function resolveOptions(options: TrainOptions): Resolved {
  const o = { batch: 64, optimizer: 'sgd' as const, lr: 0.01, schedule: 'cosine' as const, warmupEpochs: 0, momentum: 0.9, weightDecay: 5e-4, seed: 0, evalBatch: 1000, ...options };
  if (!Number.isInteger(o.batch) || o.batch < 2) throw expected('an integer >= 2', 'batch', o.batch);
  if (!['sgd', 'adam'].includes(o.optimizer)) throw expected("'sgd' or 'adam'", 'optimizer', o.optimizer);
  if (!(o.lr > 0)) throw expected('a learning rate > 0', 'lr', o.lr);
  if (!['constant', 'step', 'cosine'].includes(o.schedule)) throw expected("'constant', 'step' or 'cosine'", 'schedule', o.schedule);
  const phases = parsePhases(o.phases ?? 'gg:1,dg:3');
  const spec = typeof o.model === 'object' ? o.model : preset(o.model ?? 'lenet');
  const data = typeof o.dataset === 'object' ? o.dataset : loadDataset(o.dataset ?? 'mnist', { dir: o.dataDir });
  const shape = data.train.shape;
  if (shape.join() !== spec.input.join())
    throw new GenConvNetError('E_DATA', `Expected images of shape [${spec.input.join(', ')}] for the model's input but dataset ${data.train.name} has [${shape.join(', ')}]`);
  return { o, spec, phases, data };
}

function preprocessingOf(data: DatasetSplit, given?: { mean: number[]; std: number[] }): Preprocessing {
  const C = data.train.shape[0];
  if (given && (given.mean?.length !== C || given.std?.length !== C || !given.std.every((s) => s > 0)))
    throw expected(`${C} means and ${C} positive stds`, 'normalization', given);
  const stats = given ?? computeStats(data.train);
  const std = stats.std.map((s) => (s > 0 ? s : 1));
  return { mean: stats.mean, std, imageShape: data.train.shape, classNames: data.train.classes.slice(), sigma: 1 };
}

/** The state a checkpoint carries for an exact resume. */
interface TrainerState {
  epoch: number; // epochs completed
  adamStep: number;
  config: { phases: string; seed: number; batch: number; optimizer: string; lr: number; labels: LabelKeep | undefined; dataset: string };
  history: EpochRecord[];
}

class Run {
  readonly log: string | undefined;
  readonly model: string | undefined;
  history: EpochRecord[] = [];
  adamStep = 0;
  constructor(readonly r: Resolved, readonly net: Network, readonly x: { train: Float32Array; test: Float32Array }, readonly labels: Int32Array, readonly stepsPerEpoch: number) {
    this.log = r.o.outDir ? path.join(r.o.outDir, 'log.jsonl') : undefined;
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

  async emit(event: TrainEvent): Promise<void> {
    if (this.log && event.type !== 'step') await fsp.appendFile(this.log, JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
    this.r.o.onEvent?.(event);
  }

  lr(globalStep: number): number {
    const o = this.r.o;
    return lrAt({ type: o.schedule, lr: o.lr, warmupSteps: Math.round(o.warmupEpochs * this.stepsPerEpoch), stepSize: this.stepsPerEpoch * Math.max(1, Math.floor(this.totalEpochs / 3)), gamma: 0.1 }, globalStep, this.totalEpochs * this.stepsPerEpoch);
  }

  async update(lr: number): Promise<void> {
    const o = this.r.o;
    if (o.optimizer === 'adam') await this.net.adamStep({ lr, weightDecay: o.weightDecay, step: ++this.adamStep });
    else await this.net.sgdStep({ lr, momentum: o.momentum, weightDecay: o.weightDecay });
  }

  async save(epoch: number): Promise<void> {
    if (!this.model) return;
    const o = this.r.o;
    const state: TrainerState = {
      epoch, adamStep: this.adamStep, history: this.history,
      config: { phases: formatPhases(this.r.phases), seed: o.seed, batch: o.batch, optimizer: o.optimizer, lr: o.lr, labels: o.labels, dataset: this.r.data.train.name },
    };
    await saveCheckpoint(this.net, this.model, { extra: { trainer: state }, tensors: this.net.optimizerState() });
  }
}

/** Copies the images of `indices` into one batch buffer and their labels. */
function gather(images: Float32Array, labels: Int32Array, per: number, indices: number[]): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  indices.forEach((i, b) => {
    x.set(images.subarray(i * per, (i + 1) * per), b * per);
    y[b] = labels[i];
  });
  return { x, y };
}

async function diverged(run: Run, epoch: number, step: number, what: string): Promise<never> {
  const last = run.history.length ? `the last good checkpoint is ${run.model ?? '(none: no outDir)'} after epoch ${run.history.length}` : 'no epoch had completed, so no checkpoint was written';
  const message = `Training diverged at epoch ${epoch + 1}, step ${step + 1}: ${what}; ${last}. Lower the learning rate (now ${run.r.o.lr}) or check the data.`;
  await run.emit({ type: 'diverged', epoch, step, message });
  throw new GenConvNetError('E_DIVERGED', message);
}

async function runEpoch(run: Run, epoch: number): Promise<EpochRecord> {
  const { o } = run.r;
  const started = Date.now();
  const phase = run.phaseAt(epoch);
  const withUnlabelled = phase.objective.kind !== 'dg';
  const per = run.net.inputShape.reduce((a, b) => a * b, 1);
  const plan = planEpoch(run.labels, o.batch, o.labelledPerBatch ?? Math.ceil(o.batch / 2), o.seed, epoch, o.maxStepsPerEpoch);
  run.net.setSeed(epochSeed(o.seed, epoch));
  let loss = 0, gg = 0, wrong = 0, seen = 0, lr = 0;
  const first = (epoch - phaseStart(run.r.phases, epoch)) * plan.steps;
  for (let s = 0; s < plan.steps; s++) {
    const { x, y } = gather(run.x.train, run.labels, per, plan.batch(s, withUnlabelled));
    const scores = await run.net.forward(x, { train: true });
    const objective = objectiveAt(phase, first + s, phase.epochs * plan.steps);
    const r = computeObjective(scores, y, run.net.classes, objective, { backend: run.net.backend });
    const value = phase.objective.kind === 'gg' ? -r.ggLogLik : r.crossEntropy;
    if (!Number.isFinite(value) || !scores.every(Number.isFinite)) await diverged(run, epoch, s, `the loss is ${value}`);
    await run.net.backward(r.grad);
    lr = run.lr(epoch * run.stepsPerEpoch + s);
    await run.update(lr);
    loss += r.crossEntropy * r.labelled;
    gg += r.ggLogLik * r.labelled;
    wrong += r.labelled - r.correct;
    seen += r.labelled;
    o.onEvent?.({ type: 'step', epoch, step: s, steps: plan.steps, loss: value, lr, lambda: ggWeight(objective) });
  }
  const test = await evaluate(run.net, run.x.test, run.r.data.test.labels, { batch: o.evalBatch });
  return { epoch: epoch + 1, phase: formatPhases([{ ...phase, epochs: 1 }]).replace(/:1$/, ''), lr, trainLoss: loss / seen, trainGgLogLik: gg / seen, trainError: wrong / seen, test, seconds: (Date.now() - started) / 1000 };
}

async function resumeFrom(r: Resolved, file: string, pre: Preprocessing): Promise<{ net: Network; state: TrainerState }> {
  const { net, meta, tensors } = await loadCheckpoint(file, { device: r.o.device, backend: r.o.backend, preprocessing: pre });
  const state = (meta.extra as { trainer?: TrainerState } | undefined)?.trainer;
  const fail = (why: string) => {
    net.dispose();
    return new GenConvNetError('E_CHECKPOINT', `Cannot resume from ${file}: ${why}`);
  };
  if (!state) throw fail('it holds no trainer state (it was not written by train)');
  if (JSON.stringify(validateSpecLayers(meta.spec)) !== JSON.stringify(validateSpecLayers(r.spec))) throw fail('it is a checkpoint of another model');
  if (state.config.seed !== r.o.seed || state.config.batch !== r.o.batch || state.config.phases !== formatPhases(r.phases))
    throw fail(`its run used seed ${state.config.seed}, batch ${state.config.batch}, phases ${state.config.phases}; pass the same options to continue it`);
  net.loadOptimizerState(tensors as Record<string, { data: ArrayLike<number> }>);
  return { net, state };
}

function validateSpecLayers(spec: NetSpec): unknown {
  return { input: spec.input, layers: spec.layers };
}

/**
 * Trains a network following a schedule of phases and returns it with its per-epoch history.
 * @throws GenConvNetError E_INVALID_ARGUMENT / E_DATA before any work for bad options, labels out of
 * range, or a dataset that does not fit the model; E_CHECKPOINT for a resume from another run;
 * E_DIVERGED when the loss stops being finite (the last good checkpoint is kept).
 */
export async function train(options: TrainOptions = {}): Promise<{ net: Network; history: EpochRecord[]; preprocessing: Preprocessing }> {
  const started = Date.now();
  const r = resolveOptions(options);
  const pre = preprocessingOf(r.data, r.o.normalization);
  const trainLabels = keepLabels(r.data.train.labels, r.data.train.classes.length, r.o.labels ?? 'all', r.o.seed);
  const x = { train: preprocess(r.data.train.images, r.data.train.shape, pre), test: preprocess(r.data.test.images, r.data.test.shape, pre) };
  if (r.o.outDir) await fsp.mkdir(r.o.outDir, { recursive: true });
  const model = r.o.outDir ? path.join(r.o.outDir, 'model.safetensors') : undefined;
  let net: Network, state: TrainerState | undefined;
  if (r.o.resume) {
    if (!model) throw expected('an outDir holding model.safetensors', 'resume', r.o.outDir);
    ({ net, state } = await resumeFrom(r, model, pre));
  } else {
    net = Network.create(r.spec, { device: r.o.device, backend: r.o.backend, seed: r.o.seed, preprocessing: pre });
  }
  const maxLabel = r.data.train.labels.reduce((a, b) => Math.max(a, b), 0);
  if (maxLabel >= net.classes) {
    net.dispose();
    throw expected(`labels in [0, ${net.classes - 1}] for a model with ${net.classes} classes`, 'dataset labels', maxLabel);
  }
  const steps = Math.min(r.o.maxStepsPerEpoch ?? Infinity, Math.ceil(r.data.train.n / r.o.batch));
  const run = new Run(r, net, x, trainLabels, steps);
  if (state) (run.history = state.history), (run.adamStep = state.adamStep);
  const startEpoch = state?.epoch ?? 0;
  await run.emit({ type: 'start', epochs: run.totalEpochs, stepsPerEpoch: steps, startEpoch, backend: net.backend });
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
