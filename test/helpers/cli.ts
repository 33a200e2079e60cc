// test/helpers/cli.ts — runs the built `genconvnet` command line as a user would (a child node
// process on dist/lib/cli/main.js, quiet progress) and returns its exit code and output, never throws.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js');

/** `genconvnet ...args`: exit code (-1 when killed), stdout and stderr. */
export async function genconvnet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env, GENCONVNET_QUIET: '1' }, maxBuffer: 1 << 24, timeout: 600_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
