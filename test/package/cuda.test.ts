// test/package/cuda.test.ts — what a user sees about CUDA through the public API: cudaStatus() says
// whether the backend is compiled in and, in a CUDA build, where the driver, cuDNN and cuBLAS were
// looked for (beside the addon, the loader's path, Python environments' nvidia/*/lib), and
// `device: 'cuda'` throws E_BACKEND with that reason. The library search runs once per process, so
// each environment is tried in a child process. (scripts/pack-check.js checks the packed tarball.)
import test, { type ImplementationFn } from 'ava';
import { spawnSync } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cudaStatus, resolveBackend } from '../../lib/backend';
import { GenConvNetError } from '../../lib/errors';
import { testIf } from '../helpers/skip';

const index = path.resolve(__dirname, '..', '..', 'lib', 'index.js');
const status = cudaStatus();
const gpuHere = status.usable;

/** cudaStatus() in a fresh process with extra environment variables. */
function statusIn(env: Record<string, string>): ReturnType<typeof cudaStatus> {
  const r = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(index)}).cudaStatus()))`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof cudaStatus>;
}

/** A CUDA test on a CUDA build without a usable GPU; skipped (with the reason logged) elsewhere. */
function cudaBuildTest(title: string, fn: ImplementationFn<[]>): void {
  const reason = !status.compiled ? 'this build has no CUDA backend (scripts/pack-test.sh tests the CUDA prebuild)' : gpuHere ? 'a GPU is usable here' : '';
  testIf('CUDA library-search', reason, title, fn);
}

test("device 'cuda' is refused with the reason cudaStatus() gives, unless a GPU is usable", (t) => {
  if (gpuHere) {
    t.is(resolveBackend('cuda'), 'cuda');
    return;
  }
  t.false(status.usable);
  const err = t.throws(() => resolveBackend('cuda'), { instanceOf: GenConvNetError });
  t.is((err as GenConvNetError).code, 'E_BACKEND');
  t.true(err!.message.includes(status.compiled ? status.reason : 'this build has no CUDA backend'), err!.message);
  t.not(resolveBackend('auto'), 'cuda');
  if (!status.compiled) t.deepEqual(status.libraries, []);
});

cudaBuildTest('a CUDA build lists where it looked for the driver, cuDNN and cuBLAS', (t) => {
  t.deepEqual(status.libraries.map((l) => l.name), ['the NVIDIA driver', 'cuDNN', 'cuBLAS']);
  const [driver, cudnn, cublas] = status.libraries;
  t.deepEqual(driver.files, ['libcuda.so.1']);
  t.deepEqual(cudnn.files, ['libcudnn.so.9', 'libcudnn.so.8']);
  t.deepEqual(cublas.files, ['libcublas.so.13', 'libcublas.so.12']);
  t.is(cudnn.envVar, 'GENCONVNET_CUDNN');
  for (const lib of status.libraries) t.true(lib.places.some((p) => p.startsWith("the loader's path (LD_LIBRARY_PATH=")), lib.name);
  t.regex(status.reason, /cuDNN \(libcudnn\.so\.9 or libcudnn\.so\.8\) was not found in .*`pip install nvidia-cudnn-cu12`/);
});

cudaBuildTest("a CUDA build searches a virtualenv's nvidia/*/lib and reports what failed there", async (t) => {
  const venv = await fsp.mkdtemp(path.join(os.tmpdir(), 'gcn-venv-'));
  const nv = path.join(venv, 'lib', 'python3.12', 'site-packages', 'nvidia');
  await fsp.mkdir(path.join(nv, 'cudnn', 'lib'), { recursive: true });
  await fsp.mkdir(path.join(nv, 'cublas', 'lib'), { recursive: true });
  await fsp.writeFile(path.join(nv, 'cudnn', 'lib', 'libcudnn.so.9'), 'not an ELF file');
  // a loadable library that is not cuBLAS: found, loaded, then refused for its missing entry points
  const libm = readFileSync('/proc/self/maps', 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).find((f) => f && /\/libm\.so\.6$/.test(f));
  await fsp.copyFile(libm!, path.join(nv, 'cublas', 'lib', 'libcublas.so.12'));
  const s = statusIn({ VIRTUAL_ENV: venv });
  const cudnnDir = path.join(nv, 'cudnn', 'lib') + '/';
  t.true(s.libraries[1].places.includes(cudnnDir), s.libraries[1].places.join('\n'));
  t.true(s.libraries[1].errors.some((e) => e.startsWith(`${cudnnDir}libcudnn.so.9: `) && /invalid ELF header|too short/.test(e)));
  t.is(s.libraries[2].loaded, path.join(nv, 'cublas', 'lib', 'libcublas.so.12'));
  t.regex(s.reason, /cuBLAS at .*libcublas\.so\.12 lacks cublasCreate_v2/);
  await fsp.rm(venv, { recursive: true, force: true });
});

cudaBuildTest('GENCONVNET_CUDNN names the only file tried', (t) => {
  const s = statusIn({ GENCONVNET_CUDNN: '/nonexistent/libcudnn.so.9' });
  t.deepEqual(s.libraries[1].places, ['/nonexistent/libcudnn.so.9 (GENCONVNET_CUDNN)']);
  t.regex(s.reason, /\/nonexistent\/libcudnn\.so\.9: no such file/);
});
