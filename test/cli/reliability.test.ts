// test/cli/reliability.test.ts — the command line never starts an absurd run nor prints an untagged
// error: numbers have ranges with upper bounds (#12 case 6), every failure prints one line with its
// [E_…] code (case 14: native codes, file-system errors), and --force starts a clean run directory.
import test from 'ava';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asGenConvNetError, errorLine } from '../../lib/cli/errors';
import { GenConvNetError } from '../../lib/errors';
import { genconvnet } from '../helpers/cli';



test('case 6: sample --steps 1e12, --warmup 1e9 and other absurd numbers are refused', async (t) => {
  for (const args of [
    ['sample', 'm.safetensors', '-n', 'fc2:1', '--steps', '1e12'],
    ['sample', 'm.safetensors', '-n', 'fc2:1', '--warmup', '1000000000'],
    ['sample', 'm.safetensors', '-n', 'fc2:1', '--chains', '1e9'],
    ['sample', 'm.safetensors', '-n', 'fc2:1', '--leapfrog', '2.5'],
    ['train', '--batch', '0x10'],
    ['train', '--max-steps-per-epoch', '0'],
    ['train', '--lr', '1e6'],
    ['train', '--seed', '99999999999'],
    ['demo', '--steps', 'Infinity'],
  ]) {
    const r = await genconvnet(...args);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, /Expected (an integer|a number) in [[(]/, args.join(' '));
  }
});

test('case 14: every failure prints one tagged line', (t) => {
  const busy = Object.assign(new Error('this network is running another call; await it first'), { code: 'E_BUSY' });
  t.is(errorLine(busy), 'genconvnet: error [E_BUSY]: this network is running another call; await it first\n');
  t.true(asGenConvNetError(busy) instanceof GenConvNetError);
  const fsErr = Object.assign(new Error("EROFS: read-only file system, open 'x'"), { code: 'EROFS', syscall: 'open' });
  t.regex(errorLine(fsErr), /^genconvnet: error \[E_IO\]: EROFS/);
  t.regex(errorLine(new TypeError('x is not a function')), /^genconvnet: error \[E_INTERNAL\]/);
});

test('case 14: a run directory that cannot be made gives [E_IO], not a raw ENOTDIR', async (t) => {
  const r = await genconvnet('train', '--out', '/dev/null/run', '--max-steps-per-epoch', '1', '--phases', 'dg:1');
  t.is(r.code, 1);
  t.regex(r.stderr, /^genconvnet: error \[E_IO\]: Cannot create the run directory \/dev\/null\/run/);
});

test('case 14: --force starts a clean run directory (no old log lines, no old model, no temp files)', async (t) => {
  const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-cli-force-'));
  await fsp.writeFile(path.join(out, 'log.jsonl'), '{"type":"start","old":true}\n');
  await fsp.writeFile(path.join(out, 'model.safetensors'), 'old model');
  await fsp.writeFile(path.join(out, 'model.safetensors.tmp-999999-0123456789ab'), 'partial');
  await fsp.writeFile(path.join(out, 'notes.txt'), 'mine');
  const refused = await genconvnet('train', '--out', out, '--phases', 'dg:1', '--max-steps-per-epoch', '1');
  t.regex(refused.stderr, /\[E_IO\].*--force/);
  const r = await genconvnet('train', '--out', out, '--force', '--phases', 'gg:1', '--max-steps-per-epoch', '1', '--batch', '8');
  t.is(r.code, 0, r.stderr);
  const log = (await fsp.readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.false(log.some((e) => e.old));
  t.is(log.filter((e) => e.type === 'start').length, 1);
  t.deepEqual((await fsp.readdir(out)).sort(), ['log.jsonl', 'model.safetensors', 'notes.txt']);
});
