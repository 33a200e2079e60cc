// lib/native.ts — the only place that loads the native addon (once): exactly the file
// GENCONVNET_ADDON names when it is set (the sanitizer build; nothing else is tried), else the first
// that loads of build/Release/genconvnet.node (a local node-gyp or CMake build) and the .node files
// in prebuilds/<platform>-<arch>/ (the package's prebuild). The binding's shape is typed once here,
// CUDA functions included, and every call goes through a wrapper: a native failure becomes a
// GenConvNetError with its stable code and the caller's JavaScript stack (as sharp's nativeError
// does); a load failure becomes one GenConvNetError that says what to do.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, GenConvNetError, type ErrorCode } from './errors';

/** A layer as the native engine receives it: normalized, validated, JSON-serializable. */
export interface NativeLayer {
  type: string;
  name: string;
  [field: string]: number | string | boolean;
}

export interface NativeNode {
  layer: number;
  channel: number;
  y: number;
  x: number;
  mean: boolean;
}

/** The optimizer of a fused training step, as the engine receives it (validated in lib/train/step.ts). */
export interface NativeOptimizer {
  kind: 'sgd' | 'adam';
  lr: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  decoupled?: boolean;
  step?: number;
}

/** Per-batch scalars of a fused training step or a batch evaluation. */
export interface NativeBatchStats {
  crossEntropy: number;
  ggLogLik: number;
  labelled: number;
  correct: number;
  /** evaluate only: labelled rows whose label ranks among the 5 top scores. */
  top5: number;
  /** false when a score or the loss was not finite (trainStep then made no update). */
  finite: boolean;
  scores?: Float32Array;
}

/** How a chain step starts its momenta: fresh Philox draws, kept, negated, or zero (gradient ascent). */
export const enum MomentaMode { Fresh = 0, Keep = 1, Negate = 2, Ascent = 3 }

/** Per-chain scalars of one native HMC iteration (native/engine/chains.h). */
export interface ChainStepResult {
  value: Float32Array;
  ii: Float64Array;
  pp0: Float64Array;
  pp: Float64Array;
  diverged: Uint8Array;
}

/** A batch of chains kept in the backend's memory (NativeNet.newChains). */
export interface NativeChains {
  start(images: Float32Array): Promise<{ value: Float32Array; ii: Float64Array }>;
  step(
    accept: Uint8Array | null,
    accumulate: boolean,
    options: { L: number; momenta: MomentaMode; seed: number; iteration: number; invSigma2: number },
    eps: Float32Array,
    invT: Float32Array,
    perm?: Int32Array | null,
    invS2?: Float32Array | null,
  ): Promise<ChainStepResult>;
  settle(accept: Uint8Array | null, accumulate: boolean, perm?: Int32Array | null): void;
  /** 0: the state, 1: the running sum of settled states, 2: the momenta; (chains, D). */
  read(what: 0 | 1 | 2): Float32Array;
  writeMomenta(p: Float32Array): void;
  /** Chain c draws its momenta from Philox stream ids[c] (default c): a rank's chains keep their global numbers. */
  setStreams(ids: Uint32Array): void;
  clearSum(): void;
  dispose(): void;
}

export interface NativeNet {
  readonly backend: string | null;
  forward(x: Float32Array, n: number, train: boolean): Promise<Float32Array>;
  backward(dscores: Float32Array): Promise<void>;
  nodeGrad(x: Float32Array, n: number, node: NativeNode | NativeNode[]): Promise<{ values: Float32Array; grad: Float32Array }>;
  trainStep(x: Float32Array, labels: Int32Array, n: number, lambda: number, optimizer: NativeOptimizer, wantScores: boolean): Promise<NativeBatchStats>;
  evaluate(x: Float32Array, labels: Int32Array, n: number): Promise<NativeBatchStats>;
  newChains(nodes: NativeNode[], chains: number): NativeChains;
  sgdStep(lr: number, momentum: number, weightDecay: number): Promise<void>;
  adamStep(lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number): Promise<void>;
  readSlot(i: number, slot: number): Float32Array;
  writeSlot(i: number, slot: number, data: Float32Array): void;
  resetSlots(): void;
  params(): { name: string; shape: number[]; layer: number }[];
  readParam(i: number): Float32Array;
  /** Writes all of parameter i, or data.length values of it from `offset`. */
  writeParam(i: number, data: Float32Array, offset?: number): void;
  readGrad(i: number): Float32Array;
  setSeed(seed: number): void;
  /** Data parallelism (native/dist/): trainStep reduces the objective and the gradients over MPI's world, in buckets of `bucketFloats`. */
  setDistributed(on: boolean, bucketFloats: number): void;
  /** Communication seconds of the last distributed trainStep. */
  distTimes(): NativeDistTimes;
  dispose(): void;
}

