#!/usr/bin/env node
// scripts/pack-check.js — run by scripts/pack-test.sh inside an empty project where the packed
// tarball was installed (no compiler, no system oneDNN, no CUDA toolkit, no GPU): the CPU backends
// train a step, `device: 'auto'` picks one silently, `device: 'cuda'` throws E_BACKEND naming what is
// missing, cudaStatus() lists where the driver, cuDNN and cuBLAS were looked for, and the package holds
// the shipped addon only (no test-only module, no float64 checker exported). Exits 1 on failure.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const g = require('genconvnet');

const expectCuda = process.argv.includes('--cuda');
const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

// forward and backward on one backend; returns the scores
async function trainStep(backend) {
  const net = g.Network.create(g.lenet(), { seed: 1, backend });
  const x = new Float32Array(2 * 784).map((_, i) => Math.sin(i));
  const scores = await net.forward(x, { train: true });
  await net.backward(new Float32Array(scores.length).fill(0.1));
  const grad = net.getGradient('conv1.weight');
  check(net.backend === backend && scores.every(Number.isFinite) && grad.some((v) => v !== 0),
    `${backend}: forward and backward give finite scores and a nonzero conv1 gradient`);
  net.dispose();
  return scores;
}

// cudaStatus() of a fresh process (the search runs once per process) with extra environment
function statusIn(env) {
  const r = spawnSync(process.execPath, ['-e', "console.log(JSON.stringify(require('genconvnet').cudaStatus()))"],
    { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// a fake Python environment: an unloadable cuDNN and a loadable file that is not cuBLAS
function fakeVenv() {
  const venv = fs.mkdtempSync(path.join(os.tmpdir(), 'gcn-venv-'));
  const site = path.join(venv, 'lib', 'python3.11', 'site-packages', 'nvidia');
  fs.mkdirSync(path.join(site, 'cudnn', 'lib'), { recursive: true });
  fs.mkdirSync(path.join(site, 'cublas', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(site, 'cudnn', 'lib', 'libcudnn.so.9'), 'not an ELF file');
  const libm = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).find((f) => f && /\/libm\.so\.6$/.test(f));
  fs.copyFileSync(libm, path.join(site, 'cublas', 'lib', 'libcublas.so.12'));
  return { venv, cudnnDir: path.join(site, 'cudnn', 'lib') + '/', cublas: path.join(site, 'cublas', 'lib', 'libcublas.so.12') };
}

function checkCuda() {
  const status = g.cudaStatus();
  check(status.compiled === expectCuda, `cudaStatus().compiled is ${expectCuda}`);
  if (!expectCuda) return;
  check(!status.usable && !g.availableBackends().includes('cuda'), 'cuda is not usable and not listed on a machine without a GPU');
  const names = status.libraries.map((l) => l.name);
  check(JSON.stringify(names) === JSON.stringify(['the NVIDIA driver', 'cuDNN', 'cuBLAS']), `cudaStatus().libraries names the driver, cuDNN and cuBLAS (${names})`);
  for (const lib of status.libraries) console.log(`     ${lib.name}: ${lib.files.join(', ')} looked for in ${lib.places.join(' | ')}${lib.loaded ? `; loaded ${lib.loaded}` : ''}`);
  const addonDir = path.dirname(require.resolve('genconvnet/package.json')) + '/prebuilds/linux-x64/';
  const [, cudnn, cublas] = status.libraries;
  check(cudnn.places[0] === addonDir && cudnn.places.some((p) => p.startsWith("the loader's path (LD_LIBRARY_PATH=")),
    "cuDNN was looked for beside the addon, then on the loader's path");
  check(cudnn.files.includes('libcudnn.so.9') && cublas.files.includes('libcublas.so.12') && !cudnn.loaded && !cublas.loaded, 'nothing loaded');
  let err;
  try { g.Network.create(g.lenet(), { device: 'cuda' }); } catch (e) { err = e; }
  console.log(`     device 'cuda': ${err && err.message}`);
  check(err instanceof g.GenConvNetError && err.code === 'E_BACKEND', "device 'cuda' throws a GenConvNetError E_BACKEND");
  const m = (err && err.message) || '';
  check(/no NVIDIA driver was found/.test(m), 'the message names the missing driver');
  check(/cuDNN \(libcudnn\.so\.9 or libcudnn\.so\.8\) was not found in .*pip install nvidia-cudnn-cu12/.test(m), 'the message says where cuDNN was sought and how to install it');
  check(/cuBLAS \(libcublas\.so\.13 or libcublas\.so\.12\) was not found in .*pip install nvidia-cublas-cu12/.test(m), 'the message says where cuBLAS was sought and how to install it');
  const fake = fakeVenv();
  const s = statusIn({ VIRTUAL_ENV: fake.venv });
  check(s.libraries[1].places.includes(fake.cudnnDir) && s.libraries[1].errors.some((e) => e.startsWith(fake.cudnnDir + 'libcudnn.so.9:')),
    "a virtualenv's nvidia/cudnn/lib is searched and its broken libcudnn.so.9 reported");
  check(s.libraries[2].loaded === fake.cublas && /cuBLAS at .* lacks cublasCreate_v2/.test(s.reason),
    "a virtualenv's nvidia/cublas/lib is searched and a library there loaded (then refused: not cuBLAS)");
  const forced = statusIn({ GENCONVNET_CUDNN: '/nonexistent/libcudnn.so.9' });
  check(forced.libraries[1].places.length === 1 && /\/nonexistent\/libcudnn\.so\.9: no such file/.test(forced.reason), 'GENCONVNET_CUDNN names the only file tried');
  fs.rmSync(fake.venv, { recursive: true, force: true });
}

// the test-only module (binding.gyp target genconvnet_test) is never shipped, nor its functions
function checkShippedAddon() {
  const root = path.dirname(require.resolve('genconvnet/package.json'));
  const modules = fs.readdirSync(root, { recursive: true }).filter((f) => f.endsWith('.node'));
  check(modules.length > 0 && modules.every((f) => path.basename(f) === 'genconvnet.node'), `the package's native modules are genconvnet.node only (${modules})`);
  const binding = require('genconvnet/dist/lib/native.js').loadNative();
  check(!('reference64' in binding), 'the shipped addon does not export reference64');
}

(async () => {
  checkShippedAddon();
  const backends = g.availableBackends();
  check(backends.includes('onednn') && backends.includes('reference'), `CPU backends present (${backends})`);
  const fast = await trainStep('onednn');
  const ref = await trainStep('reference');
  check(fast.every((v, i) => Math.abs(v - ref[i]) <= 1e-4 + 1e-3 * Math.abs(ref[i])), 'onednn matches reference');
  const writes = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk, ...rest) => (writes.push(String(chunk)), true);
  const auto = g.Network.create(g.lenet(), { device: 'auto' });
  process.stderr.write = write;
  check(auto.backend === 'onednn' && writes.length === 0, `device 'auto' picks onednn without a word (${auto.backend}, ${writes.length} writes)`);
  auto.dispose();
  checkCuda();
  if (failures.length) {
    console.error(`pack-check: ${failures.length} failed`);
    process.exit(1);
  }
  console.log('pack-check: all passed');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
