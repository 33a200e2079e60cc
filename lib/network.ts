// lib/network.ts — Network, the public object over a native net: built from a validated spec
// on a chosen backend, it runs forward/backward, input gradients of nodes and SGD steps as
// Promises, and exposes parameters by name in PyTorch's shapes. dispose() frees native memory.
import { type BackendName, type Device, resolveBackend } from './backend';
import { readCheckpoint, saveCheckpoint, type CheckpointMeta } from './checkpoint';
import type { Preprocessing } from './data/preprocess';
import { GenConvNetError, assertFinite, expected } from './errors';
import { broadcast, distributed, mpiReady } from './dist';
import { loadNative, type NativeChains, type NativeDistTimes, type NativeNet } from './native';
import { type Node, type NodeRef, resolveNode } from './nodes';
import { preset } from './presets';
import { Rng } from './rng';
import { checkBudget, defaultMaxBytes, estimateBytes } from './budget';
import { type InitSpec, type NetSpec, type ResolvedSpec, specBytes, validateSpec } from './spec';
import type { Objective } from './train/objectives';
import { lambdaOf, stepResult, toNativeOptimizer, type OptimizerOptions, type TrainStepResult } from './train/step';

export type { Preprocessing } from './data/preprocess';

export interface NetworkOptions {
  device?: Device;
  backend?: BackendName;
  /** Seeds weight initialization and dropout masks. */
  seed?: number;
  preprocessing?: Preprocessing;
  /** Memory budget in bytes for parameters and activations (default: GENCONVNET_MAX_BYTES, else total memory). */
  maxBytes?: number;
}

export interface ParameterInfo {
  name: string;
  shape: number[];
  layer: string;
}

/** Values drawn per native write in initialize() (4 MiB). */
const INIT_CHUNK = 1 << 20;

export class Network {
  readonly spec: NetSpec;
  readonly resolved: ResolvedSpec;
  readonly backend: BackendName;
  preprocessing: Preprocessing | undefined;
  private native: NativeNet | null;
  private readonly paramIndex = new Map<string, number>();
  private maxBytes = Infinity;
  readonly parameters: readonly ParameterInfo[];

  private constructor(resolved: ResolvedSpec, backend: BackendName, seed: number, preprocessing?: Preprocessing) {
    const binding = loadNative();
    this.resolved = resolved;
    this.spec = resolved.spec;
    this.backend = backend;
    this.preprocessing = preprocessing;
    this.native = new binding.NativeNet(resolved.layers.map((l) => l.native), resolved.input, backend, seed);
    this.parameters = this.native.params().map((p, i) => {
      this.paramIndex.set(p.name, i);
      return { name: p.name, shape: p.shape, layer: resolved.layers[p.layer].name };
    });
  }

