// lib/dist.ts — data parallelism over MPI (native/dist/): the world a process belongs to and the
// collectives the trainer and the sampler use outside the native training step. Open MPI is loaded
// at run time on the first initDistributed(), so single-process use never needs it. Every rank of a
// job must make the same calls in the same order; rank 0 alone writes files.
import { cudaStatus, setCudaOptions } from './backend';
import { GenConvNetError, expected } from './errors';
import { loadNative, type NativeWorld } from './native';

export type World = Readonly<NativeWorld>;

/** What a single process is: rank 0 of 1. */
export const SOLO: World = Object.freeze({ rank: 0, size: 1, localRank: 0, localSize: 1, threadLevel: 0, library: '', host: '' });

let current: World | null = null;

/** Environment variables that MPI launchers set in every rank (Open MPI's mpirun, PMIx, Slurm's srun with PMI). */
const LAUNCH_VARS = ['OMPI_COMM_WORLD_SIZE', 'PMIX_RANK', 'PMI_SIZE'];

/** True when this process was started by an MPI launcher (mpirun, srun --mpi=pmix, ...). */
export function launchedByMpi(env: NodeJS.ProcessEnv = process.env): boolean {
  return LAUNCH_VARS.some((v) => env[v] !== undefined);
}

export interface DistributedOptions {
  /** Seconds a collective may wait for the other ranks before the job is aborted (a rank died or hangs); 0 = never. Default 600. */
  timeout?: number;
}

/**
 * Initializes MPI for this process (once; later calls return the same world).
 * @throws GenConvNetError E_DISTRIBUTED when Open MPI cannot be loaded or lacks thread support;
 *   E_INVALID_ARGUMENT for a bad timeout.
 */
export function initDistributed(options: DistributedOptions = {}): World {
  if (current) return current;
  const timeout = options.timeout ?? 600;
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) throw expected('a number of seconds >= 0', 'timeout', timeout);
  current = Object.freeze(loadNative().mpi.init(timeout));
  // one GPU per rank on a machine: the local rank's (CUDA nets created from now on; NCCL between them)
  const cuda = cudaStatus();
  if (cuda.usable && cuda.deviceCount > 0 && cuda.defaultDevice < 0) setCudaOptions({ device: current.localRank % cuda.deviceCount });
  // a clean exit finalizes MPI; any other (an uncaught error, a crash) leaves it, so mpirun ends the job
  process.on('exit', (code) => code === 0 && finalizeDistributed());
  return current;
}

/** The world after initDistributed(), else a single process. */
export function world(): World {
  return current ?? SOLO;
}

/** True once initDistributed() ran (even as a single rank). */
export function mpiReady(): boolean {
  return current !== null;
}

/** True when MPI runs with more than one rank. */
export function distributed(): boolean {
  return current !== null && current.size > 1;
}

function mpi() {
  if (!current) throw new GenConvNetError('E_DISTRIBUTED', 'MPI is not initialized: call initDistributed() first');
  return loadNative().mpi;
}

/** Sums (or maxima of) `values` over every rank, in place; a no-op in a single process. */
export function allreduce<T extends Float64Array | Float32Array>(values: T, op: 'sum' | 'max' = 'sum'): T {
  if (distributed()) mpi().allreduce(values, op);
  return values;
}

/** Every rank's `values` (equal lengths), concatenated in rank order, on every rank. */
export function allgather(values: Float64Array): Float64Array;
export function allgather(values: Float32Array): Float32Array;
export function allgather(values: Float64Array | Float32Array): Float64Array | Float32Array {
  if (!distributed()) return values.slice();
  const bytes = mpi().allgather(values);
  return values instanceof Float64Array ? new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8) : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Every rank's `values` (equal lengths) in rank order on rank 0; null on the others. */
export function gatherToRoot(values: Float32Array): Float32Array | null {
  if (!distributed()) return values.slice();
  const bytes = mpi().gather(values, 0);
  return bytes && new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Rank 0's bytes into `buffer` on every rank (the same length everywhere). */
export function broadcast<T extends ArrayBufferView>(buffer: T): T {
  if (distributed()) mpi().broadcast(buffer, 0);
  return buffer;
}

/** A JSON value from rank 0 on every rank (its length first, then its bytes). */
function broadcastJson<T>(value: T): T {
  if (!distributed()) return value;
  const text = world().rank === 0 ? Buffer.from(JSON.stringify(value ?? null)) : Buffer.alloc(0);
  const len = broadcast(Float64Array.of(text.length));
  const out = world().rank === 0 ? text : Buffer.alloc(len[0]);
  broadcast(out);
  return JSON.parse(out.toString()) as T;
}

/**
 * Runs `f` on rank 0 and tells every rank how it went: the others throw the same error (its code and
 * message) when rank 0's failed, so a file-system step on rank 0 can stop the whole job cleanly.
 */
export async function onRoot<T>(f: () => Promise<T> | T): Promise<T | undefined> {
  if (!distributed()) return f();
  let result: T | undefined, failure: { code: string; message: string } | null = null, error: unknown;
  if (world().rank === 0)
    try {
      result = await f();
    } catch (err) {
      error = err;
      failure = { code: (err as { code?: string }).code ?? 'E_INTERNAL', message: (err as Error).message ?? String(err) };
    }
  const verdict = broadcastJson(failure);
  if (world().rank === 0 && error) throw error;
  if (verdict) throw new GenConvNetError(verdict.code as 'E_IO', `rank 0 failed: ${verdict.message}`);
  return result;
}

/** Rank r's share [start, end) of `count` items split into `size` contiguous parts. */
export function shareOf(count: number, rank: number, size: number): [number, number] {
  return [Math.floor((count * rank) / size), Math.floor((count * (rank + 1)) / size)];
}

/** Finalizes MPI (also done at exit); collectives cannot be used afterwards. */
export function finalizeDistributed(): void {
  if (current) loadNative().mpi.finalize();
}
