// lib/io/regular.ts — reading input files safely: only regular files are read (a FIFO, socket or
// device would block or never end). The file is opened non-blocking and checked with fstat on the
// open descriptor, so there is no window between the check and the read.
import { closeSync, constants, fstatSync, openSync, promises as fsp, readFileSync } from 'node:fs';

/** Why a path cannot be read as a regular file, or undefined when it can. */
function kindOf(stat: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** An Error like fs's, with a code, for a path that is not a regular file. */
function notRegular(path: string, kind: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${path} is ${kind}; only regular files are read`);
  err.code = 'ENOTREG';
  return err;
}

const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a whole regular file synchronously.
 * @throws NodeJS.ErrnoException from fs (ENOENT, EACCES, …) or with code ENOTREG for a FIFO, socket,
 * directory or device; callers wrap it in their own GenConvNetError.
 */
export function readRegularFileSync(path: string): Buffer {
  const fd = openSync(path, FLAGS);
  try {
    const kind = kindOf(fstatSync(fd));
    if (kind) throw notRegular(path, kind);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a whole regular file.
 * @throws NodeJS.ErrnoException as {@link readRegularFileSync}.
 */
export async function readRegularFile(path: string): Promise<Buffer> {
  const handle = await fsp.open(path, FLAGS);
  try {
    const kind = kindOf(await handle.stat());
    if (kind) throw notRegular(path, kind);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