export interface NativeDistTimes {
  objective: number;
  gradients: number;
  wait: number;
  buckets: number;
  bytes: number;
}

/** MPI as the process sees it after init (native/dist/mpi.h). */
export interface NativeWorld {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  /** MPI_THREAD_* provided: 2 serialized, 3 multiple. */
  threadLevel: number;
  library: string;
  host: string;
}

/** The blocking MPI collectives of the addon (native/binding/dist.cc); every rank makes the same calls. */
export interface NativeMpi {
  /** Loads Open MPI and initializes it (once); `timeout` seconds bound every collective's wait (0: none). */
  init(timeout: number): NativeWorld;
  allreduce(values: Float64Array | Float32Array, op: 'sum' | 'max'): void;
  allgather(send: ArrayBufferView): Uint8Array;
  gather(send: ArrayBufferView, root: number): Uint8Array | null;
  broadcast(buffer: ArrayBufferView, root: number): void;
  finalize(): void;
}

/** One run-time library of the CUDA backend: what was looked for, where, and what loaded. */
export interface CudaLibrarySearch {
  /** 'the NVIDIA driver', 'cuDNN' or 'cuBLAS'. */
  name: string;
  /** The variable that names the file instead ('' for the driver). */
  envVar: string;
  /** The file names looked for, preferred first. */
  files: string[];
  /** Where, in order: folders, and the dynamic loader's own path. */
  places: string[];
  /** Files that exist but did not load, each with the reason. */
  errors: string[];
  /** The file that loaded, '' when none did. */
  loaded: string;
}

/** What a CUDA build's probe saw (native/binding/cuda.cc). */
export interface NativeCudaStatus {
  usable: boolean;
  reason: string;
  device: string;
  computeCapability: number;
  runtimeVersion: number;
  driverVersion: number;
  cudnnVersion: number;
  cudnnPath: string;
  cublasPath: string;
  tf32: boolean;
  /** Visible CUDA devices, and the one new nets use (-1: device 0). */
  deviceCount: number;
  defaultDevice: number;
  libraries: CudaLibrarySearch[];
}

export interface NativeBinding {
  NativeNet: new (layers: NativeLayer[], input: [number, number, number], backend: string, seed: number) => NativeNet;
  backends(): string[];
  mpi: NativeMpi;
  /** Debug: JS -> native crossings so far (native/binding/crossings.h); tests count calls per step. */
  debugCrossings(): number;
  /** Debug: whether 5x5 convolutions run by Winograd on the oneDNN backend here (an AVX-512 CPU),
   * the Winograd passes run so far and their wall time (native/ops/conv/winograd.h); tests check
   * the path is taken, bench/profile.ts reports the time. */
  debugWinograd(): { available: boolean; passes: number; forwardSeconds: number; backwardSeconds: number };
  /** CUDA builds only: whether the backend can run here and where its libraries were looked for. */
  cudaStatus?: () => NativeCudaStatus;
  /** CUDA builds only: defaults of nets created afterwards (TF32 tensor-core math). */
  cudaSetOptions?(options: { tf32?: boolean; device?: number }): void;
  /** CUDA builds only: the same two kernels run on the GPU (host arrays in and out). */
  cudaObjective?: NativeBinding['objective'];
  cudaLeapfrog?: NativeBinding['leapfrog'];
  /** The fused leapfrog pass, in place on images and momenta; per-chain |p|^2 and |I|^2. */
  leapfrog(
    images: Float32Array,
    momenta: Float32Array,
    gradF: Float32Array,
    chains: number,
    kick: number,
    drift: number,
    invT: number,
    invSigma2: number,
  ): { pp: Float64Array; ii: Float64Array };
  /** The fused DG/GG objective: the loss gradient dL/dF and the scalar objectives. */
  objective(
    scores: Float32Array,
    labels: Int32Array,
    classes: number,
    lambda: number,
  ): { grad: Float32Array; crossEntropy: number; ggLogLik: number; labelled: number; correct: number };
}

let cached: NativeBinding | undefined;

/** Root of the installed package (where binding.gyp and prebuilds/ live). */
export const packageRoot = path.resolve(__dirname, '..', '..');

const CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);

/**
 * A native failure as a GenConvNetError: its code kept (E_INTERNAL when it has none we know), the
 * message it carried, and the stack of the JavaScript call that led to it.
 */
export function nativeError(err: unknown, callerStack: string | undefined, call: string): GenConvNetError {
  if (err instanceof GenConvNetError) return err;
  const raw = err as { code?: unknown; message?: unknown } | null;
  const code = typeof raw?.code === 'string' && CODES.has(raw.code) ? (raw.code as ErrorCode) : 'E_INTERNAL';
  const text = typeof raw?.message === 'string' ? raw.message : String(err);
  const message = code === 'E_INTERNAL' && !/^Expected /.test(text) ? `Expected ${call} to succeed but received a native failure: ${text}` : text;
  const out = new GenConvNetError(code, message, { cause: err });
  if (callerStack) out.stack = `${out.name}: ${message}\n${callerStack.split('\n').slice(1).join('\n')}`;
  return out;
}

