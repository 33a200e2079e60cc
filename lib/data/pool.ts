// lib/data/pool.ts — a fixed pool of loader workers (lib/data/loader_worker.ts) over one record source.
// A task goes to the least busy worker; every task's Promise settles (a result, the worker's error, the
// worker's failure or the pool's closing), so nothing waits forever. An idle pool keeps no process alive.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { GenConvNetError, type ErrorCode } from '../errors';
import type { WorkerSource, WorkerTask } from './loader_worker';

interface Pending {
  resolve: (x: unknown) => void;
  reject: (e: Error) => void;
  w: number;
}

type Reply = { id: number; result?: unknown; error?: { message: string; code?: string } };

/** How long close() waits for a worker to finish the image it is on before terminating it. */
const CLOSE_GRACE_MS = 60_000;

export class Pool {
  private workers: Worker[];
  private exited: Promise<void>[];
  private busy: number[];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(source: WorkerSource, count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(join(__dirname, 'loader_worker.js'), { workerData: source }));
    this.busy = this.workers.map(() => 0);
    this.exited = this.workers.map((w, i) => new Promise<void>((resolve) => w.once('exit', (code) => {
      if (!this.failure) this.fail(new GenConvNetError('E_DATA', `A data loader worker exited (code ${code})`), i);
      resolve();
    })));
    this.workers.forEach((w, i) => {
      w.on('message', (m: Reply) => this.settle(m));
      w.on('error', (e) => this.fail(new GenConvNetError('E_DATA', `A data loader worker failed: ${e.message}`, { cause: e }), i));
      w.unref();
    });
  }

  /** Tasks sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  private settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (--this.busy[p.w] === 0) this.workers[p.w]?.unref(); // an idle pool never keeps the process alive
    if (m.error) p.reject(new GenConvNetError((m.error.code as ErrorCode) ?? 'E_DATA', m.error.message));
    else p.resolve(m.result);
  }

  private fail(err: Error, w: number): void {
    this.failure = err;
    for (const [id, p] of this.pending) if (p.w === w) this.pending.delete(id), p.reject(err);
  }

  /**
   * Runs a task on the least busy worker.
   * @throws (rejects) GenConvNetError with the worker's code (E_DATA naming the file for unreadable data),
   * E_DATA when a worker failed, E_INTERNAL once the pool is closed
   */
  run<T>(task: WorkerTask): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const w = this.busy.indexOf(Math.min(...this.busy));
    const id = this.nextId++;
    if (this.busy[w]++ === 0) this.workers[w].ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (x: unknown) => void, reject, w });
      this.workers[w].postMessage({ id, ...task });
    });
  }

  /**
   * Maps `items` through `task` with at most two tasks per worker in flight (bounded messages and memory).
   * @throws (rejects) as {@link run}
   */
  async map<I, T>(items: I[], task: (item: I) => WorkerTask): Promise<T[]> {
    const out: T[] = new Array(items.length);
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await this.run<T>(task(items[k]));
      }
    };
    await Promise.all(Array.from({ length: Math.min(items.length, 2 * this.workers.length) }, lane));
    return out;
  }

  /** Rejects what is pending, lets each worker finish the image it is on, and ends them; idempotent. */
  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    const closed = new GenConvNetError('E_INTERNAL', 'the data loader was closed');
    this.failure ??= closed;
    for (const p of this.pending.values()) p.reject(closed);
    this.pending.clear();
    await Promise.all(workers.map(async (w, i) => {
      w.ref(); // the process waits for a clean exit (terminating a worker inside libvips can crash it)
      w.postMessage('close');
      const grace = setTimeout(() => void w.terminate(), CLOSE_GRACE_MS);
      await this.exited[i];
      clearTimeout(grace);
    }));
  }
}
