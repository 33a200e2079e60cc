#!/usr/bin/env node
// scripts/install.js — `npm install` hook: use the prebuilt addon when one matches this platform
// and loads; otherwise build from source with node-gyp; when that fails, say what is missing and
// the one command that installs it. Plain JavaScript: it runs before the TypeScript is built.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

// The addon lib/native.ts would load: a local build/Release/genconvnet.node (named: node-gyp-build
// takes the first .node there, which may be the test-only genconvnet_test.node), else the prebuild.
function prebuildLoads() {
  try {
    const local = path.join(root, 'build', 'Release', 'genconvnet.node');
    const file = fs.existsSync(local) ? local : require('node-gyp-build').resolve(root);
    const binding = require(file);
    return typeof binding.NativeNet === 'function' ? { file, binding } : null;
  } catch (err) {
    return null;
  }
}

// One line on the CUDA backend of a binary that has it: usable here, or where to read why not.
function cudaLine(binding) {
  if (typeof binding.cudaStatus !== 'function') return null;
  const s = binding.cudaStatus();
  if (s.usable) return `genconvnet: the CUDA backend is usable on ${s.device}`;
  return 'genconvnet: the CUDA backend is compiled in but cannot run here (the CPU backends are used); ' +
    'node -p "require(\'genconvnet\').cudaStatus().reason" says why';
}

function has(cmd, args = ['--version']) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function main() {
  if (process.env.GENCONVNET_BUILD_FROM_SOURCE !== '1') {
    const found = prebuildLoads();
    if (found) {
      console.log(`genconvnet: using ${path.relative(root, found.file)}`);
      const line = cudaLine(found.binding);
      if (line) console.log(line);
      return;
    }
  }
  const nodeGyp = process.env.npm_config_node_gyp;
  const gypArgs = ['rebuild', '--jobs', 'max'];
  const [cmd, args] = nodeGyp ? [process.execPath, [nodeGyp, ...gypArgs]] : ['node-gyp', gypArgs];
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) return;
  const missing = ['g++', 'make', 'python3'].filter((c) => !has(c));
  const lines = [
    '',
    `genconvnet: no prebuilt binary matches ${process.platform}-${process.arch} (Node ${process.versions.node}, N-API ${process.versions.napi}), and building from source failed.`,
    missing.length
      ? `  Missing: ${missing.join(', ')}. Install them with:  sudo apt-get install -y g++ make python3`
      : '  The compiler is present; the node-gyp output above says what failed.',
    '  Optional, for the fast CPU backend:  sudo apt-get install -y libdnnl-dev',
    '  Then run:  npm rebuild genconvnet',
    '',
  ];
  console.error(lines.join('\n'));
  process.exit(1);
}

main();