type AnyFn = (...args: never[]) => unknown;

/** Wraps one binding function: sync throws and async rejections both become nativeError()s. */
function wrapCall<F extends AnyFn>(fn: F, call: string): F {
  const wrapped = function (this: unknown, ...args: Parameters<F>): unknown {
    const caller: { stack?: string } = {};
    Error.captureStackTrace(caller, wrapped);
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (err) {
      throw nativeError(err, caller.stack, call);
    }
    if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(nativeError(err, caller.stack, call)));
    return result;
  };
  return wrapped as unknown as F;
}

/** A NativeNet whose methods are wrapped (wrappers made once per method name). */
function wrapNet(net: NativeNet): NativeNet {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(net, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!cache.has(key)) cache.set(key, wrapCall((value as AnyFn).bind(target), `NativeNet.${String(key)}`));
      return cache.get(key);
    },
  });
}

/** The binding with every function and the NativeNet class wrapped. */
function wrapBinding(raw: NativeBinding): NativeBinding {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'NativeNet') continue;
    if (typeof value === 'object' && value !== null) // a namespace of functions (mpi)
      out[key] = Object.fromEntries(Object.entries(value).map(([k, f]) => [k, typeof f === 'function' ? wrapCall(f as AnyFn, `${key}.${k}`) : f]));
    else out[key] = typeof value === 'function' ? wrapCall(value as AnyFn, key) : value;
  }
  const Raw = raw.NativeNet;
  // called with `new`, the wrapper returns the wrapped net, which `new` then yields
  out.NativeNet = wrapCall((...args: ConstructorParameters<typeof Raw>) => wrapNet(new Raw(...args)), 'new NativeNet');
  return out as unknown as NativeBinding;
}

/** Tries one candidate addon file; returns the binding or the reason it did not load. */
function tryLoad(file: string): NativeBinding | string {
  if (!existsSync(file)) return 'not found';
  try {
    return wrapBinding(require(file) as NativeBinding);
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }
}

/**
 * Loads the addon from a package root: build/Release/genconvnet.node first, then each .node file in
 * prebuilds/<platform>-<arch>/; the first that loads is returned.
 * @throws GenConvNetError E_NATIVE_LOAD listing every place tried and why it failed, and what to do.
 */
export function loadNativeFrom(root: string): NativeBinding {
  const tag = `${process.platform}-${process.arch}`;
  const prebuildDir = path.join(root, 'prebuilds', tag);
  const prebuilds = existsSync(prebuildDir) ? readdirSync(prebuildDir).filter((f) => f.endsWith('.node')).map((f) => path.join(prebuildDir, f)) : [];
  const candidates = [path.join(root, 'build', 'Release', 'genconvnet.node'), ...(prebuilds.length ? prebuilds : [path.join(prebuildDir, '<name>.node')])];
  const causes: string[] = [];
  for (const file of candidates) {
    const r = tryLoad(file);
    if (typeof r !== 'string') return r;
    causes.push(`  - ${file}: ${r}`);
  }
  throw new GenConvNetError(
    'E_NATIVE_LOAD',
    `Could not load the genconvnet native addon for ${tag} (Node ${process.versions.node}, N-API ${process.versions.napi}). Tried:\n${causes.join('\n')}\n` +
      'Build it from source with `npm rebuild genconvnet` (needs g++, make and python3: `apt-get install -y g++ make python3`; ' +
      'for the fast CPU backend also `apt-get install -y libdnnl-dev`). A missing shared library in a prebuild means the package was installed incompletely: reinstall it.',
  );
}

/**
 * Loads the addon once: the file GENCONVNET_ADDON names when set, else loadNativeFrom(packageRoot).
 * @throws GenConvNetError E_NATIVE_LOAD naming the GENCONVNET_ADDON file and why it did not load, or
 * listing every place loadNativeFrom tried and how to build the addon.
 */
export function loadNative(): NativeBinding {
  if (!cached) cached = process.env.GENCONVNET_ADDON ? loadAddonFile(process.env.GENCONVNET_ADDON) : loadNativeFrom(packageRoot);
  return cached;
}

/**
 * Loads one given addon file (GENCONVNET_ADDON: e.g. the sanitizer build, scripts/build-sanitize.sh).
 * @throws GenConvNetError E_NATIVE_LOAD naming the file and why it did not load.
 */
function loadAddonFile(file: string): NativeBinding {
  const r = tryLoad(path.resolve(file));
  if (typeof r !== 'string') return r;
  throw new GenConvNetError('E_NATIVE_LOAD', `Could not load the genconvnet addon named by GENCONVNET_ADDON (${file}): ${r}`);
}
