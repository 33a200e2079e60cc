// test/binding/boundary.test.ts — the N-API boundary (native/binding/guard.h, net_wrap.cc) never lets
// a failure kill the process: worker_thread termination mid-call, a transferred input buffer, a
// failed allocation and its retry, and direct addon calls with bad nodes or huge batches (#12 cases
// 2, 3, 4, 5). Each case runs in its own process, so a crash fails the test instead of ava.
import test, { type ImplementationFn } from 'ava';
import * as path from 'node:path';
import { libDir, runChild, type ChildResult } from '../helpers/child';
import { testIf, underAsan } from '../helpers/skip';

function survived(t: { is: (a: unknown, b: unknown, m?: string) => void }, r: ChildResult, expectStatus = 0): void {
  t.is(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(-400)}`);
  t.is(r.status, expectStatus, `exit ${r.status}: ${r.stdout.slice(-400)} ${r.stderr.slice(-400)}`);
}

// A net whose conv output is 2^28 floats (1 GiB) per image, pooled to 65536 scores: the activations
// of 256 images (256 GiB) cannot be allocated, while the scores (64 MiB) can.
const hugeLayers = `[{ type: 'conv', name: 'c', outChannels: 65536, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, groups: 1, bias: false },
  { type: 'maxpool', name: 'p', kernelH: 64, kernelW: 64, strideH: 64, strideW: 64, padH: 0, padW: 0 }]`;

// Odd rounds run HMC chains (NativeChains tasks) instead of forward calls. Every round loads the
// addon into a new env: per-env state must not outlive its env (a process-wide static reference to
// the chains constructor once corrupted the heap here in 2 runs of 3).
test('case 2: terminating a worker while its forward or HMC iteration runs does not abort the process', (t) => {
  const r = runChild(`
    const { Worker } = require('node:worker_threads');
    for (let round = 0; round < 6; round++) {
      const w = new Worker(\`
        const { parentPort, workerData } = require('node:worker_threads');
        const lib = require(process.env.GCN_LIB_INDEX);
        const net = lib.Network.create('lenet', { backend: 'reference' });
        const x = new Float32Array(256 * 784).fill(0.5);
        parentPort.postMessage('go');
        if (workerData % 2) lib.sample(net, { node: 'fc2:1', chains: 32, warmup: 0, draws: 100000, leapfrog: 5, keep: 'last', seed: 1,
          onProgress: (i) => parentPort.postMessage(i) });
        else (async () => { for (let i = 0; ; i++) { const p = net.forward(x); parentPort.postMessage(i); await p; } })();
      \`, { eval: true, workerData: round });
      await new Promise((res) => w.once('message', res));
      await new Promise((res) => setTimeout(res, 50 + 50 * round));
      await w.terminate();
    }
    console.log('survived');
  `, { env: { GCN_LIB_INDEX: path.join(libDir, 'index.js') } });
  survived(t, r);
  t.regex(r.stdout, /survived/);
});

test('case 3: detaching or transferring an input buffer while a call is queued is safe', (t) => {
  // One thread-pool thread, kept busy by a long call on another net: the calls under test wait in
  // the queue while their input's memory is transferred away and freed (200 KB: unmapped on free).
  const r = runChild(`
    const spec = { input: [1, 28, 28], layers: [{ type: 'conv', out: 8, kernel: 5 }, { type: 'relu' }, { type: 'maxpool', kernel: 2, stride: 2 },
      { type: 'flatten' }, { type: 'linear', name: 'fc2', out: 10 }] };
    const net = lib.Network.create(spec, { backend: 'reference' });
    const busy = lib.Network.create('lenet', { backend: 'reference' });
    const big = new Float32Array(64 * 784).fill(0.5);
    const ref = await net.forward(new Float32Array(64 * 784).fill(0.25));
    const refGrad = (await net.inputGradient(new Float32Array(64 * 784).fill(0.25), 'fc2:1')).grad;
    const detach = (a) => { structuredClone(a.buffer, { transfer: [a.buffer] }); global.gc(); new Float32Array(1 << 20).fill(7); };
    for (let i = 0; i < 3; i++) {
      let hold = busy.forward(big);
      const x = new Float32Array(64 * 784).fill(0.25);
      const p = net.forward(x);
      detach(x);
      await hold;
      const s = await p;
      if (s.some((v, j) => v !== ref[j])) throw new Error('forward scores changed after the transfer');
      hold = busy.forward(big);
      const y = new Float32Array(64 * 784).fill(0.25);
      const q = net.inputGradient(y, 'fc2:1');
      detach(y);
      await hold;
      const g = (await q).grad;
      if (g.some((v, j) => v !== refGrad[j])) throw new Error('input gradient changed after the transfer');
      await net.forward(new Float32Array(64 * 784).fill(0.25));
      hold = busy.forward(big);
      const d = new Float32Array(64 * 10 * 80).subarray(0, 640).fill(0.01);
      const b = net.backward(d);
      detach(d);
      await hold;
      await b;
    }
    console.log('ok');
  `, { flags: ['--expose-gc'], env: { UV_THREADPOOL_SIZE: '1' } });
  survived(t, r);
  t.regex(r.stdout, /ok/);
});

