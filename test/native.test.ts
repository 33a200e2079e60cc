// test/native.test.ts — lib/native.ts's wrapper: every native failure, thrown synchronously or
// rejected by an AsyncWorker, arrives as a GenConvNetError with its stable code, a message in the
// house format and the stack of the JavaScript caller; cudaStatus()/setCudaOptions() are public; the
// float64 checker is not in the shipped addon (test/helpers/test-addon.ts loads it).
import test from 'ava';
import { cudaStatus, setCudaOptions } from '../lib/backend';
import { GenConvNetError } from '../lib/errors';
import { loadNative, nativeError } from '../lib/native';
import { Network } from '../lib/network';
import type { NetSpec } from '../lib/spec';
import { loadTestAddon } from './helpers/test-addon';

const spec: NetSpec = { input: [1, 4, 4], layers: [{ type: 'flatten', name: 'flat' }, { type: 'linear', name: 'fc', out: 3 }] };

function callerOfSync(): unknown {
  const net = new (loadNative().NativeNet)([{ type: 'flatten', name: 'f' }], [1, 2, 2], 'reference', 0);
  try {
    return net.forward(new Float32Array(3), 1, false);
  } catch (err) {
    return err;
  } finally {
    net.dispose();
  }
}

test('a synchronous native failure is a GenConvNetError with code, house message and the caller in its stack', (t) => {
  const err = callerOfSync();
  t.true(err instanceof GenConvNetError);
  const e = err as GenConvNetError;
  t.is(e.code, 'E_SHAPE');
  t.regex(e.message, /^Expected 4 values for input but received 3$/);
  t.regex(e.stack ?? '', /callerOfSync/);
});

test('a failure inside an AsyncWorker rejects with a GenConvNetError carrying the awaiting caller', async (t) => {
  const native = loadNative();
  const net = new native.NativeNet([{ type: 'flatten', name: 'f' }, { type: 'linear', name: 'fc', outFeatures: 3 }], [1, 2, 2], 'reference', 0);
  async function trainCaller() {
    // the label range is checked by the engine, on the worker thread
    return net.trainStep(new Float32Array(4), Int32Array.of(7), 1, 0, { kind: 'sgd', lr: 0.1 }, false);
  }
  const e = await t.throwsAsync(trainCaller());
  t.true(e instanceof GenConvNetError);
  t.is((e as GenConvNetError).code, 'E_INVALID_ARGUMENT');
  t.regex(e!.message, /^Expected a label in \[-1, 2\] for labels\[0\] but received 7$/);
  t.regex(e!.stack ?? '', /trainCaller/);
  net.dispose();
});

test('the constructor and disposed nets fail with codes too', (t) => {
  const native = loadNative();
  t.throws(() => new native.NativeNet([{ type: 'warp', name: 'w' }], [1, 2, 2], 'reference', 0), { instanceOf: GenConvNetError, code: 'E_SPEC' } as never);
  const net = Network.create(spec, { backend: 'reference' });
  net.dispose();
  t.throws(() => net.getParameter('fc.weight'), { instanceOf: GenConvNetError, code: 'E_DISPOSED' } as never);
});

test('nativeError keeps known codes, maps unknown ones to E_INTERNAL and says which call failed', (t) => {
  const known = nativeError(Object.assign(new Error('Expected x for y but received z'), { code: 'E_CUDA' }), undefined, 'f');
  t.is(known.code, 'E_CUDA');
  const unknown = nativeError(new Error('boom'), 'Error\n    at here (file.js:1:1)', 'NativeNet.forward');
  t.is(unknown.code, 'E_INTERNAL');
  t.is(unknown.message, 'Expected NativeNet.forward to succeed but received a native failure: boom');
  t.regex(unknown.stack ?? '', /at here \(file\.js:1:1\)/);
});

test('cudaStatus and setCudaOptions are public and typed', (t) => {
  const status = cudaStatus();
  if (!status.compiled) {
    t.throws(() => setCudaOptions({ tf32: true }), { code: 'E_BACKEND' } as never);
  } else {
    t.is(typeof status.usable, 'boolean');
    t.throws(() => setCudaOptions({ tf32: 'yes' as never }), { code: 'E_INVALID_ARGUMENT' } as never);
    setCudaOptions({ tf32: status.tf32 });
  }
  t.pass();
});

test('the shipped addon exports no test facility: the float64 checker is in the test-only module', (t) => {
  t.false('reference64' in loadNative());
  t.is(typeof loadTestAddon().reference64, 'function');
});
