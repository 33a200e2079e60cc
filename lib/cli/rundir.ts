// lib/cli/rundir.ts — run directories: a command that writes a run refuses an existing,
// non-empty directory unless --force (or --resume), so a run is never overwritten silently.
// --force starts clean: the files a run writes (log, model, leftover temp files) are removed
// first, so the new run's log and model never sit beside the old run's. Other files are kept.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { GenConvNetError } from '../errors';

/** Files a run directory's writers produce (train, demo, report); --force removes these only. */
const RUN_FILE = /^(log\.jsonl|model\.safetensors|report\.html|samples|.*\.tmp-\d+-[0-9a-f]{12})$/;

/**
 * Checks that `dir` may receive a new run, and with force empties it of a previous run's files.
 * @throws GenConvNetError E_IO when it exists with files and neither force nor resume is set, or is not a directory.
 */
export function checkRunDir(dir: string, options: { force?: boolean; resume?: boolean }): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new GenConvNetError('E_IO', `Expected a directory for the run but ${dir} is a file`);
  if (options.resume) {
    if (!existsSync(dir)) throw new GenConvNetError('E_IO', `Expected an existing run directory for --resume but ${dir} does not exist`);
    return;
  }
  if (!existsSync(dir) || readdirSync(dir).length === 0) return;
  if (!options.force)
    throw new GenConvNetError('E_IO', `Expected a new or empty output directory but ${dir} already holds a run; pass --force to overwrite it or --resume to continue it`);
  for (const name of readdirSync(dir)) {
    if (!RUN_FILE.test(name)) continue;
    try {
      rmSync(path.join(dir, name), { force: true, recursive: true });
    } catch (err) {
      throw new GenConvNetError('E_IO', `Cannot clear ${path.join(dir, name)} for --force: ${(err as Error).message}`, { cause: err });
    }
  }
}
