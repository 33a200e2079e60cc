// test/helpers/child.ts — runs a script in a fresh Node process, for cases that could crash or hang
// the process (a crash must fail the test, not kill the ava worker). The script gets `lib`, the
// compiled library (dist/lib, or GCN_TEST_LIB to point the same test at another build).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const libDir = process.env.GCN_TEST_LIB ?? path.resolve(__dirname, '..', '..', 'lib');

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `body` (CommonJS, top-level await allowed inside `main`) with `lib` bound; node flags optional. */
export function runChild(body: string, options: { flags?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ChildResult {
  const script = `const lib = require(${JSON.stringify(path.join(libDir, 'index.js'))});\n` +
    `const native = require(${JSON.stringify(path.join(libDir, 'native.js'))}).loadNative();\n` +
    `(async () => {\n${body}\n})().then(() => process.exit(0), (e) => { console.log('REJECTED', e && e.code, e && e.message); process.exit(3); });`;
  const r = spawnSync(process.execPath, [...(options.flags ?? []), '-e', script], {
    encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, env: { ...process.env, ...options.env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
