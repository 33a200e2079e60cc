// lib/native.ts — the only place that loads the native addon (through node-gyp-build, which
// prefers a matching prebuild and falls back to build/Release). The binding's shape is typed
// once here; a load failure becomes one GenConvNetError that says what to do.
import * as path from 'node:path';
import { GenConvNetError } from './errors';

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

export interface NativeNet {
  readonly backend: string | null;
  forward(x: Float32Array, n: number, train: boolean): Promise<Float32Array>;
  backward(dscores: Float32Array): Promise<void>;
  nodeGrad(x: Float32Array, n: number, node: NativeNode): Promise<{ values: Float32Array; grad: Float32Array }>;
  sgdStep(lr: number, momentum: number, weightDecay: number): Promise<void>;
  adamStep(lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number): Promise<void>;
  readSlot(i: number, slot: number): Float32Array;
  writeSlot(i: number, slot: number, data: Float32Array): void;
  resetSlots(): void;
  params(): { name: string; shape: number[]; layer: number }[];
  readParam(i: number): Float32Array;
  writeParam(i: number, data: Float32Array): void;
  readGrad(i: number): Float32Array;
  setSeed(seed: number): void;
  dispose(): void;
}

export interface NativeBinding {
  NativeNet: new (layers: NativeLayer[], input: [number, number, number], backend: string, seed: number) => NativeNet;
  backends(): string[];
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
  /** Float64 forward (and backward) on the reference kernels, for gradient checks. */
  reference64(
    layers: NativeLayer[],
    input: [number, number, number],
    params: Float64Array[],
    x: Float64Array,
    n: number,
    options: { dscores?: Float64Array; node?: NativeNode; train?: boolean; seed?: number },
  ): { scores: Float64Array; paramGrads?: Float64Array[]; inputGrad?: Float64Array; nodeValues?: Float64Array };
}

let cached: NativeBinding | undefined;

/** Root of the installed package (where binding.gyp and prebuilds/ live). */
export const packageRoot = path.resolve(__dirname, '..', '..');

/**
 * Loads the addon once.
 * @throws GenConvNetError E_NATIVE_LOAD listing the places tried and how to build the addon.
 */
export function loadNative(): NativeBinding {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build') as (dir: string) => unknown;
    cached = load(packageRoot) as NativeBinding;
    return cached;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GenConvNetError(
      'E_NATIVE_LOAD',
      `Could not load the genconvnet native addon for ${process.platform}-${process.arch} (Node ${process.versions.node}, ` +
        `N-API ${process.versions.napi}). Tried a prebuild in ${path.join(packageRoot, 'prebuilds')} and a local build in ` +
        `${path.join(packageRoot, 'build', 'Release')}: ${reason.split('\n')[0]}. ` +
        'Build it from source with `npm rebuild genconvnet` (needs g++, make and python3; ' +
        'for the fast CPU backend also `apt-get install libdnnl-dev`).',
      { cause: err },
    );
  }
}
