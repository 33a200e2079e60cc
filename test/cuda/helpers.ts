// test/cuda/helpers.ts — shared by the CUDA tests: whether the CUDA backend can run here (skips go
// through test/helpers/skip.ts), the native hooks typed once (lib/native.ts), twin networks
// (cuda and reference with the same parameters); the comparison rule is test/helpers/compare.ts.
import { type ImplementationFn } from 'ava';
import { backendTest } from '../helpers/skip';
import { loadNative, type NativeBinding } from '../../lib/native';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import type { NetSpec } from '../../lib/spec';

/** The module functions a CUDA build adds (native/binding/cuda.cc), all present. */
export type CudaHooks = Required<Pick<NativeBinding, 'cudaStatus' | 'cudaSetOptions' | 'cudaObjective' | 'cudaLeapfrog'>>;

/** The CUDA hooks; only call in a cudaTest (where the CUDA backend can run). */
export function hooks(): CudaHooks {
  const n = loadNative();
  if (!n.cudaStatus || !n.cudaSetOptions || !n.cudaObjective || !n.cudaLeapfrog) throw new Error('hooks() called without a CUDA build');
  return { cudaStatus: n.cudaStatus, cudaSetOptions: n.cudaSetOptions, cudaObjective: n.cudaObjective, cudaLeapfrog: n.cudaLeapfrog };
}

/** Registers a CUDA test, or the same test as skipped when the backend cannot run here (and says why once). */
export function cudaTest(title: string, fn: ImplementationFn<[]>): void {
  backendTest('cuda', title, fn);
}

/**
 * A cuda network and a reference network with the cuda one's parameters copied across. Both get the
 * same seed, which also seeds their dropout masks.
 */
export function twins(spec: NetSpec, seed = 5): { gpu: Network; ref: Network; dispose: () => void } {
  const gpu = Network.create(spec, { backend: 'cuda', seed });
  const ref = Network.create(spec, { backend: 'reference', seed });
  for (const p of gpu.parameters) ref.setParameter(p.name, gpu.getParameter(p.name));
  return { gpu, ref, dispose: () => (gpu.dispose(), ref.dispose()) };
}

export function randomInput(net: Network, n: number, seed = 3, scale = 1): Float32Array {
  const per = net.inputShape.reduce((a, b) => a * b, 1);
  return new Rng(seed).fillNormal(new Float32Array(n * per), 0, scale) as Float32Array;
}

export function randomArray(length: number, seed: number, scale = 1): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(length), 0, scale) as Float32Array;
}
