// test/package/install.test.ts — what a user sees when the addon cannot be had: the loader lists
// every place it tried and why, and the install script, when no prebuild matches and the build
// from source fails, names what is missing and the command that installs it. (The packed
// tarball itself is tested by scripts/pack-test.sh in CI: npm run test:package.)
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNativeFrom } from '../../lib/native';

const root = path.resolve(__dirname, '..', '..', '..');

test('the loader lists the causes it tried', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-load-'));
  const err = t.throws(() => loadNativeFrom(dir), { code: 'E_NATIVE_LOAD' } as never);
  t.regex(err!.message, /build\/Release\/genconvnet\.node: not found/);
  t.regex(err!.message, new RegExp(`prebuilds/${process.platform}-${process.arch}/<name>\\.node: not found`));
  t.regex(err!.message, /npm rebuild genconvnet/);
  const pre = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
  await fsp.mkdir(pre, { recursive: true });
  await fsp.writeFile(path.join(pre, 'genconvnet.node'), 'not an ELF file');
  const broken = t.throws(() => loadNativeFrom(dir));
  t.regex(broken!.message, /genconvnet\.node: .*(invalid ELF header|too short)/);
});

test('install: no prebuild and no compiler gives the missing tools and the command', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-install-'));
  for (const f of ['package.json', 'binding.gyp', 'scripts/install.js']) {
    await fsp.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await fsp.copyFile(path.join(root, f), path.join(dir, f));
  }
  await fsp.symlink(path.join(root, 'native'), path.join(dir, 'native'));
  await fsp.symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  // only node itself on the PATH: no g++, make or python3
  const bin = path.join(dir, 'bin');
  await fsp.mkdir(bin);
  await fsp.symlink(process.execPath, path.join(bin, 'node'));
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: bin, HOME: dir, npm_config_node_gyp: path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js') },
  });
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stderr, /no prebuilt binary matches linux-x64.*building from source failed/);
  t.regex(r.stderr, /Missing: g\+\+, make, python3\. Install them with:\s+sudo apt-get install -y g\+\+ make python3/);
  t.regex(r.stderr, /npm rebuild genconvnet/);
});
