// test/cuda/helpers.ts — shared by the CUDA tests: whether the CUDA backend can run here (when it
// cannot, every CUDA test is registered as skipped and one passing test logs why), the native
// hooks cudaObjective/cudaLeapfrog typed once, twin networks (cuda and reference with the same
// parameters) and the comparison rule of the house, |got - want| <= atol + rtol * |want|.
import test, { type ExecutionContext, type ImplementationFn } from 'ava';
import { availableBackends, cudaStatus } from '../../lib/backend';
import { loadNative, type NativeBinding } from '../../lib/native';
import { Network } from '../../lib/network';
import { Rng } from '../../lib/rng';
import type { NetSpec } from '../../lib/spec';

/** The module functions a CUDA build adds (native/backends/cuda_napi.cc), all present. */
export type CudaHooks = Required<Pick<NativeBinding, 'cudaStatus' | 'cudaSetOptions' | 'cudaObjective' | 'cudaLeapfrog'>>;

function availability(): { ok: boolean; reason: string } {
  if (availableBackends().includes('cuda')) return { ok: true, reason: '' };
  const status = cudaStatus();
  if (!status) return { ok: false, reason: 'this build has no CUDA backend (build it with `npm run build:cuda`)' };
  return { ok: false, reason: status.reason };
}

export const cuda = availability();

/** The CUDA hooks; only call when cuda.ok. */
export function hooks(): CudaHooks {
  const n = loadNative();
  if (!n.cudaStatus || !n.cudaSetOptions || !n.cudaObjective || !n.cudaLeapfrog) throw new Error('hooks() called without a CUDA build');
  return { cudaStatus: n.cudaStatus, cudaSetOptions: n.cudaSetOptions, cudaObjective: n.cudaObjective, cudaLeapfrog: n.cudaLeapfrog };
}

/** Registers a CUDA test, or the same test as skipped when the backend cannot run here. */
export function cudaTest(title: string, fn: ImplementationFn<[]>): void {
  if (cuda.ok) test(title, fn);
  else test.skip(title, fn);
}

/** One passing test per file that says why its CUDA tests were skipped. */
export function reportSkipped(file: string): void {
  if (cuda.ok) return;
  test(`${file}: CUDA tests skipped`, (t) => {
    t.log(`skipped: ${cuda.reason}`);
    t.pass();
  });
}

/** Asserts |got - want| <= atol + rtol * |want| everywhere, with atol = atolFrac * max |want|; reports the worst element. */
export function close(t: ExecutionContext, got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-4, atolFrac = 1e-5): boolean {
  if (got.length !== want.length) {
    t.fail(`${what}: ${got.length} values, expected ${want.length}`);
    return false;
  }
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const atol = atolFrac * (scale || 1);
  let worst = -1, excess = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]), bound = atol + rtol * Math.abs(want[i]);
    if (!(d <= bound) && (worst < 0 || d - bound > excess)) (worst = i), (excess = d - bound);
  }
  if (worst >= 0) t.fail(`${what}: element ${worst} is ${got[worst]}, reference ${want[worst]} (max |ref| ${scale})`);
  else t.pass();
  return worst < 0;
}

/** ‖got − want‖ / ‖want‖ (a whole-tensor error that tolerates a rare flipped max-pool choice). */
export function relL2(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) (num += (got[i] - want[i]) ** 2), (den += want[i] ** 2);
  return Math.sqrt(num / (den || 1));
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