  /**
   * Builds a network from a spec or a preset name and initializes its weights.
   * @throws GenConvNetError E_SPEC for an invalid spec, E_BACKEND for an unavailable backend.
   */
  static create(spec: NetSpec | string, options: NetworkOptions = {}): Network {
    const maxBytes = options.maxBytes ?? defaultMaxBytes();
    const resolved = validateSpec(typeof spec === 'string' ? preset(spec) : spec, { maxBytes });
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0) throw expected('a non-negative integer', 'seed', seed);
    const net = new Network(resolved, resolveBackend(options.device, options.backend), seed, options.preprocessing);
    net.maxBytes = maxBytes;
    net.initialize(seed);
    return net;
  }

  /** Number of classes (units of the last layer). */
  get classes(): number {
    return this.resolved.classes;
  }

  /** Per-image input shape [C, H, W]. */
  get inputShape(): [number, number, number] {
    return this.resolved.input;
  }

  /**
   * Re-draws every weight from its layer's init (He by default; Xavier, Gaussian) and sets biases to
   * biasInit (0). Values are drawn and written in runs of INIT_CHUNK, so creating a net commits its
   * weights once instead of holding a second copy of the largest one.
   */
  initialize(seed = 0): void {
    const rng = new Rng(seed);
    const native = this.net();
    const chunk = new Float32Array(INIT_CHUNK);
    this.parameters.forEach((p, i) => {
      const layer = this.resolved.layers.find((l) => l.name === p.layer)!;
      const cfg = layer.config as { init?: InitSpec; biasInit?: number };
      const size = p.shape.reduce((a, b) => a * b, 1);
      const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
      const init = cfg.init ?? { type: 'he' };
      const std = init.type === 'gaussian' ? init.std : Math.sqrt((init.type === 'he' ? 2 : 1) / fanIn);
      for (let at = 0; at < size; at += INIT_CHUNK) {
        const run = chunk.subarray(0, Math.min(INIT_CHUNK, size - at));
        if (p.name.endsWith('.bias')) run.fill(cfg.biasInit ?? 0);
        else rng.fillNormal(run, 0, std);
        native.writeParam(i, run, at);
      }
    });
  }

  private net(): NativeNet {
    if (!this.native) throw new GenConvNetError('E_DISPOSED', 'This network has been disposed; create or load another');
    return this.native;
  }

  private batchOf(x: Float32Array, name: string): number {
    if (!(x instanceof Float32Array)) throw expected('a Float32Array', name, x);
    const per = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    if (x.length === 0 || x.length % per !== 0)
      throw expected(`a multiple of ${per} values (n images of shape [${this.inputShape.join(', ')}])`, name, x, 'E_SHAPE');
    assertFinite(x, name);
    const n = x.length / per;
    checkBudget(estimateBytes(specBytes(this.resolved), 4 * per, n), this.maxBytes, 'E_INVALID_ARGUMENT');
    return n;
  }

  /**
   * Scores of a batch: x holds n images (n x C x H x W, preprocessed); returns the n x classes matrix.
   * `train` turns dropout on. The activations are kept for backward().
   * @throws GenConvNetError E_SHAPE / E_NOT_FINITE for a bad batch or non-finite scores, E_INVALID_ARGUMENT
   * for a batch above the memory budget, E_BUSY while another call runs.
   */
  async forward(x: Float32Array, options: { train?: boolean } = {}): Promise<Float32Array> {
    const n = this.batchOf(x, 'input');
    const scores = await this.net().forward(x, n, options.train === true);
    // Finite inputs can still overflow float32 (e.g. 3e38): refuse NaN/inf scores instead of returning them.
    for (let i = 0; i < scores.length; i++)
      if (!Number.isFinite(scores[i]))
        throw new GenConvNetError('E_NOT_FINITE', `Expected finite scores from forward but received ${scores[i]} at index ${i} (an input or weight overflowed float32)`);
    return scores;
  }

  /**
   * Backpropagates dL/dF (n x classes, for the last forward) and sets every parameter gradient to dL/dw.
   * @throws GenConvNetError E_SHAPE when dscores does not match the last forward's batch.
   */
  async backward(dscores: Float32Array): Promise<void> {
    if (!(dscores instanceof Float32Array)) throw expected('a Float32Array', 'score gradient', dscores);
    assertFinite(dscores, 'score gradient');
    await this.net().backward(dscores);
  }

  /** Resolves a node name such as 'fc2:3', 'conv2:17@7,7' or 'conv2:17@mean'. */
  node(ref: NodeRef): Node {
    return resolveNode(this.resolved, ref);
  }

  /**
   * The response of a node for each image and its gradient with respect to the images (eval mode).
   * @throws GenConvNetError E_INVALID_ARGUMENT for an unknown node, E_SHAPE for a bad batch.
   */
  async inputGradient(x: Float32Array, node: NodeRef | Node | Node[]): Promise<{ values: Float32Array; grad: Float32Array }> {
    const resolved = Array.isArray(node) ? node : typeof node === 'object' && 'mean' in node ? node : this.node(node);
    const n = this.batchOf(x, 'input');
    if (Array.isArray(resolved) && resolved.length !== 1 && resolved.length !== n) throw expected(`1 or ${n} nodes (one per image)`, 'nodes', resolved.length);
    return this.net().nodeGrad(x, n, resolved);
  }

  /**
   * @internal A batch of HMC chains kept in the backend's memory (the sampler's engine): one node
   * per chain (or one for all), all in one layer.
   * @throws GenConvNetError E_INVALID_ARGUMENT for nodes in several layers or a bad count.
   */
  newChains(nodes: Node[], chains: number): NativeChains {
    return this.net().newChains(nodes, chains);
  }

  /** One SGD step on all parameters with the gradients of the last backward (PyTorch's SGD semantics). */
  async sgdStep(options: { lr: number; momentum?: number; weightDecay?: number }): Promise<void> {
    if (typeof options !== 'object' || options === null) throw expected('an options object {lr, momentum?, weightDecay?}', 'sgdStep options', options);
    const o = toNativeOptimizer({ kind: 'sgd', ...options });
    await this.net().sgdStep(o.lr, o.momentum!, o.weightDecay!);
  }

  /** One Adam (or AdamW when decoupled) step; `step` counts from 1 for bias correction. */
  async adamStep(options: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean; step: number }): Promise<void> {
    if (typeof options !== 'object' || options === null) throw expected('an options object {lr, step, …}', 'adamStep options', options);
    const o = toNativeOptimizer({ kind: 'adam', ...options });
    await this.net().adamStep(o.lr, o.beta1!, o.beta2!, o.eps!, o.weightDecay!, o.decoupled!, o.step!);
  }

  /**
   * One fused training step in one native call: forward (train mode), the objective on the
   * backend's own scores, backward and the optimizer update. Labels: -1 = unlabelled.
   * Same weights as forward + computeObjective + backward + sgdStep/adamStep.
   * @throws GenConvNetError E_SHAPE / E_NOT_FINITE for a bad batch, E_INVALID_ARGUMENT for labels out of range or bad options.
   */
  async trainStep(x: Float32Array, labels: Int32Array, options: { objective: Objective; optimizer: OptimizerOptions; scores?: boolean }): Promise<TrainStepResult> {
    const n = this.batchOf(x, 'input');
    if (!(labels instanceof Int32Array) || labels.length !== n) throw expected(`an Int32Array of ${n} labels`, 'labels', labels, 'E_SHAPE');
    const optimizer = toNativeOptimizer(options.optimizer);
    return stepResult(await this.net().trainStep(x, labels, n, lambdaOf(options.objective), optimizer, options.scores === true));
  }

  /**
   * Statistics of one labelled batch in eval mode: cross-entropy, GG log-likelihood, top-1 and top-5 hits.
   * @throws GenConvNetError E_SHAPE for a bad batch, E_INVALID_ARGUMENT for labels outside [0, classes).
   */
  async evaluateBatch(x: Float32Array, labels: Int32Array): Promise<{ crossEntropy: number; ggLogLik: number; correct: number; top5: number; n: number }> {
    const n = this.batchOf(x, 'input');
    if (!(labels instanceof Int32Array) || labels.length !== n) throw expected(`an Int32Array of ${n} labels`, 'labels', labels, 'E_SHAPE');
    const s = await this.net().evaluate(x, labels, n);
    return { crossEntropy: s.crossEntropy, ggLogLik: s.ggLogLik, correct: s.correct, top5: s.top5, n };
  }

  /** Optimizer state (slot 0: momentum or Adam's m; slot 1: Adam's v) by parameter name. */
  optimizerState(): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    this.parameters.forEach((p, i) => {
      for (const slot of [0, 1]) out[`${p.name}.opt${slot}`] = { shape: p.shape.slice(), data: this.net().readSlot(i, slot) };
    });
    return out;
  }

  /**
   * Restores optimizer state saved by optimizerState(); missing entries reset to zero.
   * @throws GenConvNetError E_CHECKPOINT for a mis-sized entry, E_NOT_FINITE for NaN or infinite values.
   */
  loadOptimizerState(state: Record<string, { data: ArrayLike<number> }>): void {
    this.net().resetSlots();
    this.parameters.forEach((p, i) => {
      for (const slot of [0, 1]) {
        const t = state[`${p.name}.opt${slot}`];
        if (!t) continue;
        const size = p.shape.reduce((a, b) => a * b, 1);
        if (t.data.length !== size) throw new GenConvNetError('E_CHECKPOINT', `Expected ${size} values for optimizer state ${p.name}.opt${slot} but received ${t.data.length}`);
        const data = Float32Array.from(t.data);
        assertFinite(data, `optimizer state ${p.name}.opt${slot}`);
        this.net().writeSlot(i, slot, data);
      }
    });
  }

  private index(name: string): number {
    const i = this.paramIndex.get(name);
    if (i === undefined) throw expected(`a parameter name (${[...this.paramIndex.keys()].join(', ')})`, 'parameter', name);
    return i;
  }

  /** A copy of a parameter's values, in PyTorch's layout. */
  getParameter(name: string): Float32Array {
    return this.net().readParam(this.index(name));
  }

  /** A copy of a parameter's gradient from the last backward. */
  getGradient(name: string): Float32Array {
    return this.net().readGrad(this.index(name));
  }

  /**
   * Overwrites a parameter.
   * @throws GenConvNetError E_SHAPE for a wrong length, E_NOT_FINITE for NaN or infinite values.
   */
  setParameter(name: string, data: Float32Array): void {
    const i = this.index(name);
    const size = this.parameters[i].shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== size)
      throw expected(`a Float32Array of ${size} values (shape [${this.parameters[i].shape.join(', ')}])`, name, data, 'E_SHAPE');
    assertFinite(data, name);
    this.net().writeParam(i, data);
  }

  /** All parameters by name. */
  stateDict(): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const p of this.parameters) out[p.name] = { shape: p.shape.slice(), data: this.getParameter(p.name) };
    return out;
  }

  /**
   * Loads parameters by name; every parameter must be present with its exact shape.
   * @throws GenConvNetError E_CHECKPOINT naming a missing, extra or mis-shaped tensor.
   */
  loadStateDict(state: Record<string, { shape: number[]; data: Float32Array }>): void {
    const extra = Object.keys(state).filter((k) => !this.paramIndex.has(k));
    if (extra.length) throw new GenConvNetError('E_CHECKPOINT', `Expected only this network's parameters but received unknown tensor(s) ${extra.join(', ')}`);
    for (const p of this.parameters) {
      const t = state[p.name];
      if (!t) throw new GenConvNetError('E_CHECKPOINT', `Expected tensor ${p.name} with shape [${p.shape.join(', ')}] but it is missing`);
      if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]))
        throw new GenConvNetError('E_CHECKPOINT', `Expected shape [${p.shape.join(', ')}] for tensor ${p.name} but received [${t.shape.join(', ')}]`);
    }
    for (const p of this.parameters) this.setParameter(p.name, state[p.name].data);
  }

  /**
   * Saves parameters, spec and preprocessing to a safetensors checkpoint (atomic write).
   * @throws GenConvNetError E_IO when the file cannot be written.
   */
  async save(path: string, options: { extra?: unknown } = {}): Promise<void> {
    await saveCheckpoint(this, path, options);
  }

  /**
   * Loads a network from a checkpoint.
   * @throws GenConvNetError E_CHECKPOINT for a bad file (truncated, not safetensors, tensors not matching the spec).
   */
  static async load(path: string, options: NetworkOptions = {}): Promise<Network> {
    return (await loadCheckpoint(path, options)).net;
  }

  /**
   * Writes the network as an ONNX model (opset 13, dropout omitted, class names and preprocessing in
   * metadata_props) atomically; ONNX Runtime gives the same logits as forward().
   * @throws GenConvNetError E_ONNX for a layer ONNX cannot express, E_IO when the file cannot be written.
   */
  async exportOnnx(path: string): Promise<void> {
    const { writeOnnx } = await import('./onnx/file');
    await writeOnnx(this, path);
  }

  /**
   * Builds a network from an ONNX file of a sequential ConvNet (see README, "ONNX").
   * @throws GenConvNetError E_ONNX naming the op, node and position the importer does not support, or why the file
   * is not an ONNX model; E_IO when it cannot be read. Nothing is built unless the whole graph translates.
   */
  static async fromOnnx(path: string, options: NetworkOptions = {}): Promise<Network> {
    const { importOnnx } = await import('./onnx/import');
    const m = await importOnnx(path);
    const net = Network.create(m.spec, { ...options, preprocessing: options.preprocessing ?? m.preprocessing });
    try {
      net.loadStateDict(m.weights);
    } catch (err) {
      net.dispose();
      throw err;
    }
    return net;
  }

  /**
   * Data parallelism (after initDistributed()): every rank takes rank 0's parameters and optimizer
   * state, and trainStep from now on sums the objective's statistics and the gradients over the
   * ranks (each rank passing its share of a global batch), with gradients reduced in buckets of
   * `bucketMB` while backward runs. `false` trains as one process again.
   * On the CUDA backend the gradients are summed between the GPUs by NCCL (loaded at run time).
   * @throws GenConvNetError E_DISTRIBUTED when MPI is not initialized, E_BACKEND on a CUDA net where NCCL
   *   cannot be loaded.
   */
  distribute(on = true, options: { bucketMB?: number } = {}): void {
    const mb = options.bucketMB ?? 1;
    if (!(mb > 0 && mb <= 1024)) throw expected('a bucket size in (0, 1024] MB', 'bucketMB', mb);
    if (on && distributed())
      this.parameters.forEach((_, i) => {
        const native = this.net();
        native.writeParam(i, broadcast(native.readParam(i)));
        for (const slot of [0, 1]) native.writeSlot(i, slot, broadcast(native.readSlot(i, slot)));
      });
    // attached whenever MPI is up, a world of one included (a single GPU then checks the NCCL path)
    this.net().setDistributed(on && mpiReady(), Math.round((mb * 2 ** 20) / 4));
  }

  /** Seconds the last distributed trainStep spent on communication (objective, gradient buckets, unoverlapped wait). */
  distTimes(): NativeDistTimes {
    return this.net().distTimes();
  }

  /** Reseeds dropout masks. */
  setSeed(seed: number): void {
    this.net().setSeed(seed);
  }

  /** Frees native memory; safe to call twice. Later calls throw E_DISPOSED. */
  dispose(): void {
    if (this.native) this.native.dispose();
    this.native = null;
  }
}

/**
 * Loads a network from a checkpoint written by saveCheckpoint (or by any tool following its layout),
 * with its metadata and the file's other tensors (e.g. optimizer state).
 * @throws GenConvNetError E_CHECKPOINT for a truncated file, a file that is not safetensors, missing
 * metadata, an invalid spec, or tensors that do not match the spec (naming which); E_IO when it
 * cannot be read; what Network.create throws for the options.
 */
export async function loadCheckpoint(
  path: string,
  options: NetworkOptions = {},
): Promise<{ net: Network; meta: CheckpointMeta; tensors: Record<string, { shape: number[]; data: ArrayLike<number> }> }> {
  const { meta, params, others } = await readCheckpoint(path, { maxBytes: options.maxBytes });
  const net = Network.create(meta.spec, { ...options, preprocessing: options.preprocessing ?? meta.preprocessing });
  try {
    net.loadStateDict(params);
  } catch (err) {
    net.dispose();
    if (err instanceof GenConvNetError && err.code === 'E_CHECKPOINT') throw new GenConvNetError('E_CHECKPOINT', `${err.message} (in ${path})`, { cause: err });
    throw err;
  }
  return { net, meta, tensors: others };
}