// ASan's operator new reports a failed allocation as a fatal error instead of throwing
// std::bad_alloc, so the allocation-failure cases run only without the sanitizer (npm test).
const asanReason = underAsan ? 'under ASan a failed allocation is fatal instead of throwing std::bad_alloc' : '';
const withoutAsan = (title: string, fn: ImplementationFn<[]>) => testIf('without ASan', asanReason, title, fn);

withoutAsan('case 4: a forward that runs out of memory can be retried without a crash (reference)', (t) => {
  const r = runChild(`
    const net = new native.NativeNet(${hugeLayers}, [1, 64, 64], 'reference', 0);
    const x = new Float32Array(256 * 4096);
    for (let i = 0; i < 3; i++) {
      try { await net.forward(x, 256, false); console.log('resolved?'); } catch (e) { console.log('code', e.code); }
    }
    const small = await net.forward(new Float32Array(4096), 1, false);
    console.log('small', small.length);
  `);
  survived(t, r);
  t.is(r.stdout.match(/code E_NO_MEMORY/g)?.length, 3, r.stdout);
  t.regex(r.stdout, /small 65536/);
});

withoutAsan('case 5: direct reference64 calls with a bad node or a huge batch throw coded errors', (t) => {
  const r = runChild(`
    const ref = require(${JSON.stringify(path.join(__dirname, '..', 'helpers', 'test-addon.js'))}).loadTestAddon();
    const layers = [{ type: 'conv', name: 'c', outChannels: 2, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padH: 0, padW: 0, groups: 1, bias: false }];
    const w = new Float64Array(2 * 1 * 9);
    const x = new Float64Array(1 * 25);
    for (const node of [{ layer: 0, channel: 5, y: 0, x: 0 }, { layer: 0, channel: 0, y: 99, x: -4 }, { layer: 7, channel: 0 }]) {
      try { ref.reference64(layers, [1, 5, 5], [w], x, 1, { node }); console.log('accepted'); } catch (e) { console.log('code', e.code); }
    }
    try {
      ref.reference64(${hugeLayers}, [1, 64, 64], [new Float64Array(65536)], new Float64Array(256 * 4096), 256, {});
      console.log('accepted');
    } catch (e) { console.log('code', e.code); }
    try { ref.reference64(layers, [1, 5, 5], 'not an array', x, 1, {}); } catch (e) { console.log('code', e.code); }
  `);
  survived(t, r);
  t.deepEqual(r.stdout.trim().split('\n'), ['code E_INVALID_ARGUMENT', 'code E_INVALID_ARGUMENT', 'code E_INVALID_ARGUMENT', 'code E_NO_MEMORY', 'code E_INVALID_ARGUMENT']);
});

test('case 10: the addon refuses sizes above 2^31-1 instead of truncating them', (t) => {
  const r = runChild(`
    const tries = [
      [[{ type: 'relu', name: 'r' }], [1, 2 ** 32 + 8, 1]],
      [[{ type: 'flatten', name: 'f' }, { type: 'linear', name: 'l', outFeatures: 2 }], [65536, 1, 65537]],
      [[{ type: 'conv', name: 'c', outChannels: 1, kernelH: 1, kernelW: 1, padH: 2 ** 31 - 1, padW: 0 }], [1, 4, 4]],
      [[{ type: 'maxpool', name: 'p', kernelH: 2, kernelW: 2, strideH: 1.5, strideW: 1 }], [1, 4, 4]],
    ];
    for (const [layers, input] of tries) {
      try { new native.NativeNet(layers, input, 'reference', 0); console.log('accepted'); } catch (e) { console.log('code', e.code); }
    }
  `);
  survived(t, r);
  t.deepEqual(r.stdout.trim().split('\n'), ['code E_SHAPE', 'code E_SPEC', 'code E_SPEC', 'code E_SPEC']);
});
