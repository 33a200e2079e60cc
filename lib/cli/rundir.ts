// lib/cli/rundir.ts — run directories: a command that writes a run refuses an existing,
// non-empty directory unless --force (or --resume), so a run is never overwritten silently.
import { existsSync, readdirSync } from 'node:fs';
import { GenConvNetError } from '../errors';

/**
 * Checks that `dir` may receive a new run.
 * @throws GenConvNetError E_IO when it exists with files and neither force nor resume is set.
 */
export function checkRunDir(dir: string, options: { force?: boolean; resume?: boolean }): void {
  if (options.resume) {
    if (!existsSync(dir)) throw new GenConvNetError('E_IO', `Expected an existing run directory for --resume but ${dir} does not exist`);
    return;
  }
  if (existsSync(dir) && readdirSync(dir).length > 0 && !options.force)
    throw new GenConvNetError('E_IO', `Expected a new or empty output directory but ${dir} already holds a run; pass --force to overwrite it or --resume to continue it`);
}
