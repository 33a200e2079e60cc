// lib/io/atomic.ts — the one way genconvnet writes a file: the bytes go to a temp file beside
// the target (`<path>.tmp-<pid>-<random>`), which is fsynced and renamed over it, then the
// directory is fsynced. A reader sees the old file or the complete new one, never a part. A temp
// file is removed on error, and one left by a killed process is removed by the next write or start.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GenConvNetError } from '../errors';

async function writeAll(handle: fsp.FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, 1 << 30));
    done += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Directories cannot be opened or fsynced on some platforms (Windows); the rename itself is done.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const TEMP = /\.tmp-(\d+)-[0-9a-f]{12}$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files of writeAtomic in `dir` (only those of `target`'s name when given) whose process
 * is gone: what a kill -9 during a write leaves behind. Best effort: never throws.
 */
export async function cleanStaleTemps(dir: string, target?: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || (target !== undefined && !name.startsWith(`${target}.tmp-`)) || alive(Number(m[1]))) continue;
    await fsp.rm(join(dir, name), { force: true }).then(() => removed.push(name), () => undefined);
  }
  return removed;
}

/**
 * Writes `chunks` (in order) to `path` atomically.
 * @throws GenConvNetError E_IO naming `what` and the file when writing fails, after removing the temp
 * file (an existing `path` is left as it was).
 */
export async function writeAtomic(path: string, chunks: Iterable<Uint8Array | string>, what = 'file'): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  await cleanStaleTemps(dirname(path), basename(path));
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    for (const c of chunks) await writeAll(handle, typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new GenConvNetError('E_IO', `Cannot write ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  await syncDir(dirname(path));
}

/** writeAtomic for one buffer or string. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await writeAtomic(file, [data]);
}
