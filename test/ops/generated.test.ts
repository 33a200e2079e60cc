// test/ops/generated.test.ts — the op list follows the op folders (scripts/gen-ops.js): list.h,
// registry.h and binding.gyp are up to date, and a new folder with an op.h and a reference.cc is
// all a new layer type needs on the native side (checked on a copy of the tree).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const script = path.join(root, 'scripts', 'gen-ops.js');

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('list.h, registry.h and binding.gyp match the op folders', (t) => {
  const r = run(['--check']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /8 layer ops .*Conv.*AvgPool.*; up to date/);
});

test('a new op folder is picked up: its kind appended to GCN_OPS, its op.h included, its kernels built', (t) => {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'gcn-ops-'));
  cpSync(path.join(root, 'native', 'ops'), path.join(copy, 'native', 'ops'), { recursive: true });
  cpSync(path.join(root, 'binding.gyp'), path.join(copy, 'binding.gyp'));
  const before = readFileSync(path.join(copy, 'native', 'ops', 'list.h'), 'utf8');
  mkdirSync(path.join(copy, 'native', 'ops', 'square'));
  writeFileSync(path.join(copy, 'native', 'ops', 'square', 'op.h'), '#pragma once\nnamespace gcn {\nstruct Square : OpDefaults {\n  static constexpr const char* name = "square";\n};\n}\n');
  writeFileSync(path.join(copy, 'native', 'ops', 'square', 'reference.cc'), '// kernels\n');
  const stale = run(['--check'], { GCN_OPS_ROOT: copy });
  t.is(stale.status, 1);
  t.regex(stale.stderr, /native\/ops\/list\.h, native\/ops\/registry\.h, binding\.gyp do not match .*Square.*npm run ops/);
  const r = run([], { GCN_OPS_ROOT: copy });
  t.is(r.status, 0, r.stderr);
  const list = readFileSync(path.join(copy, 'native', 'ops', 'list.h'), 'utf8');
  t.true(list.includes('X(Flatten) X(Square)'), 'appended after the existing kinds, whose order is kept');
  t.is(list.replace(' X(Square)', ''), before);
  t.regex(readFileSync(path.join(copy, 'native', 'ops', 'registry.h'), 'utf8'), /#include "relu\/op\.h"\n#include "square\/op\.h"\n/);
  const gyp = JSON.parse(readFileSync(path.join(copy, 'binding.gyp'), 'utf8'));
  t.true(gyp.targets[0].sources.includes('native/ops/square/reference.cc'));
  t.is(run(['--check'], { GCN_OPS_ROOT: copy }).status, 0);
});
