// lib/backend.ts — choosing a backend at run time: `device` ('auto' | 'cpu' | 'cuda'), an
// explicit `backend`, or the GENCONVNET_BACKEND override. A machine without the fast CPU
// backend gets a one-line notice (once per process) saying how to get it.
import { GenConvNetError, expected } from './errors';
import { type NativeCudaStatus, loadNative } from './native';

export type Device = 'auto' | 'cpu' | 'cuda';
export type BackendName = 'reference' | 'onednn' | 'cuda';

let noticed = false;

/** The CUDA backend's state: compiled into the loaded addon or not, usable here or why not. */
export interface CudaStatus extends NativeCudaStatus {
  /** Whether the loaded addon has the CUDA backend at all. */
  compiled: boolean;
}

const notCompiled = 'this build has no CUDA backend; build it with `npm run build:cuda` on a machine with a GPU';

/**
 * Whether the CUDA backend can run here, and if not why: the driver, a device, cuDNN or cuBLAS
 * missing. `libraries` lists each run-time library with the places it was looked for, in order,
 * the files that exist but failed to load, and the file that loaded.
 * @throws GenConvNetError E_NATIVE_LOAD when the addon itself cannot be loaded.
 */
export function cudaStatus(): CudaStatus {
  const status = loadNative().cudaStatus?.();
  if (status) return { compiled: true, ...status };
  return {
    compiled: false, usable: false, reason: notCompiled, device: '', computeCapability: 0, runtimeVersion: 0,
    driverVersion: 0, cudnnVersion: 0, cudnnPath: '', cublasPath: '', tf32: false, deviceCount: 0, defaultDevice: -1, libraries: [],
  };
}

/**
 * Sets the CUDA backend's defaults for networks created afterwards: `tf32` allows TF32 tensor-core
 * math in convolutions and matrix products (faster, ~1e-3 relative error); `device` picks the GPU
 * (an index among the visible ones; data-parallel training sets it to the local rank).
 * @throws GenConvNetError E_BACKEND when this build has no CUDA backend; E_INVALID_ARGUMENT for a non-boolean
 *   tf32 or a device that is not a non-negative integer.
 */
export function setCudaOptions(options: { tf32?: boolean; device?: number }): void {
  const native = loadNative();
  if (!native.cudaSetOptions) throw new GenConvNetError('E_BACKEND', `Expected a build with the CUDA backend for setCudaOptions but received one without it; ${cudaMissing()}`);
  if (options?.tf32 !== undefined && typeof options.tf32 !== 'boolean') throw expected('a boolean', 'tf32', options.tf32);
  if (options?.device !== undefined && !(Number.isInteger(options.device) && options.device >= 0 && options.device < 1024)) throw expected('a device index >= 0', 'device', options.device);
  native.cudaSetOptions({ tf32: options.tf32, device: options.device });
}

/** Why the CUDA backend is not available: not in this build, or the piece this machine lacks. */
function cudaMissing(): string {
  const status = cudaStatus();
  return status.compiled ? `the CUDA backend cannot run here: ${status.reason}` : notCompiled;
}

/** Backends compiled into the loaded addon, best first. */
export function availableBackends(): BackendName[] {
  return loadNative().backends() as BackendName[];
}

/**
 * Picks the backend for a device request.
 * @throws GenConvNetError E_BACKEND when the requested backend or device is not available, saying why.
 */
export function resolveBackend(device: Device = 'auto', backend?: BackendName): BackendName {
  if (!['auto', 'cpu', 'cuda'].includes(device)) throw expected("'auto', 'cpu' or 'cuda'", 'device', device);
  const have = availableBackends();
  const wanted = backend ?? (process.env.GENCONVNET_BACKEND as BackendName | undefined) ?? undefined;
  if (wanted) {
    if (!have.includes(wanted))
      throw new GenConvNetError('E_BACKEND', `Expected one of the compiled backends (${have.join(', ')}) for backend but received ${JSON.stringify(wanted)}` +
        (wanted === 'onednn' ? '; install libdnnl-dev and run `npm rebuild genconvnet`' : '') +
        (wanted === 'cuda' ? `; ${cudaMissing()}` : ''));
    return wanted;
  }
  if (device === 'cuda') {
    if (have.includes('cuda')) return 'cuda';
    throw new GenConvNetError('E_BACKEND', `device 'cuda' was requested but ${cudaMissing()}; or use device 'auto'`);
  }
  const cpu = have.filter((b) => b !== 'cuda');
  const best = device === 'auto' && have.includes('cuda') ? 'cuda' : cpu[0];
  if (best === 'reference' && !noticed && !process.env.GENCONVNET_QUIET) {
    noticed = true;
    process.stderr.write('genconvnet: using the slow reference backend; for the fast one: apt-get install libdnnl-dev && npm rebuild genconvnet\n');
  }
  return best;
}
